package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/audit"
	"github.com/pimmigrate/pimmigrate/report"
)

type auditOptions struct {
	legacy  string
	plan    string
	xlsx    string
	csv     string
	bom     bool
	failOn  string
	protect string
	asOf    string
}

func newAuditCmd(a *app) *cobra.Command {
	o := &auditOptions{}
	var checks strings.Builder
	for _, c := range audit.Checks() {
		fmt.Fprintf(&checks, "  %-6s  %-22s  %s\n", c.Severity, c.ID, c.Title)
	}
	cmd := &cobra.Command{
		Use:   "audit --legacy legacy.json [--plan plan.json] [--xlsx FILE] [--csv FILE] [--fail-on high|medium|low]",
		Short: "Check the tenant's unified role management against legacy.json and good practice",
		Long: `Audit reads the tenant's unified role management state (role definitions, role
assignments, eligibility and assignment schedules, and their principals) and
compares it with the legacy PIM assignments in legacy.json. It changes nothing:
it needs only RoleManagement.Read.Directory and Directory.Read.All.

Checks (severity, id, what):
` + checks.String() + `
Legacy records are judged at --as-of (default: now): an expired one is not
expected in the tenant. Roles match by template id or directory-specific id,
GUIDs in any case. Principals in --protect (break-glass accounts) are listed
with what they hold and exempt from legacy-missing, legacy-narrowed and
standing-not-in-legacy;
an entry that names no principal of the tenant (a typo) is an error.

A live legacy grant with no unified grant is legacy-missing (high) only when
access is missing: a grant of a deleted principal or role is legacy-gone
(info), one the tenant cannot hold as legacy did needs a decision (medium),
one of a disabled role is skipped (low). --plan plan.json (the plan made from
--legacy) accounts for every grant the plan skipped, by the plan's reason.

Findings are sorted by severity, check, principal and role. --xlsx writes a
workbook with a Summary sheet (what each check counts, counts by severity and
check) and a Findings sheet; --csv writes the Findings sheet. Both are written
atomically. Without either, the findings are printed.

Exit code: 0; with --fail-on SEVERITY, 3 when any finding is at or above that
severity (high > medium > low), after the files are written; 1 on an error
(a 403 names the read permissions above); 2 on a usage error.`,
		Example: `  pimmigrate audit --legacy legacy.json --xlsx audit.xlsx --csv audit.csv
  pimmigrate audit --legacy legacy.json --plan plan.json --protect breakglass.txt --fail-on high
  pimmigrate --graph-url http://127.0.0.1:8080 --auth token audit --legacy legacy.json --as-of 2026-11-22T12:00:00Z`,
		RunE: func(cmd *cobra.Command, args []string) error { return runAudit(cmd.Context(), a, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.legacy, "legacy", "", "legacy.json written by export")
	f.StringVar(&o.plan, "plan", "", "the plan made from --legacy: grants it skipped are judged by its reason")
	f.StringVar(&o.xlsx, "xlsx", "", "write the findings and a summary to this XLSX workbook")
	f.StringVar(&o.csv, "csv", "", "write the findings to this CSV file")
	f.BoolVar(&o.bom, "csv-bom", false, "start the CSV with a UTF-8 byte order mark, for Excel on Windows")
	f.StringVar(&o.failOn, "fail-on", "", "exit 3 when a finding is at or above this severity: high|medium|low")
	f.StringVar(&o.protect, "protect", "", "file of break-glass principals (object ids or UPNs, one a line) to list with what they hold")
	f.StringVar(&o.asOf, "as-of", "", "judge expiries at this RFC 3339 time (default: now)")
	return cmd
}

type auditResult struct {
	Command  string          `json:"command"`
	TenantID string          `json:"tenantId"`
	AsOf     time.Time       `json:"asOf"`
	Legacy   string          `json:"legacy"`
	Plan     string          `json:"plan,omitempty"`
	XLSX     string          `json:"xlsx,omitempty"`
	CSV      string          `json:"csv,omitempty"`
	Line     string          `json:"line"`
	FailOn   string          `json:"failOn,omitempty"`
	Failing  int             `json:"failing"`
	Summary  audit.Summary   `json:"summary"`
	Findings []audit.Finding `json:"findings"`
}

func runAudit(ctx context.Context, a *app, o *auditOptions) error {
	if o.legacy == "" {
		return usagef("audit: --legacy is required (legacy.json written by `pimmigrate export`)")
	}
	failOn := audit.Severity(-1)
	if o.failOn != "" {
		s, err := audit.ParseSeverity(o.failOn)
		if err != nil || s == audit.Info {
			return usagef("audit: --fail-on %q: want high, medium or low", o.failOn)
		}
		failOn = s
	}
	if err := distinctOutputs("audit", []namedFile{{"--xlsx", o.xlsx}, {"--csv", o.csv}},
		[]namedFile{{"--legacy", o.legacy}, {"--plan", o.plan}, {"--protect", o.protect}}); err != nil {
		return err
	}
	now := a.now().UTC()
	asOf := now
	if o.asOf != "" {
		var err error
		if asOf, err = time.Parse(time.RFC3339, o.asOf); err != nil {
			return usagef("audit: --as-of %q is not an RFC 3339 time such as 2026-11-22T12:00:00Z", o.asOf)
		}
	}
	protect, err := readProtect(o.protect)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	legacy, digest, err := migrate.ReadLegacyFile(o.legacy)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	planned, planTenant, err := readPlanned(o.plan, o.legacy, digest)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	tenant, err := readTenant(ctx, a, legacy, protect, tenantRead{audit: true, policies: true})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if o.plan != "" && !strings.EqualFold(planTenant, tenant.TenantID) {
		return fmt.Errorf("audit: --plan %s is for tenant %s, but you are signed in to tenant %s; sign in to %s (--tenant-id %s)", o.plan, planTenant, tenant.TenantID, planTenant, planTenant)
	}
	res, err := audit.Run(audit.Input{Legacy: legacy, Tenant: tenant, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf,
		Protect: protect.Values(), Plan: planned})
	if err != nil {
		return err
	}

	meta := report.AuditMeta{Legacy: o.legacy, Digest: digest, Plan: o.plan, GraphURL: a.global.graphURL, MadeAt: now, Protect: len(protect), FailOn: o.failOn, ToolVersion: version()}
	if o.xlsx != "" {
		wb := report.Audit(res, meta)
		if err := migrate.WriteFileAtomic(o.xlsx, func(w io.Writer) error { return report.WriteXLSX(w, wb) }); err != nil {
			return fmt.Errorf("audit: --xlsx: %w", err)
		}
	}
	if o.csv != "" {
		if err := migrate.WriteFileAtomic(o.csv, func(w io.Writer) error { return report.WriteCSV(w, report.AuditFindings(res), o.bom) }); err != nil {
			return fmt.Errorf("audit: --csv: %w", err)
		}
	}

	failing := 0
	if failOn >= 0 {
		failing = res.Summary.AtOrAbove(failOn)
	}
	if a.jsonOutput() {
		if err := a.printJSON(auditResult{"audit", res.TenantID, res.AsOf, o.legacy, o.plan, o.xlsx, o.csv, res.Summary.Line(), o.failOn, failing, res.Summary, res.Findings}); err != nil {
			return err
		}
	} else {
		fmt.Fprint(a.stdout, res.Summary.Text())
		if o.xlsx == "" && o.csv == "" {
			printFindings(a.stdout, res.Findings)
		}
		if o.xlsx != "" {
			sheets := "Summary and Findings sheets"
			if res.RoleSettings != nil {
				sheets = "Summary, Findings and Role settings sheets"
			}
			fmt.Fprintf(a.stdout, "Wrote %s (%s).\n", migrate.Printable(o.xlsx), sheets)
		}
		if o.csv != "" {
			fmt.Fprintf(a.stdout, "Wrote %s.\n", migrate.Printable(o.csv))
		}
	}
	if failing > 0 {
		return exitCodeError{exitFailedItems, fmt.Errorf("audit: %s at or above %s (--fail-on %s)", migrate.Plural(failing, "finding", "findings"), failOn, o.failOn)}
	}
	return nil
}

// printFindings lists the findings, one a line, when no file is written.
func printFindings(w io.Writer, fs []audit.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintln(w, "Findings:")
	for _, f := range fs {
		var what []string
		if who := principalLabel(f.Principal); who != "" {
			what = append(what, who)
		}
		if role := report.RoleName(f.Role.DisplayName, f.Role.ID); role != "" {
			what = append(what, role)
		}
		if f.Scope != "" {
			what = append(what, f.Scope)
		}
		line := fmt.Sprintf("  %-6s  %-22s  ", f.Severity, f.Check)
		if len(what) > 0 {
			line += strings.Join(what, " | ") + ": "
		}
		line += f.Detail
		if f.LegacySource != "" {
			line += " [" + f.LegacySource + "]"
		}
		fmt.Fprintln(w, migrate.Printable(line))
	}
	fmt.Fprintln(w, "Write them to a spreadsheet with --xlsx FILE or --csv FILE.")
}

func principalLabel(p audit.Principal) string {
	switch {
	case p.UserPrincipalName != "":
		return p.UserPrincipalName
	case p.DisplayName != "":
		return p.DisplayName
	}
	return p.ID
}

// readPlanned reads what the plan at path (none: "") made of each legacy
// principal and role, and the items it added (audit.PlannedOf). It must be
// the plan made from the legacy snapshot with digest legacyDigest. It
// returns the plan's tenant too.
func readPlanned(path, legacyPath, legacyDigest string) ([]audit.Planned, string, error) {
	if path == "" {
		return nil, "", nil
	}
	var out []audit.Planned
	p, err := migrate.ScanPlanFile(path, func(it *migrate.Item) error {
		if pl, ok := audit.PlannedOf(it); ok {
			out = append(out, pl)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("--plan: %w", err)
	}
	if p.LegacyDigest != legacyDigest {
		return nil, "", fmt.Errorf("--plan %s was made from another legacy snapshot (digest %s), not from %s (digest %s); pass the plan made from --legacy, or leave --plan out", path, p.LegacyDigest, legacyPath, legacyDigest)
	}
	return out, p.TenantID, nil
}
