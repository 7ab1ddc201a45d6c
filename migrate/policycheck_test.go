package migrate

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// withRule is Microsoft's default rules with rule id changed by f.
func withRules(changes map[string]func(r rule)) map[string]json.RawMessage {
	rules := DefaultPolicyRules()
	for id, f := range changes {
		r, _ := parseRule(rules[id])
		f(r)
		rules[id] = r.json()
	}
	return rules
}

func mustExpire(max string) func(r rule) {
	return func(r rule) { r[FieldExpirationRequired] = true; r[FieldMaximumDuration] = max }
}

func requires(reqs ...string) func(r rule) {
	return func(r rule) {
		for _, q := range reqs {
			r.setHas(q, true)
		}
	}
}

// effectsOf is "rule.field=effect" of an item's policy effects.
func effectsOf(it Item) string {
	var s []string
	for _, e := range it.PolicyRules {
		s = append(s, e.Rule+"."+e.Field+"="+e.Effect)
	}
	return strings.Join(s, " ")
}

func TestPolicyCheck(t *testing.T) {
	day := 24 * time.Hour
	strict := map[string]func(r rule){
		RuleEligibleExpiration: mustExpire("P90D"),
		RuleActiveExpiration:   mustExpire("P30D"),
	}
	tests := []struct {
		name     string
		legacy   []Assignment
		settings []LegacySettings
		rules    map[string]func(r rule) // GA's policy; nil: the default
		noPolicy bool                    // the tenant has no policy for GA
		policy   Policy
		offline  bool
		want     []wantItem
		effects  []string // per wanted item
	}{
		{name: "default policy changes nothing",
			legacy: []Assignment{rec(gAlice, rGA, false, nil), rec(gGuest, rGA, true, nil)},
			want: []wantItem{
				{Key(gGuest, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, []string{WarnGuestUser}},
				{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, nil},
			},
			effects: []string{"", ""}},
		{name: "eligibility that must expire gets asOf + maximum",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, rules: strict,
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationAfter, at(90 * day), []string{WarnExpirySetByPolicy}}},
			effects: []string{"Expiration_Admin_Eligibility.isExpirationRequired=expiry-set-by-policy"}},
		{name: "--policy-expiry skip skips it instead",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, rules: strict, policy: Policy{PolicyExpiry: PolicyExpirySkip},
			want:    []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonPolicyRequiresExpiration, KindEligibilityRequest, ExpirationNone, nil, nil}},
			effects: []string{"Expiration_Admin_Eligibility.isExpirationRequired=policy-requires-expiration"}},
		{name: "an end beyond the maximum is shortened",
			legacy: []Assignment{rec(gAlice, rGA, false, at(400*day))}, rules: strict,
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "time-bound-eligible", KindEligibilityRequest, ExpirationAfter, at(90 * day), []string{WarnExpiryShortenedByPolicy}}},
			effects: []string{"Expiration_Admin_Eligibility.maximumDuration=expiry-shortened-by-policy"}},
		{name: "an end within the maximum stays",
			legacy: []Assignment{rec(gAlice, rGA, false, at(60*day))}, rules: strict,
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "time-bound-eligible", KindEligibilityRequest, ExpirationAfter, at(60 * day), nil}},
			effects: []string{""}},
		{name: "a maximum the policy does not require is not enforced",
			legacy:  []Assignment{rec(gAlice, rGA, false, at(400*day))},
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "time-bound-eligible", KindEligibilityRequest, ExpirationAfter, at(400 * day), nil}},
			effects: []string{""}},
		{name: "permanent access where active assignments must expire becomes a time-bound active schedule",
			legacy: []Assignment{rec(gAlice, rGA, true, nil)}, rules: strict,
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "permanent", KindAssignmentScheduleRequest, ExpirationAfter, at(30 * day), []string{WarnExpirySetByPolicy}}},
			effects: []string{"Expiration_Admin_Assignment.isExpirationRequired=expiry-set-by-policy"}},
		{name: "permanent access is skipped with --policy-expiry skip",
			legacy: []Assignment{rec(gAlice, rGA, true, nil)}, rules: strict, policy: Policy{PolicyExpiry: PolicyExpirySkip},
			want:    []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonPolicyRequiresExpiration, KindRoleAssignment, "", nil, nil}},
			effects: []string{"Expiration_Admin_Assignment.isExpirationRequired=policy-requires-expiration"}},
		{name: "a kept activation beyond the active maximum is shortened",
			legacy: []Assignment{rec(gAlice, rGA, true, at(45*day))}, rules: strict, policy: Policy{KeepActivations: true},
			want: []wantItem{
				{Key(gAlice, rGA), ActionCreate, "activated", KindEligibilityRequest, ExpirationAfter, at(90 * day), []string{WarnExpirySetByPolicy}},
				{Key(gAlice, rGA) + "#activation", ActionCreate, "activated", KindAssignmentScheduleRequest, ExpirationAfter, at(30 * day), []string{WarnExpiryShortenedByPolicy}},
			},
			effects: []string{"Expiration_Admin_Eligibility.isExpirationRequired=expiry-set-by-policy", "Expiration_Admin_Assignment.maximumDuration=expiry-shortened-by-policy"}},
		{name: "no activation is kept when its eligibility is skipped by the policy",
			legacy: []Assignment{rec(gAlice, rGA, true, at(2*day))}, rules: strict, policy: Policy{KeepActivations: true, PolicyExpiry: PolicyExpirySkip},
			want:    []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonPolicyRequiresExpiration, KindEligibilityRequest, ExpirationNone, nil, nil}},
			effects: []string{"Expiration_Admin_Eligibility.isExpirationRequired=policy-requires-expiration"}},
		{name: "the plan's own settings make eligibilities expire",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)},
			settings: []LegacySettings{it2(rGA, "s.json#1", map[string][]LegacyRule{
				"adminEligible": {lr("ExpirationRule", `{"permanentAssignment":false,"maximumGrantPeriodInMinutes":43200}`)}})},
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationAfter, at(30 * day), []string{WarnExpirySetByPolicy}}},
			effects: []string{"Expiration_Admin_Eligibility.isExpirationRequired=expiry-set-by-policy"}},
		{name: "offline, the plan's own settings count against Microsoft's defaults",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, offline: true,
			settings: []LegacySettings{it2(rGA, "s.json#1", map[string][]LegacyRule{
				"adminEligible": {lr("ExpirationRule", `{"permanentAssignment":false,"maximumGrantPeriodInMinutes":43200}`)}})},
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationAfter, at(30 * day), []string{WarnExpirySetByPolicy, WarnPrincipalUnverified}}},
			effects: []string{"Expiration_Admin_Eligibility.isExpirationRequired=expiry-set-by-policy"}},
		{name: "ticketing on admin assignment skips",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, rules: map[string]func(r rule){RuleEligibleEnablement: requires(FieldTicketing)},
			want:    []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonPolicyRequiresTicket, KindEligibilityRequest, ExpirationNone, nil, nil}},
			effects: []string{"Enablement_Admin_Eligibility.Ticketing=policy-requires-ticket"}},
		{name: "justification required is met by the plan's justification",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, rules: map[string]func(r rule){RuleEligibleEnablement: requires(FieldJustification)},
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, nil}},
			effects: []string{""}},
		{name: "MFA on admin assignment is marked; delegated sign-in needs no warning",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, rules: map[string]func(r rule){RuleEligibleEnablement: requires(FieldMFA)},
			policy:  Policy{SignIn: SignInDelegated},
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, nil}},
			effects: []string{"Enablement_Admin_Eligibility.MultiFactorAuthentication=mfa-required"}},
		{name: "MFA on admin assignment with app-only sign-in warns",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, rules: map[string]func(r rule){RuleEligibleEnablement: requires(FieldMFA)},
			policy:  Policy{SignIn: SignInAppOnly},
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, []string{WarnDelegatedSignInRequired}}},
			effects: []string{"Enablement_Admin_Eligibility.MultiFactorAuthentication=mfa-required"}},
		{name: "--policy-check off plans as if there were no policy",
			legacy: []Assignment{rec(gAlice, rGA, false, nil), rec(gGuest, rGA, true, nil)}, rules: strict, policy: Policy{PolicyCheck: PolicyCheckOff},
			want: []wantItem{
				{Key(gGuest, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, []string{WarnGuestUser}},
				{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, nil},
			},
			effects: []string{"", ""}},
		{name: "a role without a policy is not checked",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, noPolicy: true,
			want:    []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, nil}},
			effects: []string{""}},
		{name: "items already present are not changed",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)}, rules: strict,
			want:    []wantItem{{Key(gAlice, rGA), ActionPresent, ReasonAlreadyEligible, KindEligibilityRequest, ExpirationNone, nil, nil}},
			effects: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := testTenant()
			if !tt.noPolicy {
				ten.Policies = []RolePolicy{{RoleID: rGA, PolicyID: "DirectoryRole_t_ga", Rules: withRules(tt.rules)}}
			}
			if strings.HasPrefix(tt.name, "items already present") {
				ten.EligibilitySchedules = []EligibilitySchedule{{PrincipalID: gAlice, RoleDefinitionID: rGA, DirectoryScopeID: "/"}}
			}
			if tt.offline {
				ten = OfflineTenant(BuiltinCatalogue(), ten.TenantID)
			}
			pol := tt.policy
			pol.EligibleAs = EligibleAsEligibility
			p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: tt.legacy, Settings: tt.settings}, Tenant: ten, Policy: pol,
				Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
			if err != nil {
				t.Fatal(err)
			}
			var items []Item
			for _, it := range p.Items {
				if it.Kind == KindAssignment {
					items = append(items, it)
				}
			}
			if len(items) != len(tt.want) {
				t.Fatalf("got %d items, want %d: %+v", len(items), len(tt.want), items)
			}
			for i, w := range tt.want {
				it := items[i]
				var expType string
				var end *time.Time
				if e := it.Target.Expiration; e != nil {
					expType, end = e.Type, e.EndDateTime
				}
				wantWarn := w.warnings
				if wantWarn == nil {
					wantWarn = []string{}
				}
				if it.Key != w.key || it.Action != w.action || it.Reason != w.reason || it.Target.Kind != w.kind ||
					expType != w.expType || !sameTime(end, w.end) || !reflect.DeepEqual(it.Warnings, wantWarn) {
					t.Errorf("item %d: %s %s/%s %s %s %v %v\nwant %s %s/%s %s %s %v %v", i, it.Key, it.Action, it.Reason, it.Target.Kind, expType, end, it.Warnings,
						w.key, w.action, w.reason, w.kind, w.expType, w.end, wantWarn)
				}
				if got := effectsOf(it); got != tt.effects[i] {
					t.Errorf("item %d: effects %q, want %q", i, got, tt.effects[i])
				}
			}
			if err := CheckSendable(p, assignmentCreates(p)); err != nil {
				t.Errorf("the plan breaks a safety rule: %v", err)
			}
		})
	}
}

