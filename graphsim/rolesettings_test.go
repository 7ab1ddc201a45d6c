package graphsim

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const roleSettings = "/beta/privilegedAccess/aadRoles/roleSettings"

// settingsSeed is testSeed with legacy settings of both iterations.
func settingsSeed() *Seed {
	s := testSeed()
	s.PrivilegedRoleSettings = []PrivilegedRoleSettings{
		{ID: globalAdmin, ElevationDuration: "PT2H", MfaOnElevation: ptr(true), ApprovalOnElevation: ptr(true), ApproverIDs: []string{alice, admins}},
		{ID: strings.ToUpper(readerDirID), ElevationDuration: "PT1H"}, // by its directory-specific id
	}
	s.GovernanceRoleSettings = []GovernanceRoleSetting{
		{ID: "rs-1", RoleDefinitionID: securityAdmin, LastUpdatedBy: "Alex Wilber", LastUpdatedDateTime: ptr(t0.Add(-time.Hour)),
			UserMemberSettings: []GovernanceRuleSetting{{RuleIdentifier: "MfaRule", Setting: `{"mfaRequired":true}`}}},
		{RoleDefinitionID: userAdmin, IsDefault: true},
	}
	return s
}

func TestLegacyRoleSettings(t *testing.T) {
	e := newEnv(t, settingsSeed(), Options{})
	r := e.must(200, "GET", "/beta/privilegedRoles/"+globalAdmin+"/settings", nil)
	if r.str("id") != globalAdmin || r.str("elevationDuration") != "PT2H" || r.body["mfaOnElevation"] != true ||
		r.body["ticketingInfoOnElevation"] != nil || len(r.body["approverIds"].([]any)) != 2 {
		t.Errorf("settings: %s", r.raw)
	}
	if r := e.must(200, "GET", "/beta/privilegedRoles/"+globalReader+"/settings", nil); r.str("elevationDuration") != "PT1H" {
		t.Errorf("settings seeded by a directory-specific id: %s", r.raw)
	}
	wantError(t, e.do("GET", "/beta/privilegedRoles/"+securityAdmin+"/settings", nil), 404, "Request_ResourceNotFound", "")
	wantError(t, e.do("GET", "/beta/privilegedRoles/"+noRole+"/settings", nil), 404, "Request_ResourceNotFound", "")

	roles := e.all("/beta/privilegedRoles?$expand=settings&$top=30")
	with, ids := 0, map[string]bool{}
	for _, r := range roles {
		if ids[r["id"].(string)] {
			t.Errorf("role %s listed twice", r["id"])
		}
		ids[r["id"].(string)] = true
		v, ok := r["settings"]
		if !ok {
			t.Fatalf("role %v without a settings member", r)
		}
		if v != nil {
			with++
		}
	}
	if with != 2 {
		t.Errorf("%d roles with settings, want 2", with)
	}
	if r := e.must(200, "GET", "/beta/privilegedRoles/"+globalAdmin, nil); r.body["settings"] != nil {
		t.Errorf("settings without $expand: %s", r.raw)
	}

	// PUT replaces (or creates) a role's settings: 204.
	e.must(204, "PUT", "/beta/privilegedRoles/"+securityAdmin+"/settings", map[string]any{"id": securityAdmin, "elevationDuration": "PT30M", "mfaOnElevation": true})
	if r := e.must(200, "GET", "/beta/privilegedRoles/"+securityAdmin+"/settings", nil); r.str("elevationDuration") != "PT30M" {
		t.Errorf("after PUT: %s", r.raw)
	}
	wantError(t, e.do("PUT", "/beta/privilegedRoles/"+securityAdmin+"/settings", map[string]any{"id": globalAdmin}), 400, "Request_BadRequest", "'id'")
	wantError(t, e.do("PUT", "/beta/privilegedRoles/"+securityAdmin+"/settings", map[string]any{"elevationDuration": "8h"}), 400, "Request_BadRequest", "elevationDuration")

	// Iteration 2.
	all := e.all(roleSettings + "?$filter=" + "resourceId%20eq%20'" + tenantID + "'&$top=1")
	if got := strings.Join(ids2(all), " "); got != "rs-1 "+hashGUID("roleSetting", userAdmin) {
		t.Errorf("roleSettings %q", got)
	}
	rs := all[0]
	rules := rs["userMemberSettings"].([]any)
	if rs["resourceId"] != tenantID || rs["isDefault"] != false || rs["lastUpdatedBy"] != "Alex Wilber" || len(rules) != 1 ||
		rules[0].(map[string]any)["setting"] != `{"mfaRequired":true}` || len(rs["adminEligibleSettings"].([]any)) != 0 {
		t.Errorf("roleSetting %v", rs)
	}
	if got := e.all(roleSettings + filter("roleDefinitionId eq '"+userAdmin+"'")); len(got) != 1 || got[0]["isDefault"] != true {
		t.Errorf("by role: %v", got)
	}
	if got := e.all("/beta/privilegedAccess/aadRoles/resources/" + tenantID + "/roleSettings"); len(got) != 2 {
		t.Errorf("by resource: %d", len(got))
	}
	if r := e.must(200, "GET", roleSettings+"/RS-1", nil); r.str("roleDefinitionId") != securityAdmin {
		t.Errorf("get: %s", r.raw)
	}
	wantError(t, e.do("GET", "/beta/privilegedAccess/aadRoles/resources/"+nobody+"/roleSettings", nil), 404, "Request_ResourceNotFound", "")
}

