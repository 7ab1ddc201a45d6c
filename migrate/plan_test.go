package migrate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	gAlice     = MustGUID("a11ce000-0000-4000-8000-000000000001")
	gDisabled  = MustGUID("d15ab1ed-0000-4000-8000-000000000002")
	gGuest     = MustGUID("9e57e57e-0000-4000-8000-000000000003")
	gGroup     = MustGUID("96000000-0000-4000-8000-000000000004")
	gPlainGrp  = MustGUID("96000000-0000-4000-8000-000000000005")
	gApp       = MustGUID("5e41ce00-0000-4000-8000-000000000006")
	gBreak     = MustGUID("b4eac600-0000-4000-8000-000000000007")
	gMissing   = MustGUID("00000000-dead-4000-8000-000000000008")
	rGA        = MustGUID(roleG)
	rSecReader = MustGUID("5d6b6bb7-de71-4623-b4af-96380a352509")
	rSecReadDS = MustGUID("7777aaaa-0000-4000-8000-00000000dddd") // directory-specific id of Security Reader
	rDisabled  = MustGUID("c0570000-0000-4000-8000-0000000000ff")
	rUnknown   = MustGUID("00000000-0000-4000-8000-00000000beef")
)

func ptr[T any](v T) *T { return &v }

func testTenant() *Tenant {
	cat := BuiltinCatalogue()
	defs := append(cat.RoleDefinitions(),
		RoleDefinition{ID: rDisabled, DisplayName: "Legacy Tier 0 (disabled)", IsEnabled: false},
		RoleDefinition{ID: rSecReadDS, TemplateID: rSecReader, DisplayName: "Security Reader", IsBuiltIn: true, IsEnabled: true},
	)
	return &Tenant{
		TenantID:        "3f1c2d4e-0000-4000-8000-00000000c0de",
		RoleDefinitions: defs,
		Principals: []Principal{
			{ID: gAlice, Type: PrincipalUser, DisplayName: "Alice", UserPrincipalName: "alice@contoso.example", AccountEnabled: ptr(true), UserType: "Member"},
			{ID: gDisabled, Type: PrincipalUser, DisplayName: "Dis Abled", UserPrincipalName: "dis@contoso.example", AccountEnabled: ptr(false), UserType: "Member"},
			{ID: gGuest, Type: PrincipalUser, DisplayName: "Guest", UserPrincipalName: "g_fabrikam.example#EXT#@contoso.example", AccountEnabled: ptr(true), UserType: "Guest"},
			{ID: gGroup, Type: PrincipalGroup, DisplayName: "Tier 0 admins", IsAssignableToRole: ptr(true)},
			{ID: gPlainGrp, Type: PrincipalGroup, DisplayName: "All staff", IsAssignableToRole: ptr(false)},
			{ID: gApp, Type: PrincipalServicePrincipal, DisplayName: "Automation"},
			{ID: gBreak, Type: PrincipalUser, DisplayName: "Break Glass", UserPrincipalName: "BreakGlass1@contoso.example", AccountEnabled: ptr(true), UserType: "Member"},
		},
	}
}

func rec(user, role GUID, elevated bool, exp *time.Time) Assignment {
	return Assignment{
		ID: Key(user, role), UserID: user, RoleID: role, PrincipalType: PrincipalUser, IsElevated: elevated,
		ExpirationDateTime: exp, State: DeriveState(elevated, exp != nil), Origin: OriginIteration1, Source: "t.json#1",
	}
}

type wantItem struct {
	key      string
	action   Action
	reason   string
	kind     TargetKind
	expType  string // "" for a roleAssignment
	end      *time.Time
	warnings []string
}

