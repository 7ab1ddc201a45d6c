package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

const ruleExpiration = "Expiration_EndUser_Assignment"

// stateRules is every rule of the emulator's state by policy id and rule
// id: the truth ReadPolicies and Look are held to, byte for byte.
func stateRules(srv *graphsim.Server) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, p := range srv.State().RoleManagementPolicies {
		out[p.ID] = map[string]string{}
		for _, r := range p.Rules {
			var h struct{ ID string }
			json.Unmarshal(r, &h)
			out[p.ID][h.ID] = string(r)
		}
	}
	return out
}

// TestReadPolicies reads every role's policy of the demo tenant (the
// built-in catalogue and its custom role) and counts the requests it took:
// one per page of policy assignments, rules included.
func TestReadPolicies(t *testing.T) {
	srv, c, _ := startSim(t, demoSeed(t), graphsim.Options{})
	got, err := c.ReadPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.State()
	rules := stateRules(srv)
	if len(got) != len(st.RoleManagementPolicyAssignments) || len(got) < 130 {
		t.Fatalf("%d policies read, the tenant has %d policy assignments", len(got), len(st.RoleManagementPolicyAssignments))
	}
	for i, p := range got {
		if i > 0 && got[i-1].RoleID.Compare(p.RoleID) >= 0 {
			t.Errorf("policies not sorted by role at %d", i)
		}
		if p.PolicyID == p.RoleID.String() || !strings.HasPrefix(p.PolicyID, "DirectoryRole_") || len(p.Rules) != 17 {
			t.Errorf("role %s: policy %q with %d rules", p.RoleID, p.PolicyID, len(p.Rules))
		}
		for id, raw := range p.Rules {
			if string(raw) != rules[p.PolicyID][id] {
				t.Errorf("role %s rule %s:\n%s\nwant, as the tenant holds it,\n%s", p.RoleID, id, raw, rules[p.PolicyID][id])
			}
		}
	}
	stats := srv.Stats()
	pages := stats.ByRoute["GET /v1.0/policies/roleManagementPolicyAssignments"]
	// graphsim's default page is 100 policy assignments (Unconfirmed:
	// Graph's own page size for this list).
	if want := (int64(len(got)) + 99) / 100; pages != want || stats.Requests != want {
		t.Errorf("%d requests (%d pages) for %d roles, want %d", stats.Requests, pages, len(got), want)
	}
	t.Logf("read the policies of %d roles, with all their rules, in %d requests", len(got), stats.Requests)
}

// expandDropper is a Graph that ignores nested $expand: it strips the
// $expand of the policy assignment list before graphsim sees it.
type expandDropper struct{ parent http.RoundTripper }

func (d expandDropper) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/roleManagementPolicyAssignments") {
		q := r.URL.Query()
		q.Del("$expand")
		r = r.Clone(r.Context())
		r.URL.RawQuery = q.Encode()
	}
	return d.parent.RoundTrip(r)
}

// TestReadPoliciesWithoutExpand: policies that come back without their
// rules are read one by one, never returned empty.
func TestReadPoliciesWithoutExpand(t *testing.T) {
	seed := writeSeed(1)
	seed.RoleDefinitions = nil
	srv := graphsim.New(seed, graphsim.Options{RequireToken: testToken})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := New(Config{GraphURL: ts.URL, Auth: AuthToken, Token: testToken, Transport: expandDropper{http.DefaultTransport}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ReadPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		if len(p.Rules) != 17 {
			t.Fatalf("role %s: %d rules", p.RoleID, len(p.Rules))
		}
	}
	if n := srv.Stats().ByRoute["GET /v1.0/policies/roleManagementPolicies/{id}"]; n != int64(len(got)) {
		t.Errorf("%d policies read one by one, want %d", n, len(got))
	}
}

func ruleBody(t *testing.T, srv *graphsim.Server, policyID string, edit func(map[string]any)) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(stateRules(srv)[policyID][ruleExpiration]), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ := json.Marshal(m)
	return b
}

// policyOf reads a role's policy id.
func policyOf(t *testing.T, c *Client, role string) string {
	t.Helper()
	ps, err := c.ReadPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.RoleID == migrate.MustGUID(role) {
			return p.PolicyID
		}
	}
	t.Fatalf("role %s has no policy", role)
	return ""
}

