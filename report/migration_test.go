package report

import (
	"bytes"
	"testing"

	"github.com/pimmigrate/pimmigrate/report/reporttest"
)

// TestMigration writes the migration report of a small plan, on its own and
// with a journal's outcomes, reopens the XLSX and goldens every sheet, and
// goldens the CSV.
func TestMigration(t *testing.T) {
	p := testPlan(demoItems)
	tests := []struct {
		name string
		in   MigrationInput
	}{
		{"plan-only", MigrationInput{Plan: p, PlanFile: "plan.json", ToolVersion: "v1.2.3", MadeAt: madeAt}},
		{"applied", MigrationInput{Plan: p, PlanFile: "plan.json", Run: demoRun(p), ToolVersion: "v1.2.3", MadeAt: madeAt}},
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
				reporttest.Golden(t, tt.name+"."+s.Name, s.TSV, *update)
			}
			if got := len(names); got != 3 || names[0] != "Summary" || names[1] != "Assignments" || names[2] != "Rejected" {
				t.Errorf("sheets %v, want Summary, Assignments, Rejected", names)
			}
			var c bytes.Buffer
			if err := WriteCSV(&c, Assignments(tt.in), false); err != nil {
				t.Fatal(err)
			}
			reporttest.Golden(t, tt.name+".csv", c.String(), *update)
		})
	}
}

func TestOutcomeCounts(t *testing.T) {
	p := testPlan(demoItems)
	got, err := OutcomeCounts(MigrationInput{Plan: p, Run: demoRun(p)})
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
	got, _ = OutcomeCounts(MigrationInput{Plan: p})
	if got[LabelWouldCreate] != 6 || got[LabelDeclined] != 1 || got[LabelPresent] != 1 || got[LabelSkipped] != 2 {
		t.Errorf("plan only: %v", got)
	}
}
