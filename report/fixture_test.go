package report

import (
	"fmt"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

var (
	planned = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	applied = time.Date(2026, 11, 23, 9, 30, 15, 0, time.UTC)
	madeAt  = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
)

const (
	gaRole  = "62e90394-69f5-4237-9190-012177145e10"
	secRole = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	gone    = "2af1eea7-0dec-4f83-a1fe-621b6bacb6a0"
)

// testItem is one plan item of testPlan.
type testItem struct {
	principal, name, upn string
	ptype                migrate.PrincipalType
	enabled              *bool
	role, roleName       string
	state                migrate.State
	expiry               *time.Time
	kind                 migrate.TargetKind
	action               migrate.Action
	reason               string
	warnings             []string
	approved             *bool
}

func ptrTo[T any](v T) *T { return &v }

// testPlan is a small sealed plan with one item of each kind of outcome.
func testPlan(items []testItem) *migrate.Plan {
	p := &migrate.Plan{
		Schema: migrate.PlanSchema, TenantID: "5b92d034-d69d-452d-9279-2d2d650c2fd8", GraphURL: "https://graph.microsoft.com",
		CreatedAt: planned, AsOf: planned, Policy: migrate.DefaultPolicy(), LegacyDigest: "sha256:legacy",
		Rejected: []migrate.Rejected{
			{Source: "snapshots/iteration1.csv:43", Reason: migrate.RejectMalformedGUID, Detail: `userId "6dcdc70b-40cb-484b-84a4-6a3cf7e7256"`},
			{Source: "snapshots/iteration2.json#8", Reason: migrate.RejectNotDirect, Detail: "=HYPERLINK(\"http://evil.example\",\"click\")"},
		},
	}
	for i, ti := range items {
		pid, rid := migrate.MustGUID(ti.principal), migrate.MustGUID(ti.role)
		it := migrate.Item{
			Key: migrate.Key(pid, rid),
			Legacy: migrate.Assignment{ID: migrate.Key(pid, rid), UserID: pid, RoleID: rid, PrincipalType: ti.ptype,
				IsElevated: ti.state == migrate.StatePermanent, ExpirationDateTime: ti.expiry, State: ti.state,
				Origin: migrate.OriginIteration1, Source: fmt.Sprintf("page.json#%d", i+1)},
			Principal: migrate.PrincipalInfo{DisplayName: ti.name, UserPrincipalName: ti.upn, Type: ti.ptype, AccountEnabled: ti.enabled},
			Role:      migrate.RoleInfo{DisplayName: ti.roleName},
			Action:    ti.action, Reason: ti.reason, Warnings: append([]string{}, ti.warnings...),
			Target:   migrate.Target{Kind: ti.kind, PrincipalID: pid, RoleDefinitionID: rid, DirectoryScopeID: "/"},
			Approved: ti.approved,
		}
		if e, ok := policyEffects[ti.principal]; ok {
			end := planned.Add(90 * 24 * time.Hour)
			it.Target.Expiration = &migrate.Expiration{Type: migrate.ExpirationAfter, EndDateTime: &end}
			it.PolicyRules = e
			it.Warnings = append(it.Warnings, migrate.WarnExpirySetByPolicy)
		}
		p.Items = append(p.Items, it)
	}
	p.Seal()
	return p
}

var expiry = time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC)

// policyEffects are what the role's policy did to some items, by principal.
var policyEffects = map[string][]migrate.PolicyEffect{
	"a11ce000-0000-4000-8000-000000000007": {
		{Rule: migrate.RuleEligibleExpiration, Field: migrate.FieldExpirationRequired, Effect: migrate.WarnExpirySetByPolicy,
			Detail: "no end -> 2027-02-20T12:00:00Z (2026-11-22T12:00:00Z + P90D)"},
		{Rule: migrate.RuleEligibleEnablement, Field: migrate.FieldMFA, Effect: migrate.EffectMFARequired},
	},
}

