package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// t0 is the emulator's clock in the write tests: fixed, so a throttle
// bucket never refills and schedule ends stay in the future.
var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const spID = "0000000a-0000-4000-8000-000000000001"

// clock is an emulator clock the test advances.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// recorder keeps every $batch request and answer body that passes it.
type recorder struct {
	parent http.RoundTripper
	mu     sync.Mutex
	sent   [][]byte
	got    [][]byte
	urls   []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := r.parent.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.urls = append(r.urls, req.Method+" "+req.URL.String())
	if !strings.HasSuffix(req.URL.Path, "/$batch") {
		return resp, err
	}
	r.sent = append(r.sent, body)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		r.got = append(r.got, b)
	}
	return resp, err
}

// batchSent is the last $batch request the recorder saw.
type batchSent struct {
	Requests []struct {
		ID     string            `json:"id"`
		Method string            `json:"method"`
		URL    string            `json:"url"`
		Body   map[string]any    `json:"body"`
		Hdrs   map[string]string `json:"headers"`
	} `json:"requests"`
}

func (r *recorder) lastBatch(t *testing.T) (sent batchSent, answerIDs []string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sent) == 0 || len(r.got) == 0 {
		t.Fatal("no $batch was recorded")
	}
	if err := json.Unmarshal(r.sent[len(r.sent)-1], &sent); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Responses []struct{ ID string } `json:"responses"`
	}
	if err := json.Unmarshal(r.got[len(r.got)-1], &got); err != nil {
		t.Fatal(err)
	}
	for _, g := range got.Responses {
		answerIDs = append(answerIDs, g.ID)
	}
	return sent, answerIDs
}

