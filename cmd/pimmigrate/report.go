package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
	"github.com/pimmigrate/pimmigrate/report"
)

type reportOptions struct {
	plan        string
	journal     string
	xlsx        string
	csv         string
	settingsCSV string
	bom         bool
}

func newReportCmd(a *app) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report --plan plan.json [--journal run.jsonl] [--xlsx FILE] [--csv FILE]",
		Short: "Write the migration report for compliance: XLSX and CSV",
		Long: `Report writes what the migration did, one row per plan item, for the people who
sign it off. Without --journal it shows the plan: what apply would create,
what is already present and what is skipped, and why. With the journal apply
wrote, it shows what happened to each item: created (with the new object's
id), already there, failed (with Graph's status, code, message and request id),
rolled back, or not sent.

The XLSX has three sheets: Summary (tenant, plan, run times and counts by
action, outcome, legacy state and role, with a chart of outcomes by role),
Assignments (every plan item) and Rejected (every input record export could
not use). The CSV holds the Assignments sheet. Files are written whole or
not at all.

Text that a spreadsheet would run as a formula (it begins with = + - @, tab
or CR: a display name is anyone's to choose) stays text: quote-prefixed in
the XLSX, behind a leading apostrophe in the CSV.`,
		Example: `  pimmigrate report --plan plan.json --xlsx plan-review.xlsx
  pimmigrate report --plan plan.json --journal run.jsonl --xlsx report.xlsx --csv report.csv
  pimmigrate report --plan plan.json --journal run.jsonl --csv report.csv --csv-bom --output json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runReport(a, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.plan, "plan", "", "plan.json written by plan (and review)")
	f.StringVar(&o.journal, "journal", "", "the journal apply wrote for this plan (default: report the plan alone)")
	f.StringVar(&o.xlsx, "xlsx", "", "write the workbook here")
	f.StringVar(&o.csv, "csv", "", "write the Assignments sheet here as CSV")
	f.StringVar(&o.settingsCSV, "settings-csv", "", "write the Role settings sheet here as CSV")
	f.BoolVar(&o.bom, "csv-bom", false, "start the CSV with a UTF-8 byte order mark, for Excel on Windows")
	return cmd
}

// reportResult is the --output json summary of report.
type reportResult struct {
	Command  string         `json:"command"`
	Line     string         `json:"line"`
	Plan     string         `json:"plan"`
	Journal  string         `json:"journal,omitempty"`
	XLSX     string         `json:"xlsx,omitempty"`
	CSV      string         `json:"csv,omitempty"`
	Items    int            `json:"items"`
	Rejected int            `json:"rejected"`
	Outcomes map[string]int `json:"outcomes"`
	// Role settings: their CSV, count and outcomes.
	SettingsCSV      string         `json:"settingsCsv,omitempty"`
	RoleSettings     int            `json:"roleSettings"`
	SettingsOutcomes map[string]int `json:"settingsOutcomes"`
}

func runReport(a *app, o *reportOptions) error {
	if o.plan == "" {
		return usagef("report: --plan is required (the plan.json to report on)")
	}
	if o.xlsx == "" && o.csv == "" && o.settingsCSV == "" {
		return usagef("report: nothing to write: give --xlsx FILE, --csv FILE, --settings-csv FILE, or several")
	}
	if err := distinctOutputs("report", []namedFile{{"--xlsx", o.xlsx}, {"--csv", o.csv}, {"--settings-csv", o.settingsCSV}},
		[]namedFile{{"--plan", o.plan}, {"--journal", o.journal}}); err != nil {
		return err
	}
	// The plan is verified here, then read again for each pass over its
	// items: a report of a plan of any size holds one item at a time.
	p, err := migrate.ScanPlanFile(o.plan, func(*migrate.Item) error { return nil })
	if err != nil {
		return planError("report", o.plan, err)
	}
	in := report.MigrationInput{Plan: p, Items: report.PlanFileItems(o.plan, p.Digest), PlanFile: o.plan, ToolVersion: version(), MadeAt: a.now().UTC()}
	if o.journal != "" {
		if in.Run, err = readRun(o.journal, o.plan, p); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	items := p.Summary.Items - p.Summary.RoleSettings
	res := reportResult{Command: "report", Plan: o.plan, Journal: o.journal, Items: items, Rejected: len(p.Rejected), RoleSettings: p.Summary.RoleSettings}
	if res.Outcomes, err = report.OutcomeCounts(in, migrate.KindAssignment); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if res.SettingsOutcomes, err = report.OutcomeCounts(in, migrate.KindRoleSetting); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var lines []string
	if o.xlsx != "" {
		if err := migrate.WriteFileAtomic(o.xlsx, func(w io.Writer) error { return report.WriteXLSX(w, report.Migration(in)) }); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		res.XLSX = o.xlsx
		lines = append(lines, fmt.Sprintf("Wrote %s: %d assignments (%s), %d rejected records.", o.xlsx, items, outcomeText(res.Outcomes), len(p.Rejected)))
	}
	if o.csv != "" {
		if err := migrate.WriteFileAtomic(o.csv, func(w io.Writer) error { return report.WriteCSV(w, report.Assignments(in), o.bom) }); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		res.CSV = o.csv
		lines = append(lines, fmt.Sprintf("Wrote %s: %d assignments.", o.csv, items))
	}
	if o.settingsCSV != "" {
		if err := migrate.WriteFileAtomic(o.settingsCSV, func(w io.Writer) error { return report.WriteCSV(w, report.RoleSettings(in), o.bom) }); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		res.SettingsCSV = o.settingsCSV
		lines = append(lines, fmt.Sprintf("Wrote %s: %d role settings.", o.settingsCSV, p.Summary.RoleSettings))
	}
	res.Line = strings.Join(lines, " ")
	if a.jsonOutput() {
		return a.printJSON(res)
	}
	for _, l := range lines {
		fmt.Fprintln(a.stdout, migrate.Printable(l))
	}
	return nil
}

// readRun reads the journal apply wrote for p and turns each item's state
// into the report's Outcome. A journal of another plan is refused: its
// outcomes would be reported against the wrong items.
func readRun(path, planFile string, p *migrate.Plan) (*report.Run, error) {
	j, err := apply.ReadJournal(path)
	if err != nil {
		return nil, err
	}
	if len(j.Headers()) == 0 {
		return nil, fmt.Errorf("%s has no header line: it is empty or not a journal pimmigrate apply wrote; pass the --journal apply wrote, or leave --journal out to report the plan alone", path)
	}
	run := &report.Run{Journal: path, Items: map[string]report.Outcome{}}
	for _, h := range j.Headers() {
		if h.PlanDigest != p.Digest {
			hint := "report with the plan that journal was applied from, or with the journal of this plan"
			if h.Plan != "" {
				if applied, _, err := findAppliedPlan(path, &h); err == nil {
					hint = fmt.Sprintf("that journal applied %s: pimmigrate report --plan %s --journal %s", applied, applied, path)
				}
			}
			return nil, fmt.Errorf("%s: %w: it records runs of the plan with digest %s (tenant %s), but %s has digest %s; %s", path, apply.ErrForeignJournal, h.PlanDigest, h.TenantID, planFile, p.Digest, hint)
		}
		switch h.Run {
		case "apply":
			run.ApplyRuns++
			if run.Started.IsZero() {
				run.Started = h.At
			}
		case "rollback":
			run.RollbackRuns++
		}
		if h.At.After(run.Finished) {
			run.Finished = h.At
		}
	}
	for _, key := range j.Keys() {
		st := j.State(key)
		o := report.Outcome{
			Outcome: st.Outcome, InFlight: st.PendingOp != "", ObjectID: st.ObjectID, TargetScheduleID: st.TargetScheduleID,
			Status: st.Last.Status, Code: st.Last.Code, Message: st.Last.Message, RequestID: st.Last.RequestID,
			Attempts: st.Attempts, At: st.Last.At,
		}
		run.Items[key] = o
		if o.At.After(run.Finished) {
			run.Finished = o.At
		}
	}
	return run, nil
}

// outcomeText is the outcome counts for one line: "112 created, 31 skipped".
func outcomeText(n map[string]int) string {
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if n[keys[i]] != n[keys[j]] {
			return n[keys[i]] > n[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", n[k], k)
	}
	return strings.Join(parts, ", ")
}
