package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// scopeInputs are plan's --scope-rules and --add files, read.
type scopeInputs struct {
	rules *migrate.ScopeRules
	adds  []migrate.AddRow
}

// readScopeInputs reads and checks --scope-rules and --add (either may be
// ""). A bad row is an error naming file:line and what to write.
func readScopeInputs(rulesPath, addPath string) (in scopeInputs, err error) {
	if rulesPath != "" {
		if in.rules, err = parseFile("--scope-rules", rulesPath, migrate.ParseScopeRules); err != nil {
			return in, err
		}
	}
	if addPath != "" {
		in.adds, err = parseFile("--add", addPath, migrate.ParseAddFile)
	}
	return in, err
}

// parseFile opens path (given as flag) and parses it.
func parseFile[T any](flag, path string, parse func(io.Reader, string) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	return parse(f, path)
}

func (s scopeInputs) given() bool { return s.rules != nil || len(s.adds) > 0 }

// principals are the principals the files name: ids to read with the
// tenant, and UPNs to look up.
func (s scopeInputs) principals() (ids []migrate.GUID, upns []string) {
	add := func(p migrate.PrincipalRef) {
		switch p.Kind {
		case migrate.RefByID:
			ids = append(ids, migrate.MustGUID(p.Value))
		case migrate.RefByUPN:
			upns = append(upns, p.Value)
		}
	}
	if s.rules != nil {
		for _, r := range s.rules.Rules {
			add(r.Principal)
		}
	}
	for _, a := range s.adds {
		add(a.Principal)
	}
	return ids, upns
}

// needs says which scope objects the files name, and whether any row is
// of the entitlement-management provider.
func (s scopeInputs) needs() (kinds map[migrate.ScopeKind]bool, entitlement bool) {
	kinds = map[migrate.ScopeKind]bool{}
	if s.rules != nil {
		for _, r := range s.rules.Rules {
			kinds[r.Scope.Kind] = true
		}
	}
	for _, a := range s.adds {
		kinds[a.Scope.Kind] = true
		entitlement = entitlement || a.Provider == migrate.ProviderEntitlement
	}
	return kinds, entitlement
}

// readScopeTenant reads what the files need of the tenant beyond
// readTenant: the users they name by UPN, the scope objects, the rules'
// groups' transitive members and, for entitlement-management rows, that
// provider's roles and assignments.
func readScopeTenant(ctx context.Context, a *app, t *migrate.Tenant, s scopeInputs) error {
	c, err := a.graphClient()
	if err != nil {
		return err
	}
	_, upns := s.principals()
	if len(upns) > 0 {
		have := map[migrate.GUID]bool{}
		for _, p := range t.Principals {
			have[p.ID] = true
		}
		users, err := c.UsersByPrincipalName(ctx, upns)
		if err != nil {
			return err
		}
		for _, u := range users {
			if !have[u.ID] {
				have[u.ID] = true
				t.Principals = append(t.Principals, u)
			}
		}
	}
	kinds, entitlement := s.needs()
	if t.Scopes, err = c.ScopeObjects(ctx, kinds); err != nil {
		return err
	}
	if s.rules != nil {
		if t.GroupMembers, err = c.GroupMembers(ctx, s.rules.Groups()); err != nil {
			return fmt.Errorf("%s: %w", s.rules.File, err)
		}
	}
	if entitlement {
		if t.EntitlementRoles, err = c.EntitlementRoles(ctx); err != nil {
			return err
		}
		if t.EntitlementAssignments, err = c.EntitlementAssignments(ctx); err != nil {
			return err
		}
	}
	return nil
}
