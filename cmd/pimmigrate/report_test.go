package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
	"github.com/pimmigrate/pimmigrate/report"
	"github.com/pimmigrate/pimmigrate/report/reporttest"
)

// reportPlan exports the demo tenant from graphsim and plans it online on
// the fixed test clock: the same plan every run, but for the server's URL
// (and so the digests).
func reportPlan(t *testing.T) (p *migrate.Plan, dir, planFile string, scrub *strings.Replacer) {
	t.Helper()
	_, url := startDemoSim(t, graphsim.Options{})
	env := map[string]string{tokenEnv: liveToken}
	dir = t.TempDir()
	legacy := filepath.Join(dir, "legacy.json")
	if r := runCLIEnv(t, env, "--graph-url", url, "--auth", "token", "export", "--source", "beta", "--out", legacy); r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	p, _ = planOnline(t, url, dir, legacy, env)
	scrub = strings.NewReplacer(dir+string(filepath.Separator), "", url, "$GRAPH_URL", p.Digest, "$PLAN_DIGEST", p.LegacyDigest, "$LEGACY_DIGEST")
	return p, dir, filepath.Join(dir, "plan.json"), scrub
}

// handJournal writes a journal for p the way apply would, by hand and on a
// fixed clock: of the create items, some created, failed, found existing,
// in flight, rolled back by a later rollback run, and the last few never
// reached.
func handJournal(t *testing.T, path string, p *migrate.Plan) {
	t.Helper()
	j, err := apply.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	start := testNow.Add(time.Hour)
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	header := func(run string, s int) apply.Line {
		return apply.Line{Type: apply.LineHeader, At: at(s), Schema: apply.JournalSchema, PlanDigest: p.Digest, TenantID: p.TenantID, GraphURL: p.GraphURL, Run: run}
	}
	lines := []apply.Line{header("apply", 0)}
	var creates []*migrate.Item
	for i := range p.Items {
		if p.Items[i].Action == migrate.ActionCreate {
			creates = append(creates, &p.Items[i])
		}
	}
	var deleted []apply.Line
	for i, it := range creates[:len(creates)-5] {
		tg := it.Target
		l := apply.Line{Type: apply.LineOutcome, At: at(i + 1), Key: it.Key, Op: "create", Target: &tg, Attempt: 1,
			Status: 201, RequestID: fmt.Sprintf("req-%03d", i)}
		lines = append(lines, apply.Line{Type: apply.LineIntent, At: at(i + 1), Key: it.Key, Op: "create", Target: &tg, Attempt: 1})
		switch i % 10 {
		case 3:
			l.Outcome, l.Status, l.Code, l.Message = apply.OutcomeFailed, 400, "RoleAssignmentRequestPolicyValidationFailed", `The following policy rules failed: ["ExpirationRule"]`
		case 5:
			l.Outcome, l.Status, l.RequestID, l.Attempt, l.Code, l.Message = apply.OutcomeExists, 0, "", 0, "AlreadyPresent", "already in the tenant when apply started"
		case 7:
			continue // in flight: the intent has no outcome
		default:
			l.Outcome, l.ObjectID = apply.OutcomeCreated, fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
			if tg.Kind != migrate.KindRoleAssignment {
				l.TargetScheduleID = fmt.Sprintf("11111111-0000-4000-8000-%012d", i)
			}
			if i%10 == 9 {
				deleted = append(deleted, apply.Line{Type: apply.LineOutcome, Key: it.Key, Op: "delete", Target: &tg, Attempt: 1,
					Outcome: apply.OutcomeDeleted, Status: 204, RequestID: fmt.Sprintf("del-%03d", i)})
			}
		}
		lines = append(lines, l)
	}
	lines = append(lines, header("rollback", 500))
	for i := range deleted {
		deleted[i].At = at(501 + i)
	}
	if err := j.Append(append(lines, deleted...)...); err != nil {
		t.Fatal(err)
	}
}

