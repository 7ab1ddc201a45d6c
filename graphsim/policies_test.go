package graphsim

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	polAsg = "/v1.0/policies/roleManagementPolicyAssignments"
	pols   = "/v1.0/policies/roleManagementPolicies"
	// dirScope is the $filter every policy list needs.
	dirScope = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
)

func filter(f string) string { return "?$filter=" + url.QueryEscape(f) }

// policyOf finds a role's policy id through its policy assignment.
func (e *env) policyOf(role string) string {
	e.t.Helper()
	vs := e.must(200, "GET", polAsg+filter(dirScope+" and roleDefinitionId eq '"+role+"'"), nil).values()
	if len(vs) != 1 {
		e.t.Fatalf("role %s has %d policy assignments, want 1", role, len(vs))
	}
	return vs[0]["policyId"].(string)
}

// rule reads a rule of a policy.
func (e *env) rule(policy, id string) map[string]any {
	e.t.Helper()
	r := e.must(200, "GET", pols+"/"+policy+"/rules/"+id, nil)
	delete(r.body, "@odata.context")
	return r.body
}

func rulesByID(rules []any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, r := range rules {
		x := r.(map[string]any)
		m[x["id"].(string)] = x
	}
	return m
}

// TestDefaultPolicies: every role has a policy of the 17 documented
// default rules, found through its assignment at "/", with an id that is
// not the role's and is the same every time.
func TestDefaultPolicies(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	wantError(t, e.do("GET", polAsg, nil), 400, "BadRequest", "scopeId")
	wantError(t, e.do("GET", polAsg+filter("scopeId eq '/'"), nil), 400, "BadRequest", "scopeType")
	wantError(t, e.do("GET", pols, nil), 400, "BadRequest", "scopeId")

	asgs := e.all(polAsg + filter(dirScope))
	roles := map[string]bool{}
	idForm := regexp.MustCompile(`^DirectoryRole_` + tenantID + `_[0-9a-f-]{36}$`)
	for _, a := range asgs {
		role, pid := a["roleDefinitionId"].(string), a["policyId"].(string)
		if roles[role] {
			t.Errorf("role %s has two policy assignments", role)
		}
		roles[role] = true
		if !idForm.MatchString(pid) || strings.Contains(pid, role) || a["id"] != pid+"_"+role {
			t.Errorf("assignment %v: want policy id DirectoryRole_{tenant}_{guid}, not the role's", a)
		}
	}
	if !roles[globalAdmin] || !roles[customRole] || !roles[globalReader] || len(asgs) < 100 {
		t.Errorf("%d roles with a policy; GA %v, custom %v, reader %v", len(asgs), roles[globalAdmin], roles[customRole], roles[globalReader])
	}
	if again := newEnv(t, testSeed(), Options{}); again.policyOf(globalAdmin) != e.policyOf(globalAdmin) {
		t.Error("the default policy id differs from one server to the next")
	}
	if e.policyOf(readerDirID) != e.policyOf(globalReader) {
		t.Error("the directory-specific id of Global Reader finds another policy than its template id")
	}

	ga := e.policyOf(globalAdmin)
	p := e.must(200, "GET", pols+"/"+ga+"?$expand=rules", nil)
	rules := rulesByID(p.body["rules"].([]any))
	if len(rules) != 17 || p.str("scopeId") != "/" || p.str("scopeType") != "DirectoryRole" {
		t.Fatalf("policy: %s", p.raw)
	}
	for id, want := range map[string]string{
		"Expiration_EndUser_Assignment":             `"isExpirationRequired":true,"maximumDuration":"PT8H"`,
		"Enablement_EndUser_Assignment":             `"enabledRules":["MultiFactorAuthentication","Justification"]`,
		"Approval_EndUser_Assignment":               `"isApprovalRequired":false`,
		"AuthenticationContext_EndUser_Assignment":  `"claimValue":null,"id":"AuthenticationContext_EndUser_Assignment","isEnabled":false`,
		"Expiration_Admin_Eligibility":              `"isExpirationRequired":false,"maximumDuration":"P365D"`,
		"Expiration_Admin_Assignment":               `"isExpirationRequired":false,"maximumDuration":"P180D"`,
		"Enablement_Admin_Eligibility":              `"enabledRules":[]`,
		"Enablement_Admin_Assignment":               `"enabledRules":["Justification"]`,
		"Notification_Requestor_EndUser_Assignment": `"notificationLevel":"All"`,
		"Notification_Approver_Admin_Eligibility":   `"recipientType":"Approver"`,
		"Notification_Admin_Admin_Assignment":       `"recipientType":"Admin"`,
	} {
		got, _ := json.Marshal(rules[id])
		if !strings.Contains(string(got), want) || !strings.Contains(string(got), `"inheritableSettings":[]`) {
			t.Errorf("%s = %s, want %s and the whole target", id, got, want)
		}
	}
	approval, _ := json.Marshal(rules["Approval_EndUser_Assignment"])
	if !strings.Contains(string(approval), `"approvalStages":[{"approvalStageTimeOutInDays":1,`) || !strings.Contains(string(approval), `"primaryApprovers":[]`) {
		t.Errorf("approval rule %s: want one stage without approvers", approval)
	}
	if p := e.must(200, "GET", pols+"/"+ga, nil); p.body["rules"] != nil {
		t.Errorf("rules without $expand: %s", p.raw)
	}
	if n := len(e.must(200, "GET", pols+"/"+ga+"/rules", nil).values()); n != 17 {
		t.Errorf("%d rules listed", n)
	}
	if n := len(e.all(pols + filter(dirScope) + "&$expand=rules&$top=50")); n != len(asgs) {
		t.Errorf("%d policies listed, %d assignments", n, len(asgs))
	}
	wantError(t, e.do("GET", pols+"/"+ga+"/rules/Nope", nil), 404, "Request_ResourceNotFound", "Nope")
	wantError(t, e.do("GET", pols+"/DirectoryRole_nope/rules", nil), 404, "Request_ResourceNotFound", "")
}