// TestWriteUpdateRule: a rule PATCH goes in the batch with other writes,
// its body exactly as given; Graph's refusals are results, not errors; a
// body that is no rule of the op is refused before anything is sent.
func TestWriteUpdateRule(t *testing.T) {
	srv, c, _, rec := startRecordedSim(t, writeSeed(1), graphsim.Options{Now: newClock(t0).now})
	pid := policyOf(t, c, roleGA)
	// Members in another order than encoding/json's: sent as they are.
	shorter := json.RawMessage(`{"target": {"caller":"EndUser","operations":["all"],"level":"Assignment","inheritableSettings":[],"enforcedSettings":[]},
	  "maximumDuration":"PT2H","isExpirationRequired":true,"id":"` + ruleExpiration + `","@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"}`)
	partial := ruleBody(t, srv, pid, func(m map[string]any) {
		m["target"] = map[string]any{"@odata.type": "microsoft.graph.unifiedRoleManagementPolicyRuleTarget"}
	})
	ops := append(creates(assignment(guidN(1, 0), roleSec)),
		wire.Op{Kind: wire.OpUpdateRule, PolicyID: pid, RuleID: ruleExpiration, Body: shorter},
		wire.Op{Kind: wire.OpUpdateRule, PolicyID: policyOf(t, c, roleSec), RuleID: ruleExpiration, Body: partial})
	res := mustWrite(t, c, ops)
	if res[0].Status != 201 || res[1].Status != 204 || resultErr("update", res[1]) != nil {
		t.Errorf("results %+v", res[:2])
	}
	if res[2].Status != 400 || res[2].Code != "InvalidPolicyRule" || res[2].Retryable {
		t.Errorf("partial target: %+v, want 400 InvalidPolicyRule", res[2])
	}
	if got := stateRules(srv)[pid][ruleExpiration]; !strings.Contains(got, `"maximumDuration":"PT2H"`) {
		t.Errorf("rule after the write: %s", got)
	}
	rec.mu.Lock()
	sent := rec.sent[len(rec.sent)-1]
	rec.mu.Unlock()
	var b struct {
		Requests []struct {
			Method, URL string
			Body        json.RawMessage
		}
	}
	json.Unmarshal(sent, &b)
	var compact bytes.Buffer
	json.Compact(&compact, shorter)
	if r := b.Requests[1]; r.Method != "PATCH" || r.URL != "/policies/roleManagementPolicies/"+pid+"/rules/"+ruleExpiration || string(r.Body) != compact.String() {
		t.Errorf("sent %s %s %s\nwant PATCH with %s", r.Method, r.URL, r.Body, compact.String())
	}

	for name, op := range map[string]wire.Op{
		"no policy":       {Kind: wire.OpUpdateRule, RuleID: ruleExpiration, Body: shorter},
		"no rule":         {Kind: wire.OpUpdateRule, PolicyID: pid, Body: shorter},
		"body not JSON":   {Kind: wire.OpUpdateRule, PolicyID: pid, RuleID: ruleExpiration, Body: json.RawMessage(`{"id":`)},
		"body an array":   {Kind: wire.OpUpdateRule, PolicyID: pid, RuleID: ruleExpiration, Body: json.RawMessage(`[]`)},
		"another rule's":  {Kind: wire.OpUpdateRule, PolicyID: pid, RuleID: "Expiration_Admin_Assignment", Body: shorter},
		"no body at all":  {Kind: wire.OpUpdateRule, PolicyID: pid, RuleID: ruleExpiration},
		"body without id": {Kind: wire.OpUpdateRule, PolicyID: pid, RuleID: ruleExpiration, Body: json.RawMessage(`{}`)},
	} {
		before := srv.Stats().Batches
		if _, err := c.Write(ctx, []wire.Op{op}); err == nil || srv.Stats().Batches != before {
			t.Errorf("%s: err %v, %d batches sent; want an error and nothing sent", name, err, srv.Stats().Batches-before)
		}
	}
}

