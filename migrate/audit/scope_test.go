package audit

import (
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Scopes other than the tenant, and the roles that take them.
const (
	helpdesk   = "729827e3-9c14-49f7-bb1b-9608f156bbb8" // privileged, AU-scopable
	attrAssign = "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d" // not privileged, attribute-set-scopable
	appAdmin   = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3" // privileged, app-scopable
	attrSet    = "/attributeSets/Engineering"
	appReg     = "/0ff1ce00-0000-4000-8000-00000000000a"
	catalogID  = "ca7a1090-0000-4000-8000-00000000000b"
	catalog    = "/AccessPackageCatalog/" + catalogID
	otherAU    = "/administrativeUnits/0a0a0a0a-0000-4000-8000-00000000000c"
)

// Labels of the scopes as findings name them (Finding.Scope).
const (
	salesAU    = adminUnit + " (Sales)"
	payrollApp = appReg + " (Payroll)"
	mktCatalog = catalog + " (Marketing)"
)

// withScopes is a tenant change that first gives the tenant its scope objects
// (an administrative unit, an attribute set, an app registration, an
// access package catalog).
func withScopes(f func(*migrate.Tenant)) func(*migrate.Tenant) {
	return func(t *migrate.Tenant) {
		t.Scopes = migrate.ScopeObjects{
			AdministrativeUnits: []migrate.ScopeObject{{ID: strings.TrimPrefix(adminUnit, "/administrativeUnits/"), DisplayName: "Sales"}},
			AttributeSets:       []migrate.ScopeObject{{ID: "Engineering"}},
			Applications:        []migrate.ScopeObject{{ID: strings.TrimPrefix(appReg, "/"), DisplayName: "Payroll", AppID: "11110000-0000-4000-8000-000000000001"}},
			Catalogs:            []migrate.ScopeObject{{ID: catalogID, DisplayName: "Marketing"}},
		}
		if f != nil {
			f(t)
		}
	}
}

// emAssign is an entitlement-management role assignment.
func emAssign(p string, r migrate.GUID, scope string) migrate.RoleAssignment {
	ra := assign(p, r.String(), "")
	ra.DirectoryScopeID, ra.AppScopeID = "", scope
	return ra
}

// narrowedBy is the plan item of a legacy grant a scope rule narrowed.
func narrowedBy(p, r, scope, rule string, action migrate.Action, reason string) Planned {
	pl := planned(p, r, action, reason)
	pl.ScopeID, pl.ScopeRule = scope, rule
	return pl
}

// addedBy is the plan item of an --add row.
func addedBy(row, p string, r migrate.GUID, provider, scope string, action migrate.Action) Planned {
	return Planned{PrincipalID: g(p), RoleID: r, Action: action, Provider: provider, ScopeID: scope, Added: row}
}

// TestScopedStandingNotInLegacy: standing-not-in-legacy sees every scope
// of the directory, named, and every entitlement-management assignment.
func TestScopedStandingNotInLegacy(t *testing.T) {
	runCheck(t, CheckStandingNotInLegacy, []checkCase{
		{name: "administrative unit, named", tenant: withScopes(func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(alice, helpdesk, adminUnit))
		}),
			want: []string{"medium standing-not-in-legacy alice@contoso.example | Helpdesk Administrator | " + salesAU + " | standing"}},
		{name: "administrative unit the tenant does not name", tenant: withScopes(func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(alice, helpdesk, otherAU))
		}),
			want: []string{"medium standing-not-in-legacy alice@contoso.example | Helpdesk Administrator | " + otherAU + " | standing"}},
		{name: "app registration", tenant: withScopes(func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(app, appAdmin, strings.ToUpper(appReg)))
		}),
			want: []string{"medium standing-not-in-legacy Contoso Automation | Application Administrator | " + strings.ToUpper(appReg) + " (Payroll) | standing"}},
		{name: "in legacy at /: narrower access is not a surprise", legacy: []migrate.Assignment{eligibleRec(alice, helpdesk)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, helpdesk, adminUnit))
			})},
		{name: "entitlement management: catalog owner at a catalog", tenant: withScopes(func(t *migrate.Tenant) {
			t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(bob, migrate.CatalogOwnerRole, catalog))
		}),
			want:   []string{"medium standing-not-in-legacy bob@contoso.example | Catalog owner | " + mktCatalog + " | standing"},
			detail: "entitlement-management role assignment: legacy PIM held no entitlement-management roles"},
		{name: "entitlement management at /, named by the tenant's definition", tenant: func(t *migrate.Tenant) {
			t.EntitlementRoles = []migrate.RoleDefinition{{ID: migrate.CatalogCreatorRole, TemplateID: migrate.CatalogCreatorRole, DisplayName: "Catalog creator (tenant)"}}
			t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(carol, migrate.CatalogCreatorRole, "/"))
		},
			want: []string{"medium standing-not-in-legacy carol@contoso.example | Catalog creator (tenant) | / | standing"}},
		{name: "entitlement management, not privileged in the catalogue, still counted", tenant: func(t *migrate.Tenant) {
			t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(carol, migrate.CatalogReaderRole, "/"))
		},
			want: []string{"medium standing-not-in-legacy carol@contoso.example | Catalog reader | / | standing"}},
		{name: "entitlement management, protected principal", protect: []string{breakglass}, tenant: func(t *migrate.Tenant) {
			t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(breakglass, migrate.CatalogOwnerRole, "/"))
		}},
		{name: "plan: an --add row at an administrative unit is added-by-plan",
			planned: []Planned{addedBy("assignments.csv:2", carol, g(helpdesk), "", adminUnit, migrate.ActionCreate)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(carol, helpdesk, adminUnit))
			})},
		{name: "plan: an --add row of entitlement management is added-by-plan",
			planned: []Planned{addedBy("assignments.csv:3", bob, migrate.CatalogOwnerRole, migrate.ProviderEntitlement, strings.ToLower(catalog), migrate.ActionPresent)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(bob, migrate.CatalogOwnerRole, catalog))
			})},
		{name: "plan: an --add row the plan skipped is still a surprise",
			planned: []Planned{addedBy("assignments.csv:2", carol, g(helpdesk), "", adminUnit, migrate.ActionSkip)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(carol, helpdesk, adminUnit))
			}),
			want: []string{"medium standing-not-in-legacy carol@contoso.example | Helpdesk Administrator | " + salesAU + " | standing"}},
		{name: "plan: an --add row at another scope does not cover this one",
			planned: []Planned{addedBy("assignments.csv:2", carol, g(helpdesk), "", otherAU, migrate.ActionCreate)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(carol, helpdesk, adminUnit))
			}),
			want: []string{"medium standing-not-in-legacy carol@contoso.example | Helpdesk Administrator | " + salesAU + " | standing"}},
		{name: "plan: a directory --add row does not cover entitlement management",
			planned: []Planned{addedBy("assignments.csv:2", bob, migrate.CatalogOwnerRole, "", "/", migrate.ActionCreate)},
			tenant: func(t *migrate.Tenant) {
				t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(bob, migrate.CatalogOwnerRole, "/"))
			},
			want: []string{"medium standing-not-in-legacy bob@contoso.example | Catalog owner | / | standing"}},
	})
}