func TestBuildPlan(t *testing.T) {
	withSP := func(a Assignment) Assignment { a.PrincipalType = PrincipalServicePrincipal; return a }
	iter2Eligible := func(a Assignment, until *time.Time) Assignment {
		a.Origin, a.ID, a.Source, a.EligibleUntil = OriginIteration2, "gra-1", "t2.json#1", until
		return a
	}
	tests := []struct {
		name    string
		legacy  []Assignment
		policy  Policy
		tenant  func(*Tenant)
		offline bool
		want    []wantItem
	}{
		{name: "permanent becomes a role assignment at /",
			legacy: []Assignment{rec(gAlice, rGA, true, nil)},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, nil}}},
		{name: "eligible becomes an eligibility without expiration",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, nil}}},
		{name: "time-bound eligible keeps its end",
			legacy: []Assignment{rec(gAlice, rGA, false, at(72*time.Hour))},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "time-bound-eligible", KindEligibilityRequest, ExpirationAfter, at(72 * time.Hour), nil}}},
		{name: "activated becomes a permanent eligibility, the activation is not recreated",
			legacy: []Assignment{rec(gAlice, rGA, true, at(2*time.Hour))},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "activated", KindEligibilityRequest, ExpirationNone, nil, nil}}},
		{name: "activated with keep-activations adds a time-bound active schedule",
			legacy: []Assignment{rec(gAlice, rGA, true, at(2*time.Hour))},
			policy: Policy{EligibleAs: EligibleAsEligibility, KeepActivations: true},
			want: []wantItem{
				{Key(gAlice, rGA), ActionCreate, "activated", KindEligibilityRequest, ExpirationNone, nil, nil},
				{Key(gAlice, rGA) + "#activation", ActionCreate, "activated", KindAssignmentScheduleRequest, ExpirationAfter, at(2 * time.Hour), nil},
			}},
		{name: "keep-activations ignores an activation that is over",
			legacy: []Assignment{rec(gAlice, rGA, true, at(-2*time.Hour))},
			policy: Policy{EligibleAs: EligibleAsEligibility, KeepActivations: true},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "activated", KindEligibilityRequest, ExpirationNone, nil, nil}}},
		{name: "iteration-2 activation of a time-bound eligibility keeps the eligibility's end",
			legacy: []Assignment{iter2Eligible(rec(gAlice, rGA, true, at(time.Hour)), at(30*24*time.Hour))},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "activated", KindEligibilityRequest, ExpirationAfter, at(30 * 24 * time.Hour), nil}}},
		{name: "iteration-2 activation whose eligibility ended is expired",
			legacy: []Assignment{iter2Eligible(rec(gAlice, rGA, true, at(-2*time.Hour)), at(-time.Hour))},
			want:   []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonExpired, KindEligibilityRequest, ExpirationAfter, at(-time.Hour), nil}}},
		{name: "expired is skipped",
			legacy: []Assignment{rec(gAlice, rGA, false, at(-time.Minute))},
			want:   []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonExpired, KindEligibilityRequest, ExpirationAfter, at(-time.Minute), nil}}},
		{name: "expiry exactly at asOf is expired",
			legacy: []Assignment{rec(gAlice, rGA, false, at(0))},
			want:   []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonExpired, KindEligibilityRequest, ExpirationAfter, at(0), nil}}},
		{name: "eligible-as assignment makes standing access, with a warning",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)},
			policy: Policy{EligibleAs: EligibleAsAssignment},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindRoleAssignment, "", nil, []string{WarnEligibleMadeActive}}}},
		{name: "eligible-as assignment keeps a time-bound end as an active schedule",
			legacy: []Assignment{rec(gAlice, rGA, false, at(time.Hour))},
			policy: Policy{EligibleAs: EligibleAsAssignment},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "time-bound-eligible", KindAssignmentScheduleRequest, ExpirationAfter, at(time.Hour), []string{WarnEligibleMadeActive}}}},
		{name: "eligible-as skip skips eligible but not permanent",
			legacy: []Assignment{rec(gAlice, rGA, false, nil), rec(gGroup, rGA, true, nil)},
			policy: Policy{EligibleAs: EligibleAsSkip},
			want: []wantItem{
				{Key(gGroup, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, nil},
				{Key(gAlice, rGA), ActionSkip, ReasonEligibleAsSkip, KindEligibilityRequest, ExpirationNone, nil, nil},
			}},
		{name: "principal not found",
			legacy: []Assignment{rec(gMissing, rGA, true, nil)},
			want:   []wantItem{{Key(gMissing, rGA), ActionSkip, ReasonPrincipalNotFound, KindRoleAssignment, "", nil, nil}}},
		{name: "role not found",
			legacy: []Assignment{rec(gAlice, rUnknown, true, nil)},
			want:   []wantItem{{Key(gAlice, rUnknown), ActionSkip, ReasonRoleNotFound, KindRoleAssignment, "", nil, nil}}},
		{name: "role disabled",
			legacy: []Assignment{rec(gAlice, rDisabled, false, nil)},
			want:   []wantItem{{Key(gAlice, rDisabled), ActionSkip, ReasonRoleDisabled, KindEligibilityRequest, ExpirationNone, nil, nil}}},
		{name: "service principal cannot be eligible, but can be permanent",
			legacy: []Assignment{withSP(rec(gApp, rGA, false, nil)), withSP(rec(gApp, rSecReader, true, nil))},
			want: []wantItem{
				{Key(gApp, rSecReader), ActionCreate, "permanent", KindRoleAssignment, "", nil, nil},
				{Key(gApp, rGA), ActionSkip, ReasonServicePrincipalEligible, KindEligibilityRequest, ExpirationNone, nil, nil},
			}},
		{name: "the tenant's principal type wins over the snapshot's",
			legacy: []Assignment{rec(gApp, rGA, false, nil)},
			want:   []wantItem{{Key(gApp, rGA), ActionSkip, ReasonServicePrincipalEligible, KindEligibilityRequest, ExpirationNone, nil, nil}}},
		{name: "group that is not role-assignable",
			legacy: []Assignment{rec(gPlainGrp, rGA, false, nil), rec(gGroup, rGA, false, nil)},
			want: []wantItem{
				{Key(gPlainGrp, rGA), ActionSkip, ReasonGroupNotRoleAssignable, KindEligibilityRequest, ExpirationNone, nil, nil},
				{Key(gGroup, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, nil},
			}},
		{name: "protected by object id",
			legacy: []Assignment{rec(gBreak, rGA, true, nil)},
			policy: Policy{EligibleAs: EligibleAsEligibility, Protect: []string{gBreak.String()}},
			want:   []wantItem{{Key(gBreak, rGA), ActionSkip, ReasonProtected, KindRoleAssignment, "", nil, nil}}},
		{name: "protected by UPN, any case",
			legacy: []Assignment{rec(gBreak, rGA, true, nil)},
			policy: Policy{EligibleAs: EligibleAsEligibility, Protect: []string{"breakglass1@contoso.example"}},
			want:   []wantItem{{Key(gBreak, rGA), ActionSkip, ReasonProtected, KindRoleAssignment, "", nil, nil}}},
		{name: "protected wins over every other reason",
			legacy: []Assignment{rec(gBreak, rUnknown, false, at(-time.Hour))},
			policy: Policy{EligibleAs: EligibleAsEligibility, Protect: []string{gBreak.String()}},
			want:   []wantItem{{Key(gBreak, rUnknown), ActionSkip, ReasonProtected, KindEligibilityRequest, ExpirationAfter, at(-time.Hour), nil}}},
		{name: "present: standing assignment already there, GUIDs in upper case",
			legacy: []Assignment{rec(gAlice, rGA, true, nil)},
			tenant: func(t *Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, RoleAssignment{ID: "x1", PrincipalID: MustGUID(strings.ToUpper(gAlice.String())), RoleDefinitionID: MustGUID(strings.ToUpper(roleG)), DirectoryScopeID: "/"})
			},
			want: []wantItem{{Key(gAlice, rGA), ActionPresent, ReasonAlreadyAssigned, KindRoleAssignment, "", nil, nil}}},
		{name: "present: tenant references the role by its directory-specific id",
			legacy: []Assignment{rec(gAlice, rSecReader, true, nil)},
			tenant: func(t *Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, RoleAssignment{ID: "x2", PrincipalID: gAlice, RoleDefinitionID: rSecReadDS, DirectoryScopeID: "/"})
			},
			want: []wantItem{{Key(gAlice, rSecReader), ActionPresent, ReasonAlreadyAssigned, KindRoleAssignment, "", nil, nil}}},
		{name: "legacy by directory-specific id keys by template id",
			legacy: []Assignment{rec(gAlice, rSecReadDS, true, nil)},
			want:   []wantItem{{Key(gAlice, rSecReader), ActionCreate, "permanent", KindRoleAssignment, "", nil, nil}}},
		{name: "not present: same role at an administrative unit scope",
			legacy: []Assignment{rec(gAlice, rGA, true, nil)},
			tenant: func(t *Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, RoleAssignment{ID: "x3", PrincipalID: gAlice, RoleDefinitionID: rGA, DirectoryScopeID: "/administrativeUnits/5b1c0000-0000-4000-8000-000000000000"})
			},
			want: []wantItem{{Key(gAlice, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, []string{WarnOtherScopeHeld}}}},
		{name: "present: eligibility already scheduled",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)},
			tenant: func(t *Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, EligibilitySchedule{ID: "e1", PrincipalID: gAlice, RoleDefinitionID: rGA, DirectoryScopeID: "/"})
			},
			want: []wantItem{{Key(gAlice, rGA), ActionPresent, ReasonAlreadyEligible, KindEligibilityRequest, ExpirationNone, nil, nil}}},
		{name: "an eligibility does not make standing access present",
			legacy: []Assignment{rec(gAlice, rGA, true, nil)},
			tenant: func(t *Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, EligibilitySchedule{ID: "e1", PrincipalID: gAlice, RoleDefinitionID: rGA, DirectoryScopeID: "/"})
			},
			want: []wantItem{{Key(gAlice, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, nil}}},
		{name: "unified grants more: legacy eligible, tenant standing",
			legacy: []Assignment{rec(gAlice, rGA, false, nil)},
			tenant: func(t *Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, RoleAssignment{ID: "x4", PrincipalID: gAlice, RoleDefinitionID: rGA, DirectoryScopeID: "/"})
			},
			want: []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, []string{WarnUnifiedGrantsMore}}}},
		{name: "warnings: disabled principal and guest are kept, not skipped",
			legacy: []Assignment{rec(gDisabled, rGA, true, nil), rec(gGuest, rGA, false, nil)},
			want: []wantItem{
				{Key(gGuest, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, []string{WarnGuestUser}},
				{Key(gDisabled, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, []string{WarnPrincipalDisabled}},
			}},
		{name: "duplicate records of one key merge, the later end wins",
			legacy: []Assignment{rec(gAlice, rGA, false, at(time.Hour)), iter2Eligible(rec(gAlice, rGA, false, at(48*time.Hour)), nil)},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "time-bound-eligible", KindEligibilityRequest, ExpirationAfter, at(48 * time.Hour), []string{WarnDuplicateRecord}}}},
		{name: "an expired duplicate adds nothing to a live record",
			legacy: []Assignment{rec(gAlice, rGA, false, at(-time.Hour)), iter2Eligible(rec(gAlice, rGA, false, nil), nil)},
			want:   []wantItem{{Key(gAlice, rGA), ActionCreate, "eligible", KindEligibilityRequest, ExpirationNone, nil, []string{WarnDuplicateRecord}}}},
		{name: "conflicting records of one key are skipped, never guessed",
			legacy: []Assignment{rec(gAlice, rGA, false, nil), iter2Eligible(rec(gAlice, rGA, true, nil), nil)},
			want:   []wantItem{{Key(gAlice, rGA), ActionSkip, ReasonConflictingRecords, KindEligibilityRequest, ExpirationNone, nil, []string{WarnDuplicateRecord}}}},
		{name: "export warnings reach the plan",
			legacy: []Assignment{func() Assignment {
				a := rec(gAlice, rGA, true, nil)
				a.Warnings = []string{WarnDuplicateRecord}
				return a
			}()},
			want: []wantItem{{Key(gAlice, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, []string{WarnDuplicateRecord}}}},
		{name: "offline: principals unverified, nothing present, roles from the catalogue",
			legacy:  []Assignment{rec(gMissing, rGA, true, nil), rec(gAlice, rUnknown, false, nil), withSP(rec(gApp, rGA, false, nil))},
			offline: true,
			want: []wantItem{
				{Key(gMissing, rGA), ActionCreate, "permanent", KindRoleAssignment, "", nil, []string{WarnPrincipalUnverified}},
				{Key(gApp, rGA), ActionSkip, ReasonServicePrincipalEligible, KindEligibilityRequest, ExpirationNone, nil, []string{WarnPrincipalUnverified}},
				{Key(gAlice, rUnknown), ActionSkip, ReasonRoleNotFound, KindEligibilityRequest, ExpirationNone, nil, []string{WarnPrincipalUnverified}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := testTenant()
			if tt.tenant != nil {
				tt.tenant(ten)
			}
			if tt.offline {
				ten = OfflineTenant(BuiltinCatalogue(), ten.TenantID)
			}
			pol := tt.policy
			if pol.EligibleAs == "" {
				pol.EligibleAs = EligibleAsEligibility
			}
			p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: tt.legacy}, Tenant: ten, Policy: pol,
				Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Item{}
			for _, it := range p.Items {
				got[it.Key] = it
			}
			if len(p.Items) != len(tt.want) {
				t.Fatalf("got %d items, want %d: %+v", len(p.Items), len(tt.want), p.Items)
			}
			for _, w := range tt.want {
				it, ok := got[w.key]
				if !ok {
					t.Fatalf("no item %s", w.key)
				}
				if it.Action != w.action || it.Reason != w.reason || it.Target.Kind != w.kind {
					t.Errorf("%s: action/reason/kind = %s/%s/%s, want %s/%s/%s", w.key, it.Action, it.Reason, it.Target.Kind, w.action, w.reason, w.kind)
				}
				var expType string
				var end *time.Time
				if e := it.Target.Expiration; e != nil {
					expType, end = e.Type, e.EndDateTime
				}
				if expType != w.expType || !sameTime(end, w.end) {
					t.Errorf("%s: expiration %s %v, want %s %v", w.key, expType, end, w.expType, w.end)
				}
				wantWarn := w.warnings
				if wantWarn == nil {
					wantWarn = []string{}
				}
				if !reflect.DeepEqual(it.Warnings, wantWarn) {
					t.Errorf("%s: warnings %v, want %v", w.key, it.Warnings, wantWarn)
				}
				if it.Target.DirectoryScopeID != "/" || it.Target.PrincipalID.String()+"_"+it.Target.RoleDefinitionID.String() != strings.TrimSuffix(w.key, "#activation") {
					t.Errorf("%s: target %+v does not match its key", w.key, it.Target)
				}
			}
		})
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// TestBuildPlanNeverMakesEligibleStanding walks every legacy state under the
// default policy and checks the promise of docs/design.md, "Mapping": nothing that was not
// standing access in legacy PIM becomes a unifiedRoleAssignment.
func TestBuildPlanNeverMakesEligibleStanding(t *testing.T) {
	var legacy []Assignment
	for _, exp := range []*time.Time{nil, at(time.Hour), at(-time.Hour)} {
		for _, el := range []bool{false, true} {
			a := rec(gAlice, rGA, el, exp)
			a.UserID = MustGUID(strings.Replace(gAlice.String(), "a11ce", "a11c"+string(rune('a'+len(legacy))), 1))
			legacy = append(legacy, a)
		}
	}
	for _, keep := range []bool{false, true} {
		p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: legacy}, Tenant: OfflineTenant(BuiltinCatalogue(), ""),
			Policy: Policy{EligibleAs: EligibleAsEligibility, KeepActivations: keep}, Catalogue: BuiltinCatalogue(), AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			standing := it.Target.Kind == KindRoleAssignment || it.Target.Kind == KindAssignmentScheduleRequest && (it.Target.Expiration == nil || it.Target.Expiration.Type == ExpirationNone)
			if standing && it.Legacy.State != StatePermanent {
				t.Errorf("keep=%v: %s legacy %s became standing %s", keep, it.Key, it.Legacy.State, it.Target.Kind)
			}
		}
	}
}

