package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/snapshot"
)

type exportOptions struct {
	sources []string
	out     string
}

func newExportCmd(a *app) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export --source FILE [--source FILE ...] --out legacy.json",
		Short: "Read legacy PIM assignments from snapshot files into legacy.json",
		Long: `Export reads legacy PIM role assignments and writes them, checked and
normalised, to legacy.json.

Sources are snapshot files in any format admins kept them in — Graph
collection pages, JSON arrays, JSON Lines, iteration-1 CSV, iteration-2
governanceRoleAssignment JSON and Windows PowerShell Export-Csv files — told
apart by their content. Every record ends up in legacy.json, either as an
assignment or as a rejected record with its reason. A file that is not a
snapshot at all stops the export and legacy.json is not written.`,
		Example: `  pimmigrate export --source page-1.json --source page-2.json --out legacy.json
  pimmigrate export --source roles.csv --out legacy.json --output json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runExport(a, o) },
	}
	cmd.Flags().StringArrayVar(&o.sources, "source", nil, "snapshot file to read (repeatable); \"beta\" reads the live legacy API")
	cmd.Flags().StringVar(&o.out, "out", "", "where to write legacy.json")
	return cmd
}

type exportResult struct {
	Command     string             `json:"command"`
	Out         string             `json:"out"`
	TenantID    string             `json:"tenantId"`
	Sources     []migrate.Source   `json:"sources"`
	Assignments int                `json:"assignments"`
	Folded      int                `json:"folded"`
	Rejected    []migrate.Rejected `json:"rejected"`
}

func runExport(a *app, o *exportOptions) error {
	if len(o.sources) == 0 {
		return usagef("export: --source is required (a snapshot file, repeatable)")
	}
	if o.out == "" {
		return usagef("export: --out is required (where to write legacy.json)")
	}
	b := migrate.NewBuilder(a.global.tenantID)
	for _, src := range o.sources {
		if src == "beta" {
			return fmt.Errorf("export --source beta: live export from Microsoft Graph is not available in this build yet; export from snapshot files instead")
		}
		if err := snapshot.ReadFile(src, b); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := migrate.WriteFileAtomic(o.out, func(w io.Writer) error { return b.WriteLegacy(w, a.now()) }); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	n, rejected := b.Len(), b.Rejected()
	if a.jsonOutput() {
		return a.printJSON(exportResult{"export", o.out, b.TenantID(), b.Sources(), n, b.Folded(), rejected})
	}
	for _, s := range b.Sources() {
		line := fmt.Sprintf("  %-40s %-24s %6d records", s.Path, s.Kind, s.Records)
		if s.NextLink != "" {
			line += "  (page: its @odata.nextLink was not followed; export the next page too)"
		}
		fmt.Fprintln(a.stdout, line)
	}
	fmt.Fprintf(a.stdout, "Exported %s (%s folded into others), %d rejected, to %s.\n",
		plural(n, "assignment", "assignments"), plural(b.Folded(), "record", "records"), len(rejected), o.out)
	const show = 20
	for i, r := range rejected {
		if i == show {
			fmt.Fprintf(a.stderr, "  ... and %d more rejected records, listed in %s\n", len(rejected)-show, o.out)
			break
		}
		fmt.Fprintf(a.stderr, "  rejected %s: %s", r.Source, r.Reason)
		if r.Detail != "" {
			fmt.Fprintf(a.stderr, " (%s)", r.Detail)
		}
		fmt.Fprintln(a.stderr)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