// TestAddedByPlan: with --plan, access an --add row made is reported as
// such, naming the row, instead of as a surprise.
func TestAddedByPlan(t *testing.T) {
	runCheck(t, CheckAddedByPlan, []checkCase{
		{name: "directory, administrative unit",
			planned: []Planned{addedBy("assignments.csv:2", carol, g(helpdesk), "", strings.ToLower(adminUnit), migrate.ActionCreate)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(carol, helpdesk, adminUnit))
			}),
			want:   []string{"info added-by-plan carol@contoso.example | Helpdesk Administrator | " + salesAU + " | standing"},
			detail: "a standing role assignment the plan added beyond legacy, by assignments.csv:2 (plan --add)"},
		{name: "entitlement management, catalog",
			planned: []Planned{addedBy("assignments.csv:3", bob, migrate.CatalogOwnerRole, migrate.ProviderEntitlement, catalog, migrate.ActionCreate)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(bob, migrate.CatalogOwnerRole, catalog))
			}),
			want:   []string{"info added-by-plan bob@contoso.example | Catalog owner | " + mktCatalog + " | standing"},
			detail: "a standing entitlement-management role assignment the plan added beyond legacy, by assignments.csv:3"},
		{name: "at a scope narrower than a legacy eligibility, instead of eligible-now-standing",
			legacy:  []migrate.Assignment{eligibleRec(alice, helpdesk)},
			planned: []Planned{addedBy("assignments.csv:4", alice, g(helpdesk), "", adminUnit, migrate.ActionCreate)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, helpdesk, adminUnit))
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, helpdesk, "/", nil))
			}),
			want: []string{"info added-by-plan alice@contoso.example | Helpdesk Administrator | " + salesAU + " | standing"}},
		{name: "not in the tenant: nothing to report",
			planned: []Planned{addedBy("assignments.csv:2", carol, g(helpdesk), "", adminUnit, migrate.ActionCreate)}},
		{name: "without --plan",
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(carol, helpdesk, adminUnit))
			})},
	})
}