// TestReport writes the demo plan's report on its own and with a journal,
// and goldens every sheet of the XLSX (reopened, as TSV) and the CSV.
func TestReport(t *testing.T) {
	p, dir, plan, scrub := reportPlan(t)
	journal := filepath.Join(dir, "run.jsonl")
	handJournal(t, journal, p)
	tests := []struct {
		name      string
		args      []string
		outcomes  map[string]int
		wantLines []string
	}{
		{"plan-only", nil,
			map[string]int{report.LabelWouldCreate: 112, report.LabelPresent: 10, report.LabelSkipped: 21},
			[]string{"Wrote plan-only.xlsx: 143 assignments (112 would create, 21 skipped, 10 already present), 2 rejected records.", "Wrote plan-only.csv: 143 assignments."}},
		{"journal", []string{"--journal", journal},
			map[string]int{report.LabelCreated: 65, report.LabelFailed: 11, report.LabelExists: 11, report.LabelInFlight: 10, report.LabelRolledBack: 10,
				report.LabelNotSent: 5, report.LabelPresent: 10, report.LabelSkipped: 21},
			[]string{"Wrote journal.xlsx: 143 assignments (65 created, 21 skipped, 11 exists, 11 failed, 10 already present, 10 in flight, 10 rolled back, 5 not sent), 2 rejected records.", "Wrote journal.csv: 143 assignments."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xlsx, csv := filepath.Join(dir, tt.name+".xlsx"), filepath.Join(dir, tt.name+".csv")
			r := runCLI(t, append([]string{"report", "--plan", plan, "--xlsx", xlsx, "--csv", csv}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if got := scrub.Replace(r.stdout); got != strings.Join(tt.wantLines, "\n")+"\n" {
				t.Errorf("stdout:\n%s", got)
			}
			sheets, err := reporttest.DumpXLSXFile(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sheets {
				golden(t, tt.name+"."+s.Name, scrub.Replace(s.TSV))
			}
			b, err := os.ReadFile(csv)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".csv", string(b))

			r = runCLI(t, append([]string{"--output", "json", "report", "--plan", plan, "--csv", csv + "2", "--csv-bom"}, tt.args...)...)
			var res reportResult
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
				t.Fatalf("--output json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
			}
			if fmt.Sprint(res.Outcomes) != fmt.Sprint(tt.outcomes) || res.Items != 143 || res.Rejected != 2 || res.XLSX != "" || res.CSV != csv+"2" {
				t.Errorf("json %+v, want outcomes %v", res, tt.outcomes)
			}
			b2, _ := os.ReadFile(csv + "2")
			if string(b2) != "\ufeff"+string(b) {
				t.Errorf("--csv-bom: the CSV is not the same with a BOM in front")
			}
		})
	}
}

// TestReportAfterApply applies the demo plan to graphsim for real, reports
// the journal, rolls back and reports again.
func TestReportAfterApply(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	journal := filepath.Join(d.dir, "run.jsonl")
	d.mustRun(t, session{}, "apply", d.plan, "--yes", "--journal", journal)

	check := func(label string, n int) {
		t.Helper()
		xlsx := filepath.Join(d.dir, "report.xlsx")
		r := d.mustRun(t, session{}, "--output", "json", "report", "--plan", d.plan, "--journal", journal, "--xlsx", xlsx)
		var res reportResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{label: n, report.LabelPresent: 10, report.LabelSkipped: 21}
		if fmt.Sprint(res.Outcomes) != fmt.Sprint(want) {
			t.Errorf("outcomes %v, want %v", res.Outcomes, want)
		}
		sheets, err := reporttest.DumpXLSXFile(xlsx)
		if err != nil {
			t.Fatal(err)
		}
		rows := strings.Split(strings.TrimSuffix(sheets[1].TSV, "\n"), "\n")
		if len(rows) != 144 {
			t.Fatalf("%d rows in Assignments, want 144", len(rows))
		}
		for _, row := range rows[1:] {
			c := strings.Split(row, "\t")
			if c[12] != "create" {
				continue
			}
			// Outcome, new object id, HTTP status, time.
			if len(c) < 24 || c[15] != label || c[16] == "" || c[18] == "" || !strings.HasPrefix(c[23], "2026-") {
				t.Errorf("create item row: %q", c)
				break
			}
		}
		if !strings.Contains(sheets[0].TSV, "Apply runs\t1\n") {
			t.Errorf("Summary:\n%s", sheets[0].TSV)
		}
	}
	check(report.LabelCreated, 112)
	d.mustRun(t, session{}, "rollback", "--journal", journal, "--yes")
	check(report.LabelRolledBack, 112)
}

func TestReportUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no plan", []string{"report", "--xlsx", "r.xlsx"}, "--plan is required"},
		{"nothing to write", []string{"report", "--plan", "plan.json"}, "give --xlsx FILE, --csv FILE, --settings-csv FILE, or several"},
		{"same file", []string{"report", "--plan", "plan.json", "--xlsx", "r.out", "--csv", "./r.out"}, "name the same file"},
		{"stray argument", []string{"report", "--plan", "plan.json", "--csv", "r.csv", "extra"}, "unknown command"},
		{"unknown flag", []string{"report", "--plan", "plan.json", "--pdf", "r.pdf"}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestReportRefuses checks that a report is never made from an edited plan
// or another plan's journal, and that a refusal leaves no file behind and
// an earlier report as it was.
func TestReportRefuses(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.json")
	if r := runCLI(t, "export", "--source", writeFile(t, dir, "page.json", page), "--out", legacy); r.code != 0 {
		t.Fatal(r.stderr)
	}
	plan := filepath.Join(dir, "plan.json")
	if r := runCLI(t, "plan", "--offline", "--legacy", legacy, "--out", plan, "--as-of", fixtures.AsOf); r.code != 0 {
		t.Fatal(r.stderr)
	}
	p, err := migrate.ReadPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(plan)
	edited := writeFile(t, dir, "edited.json", strings.Replace(string(b), `"action":"skip"`, `"action":"create"`, 1))
	foreign := filepath.Join(dir, "foreign.jsonl")
	j, err := apply.OpenJournal(foreign)
	if err != nil {
		t.Fatal(err)
	}
	other := "sha256:" + strings.Repeat("0", 64)
	j.Append(apply.Line{Type: apply.LineHeader, At: testNow, Schema: apply.JournalSchema, PlanDigest: other, TenantID: p.TenantID, Run: "apply"})
	j.Close()
	empty := writeFile(t, dir, "empty.jsonl", "")
	garbage := writeFile(t, dir, "garbage.jsonl", "not json\n")
	previous := writeFile(t, dir, "report.xlsx", "the report of last week")

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"edited plan", []string{"--plan", edited}, []string{"digest mismatch", "pimmigrate plan"}},
		{"missing plan", []string{"--plan", filepath.Join(dir, "nope.json")}, []string{"nope.json"}},
		{"foreign journal", []string{"--plan", plan, "--journal", foreign}, []string{"foreign.jsonl", "another plan", other, "plan.json has digest " + p.Digest, "journal of this plan"}},
		{"empty journal", []string{"--plan", plan, "--journal", empty}, []string{"empty.jsonl", "no header line"}},
		{"not a journal", []string{"--plan", plan, "--journal", garbage}, []string{"garbage.jsonl:1"}},
		{"missing journal", []string{"--plan", plan, "--journal", filepath.Join(dir, "nope.jsonl")}, []string{"nope.jsonl"}},
		{"no such directory", []string{"--plan", plan, "--csv", filepath.Join(dir, "nodir", "r.csv")}, []string{"nodir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"report", "--xlsx", previous, "--csv", filepath.Join(dir, "report.csv")}, tt.args...)
			if tt.name == "no such directory" {
				args = append([]string{"report"}, tt.args...)
			}
			r := runCLI(t, args...)
			if r.code != exitError {
				t.Fatalf("exit %d, want %d\n%s", r.code, exitError, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
	if b, _ := os.ReadFile(previous); string(b) != "the report of last week" {
		t.Errorf("a refused report replaced the earlier one")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); n == "report.csv" || strings.Contains(n, ".tmp-") {
			t.Errorf("left behind: %s", n)
		}
	}
}