func assignmentCreates(p *Plan) []*Item {
	var out []*Item
	for i := range p.Items {
		if p.Items[i].Kind == KindAssignment && p.Items[i].Changes() {
			out = append(out, &p.Items[i])
		}
	}
	return out
}

func TestPolicyCheckCountsInSummary(t *testing.T) {
	ten := testTenant()
	ten.Policies = []RolePolicy{{RoleID: rGA, PolicyID: "p", Rules: withRules(map[string]func(r rule){RuleEligibleExpiration: mustExpire("P90D")})}}
	p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: []Assignment{rec(gAlice, rGA, false, nil), rec(gGuest, rGA, false, at(400*24*time.Hour))}},
		Tenant: ten, Policy: Policy{EligibleAs: EligibleAsEligibility}, Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Warnings[WarnExpirySetByPolicy] != 1 || p.Summary.Warnings[WarnExpiryShortenedByPolicy] != 1 {
		t.Errorf("summary warnings %v", p.Summary.Warnings)
	}
	p2, _ := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: []Assignment{rec(gAlice, rGA, false, nil)}},
		Tenant: ten, Policy: Policy{EligibleAs: EligibleAsEligibility, PolicyExpiry: PolicyExpirySkip}, Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
	if p2.Summary.SkipReasons[ReasonPolicyRequiresExpiration] != 1 {
		t.Errorf("summary skip reasons %v", p2.Summary.SkipReasons)
	}
}