// demoItems covers every outcome: keys are in plan (sorted) order.
var demoItems = []testItem{
	{"a11ce000-0000-4000-8000-000000000001", "Alice Adams", "alice@contoso.example", migrate.PrincipalUser, ptrTo(true), gaRole, "Global Administrator",
		migrate.StatePermanent, nil, migrate.KindRoleAssignment, migrate.ActionCreate, "permanent", nil, nil},
	{"a11ce000-0000-4000-8000-000000000002", "Bob Brown, Jr.", "bob@contoso.example", migrate.PrincipalUser, ptrTo(false), secRole, "Security Administrator",
		migrate.StateTimeBoundEligible, &expiry, migrate.KindEligibilityRequest, migrate.ActionCreate, "time-bound-eligible", []string{migrate.WarnPrincipalDisabled}, nil},
	{"a11ce000-0000-4000-8000-000000000003", "Carol \"CJ\" Jones", "carol@contoso.example", migrate.PrincipalUser, ptrTo(true), secRole, "Security Administrator",
		migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionCreate, "eligible", nil, ptrTo(true)},
	{"a11ce000-0000-4000-8000-000000000004", "Dave Davis", "dave@contoso.example", migrate.PrincipalUser, ptrTo(true), gaRole, "Global Administrator",
		migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionCreate, "eligible", []string{migrate.WarnGuestUser}, nil},
	{"a11ce000-0000-4000-8000-000000000005", "Erin Evans", "erin@contoso.example", migrate.PrincipalUser, ptrTo(true), gaRole, "Global Administrator",
		migrate.StatePermanent, nil, migrate.KindRoleAssignment, migrate.ActionCreate, "permanent", nil, ptrTo(false)},
	{"a11ce000-0000-4000-8000-000000000006", "Frank Foster", "frank@contoso.example", migrate.PrincipalUser, ptrTo(true), secRole, "Security Administrator",
		migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionCreate, "eligible", nil, nil},
	{"a11ce000-0000-4000-8000-000000000007", "Grace Green", "grace@contoso.example", migrate.PrincipalUser, ptrTo(true), secRole, "Security Administrator",
		migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionCreate, "eligible", nil, nil},
	{"a11ce000-0000-4000-8000-000000000008", "Helpdesk Group", "", migrate.PrincipalGroup, nil, secRole, "Security Administrator",
		migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionPresent, migrate.ReasonAlreadyEligible, nil, nil},
	{"a11ce000-0000-4000-8000-000000000009", "Ivan Ivanov", "ivan@contoso.example", migrate.PrincipalUser, ptrTo(true), gone, "",
		migrate.StatePermanent, nil, migrate.KindRoleAssignment, migrate.ActionSkip, migrate.ReasonRoleNotFound, nil, nil},
	{"a11ce000-0000-4000-8000-00000000000a", "Judy Jackson", "judy@contoso.example", migrate.PrincipalUser, ptrTo(true), secRole, "Security Administrator",
		migrate.StateTimeBoundEligible, ptrTo(planned.Add(-48 * time.Hour)), migrate.KindEligibilityRequest, migrate.ActionSkip, migrate.ReasonExpired, nil, nil},
}

// demoRun is a journal's word on demoItems: created, failed, exists, in
// flight, rolled back; the declined item and one more are not in it.
func demoRun(p *migrate.Plan) *Run {
	at := func(s int) time.Time { return applied.Add(time.Duration(s) * time.Second) }
	k := func(i int) string { return p.Items[i].Key }
	return &Run{
		Journal: "run.jsonl", Started: applied, Finished: at(40), ApplyRuns: 2, RollbackRuns: 1,
		Items: map[string]Outcome{
			k(0): {Outcome: "created", ObjectID: "lAPpYvVpN0KRkAEhdxReEKTcgB5NeLdCtOUCMWm2U9o-1", Status: 201, RequestID: "req-1", Attempts: 1, At: at(1)},
			k(1): {Outcome: "created", ObjectID: "8b7a1a36-8c1f-4c55-9bd5-000000000001", TargetScheduleID: "8b7a1a36-8c1f-4c55-9bd5-000000000002", Status: 201, RequestID: "req-2", Attempts: 3, At: at(2)},
			k(2): {Outcome: "failed", Status: 400, Code: "RoleAssignmentRequestPolicyValidationFailed", Message: "The following policy rules failed: [\"ExpirationRule\"]", RequestID: "req-3", Attempts: 1, At: at(3)},
			k(3): {Outcome: "exists", Code: "AlreadyPresent", Message: "already in the tenant when apply started", At: at(4)},
			k(5): {InFlight: true},
			k(6): {Outcome: "deleted", ObjectID: "8b7a1a36-8c1f-4c55-9bd5-000000000007", Status: 204, RequestID: "req-7", Attempts: 1, At: at(40)},
		},
	}
}