// TestLegacyNarrowed: a legacy tenant-wide grant the tenant holds only at
// a narrower scope is legacy-narrowed, not legacy-missing; with --plan,
// only when the plan chose that scope, and the rule is named.
func TestLegacyNarrowed(t *testing.T) {
	legacyCheck := func(c string) bool { return strings.HasPrefix(c, "legacy-") && c != CheckLegacyRejected }
	atAU := withScopes(func(t *migrate.Tenant) {
		t.RoleAssignments = append(t.RoleAssignments, assign(alice, helpdesk, strings.ToUpper(adminUnit)))
	})
	runChecks(t, legacyCheck, []checkCase{
		{name: "administrative unit, no plan", legacy: []migrate.Assignment{permanent(alice, helpdesk)}, tenant: atAU,
			want:   []string{"low legacy-narrowed alice@contoso.example | Helpdesk Administrator | " + strings.ToUpper(adminUnit) + " (Sales) | legacy"},
			detail: `legacy permanent has no unified role assignment or eligibility at "/"; the tenant holds it at a narrower scope, ` + strings.ToUpper(adminUnit) + " (Sales): less access, not none; check that the narrowing was meant (audit --plan names"},
		{name: "eligible at an attribute set", legacy: []migrate.Assignment{eligibleRec(bob, attrAssign)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(bob, attrAssign, attrSet, nil))
			}),
			want: []string{"low legacy-narrowed bob@contoso.example | Attribute Assignment Administrator | " + attrSet + " | legacy"}},
		{name: "two narrower scopes, both named", legacy: []migrate.Assignment{permanent(app, appAdmin)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(app, appAdmin, appReg), assign(app, appAdmin, otherAU))
			}),
			want:   []string{"low legacy-narrowed Contoso Automation | Application Administrator | " + appReg + " (Payroll) | legacy"},
			detail: "at a narrower scope, " + appReg + " (Payroll), " + otherAU + ": less access"},
		{name: "plan: narrowed by the rule", legacy: []migrate.Assignment{permanent(alice, helpdesk)}, tenant: atAU,
			planned: []Planned{narrowedBy(alice, helpdesk, adminUnit, "rules.csv:3", migrate.ActionCreate, "")},
			want:    []string{"low legacy-narrowed alice@contoso.example | Helpdesk Administrator | " + strings.ToUpper(adminUnit) + " (Sales) | legacy"},
			detail:  "; narrowed by rules.csv:3 (plan --scope-rules)"},
		{name: "plan: found present at the rule's scope", legacy: []migrate.Assignment{eligibleRec(alice, helpdesk)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(alice, helpdesk, adminUnit, nil))
			}),
			planned: []Planned{narrowedBy(alice, helpdesk, adminUnit, "rules.csv:3", migrate.ActionPresent, migrate.ReasonAlreadyEligible)},
			want:    []string{"low legacy-narrowed alice@contoso.example | Helpdesk Administrator | " + salesAU + " | legacy"},
			detail:  "narrowed by rules.csv:3"},
		{name: "plan: the rule's scope is not where the tenant holds it", legacy: []migrate.Assignment{permanent(alice, helpdesk)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, helpdesk, otherAU))
			}),
			planned: []Planned{narrowedBy(alice, helpdesk, adminUnit, "rules.csv:3", migrate.ActionCreate, "")},
			want:    []string{"high legacy-missing alice@contoso.example | Helpdesk Administrator | / | legacy"},
			detail:  "the plan creates it at " + salesAU + " (rules.csv:3): not applied yet, declined in review, failed, or removed since; the tenant grants it only at " + otherAU},
		{name: "plan: kept at / but narrowed in the tenant", legacy: []migrate.Assignment{permanent(alice, helpdesk)}, tenant: atAU,
			planned: []Planned{planned(alice, helpdesk, migrate.ActionCreate, "")},
			want:    []string{"high legacy-missing alice@contoso.example | Helpdesk Administrator | / | legacy"},
			detail:  "the plan creates it: not applied yet, declined in review, failed, or removed since; the tenant grants it only at " + strings.ToUpper(adminUnit) + " (Sales), which gives less"},
		{name: "plan: no item for the grant", legacy: []migrate.Assignment{permanent(alice, helpdesk)}, tenant: atAU,
			planned: []Planned{planned(bob, helpdesk, migrate.ActionCreate, "")},
			want:    []string{"low legacy-narrowed alice@contoso.example | Helpdesk Administrator | " + strings.ToUpper(adminUnit) + " (Sales) | legacy"},
			detail:  "the plan (--plan) has no item for it"},
		{name: "plan: the rule's scope was not found", legacy: []migrate.Assignment{permanent(alice, helpdesk)},
			planned: []Planned{narrowedBy(alice, helpdesk, "/administrativeUnits/Nowhere", "rules.csv:5", migrate.ActionSkip, migrate.ReasonScopeNotFound)},
			want:    []string{"medium legacy-needs-decision alice@contoso.example | Helpdesk Administrator | / | legacy"},
			detail:  "the plan skipped it: scope-not-found at /administrativeUnits/Nowhere (rules.csv:5)"},
		{name: "plan: the role cannot take the rule's scope", legacy: []migrate.Assignment{permanent(alice, ga)},
			planned: []Planned{narrowedBy(alice, ga, adminUnit, "rules.csv:2", migrate.ActionSkip, migrate.ReasonRoleNotScopable)},
			want:    []string{"medium legacy-needs-decision alice@contoso.example | Global Administrator | / | legacy"},
			detail:  "the plan skipped it: role-not-scopable at " + adminUnit + " (rules.csv:2)"},
		{name: "also at /: nothing is narrowed", legacy: []migrate.Assignment{permanent(alice, helpdesk)},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(alice, helpdesk, adminUnit), assign(alice, helpdesk, "/"))
			})},
		{name: "protected principals are exempt", legacy: []migrate.Assignment{permanent(breakglass, helpdesk)}, protect: []string{breakglass},
			tenant: withScopes(func(t *migrate.Tenant) {
				t.RoleAssignments = append(t.RoleAssignments, assign(breakglass, helpdesk, adminUnit))
			})},
	})
}

