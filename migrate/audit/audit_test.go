package audit

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

var asOf = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// Roles (template ids) and a directory-specific id of Security Reader.
const (
	ga         = "62e90394-69f5-4237-9190-012177145e10" // privileged
	secAdmin   = "194ae4cb-b126-40b2-bd5b-6091b380977d" // privileged
	rptReader  = "4a5d8f65-41da-4de4-8968-e035b65339cf" // not privileged
	secReader  = "5d6b6bb7-de71-4623-b4af-96380a352509" // privileged
	secRdrDir  = "60bd8a8e-0f70-4566-9cef-87a52f9758a6" // Security Reader's directory-specific id
	goneRole   = "2af1eea7-0dec-4f83-a1fe-621b6bacb6a0" // in no tenant
	adminUnit  = "/administrativeUnits/286d9a46-6a83-4386-a54a-978fc5022a5e"
	alice      = "a11ce000-0000-4000-8000-000000000001"
	bob        = "b0b00000-0000-4000-8000-000000000002"
	carol      = "ca201000-0000-4000-8000-000000000003"
	guest      = "90e57000-0000-4000-8000-000000000004"
	disabled   = "d15ab1ed-0000-4000-8000-000000000005"
	app        = "5e2f1ce0-0000-4000-8000-000000000006"
	group      = "9209e000-0000-4000-8000-000000000007"
	deleted    = "de1e7ed0-0000-4000-8000-000000000008"
	breakglass = "b2ea6000-0000-4000-8000-000000000009"
)

func g(s string) migrate.GUID { return migrate.MustGUID(s) }

func ptr[T any](v T) *T { return &v }

var (
	yes = ptr(true)
	no  = ptr(false)
)

// baseTenant has the built-in roles, Security Reader also under a
// directory-specific id, and one principal of every kind. It grants nothing.
func baseTenant() *migrate.Tenant {
	cat := migrate.BuiltinCatalogue()
	defs := append(cat.RoleDefinitions(), migrate.RoleDefinition{ID: g(secRdrDir), TemplateID: g(secReader), DisplayName: "Security Reader", IsBuiltIn: true, IsEnabled: true})
	user := func(id, upn string, enabled *bool, typ string) migrate.Principal {
		return migrate.Principal{ID: g(id), Type: migrate.PrincipalUser, DisplayName: strings.Split(upn, "@")[0], UserPrincipalName: upn, AccountEnabled: enabled, UserType: typ}
	}
	return &migrate.Tenant{
		TenantID:        "5B92D034-D69D-452D-9279-2D2D650C2FD8",
		RoleDefinitions: defs,
		Principals: []migrate.Principal{
			user(alice, "alice@contoso.example", yes, "Member"),
			user(bob, "bob@contoso.example", yes, "Member"),
			user(carol, "carol@contoso.example", yes, "Member"),
			user(guest, "gina_fabrikam.example#EXT#@contoso.example", yes, "Guest"),
			user(disabled, "dave@contoso.example", no, "Member"),
			user(breakglass, "breakglass@contoso.example", yes, "Member"),
			{ID: g(app), Type: migrate.PrincipalServicePrincipal, DisplayName: "Contoso Automation", AccountEnabled: yes},
			{ID: g(group), Type: migrate.PrincipalGroup, DisplayName: "PIM-Admins", IsAssignableToRole: yes},
		},
		AssignmentSchedules: []migrate.AssignmentSchedule{},
	}
}

var nextID int

func assign(p, r, scope string) migrate.RoleAssignment {
	nextID++
	return migrate.RoleAssignment{ID: fmt.Sprintf("ra-%d", nextID), PrincipalID: g(p), RoleDefinitionID: g(r), DirectoryScopeID: scope}
}

func eligible(p, r, scope string, end *time.Time) migrate.EligibilitySchedule {
	nextID++
	return migrate.EligibilitySchedule{ID: fmt.Sprintf("es-%d", nextID), PrincipalID: g(p), RoleDefinitionID: g(r), DirectoryScopeID: scope, EndDateTime: end}
}

func schedule(p, r, scope, typ string, end *time.Time) migrate.AssignmentSchedule {
	nextID++
	return migrate.AssignmentSchedule{ID: fmt.Sprintf("as-%d", nextID), PrincipalID: g(p), RoleDefinitionID: g(r), DirectoryScopeID: scope, AssignmentType: typ, EndDateTime: end}
}

