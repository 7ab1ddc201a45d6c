package graphsim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name    string
		require string
		auth    string // Authorization header; "" = none
		path    string
		status  int
		code    string
		message string
	}{
		{"no header", "", "", "/v1.0/organization", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"empty bearer", "", "Bearer ", "/v1.0/organization", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"basic scheme", "", "Basic dXNlcjpwYXNz", "/v1.0/organization", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"any token", "", "Bearer whatever", "/v1.0/organization", 200, "", ""},
		{"lower-case scheme", "", "bearer whatever", "/v1.0/organization", 200, "", ""},
		{"wrong token", "s3cret", "Bearer whatever", "/v1.0/organization", 401, "InvalidAuthenticationToken", "validation failure"},
		{"right token", "s3cret", "Bearer s3cret", "/v1.0/organization", 200, "", ""},
		{"legacy route too", "", "", "/beta/privilegedRoleAssignments", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"unknown route too", "", "", "/v1.0/nothing", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"sim needs none", "s3cret", "", "/_sim/stats", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, testSeed(), Options{RequireToken: tt.require})
			e.token = ""
			r := e.do("GET", tt.path, nil, "Authorization", tt.auth)
			if tt.code == "" {
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
				}
				return
			}
			wantError(t, r, tt.status, tt.code, tt.message)
		})
	}
}