// scopedGrants gives entitlement-management assignments and scoped
// eligibilities to a disabled, a deleted and a protected principal.
var scopedGrants = withScopes(func(t *migrate.Tenant) {
	t.EntitlementAssignments = append(t.EntitlementAssignments, emAssign(disabled, migrate.CatalogOwnerRole, catalog), emAssign(deleted, migrate.CatalogReaderRole, "/"),
		emAssign(breakglass, migrate.AccessPackageManagerRole, catalog))
	t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(disabled, attrAssign, attrSet, nil), eligible(breakglass, helpdesk, adminUnit, nil))
})

// TestFindingScope: a finding keeps the scope id and the provider, and
// names the scope's object where the tenant names it.
func TestFindingScope(t *testing.T) {
	ten := baseTenant()
	withScopes(nil)(ten)
	ten.EntitlementAssignments = []migrate.RoleAssignment{emAssign(alice, migrate.CatalogOwnerRole, catalog)}
	res, err := Run(Input{Legacy: &migrate.Legacy{}, Tenant: ten, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Check == CheckStandingNotInLegacy {
			if f.Scope != mktCatalog || f.ScopeID != catalog || f.Provider != migrate.ProviderEntitlement || f.Role.ID != migrate.CatalogOwnerRole.String() {
				t.Errorf("scope %q, scope id %q, provider %q, role %+v", f.Scope, f.ScopeID, f.Provider, f.Role)
			}
			return
		}
	}
	t.Errorf("no %s finding in %+v", CheckStandingNotInLegacy, res.Findings)
}

// TestPlannedOf: what audit --plan takes from plan.json's items.
func TestPlannedOf(t *testing.T) {
	legacy := migrate.Assignment{UserID: g(alice), RoleID: g(secRdrDir)}
	for _, tt := range []struct {
		name string
		it   migrate.Item
		want Planned
		ok   bool
	}{
		{name: "legacy grant narrowed by a rule", ok: true,
			it: migrate.Item{Key: alice + "_" + helpdesk + "@" + strings.ToLower(adminUnit), Legacy: legacy, Action: migrate.ActionCreate, ScopeRule: "rules.csv:3",
				Target: migrate.Target{PrincipalID: g(alice), RoleDefinitionID: g(secReader), DirectoryScopeID: adminUnit}},
			want: Planned{PrincipalID: g(alice), RoleID: g(secRdrDir), Action: migrate.ActionCreate, ScopeID: adminUnit, ScopeRule: "rules.csv:3"}},
		{name: "entitlement-management --add row", ok: true,
			it: migrate.Item{Key: "em:x", Action: migrate.ActionCreate, Reason: "added", Added: "assignments.csv:4",
				Target: migrate.Target{PrincipalID: g(bob), RoleDefinitionID: migrate.CatalogOwnerRole, Provider: migrate.ProviderEntitlement, AppScopeID: catalog}},
			want: Planned{PrincipalID: g(bob), RoleID: migrate.CatalogOwnerRole, Action: migrate.ActionCreate, Reason: "added",
				Provider: migrate.ProviderEntitlement, ScopeID: catalog, Added: "assignments.csv:4"}},
		{name: "the activation's extra item", it: migrate.Item{Key: alice + "_" + ga + "#activation", Legacy: legacy}},
		{name: "a role setting", it: migrate.Item{Key: migrate.SettingKey(g(ga), "Approval_EndUser_Assignment"), Kind: migrate.KindRoleSetting}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PlannedOf(&tt.it)
			if ok != tt.ok || got != tt.want {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