// TestLookRule: a rule probe finds the rule as the tenant holds it (no
// @odata.context), shows the old rule while reads lag, and says "not
// there" for an unknown rule or policy.
func TestLookRule(t *testing.T) {
	clk := newClock(t0)
	srv, c, _ := startSim(t, writeSeed(1), graphsim.Options{Now: clk.now, ConsistencyLag: 10 * time.Second})
	pid := policyOf(t, c, roleGA)
	before := stateRules(srv)[pid][ruleExpiration]
	probes := []wire.Probe{
		{Rule: &wire.RuleRef{PolicyID: pid, RuleID: ruleExpiration}},
		{Rule: &wire.RuleRef{PolicyID: pid, RuleID: "Nope_Rule"}},
		{Rule: &wire.RuleRef{PolicyID: "DirectoryRole_nope", RuleID: ruleExpiration}},
	}
	check := func(phase, want string) {
		t.Helper()
		got, err := c.Look(ctx, probes)
		if err != nil {
			t.Fatal(err)
		}
		if s := got[0]; !s.Found || s.Err != nil || string(s.Body) != want {
			t.Errorf("%s: %+v\n%s\nwant\n%s", phase, s, s.Body, want)
		}
		for _, s := range got[1:] {
			if s.Found || s.Err != nil {
				t.Errorf("%s: unknown rule or policy: %+v", phase, s)
			}
		}
	}
	check("before", before)
	mustWrite(t, c, []wire.Op{{Kind: wire.OpUpdateRule, PolicyID: pid, RuleID: ruleExpiration,
		Body: ruleBody(t, srv, pid, func(m map[string]any) { m["maximumDuration"] = "PT1H" })}})
	check("inside the lag", before)
	clk.advance(11 * time.Second)
	check("after the lag", stateRules(srv)[pid][ruleExpiration])
	if _, err := c.Look(ctx, []wire.Probe{{Rule: &wire.RuleRef{PolicyID: pid}}}); err == nil {
		t.Error("a rule probe without a rule id: no error")
	}
}

// TestListLegacySettings reads both iterations' settings live.
func TestListLegacySettings(t *testing.T) {
	seed := writeSeed(1)
	seed.PrivilegedRoleSettings = []graphsim.PrivilegedRoleSettings{{ID: roleGA, ElevationDuration: "PT2H"}}
	seed.GovernanceRoleSettings = []graphsim.GovernanceRoleSetting{{RoleDefinitionID: roleSec,
		UserMemberSettings: []graphsim.GovernanceRuleSetting{{RuleIdentifier: "MfaRule", Setting: `{"mfaRequired":true}`}}}}
	srv, c, _ := startSim(t, seed, graphsim.Options{})
	var roles, withSettings int
	err := c.ListLegacy(ctx, LegacySettings1Path, func(n int, raw json.RawMessage) error {
		roles++
		var r struct{ Settings json.RawMessage }
		json.Unmarshal(raw, &r)
		if string(r.Settings) != "null" {
			withSettings++
		}
		return nil
	})
	if err != nil || roles < 100 || withSettings != 1 {
		t.Errorf("iteration 1: %d roles, %d with settings, %v", roles, withSettings, err)
	}
	var got []string
	err = c.ListLegacy(ctx, LegacySettings2Path(seed.TenantID), func(n int, raw json.RawMessage) error {
		got = append(got, string(raw))
		return nil
	})
	if err != nil || len(got) != 1 || !strings.Contains(got[0], `"setting":"{\"mfaRequired\":true}"`) {
		t.Errorf("iteration 2: %q, %v", got, err)
	}
	q, _ := url.QueryUnescape(LegacySettings2Path(seed.TenantID))
	if !strings.Contains(q, "$filter=resourceId eq '"+seed.TenantID+"'") || srv.Stats().ByStatus["400"] != 0 {
		t.Errorf("path %s", q)
	}
}

// TestLegacyDisabledIsClear: a tenant Microsoft migrated gives an error
// that says the live legacy API is gone and snapshots are the way.
func TestLegacyDisabledIsClear(t *testing.T) {
	seed := bigSeed(2, 2)
	seed.LegacyDisabled = true
	_, c, _ := startSim(t, seed, graphsim.Options{})
	for _, path := range []string{LegacyIteration1Path, LegacyIteration2Path, LegacySettings1Path, LegacySettings2Path(seed.TenantID)} {
		err := c.ListLegacy(ctx, path, func(int, json.RawMessage) error { return nil })
		ge := asGraphError(t, err)
		if !errors.Is(err, ErrLegacyDisabled) || ge.Status != 403 || ge.Code != "TenantEnabledInAadRoleMigration" ||
			!strings.Contains(err.Error(), "--source FILE") || !strings.Contains(err.Error(), "gone for this tenant") {
			t.Errorf("%s: %v", path, err)
		}
	}
}
