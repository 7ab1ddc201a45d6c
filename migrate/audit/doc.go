// Package audit checks a tenant's unified role management state against the
// legacy PIM assignments it was migrated from, and against hygiene rules,
// and returns findings. It is pure: Run takes the legacy snapshot, the
// tenant state (as migrate/graph read it), the built-in role catalogue, the
// time to judge expiries at and the --protect list, and returns the same
// sorted findings for the same input. It reads no clock, file or network.
//
//	res, err := audit.Run(audit.Input{Legacy: l, Tenant: t, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf})
//	for _, f := range res.Findings {
//		fmt.Println(f.Severity, f.Check, f.Principal.UserPrincipalName, f.Role.DisplayName, f.Detail)
//	}
//
// Checks (Checks lists them with their severities):
//
//	high    legacy-missing          a live legacy grant has no unified role assignment or eligibility at "/"
//	high    eligible-now-standing   legacy eligible, the tenant has a standing role assignment at "/"
//	medium  standing-not-in-legacy  standing access to a privileged role with no live legacy record
//	medium  deleted-principal       a unified grant to an object getByIds does not return
//	medium  disabled-principal      a unified grant to a principal with accountEnabled false
//	medium  guest-privileged        a guest user holding a privileged role
//	low     global-admin-count      standing Global Administrators outside 2–5
//	low     expiring-soon           a unified grant that ends within 30 days
//	info    protected-principal     what each --protect (break-glass) principal holds
//	info    legacy-rejected         a record export could not use (never dropped silently)
package audit
