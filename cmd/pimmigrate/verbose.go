package main

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// verboseTransport logs every HTTP request to Graph on stderr (-v): method,
// path and query, status, duration and Graph's request id. It never logs
// headers or bodies, so no token or secret can show.
type verboseTransport struct {
	next http.RoundTripper
	w    io.Writer
	mu   sync.Mutex
	now  func() time.Time
}

func (t *verboseTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := t.now()
	res, err := t.next.RoundTrip(r)
	took := t.now().Sub(start).Round(time.Millisecond)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		fmt.Fprintf(t.w, "graph: %s %s -> error after %s: %s\n", r.Method, r.URL.RequestURI(), took, migrate.Printable(err.Error()))
		return res, err
	}
	fmt.Fprintf(t.w, "graph: %s %s -> %d in %s (request-id %s)\n", r.Method, r.URL.RequestURI(), res.StatusCode, took, migrate.Printable(res.Header.Get("request-id")))
	return res, nil
}