// rec is a legacy assignment; exp nil means no expiry.
func rec(p, r string, elevated bool, exp *time.Time) migrate.Assignment {
	nextID++
	return migrate.Assignment{ID: p + "_" + r, UserID: g(p), RoleID: g(r), PrincipalType: migrate.PrincipalUser, IsElevated: elevated,
		ExpirationDateTime: exp, State: migrate.DeriveState(elevated, exp != nil), Origin: migrate.OriginIteration1,
		Source: fmt.Sprintf("legacy.json#%d", nextID)}
}

func permanent(p, r string) migrate.Assignment { return rec(p, r, true, nil) }
func eligibleRec(p, r string) migrate.Assignment {
	return rec(p, r, false, nil)
}
func timeBound(p, r string, end time.Time) migrate.Assignment { return rec(p, r, false, &end) }
func activated(p, r string, end time.Time) migrate.Assignment { return rec(p, r, true, &end) }

func at(d time.Duration) *time.Time { return ptr(asOf.Add(d)) }

const day = 24 * time.Hour

// short renders a finding as "severity check principal | role | scope | grant".
func short(f Finding) string {
	p := f.Principal.UserPrincipalName
	if p == "" {
		p = f.Principal.DisplayName
	}
	if p == "" {
		p = f.Principal.ID
	}
	return fmt.Sprintf("%s %s %s | %s | %s | %s", f.Severity, f.Check, p, f.Role.DisplayName, f.Scope, f.Grant)
}

type checkCase struct {
	name    string
	legacy  []migrate.Assignment
	tenant  func(t *migrate.Tenant)
	protect []string
	// planned is what a plan made of the legacy grants (audit --plan).
	planned []Planned
	want    []string
	// detail, when set, must appear in the first finding's detail.
	detail string
}

func runCheck(t *testing.T, check string, tests []checkCase) {
	t.Helper()
	runChecks(t, func(c string) bool { return c == check }, tests)
}

// runChecks is runCheck for the checks that match.
func runChecks(t *testing.T, match func(check string) bool, tests []checkCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := baseTenant()
			if tt.tenant != nil {
				tt.tenant(ten)
			}
			res, err := Run(Input{Legacy: &migrate.Legacy{Assignments: tt.legacy}, Tenant: ten, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf,
				Protect: tt.protect, Plan: tt.planned})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var first *Finding
			for i, f := range res.Findings {
				if match(f.Check) {
					got = append(got, short(f))
					if first == nil {
						first = &res.Findings[i]
					}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings\n got %q\nwant %q", got, tt.want)
			}
			if tt.detail != "" && (first == nil || !strings.Contains(first.Detail, tt.detail)) {
				t.Errorf("detail %+v does not say %q", first, tt.detail)
			}
		})
	}
}

