package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// JSON batching, written and read here rather than by msgraph-sdk-go-core's
// BatchRequest: that one re-encodes every request body from a map and hands
// response bodies over as maps that lose top-level numbers, so a role
// management rule could be neither sent as it is nor read back as it was.
// Requests still come from the SDK's typed builders and go through the
// adapter (its middleware and authentication).

// batchStep is one request of a JSON batch (docs/graph.md, "JSON batching").
type batchStep struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batchAnswer is one response of a batch, its body left as Graph sent it.
type batchAnswer struct {
	ID      string            `json:"id"`
	Status  *int              `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// batch collects the steps of one $batch.
type batch struct {
	c     *Client
	steps []batchStep
}

// add makes ri the next step, with the id of its position ("1", "2", …).
func (b *batch) add(ri *abs.RequestInformation) error {
	base := b.c.adapter.GetBaseUrl()
	if _, ok := ri.PathParameters["baseurl"]; !ok {
		ri.PathParameters["baseurl"] = base
	}
	u, err := ri.GetUri()
	if err != nil {
		return err
	}
	rel, ok := strings.CutPrefix(u.String(), base)
	if !ok {
		return fmt.Errorf("%s is not under %s", u, base)
	}
	s := batchStep{ID: strconv.Itoa(len(b.steps) + 1), Method: ri.Method.String(), URL: rel}
	for _, k := range ri.Headers.ListKeys() {
		if s.Headers == nil {
			s.Headers = map[string]string{}
		}
		s.Headers[k] = strings.Join(ri.Headers.Get(k), ",")
	}
	if len(ri.Content) > 0 {
		if !json.Valid(ri.Content) {
			return errors.New("the request body is not JSON")
		}
		s.Body = ri.Content
	}
	b.steps = append(b.steps, s)
	return nil
}

// send posts the batch and returns each step's answer by the step's
// index; a step Graph did not answer has none. An answer that cannot be
// read is an error: any of the steps may have taken effect.
func (b *batch) send(ctx context.Context) (map[int]batchAnswer, error) {
	payload, err := json.Marshal(struct {
		Requests []batchStep `json:"requests"`
	}{b.steps})
	if err != nil {
		return nil, err
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.POST
	ri.UrlTemplate = "{+baseurl}/$batch"
	ri.Content = payload
	ri.Headers.TryAdd("Content-Type", "application/json")
	ri.Headers.TryAdd("Accept", "application/json")
	res, err := b.c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMapping)
	if err != nil {
		return nil, err
	}
	raw, _ := res.([]byte)
	var ans struct {
		Responses []batchAnswer `json:"responses"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("the $batch answer could not be read: %v", errOrEmpty(err))
	}
	out := make(map[int]batchAnswer, len(ans.Responses))
	for _, a := range ans.Responses {
		i, err := strconv.Atoi(a.ID)
		if err != nil || i < 1 || i > len(b.steps) {
			continue // not one of ours
		}
		if _, dup := out[i-1]; !dup {
			out[i-1] = a
		}
	}
	return out, nil
}

func errOrEmpty(err error) error {
	if err == nil {
		return errors.New("no body")
	}
	return err
}

// object decodes the answer's body as a JSON object, nil when it is none.
func (a *batchAnswer) object() map[string]any {
	var m map[string]any
	json.Unmarshal(a.Body, &m)
	return m
}

// result reads one answer of a write.
func (a *batchAnswer) result() wire.Result {
	var r wire.Result
	if a.Status != nil {
		r.Status = *a.Status
	}
	body := a.object()
	r.RequestID = headerFold(a.Headers, "request-id")
	switch {
	case r.Status >= 200 && r.Status < 300:
		r.ObjectID = asString(field(body, "id"))
		r.TargetScheduleID = asString(field(body, "targetScheduleId"))
		r.RequestStatus = asString(field(body, "status"))
		return r
	case r.Status == 0:
		r.Message = "Graph's batch answer has no status for this write; it may or may not have taken effect"
		return r
	}
	e := asMap(field(body, "error"))
	r.Code = asString(field(e, "code"))
	r.Message = asString(field(e, "message"))
	if id := asString(field(asMap(field(e, "innerError")), "request-id")); id != "" {
		r.RequestID = id
	}
	if r.Message == "" {
		r.Message = http.StatusText(r.Status)
	}
	r.RetryAfter = parseRetryAfter(headerFold(a.Headers, "Retry-After"))
	r.Retryable = retryableStatus(r.Status)
	return r
}