// TestPolicyAssignmentsExpand reads every role's policy with its rules
// through the nested expand, page by page, each once.
func TestPolicyAssignmentsExpand(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	all := len(e.all(polAsg + filter(dirScope)))
	seen := map[string]bool{}
	pages := 0
	for next := polAsg + filter(dirScope) + "&$expand=" + url.QueryEscape("policy($expand=rules)") + "&$top=40"; next != ""; pages++ {
		r := e.must(200, "GET", next, nil)
		for _, a := range r.values() {
			p, _ := a["policy"].(map[string]any)
			if p == nil || p["id"] != a["policyId"] || len(p["rules"].([]any)) != 17 {
				t.Fatalf("assignment %v: policy not expanded with its rules", a["id"])
			}
			if seen[a["id"].(string)] {
				t.Errorf("%s listed twice", a["id"])
			}
			seen[a["id"].(string)] = true
		}
		next = r.str("@odata.nextLink")
	}
	if len(seen) != all || pages < 3 {
		t.Errorf("%d assignments over %d pages, want %d", len(seen), pages, all)
	}
	r := e.must(200, "GET", polAsg+filter(dirScope+" and roleDefinitionId eq '"+globalAdmin+"'")+"&$expand=policy", nil)
	if p := r.values()[0]["policy"].(map[string]any); p["rules"] != nil || p["id"] == nil {
		t.Errorf("$expand=policy: %s", r.raw)
	}
	id := r.values()[0]["id"].(string)
	if g := e.must(200, "GET", polAsg+"/"+id+"?$expand="+url.QueryEscape("policy($expand=rules)"), nil); len(g.body["policy"].(map[string]any)["rules"].([]any)) != 17 {
		t.Errorf("get with nested expand: %s", g.raw)
	}
}