func TestLegacyMissing(t *testing.T) {
	runCheck(t, CheckLegacyMissing, []checkCase{
		{name: "permanent with nothing in the tenant", legacy: []migrate.Assignment{permanent(alice, ga)},
			want:   []string{"high legacy-missing alice@contoso.example | Global Administrator | / | legacy"},
			detail: `legacy permanent has no unified role assignment or eligibility at "/"`},
		{name: "permanent matched by a role assignment", legacy: []migrate.Assignment{permanent(alice, ga)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) }},
		{name: "eligible matched by an eligibility", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			tenant: func(t *migrate.Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, secAdmin, "/", nil))
			}},
		{name: "GUIDs in another case are the same", legacy: []migrate.Assignment{permanent(strings.ToUpper(alice), strings.ToUpper(ga))},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) }},
		{name: "legacy template id, unified directory-specific id", legacy: []migrate.Assignment{eligibleRec(bob, secReader)},
			tenant: func(t *migrate.Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(bob, secRdrDir, "/", nil))
			}},
		{name: "legacy directory-specific id, unified template id", legacy: []migrate.Assignment{permanent(bob, secRdrDir)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(bob, secReader, "/")) }},
		{name: "template vs directory-specific id, missing", legacy: []migrate.Assignment{permanent(bob, secRdrDir)},
			want: []string{"high legacy-missing bob@contoso.example | Security Reader | / | legacy"}},
		{name: "permanent that became an eligibility is not missing", legacy: []migrate.Assignment{permanent(alice, ga)},
			tenant: func(t *migrate.Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, ga, "/", nil))
			}},
		{name: "time-bound eligible still running", legacy: []migrate.Assignment{timeBound(alice, secAdmin, asOf.Add(time.Second))},
			want:   []string{"high legacy-missing alice@contoso.example | Security Administrator | / | legacy"},
			detail: "time-bound-eligible until 2026-11-22T12:00:01Z"},
		{name: "time-bound eligible ended at asOf", legacy: []migrate.Assignment{timeBound(alice, secAdmin, asOf)}},
		{name: "expired before asOf", legacy: []migrate.Assignment{timeBound(alice, secAdmin, asOf.Add(-day))}},
		{name: "activated, the tenant has only the activation", legacy: []migrate.Assignment{activated(carol, secAdmin, asOf.Add(time.Hour))},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(carol, secAdmin, "/"))
				t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(carol, secAdmin, "/", migrate.AssignmentTypeActivated, at(time.Hour)))
			},
			want:   []string{"high legacy-missing carol@contoso.example | Security Administrator | / | legacy"},
			detail: "only a running PIM activation"},
		{name: "only at another scope: narrowed, not missing (legacy-narrowed)", legacy: []migrate.Assignment{permanent(alice, secAdmin)},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, adminUnit))
			}},
		{name: "only a PIM activation at another scope", legacy: []migrate.Assignment{permanent(alice, secAdmin)},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, adminUnit))
				t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(alice, secAdmin, adminUnit, migrate.AssignmentTypeActivated, at(time.Hour)))
			},
			want:   []string{"high legacy-missing alice@contoso.example | Security Administrator | / | legacy"},
			detail: "only at " + adminUnit},
		{name: "deleted principal: not missing access (legacy-gone)", legacy: []migrate.Assignment{eligibleRec(deleted, secAdmin)}},
		{name: "role that exists nowhere: not missing access (legacy-gone)", legacy: []migrate.Assignment{eligibleRec(alice, goneRole)}},
		{name: "protected principals are exempt", legacy: []migrate.Assignment{permanent(breakglass, ga)}, protect: []string{"breakglass@contoso.example"}},
		{name: "one finding for records merged by key", legacy: []migrate.Assignment{eligibleRec(alice, secReader), eligibleRec(alice, secRdrDir)},
			want: []string{"high legacy-missing alice@contoso.example | Security Reader | / | legacy"}},
	})
}

// planned is a plan item for a legacy grant.
func planned(p, r string, action migrate.Action, reason string) Planned {
	return Planned{PrincipalID: g(p), RoleID: g(r), Action: action, Reason: reason}
}

func spEligible() migrate.Assignment {
	r := eligibleRec(app, secAdmin)
	r.PrincipalType = migrate.PrincipalServicePrincipal
	return r
}

