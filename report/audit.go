package report

import (
	"iter"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate/audit"
)

// AuditMeta is what the audit workbook's Summary says the audit was of.
type AuditMeta struct {
	Legacy, Digest, Plan, GraphURL, FailOn string
	MadeAt                                 time.Time
	Protect                                int
	ToolVersion                            string
}

func severityTone(s audit.Severity) Tone {
	switch s {
	case audit.High:
		return ToneBad
	case audit.Medium:
		return ToneWarn
	case audit.Low:
		return ToneInfo
	}
	return TonePlain
}

// Audit is the audit's workbook: Summary, then Findings.
func Audit(res *audit.Result, m AuditMeta) Workbook {
	var rows [][]Cell
	add := func(cells ...Cell) { rows = append(rows, cells) }
	heading := func(names ...string) {
		cells := make([]Cell, len(names))
		for i, n := range names {
			cells[i] = Text(n).WithTone(ToneHeading)
			if n == "Findings" && i > 0 { // over counts
				cells[i] = cells[i].Right()
			}
		}
		add(cells...)
	}
	field := func(name string, v Cell) { add(Text(name), v) }

	heading("Audit report", "")
	field("Tenant", Text(res.TenantID))
	field("Graph URL", Text(m.GraphURL))
	field("Legacy snapshot", Text(m.Legacy))
	field("Legacy snapshot digest", Text(m.Digest))
	if m.Plan != "" {
		field("Plan", Text(m.Plan))
	}
	field("As of (UTC)", Date(res.AsOf))
	field("Report made at (UTC)", Date(m.MadeAt))
	field("Tool version", Text("pimmigrate "+m.ToolVersion))
	field("Protected principals", Int(m.Protect))
	if m.FailOn != "" {
		field("Fail on", Text(m.FailOn))
	}
	field("Findings", Int(res.Summary.Findings))

	add()
	heading("Severity", "Findings")
	for s := audit.High; s >= audit.Info; s-- {
		add(Text(s.String()).WithTone(severityTone(s)), Int(res.Summary.BySeverity.Of(s)))
	}

	add()
	heading("Check", "Findings", "Severity", "Title", "What it counts")
	for _, c := range audit.Checks() {
		add(Text(c.ID), Int(res.Summary.ByCheck[c.ID]), Text(c.Severity.String()).WithTone(severityTone(c.Severity)),
			Text(c.Title), Text(c.Counts))
	}
	summary := Sheet{Name: "Summary", Rows: RowsOf(rows),
		Columns: []Column{{Width: 26}, {Width: 44}, {Width: 10}, {Width: 40, Wrap: true}, {Width: 80, Wrap: true}}}
	sheets := []Sheet{summary, AuditFindings(res)}
	if res.RoleSettings != nil {
		sheets = append(sheets, auditRoleSettings(res.RoleSettings))
	}
	return Workbook{Sheets: sheets}
}

// auditRoleSettings is the activation controls of the highly privileged
// roles and of the roles with legacy settings, as the tenant's policies
// hold them: what the ScubaGear checks and weaker-than-legacy looked at.
func auditRoleSettings(ss []audit.RoleSetting) Sheet {
	yesNo := func(b bool) Cell {
		if b {
			return Text("yes")
		}
		return Text("no")
	}
	var rows [][]Cell
	for _, s := range ss {
		weaker := Text(strings.Join(s.Weaker, ", "))
		if len(s.Weaker) > 0 {
			weaker = weaker.WithTone(ToneBad)
		}
		rows = append(rows, []Cell{Text(s.Role.DisplayName), Text(s.Role.ID), yesNo(s.HighlyPrivileged),
			yesNo(s.Approval), yesNo(s.MFA), yesNo(s.Justification), Text(s.MaxActivation),
			Text(strings.Join(s.AssignmentAlerts, ", ")), Text(strings.Join(s.ActivationAlerts, ", ")), weaker, Text(s.PolicyID)})
	}
	return Sheet{Name: "Role settings", AutoFilter: true, Rows: RowsOf(rows), Columns: []Column{
		{Header: "Role"}, {Header: "Role ID", Width: 38}, {Header: "Highly privileged (ScubaGear)", Width: 12},
		{Header: "Approval to activate", Width: 12}, {Header: "MFA to activate", Width: 12}, {Header: "Justification to activate", Width: 12},
		{Header: "Longest activation", Width: 12}, {Header: "Assignment alert recipients", Width: 30, Wrap: true},
		{Header: "Activation alert recipients", Width: 30, Wrap: true}, {Header: "Weaker than legacy", Width: 30, Wrap: true},
		{Header: "Policy ID", Width: 40}}}
}

var findingColumns = []Column{
	{Header: "Severity", Width: 10},
	{Header: "Check", Width: 24},
	{Header: "Principal"},
	{Header: "User principal name"},
	{Header: "Principal type", Width: 16},
	{Header: "Principal ID", Width: 38},
	{Header: "Role"},
	{Header: "Role ID", Width: 38},
	{Header: "Privileged role", Width: 10},
	{Header: "Scope"},
	{Header: "Grant", Width: 10},
	{Header: "Object ID", Width: 38},
	{Header: "Ends (UTC)", Width: 21},
	{Header: "Detail", Width: 80, Wrap: true},
	{Header: "Legacy source"},
}

// AuditFindings has one row per finding, in the audit's order. The CSV is
// this sheet.
func AuditFindings(res *audit.Result) Sheet {
	return Sheet{Name: "Findings", Columns: findingColumns, AutoFilter: true, Rows: findingRows(res.Findings)}
}

func findingRows(fs []audit.Finding) iter.Seq[[]Cell] {
	return func(yield func([]Cell) bool) {
		row := make([]Cell, 0, len(findingColumns))
		for i := range fs {
			f := &fs[i]
			var ends time.Time
			if f.EndDateTime != nil {
				ends = *f.EndDateTime
			}
			privileged := ""
			if f.Role.ID != "" {
				privileged = "no"
				if f.Role.Privileged {
					privileged = "yes"
				}
			}
			row = append(row[:0],
				Text(f.Severity.String()).WithTone(severityTone(f.Severity)),
				Text(f.Check),
				Text(f.Principal.DisplayName),
				Text(f.Principal.UserPrincipalName),
				Text(string(f.Principal.Type)),
				Text(f.Principal.ID),
				Text(RoleName(f.Role.DisplayName, f.Role.ID)),
				Text(f.Role.ID),
				Text(privileged),
				Text(f.Scope),
				Text(string(f.Grant)),
				Text(f.ObjectID),
				Date(ends),
				Text(f.Detail),
				Text(f.LegacySource),
			)
			if !yield(row) {
				return
			}
		}
	}
}
