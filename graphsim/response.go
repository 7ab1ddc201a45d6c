package graphsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// graphContentType is the Content-Type Graph answers JSON with.
const graphContentType = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"

// call is one Graph request being handled: a top-level HTTP request or one
// item of a $batch.
type call struct {
	s       *Server
	method  string
	path    string // "/v1.0/roleManagement/..." (decoded)
	query   url.Values
	header  http.Header
	body    []byte
	base    string // scheme://host of the top-level request, for links
	params  []string
	now     time.Time
	inBatch bool
	// appOnly is set for a caller signed in app-only (AppOnlyTokenPrefix).
	appOnly bool

	requestID, clientRequestID string
}

// response is an answer not yet written: the top level writes it to the
// connection, $batch embeds it in its own body.
type response struct {
	status int
	header http.Header
	body   []byte // JSON, or nil
	drop   bool   // close the connection without answering

	dupRefused bool // a duplicate create refused (Stats.DuplicatesRefused)
}

func (c *call) json(status int, v any) *response {
	b, err := marshal(v)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "generalException", "graphsim: "+err.Error())
	}
	return &response{status: status, header: http.Header{}, body: b}
}

// marshal is json.Marshal without HTML escaping: Graph writes "&" in a
// nextLink as is.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ok answers 200 with v.
func (c *call) ok(v any) *response { return c.json(http.StatusOK, v) }

// noContent answers 204.
func (c *call) noContent() *response {
	return &response{status: http.StatusNoContent, header: http.Header{}}
}

// fail answers with Graph's error envelope.
func (c *call) fail(status int, code, msg string) *response {
	env := map[string]any{"error": map[string]any{
		"code":    code,
		"message": msg,
		"innerError": map[string]any{
			"date":              c.now.UTC().Format("2006-01-02T15:04:05"),
			"request-id":        c.requestID,
			"client-request-id": c.clientRequestID,
		},
	}}
	b, _ := marshal(env)
	return &response{status: status, header: http.Header{}, body: b}
}

// notFound is Graph's answer for an object or a reference that does not
// exist (or is not visible yet).
func (c *call) notFound(id string) *response {
	return c.fail(http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

// invalidProperty is Graph's answer for a missing or malformed property.
func (c *call) invalidProperty(prop, resource string) *response {
	return c.fail(http.StatusBadRequest, "Request_BadRequest",
		fmt.Sprintf("Invalid value specified for property '%s' of resource '%s'.", prop, resource))
}

// badJSON is Graph's answer for a body that is not the JSON it expects.
func (c *call) badJSON() *response {
	return c.fail(http.StatusBadRequest, "BadRequest",
		"Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
}

// decode reads the JSON body into v. An empty body is an empty object when
// optional is true.
func (c *call) decode(v any, optional bool) *response {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		if optional {
			return nil
		}
		return c.badJSON()
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return c.badJSON()
	}
	return nil
}

// context is an @odata.context URL for this call's API version.
func (c *call) context(fragment string) string {
	return c.base + "/" + c.version() + "/$metadata#" + fragment
}

// version is "v1.0" or "beta".
func (c *call) version() string {
	p := strings.TrimPrefix(c.path, "/")
	v, _, _ := strings.Cut(p, "/")
	return v
}

// entity answers status with obj and its @odata.context.
func (c *call) entity(status int, fragment string, obj map[string]any) *response {
	out := make(map[string]any, len(obj)+1)
	out["@odata.context"] = c.context(fragment + "/$entity")
	for k, v := range obj {
		out[k] = v
	}
	return c.json(status, out)
}

// q returns a system query option, with or without its "$".
func (c *call) q(name string) (string, bool) {
	if v, ok := c.query["$"+name]; ok && len(v) > 0 {
		return v[0], true
	}
	if v, ok := c.query[name]; ok && len(v) > 0 {
		return v[0], true
	}
	return "", false
}

// visible reports whether an object created at created can be read yet
// (Options.ConsistencyLag).
func (c *call) visible(created time.Time) bool {
	return created.IsZero() || !c.now.Before(created.Add(c.s.opt.ConsistencyLag))
}
