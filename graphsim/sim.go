package graphsim

import (
	"encoding/json"
	"net/http"
)

// serveSim serves the control routes, which need no token and are neither
// delayed, throttled, faulted nor counted:
//
//	GET  /_sim/state  the tenant now, in the seed format
//	GET  /_sim/stats  the counters (Stats)
//	POST /_sim/reset  back to the seed, counters zeroed
func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) {
	write := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(v)
	}
	simErr := func(status int, code, msg string) {
		write(status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
	}
	var method string
	switch r.URL.Path {
	case "/_sim/state", "/_sim/stats":
		method = http.MethodGet
	case "/_sim/reset":
		method = http.MethodPost
	default:
		simErr(http.StatusNotFound, "NotFound", "graphsim control routes: GET /_sim/state, GET /_sim/stats, POST /_sim/reset")
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		simErr(http.StatusMethodNotAllowed, "MethodNotAllowed", r.URL.Path+" takes "+method)
		return
	}
	switch r.URL.Path {
	case "/_sim/state":
		write(http.StatusOK, s.State())
	case "/_sim/stats":
		write(http.StatusOK, s.Stats())
	default:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	}
}
