package graphsim

import (
	"testing"
)

// strictPolicy makes userAdmin's policy require an end within P90D for
// eligibilities and P30D for active assignments, MFA and a justification
// on eligible assignment, and a ticket on active assignment.
func (e *env) strictPolicy() {
	e.t.Helper()
	pol := e.policyOf(userAdmin)
	set := func(id string, f func(r map[string]any)) {
		r := e.rule(pol, id)
		f(r)
		e.must(204, "PATCH", pols+"/"+pol+"/rules/"+id, r)
	}
	set("Expiration_Admin_Eligibility", func(r map[string]any) { r["isExpirationRequired"], r["maximumDuration"] = true, "P90D" })
	set("Expiration_Admin_Assignment", func(r map[string]any) { r["isExpirationRequired"], r["maximumDuration"] = true, "P30D" })
	set("Enablement_Admin_Eligibility", func(r map[string]any) { r["enabledRules"] = []string{"MultiFactorAuthentication", "Justification"} })
	set("Enablement_Admin_Assignment", func(r map[string]any) { r["enabledRules"] = []string{"Ticketing"} })
}

func TestRequestPolicyValidation(t *testing.T) {
	after := func(end string) map[string]any { return map[string]any{"type": "afterDateTime", "endDateTime": end} }
	noEnd := map[string]any{"type": "noExpiration"}
	withTicket := func(b map[string]any) map[string]any {
		b["ticketInfo"] = map[string]any{"ticketNumber": "CHG-1", "ticketSystem": "ServiceNow"}
		return b
	}
	tests := []struct {
		name     string
		path     string
		body     map[string]any
		appOnly  bool
		validate bool
		want     string // the failed rules, "" for 201
	}{
		{"eligibility within the maximum", eligReqs, schedReq("adminAssign", alice, userAdmin, after("2027-02-20T12:00:00Z")), false, false, ""},
		{"eligibility without an end", eligReqs, schedReq("adminAssign", alice, userAdmin, noEnd), false, false, `["ExpirationRule"]`},
		{"eligibility beyond the maximum", eligReqs, schedReq("adminAssign", alice, userAdmin, after("2027-02-21T12:00:01Z")), false, false, `["ExpirationRule"]`},
		{"eligibility for a duration beyond the maximum", eligReqs, schedReq("adminAssign", alice, userAdmin, map[string]any{"type": "afterDuration", "duration": "P91D"}), false, false, `["ExpirationRule"]`},
		{"eligibility without a justification", eligReqs, func() map[string]any {
			b := schedReq("adminAssign", alice, userAdmin, after("2027-01-01T00:00:00Z"))
			b["justification"] = ""
			return b
		}(), false, false, `["JustificationRule"]`},
		{"eligibility by an app-only caller", eligReqs, schedReq("adminAssign", alice, userAdmin, after("2027-01-01T00:00:00Z")), true, false, `["MfaRule"]`},
		{"everything wrong at once", eligReqs, func() map[string]any {
			b := schedReq("adminAssign", alice, userAdmin, noEnd)
			b["justification"] = ""
			return b
		}(), true, false, `["ExpirationRule","JustificationRule","MfaRule"]`},
		{"active without a ticket", asgReqs, schedReq("adminAssign", alice, userAdmin, after("2026-12-01T00:00:00Z")), false, false, `["TicketingRule"]`},
		{"active beyond the maximum", asgReqs, withTicket(schedReq("adminAssign", alice, userAdmin, after("2027-01-01T00:00:00Z"))), false, false, `["ExpirationRule"]`},
		{"active within the maximum, with a ticket", asgReqs, withTicket(schedReq("adminAssign", alice, userAdmin, after("2026-12-01T00:00:00Z"))), true, false, ""},
		{"validation only, failing", eligReqs, schedReq("adminAssign", bob, userAdmin, noEnd), false, true, `["ExpirationRule"]`},
		{"validation only, passing", eligReqs, schedReq("adminAssign", bob, userAdmin, after("2027-01-01T00:00:00Z")), false, true, ""},
		{"another role's default policy", eligReqs, schedReq("adminAssign", bob, globalAdmin, noEnd), true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, testSeed(), Options{})
			e.strictPolicy()
			if tt.appOnly {
				e.token = AppOnlyTokenPrefix + e.token
			}
			sched := rm + "/roleEligibilitySchedules"
			if tt.path == asgReqs {
				sched = rm + "/roleAssignmentSchedules"
			}
			before := len(e.all(sched))
			tt.body["isValidationOnly"] = tt.validate
			r := e.do("POST", tt.path, tt.body)
			if tt.want != "" {
				wantError(t, r, 400, "RoleAssignmentRequestPolicyValidationFailed", "The following policy rules failed: "+tt.want)
				if r.errMessage() != "The following policy rules failed: "+tt.want {
					t.Errorf("message %q", r.errMessage())
				}
			} else if r.status != 201 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			want := before
			if tt.want == "" && !tt.validate {
				want++
			}
			if got := len(e.all(sched)); got != want {
				t.Errorf("%d schedules, want %d", got, want)
			}
		})
	}
}

// TestAppOnlyTokenWithRequiredToken: --require-token compares the token
// without the app-only prefix.
func TestAppOnlyTokenWithRequiredToken(t *testing.T) {
	e := newEnv(t, testSeed(), Options{RequireToken: testToken})
	e.token = AppOnlyTokenPrefix + testToken
	e.must(200, "GET", rm+"/roleAssignments", nil)
	e.token = AppOnlyTokenPrefix + "other"
	wantError(t, e.do("GET", rm+"/roleAssignments", nil), 401, "InvalidAuthenticationToken", "")
}
