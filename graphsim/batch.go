package graphsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// JSON batching (docs/graph.md, "JSON batching").

// maxBatch is Graph's limit on the requests of one $batch.
const maxBatch = 20

type batchItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

func (it *batchItem) header(name string) string {
	for k, v := range it.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (it *batchItem) hasBody() bool {
	b := strings.TrimSpace(string(it.Body))
	return b != "" && b != "null"
}

// batch answers POST /$batch: each item goes through the same handling as
// a request of its own (throttling and faults included; the envelope's
// authentication stands for all), dependsOn is honoured (a failed parent
// gives 424), and the answers come back in shuffled order.
func (c *call) batch() *response {
	s := c.s
	s.count(func(st *Stats) { st.Batches++ })
	var b struct {
		Requests []batchItem `json:"requests"`
	}
	if r := c.decode(&b, false); r != nil {
		return r
	}
	bad := func(format string, args ...any) *response {
		return c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf(format, args...))
	}
	switch {
	case len(b.Requests) == 0:
		return bad("A batch request must contain at least one request.")
	case len(b.Requests) > maxBatch:
		// Unconfirmed wording; the limit of 20 is documented.
		return bad("The batch contains %d requests; the limit is %d.", len(b.Requests), maxBatch)
	}
	byID := map[string]*batchItem{}
	for i := range b.Requests {
		it := &b.Requests[i]
		switch {
		case it.ID == "":
			return bad("Request %d of the batch has no id.", i+1)
		case byID[it.ID] != nil:
			return bad("Batch request ids must be unique: '%s' appears more than once.", it.ID)
		case it.Method == "" || it.URL == "":
			return bad("Request '%s' of the batch needs a method and a url.", it.ID)
		case strings.Contains(it.URL, "://"):
			return bad("Request '%s' of the batch has an absolute url; urls in a batch are relative, e.g. /users.", it.ID)
		case it.hasBody() && it.header("Content-Type") == "" && it.Method != http.MethodGet && it.Method != http.MethodDelete:
			return bad("Request '%s' of the batch has a body but no Content-Type header.", it.ID)
		}
		byID[it.ID] = it
	}
	for _, it := range b.Requests {
		for _, d := range it.DependsOn {
			if byID[d] == nil {
				return bad("Request '%s' depends on '%s', which is not in the batch.", it.ID, d)
			}
		}
	}
	if cyc := dependencyCycle(b.Requests, byID); cyc != "" {
		return bad("The dependsOn of request '%s' form a cycle.", cyc)
	}

	results := map[string]*response{}
	var run func(it *batchItem) *response
	run = func(it *batchItem) *response {
		if r, ok := results[it.ID]; ok {
			return r
		}
		sub := c.item(it)
		var r *response
		for _, d := range it.DependsOn {
			if p := run(byID[d]); p.status >= 400 {
				// Unconfirmed code and message; the status 424 is documented.
				r = sub.fail(http.StatusFailedDependency, "FailedDependency",
					fmt.Sprintf("The request with id '%s' that this request depends on failed.", d))
				s.count(func(st *Stats) { st.Requests++ })
				s.finish(sub.method+" (failed dependency)", r)
				break
			}
		}
		if r == nil {
			if strings.EqualFold(strings.TrimSuffix(sub.path, "/"), "/"+c.version()+"/$batch") {
				r = sub.fail(http.StatusBadRequest, "BadRequest", "A batch cannot contain a batch.")
				s.count(func(st *Stats) { st.Requests++ })
				s.finish(sub.method+" /v1.0/$batch (nested)", r)
			} else {
				r = s.handle(sub)
			}
		}
		if r.drop { // cannot happen: batch items are never dropped
			r = sub.faultResponse(&fault{kind: Fault504})
		}
		results[it.ID] = r
		return r
	}
	out := make([]map[string]any, 0, len(b.Requests))
	for i := range b.Requests {
		it := &b.Requests[i]
		r := run(it)
		out = append(out, itemJSON(it.ID, r))
	}
	s.rngMu.Lock()
	s.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	s.rngMu.Unlock()
	return c.ok(map[string]any{"responses": out})
}

// item is the call of one batch item: its url is relative to the batch's
// API version.
func (c *call) item(it *batchItem) *call {
	raw := it.URL
	if !strings.HasPrefix(raw, "/") {
		raw = "/" + raw
	}
	u, err := url.Parse(raw)
	var path string
	var query url.Values
	if err == nil {
		path, query = u.Path, u.Query()
	} else {
		path, query = raw, url.Values{}
	}
	h := http.Header{}
	for k, v := range it.Headers {
		h.Set(k, v)
	}
	sub := c.s.newCall(strings.ToUpper(it.Method), "/"+c.version()+path, query, h, c.base)
	sub.inBatch = true
	if it.hasBody() {
		sub.body = it.Body
	}
	return sub
}

// itemJSON is one entry of the batch's responses. Header names keep the
// case Graph uses: the SDK reads "Content-Type" exactly so.
func itemJSON(id string, r *response) map[string]any {
	hdrs := map[string]string{}
	for k, v := range r.header {
		if len(v) == 0 {
			continue
		}
		name := k
		if strings.HasPrefix(strings.ToLower(k), "x-ms-") {
			name = strings.ToLower(k)
		}
		hdrs[name] = v[0]
	}
	m := map[string]any{"id": id, "status": r.status, "headers": hdrs}
	if r.body != nil {
		hdrs["Content-Type"] = graphContentType
		m["body"] = json.RawMessage(r.body)
	}
	return m
}

// dependencyCycle returns the id of a request on a dependsOn cycle, or "".
func dependencyCycle(items []batchItem, byID map[string]*batchItem) string {
	const (
		unseen = iota
		visiting
		done
	)
	mark := map[string]int{}
	var visit func(id string) bool
	visit = func(id string) bool {
		switch mark[id] {
		case visiting:
			return true
		case done:
			return false
		}
		mark[id] = visiting
		for _, d := range byID[id].DependsOn {
			if visit(d) {
				return true
			}
		}
		mark[id] = done
		return false
	}
	for _, it := range items {
		if visit(it.ID) {
			return it.ID
		}
	}
	return ""
}