func ids2(vs []map[string]any) []string { return ids(vs, "id") }

// TestLegacyDisabled: a tenant Microsoft migrated answers every legacy
// route with 403 TenantEnabledInAadRoleMigration; v1.0 works.
func TestLegacyDisabled(t *testing.T) {
	seed := settingsSeed()
	seed.LegacyDisabled = true
	e := newEnv(t, seed, Options{})
	for _, rt := range table() {
		if !rt.legacy {
			continue
		}
		for method := range rt.methods {
			path := strings.ReplaceAll(rt.pattern, "{id}", globalAdmin)
			r := e.do(method, path, map[string]any{"userId": alice, "roleId": globalAdmin})
			wantError(t, r, 403, "TenantEnabledInAadRoleMigration", "The current endpoints of AAD roles have been disabled for the tenant for migration purpose")
		}
	}
	e.must(200, "GET", polAsg+filter(dirScope), nil)
	if !e.srv.State().LegacyDisabled {
		t.Error("state lost legacyDisabled")
	}
}

// TestStateRoundTripSettings: a state with legacy settings, seeded and
// changed policies and legacyDisabled loads as a seed and serves the same.
func TestStateRoundTripSettings(t *testing.T) {
	seed := settingsSeed()
	seed.LegacyDisabled = true
	seed.RoleManagementPolicies = []RoleManagementPolicy{{ID: "p-strict", LastModifiedDateTime: ptr(t0)}}
	seed.RoleManagementPolicyAssignments = []RoleManagementPolicyAssignment{{PolicyID: "p-strict", RoleDefinitionID: globalAdmin}}
	e := newEnv(t, seed, Options{})
	e.must(204, "PATCH", pols+"/"+e.policyOf(userAdmin)+"/rules/Expiration_EndUser_Assignment", expirationRule("PT3H"))
	st := e.srv.State()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ") // as /_sim/state writes it
	if err := enc.Encode(st); err != nil {
		t.Fatal(err)
	}
	again, err := LoadSeed(bytes.NewReader(buf.Bytes()), "state.json")
	if err != nil {
		t.Fatalf("state does not load as a seed: %v", err)
	}
	if !reflect.DeepEqual(again, st) {
		t.Errorf("state changed on reload")
	}
	e2 := newEnv(t, again, Options{})
	if !reflect.DeepEqual(e2.srv.State(), st) {
		t.Error("the reloaded state serves another state")
	}
	if r := e2.rule(e2.policyOf(userAdmin), "Expiration_EndUser_Assignment"); r["maximumDuration"] != "PT3H" {
		t.Errorf("changed rule after reload: %v", r)
	}
	if e2.policyOf(globalAdmin) != "p-strict" || len(st.PrivilegedRoleSettings) != 2 || len(st.GovernanceRoleSettings) != 2 {
		t.Errorf("state %d, %d settings", len(st.PrivilegedRoleSettings), len(st.GovernanceRoleSettings))
	}
	n := 0
	for _, a := range st.RoleManagementPolicyAssignments {
		if a.RoleDefinitionID == globalAdmin {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Global Administrator has %d policy assignments in the state", n)
	}
}