// TestLegacyNotMigrated: a live legacy grant with no unified grant at "/"
// is high (legacy-missing) only when access is missing: a deleted
// principal or role is not (legacy-gone, info), a grant the tenant cannot
// hold as legacy did needs a decision (medium), one skipped by choice or of
// a disabled role is low. With a plan, its reason decides.
func TestLegacyNotMigrated(t *testing.T) {
	legacyCheck := func(c string) bool { return strings.HasPrefix(c, "legacy-") && c != CheckLegacyRejected }
	disableSecAdmin := func(t *migrate.Tenant) {
		for i := range t.RoleDefinitions {
			if t.RoleDefinitions[i].TemplateID == g(secAdmin) || t.RoleDefinitions[i].ID == g(secAdmin) {
				t.RoleDefinitions[i].IsEnabled = false
			}
		}
	}
	runChecks(t, legacyCheck, []checkCase{
		{name: "deleted principal", legacy: []migrate.Assignment{eligibleRec(deleted, secAdmin)},
			want:   []string{"info legacy-gone " + deleted + " | Security Administrator | / | legacy"},
			detail: "the principal was not found in the tenant"},
		{name: "role that exists nowhere", legacy: []migrate.Assignment{eligibleRec(alice, goneRole)},
			want:   []string{"info legacy-gone alice@contoso.example |  | / | legacy"},
			detail: "the role does not exist in the tenant"},
		{name: "eligible service principal", legacy: []migrate.Assignment{spEligible()},
			want:   []string{"medium legacy-needs-decision Contoso Automation | Security Administrator | / | legacy"},
			detail: "a service principal cannot be eligible"},
		{name: "group that is not role-assignable", legacy: []migrate.Assignment{permanent(group, secAdmin)},
			tenant: func(t *migrate.Tenant) { t.Principals[7].IsAssignableToRole = no },
			want:   []string{"medium legacy-needs-decision PIM-Admins | Security Administrator | / | legacy"},
			detail: "the group is not role-assignable"},
		{name: "disabled role", legacy: []migrate.Assignment{permanent(alice, secAdmin)}, tenant: disableSecAdmin,
			want:   []string{"low legacy-skipped alice@contoso.example | Security Administrator | / | legacy"},
			detail: "the role is disabled in the tenant"},
		{name: "plan: skipped eligible-as-skip", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			planned: []Planned{planned(alice, secAdmin, migrate.ActionSkip, migrate.ReasonEligibleAsSkip)},
			want:    []string{"low legacy-skipped alice@contoso.example | Security Administrator | / | legacy"},
			detail:  "the plan skipped it: eligible-as-skip"},
		{name: "plan: conflicting records", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			planned: []Planned{planned(alice, secAdmin, migrate.ActionSkip, migrate.ReasonConflictingRecords)},
			want:    []string{"medium legacy-needs-decision alice@contoso.example | Security Administrator | / | legacy"},
			detail:  "the plan skipped it: conflicting-records"},
		{name: "plan: principal-not-found, by the directory-specific role id", legacy: []migrate.Assignment{eligibleRec(deleted, secRdrDir)},
			planned: []Planned{planned(deleted, secReader, migrate.ActionSkip, migrate.ReasonPrincipalNotFound)},
			want:    []string{"info legacy-gone " + deleted + " | Security Reader | / | legacy"},
			detail:  "the plan skipped it: principal-not-found"},
		{name: "plan: a create that is not there is missing", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			planned: []Planned{planned(alice, secAdmin, migrate.ActionCreate, "")},
			want:    []string{"high legacy-missing alice@contoso.example | Security Administrator | / | legacy"},
			detail:  "the plan creates it"},
		{name: "plan: created", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			planned: []Planned{planned(alice, secAdmin, migrate.ActionCreate, "")},
			tenant: func(t *migrate.Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, secAdmin, "/", nil))
			}},
		{name: "plan: no item for the grant", legacy: []migrate.Assignment{eligibleRec(bob, secAdmin)},
			planned: []Planned{planned(alice, secAdmin, migrate.ActionSkip, migrate.ReasonEligibleAsSkip)},
			want:    []string{"high legacy-missing bob@contoso.example | Security Administrator | / | legacy"}},
	})
}

func TestEligibleNowStanding(t *testing.T) {
	runCheck(t, CheckEligibleNowStanding, []checkCase{
		{name: "standing and no eligibility", legacy: []migrate.Assignment{eligibleRec(alice, ga)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) },
			want:   []string{"high eligible-now-standing alice@contoso.example | Global Administrator | / | standing"},
			detail: "and no eligibility"},
		{name: "standing and an eligibility", legacy: []migrate.Assignment{eligibleRec(alice, ga)},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/"))
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, ga, "/", nil))
			},
			want:   []string{"high eligible-now-standing alice@contoso.example | Global Administrator | / | standing"},
			detail: "both a standing role assignment and an eligibility"},
		{name: "activated legacy, time-bound standing via directory-specific id", legacy: []migrate.Assignment{activated(bob, secReader, asOf.Add(time.Hour))},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(bob, secRdrDir, "/"))
				t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(bob, secRdrDir, "/", migrate.AssignmentTypeAssigned, at(90*day)))
			},
			want:   []string{"high eligible-now-standing bob@contoso.example | Security Reader | / | standing"},
			detail: "active until 2027-02-20T12:00:00Z"},
		{name: "a running PIM activation is not standing", legacy: []migrate.Assignment{activated(alice, ga, asOf.Add(time.Hour))},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/"))
				t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(alice, ga, "/", migrate.AssignmentTypeActivated, at(time.Hour)))
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, ga, "/", nil))
			}},
		{name: "legacy permanent", legacy: []migrate.Assignment{permanent(alice, ga)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) }},
		{name: "legacy permanent and eligible for the same key", legacy: []migrate.Assignment{permanent(alice, ga), eligibleRec(alice, ga)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) }},
		{name: "expired legacy eligibility", legacy: []migrate.Assignment{timeBound(alice, ga, asOf)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) }},
		{name: "standing only at another scope", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, adminUnit))
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, secAdmin, "/", nil))
			},
			want:   []string{"high eligible-now-standing alice@contoso.example | Security Administrator | " + adminUnit + " | standing"},
			detail: "at " + adminUnit + " and no eligibility there"},
		{name: "standing and an eligibility at another scope", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, adminUnit))
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, secAdmin, strings.ToUpper(adminUnit), nil))
			},
			want:   []string{"high eligible-now-standing alice@contoso.example | Security Administrator | " + adminUnit + " | standing"},
			detail: "and an eligibility at " + adminUnit},
		{name: "a PIM activation at another scope is not standing", legacy: []migrate.Assignment{eligibleRec(alice, secAdmin)},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, adminUnit))
				t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(alice, secAdmin, adminUnit, migrate.AssignmentTypeActivated, at(time.Hour)))
			}},
	})
}

