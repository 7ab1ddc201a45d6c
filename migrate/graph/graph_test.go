package graph

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	rm "github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

var ctx = context.Background()

const (
	roleGA  = "62e90394-69f5-4237-9190-012177145e10"
	roleSec = "194ae4cb-b126-40b2-bd5b-6091b380977d"
)

func asGraphError(t *testing.T, err error) *wire.Error {
	t.Helper()
	var ge *wire.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T) is not a *graph.Error", err, err)
	}
	if strings.Contains(ge.Error(), testToken) {
		t.Fatalf("error shows the token: %s", ge.Error())
	}
	return ge
}

func TestReadTenantDemo(t *testing.T) {
	seed := demoSeed(t)
	_, c, _ := startSim(t, seed, graphsim.Options{})
	var ids []migrate.GUID
	for _, u := range seed.Users {
		ids = append(ids, migrate.MustGUID(u.ID))
	}
	for _, g := range seed.Groups {
		ids = append(ids, migrate.MustGUID(g.ID))
	}
	for _, sp := range seed.ServicePrincipals {
		ids = append(ids, migrate.MustGUID(sp.ID))
	}
	ids = append(ids, migrate.MustGUID("00000000-dead-4000-8000-000000000000")) // nobody
	ten, err := c.ReadTenant(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if ten.TenantID != fixtures.TenantID {
		t.Errorf("tenant %s, want %s", ten.TenantID, fixtures.TenantID)
	}
	if len(ten.RoleAssignments) != len(seed.RoleAssignments) || len(ten.EligibilitySchedules) != len(seed.RoleEligibilitySchedules) {
		t.Errorf("read %d assignments, %d eligibilities; seed has %d, %d", len(ten.RoleAssignments), len(ten.EligibilitySchedules), len(seed.RoleAssignments), len(seed.RoleEligibilitySchedules))
	}
	if n := len(migrate.BuiltinCatalogue().Roles()); len(ten.RoleDefinitions) < n {
		t.Errorf("%d role definitions, want at least the %d built-ins", len(ten.RoleDefinitions), n)
	}
	byType := map[migrate.PrincipalType]int{}
	disabled, guests := 0, 0
	for _, p := range ten.Principals {
		byType[p.Type]++
		if p.AccountEnabled != nil && !*p.AccountEnabled && p.Type == migrate.PrincipalUser {
			disabled++
		}
		if p.UserType == "Guest" {
			guests++
		}
		if p.DisplayName == "" {
			t.Errorf("principal %s has no display name", p.ID)
		}
	}
	if byType[migrate.PrincipalUser] != len(seed.Users) || byType[migrate.PrincipalGroup] == 0 || byType[migrate.PrincipalServicePrincipal] == 0 {
		t.Errorf("principals by type %v, seed has %d users", byType, len(seed.Users))
	}
	if disabled == 0 || guests == 0 {
		t.Errorf("disabled %d, guests %d: the demo tenant has both", disabled, guests)
	}
}

func TestListLegacyReadsEveryPage(t *testing.T) {
	srv, c, _ := startSim(t, bigSeed(180, 250), graphsim.Options{})
	seen := map[string]int{}
	err := c.ListLegacy(ctx, LegacyIteration1Path, func(n int, raw json.RawMessage) error {
		var r struct{ ID string }
		json.Unmarshal(raw, &r)
		seen[r.ID]++
		if n != len(seen) {
			t.Fatalf("record %d numbered %d", len(seen), n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 250 {
		t.Fatalf("read %d distinct records, want 250", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s read %d times", id, n)
		}
	}
	if pages := srv.Stats().ByRoute["GET /beta/privilegedRoleAssignments"]; pages < 3 {
		t.Errorf("%d page requests; 250 records should span several pages", pages)
	}
}

func TestPrincipalsInChunksOf1000(t *testing.T) {
	srv, c, _ := startSim(t, bigSeed(2100, 0), graphsim.Options{})
	var ids []migrate.GUID
	for i := 0; i < 2100; i++ {
		ids = append(ids, migrate.MustGUID(guidN(1, i)))
	}
	ids = append(ids, migrate.MustGUID(guidN(9, 1)))
	ps, err := c.Principals(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2100 {
		t.Errorf("%d principals, want 2100 (the unknown id is absent)", len(ps))
	}
	if n := srv.Stats().ByRoute["POST /v1.0/directoryObjects/getByIds"]; n != 3 {
		t.Errorf("%d getByIds calls, want 3 for 2,101 ids", n)
	}
}

func postAssignment(c *Client, principal, role string) (models.UnifiedRoleAssignmentable, error) {
	body := models.NewUnifiedRoleAssignment()
	body.SetPrincipalId(&principal)
	body.SetRoleDefinitionId(&role)
	scope := "/"
	body.SetDirectoryScopeId(&scope)
	return c.api.RoleManagement().Directory().RoleAssignments().Post(ctx, body, nil)
}

func postEligibility(c *Client, principal, role string) error {
	body := models.NewUnifiedRoleEligibilityScheduleRequest()
	action := models.ADMINASSIGN_UNIFIEDROLESCHEDULEREQUESTACTIONS
	body.SetAction(&action)
	body.SetPrincipalId(&principal)
	body.SetRoleDefinitionId(&role)
	scope, why := "/", "test"
	body.SetDirectoryScopeId(&scope)
	body.SetJustification(&why)
	info := models.NewRequestSchedule()
	exp := models.NewExpirationPattern()
	typ := models.NOEXPIRATION_EXPIRATIONPATTERNTYPE
	exp.SetTypeEscaped(&typ)
	info.SetExpiration(exp)
	body.SetScheduleInfo(info)
	_, err := c.api.RoleManagement().Directory().RoleEligibilityScheduleRequests().Post(ctx, body, nil)
	return err
}

func TestDuplicatesAreRefusedWithGraphsCodes(t *testing.T) {
	_, c, _ := startSim(t, bigSeed(3, 0), graphsim.Options{})
	u := guidN(1, 0)
	if _, err := postAssignment(c, u, roleGA); err != nil {
		t.Fatal(err)
	}
	_, err := postAssignment(c, strings.ToUpper(u), roleGA)
	ge := asGraphError(t, convert("create roleAssignment", err))
	if ge.Status != 400 || ge.Code != "Request_BadRequest" || !strings.Contains(ge.Message, "conflicting object") || ge.Retryable || ge.RequestID == "" {
		t.Errorf("duplicate assignment: %+v", ge)
	}
	if err := postEligibility(c, u, roleSec); err != nil {
		t.Fatal(err)
	}
	ge = asGraphError(t, convert("create eligibility", postEligibility(c, u, roleSec)))
	if ge.Status != 400 || ge.Code != "RoleAssignmentExists" || ge.Retryable {
		t.Errorf("duplicate eligibility: %+v", ge)
	}
	_, err = postAssignment(c, guidN(9, 9), roleGA)
	if ge = asGraphError(t, convert("create roleAssignment", err)); ge.Status != 404 || ge.Code != "Request_ResourceNotFound" || !wire.IsNotFound(ge) {
		t.Errorf("unknown principal: %+v", ge)
	}
}

func TestFilterIsCaseInsensitive(t *testing.T) {
	_, c, _ := startSim(t, bigSeed(3, 0), graphsim.Options{})
	for i := 0; i < 3; i++ {
		if _, err := postAssignment(c, guidN(1, i), roleGA); err != nil {
			t.Fatal(err)
		}
	}
	filter := "principalId in ('" + strings.ToUpper(guidN(1, 0)) + "', '" + guidN(1, 2) + "') and roleDefinitionId eq '" + strings.ToUpper(roleGA) + "' and directoryScopeId eq '/'"
	res, err := c.api.RoleManagement().Directory().RoleAssignments().Get(ctx, &rm.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rm.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{Filter: &filter}})
	if err != nil {
		t.Fatal(convert("list", err))
	}
	if n := len(res.GetValue()); n != 2 {
		t.Errorf("filter %q matched %d, want 2", filter, n)
	}
}

func TestThrottlingGivesFractionalRetryAfter(t *testing.T) {
	srv, c, _ := startSim(t, bigSeed(3, 0), graphsim.Options{ThrottleWrites: 3, ThrottleBurst: 1})
	if _, err := postAssignment(c, guidN(1, 0), roleGA); err != nil {
		t.Fatal(err)
	}
	_, err := postAssignment(c, guidN(1, 1), roleGA)
	ge := asGraphError(t, convert("create roleAssignment", err))
	if ge.Status != 429 || !ge.Retryable {
		t.Fatalf("second write: %+v", ge)
	}
	if ge.RetryAfter <= 0 || ge.RetryAfter >= time.Second {
		t.Errorf("Retry-After %v: want the fraction of a second until the next token (1/3 s)", ge.RetryAfter)
	}
	st := srv.Stats()
	if st.Throttled != 1 || st.Writes != 2 {
		t.Errorf("stats %+v: the SDK must not retry on its own", st)
	}
}

func TestReadsRetryFaultsThenGiveUp(t *testing.T) {
	srv, c, w := startSim(t, bigSeed(3, 0), graphsim.Options{FaultRate: 1})
	_, err := c.TenantID(ctx)
	ge := asGraphError(t, err)
	if !ge.Retryable {
		t.Errorf("fault error not retryable: %+v", ge)
	}
	if len(w.d) != 7 || srv.Stats().Faults != 8 {
		t.Errorf("%d waits, %d faults; want 7 and 8 (8 tries)", len(w.d), srv.Stats().Faults)
	}

	srv, c, w = startSim(t, demoSeed(t), graphsim.Options{FaultRate: 0.3, Seed: 7})
	ten, err := c.ReadTenant(ctx, nil)
	if err != nil {
		t.Fatalf("reads under 30%% faults: %v", err)
	}
	if srv.Stats().Faults == 0 || len(w.d) == 0 || ten.TenantID != fixtures.TenantID {
		t.Errorf("faults %d, waits %d: the fault path was not exercised", srv.Stats().Faults, len(w.d))
	}
}

func TestConsistencyLag(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	_, c, _ := startSim(t, bigSeed(3, 0), graphsim.Options{ConsistencyLag: 10 * time.Second, Now: clock})
	ra, err := postAssignment(c, guidN(1, 0), roleGA)
	if err != nil {
		t.Fatal(err)
	}
	get := func() error {
		_, err := c.api.RoleManagement().Directory().RoleAssignments().ByUnifiedRoleAssignmentId(*ra.GetId()).Get(ctx, nil)
		return convert("get roleAssignment", err)
	}
	if err := get(); !wire.IsNotFound(err) {
		t.Fatalf("right after the create: %v, want 404", err)
	}
	now.Add(int64(11 * time.Second))
	if err := get(); err != nil {
		t.Fatalf("after the lag: %v", err)
	}
}

func TestBatchItemsHaveTheirOwnStatus(t *testing.T) {
	_, c, _ := startSim(t, bigSeed(3, 0), graphsim.Options{ThrottleWrites: 0.5, ThrottleBurst: 2})
	batch := msgraphcore.NewBatchRequest(c.adapter)
	ids := map[string]string{}
	for _, tc := range []struct{ name, principal string }{{"ok", guidN(1, 0)}, {"dup", guidN(1, 0)}, {"unknown", guidN(9, 9)}, {"throttled", guidN(1, 1)}} {
		body := models.NewUnifiedRoleAssignment()
		p, r, s := tc.principal, roleGA, "/"
		body.SetPrincipalId(&p)
		body.SetRoleDefinitionId(&r)
		body.SetDirectoryScopeId(&s)
		ri, err := c.api.RoleManagement().Directory().RoleAssignments().ToPostRequestInformation(ctx, body, nil)
		if err != nil {
			t.Fatal(err)
		}
		item, err := batch.AddBatchRequestStep(*ri)
		if err != nil {
			t.Fatal(err)
		}
		ids[tc.name] = *item.GetId()
	}
	resp, err := batch.Send(ctx, c.adapter)
	if err != nil {
		t.Fatal(convert("batch", err))
	}
	st := resp.GetStatusCodes()
	// Items run in order: ok takes the first token, dup is refused (a
	// refused write still spends its token), unknown and throttled find the
	// bucket empty or the principal missing.
	if st[ids["ok"]] != 201 {
		t.Errorf("ok item: %d", st[ids["ok"]])
	}
	if s := st[ids["dup"]]; s != 400 && s != 429 {
		t.Errorf("duplicate item: %d", s)
	}
	if s := st[ids["throttled"]]; s != 429 {
		t.Errorf("throttled item: %d, want 429", s)
	}
	item := resp.GetResponseById(ids["throttled"])
	if ra := item.GetHeaders()["Retry-After"]; ra == "" {
		t.Errorf("throttled item has no Retry-After header: %v", item.GetHeaders())
	} else if parseRetryAfter(ra) <= 0 {
		t.Errorf("Retry-After %q does not parse", ra)
	}
}

func TestUnauthorizedAndForbidden(t *testing.T) {
	srv := graphsim.New(bigSeed(3, 3), graphsim.Options{RequireToken: "the-right-one"})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, err := New(Config{GraphURL: ts.URL, Auth: AuthToken, Token: testToken, Sleep: (&waits{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ReadTenant(ctx, nil)
	ge := asGraphError(t, err)
	if ge.Status != 401 || ge.Code != "InvalidAuthenticationToken" || ge.Retryable || !strings.Contains(ge.Hint, "sign in") {
		t.Errorf("401: %+v", ge)
	}

	seed := bigSeed(3, 3)
	no := false
	seed.PIMRegistered = &no
	_, c2, _ := startSim(t, seed, graphsim.Options{})
	err = c2.ListLegacy(ctx, LegacyIteration1Path, func(int, json.RawMessage) error { return nil })
	ge = asGraphError(t, err)
	if ge.Status != 403 || !strings.Contains(ge.Hint, "Directory.AccessAsUser.All") {
		t.Errorf("403: %+v", ge)
	}
}

// TestNextLinkToAnotherHostIsRefused: a page that links elsewhere would
// hand our token to that host; the reader stops instead.
func TestNextLinkToAnotherHostIsRefused(t *testing.T) {
	var sawToken atomic.Bool
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawToken.Store(r.Header.Get("Authorization") != "")
		w.Write([]byte(`{"value":[]}`))
	}))
	defer evil.Close()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":[{"id":"x"}],"@odata.nextLink":"` + strings.Replace(evil.URL, "127.0.0.1", "localhost", 1) + `/beta/privilegedRoleAssignments?$skiptoken=2"}`))
	}))
	defer good.Close()
	c, err := New(Config{GraphURL: good.URL, Auth: AuthToken, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	err = c.ListLegacy(ctx, LegacyIteration1Path, func(int, json.RawMessage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "refusing") || sawToken.Load() {
		t.Fatalf("err = %v, token sent elsewhere = %v", err, sawToken.Load())
	}
}

func TestConfigRefusals(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"token without token", Config{GraphURL: "http://127.0.0.1:1", Auth: AuthToken}, "PIMMIGRATE_TOKEN"},
		{"plain http to a remote host", Config{GraphURL: "http://graph.example.com", Auth: AuthToken, Token: testToken}, "loopback"},
		{"a path in the base URL", Config{GraphURL: "https://graph.microsoft.com/v1.0", Auth: AuthToken, Token: testToken}, "base URL"},
		{"unknown auth", Config{Auth: "password"}, "--auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), testToken) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if s := (Config{Token: testToken}); strings.Contains(fmtAll(s), testToken) {
		t.Errorf("printing a Config shows the token")
	}
}

func fmtAll(v any) string {
	b, _ := json.Marshal(v)
	return string(b) + " " + strings.Join([]string{sprint(v)}, "")
}

// TestTypedListNextLinkToAnotherHostIsRefused: the typed lists (role
// assignments, schedules, definitions) follow @odata.nextLink too. A page
// linking to another host is refused rather than read: the SDK would not
// send it the token, but whatever it answered would be taken as the
// tenant's assignments.
func TestTypedListNextLinkToAnotherHostIsRefused(t *testing.T) {
	var evilHits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":[{"id":"injected","principalId":"11111111-1111-4111-8111-111111111111","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/"}]}`))
	}))
	defer evil.Close()
	other := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":[],"@odata.nextLink":"` + other + `/v1.0/roleManagement/directory/roleAssignments?$skiptoken=2"}`))
	}))
	defer good.Close()
	c, err := New(Config{GraphURL: good.URL, Auth: AuthToken, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.RoleAssignments(ctx)
	if err == nil || !strings.Contains(err.Error(), "refusing") || evilHits.Load() != 0 || len(got) != 0 {
		t.Fatalf("err = %v, other host asked %d times, read %v", err, evilHits.Load(), got)
	}
}

// TestPrincipalsFromOnPremises: a user synchronized from an on-premises
// directory, or linked to one by an immutable id, is not cloud-only
// (MS.AAD.7.3v1); a cloud-only user is.
func TestPrincipalsFromOnPremises(t *testing.T) {
	yes := true
	seed := &graphsim.Seed{Users: []graphsim.User{
		{ID: guidN(1, 1), UserPrincipalName: "synced@contoso.example", OnPremisesSyncEnabled: &yes},
		{ID: guidN(1, 2), UserPrincipalName: "linked@contoso.example", OnPremisesImmutableID: "k4TnN8oiVkGUCrVVmaZE3A=="},
		{ID: guidN(1, 3), UserPrincipalName: "cloud@contoso.example"},
	}}
	_, c, _ := startSim(t, seed, graphsim.Options{})
	ps, err := c.Principals(ctx, []migrate.GUID{migrate.MustGUID(guidN(1, 1)), migrate.MustGUID(guidN(1, 2)), migrate.MustGUID(guidN(1, 3))})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range ps {
		got[p.UserPrincipalName] = p.OnPremisesSynced
	}
	if want := map[string]bool{"synced@contoso.example": true, "linked@contoso.example": true, "cloud@contoso.example": false}; !maps.Equal(got, want) {
		t.Errorf("on-premises: %v, want %v", got, want)
	}
}
