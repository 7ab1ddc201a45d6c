package graphsim

import "net/http"

// Fault kinds, as counted in Stats.FaultsByKind.
const (
	Fault503           = "503"
	Fault503RetryAfter = "503-retry-after"
	Fault504           = "504"
	FaultDrop          = "drop" // the connection is closed without an answer
)

// faultRetryAfter is the Retry-After of a 503 fault: short and fractional,
// like Graph's 429s, so a client must honour fractions.
const faultRetryAfter = "0.1"

type fault struct {
	kind  string
	after bool // the write takes effect, then the answer is lost
}

// pickFault decides whether this call fails (Options.FaultRate). A write
// fails after it took effect half of the time. A $batch item cannot drop a
// connection: it gets one of the other kinds.
func (s *Server) pickFault(c *call, write bool) *fault {
	if s.opt.FaultRate <= 0 {
		return nil
	}
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	if s.rng.Float64() >= s.opt.FaultRate {
		return nil
	}
	kinds := []string{Fault503, Fault503RetryAfter, Fault504, FaultDrop}
	if c.inBatch {
		kinds = kinds[:3]
	}
	f := &fault{kind: kinds[s.rng.IntN(len(kinds))]}
	if write {
		f.after = s.rng.IntN(2) == 1
	}
	return f
}

// answer is the failed response of a fault.
func (c *call) faultResponse(f *fault) *response {
	switch f.kind {
	case Fault503, Fault503RetryAfter:
		r := c.fail(http.StatusServiceUnavailable, "serviceNotAvailable",
			"The service is temporarily unavailable. Retry the request later.")
		if f.kind == Fault503RetryAfter {
			r.header.Set("Retry-After", faultRetryAfter)
		}
		return r
	case Fault504:
		return c.fail(http.StatusGatewayTimeout, "GatewayTimeout", "The gateway did not receive a response from the service in time.")
	}
	return &response{drop: true, header: http.Header{}}
}
