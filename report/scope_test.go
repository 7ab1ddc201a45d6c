package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/report/reporttest"
)

// assignmentsCSV is the Assignments sheet of in as CSV records, by column
// header, in row order.
func assignmentsCSV(t *testing.T, in MigrationInput) []map[string]string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCSV(&b, Assignments(in), false); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// TestAssignmentsScopes: every row names its scope by id (the directory's
// or the catalog's) and by name, and its provider; a row of --add or a
// Directory Readers item says so where a legacy row names its record, and
// prints no made-up legacy values or zero ids; a principal's added rows
// sort with its legacy ones.
func TestAssignmentsScopes(t *testing.T) {
	p := scopedPlan()
	rows := assignmentsCSV(t, MigrationInput{Plan: p})
	byKey := map[string]map[string]string{}
	for _, r := range rows {
		byKey[r["Key"]] = r
	}
	key := func(principal, role, provider, scope string) string {
		return migrate.ScopedKey(migrate.MustGUID(principal), migrate.MustGUID(role), provider, scope)
	}
	alice, bob, carol := demoItems[0].principal, demoItems[1].principal, demoItems[2].principal
	zero := migrate.GUID{}.String()
	tests := []struct {
		name, key                                string
		origin, provider, scope, scopeName, role string
	}{
		{"legacy at the tenant", key(alice, gaRole, "", "/"), "legacy", "directory", "/", "", gaRole},
		{"narrowed to an administrative unit", key(alice, helpdeskRole, "", auParis), "legacy, narrowed by rules.csv:2", "directory", auParis, "Paris", helpdeskRole},
		{"narrowed to an app registration", key(alice, appAdmRole, "", appPayroll), "legacy, narrowed by rules.csv:4", "directory", appPayroll, "Payroll", appAdmRole},
		{"a rule's unit not found", key(carol, userAdmRole, "", "/administrativeUnits/Lyon"), "legacy, narrowed by rules.csv:5", "directory", "/administrativeUnits/Lyon", "", userAdmRole},
		{"added at a catalog", key(alice, migrate.CatalogOwnerRole.String(), migrate.ProviderEntitlement, catSales), "added by assignments.csv:2", "entitlementManagement", catSales, "Sales", migrate.CatalogOwnerRole.String()},
		{"added at an attribute set", key(bob, attrAsgRole, "", "/attributeSets/Engineering"), "added by assignments.csv:3", "directory", "/attributeSets/Engineering", "Engineering", attrAsgRole},
		{"Directory Readers offered", key(syncApp, migrate.DirectoryReadersRole.String(), "", "/"), "added: Directory Readers for the administrative unit of rules.csv:3", "directory", "/", "", migrate.DirectoryReadersRole.String()},
		{"added for a principal not found", key(zero, migrate.CatalogReaderRole.String(), migrate.ProviderEntitlement, "/"), "added by assignments.csv:4", "entitlementManagement", "/", "", migrate.CatalogReaderRole.String()},
		{"added with a role not found", key(carol, zero, "", "/"), "added by assignments.csv:5", "directory", "/", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := byKey[tt.key]
			if r == nil {
				t.Fatalf("no row with key %s", tt.key)
			}
			got := [5]string{r["Origin"], r["Provider"], r["Scope"], r["Scope name"], r["Role ID"]}
			if want := [5]string{tt.origin, tt.provider, tt.scope, tt.scopeName, tt.role}; got != want {
				t.Errorf("origin, provider, scope, scope name, role id = %q, want %q", got, want)
			}
			if !strings.HasPrefix(tt.origin, "added") {
				return
			}
			for _, col := range []string{"Legacy state", "Legacy expiry (UTC)", "Legacy source"} {
				if r[col] != "" {
					t.Errorf("%s = %q: an added item has no legacy record", col, r[col])
				}
			}
			for col, v := range r {
				if col != "Key" && strings.Contains(v, zero) {
					t.Errorf("%s = %q: a zero id", col, v)
				}
			}
		})
	}
	t.Run("a principal's rows together, by role", func(t *testing.T) {
		var roles []string
		first, last := -1, -1
		for i, r := range rows {
			if r["Principal"] == "Alice Adams" {
				roles = append(roles, r["Role"])
				first, last = cmpOr(first, i), i
			}
		}
		if len(roles) != 4 || last-first != 3 || !slices.IsSorted(roles) {
			t.Errorf("Alice's rows %d to %d, roles %q: want 4 rows together, sorted", first, last, roles)
		}
	})
}

func cmpOr(a, b int) int {
	if a >= 0 {
		return a
	}
	return b
}

// TestSummaryOrigins: the Summary sheet counts items by where they come
// from, and counts legacy states of legacy items only.
func TestSummaryOrigins(t *testing.T) {
	var x bytes.Buffer
	if err := WriteXLSX(&x, Migration(MigrationInput{Plan: scopedPlan(), MadeAt: madeAt})); err != nil {
		t.Fatal(err)
	}
	sheets, err := reporttest.DumpXLSX(&x)
	if err != nil {
		t.Fatal(err)
	}
	summary := sheets[0].TSV
	for _, want := range []string{
		"Origin\tItems\nlegacy\t10\nlegacy, narrowed by a scope rule\t4\nadded by --add\t4\nadded: Directory Readers\t1\n",
		"Legacy state\tItems\npermanent\t6\neligible\t6\nactivated\t0\ntime-bound-eligible\t2\n\n",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary has no\n%s\nit is\n%s", want, summary)
		}
	}
}