func TestBuildPlanIsDeterministic(t *testing.T) {
	legacy := []Assignment{rec(gGuest, rGA, false, nil), rec(gAlice, rGA, true, nil), rec(gDisabled, rSecReader, false, at(time.Hour))}
	in := PlanInput{Legacy: &Legacy{Assignments: legacy}, Tenant: testTenant(), Policy: DefaultPolicy(), Catalogue: BuiltinCatalogue(), AsOf: asOf}
	p1, _ := BuildPlan(in)
	in.Legacy = &Legacy{Assignments: []Assignment{legacy[2], legacy[0], legacy[1]}}
	p2, _ := BuildPlan(in)
	for i := range p1.Items {
		if p1.Items[i].Key != p2.Items[i].Key {
			t.Fatalf("order depends on input order: %s vs %s", p1.Items[i].Key, p2.Items[i].Key)
		}
	}
	if p1.Digest != p2.Digest {
		t.Errorf("digests differ for the same content")
	}
}

// TestBuildPlanConflictsIgnoreOrder: records of one key from several
// sources (iteration 1 and 2, a role by template and by directory-specific
// id) give the same item whatever order legacy.json lists them in; when
// they disagree on the access, the item is skipped conflicting-records and
// names every source.
func TestBuildPlanConflictsIgnoreOrder(t *testing.T) {
	iter2 := func(a Assignment, src string) Assignment {
		a.Origin, a.ID, a.Source = OriginIteration2, "gra-"+src, src
		return a
	}
	src := func(a Assignment, s string) Assignment { a.Source = s; return a }
	tests := []struct {
		name   string
		legacy []Assignment
		want   Action
		reason string
	}{
		{name: "permanent in iteration 1, eligible in iteration 2",
			legacy: []Assignment{src(rec(gAlice, rGA, true, nil), "snapA.jsonl:1"), iter2(rec(gAlice, rGA, false, nil), "i2.json#3")},
			want:   ActionSkip, reason: ReasonConflictingRecords},
		{name: "permanent and eligible, the role by template and by directory-specific id",
			legacy: []Assignment{src(rec(gAlice, rSecReader, true, nil), "a.json#1"), src(rec(gAlice, rSecReadDS, false, nil), "b.json#1")},
			want:   ActionSkip, reason: ReasonConflictingRecords},
		{name: "activated in iteration 1, eligible in iteration 2: they agree",
			legacy: []Assignment{src(rec(gAlice, rGA, true, at(time.Hour)), "a.json#1"), iter2(rec(gAlice, rGA, false, at(48*time.Hour)), "i2.json#1")},
			want:   ActionCreate, reason: "activated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first []byte
			for _, legacy := range [][]Assignment{tt.legacy, {tt.legacy[1], tt.legacy[0]}} {
				p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: legacy}, Tenant: testTenant(), Policy: DefaultPolicy(),
					Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Items) != 1 || p.Items[0].Action != tt.want || p.Items[0].Reason != tt.reason {
					t.Fatalf("items %+v, want one %s %s", p.Items, tt.want, tt.reason)
				}
				named := append([]string{p.Items[0].Legacy.Source}, p.Items[0].MergedFrom...)
				if len(named) != 2 {
					t.Errorf("the item names %v, want both sources", named)
				}
				got, _ := json.Marshal(p.Items)
				if first == nil {
					first = got
				} else if !bytes.Equal(got, first) {
					t.Errorf("the item depends on the order of the records:\n%s\n%s", first, got)
				}
			}
		})
	}
}

func TestBuildPlanRejectsBadInput(t *testing.T) {
	good := PlanInput{Legacy: &Legacy{}, Tenant: testTenant(), Policy: DefaultPolicy(), Catalogue: BuiltinCatalogue(), AsOf: asOf}
	tests := map[string]func(*PlanInput){
		"no asOf":        func(in *PlanInput) { in.AsOf = time.Time{} },
		"no tenant":      func(in *PlanInput) { in.Tenant = nil },
		"bad eligibleAs": func(in *PlanInput) { in.Policy.EligibleAs = "standing" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			in := good
			mutate(&in)
			if _, err := BuildPlan(in); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