func TestFailedPolicyRules(t *testing.T) {
	tests := []struct {
		name, msg string
		want      []string
	}{
		{"one", `The following policy rules failed: ["ExpirationRule"]`, []string{"ExpirationRule"}},
		{"two", `The following policy rules failed: ["MfaRule","JustificationRule"]`, []string{"MfaRule", "JustificationRule"}},
		{"trailing text", `The following policy rules failed: ["ExpirationRule"]. More.`, []string{"ExpirationRule"}},
		{"none", "The Role assignment already exists.", nil},
		{"not a list", "The following policy rules failed: ExpirationRule", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FailedPolicyRules(tt.msg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApplyPreflight(t *testing.T) {
	p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: []Assignment{rec(gAlice, rGA, false, nil), rec(gGuest, rGA, false, nil)}},
		Tenant: testTenant(), Policy: DefaultPolicy(), Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
	if err != nil {
		t.Fatal(err)
	}
	digest := p.Digest
	n := p.ApplyPreflight(map[string]PreflightFailure{Key(gAlice, rGA): {Status: 400, Code: "RoleAssignmentRequestPolicyValidationFailed",
		Message: `The following policy rules failed: ["ExpirationRule","MfaRule"]`}})
	if n != 1 || p.Digest == digest {
		t.Fatalf("skipped %d, digest changed %v", n, p.Digest != digest)
	}
	it := p.Items[1] // alice sorts after the guest
	if it.Action != ActionSkip || it.Reason != ReasonPolicyValidationFailed || effectsOf(it) != "ExpirationRule.=policy-validation-failed MfaRule.=policy-validation-failed" {
		t.Errorf("item %s: %s %s %q", it.Key, it.Action, it.Reason, effectsOf(it))
	}
	if p.Items[0].Action != ActionCreate || p.Summary.SkipReasons[ReasonPolicyValidationFailed] != 1 {
		t.Errorf("other item %s, summary %v", p.Items[1].Action, p.Summary.SkipReasons)
	}
}

func TestNeedsDelegatedSignIn(t *testing.T) {
	a := &Item{Key: "a", PolicyRules: []PolicyEffect{{Rule: RuleEligibleEnablement, Field: FieldMFA, Effect: EffectMFARequired}}}
	b := &Item{Key: "b", PolicyRules: []PolicyEffect{{Rule: RuleEligibleExpiration, Effect: WarnExpirySetByPolicy}}}
	if got := NeedsDelegatedSignIn([]*Item{a, b, {Key: "c"}}); len(got) != 1 || got[0] != a {
		t.Errorf("got %v", got)
	}
}