func TestStandingNotInLegacy(t *testing.T) {
	runCheck(t, CheckStandingNotInLegacy, []checkCase{
		{name: "privileged role at /", tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) },
			want: []string{"medium standing-not-in-legacy alice@contoso.example | Global Administrator | / | standing"}},
		{name: "privileged role at an administrative unit", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, adminUnit))
		},
			want: []string{"medium standing-not-in-legacy alice@contoso.example | Security Administrator | " + adminUnit + " | standing"}},
		{name: "privileged by its template", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(app, secRdrDir, "/"))
		},
			want: []string{"medium standing-not-in-legacy Contoso Automation | Security Reader | / | standing"}},
		{name: "not a privileged role", tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, rptReader, "/")) }},
		{name: "in legacy (permanent)", legacy: []migrate.Assignment{permanent(alice, ga)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) }},
		{name: "in legacy by the other role id", legacy: []migrate.Assignment{eligibleRec(bob, secReader)},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(bob, secRdrDir, "/")) }},
		{name: "legacy record expired", legacy: []migrate.Assignment{timeBound(alice, ga, asOf.Add(-day))},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) },
			want:   []string{"medium standing-not-in-legacy alice@contoso.example | Global Administrator | / | standing"},
			detail: "the legacy record ended before asOf"},
		{name: "PIM activation", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/"))
			t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(alice, ga, "/", migrate.AssignmentTypeActivated, at(time.Hour)))
		}},
		{name: "eligibility is not standing", tenant: func(t *migrate.Tenant) {
			t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, ga, "/", nil))
		}},
		{name: "protected principal", protect: []string{breakglass},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(breakglass, ga, "/")) }},
	})
}

func TestDeletedAndDisabledPrincipals(t *testing.T) {
	grants := func(t *migrate.Tenant) {
		t.RoleAssignments = append(t.RoleAssignments, assign(deleted, rptReader, "/"), assign(disabled, ga, adminUnit), assign(alice, ga, "/"))
		t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(deleted, secAdmin, "/", nil), eligible(disabled, secAdmin, "/", nil), eligible(bob, secAdmin, "/", nil))
	}
	runCheck(t, CheckDeletedPrincipal, []checkCase{
		{name: "assignments and eligibilities", tenant: grants, want: []string{
			"medium deleted-principal " + deleted + " | Reports Reader | / | standing",
			"medium deleted-principal " + deleted + " | Security Administrator | / | eligible",
		}, detail: "directoryObjects/getByIds does not return"},
		{name: "entitlement management", tenant: scopedGrants, want: []string{"medium deleted-principal " + deleted + " | Catalog reader | / | standing"},
			detail: "a standing entitlement-management role assignment of an object directoryObjects/getByIds does not return"},
	})
	runCheck(t, CheckDisabledPrincipal, []checkCase{
		{name: "entitlement management and an attribute set", tenant: scopedGrants, want: []string{
			"medium disabled-principal dave@contoso.example | Attribute Assignment Administrator | " + attrSet + " | eligible",
			"medium disabled-principal dave@contoso.example | Catalog owner | " + mktCatalog + " | standing",
		}, detail: "an eligibility of a disabled user"},
		{name: "assignments and eligibilities", tenant: grants, want: []string{
			"medium disabled-principal dave@contoso.example | Global Administrator | " + adminUnit + " | standing",
			"medium disabled-principal dave@contoso.example | Security Administrator | / | eligible",
		}, detail: "disabled user (accountEnabled false)"},
		{name: "disabled service principal", tenant: func(t *migrate.Tenant) {
			t.Principals[6].AccountEnabled = no
			t.RoleAssignments = append(t.RoleAssignments, assign(app, rptReader, "/"))
		}, want: []string{"medium disabled-principal Contoso Automation | Reports Reader | / | standing"}},
		{name: "activation of a disabled user", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(disabled, ga, "/"))
			t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(disabled, ga, "/", migrate.AssignmentTypeActivated, at(time.Hour)))
		}, want: []string{"medium disabled-principal dave@contoso.example | Global Administrator | / | activated"}},
	})
}

