package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// tenantRead is what plan or audit reads of the tenant besides its role
// definitions, role assignments, eligibility schedules and principals.
type tenantRead struct {
	// audit also reads the assignment schedules, says it only reads, and
	// goes on without the policies when it may not read them (the PIM
	// checks are left out and it says so).
	audit bool
	// policies reads every role's management policy; plan needs it for
	// role settings and the policy check, and fails without it.
	policies bool
	// principals are more principals to read (plan's --scope-rules and --add).
	principals []migrate.GUID
}

// readTenant is the one tenant reader of plan and audit: the tenant's
// state with the principals of the legacy records, the --protect entries
// and (plan) the legacy approvers, checked to be the tenant legacy.json
// and --tenant-id name, with --protect resolved.
func readTenant(ctx context.Context, a *app, legacy *migrate.Legacy, protect migrate.ProtectList, r tenantRead) (*migrate.Tenant, error) {
	c, err := a.graphClient()
	if err != nil {
		return nil, err
	}
	ids := legacy.PrincipalIDs()
	seen := make(map[migrate.GUID]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	var t *migrate.Tenant
	if r.audit {
		fmt.Fprintf(a.stderr, "Reading tenant state from %s (read-only) ...\n", c.GraphURL())
		lookup := ids
		for _, id := range protect.IDs() {
			if !seen[id] {
				lookup = append(lookup, id)
			}
		}
		t, err = c.ReadAuditTenant(ctx, lookup)
	} else {
		fmt.Fprintf(a.stderr, "Reading tenant state from %s ...\n", c.GraphURL())
		t, err = c.ReadTenant(ctx, append(append(append(protect.IDs(), legacy.ApproverIDs()...), r.principals...), ids...))
	}
	if err != nil {
		return nil, err
	}
	if err := sameTenant(a, legacy, t.TenantID); err != nil {
		return nil, err
	}
	if err := resolveProtect(ctx, c, t, protect); err != nil {
		return nil, err
	}
	if r.policies {
		var we *wire.Error
		switch t.Policies, err = c.ReadPolicies(ctx); {
		case r.audit && errors.As(err, &we) && we.Status == http.StatusForbidden:
			t.Policies = nil
			fmt.Fprintln(a.stderr, "note: the role management policies could not be read (RoleManagementPolicy.Read.Directory): the ScubaGear policy checks and weaker-than-legacy are left out")
		case err != nil && r.audit:
			return nil, err
		case err != nil:
			return nil, fmt.Errorf("%w; reading role management policies needs RoleManagementPolicy.Read.Directory (or plan --settings off --policy-check off)", err)
		}
	}
	if r.audit {
		if err := readAuditScopes(ctx, a, c, t); err != nil {
			return nil, err
		}
		fmt.Fprintf(a.stderr, "Tenant %s: %d role definitions, %d role assignments, %d eligibility schedules, %d assignment schedules, %s, %d principals.\n",
			migrate.Printable(t.TenantID), len(t.RoleDefinitions), len(t.RoleAssignments), len(t.EligibilitySchedules), len(t.AssignmentSchedules),
			migrate.Plural(len(t.EntitlementAssignments), "entitlement-management assignment", "entitlement-management assignments"), len(t.Principals))
		return t, nil
	}
	found := 0
	for _, p := range t.Principals {
		if seen[p.ID] {
			found++
		}
	}
	fmt.Fprintf(a.stderr, "Tenant %s: %d role definitions, %d role assignments, %d eligibility schedules; %d of %d legacy principals found.\n",
		migrate.Printable(t.TenantID), len(t.RoleDefinitions), len(t.RoleAssignments), len(t.EligibilitySchedules), found, len(ids))
	return t, nil
}

// readAuditScopes reads, for audit, the entitlement-management provider's
// assignments and the names of the objects every assignment's scope
// names. Audit reads what it may: a kind it is not allowed to read (403)
// is a note, and its findings show the scope id without a name.
func readAuditScopes(ctx context.Context, a *app, c *graph.Client, t *migrate.Tenant) error {
	denied := func(err error, what string) bool {
		var we *wire.Error
		if errors.As(err, &we) && we.Status == http.StatusForbidden {
			fmt.Fprintf(a.stderr, "note: %s could not be read (%s): left out\n", what, migrate.Printable(we.Message))
			return true
		}
		return false
	}
	var err error
	if t.EntitlementAssignments, err = c.EntitlementAssignments(ctx); err != nil && !denied(err, "entitlement-management role assignments") {
		return err
	}
	if t.EntitlementRoles, err = c.EntitlementRoles(ctx); err != nil && !denied(err, "entitlement-management role definitions") {
		return err
	}
	have := map[migrate.GUID]bool{}
	for _, p := range t.Principals {
		have[p.ID] = true
	}
	var missing []migrate.GUID
	for _, em := range t.EntitlementAssignments {
		if !have[em.PrincipalID] {
			have[em.PrincipalID] = true
			missing = append(missing, em.PrincipalID)
		}
	}
	if len(missing) > 0 {
		ps, err := c.Principals(ctx, missing)
		if err != nil {
			return err
		}
		t.Principals = append(t.Principals, ps...)
	}
	kinds := map[migrate.ScopeKind]bool{}
	note := func(scope, provider string) {
		if ref, err := migrate.ParseScopeRef(scope, provider); err == nil && ref.Kind != migrate.ScopeTenant {
			kinds[ref.Kind] = true
		}
	}
	for _, ra := range t.RoleAssignments {
		note(ra.DirectoryScopeID, migrate.ProviderDirectory)
	}
	for _, es := range t.EligibilitySchedules {
		note(es.DirectoryScopeID, migrate.ProviderDirectory)
	}
	for _, em := range t.EntitlementAssignments {
		note(em.AppScopeID, migrate.ProviderEntitlement)
	}
	for k := range kinds {
		objs, err := c.ScopeObjects(ctx, map[migrate.ScopeKind]bool{k: true})
		if err != nil && !denied(err, "the names of "+k.String()+"s") {
			return err
		}
		t.Scopes.AdministrativeUnits = append(t.Scopes.AdministrativeUnits, objs.AdministrativeUnits...)
		t.Scopes.AttributeSets = append(t.Scopes.AttributeSets, objs.AttributeSets...)
		t.Scopes.Applications = append(t.Scopes.Applications, objs.Applications...)
		t.Scopes.Catalogs = append(t.Scopes.Catalogs, objs.Catalogs...)
	}
	return nil
}
