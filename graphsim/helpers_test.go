package graphsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Ids of the test tenant.
const (
	tenantID = "11111111-1111-4111-8111-111111111111"
	alice    = "a11ce000-0000-4000-8000-000000000001"
	bob      = "b0b00000-0000-4000-8000-000000000002"
	carol    = "ca201000-0000-4000-8000-000000000003" // disabled guest
	admins   = "96000000-0000-4000-8000-000000000001" // role-assignable group
	plain    = "96000000-0000-4000-8000-000000000002" // not role-assignable
	robot    = "5e000000-0000-4000-8000-000000000001" // service principal
	nobody   = "00000000-dead-4000-8000-000000000000" // no such object

	globalAdmin   = "62e90394-69f5-4237-9190-012177145e10"
	privRoleAdmin = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	securityAdmin = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	userAdmin     = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	globalReader  = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	exchangeAdmin = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	// readerDirID is a directory-specific id of Global Reader.
	readerDirID  = "d1dd0000-0000-4000-8000-0000000000a1"
	customRole   = "c0570000-0000-4000-8000-000000000001"
	disabledRole = "c0570000-0000-4000-8000-000000000002"
	noRole       = "00000000-beef-4000-8000-000000000000"

	testToken = "test-token"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// testSeed is a small tenant with something of everything.
func testSeed() *Seed {
	return &Seed{
		TenantID:    tenantID,
		DisplayName: "Contoso",
		Users: []User{
			{ID: alice, UserPrincipalName: "alice@contoso.example", DisplayName: "Alice"},
			{ID: bob, UserPrincipalName: "bob@contoso.example", DisplayName: "Bob"},
			{ID: carol, UserPrincipalName: "carol_ext#EXT#@contoso.example", DisplayName: "Carol", AccountEnabled: ptr(false), UserType: "Guest"},
		},
		Groups: []Group{
			{ID: admins, DisplayName: "Tier 0 admins", IsAssignableToRole: true},
			{ID: plain, DisplayName: "Everyone"},
		},
		ServicePrincipals: []ServicePrincipal{{ID: robot, AppID: "a9900000-0000-4000-8000-000000000001", DisplayName: "Deploy bot"}},
		RoleDefinitions: []RoleDefinition{
			{ID: readerDirID, TemplateID: globalReader, DisplayName: "Global Reader", IsBuiltIn: ptr(true)},
			{ID: customRole, DisplayName: "Custom Auditor", Description: "reads audit logs"},
			{ID: disabledRole, DisplayName: "Retired Role", IsEnabled: ptr(false)},
		},
		PrivilegedRoleAssignments: []PrivilegedRoleAssignment{
			{UserID: alice, RoleID: globalAdmin, IsElevated: true},                                               // permanent
			{UserID: bob, RoleID: globalAdmin},                                                                   // eligible
			{UserID: alice, RoleID: securityAdmin, IsElevated: true, ExpirationDateTime: ptr(t0.Add(time.Hour))}, // activated
			{UserID: bob, RoleID: userAdmin, ExpirationDateTime: ptr(t0.Add(72 * time.Hour))},                    // time-bound eligible
			{ID: strings.ToUpper(carol) + "_" + strings.ToUpper(exchangeAdmin), UserID: strings.ToUpper(carol), RoleID: strings.ToUpper(exchangeAdmin)},
		},
		GovernanceRoleAssignments: []GovernanceRoleAssignment{
			{ID: "gov-1", RoleDefinitionID: globalAdmin, SubjectID: alice, AssignmentState: "Active", MemberType: "Direct"},
			{ID: "gov-2", RoleDefinitionID: securityAdmin, SubjectID: admins, AssignmentState: "Eligible", MemberType: "Direct",
				EndDateTime: ptr(t0.Add(48 * time.Hour))},
			{ID: "gov-3", RoleDefinitionID: securityAdmin, SubjectID: robot, AssignmentState: "Active", MemberType: "Direct"},
			{ID: "gov-4", RoleDefinitionID: securityAdmin, SubjectID: bob, AssignmentState: "Eligible", MemberType: "Group"},
		},
		RoleAssignments: []RoleAssignment{
			{PrincipalID: alice, RoleDefinitionID: globalAdmin, DirectoryScopeID: "/"},
			{PrincipalID: bob, RoleDefinitionID: readerDirID, DirectoryScopeID: "/"},
		},
		RoleEligibilitySchedules: []Schedule{
			{PrincipalID: bob, RoleDefinitionID: securityAdmin, DirectoryScopeID: "/"},
		},
	}
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// env is a graphsim behind an httptest server and a client for it.
type env struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	clock *fakeClock
	hc    *http.Client
	token string
}

func newEnv(t *testing.T, seed *Seed, opt Options) *env {
	t.Helper()
	clock := newClock()
	if opt.Now == nil {
		opt.Now = clock.Now
	}
	srv := New(seed, opt)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	return &env{t: t, srv: srv, ts: ts, clock: clock, hc: hc, token: testToken}
}

// result is an answer, decoded.
type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r *result) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r *result) errMessage() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func (r *result) values() []map[string]any {
	var out []map[string]any
	for _, v := range r.body["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func (r *result) str(k string) string { s, _ := r.body[k].(string); return s }

// do sends a request; body is JSON-encoded unless it is []byte.
func (e *env) do(method, path string, body any, headers ...string) *result {
	e.t.Helper()
	r, err := e.try(method, path, body, headers...)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// try is do that returns transport errors (dropped connections).
func (e *env) try(method, path string, body any, headers ...string) (*result, error) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = e.ts.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return r, nil
}

// must checks the status and returns the result.
func (e *env) must(status int, method, path string, body any) *result {
	e.t.Helper()
	r := e.do(method, path, body)
	if r.status != status {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.status, status, r.raw)
	}
	return r
}

// wantError checks an error answer: status, code, and that the message
// contains msg.
func wantError(t *testing.T, r *result, status int, code, msg string) {
	t.Helper()
	if r.status != status || r.errCode() != code || !strings.Contains(r.errMessage(), msg) {
		t.Fatalf("got %d %q %q, want %d %q containing %q\n%s", r.status, r.errCode(), r.errMessage(), status, code, msg, r.raw)
	}
	inner, _ := r.body["error"].(map[string]any)["innerError"].(map[string]any)
	if inner == nil || inner["request-id"] == "" || inner["date"] == "" || inner["client-request-id"] == nil {
		t.Fatalf("innerError incomplete: %s", r.raw)
	}
}

// all follows @odata.nextLink and returns every value.
func (e *env) all(path string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for next := path; next != ""; {
		r := e.must(200, "GET", next, nil)
		out = append(out, r.values()...)
		next = r.str("@odata.nextLink")
	}
	return out
}

func ids(vs []map[string]any, key string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprint(v[key]))
	}
	return out
}