func TestGuestPrivileged(t *testing.T) {
	runCheck(t, CheckGuestPrivileged, []checkCase{
		{name: "standing and eligible", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(guest, ga, "/"), assign(guest, rptReader, "/"), assign(alice, ga, "/"))
			t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(guest, secRdrDir, adminUnit, nil))
		}, want: []string{
			"medium guest-privileged gina_fabrikam.example#EXT#@contoso.example | Global Administrator | / | standing",
			"medium guest-privileged gina_fabrikam.example#EXT#@contoso.example | Security Reader | " + adminUnit + " | eligible",
		}},
		{name: "userType in lower case", tenant: func(t *migrate.Tenant) {
			t.Principals[3].UserType = "guest"
			t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(guest, ga, "/", nil))
		}, want: []string{"medium guest-privileged gina_fabrikam.example#EXT#@contoso.example | Global Administrator | / | eligible"}},
	})
}

func TestGlobalAdminCount(t *testing.T) {
	holders := []string{alice, bob, carol, app, group, disabled}
	withGAs := func(n int, extra ...func(*migrate.Tenant)) func(*migrate.Tenant) {
		return func(t *migrate.Tenant) {
			for _, p := range holders[:n] {
				t.RoleAssignments = append(t.RoleAssignments, assign(p, ga, "/"))
			}
			for _, f := range extra {
				f(t)
			}
		}
	}
	low := "low global-admin-count  | Global Administrator | / | standing"
	runCheck(t, CheckGlobalAdminCount, []checkCase{
		{name: "0", tenant: withGAs(0), want: []string{low}, detail: "no principal holds standing Global Administrator"},
		{name: "1", tenant: withGAs(1), want: []string{low}, detail: `1 principal holds standing Global Administrator at "/" (alice@contoso.example)`},
		{name: "2", tenant: withGAs(2)},
		{name: "5", tenant: withGAs(5)},
		{name: "6", tenant: withGAs(6), want: []string{low}, detail: "6 principals hold standing Global Administrator"},
		{name: "1 plus an activation, an eligibility and an AU assignment", tenant: withGAs(1, func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(bob, ga, "/"), assign(carol, ga, adminUnit))
			t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(bob, ga, "/", migrate.AssignmentTypeActivated, at(time.Hour)))
			t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(app, ga, "/", nil))
		}), want: []string{low}, detail: "1 principal"},
		{name: "2 with a deleted principal", tenant: withGAs(1, func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(deleted, ga, "/"))
		})},
	})
}

func TestExpiringSoon(t *testing.T) {
	elig := func(end *time.Time) func(*migrate.Tenant) {
		return func(t *migrate.Tenant) {
			t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, secAdmin, "/", end))
		}
	}
	const want = "low expiring-soon alice@contoso.example | Security Administrator | / | eligible"
	runCheck(t, CheckExpiringSoon, []checkCase{
		{name: "exactly 30 days", tenant: elig(at(30 * day)), want: []string{want}, detail: "ends 2026-12-22T12:00:00Z, 30 days after asOf"},
		{name: "30 days and a second", tenant: elig(at(30*day + time.Second))},
		{name: "a second after asOf", tenant: elig(at(time.Second)), want: []string{want}},
		{name: "at asOf (ended)", tenant: elig(at(0))},
		{name: "before asOf", tenant: elig(at(-day))},
		{name: "no end", tenant: elig(nil)},
		{name: "in the window, 29 days 6 hours", tenant: elig(at(29*day + 6*time.Hour)), want: []string{want}, detail: "29 days 6 hours after asOf"},
		{name: "time-bound active assignment", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(bob, ga, "/"))
			t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(bob, ga, "/", migrate.AssignmentTypeAssigned, at(10*day)))
		}, want: []string{"low expiring-soon bob@contoso.example | Global Administrator | / | standing"}, detail: "active role assignment ends"},
		{name: "PIM activations end by design", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(bob, ga, "/"))
			t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(bob, ga, "/", migrate.AssignmentTypeActivated, at(time.Hour)))
		}},
	})
}

