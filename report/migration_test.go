package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pimmigrate/pimmigrate/internal/golden"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/report/reporttest"
)

// TestMigration writes the migration report of a small plan, on its own and
// with a journal's outcomes, reopens the XLSX and goldens every sheet, and
// goldens the CSV; "scoped" is a plan with --scope-rules and --add items
// (scopedPlan).
func TestMigration(t *testing.T) {
	p, scoped := testPlan(demoItems), scopedPlan()
	tests := []struct {
		name string
		in   MigrationInput
	}{
		{"plan-only", MigrationInput{Plan: p, PlanFile: "plan.json", ToolVersion: "v1.2.3", MadeAt: madeAt}},
		{"applied", MigrationInput{Plan: p, PlanFile: "plan.json", Run: demoRun(p), ToolVersion: "v1.2.3", MadeAt: madeAt}},
		{"scoped-plan-only", MigrationInput{Plan: scoped, PlanFile: "plan.json", ToolVersion: "v1.2.3", MadeAt: madeAt}},
		{"scoped-applied", MigrationInput{Plan: scoped, PlanFile: "plan.json", Run: scopedRun(scoped), ToolVersion: "v1.2.3", MadeAt: madeAt}},
	}
	// The same reports of the plans read from their files an item at a time.
	for i, tt := range tests {
		path := filepath.Join(t.TempDir(), "plan.json")
		if err := migrate.WritePlanFile(path, tt.in.Plan); err != nil {
			t.Fatal(err)
		}
		scanned, err := migrate.ScanPlanFile(path, func(*migrate.Item) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		in := tt.in
		in.Plan, in.Items = scanned, func(fn func(*migrate.Item) error) error {
			_, err := migrate.ScanPlanFile(path, fn)
			return err
		}
		tests = append(tests, struct {
			name string
			in   MigrationInput
		}{tests[i].name, in})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x bytes.Buffer
			if err := WriteXLSX(&x, Migration(tt.in)); err != nil {
				t.Fatal(err)
			}
			sheets, err := reporttest.DumpXLSX(&x)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range sheets {
				names = append(names, s.Name)
				golden.Check(t, tt.name+"."+s.Name, s.TSV)
			}
			if got := len(names); got != 4 || names[0] != "Summary" || names[1] != "Assignments" || names[2] != "Role settings" || names[3] != "Rejected" {
				t.Errorf("sheets %v, want Summary, Assignments, Role settings, Rejected", names)
			}
			var c bytes.Buffer
			if err := WriteCSV(&c, Assignments(tt.in), false); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tt.name+".csv", c.String())
		})
	}
}

// TestMigrationItemsFail: when the plan's items cannot be read to the end,
// no sheet is written as if they had been.
func TestMigrationItemsFail(t *testing.T) {
	p := testPlan(demoItems)
	broken := errors.New("plan.json changed while the report was written")
	in := MigrationInput{Plan: p, Items: func(fn func(*migrate.Item) error) error {
		for i := range 2 {
			if err := fn(&p.Items[i]); err != nil {
				return err
			}
		}
		return broken
	}}
	if err := WriteCSV(io.Discard, Assignments(in), false); err != broken {
		t.Errorf("CSV: err = %v, want %v", err, broken)
	}
	if err := WriteXLSX(io.Discard, Migration(in)); !errors.Is(err, broken) {
		t.Errorf("XLSX: err = %v, want %v", err, broken)
	}
	if _, err := OutcomeCounts(in, migrate.KindAssignment); err != broken {
		t.Errorf("OutcomeCounts: err = %v, want %v", err, broken)
	}
}

func TestOutcomeCounts(t *testing.T) {
	p := testPlan(demoItems)
	got, err := OutcomeCounts(MigrationInput{Plan: p, Run: demoRun(p)}, migrate.KindAssignment)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{LabelCreated: 2, LabelFailed: 1, LabelExists: 1, LabelDeclined: 1, LabelInFlight: 1,
		LabelRolledBack: 1, LabelPresent: 1, LabelSkipped: 2}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d", k, got[k], n)
		}
	}
	got, _ = OutcomeCounts(MigrationInput{Plan: p}, migrate.KindAssignment)
	if got[LabelWouldCreate] != 6 || got[LabelDeclined] != 1 || got[LabelPresent] != 1 || got[LabelSkipped] != 2 {
		t.Errorf("plan only: %v", got)
	}
}

// TestAssignmentsLikeTheReview: the Assignments sheet (and the CSV) lists
// items as the review screen does — by principal name, then role, whatever
// their keys — with the long Key last, and names an unknown role as the
// Summary and the audit do.
func TestAssignmentsLikeTheReview(t *testing.T) {
	items := []testItem{ // keys in plan order; names not
		{"00000000-0000-4000-8000-000000000001", "zoe Zimmer", "zoe@contoso.example", migrate.PrincipalUser, nil, secRole, "Security Administrator",
			migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionCreate, "eligible", nil, nil},
		{"00000000-0000-4000-8000-000000000001", "zoe Zimmer", "zoe@contoso.example", migrate.PrincipalUser, nil, gaRole, "Global Administrator",
			migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionCreate, "eligible", nil, nil},
		{"00000000-0000-4000-8000-000000000002", "", "", migrate.PrincipalUser, nil, gaRole, "Global Administrator",
			migrate.StateEligible, nil, migrate.KindEligibilityRequest, migrate.ActionSkip, migrate.ReasonPrincipalNotFound, nil, nil},
		{"00000000-0000-4000-8000-000000000003", "Adele Vance", "adele@contoso.example", migrate.PrincipalUser, nil, gone, "",
			migrate.StatePermanent, nil, migrate.KindRoleAssignment, migrate.ActionSkip, migrate.ReasonRoleNotFound, nil, nil},
		{"00000000-0000-4000-8000-000000000004", "Megan Bowen", "megan@contoso.example", migrate.PrincipalUser, nil, gaRole, "Global Administrator",
			migrate.StatePermanent, nil, migrate.KindRoleAssignment, migrate.ActionCreate, "permanent", nil, nil},
	}
	p := testPlan(items)
	var b bytes.Buffer
	if err := WriteCSV(&b, Assignments(MigrationInput{Plan: p}), false); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if head[len(head)-1] != "Key" {
		t.Errorf("the last column is %q, want Key", head[len(head)-1])
	}
	col := func(name string) int { return slices.Index(head, name) }
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[col("Principal")]+" | "+r[col("Role")])
	}
	want := []string{
		"Adele Vance | (unknown role " + gone + ")",
		"Megan Bowen | Global Administrator",
		"zoe Zimmer | Global Administrator",
		"zoe Zimmer | Security Administrator",
		" | Global Administrator", // not found in the tenant: last
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
}