func TestRequestIDs(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	r := e.do("GET", "/v1.0/organization", nil, "client-request-id", "my-id-1")
	if r.header.Get("client-request-id") != "my-id-1" || r.header.Get("request-id") == "" {
		t.Errorf("headers %v: want client-request-id echoed and a request-id", r.header)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	r = e.do("GET", "/v1.0/users/"+nobody, nil, "client-request-id", "my-id-2")
	inner := r.body["error"].(map[string]any)["innerError"].(map[string]any)
	if inner["client-request-id"] != "my-id-2" || inner["request-id"] != r.header.Get("request-id") {
		t.Errorf("innerError %v does not match headers %v", inner, r.header)
	}
	if r2 := e.do("GET", "/v1.0/organization", nil); r2.header.Get("request-id") == r.header.Get("request-id") {
		t.Error("two requests got the same request-id")
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	tests := []struct {
		name, method, path string
		status             int
		code, message      string
	}{
		{"unknown segment", "GET", "/v1.0/roleManagement/directory/roleThings", 404, "BadRequest", "Resource not found for the segment 'roleThings'."},
		{"unknown version", "GET", "/v2.0/users", 404, "BadRequest", "segment 'v2.0'"},
		{"too deep", "GET", "/v1.0/users/" + alice + "/manager/x", 404, "BadRequest", "segment 'manager'"},
		{"wrong method", "PATCH", "/v1.0/roleManagement/directory/roleAssignments", 405, "Request_BadRequest", "not allowed"},
		{"delete a list", "DELETE", "/beta/privilegedRoleAssignments", 405, "Request_BadRequest", "not allowed"},
		{"get getByIds", "GET", "/v1.0/directoryObjects/getByIds", 405, "Request_BadRequest", "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, nil)
			wantError(t, r, tt.status, tt.code, tt.message)
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
	// Segments compare case-insensitively, as Graph's do.
	e.must(200, "GET", "/V1.0/Organization", nil)
}

func TestRequestBodies(t *testing.T) {
	body := []byte(`{"principalId":"` + alice + `","roleDefinitionId":"` + privRoleAdmin + `","directoryScopeId":"/"}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	zw.Close()

	t.Run("gzip", func(t *testing.T) {
		e := newEnv(t, testSeed(), Options{})
		r := e.do("POST", "/v1.0/roleManagement/directory/roleAssignments", gz.Bytes(), "Content-Encoding", "gzip")
		if r.status != 201 {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
	})
	t.Run("gzip header on a plain body", func(t *testing.T) {
		e := newEnv(t, testSeed(), Options{})
		r := e.do("POST", "/v1.0/roleManagement/directory/roleAssignments", body, "Content-Encoding", "gzip")
		wantError(t, r, 400, "BadRequest", "gzip")
	})
	t.Run("chunked gzip", func(t *testing.T) {
		e := newEnv(t, testSeed(), Options{})
		// An io.Reader of unknown length makes net/http send it chunked.
		req, _ := http.NewRequest("POST", e.ts.URL+"/v1.0/roleManagement/directory/roleAssignments",
			io.MultiReader(bytes.NewReader(gz.Bytes()[:10]), bytes.NewReader(gz.Bytes()[10:])))
		req.Header.Set("Authorization", "Bearer x")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 || req.ContentLength != 0 {
			t.Fatalf("status %d (content length %d)", resp.StatusCode, req.ContentLength)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		e := newEnv(t, testSeed(), Options{})
		r := e.do("POST", "/v1.0/roleManagement/directory/roleAssignments", []byte("principalId=x"))
		wantError(t, r, 400, "BadRequest", "Unable to read JSON request payload")
	})
}

func TestSimRoutes(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	e.must(201, "POST", "/v1.0/roleManagement/directory/roleAssignments", map[string]any{
		"principalId": robot, "roleDefinitionId": exchangeAdmin, "directoryScopeId": "/"})
	e.must(400, "POST", "/v1.0/roleManagement/directory/roleAssignments", map[string]any{
		"principalId": robot, "roleDefinitionId": exchangeAdmin, "directoryScopeId": "/"})
	e.must(200, "GET", "/v1.0/roleManagement/directory/roleAssignments/"+e.srv.State().RoleAssignments[0].ID, nil)

	var state Seed
	r := e.do("GET", "/_sim/state", nil, "Authorization", "")
	if err := json.Unmarshal(r.raw, &state); err != nil {
		t.Fatal(err)
	}
	if len(state.RoleAssignments) != 3 || state.RoleAssignments[2].PrincipalID != robot {
		t.Errorf("state role assignments %+v, want the new one last", state.RoleAssignments)
	}

	var stats Stats
	r = e.do("GET", "/_sim/stats", nil)
	if err := json.Unmarshal(r.raw, &stats); err != nil {
		t.Fatal(err)
	}
	want := Stats{Requests: 3, Writes: 2, WritesCommitted: 1, DuplicatesRefused: 1,
		ByRoute: map[string]int64{
			"POST /v1.0/roleManagement/directory/roleAssignments":     2,
			"GET /v1.0/roleManagement/directory/roleAssignments/{id}": 1,
		},
		ByStatus:     map[string]int64{"201": 1, "400": 1, "200": 1},
		FaultsByKind: map[string]int64{},
	}
	if !jsonEqual(stats, want) {
		t.Errorf("stats %+v, want %+v", stats, want)
	}
	for _, k := range []string{"requests", "writes", "throttled", "faults", "duplicatesRefused", "byRoute", "byStatus"} {
		if !strings.Contains(string(r.raw), `"`+k+`"`) {
			t.Errorf("stats JSON lacks %q", k)
		}
	}

	if r := e.do("POST", "/_sim/reset", nil); r.status != 204 {
		t.Fatalf("reset: %d", r.status)
	}
	if got := len(e.srv.State().RoleAssignments); got != 2 {
		t.Errorf("after reset %d role assignments, want the seed's 2", got)
	}
	if s := e.srv.Stats(); s.Requests != 0 || len(s.ByRoute) != 0 {
		t.Errorf("after reset stats %+v", s)
	}
	if r := e.do("GET", "/_sim/reset", nil); r.status != 405 {
		t.Errorf("GET /_sim/reset: %d", r.status)
	}
	if r := e.do("GET", "/_sim/nothing", nil); r.status != 404 {
		t.Errorf("GET /_sim/nothing: %d", r.status)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestLatencyRespectsCancellation(t *testing.T) {
	e := newEnv(t, testSeed(), Options{Latency: time.Hour, Jitter: -1})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.ts.URL+"/v1.0/organization", nil)
	req.Header.Set("Authorization", "Bearer x")
	done := make(chan error, 1)
	go func() {
		resp, err := e.hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Fatal("request finished despite an hour of latency")
	}
	// The handler gave up too: closing the server does not wait an hour.
	e.ts.Close()
}

func TestLatencySmall(t *testing.T) {
	e := newEnv(t, testSeed(), Options{Latency: 2 * time.Millisecond})
	e.must(200, "GET", "/v1.0/organization", nil)
}