func TestProtectedPrincipal(t *testing.T) {
	runCheck(t, CheckProtectedPrincipal, []checkCase{
		{name: "none listed", tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(breakglass, ga, "/")) }},
		{name: "by object id, in another case", protect: []string{strings.ToUpper(breakglass)},
			legacy: []migrate.Assignment{permanent(breakglass, ga), eligibleRec(breakglass, secAdmin)},
			tenant: func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(breakglass, ga, "/"))
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(breakglass, rptReader, adminUnit, at(day)))
			},
			want: []string{
				"info protected-principal breakglass@contoso.example | Global Administrator | / | standing",
				"info protected-principal breakglass@contoso.example | Reports Reader | " + adminUnit + " | eligible",
				"info protected-principal breakglass@contoso.example | Security Administrator | / | legacy",
			}},
		{name: "entitlement management and an administrative unit", tenant: scopedGrants, protect: []string{breakglass}, want: []string{
			"info protected-principal breakglass@contoso.example | AccessPackages manager | " + mktCatalog + " | standing",
			"info protected-principal breakglass@contoso.example | Helpdesk Administrator | " + salesAU + " | eligible",
		}},
		{name: "by UPN", protect: []string{"BreakGlass@Contoso.example"},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(breakglass, ga, "/")) },
			want:   []string{"info protected-principal breakglass@contoso.example | Global Administrator | / | standing"}},
		{name: "holds nothing", protect: []string{breakglass},
			want: []string{"info protected-principal breakglass@contoso.example |  |  | "}, detail: "holds no unified role assignment"},
		{name: "unknown UPN and id", protect: []string{"nobody@contoso.example", deleted},
			want: []string{
				"info protected-principal " + deleted + " |  |  | ",
				"info protected-principal nobody@contoso.example |  |  | ",
			}},
	})
}

