package migrate

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Kinds of access an --add row asks for.
const (
	AddEligible = "eligible"
	AddActive   = "active"
)

// AddRow is one row of a --add file: an assignment wanted beyond legacy
// access.
type AddRow struct {
	Pos       Pos
	Principal PrincipalRef // an id or a UPN, never a group:
	Role      RoleRef      // never *
	Scope     ScopeRef
	Kind      string // AddEligible or AddActive
	// Start and End bound the access; nil: from now, and without end.
	Start, End *time.Time
	Provider   string // ProviderDirectory or ProviderEntitlement
}

var (
	addRequired = []string{"principal", "role", "scope", "kind"}
	addOptional = []string{"start", "end", "provider"}
)

// ParseAddFile reads a --add CSV (see readAdminCSV for the format):
// principal (an object id or a UPN), role (a display name or id), scope
// (ParseScopeRef for the row's provider), kind (eligible or active), start
// and end (optional: RFC 3339, or a date and time in UTC as Excel writes
// them, "2026-01-31" or "2026-01-31 17:00"), provider (directory, the
// default, or entitlementManagement). Entitlement-management roles are
// only ever active and have no schedule. The same principal, role, scope
// and provider twice is an error naming both lines.
func ParseAddFile(r io.Reader, name string) ([]AddRow, error) {
	rows, err := readAdminCSV(r, name, "an --add file", addRequired, addOptional)
	if err != nil {
		return nil, err
	}
	var out []AddRow
	seen := map[string]int{}
	for _, row := range rows {
		a, err := parseAddRow(name, row)
		if err != nil {
			return nil, err
		}
		k := strings.ToLower(a.Provider + "|" + a.Principal.Value + "|" + a.Role.String() + "|" + a.Scope.String())
		if prev, ok := seen[k]; ok {
			return nil, &CSVError{File: name, Line: row.line, Msg: fmt.Sprintf("the same principal, role, scope and provider as line %d", prev),
				Hint: "keep one of the two rows"}
		}
		seen[k] = row.line
		out = append(out, a)
	}
	return out, nil
}

func parseAddRow(name string, row csvRow) (AddRow, error) {
	a := AddRow{Pos: Pos{File: name, N: row.line, Line: true}}
	var err error
	switch p := strings.ToLower(row.get("provider")); p {
	case "", strings.ToLower(ProviderDirectory):
		a.Provider = ProviderDirectory
	case strings.ToLower(ProviderEntitlement):
		a.Provider = ProviderEntitlement
	default:
		return a, rowError(name, row, "provider", "%q is not directory or entitlementManagement", row.get("provider"))
	}
	if a.Principal, err = parsePrincipalRef(row.get("principal"), false); err != nil {
		return a, rowError(name, row, "principal", "%v", err)
	}
	if a.Role, err = parseRoleRef(row.get("role"), false); err != nil {
		return a, rowError(name, row, "role", "%v", err)
	}
	if a.Scope, err = ParseScopeRef(row.get("scope"), a.Provider); err != nil {
		return a, rowError(name, row, "scope", "%v", err)
	}
	switch k := strings.ToLower(row.get("kind")); k {
	case AddEligible, AddActive:
		a.Kind = k
	default:
		return a, rowError(name, row, "kind", "%q is not eligible or active", row.get("kind"))
	}
	for _, f := range []struct {
		col string
		dst **time.Time
	}{{"start", &a.Start}, {"end", &a.End}} {
		if v := row.get(f.col); v != "" {
			t, err := parseAddTime(v)
			if err != nil {
				return a, rowError(name, row, f.col, "%q is not a date: write 2026-01-31, 2026-01-31 17:00 (UTC) or 2026-01-31T17:00:00Z", v)
			}
			*f.dst = &t
		}
	}
	switch {
	case a.Start != nil && a.End != nil && !a.End.After(*a.Start):
		return a, rowError(name, row, "end", "%s is not after start %s", a.End.Format(time.RFC3339), a.Start.Format(time.RFC3339))
	case a.Provider == ProviderEntitlement && a.Kind == AddEligible:
		return a, rowError(name, row, "kind", "entitlement-management roles cannot be eligible; write active")
	case a.Provider == ProviderEntitlement && (a.Start != nil || a.End != nil):
		return a, rowError(name, row, "start/end", "entitlement-management role assignments have no schedule; leave start and end empty")
	}
	return a, nil
}

// addTimeLayouts are the forms of start and end: RFC 3339, and the date
// (and time, in UTC) that Excel writes when it reformats a cell.
var addTimeLayouts = []string{time.RFC3339, "2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"}

func parseAddTime(s string) (time.Time, error) {
	var err error
	for _, l := range addTimeLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}