// expirationRule is a PATCH body for Expiration_EndUser_Assignment.
func expirationRule(d string) map[string]any {
	return map[string]any{
		"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_EndUser_Assignment",
		"isExpirationRequired": true, "maximumDuration": d, "target": endUserTarget(),
	}
}

func endUserTarget() map[string]any {
	return map[string]any{"@odata.type": "microsoft.graph.unifiedRoleManagementPolicyRuleTarget", "caller": "EndUser",
		"operations": []string{"All"}, "level": "Assignment", "inheritableSettings": []string{}, "enforcedSettings": []string{}}
}

func enablementRule(rules ...string) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
		"id": "Enablement_EndUser_Assignment", "enabledRules": rules, "target": endUserTarget()}
}

func acrsRule(on bool) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule",
		"id": "AuthenticationContext_EndUser_Assignment", "isEnabled": on, "claimValue": "c1", "target": endUserTarget()}
}

func approvalRule(approvers ...map[string]any) map[string]any {
	if approvers == nil {
		approvers = []map[string]any{}
	}
	return map[string]any{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule", "id": "Approval_EndUser_Assignment",
		"target": endUserTarget(), "setting": map[string]any{"isApprovalRequired": true, "isApprovalRequiredForExtension": false,
			"isRequestorJustificationRequired": true, "approvalMode": "SingleStage", "approvalStages": []any{map[string]any{
				"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true, "escalationTimeInMinutes": 0,
				"isEscalationEnabled": false, "primaryApprovers": approvers, "escalationApprovers": []any{}}}}}
}

func with(m map[string]any, edit func(map[string]any)) map[string]any {
	edit(m)
	return m
}

