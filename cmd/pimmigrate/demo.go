package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

type demoOptions struct {
	out    string
	review bool
}

func newDemoCmd(a *app) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo [--out DIR] [--review]",
		Short: "Run the whole migration against a built-in emulated tenant",
		Long: `Demo starts graphsim, the built-in Microsoft Graph emulator, on a loopback port,
seeded with the demo tenant (61 users, 150 legacy assignments in every state),
with realistic latency and a write throttle, and runs the whole pipeline
against it: export from the live beta API, plan, review (--review, in the
terminal UI), apply, report and audit. The plan narrows Helpdesk and User
Administrators to an administrative unit (demo-scope-rules.csv) and adds a
catalog owner and an attribute-set assignment (demo-add.csv). Each step prints its summary; the files
are left in --out. No Azure tenant, no sign-in, nothing leaves this machine.

Each run starts from a fresh tenant and replaces the files the last run left
in --out; a folder holding anything else is refused.`,
		Example: `  pimmigrate demo
  pimmigrate demo --out /tmp/pim-demo --review`,
		RunE: func(cmd *cobra.Command, args []string) error { return runDemo(cmd.Context(), a, o) },
	}
	cmd.Flags().StringVar(&o.out, "out", "pimmigrate-demo", "directory for the demo's files")
	cmd.Flags().BoolVar(&o.review, "review", false, "review the plan in the terminal UI before applying")
	return cmd
}

// demoToken is the bearer token the demo's graphsim accepts.
const demoToken = "pimmigrate-demo-token"

// demoFiles are the files the demo leaves in its folder.
var demoFiles = []string{fixtures.DemoTenant, fixtures.Protect, fixtures.DemoScopeRules, fixtures.DemoAdd, "legacy.json", "plan.json", "run.jsonl",
	"report.xlsx", "report.csv", "audit.xlsx", "audit.csv"}

// clearDemoFolder readies dir for a run: made if missing, and emptied of
// what an earlier run left (the demo's tenant starts afresh each run, so an
// earlier plan and journal are of a tenant that is gone). The demo owns its
// folder, and no other: a folder holding anything else is refused, and
// nothing in it is touched.
func clearDemoFolder(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !isDemoFile(e.Name()) {
			return usagef("--out %s holds %s, which the demo did not write; give --out a new or empty folder", dir, e.Name())
		}
	}
	for _, e := range ents {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// isDemoFile reports whether name is one of demoFiles, its lock file, or a
// temporary file of an atomic write of one (migrate.WriteFileAtomic).
func isDemoFile(name string) bool {
	for _, f := range demoFiles {
		if name == f || name == "."+f+".lock" || strings.HasPrefix(name, "."+f+".tmp-") {
			return true
		}
	}
	return false
}

func runDemo(ctx context.Context, a *app, o *demoOptions) error {
	if err := clearDemoFolder(o.out); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	path := func(name string) string { return filepath.Join(o.out, name) }
	for _, name := range []string{fixtures.DemoTenant, fixtures.Protect, fixtures.DemoScopeRules, fixtures.DemoAdd} {
		b, err := fixtures.FS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := migrate.WriteFileAtomic(path(filepath.Base(name)), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	f, err := fixtures.FS.Open(fixtures.DemoTenant)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	seed, err := graphsim.LoadSeed(f, fixtures.DemoTenant)
	f.Close()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	sim := graphsim.New(seed, graphsim.Options{Latency: 40 * time.Millisecond, ThrottleWrites: 40, RequireToken: demoToken, Seed: 1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: start graphsim: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	// With --output json the steps talk on stderr and one object closes the
	// demo on stdout.
	stdout, asJSON := a.stdout, a.jsonOutput() // each step parses the global flags anew
	if asJSON {
		a.stdout = a.stderr
		defer func() { a.stdout = stdout }()
	}
	fmt.Fprintf(a.stdout, "graphsim: demo tenant %s at %s (40 ms latency, 40 writes/s)\n", seed.TenantID, url)

	// The steps run the real commands, against graphsim, with its token.
	getenv := a.getenv
	a.getenv = func(k string) string {
		if k == tokenEnv {
			return demoToken
		}
		return getenv(k)
	}
	defer func() { a.getenv = getenv }()
	steps := [][]string{
		{"export", "--source", "beta", "--out", path("legacy.json")},
		{"plan", "--legacy", path("legacy.json"), "--out", path("plan.json"), "--protect", path(fixtures.Protect),
			"--scope-rules", path(fixtures.DemoScopeRules), "--add", path(fixtures.DemoAdd)},
	}
	if o.review {
		steps = append(steps, []string{"review", path("plan.json")})
	}
	steps = append(steps,
		[]string{"apply", path("plan.json"), "--yes", "--journal", path("run.jsonl")},
		[]string{"report", "--plan", path("plan.json"), "--journal", path("run.jsonl"), "--xlsx", path("report.xlsx"), "--csv", path("report.csv")},
		[]string{"audit", "--legacy", path("legacy.json"), "--plan", path("plan.json"), "--protect", path(fixtures.Protect), "--xlsx", path("audit.xlsx"), "--csv", path("audit.csv")},
	)
	for _, step := range steps {
		fmt.Fprintf(a.stdout, "\n$ pimmigrate %s\n", migrate.Printable(strings.Join(step, " ")))
		args := append([]string{"--graph-url", url, "--auth", "token"}, step...)
		root := newRootCmd(a)
		root.SetArgs(args)
		root.SetIn(a.stdin)
		root.SetOut(a.stdout)
		root.SetErr(a.stderr)
		if err := root.ExecuteContext(ctx); err != nil {
			var ce exitCodeError
			if errors.As(err, &ce) && ce.code == exitFailedItems && step[0] == "audit" {
				continue // findings are the audit's result, not the demo's failure
			}
			return fmt.Errorf("demo step %q: %w", step[0], err)
		}
	}
	files := []string{}
	for _, name := range demoFiles {
		files = append(files, path(name))
	}
	if asJSON {
		a.stdout = stdout
		return a.printJSON(struct {
			Command string   `json:"command"`
			Line    string   `json:"line"`
			Out     string   `json:"out"`
			Files   []string `json:"files"`
		}{"demo", "Demo done. Files in " + o.out + ".", o.out, files})
	}
	fmt.Fprintf(a.stdout, "\nDemo done. Files in %s:\n", migrate.Printable(o.out))
	for _, f := range files {
		fmt.Fprintf(a.stdout, "  %s\n", migrate.Printable(f))
	}
	return nil
}