// startRecordedSim is startSim with a recorder under the SDK's middleware.
func startRecordedSim(t *testing.T, seed *graphsim.Seed, opt graphsim.Options) (*graphsim.Server, *Client, *waits, *recorder) {
	t.Helper()
	opt.RequireToken = testToken
	srv := graphsim.New(seed, opt)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	rec := &recorder{parent: http.DefaultTransport}
	w := &waits{}
	c, err := New(Config{GraphURL: ts.URL, Auth: AuthToken, Token: testToken, Sleep: w.sleep, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, w, rec
}

// writeSeed has users u0…u(n-1) (guidN(1, i)), a role-assignable group and
// a service principal.
func writeSeed(users int) *graphsim.Seed {
	s := bigSeed(users, 0)
	s.Groups = append(s.Groups, graphsim.Group{ID: guidN(2, 0), DisplayName: "Tier 0 admins", IsAssignableToRole: true})
	s.ServicePrincipals = append(s.ServicePrincipals, graphsim.ServicePrincipal{ID: spID, DisplayName: "Automation"})
	return s
}

func assignment(principal, role string) migrate.Target {
	return migrate.Target{Kind: migrate.KindRoleAssignment, PrincipalID: migrate.MustGUID(principal),
		RoleDefinitionID: migrate.MustGUID(role), DirectoryScopeID: migrate.DirectoryScopeRoot}
}

func eligibility(principal, role string) migrate.Target {
	return migrate.Target{Kind: migrate.KindEligibilityRequest, PrincipalID: migrate.MustGUID(principal),
		RoleDefinitionID: migrate.MustGUID(role), DirectoryScopeID: migrate.DirectoryScopeRoot,
		Expiration: &migrate.Expiration{Type: migrate.ExpirationNone}, Justification: "migrated from legacy PIM"}
}

func activeUntil(principal, role string, end time.Time) migrate.Target {
	return migrate.Target{Kind: migrate.KindAssignmentScheduleRequest, PrincipalID: migrate.MustGUID(principal),
		RoleDefinitionID: migrate.MustGUID(role), DirectoryScopeID: migrate.DirectoryScopeRoot,
		Expiration: &migrate.Expiration{Type: migrate.ExpirationAfter, EndDateTime: &end}, Justification: "migrated from legacy PIM"}
}

func creates(targets ...migrate.Target) []wire.Op {
	ops := make([]wire.Op, len(targets))
	for i, t := range targets {
		ops[i] = wire.CreateOp(t)
	}
	return ops
}

func mustWrite(t *testing.T, c *Client, ops []wire.Op) []wire.Result {
	t.Helper()
	res, err := c.Write(ctx, ops)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(res) != len(ops) {
		t.Fatalf("%d results for %d writes", len(res), len(ops))
	}
	return res
}

func findRA(s *graphsim.Seed, id string) *graphsim.RoleAssignment {
	for i := range s.RoleAssignments {
		if s.RoleAssignments[i].ID == id {
			return &s.RoleAssignments[i]
		}
	}
	return nil
}

func findSchedule(list []graphsim.Schedule, id string) *graphsim.Schedule {
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

func TestWriteMixedCreates(t *testing.T) {
	srv, c, _ := startSim(t, writeSeed(3), graphsim.Options{Now: newClock(t0).now})
	end := t0.Add(30 * 24 * time.Hour)
	ops := creates(assignment(guidN(1, 0), roleGA), eligibility(guidN(1, 1), roleSec), activeUntil(guidN(1, 2), roleGA, end))
	res := mustWrite(t, c, ops)
	for i, r := range res {
		if r.Status != 201 || r.ObjectID == "" || resultErr("create", r) != nil || r.Retryable {
			t.Errorf("write %d (%s): %+v", i, ops[i].Kind, r)
		}
	}
	if res[0].TargetScheduleID != "" || res[1].TargetScheduleID == "" || res[2].TargetScheduleID == "" {
		t.Errorf("targetScheduleId: %q %q %q; want it for the schedule requests only", res[0].TargetScheduleID, res[1].TargetScheduleID, res[2].TargetScheduleID)
	}
	if res[1].RequestStatus != "Provisioned" || res[2].RequestStatus != "Provisioned" {
		t.Errorf("request status %q, %q; want Provisioned", res[1].RequestStatus, res[2].RequestStatus)
	}

	st := srv.State()
	if ra := findRA(st, res[0].ObjectID); ra == nil || ra.PrincipalID != guidN(1, 0) || ra.RoleDefinitionID != roleGA || ra.DirectoryScopeID != "/" {
		t.Errorf("roleAssignment %s in the tenant: %+v", res[0].ObjectID, ra)
	}
	if s := findSchedule(st.RoleEligibilitySchedules, res[1].TargetScheduleID); s == nil || s.PrincipalID != guidN(1, 1) || s.RoleDefinitionID != roleSec {
		t.Errorf("eligibility schedule %s in the tenant: %+v", res[1].TargetScheduleID, s)
	}
	s := findSchedule(st.RoleAssignmentSchedules, res[2].TargetScheduleID)
	if s == nil || s.PrincipalID != guidN(1, 2) || s.ScheduleInfo.Expiration.Type != migrate.ExpirationAfter ||
		s.ScheduleInfo.Expiration.EndDateTime == nil || !s.ScheduleInfo.Expiration.EndDateTime.Equal(end) {
		t.Errorf("active schedule %s in the tenant: %+v", res[2].TargetScheduleID, s)
	}
	// The active schedule grants its roleAssignment.
	n := 0
	for _, ra := range st.RoleAssignments {
		if ra.PrincipalID == guidN(1, 2) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d roleAssignments for the active schedule's principal, want 1", n)
	}
	if b := srv.Stats().Batches; b != 1 {
		t.Errorf("%d batches, want 1", b)
	}
}

// TestWriteSendsRequestBody: what Write posts for a create is exactly
// Target.RequestBody(), which the plan shows the reviewer.
func TestWriteSendsRequestBody(t *testing.T) {
	_, c, _, rec := startRecordedSim(t, writeSeed(6), graphsim.Options{Now: newClock(t0).now})
	start := time.Date(2026, 12, 1, 8, 30, 0, 0, time.FixedZone("CET", 3600))
	end := time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC)
	later := activeUntil(guidN(1, 3), roleSec, end)
	later.StartDateTime = &start
	noExp := eligibility(guidN(1, 4), roleGA)
	noExp.Expiration, noExp.Justification = nil, ""
	endingElig := eligibility(guidN(1, 5), roleGA)
	endingElig.Expiration = &migrate.Expiration{Type: migrate.ExpirationAfter, EndDateTime: &end}
	targets := []migrate.Target{
		assignment(guidN(1, 0), roleGA),
		eligibility(guidN(1, 1), roleSec),
		activeUntil(guidN(1, 2), roleGA, end),
		later,
		noExp,
		endingElig,
		assignment(guidN(2, 0), roleSec), // a role-assignable group
	}
	res := mustWrite(t, c, creates(targets...))
	sent, _ := rec.lastBatch(t)
	if len(sent.Requests) != len(targets) {
		t.Fatalf("%d requests in the batch, want %d", len(sent.Requests), len(targets))
	}
	wantURL := map[migrate.TargetKind]string{
		migrate.KindRoleAssignment:            "/roleManagement/directory/roleAssignments",
		migrate.KindEligibilityRequest:        "/roleManagement/directory/roleEligibilityScheduleRequests",
		migrate.KindAssignmentScheduleRequest: "/roleManagement/directory/roleAssignmentScheduleRequests",
	}
	for i, tg := range targets {
		req := sent.Requests[i]
		if res[i].Status != 201 {
			t.Errorf("target %d: %+v", i, res[i])
		}
		if req.Method != "POST" || req.URL != wantURL[tg.Kind] {
			t.Errorf("target %d: %s %s, want POST %s", i, req.Method, req.URL, wantURL[tg.Kind])
		}
		if headerFold(req.Hdrs, "Content-Type") != "application/json" {
			t.Errorf("target %d: headers %v, want Content-Type application/json", i, req.Hdrs)
		}
		want := roundTrip(t, tg.RequestBody())
		if !reflect.DeepEqual(req.Body, want) {
			g, _ := json.Marshal(req.Body)
			w, _ := json.Marshal(want)
			t.Errorf("target %d body:\n sent %s\n plan %s", i, g, w)
		}
	}
}

func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteRefusedItems(t *testing.T) {
	_, c, _ := startSim(t, writeSeed(3), graphsim.Options{Now: newClock(t0).now})
	ops := creates(
		assignment(guidN(1, 0), roleGA),
		assignment(guidN(1, 0), roleGA), // duplicate of the first
		eligibility(guidN(1, 1), roleSec),
		eligibility(guidN(1, 1), roleSec), // duplicate of the third
		assignment(guidN(9, 9), roleGA),   // nobody
		eligibility(spID, roleSec),        // service principals cannot be eligible
		activeUntil(spID, roleSec, t0.Add(time.Hour)),
	)
	res := mustWrite(t, c, ops)
	tests := []struct {
		name   string
		i      int
		status int
		code   string
		msg    string
	}{
		{"first assignment", 0, 201, "", ""},
		{"duplicate assignment", 1, 400, "Request_BadRequest", "conflicting object"},
		{"first eligibility", 2, 201, "", ""},
		{"duplicate eligibility", 3, 400, "RoleAssignmentExists", "already exists"},
		{"unknown principal", 4, 404, "Request_ResourceNotFound", guidN(9, 9)},
		{"eligible service principal", 5, 400, "", "Service principals"},
		{"active service principal", 6, 201, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := res[tt.i]
			if r.Status != tt.status || (tt.code != "" && r.Code != tt.code) || !strings.Contains(r.Message, tt.msg) {
				t.Fatalf("%+v, want %d %s %q", r, tt.status, tt.code, tt.msg)
			}
			if r.Status < 300 {
				return
			}
			if r.RequestID == "" || r.Retryable || r.RetryAfter != 0 || r.ObjectID != "" {
				t.Errorf("%+v: want a request id, not retryable, no object", r)
			}
			ge := asGraphError(t, resultErr("create "+string(ops[tt.i].Target.Kind), r))
			if ge.Status != r.Status || ge.Code != r.Code || ge.RequestID != r.RequestID || wire.IsNotFound(ge) != (r.Status == 404) {
				t.Errorf("Err() = %+v", ge)
			}
		})
	}
}

func TestWriteThrottledItems(t *testing.T) {
	// The clock stands still: one token, then the bucket stays empty.
	srv, c, _ := startSim(t, writeSeed(4), graphsim.Options{ThrottleWrites: 3, ThrottleBurst: 1, Now: newClock(t0).now})
	res := mustWrite(t, c, creates(assignment(guidN(1, 0), roleGA), assignment(guidN(1, 1), roleGA), eligibility(guidN(1, 2), roleSec)))
	if res[0].Status != 201 {
		t.Errorf("first write: %+v", res[0])
	}
	for i, r := range res[1:] {
		if r.Status != 429 || !r.Retryable || r.Code != "TooManyRequests" || r.RequestID == "" {
			t.Errorf("write %d: %+v, want a retryable 429", i+1, r)
		}
		// 1/3 s until the next token; Graph sends it as "0.334".
		if r.RetryAfter != 334*time.Millisecond {
			t.Errorf("write %d: RetryAfter %v, want the fractional 334ms", i+1, r.RetryAfter)
		}
		if ge := asGraphError(t, resultErr("create", r)); !ge.Retryable || ge.RetryAfter != r.RetryAfter {
			t.Errorf("Err() = %+v", ge)
		}
	}
	if st := srv.Stats(); st.Throttled != 2 || st.Batches != 1 || st.Writes != 3 {
		t.Errorf("stats %+v: items must not be retried inside Write", st)
	}
}

func TestWriteEnvelopeFailure(t *testing.T) {
	kinds := map[string]bool{}
	for seed := int64(1); seed <= 8; seed++ {
		srv, c, w := startSim(t, writeSeed(2), graphsim.Options{FaultRate: 1, Seed: seed, Now: newClock(t0).now})
		res, err := c.Write(ctx, creates(assignment(guidN(1, 0), roleGA), eligibility(guidN(1, 1), roleSec)))
		if res != nil {
			t.Errorf("seed %d: results %+v with a failed batch", seed, res)
		}
		ge := asGraphError(t, err)
		if !ge.Retryable || ge.Op != "write batch" {
			t.Errorf("seed %d: %+v, want a retryable write batch error", seed, ge)
		}
		st := srv.Stats()
		if n := st.ByRoute["POST /v1.0/$batch"]; n != 1 || len(w.d) != 0 {
			t.Errorf("seed %d: %d batch envelopes, %d waits; Write must not retry", seed, n, len(w.d))
		}
		for k := range st.FaultsByKind {
			kinds[k] = true
		}
	}
	if !kinds[graphsim.FaultDrop] || !(kinds[graphsim.Fault503] || kinds[graphsim.Fault503RetryAfter] || kinds[graphsim.Fault504]) {
		t.Errorf("fault kinds seen %v: want a dropped connection and a 5xx", kinds)
	}
}

func TestWriteEnvelopeCarriesGraphsError(t *testing.T) {
	srv := graphsim.New(writeSeed(1), graphsim.Options{RequireToken: "another-token"})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, err := New(Config{GraphURL: ts.URL, Auth: AuthToken, Token: testToken, Sleep: (&waits{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Write(ctx, creates(assignment(guidN(1, 0), roleGA)))
	ge := asGraphError(t, err)
	if ge.Status != 401 || ge.Code != "InvalidAuthenticationToken" || ge.RequestID == "" || ge.Retryable || ge.Hint == "" {
		t.Errorf("%+v, want Graph's 401 with code, request id and hint", ge)
	}
}

func TestWriteResultsInOpOrder(t *testing.T) {
	srv, c, _, rec := startRecordedSim(t, writeSeed(wire.MaxBatch), graphsim.Options{Seed: 3, Now: newClock(t0).now})
	var targets []migrate.Target
	for i := 0; i < wire.MaxBatch; i++ {
		if i%2 == 0 {
			targets = append(targets, assignment(guidN(1, i), roleGA))
		} else {
			targets = append(targets, eligibility(guidN(1, i), roleSec))
		}
	}
	res := mustWrite(t, c, creates(targets...))
	sent, answered := rec.lastBatch(t)
	same := true
	for i := range sent.Requests {
		same = same && answered[i] == sent.Requests[i].ID
	}
	if same {
		t.Fatal("graphsim answered in request order; the test proves nothing")
	}
	st := srv.State()
	for i, r := range res {
		var principal string
		if i%2 == 0 {
			if ra := findRA(st, r.ObjectID); ra != nil {
				principal = ra.PrincipalID
			}
		} else if s := findSchedule(st.RoleEligibilitySchedules, r.TargetScheduleID); s != nil {
			principal = s.PrincipalID
		}
		if r.Status != 201 || principal != guidN(1, i) {
			t.Errorf("result %d: %+v belongs to principal %q, want %s", i, r, principal, guidN(1, i))
		}
	}
}

func TestWriteRefusesBadBatches(t *testing.T) {
	srv, c, _ := startSim(t, writeSeed(wire.MaxBatch+1), graphsim.Options{Now: newClock(t0).now})
	var many []wire.Op
	for i := 0; i <= wire.MaxBatch; i++ {
		many = append(many, wire.CreateOp(assignment(guidN(1, i), roleGA)))
	}
	badType := eligibility(guidN(1, 0), roleGA)
	badType.Expiration = &migrate.Expiration{Type: "afterLunch"}
	standing := eligibility(guidN(1, 0), roleGA)
	tests := []struct {
		name string
		ops  []wire.Op
		want string
	}{
		{"21 writes", many, "at most 20"},
		{"eligible target as standing access", []wire.Op{{Kind: wire.OpCreateAssignment, Target: standing}}, "target kind"},
		{"delete without id", []wire.Op{{Kind: wire.OpDeleteAssignment}}, "no roleAssignment id"},
		{"unknown expiration type", []wire.Op{wire.CreateOp(badType)}, "afterLunch"},
		{"no principal", []wire.Op{wire.CreateOp(migrate.Target{Kind: migrate.KindRoleAssignment, RoleDefinitionID: migrate.MustGUID(roleGA), DirectoryScopeID: "/"})}, "principal"},
		{"unknown kind", []wire.Op{{Kind: "patch", Target: standing}}, "unknown write kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Write(ctx, tt.ops)
			if err == nil || res != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write = %v, %v; want an error mentioning %q", res, err, tt.want)
			}
		})
	}
	if res, err := c.Write(ctx, nil); res != nil || err != nil {
		t.Errorf("no writes: %v, %v", res, err)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests reached Graph; refused batches must send nothing", n)
	}
	res := mustWrite(t, c, many[:wire.MaxBatch])
	for i, r := range res {
		if r.Status != 201 {
			t.Errorf("write %d of a full batch: %+v", i, r)
		}
	}
}

func TestWriteRemovesWhatItCreated(t *testing.T) {
	srv, c, _ := startSim(t, writeSeed(3), graphsim.Options{Now: newClock(t0).now})
	ra, el, ac := assignment(guidN(1, 0), roleGA), eligibility(guidN(1, 1), roleSec), activeUntil(guidN(1, 2), roleGA, t0.Add(time.Hour))
	made := mustWrite(t, c, creates(ra, el, ac))
	for i, r := range made {
		if r.Status != 201 {
			t.Fatalf("create %d: %+v", i, r)
		}
	}
	removes := []wire.Op{
		{Kind: wire.OpDeleteAssignment, Target: ra, ObjectID: made[0].ObjectID},
		{Kind: wire.OpRemoveEligibility, Target: el},
		{Kind: wire.OpRemoveActiveSchedule, Target: ac},
	}
	res := mustWrite(t, c, removes)
	if res[0].Status != 204 || resultErr("delete", res[0]) != nil {
		t.Errorf("delete: %+v", res[0])
	}
	for i, r := range res[1:] {
		if r.Status != 201 || r.RequestStatus != "Revoked" || r.TargetScheduleID != made[i+1].TargetScheduleID {
			t.Errorf("remove %d: %+v, want 201 Revoked of schedule %s", i+1, r, made[i+1].TargetScheduleID)
		}
	}
	st := srv.State()
	if len(st.RoleAssignments) != 0 || len(st.RoleEligibilitySchedules) != 0 || len(st.RoleAssignmentSchedules) != 0 {
		t.Errorf("left in the tenant: %d assignments, %d eligibilities, %d active schedules",
			len(st.RoleAssignments), len(st.RoleEligibilitySchedules), len(st.RoleAssignmentSchedules))
	}
	again := mustWrite(t, c, removes)
	if again[0].Status != 404 || again[1].Code != "RoleAssignmentDoesNotExist" || again[2].Code != "RoleAssignmentDoesNotExist" {
		t.Errorf("removing again: %+v", again)
	}
}

// TestLook: probes by target and by id, in one batch, against objects
// created now (hidden by the consistency lag, then visible), seeded in
// upper case, and absent.
func TestLook(t *testing.T) {
	upper := strings.ToUpper
	seed := writeSeed(4)
	// Seeded in upper case: Graph compares GUIDs in any case.
	seed.RoleAssignments = append(seed.RoleAssignments, graphsim.RoleAssignment{ID: "seeded-ra", PrincipalID: upper(guidN(1, 3)), RoleDefinitionID: upper(roleSec), DirectoryScopeID: "/"})
	seed.RoleEligibilitySchedules = append(seed.RoleEligibilitySchedules, graphsim.Schedule{ID: "seeded-elig", PrincipalID: upper(guidN(1, 3)), RoleDefinitionID: upper(roleGA), DirectoryScopeID: "/"})
	clk := newClock(t0)
	srv, c, _, rec := startRecordedSim(t, seed, graphsim.Options{Now: clk.now, ConsistencyLag: 10 * time.Second})
	ra, el, ac := assignment(guidN(1, 0), roleGA), eligibility(guidN(1, 1), roleSec), activeUntil(guidN(1, 2), roleGA, t0.Add(time.Hour))
	made := mustWrite(t, c, creates(ra, el, ac))
	other := ra
	other.DirectoryScopeID = "/administrativeUnits/x'y"

	tests := []struct {
		name  string
		probe wire.Probe
		want  string // the id found, "" for none
		lags  bool   // created now: hidden until the lag passes
	}{
		{"assignment by target", wire.Probe{Kind: ra.Kind, Target: ra}, made[0].ObjectID, true},
		{"eligibility by target", wire.Probe{Kind: el.Kind, Target: el}, made[1].TargetScheduleID, true},
		{"active schedule by target", wire.Probe{Kind: ac.Kind, Target: ac}, made[2].TargetScheduleID, true},
		{"assignment by id", wire.Probe{Kind: ra.Kind, ID: made[0].ObjectID}, made[0].ObjectID, true},
		{"eligibility by id", wire.Probe{Kind: el.Kind, ID: made[1].TargetScheduleID}, made[1].TargetScheduleID, true},
		{"active schedule by id", wire.Probe{Kind: ac.Kind, ID: made[2].TargetScheduleID}, made[2].TargetScheduleID, true},
		{"seeded assignment in upper case", wire.Probe{Kind: ra.Kind, Target: assignment(guidN(1, 3), roleSec)}, "seeded-ra", false},
		{"seeded eligibility in upper case", wire.Probe{Kind: el.Kind, Target: eligibility(guidN(1, 3), roleGA)}, "seeded-elig", false},
		{"absent assignment", wire.Probe{Kind: ra.Kind, Target: assignment(guidN(1, 1), roleGA)}, "", false},
		{"absent eligibility", wire.Probe{Kind: el.Kind, Target: eligibility(guidN(1, 0), roleGA)}, "", false},
		{"absent active schedule", wire.Probe{Kind: ac.Kind, Target: activeUntil(guidN(1, 1), roleSec, t0.Add(time.Hour))}, "", false},
		{"other scope", wire.Probe{Kind: ra.Kind, Target: other}, "", false},
		{"unknown id", wire.Probe{Kind: ra.Kind, ID: "no-such-assignment"}, "", false},
	}
	probes := make([]wire.Probe, len(tests))
	for i, tt := range tests {
		probes[i] = tt.probe
	}
	for _, phase := range []string{"inside the lag", "after the lag"} {
		before := srv.Stats().Batches
		got, err := c.Look(ctx, probes)
		if err != nil {
			t.Fatal(err)
		}
		if n := srv.Stats().Batches - before; n != 1 {
			t.Errorf("%s: %d batches, want 1", phase, n)
		}
		for i, tt := range tests {
			want := tt.want
			if tt.lags && phase == "inside the lag" {
				want = ""
			}
			s := got[i]
			if s.Err != nil || s.Found != (want != "") || s.Object.ID != want {
				t.Errorf("%s, %s: %+v, want found %q", phase, tt.name, s, want)
				continue
			}
			if s.Found && tt.probe.ID == "" && (s.Object.PrincipalID != tt.probe.Target.PrincipalID || s.Object.DirectoryScopeID != "/") {
				t.Errorf("%s, %s: object %+v is not the target's", phase, tt.name, s.Object)
			}
		}
		clk.advance(11 * time.Second)
	}
	rec.mu.Lock()
	filters := 0
	for _, b := range rec.sent {
		q, _ := url.QueryUnescape(string(b))
		filters += strings.Count(q, "$filter=principalId eq '")
		if strings.Contains(q, upper(roleGA)) || strings.Contains(q, upper(roleSec)) {
			t.Errorf("filter sent with upper-case GUIDs: %s", q)
		}
	}
	rec.mu.Unlock()
	if filters == 0 {
		t.Error("no filtered list among the batches sent")
	}
	if _, err := c.Look(ctx, []wire.Probe{{Kind: "custom", ID: "x"}}); err == nil {
		t.Error("a probe of an unknown kind: no error")
	}
	if _, err := c.Look(ctx, []wire.Probe{{Kind: ra.Kind}}); err == nil {
		t.Error("a probe with neither id nor target: no error")
	}
}

// TestLookUnderFaults: a probe whose answer is a fault says nothing (Err
// set, retryable), never "not there".
func TestLookUnderFaults(t *testing.T) {
	seed := writeSeed(1)
	seed.RoleAssignments = append(seed.RoleAssignments, graphsim.RoleAssignment{ID: "seeded-ra", PrincipalID: guidN(1, 0), RoleDefinitionID: roleGA, DirectoryScopeID: "/"})
	srv, c, _ := startSim(t, seed, graphsim.Options{FaultRate: 0.5, Seed: 11, Now: newClock(t0).now})
	probe := wire.Probe{Kind: migrate.KindRoleAssignment, ID: "seeded-ra"}
	saidNothing := 0
	for i := 0; i < 20; i++ {
		got, err := c.Look(ctx, []wire.Probe{probe, probe})
		if err != nil {
			continue // the batch itself failed: no answer at all
		}
		for _, s := range got {
			switch {
			case s.Err != nil:
				if !s.Err.Retryable {
					t.Errorf("fault taken as final: %v", s.Err)
				}
				saidNothing++
			case !s.Found:
				t.Fatalf("an existing object reported absent under faults: %+v", s)
			}
		}
	}
	if srv.Stats().Faults == 0 || saidNothing == 0 {
		t.Errorf("faults %d, probes without an answer %d: the fault path was not exercised", srv.Stats().Faults, saidNothing)
	}
}

// TestWriteReadsOddBatchAnswers: a batch answer the SDK hands over in odd
// shapes is read without panicking.
func TestWriteReadsOddBatchAnswers(t *testing.T) {
	tests := []struct {
		name  string
		items func(ids []string) []map[string]any
		check func(t *testing.T, res []wire.Result, err error)
	}{
		{"lower-case headers and innererror", func(ids []string) []map[string]any {
			return []map[string]any{{"id": ids[0], "status": 429, "headers": map[string]string{"retry-after": "2.128", "content-type": "application/json"},
				"body": map[string]any{"error": map[string]any{"code": "TooManyRequests", "message": "slow down", "innererror": map[string]any{"request-id": "r-1"}}}}}
		}, func(t *testing.T, res []wire.Result, err error) {
			if err != nil || res[0].RetryAfter != 2128*time.Millisecond || res[0].RequestID != "r-1" || res[0].Code != "TooManyRequests" || !res[0].Retryable {
				t.Errorf("%+v, %v", res, err)
			}
		}},
		{"error without a body", func(ids []string) []map[string]any {
			return []map[string]any{{"id": ids[0], "status": 503, "headers": map[string]string{"request-id": "r-2"}}}
		}, func(t *testing.T, res []wire.Result, err error) {
			if err != nil || res[0].Status != 503 || res[0].Message != "Service Unavailable" || res[0].RequestID != "r-2" || !res[0].Retryable {
				t.Errorf("%+v, %v", res, err)
			}
		}},
		{"error body of the wrong shape", func(ids []string) []map[string]any {
			return []map[string]any{{"id": ids[0], "status": 400, "body": map[string]any{"error": "bad", "id": 7}}}
		}, func(t *testing.T, res []wire.Result, err error) {
			if err != nil || res[0].Status != 400 || res[0].Code != "" || res[0].Message != "Bad Request" {
				t.Errorf("%+v, %v", res, err)
			}
		}},
		{"an item missing, one without status", func(ids []string) []map[string]any {
			return []map[string]any{{"id": ids[1]}, {"id": "not-ours", "status": 201}}
		}, func(t *testing.T, res []wire.Result, err error) {
			if err != nil || len(res) != 2 || res[0].Status != 0 || res[1].Status != 0 || res[0].Message == "" || res[1].Message == "" {
				t.Errorf("%+v, %v", res, err)
			}
		}},
		{"a header that is not a string", func(ids []string) []map[string]any {
			return []map[string]any{{"id": ids[0], "status": 429, "headers": map[string]any{"Retry-After": 2}}}
		}, func(t *testing.T, res []wire.Result, err error) {
			if err == nil || res != nil {
				t.Errorf("%+v, %v; want an error, not a panic", res, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var b struct {
					Requests []struct{ ID string } `json:"requests"`
				}
				json.NewDecoder(r.Body).Decode(&b)
				var ids []string
				for _, q := range b.Requests {
					ids = append(ids, q.ID)
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"responses": tt.items(ids)})
			}))
			defer ts.Close()
			c, err := New(Config{GraphURL: ts.URL, Auth: AuthToken, Token: testToken})
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Write(ctx, creates(assignment(guidN(1, 0), roleGA), assignment(guidN(1, 1), roleGA)))
			var ge *wire.Error
			if err != nil && !errors.As(err, &ge) {
				t.Errorf("error %v (%T) is not a *wire.Error", err, err)
			}
			tt.check(t, res, err)
		})
	}
}