func TestLegacyRejected(t *testing.T) {
	res, err := Run(Input{Legacy: &migrate.Legacy{Rejected: []migrate.Rejected{{Source: "page.json#4", Reason: "malformed-guid", Detail: `userId "x"`}}},
		Tenant: baseTenant(), Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	var got []Finding
	for _, f := range res.Findings {
		if f.Check == CheckLegacyRejected {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Severity != Info || got[0].LegacySource != "page.json#4" || got[0].Detail != `rejected at export: malformed-guid: userId "x"` {
		t.Errorf("%+v", got)
	}
}

// everything is a legacy snapshot and tenant that trigger every check.
func everything() Input {
	ten := baseTenant()
	ten.RoleAssignments = []migrate.RoleAssignment{assign(alice, ga, "/"), assign(guest, ga, "/"), assign(deleted, secAdmin, "/"),
		assign(disabled, rptReader, "/"), assign(breakglass, ga, "/")}
	ten.EligibilitySchedules = []migrate.EligibilitySchedule{eligible(bob, secAdmin, "/", at(3*day))}
	return Input{
		Legacy: &migrate.Legacy{
			Assignments: []migrate.Assignment{eligibleRec(alice, ga), permanent(carol, secAdmin)},
			Rejected:    []migrate.Rejected{{Source: "x.csv:3", Reason: "malformed-guid"}},
		},
		Tenant: ten, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf, Protect: []string{breakglass},
	}
}

func TestEveryCheckAndSummary(t *testing.T) {
	res, err := Run(everything())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, short(f))
	}
	want := []string{
		"high eligible-now-standing alice@contoso.example | Global Administrator | / | standing",
		"high legacy-missing carol@contoso.example | Security Administrator | / | legacy",
		"high scuba-permanent-active alice@contoso.example | Global Administrator | / | standing",
		"high scuba-permanent-active gina_fabrikam.example#EXT#@contoso.example | Global Administrator | / | standing",
		"medium deleted-principal " + deleted + " | Security Administrator | / | standing",
		"medium disabled-principal dave@contoso.example | Reports Reader | / | standing",
		"medium guest-privileged gina_fabrikam.example#EXT#@contoso.example | Global Administrator | / | standing",
		"medium scuba-global-admin-ratio  | Global Administrator | / | ",
		"medium standing-not-in-legacy " + deleted + " | Security Administrator | / | standing",
		"medium standing-not-in-legacy gina_fabrikam.example#EXT#@contoso.example | Global Administrator | / | standing",
		"low expiring-soon bob@contoso.example | Security Administrator | / | eligible",
		"info legacy-rejected  |  |  | legacy",
		"info protected-principal breakglass@contoso.example | Global Administrator | / | standing",
		"info scuba-policies-not-read  |  |  | ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings\n got %q\nwant %q", got, want)
	}
	// 3 standing GAs (alice, gina, breakglass): no global-admin-count.
	s := res.Summary
	if s.Findings != 14 || s.BySeverity != (Counts{High: 4, Medium: 6, Low: 1, Info: 3}) || s.ByCheck[CheckStandingNotInLegacy] != 2 || s.ByCheck[CheckGlobalAdminCount] != 0 || len(s.ByCheck) != len(Checks()) {
		t.Errorf("summary %+v", s)
	}
	for sev, n := range map[Severity]int{High: 4, Medium: 10, Low: 11, Info: 14} {
		if s.AtOrAbove(sev) != n {
			t.Errorf("AtOrAbove(%s) = %d, want %d", sev, s.AtOrAbove(sev), n)
		}
	}
	if res.TenantID != "5b92d034-d69d-452d-9279-2d2d650c2fd8" || !res.AsOf.Equal(asOf) {
		t.Errorf("tenant %s asOf %s", res.TenantID, res.AsOf)
	}
	if !strings.HasPrefix(s.Text(), "Audit: 14 findings (4 high, 6 medium, 1 low, 3 info).\n  high    eligible-now-standing         1  ") {
		t.Errorf("text:\n%s", s.Text())
	}
}

// TestOrderIndependent shuffles every input list: the findings stay the same.
func TestOrderIndependent(t *testing.T) {
	in := everything()
	withScopes(func(t *migrate.Tenant) { // carol's legacy Security Administrator, narrowed to two scopes
		t.RoleAssignments = append(t.RoleAssignments, assign(carol, secAdmin, otherAU), assign(carol, secAdmin, adminUnit))
		t.EntitlementAssignments = []migrate.RoleAssignment{emAssign(bob, migrate.CatalogOwnerRole, catalog), emAssign(alice, migrate.CatalogReaderRole, "/")}
	})(in.Tenant)
	want, _ := Run(in)
	wantJSON, _ := json.Marshal(want)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20; i++ {
		ten := *in.Tenant
		ten.RoleAssignments = shuffled(rng, ten.RoleAssignments)
		ten.EligibilitySchedules = shuffled(rng, ten.EligibilitySchedules)
		ten.EntitlementAssignments = shuffled(rng, ten.EntitlementAssignments)
		ten.Principals = shuffled(rng, ten.Principals)
		ten.RoleDefinitions = shuffled(rng, ten.RoleDefinitions)
		l := *in.Legacy
		l.Assignments = shuffled(rng, l.Assignments)
		in2 := in
		in2.Tenant, in2.Legacy = &ten, &l
		got, err := Run(in2)
		if err != nil {
			t.Fatal(err)
		}
		if gotJSON, _ := json.Marshal(got); string(gotJSON) != string(wantJSON) {
			t.Fatalf("shuffle %d changed the result:\n%s\n%s", i, gotJSON, wantJSON)
		}
	}
}

func shuffled[T any](rng *rand.Rand, s []T) []T {
	out := append([]T(nil), s...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestRunRefuses(t *testing.T) {
	cat := migrate.BuiltinCatalogue()
	l := &migrate.Legacy{}
	for _, tt := range []struct {
		name string
		in   Input
		want string
	}{
		{"offline tenant", Input{Legacy: l, Tenant: migrate.OfflineTenant(cat, ""), Catalogue: cat, AsOf: asOf}, "offline"},
		{"no asOf", Input{Legacy: l, Tenant: baseTenant(), Catalogue: cat}, "asOf"},
		{"no tenant", Input{Legacy: l, Catalogue: cat, AsOf: asOf}, "required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	for _, s := range []string{"high", "MEDIUM", "Low", "info"} {
		v, err := ParseSeverity(s)
		if err != nil || !strings.EqualFold(v.String(), s) {
			t.Errorf("%q: %v %v", s, v, err)
		}
	}
	if _, err := ParseSeverity("critical"); err == nil {
		t.Error("critical parsed")
	}
	b, _ := json.Marshal(Finding{Severity: Medium})
	if !strings.Contains(string(b), `"severity":"medium"`) {
		t.Errorf("%s", b)
	}
}