// TestPatchRule: a valid PATCH replaces the rule (204); everything else is
// 400 and changes nothing.
func TestPatchRule(t *testing.T) {
	tests := []struct {
		name, rule string
		body       any
		code, msg  string // "" = 204
	}{
		{"shorter activation", "Expiration_EndUser_Assignment", expirationRule("PT2H"), "", ""},
		{"approval by a user and a group", "Approval_EndUser_Assignment", approvalRule(
			map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": alice},
			map[string]any{"@odata.type": "#microsoft.graph.groupMembers", "groupId": admins}), "", ""},
		{"ticketing", "Enablement_EndUser_Assignment", enablementRule("MultiFactorAuthentication", "Justification", "Ticketing"), "", ""},
		{"wrong @odata.type", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) {
			m["@odata.type"] = "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule"
		}), "InvalidPolicyRule", "@odata.type"},
		{"no @odata.type", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) { delete(m, "@odata.type") }),
			"InvalidPolicyRule", "@odata.type"},
		{"another rule's id", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) {
			m["id"] = "Expiration_Admin_Assignment"
		}), "InvalidPolicyRule", "id"},
		{"wrong casing", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) {
			m["IsExpirationRequired"] = m["isExpirationRequired"]
			delete(m, "isExpirationRequired")
		}), "InvalidPolicyRule", `"IsExpirationRequired"`},
		{"no target", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) { delete(m, "target") }),
			"InvalidPolicyRule", "no target"},
		{"target with its @odata.type only", "Notification_Requestor_EndUser_Assignment", map[string]any{
			"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule", "id": "Notification_Requestor_EndUser_Assignment",
			"notificationLevel": "Critical", "target": map[string]any{"@odata.type": "microsoft.graph.unifiedRoleManagementPolicyRuleTarget"}},
			"InvalidPolicyRule", "target has no caller"},
		{"target without enforcedSettings", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) {
			delete(m["target"].(map[string]any), "enforcedSettings")
		}), "InvalidPolicyRule", "enforcedSettings"},
		{"target of another caller", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) {
			m["target"].(map[string]any)["caller"] = "Admin"
		}), "InvalidPolicyRule", "caller"},
		{"not a duration", "Expiration_EndUser_Assignment", expirationRule("8 hours"), "InvalidPolicyRule", "maximumDuration"},
		{"a value of the wrong type", "Expiration_EndUser_Assignment", with(expirationRule("PT2H"), func(m map[string]any) {
			m["isExpirationRequired"] = "true"
		}), "InvalidPolicyRule", "isExpirationRequired"},
		{"unknown enabled rule", "Enablement_EndUser_Assignment", enablementRule("Mfa"), "InvalidPolicyRule", "Mfa"},
		{"approval without approvers", "Approval_EndUser_Assignment", approvalRule(), "InvalidPolicyRule", "no stage names a primary approver"},
		{"approver that resolves to nothing", "Approval_EndUser_Assignment", approvalRule(
			map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": nobody}), "InvalidPolicyRule", nobody},
		{"a group as a user", "Approval_EndUser_Assignment", approvalRule(
			map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": admins}), "InvalidPolicyRule", admins},
		{"context on while MFA is required", "AuthenticationContext_EndUser_Assignment", acrsRule(true), "MfaAndAcrsConflict", "authentication context"},
		{"context on without a claim", "AuthenticationContext_EndUser_Assignment", with(acrsRule(true), func(m map[string]any) { m["claimValue"] = nil }),
			"InvalidPolicyRule", "claimValue"},
		{"not JSON", "Expiration_EndUser_Assignment", []byte("{"), "BadRequest", "Unable to read JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, testSeed(), Options{})
			p := e.policyOf(globalAdmin)
			before := e.rule(p, tt.rule)
			r := e.do("PATCH", pols+"/"+p+"/rules/"+tt.rule, tt.body)
			after := e.rule(p, tt.rule)
			if tt.code != "" {
				wantError(t, r, 400, tt.code, tt.msg)
				if b, a := mustMarshal(t, before), mustMarshal(t, after); b != a {
					t.Errorf("a refused PATCH changed the rule:\n%s\n%s", b, a)
				}
				return
			}
			if r.status != 204 || len(r.raw) != 0 {
				t.Fatalf("status %d %s, want 204", r.status, r.raw)
			}
			for k, v := range tt.body.(map[string]any) {
				if mustMarshal(t, after[k]) != mustMarshal(t, v) {
					t.Errorf("%s = %s after the PATCH, want %s", k, mustMarshal(t, after[k]), mustMarshal(t, v))
				}
			}
			if e.policyOf(globalReader) == p || e.rule(e.policyOf(globalReader), tt.rule)["id"] == nil {
				t.Fatal("policies share an id")
			}
			if mustMarshal(t, e.rule(e.policyOf(globalReader), tt.rule)) != mustMarshal(t, before) {
				t.Error("the PATCH changed another role's policy")
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMfaAndAcrsConflict: whichever rule is written, the policy as it
// would be may not require both MFA and an authentication context; turning
// the context on after MFA off, and MFA on after the context off, works.
func TestMfaAndAcrsConflict(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	p := pols + "/" + e.policyOf(globalAdmin) + "/rules/"
	wantError(t, e.do("PATCH", p+"AuthenticationContext_EndUser_Assignment", acrsRule(true)), 400, "MfaAndAcrsConflict", "")
	e.must(204, "PATCH", p+"Enablement_EndUser_Assignment", enablementRule("Justification"))
	e.must(204, "PATCH", p+"AuthenticationContext_EndUser_Assignment", acrsRule(true))
	wantError(t, e.do("PATCH", p+"Enablement_EndUser_Assignment", enablementRule("MultiFactorAuthentication")), 400, "MfaAndAcrsConflict", "")
	e.must(204, "PATCH", p+"AuthenticationContext_EndUser_Assignment", acrsRule(false))
	e.must(204, "PATCH", p+"Enablement_EndUser_Assignment", enablementRule("MultiFactorAuthentication"))
}

// TestPatchRuleLags: reads show the old rule until the consistency lag has
// passed; the state shows the new one at once; a rule written back with
// its old content reads back byte for byte as before.
func TestPatchRuleLags(t *testing.T) {
	e := newEnv(t, testSeed(), Options{ConsistencyLag: 5 * time.Second})
	pid := e.policyOf(globalAdmin)
	path := pols + "/" + pid + "/rules/Expiration_EndUser_Assignment"
	before := e.must(200, "GET", path, nil).raw
	e.must(204, "PATCH", path, expirationRule("PT1H"))
	if got := e.must(200, "GET", path, nil).raw; string(got) != string(before) {
		t.Errorf("read right after the PATCH shows %s, want the old rule", got)
	}
	e.must(204, "PATCH", path, expirationRule("PT2H")) // a second change inside the lag
	if got := e.must(200, "GET", path, nil).raw; string(got) != string(before) {
		t.Errorf("read after the second PATCH shows %s, want the old rule", got)
	}
	var inState string
	for _, pol := range e.srv.State().RoleManagementPolicies {
		if pol.ID == pid {
			for _, r := range pol.Rules {
				if strings.Contains(string(r), `"Expiration_EndUser_Assignment"`) {
					inState = string(r)
				}
			}
		}
	}
	if !strings.Contains(inState, `"PT2H"`) {
		t.Errorf("state has %s, want PT2H at once", inState)
	}
	e.clock.Advance(5 * time.Second)
	if got := e.rule(pid, "Expiration_EndUser_Assignment"); got["maximumDuration"] != "PT2H" {
		t.Errorf("after the lag: %v", got)
	}
	var old map[string]any
	json.Unmarshal(before, &old)
	delete(old, "@odata.context")
	e.must(204, "PATCH", path, old)
	e.clock.Advance(5 * time.Second)
	if got := e.must(200, "GET", path, nil).raw; string(got) != string(before) {
		t.Errorf("written back:\n%s\nwant\n%s", got, before)
	}
}

// TestPatchRuleInBatch: a PATCH inside $batch is a write like any other:
// 204, throttled with the others.
func TestPatchRuleInBatch(t *testing.T) {
	e := newEnv(t, testSeed(), Options{ThrottleWrites: 1, ThrottleBurst: 1})
	pid := e.policyOf(globalAdmin)
	patch := func(id, d string) item {
		return item{"id": id, "method": "PATCH", "url": "/policies/roleManagementPolicies/" + pid + "/rules/Expiration_EndUser_Assignment",
			"body": expirationRule(d), "headers": map[string]string{"Content-Type": "application/json"}}
	}
	got, _ := e.batch(patch("1", "PT3H"), item{"id": "2", "method": "GET", "url": "/policies/roleManagementPolicies/" + pid + "/rules/Expiration_EndUser_Assignment", "dependsOn": []string{"1"}},
		patch("3", "PT4H"))
	if status(got["1"]) != 204 || status(got["2"]) != 200 || status(got["3"]) != 429 {
		t.Fatalf("statuses %d %d %d, want 204 200 429", status(got["1"]), status(got["2"]), status(got["3"]))
	}
	if b := got["2"]["body"].(map[string]any); b["maximumDuration"] != "PT3H" {
		t.Errorf("rule read in the batch: %v", b)
	}
	if st := e.srv.Stats(); st.Writes != 2 || st.WritesCommitted != 1 || st.Throttled != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestSeedPolicies: a seed names a policy for a role with a few rules; the
// rest of its rules are the defaults, and every other role keeps its
// default policy.
func TestSeedPolicies(t *testing.T) {
	seed := testSeed()
	seed.RoleManagementPolicies = []RoleManagementPolicy{{ID: "DirectoryRole_" + tenantID + "_strict", Rules: []json.RawMessage{
		json.RawMessage(`{"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyExpirationRule","id":"Expiration_EndUser_Assignment",
		  "isExpirationRequired":true,"maximumDuration":"PT1H","target":{"caller":"EndUser","operations":["all"],"level":"Assignment","inheritableSettings":[],"enforcedSettings":[]}}`),
	}}}
	seed.RoleManagementPolicyAssignments = []RoleManagementPolicyAssignment{{PolicyID: "DirectoryRole_" + tenantID + "_strict", RoleDefinitionID: securityAdmin}}
	e := newEnv(t, seed, Options{})
	pid := e.policyOf(securityAdmin)
	if pid != "DirectoryRole_"+tenantID+"_strict" {
		t.Fatalf("Security Administrator's policy is %s", pid)
	}
	if r := e.rule(pid, "Expiration_EndUser_Assignment"); r["maximumDuration"] != "PT1H" {
		t.Errorf("seeded rule %v", r)
	}
	if n := len(e.must(200, "GET", pols+"/"+pid+"/rules", nil).values()); n != 17 {
		t.Errorf("seeded policy has %d rules, want the 16 others filled in", n)
	}
	if r := e.rule(e.policyOf(globalAdmin), "Expiration_EndUser_Assignment"); r["maximumDuration"] != "PT8H" {
		t.Errorf("another role: %v", r)
	}
	st := e.srv.State()
	if st.RoleManagementPolicyAssignments[0].ID != pid+"_"+securityAdmin || len(st.RoleManagementPolicies[0].Rules) != 17 {
		t.Errorf("state: %+v", st.RoleManagementPolicyAssignments[0])
	}
}

func TestSeedPolicyErrors(t *testing.T) {
	rule := `{"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyExpirationRule","id":"Expiration_EndUser_Assignment"}`
	tests := []struct{ name, in, want string }{
		{"policy without id", `{"roleManagementPolicies":[{"rules":[]}]}`, "roleManagementPolicies[0]"},
		{"duplicate policy", `{"roleManagementPolicies":[{"id":"p"},{"id":"P"}]}`, "roleManagementPolicies[1]"},
		{"rule without type", `{"roleManagementPolicies":[{"id":"p","rules":[{"id":"x"}]}]}`, "@odata.type"},
		{"rule twice", `{"roleManagementPolicies":[{"id":"p","rules":[` + rule + `,` + rule + `]}]}`, "a second rule"},
		{"known rule of another type", `{"roleManagementPolicies":[{"id":"p","rules":[{"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyEnablementRule","id":"Expiration_EndUser_Assignment"}]}]}`, "is a"},
		{"assignment of no policy", `{"roleManagementPolicyAssignments":[{"policyId":"p","roleDefinitionId":"` + globalAdmin + `"}]}`, "names no policy"},
		{"assignment of a bad role", `{"roleManagementPolicies":[{"id":"p"}],"roleManagementPolicyAssignments":[{"policyId":"p","roleDefinitionId":"GA"}]}`, "roleDefinitionId"},
		{"two assignments of a role", `{"roleManagementPolicies":[{"id":"p"}],"roleManagementPolicyAssignments":[{"policyId":"p","roleDefinitionId":"` + globalAdmin + `"},{"policyId":"p","roleDefinitionId":"` + strings.ToUpper(globalAdmin) + `"}]}`, "duplicate assignment"},
		{"settings of a bad role", `{"privilegedRoleSettings":[{"id":"GA"}]}`, "privilegedRoleSettings[0]"},
		{"settings twice", `{"privilegedRoleSettings":[{"id":"` + globalAdmin + `"},{"id":"` + globalAdmin + `"}]}`, "privilegedRoleSettings[1]"},
		{"roleSetting without role", `{"governanceRoleSettings":[{"id":"x"}]}`, "roleDefinitionId is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSeed(strings.NewReader(tt.in), "bad.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.json") {
				t.Fatalf("err = %v, want one about %q", err, tt.want)
			}
		})
	}
}
