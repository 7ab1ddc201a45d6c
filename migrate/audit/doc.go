// Package audit checks a tenant's unified role management state against the
// legacy PIM assignments it was migrated from, and against hygiene rules,
// and returns findings. It is pure: Run takes the legacy snapshot, the
// tenant state (as migrate/graph read it), the built-in role catalogue, the
// time to judge expiries at, the --protect list and, optionally, what the
// plan made of each legacy grant (audit --plan), and returns the same
// sorted findings for the same input. It reads no clock, file or network.
//
//	res, err := audit.Run(audit.Input{Legacy: l, Tenant: t, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf})
//	for _, f := range res.Findings {
//		fmt.Println(f.Severity, f.Check, f.Principal.UserPrincipalName, f.Role.DisplayName, f.Detail)
//	}
//
// Checks (Checks lists them with their severities):
//
//	high    legacy-missing          a live legacy grant has no unified role assignment or eligibility at "/",
//	                                and nothing below explains it: access is missing
//	high    eligible-now-standing   legacy eligible, the tenant has a standing role assignment at "/" or a
//	                                narrower scope
//	medium  standing-not-in-legacy  standing access to a privileged role, at any scope, with no live legacy
//	                                record; every entitlement-management role assignment
//	medium  deleted-principal       a unified grant (either provider) to an object getByIds does not return
//	medium  disabled-principal      a unified grant (either provider) to a principal with accountEnabled false
//	medium  guest-privileged        a guest user holding a privileged role
//	medium  legacy-needs-decision   a live legacy grant the tenant cannot hold as legacy did (an eligible
//	                                service principal, a group not role-assignable, conflicting records,
//	                                a scope rule whose scope the plan could not use)
//	low     global-admin-count      standing Global Administrators outside 2–5
//	low     expiring-soon           a unified grant that ends within 30 days
//	low     legacy-narrowed         a live legacy grant the tenant holds only at a narrower scope (an
//	                                administrative unit, attribute set or app registration); with --plan,
//	                                the scope rule that narrowed it
//	low     legacy-skipped          a live legacy grant of a disabled role, or skipped by the plan's policy
//	info    legacy-gone             a live legacy grant of a deleted principal or role: no access is missing
//	info    protected-principal     what each --protect (break-glass) principal holds
//	info    legacy-rejected         a record export could not use (never dropped silently)
//	info    added-by-plan           with --plan, standing access a plan --add row made, which
//	                                standing-not-in-legacy or eligible-now-standing would report
//
// Every scope is read: the directory's ("/", /administrativeUnits/{id},
// /attributeSets/{id}, /{applicationObjectId}) and entitlement
// management's ("/", /AccessPackageCatalog/{id}, Tenant.EntitlementAssignments).
// A finding's Scope names the scope's object where Tenant.Scopes has it
// ("/administrativeUnits/{id} (Sales)"); ScopeID is the id, and Provider
// says entitlementManagement for that provider.
package audit
