package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
	"github.com/pimmigrate/pimmigrate/migrate/snapshot"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// sourceBeta is the --source value that reads the live legacy API.
const sourceBeta = "beta"

type exportOptions struct {
	sources []string
	out     string
}

func newExportCmd(a *app) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export --source FILE [--source FILE ...] --out legacy.json",
		Short: "Read legacy PIM assignments and role settings (the live beta API or snapshot files) into legacy.json",
		Long: `Export reads legacy PIM role assignments and role settings and writes
them, checked and normalised, to legacy.json.

Sources are snapshot files in any format admins kept them in — Graph
collection pages, JSON arrays, JSON Lines, iteration-1 CSV, iteration-2
governanceRoleAssignment JSON and Windows PowerShell Export-Csv files, and
role settings (privilegedRoleSettings, privilegedRoles with their settings,
governanceRoleSetting) as pages, arrays or JSON Lines — told apart by their
content. Every record ends up in legacy.json, as an assignment, as role
settings or as a rejected record with its reason. A file that is not a
snapshot at all stops the export and legacy.json is not written.`,
		Example: `  pimmigrate export --source page-1.json --source page-2.json --out legacy.json
  pimmigrate export --source roles.csv --out legacy.json --output json
  pimmigrate export --source beta --out legacy.json --auth device
  PIMMIGRATE_TOKEN=demo pimmigrate --graph-url http://127.0.0.1:8080 --auth token export --source beta --out legacy.json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runExport(cmd.Context(), a, o) },
	}
	cmd.Flags().StringArrayVar(&o.sources, "source", nil, "snapshot file to read (repeatable); \"beta\" reads the live legacy API")
	cmd.Flags().StringVar(&o.out, "out", "", "where to write legacy.json")
	return cmd
}

type exportResult struct {
	Command     string             `json:"command"`
	Out         string             `json:"out"`
	Line        string             `json:"line"`
	TenantID    string             `json:"tenantId"`
	Sources     []migrate.Source   `json:"sources"`
	Assignments int                `json:"assignments"`
	Folded      int                `json:"folded"`
	Settings    int                `json:"settings"`
	Rejected    []migrate.Rejected `json:"rejected"`
	// UnknownRules lists iteration-2 rules whose identifier pimmigrate does
	// not know: kept in legacy.json, carried over nowhere.
	UnknownRules []unknownRule `json:"unknownRules"`
}

type unknownRule struct {
	Source string `json:"source"`
	Rule   string `json:"rule"` // "list: identifier"
}

// unknownRules lists the unknown rule identifiers of the settings records.
func unknownRules(settings []migrate.LegacySettings) []unknownRule {
	var out []unknownRule
	for _, s := range settings {
		for _, r := range s.UnknownRules() {
			out = append(out, unknownRule{s.Source, r})
		}
	}
	return out
}

func runExport(ctx context.Context, a *app, o *exportOptions) error {
	if len(o.sources) == 0 {
		return usagef("export: --source is required (a snapshot file, repeatable)")
	}
	if o.out == "" {
		return usagef("export: --out is required (where to write legacy.json)")
	}
	var sources []namedFile
	for _, src := range o.sources {
		if src != sourceBeta {
			sources = append(sources, namedFile{"--source", src})
		}
	}
	if err := distinctOutputs("export", []namedFile{{"--out", o.out}}, sources); err != nil {
		return err
	}
	tenantID := a.global.tenantID
	if slices.Contains(o.sources, sourceBeta) {
		c, err := a.graphClient()
		if err != nil {
			return fmt.Errorf("export --source beta: %w", err)
		}
		signedIn, err := c.TenantID(ctx)
		if err != nil {
			return fmt.Errorf("export --source beta: %w", err)
		}
		if tenantID != "" && !strings.EqualFold(tenantID, signedIn) {
			return fmt.Errorf("export --source beta: signed in to tenant %s, not --tenant-id %s; sign in to the tenant you mean", signedIn, tenantID)
		}
		tenantID = signedIn
	}
	b := migrate.NewBuilder(tenantID)
	for _, src := range o.sources {
		var err error
		if src == sourceBeta {
			err = exportBeta(ctx, a, b)
		} else {
			if err = snapshot.ReadFile(ctx, src, b); err != nil && ctx.Err() == nil {
				err = fmt.Errorf("--source %s: %w", src, err)
			}
		}
		if err != nil {
			return exportError(ctx, o.out, err)
		}
	}
	if err := writeLegacy(ctx, o.out, b, a.now()); err != nil {
		return exportError(ctx, o.out, err)
	}
	n, rejected, settings := b.Len(), b.Rejected(), b.Settings()
	unknown := unknownRules(settings)
	line := exportLine(n, b.Folded(), len(settings), len(rejected), o.out)
	if a.jsonOutput() {
		return a.printJSON(exportResult{"export", o.out, line, b.TenantID(), nonNil(b.Sources()), n, b.Folded(), len(settings), nonNil(rejected), nonNil(unknown)})
	}
	last := lastPages(b.Sources())
	// Columns as wide as their widest cell: a long URL moves the kind and
	// count columns for every source, not for its own.
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 1, ' ', 0)
	for _, s := range b.Sources() {
		note := ""
		if s.NextLink != "" && !last[s.Kind] {
			note = "  (page: its @odata.nextLink was not followed; export the next page too)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%6d records%s\n", migrate.Printable(s.Path), migrate.Printable(string(s.Kind)), s.Records, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, migrate.Printable(line))
	for _, u := range unknown {
		fmt.Fprintln(a.stderr, migrate.Printable(fmt.Sprintf("  note %s: rule %s is not one pimmigrate knows; kept in legacy.json, carried over nowhere", u.Source, u.Rule)))
	}
	const show = 20
	for i, r := range rejected {
		if i == show {
			fmt.Fprintf(a.stderr, "  ... and %d more rejected records, listed in %s\n", len(rejected)-show, migrate.Printable(o.out))
			break
		}
		line := fmt.Sprintf("  rejected %s: %s", r.Source, r.Reason)
		if r.Detail != "" {
			line += fmt.Sprintf(" (%s)", r.Detail)
		}
		fmt.Fprintln(a.stderr, migrate.Printable(line))
	}
	return nil
}

// exportLine is export's summary line.
func exportLine(n, folded, settings, rejected int, out string) string {
	var withFolded, withSettings string
	if folded > 0 {
		withFolded = " (" + migrate.Plural(folded, "record", "records") + " folded into others)"
	}
	if settings > 0 {
		withSettings = ", " + migrate.Plural(settings, "role settings record", "role settings records")
	}
	return fmt.Sprintf("Exported %s%s%s, %d rejected, to %s.",
		migrate.Plural(n, "assignment", "assignments"), withFolded, withSettings, rejected, out)
}

// lastPages reports, by kind, whether a saved page without a nextLink (the
// last of its collection) was given: then the pages with one are taken
// for its earlier pages, and not reported missing.
func lastPages(sources []migrate.Source) map[string]bool {
	last := map[string]bool{}
	for _, s := range sources {
		if s.NextLink == "" {
			last[s.Kind] = true
		}
	}
	return last
}

// nonNil is s, or an empty list: --output json prints lists as [], never
// null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// exportError is what export says when it stops: Ctrl-C (exit 130), or err.
// Either way legacy.json is not written.
func exportError(ctx context.Context, out string, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return exitCodeError{exitInterrupted, fmt.Errorf("export interrupted; %s was not written", out)}
	}
	return fmt.Errorf("export: %w", err)
}

// writeLegacy writes legacy.json atomically; once ctx is done it stops, and
// the file is not written.
func writeLegacy(ctx context.Context, path string, b *migrate.Builder, now time.Time) error {
	return migrate.WriteFileAtomic(path, func(w io.Writer) error { return b.WriteLegacy(ctxWriter{ctx, w}, now) })
}

// ctxWriter fails every write once ctx is done (WriteLegacy writes in
// blocks of 256 KiB).
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// exportBeta reads both legacy PIM APIs live: iteration 1
// (/beta/privilegedRoleAssignments, the one this tool is named for) and
// iteration 2 (/beta/privilegedAccess/aadRoles), assignments and role
// settings. All but iteration-1 assignments are read only where the tenant
// still serves them: a 400 or 404 is a note, not an error. A tenant whose
// legacy API Microsoft switched off stops the export: its snapshots are the
// way (graph.ErrLegacyDisabled).
func exportBeta(ctx context.Context, a *app, b *migrate.Builder) error {
	c, err := a.graphClient()
	if err != nil {
		return err
	}
	for _, api := range []struct {
		path, name string
		optional   bool
	}{
		{graph.LegacyIteration1Path, "beta:privilegedRoleAssignments", false},
		{graph.LegacyIteration2Path, "beta:aadRoles", true},
		{graph.LegacySettings1Path, "beta:privilegedRoles", true},
		{graph.LegacySettings2Path(b.TenantID()), "beta:aadRoles-roleSettings", true},
	} {
		records := 0
		err := c.ListLegacy(ctx, api.path, func(n int, raw json.RawMessage) error {
			if snapshot.AddRecord(b, raw, migrate.Pos{File: api.name, N: n}) {
				records++
			}
			return nil
		})
		var ge *wire.Error
		if api.optional && errors.As(err, &ge) && (ge.Status == 400 || ge.Status == 404) {
			fmt.Fprintf(a.stderr, "note: %s is not served by this tenant (%d %s); nothing read from it\n", api.name, ge.Status, migrate.Printable(ge.Code))
			continue
		}
		if err != nil {
			return err
		}
		b.AddSource(migrate.Source{Kind: api.name, Path: c.GraphURL() + api.path, Records: records})
	}
	return nil
}
