package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
)

// readProtect reads the --protect file (break-glass principals); no path is
// an empty list.
func readProtect(path string) (migrate.ProtectList, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--protect: %w", err)
	}
	defer f.Close()
	l, err := migrate.ParseProtectList(f, path)
	if err != nil {
		return nil, fmt.Errorf("--protect: %w", err)
	}
	return l, nil
}

// resolveProtect finds the protect list's principals in the tenant t was
// read from: its object ids among t.Principals (t was read with them), its
// user principal names looked up one by one. The users found that way join
// t.Principals, so a break-glass account that holds no legacy record is
// known too. An entry that names nobody is refused: it would protect
// nothing, and the account it was meant for would be treated like any
// other.
func resolveProtect(ctx context.Context, c *graph.Client, t *migrate.Tenant, protect migrate.ProtectList) error {
	if len(protect) == 0 {
		return nil
	}
	users, err := c.UsersByPrincipalName(ctx, protect.UPNs())
	if err != nil {
		return fmt.Errorf("--protect: %w", err)
	}
	known := make(map[migrate.GUID]bool, len(t.Principals))
	for _, p := range t.Principals {
		known[p.ID] = true
	}
	for _, u := range users {
		if !known[u.ID] {
			known[u.ID] = true
			t.Principals = append(t.Principals, u)
		}
	}
	if err := protect.NotInTenant(t.Principals, t.TenantID); err != nil {
		return fmt.Errorf("--protect: %w", err)
	}
	return nil
}
