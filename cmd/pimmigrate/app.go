package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pimmigrate/pimmigrate/internal/filelock"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
)

// Exit codes (docs/design.md, "Command line").
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitFailedItems = 3
	exitInterrupted = 130
)

// app is what a command may touch of the outside world. Tests build their
// own with buffers, a fixed clock and a fake environment.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	// stdinTTY and stderrTTY say whether a person is at the keyboard (apply
	// asks for "yes") and watching stderr (a live progress bar).
	stdinTTY, stderrTTY bool
	// stdoutTTY says whether stdout is a terminal: review runs its program
	// on stdin and stdout only then (tests set it to drive the program).
	stdoutTTY bool

	global globalOptions
	client *graph.Client // built by graphClient on first use
}

type globalOptions struct {
	cloud    string
	graphURL string // the cloud's Graph unless --graph-url says otherwise (set by validate)
	auth     string
	tenantID string
	clientID string
	output   string
	verbose  bool
}

func newSystemApp() *app {
	return &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, now: time.Now,
		stdinTTY: isTerminal(os.Stdin), stderrTTY: isTerminal(os.Stderr), stdoutTTY: isTerminal(os.Stdout)}
}

// isTerminal reports whether f is a terminal (a character device such as
// /dev/null is not one): prompts, progress bars, colour and review follow
// it.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// usageError is a mistake in how the command was called: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCodeError carries a specific exit code for an outcome that is not an
// error message (apply finished with failed items).
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

// run executes one command line and turns its outcome into an exit code, in
// one place.
func run(ctx context.Context, args []string, a *app) int {
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(a.stderr, "pimmigrate: %s\n", printableLines(err.Error()))
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(a.stderr, "The file does not exist: check the path you gave.")
	}
	var ue usageError
	var ce exitCodeError
	switch {
	case errors.As(err, &ce):
		return ce.code
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue):
		path := "pimmigrate"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", path)
		return exitUsage
	}
	return exitError
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "pimmigrate",
		Short: "Move legacy PIM role assignments to unified role management, safely",
		Long: `pimmigrate moves an Entra ID tenant's privileged role assignments from legacy PIM
(/beta/privilegedRoleAssignments and its iteration-2 successor) to unified role
management (/roleManagement/directory), and audits the result.

Permanent access becomes a role assignment at scope "/"; eligible access becomes
an eligibility schedule request. An eligible admin never silently becomes a
standing admin.`,
		Example: `  pimmigrate demo        # the whole pipeline against a built-in emulated tenant

  pimmigrate export --source beta --out legacy.json --auth device
  pimmigrate plan --legacy legacy.json --out plan.json --protect breakglass.txt
  pimmigrate review plan.json
  pimmigrate apply plan.json
  pimmigrate report --plan plan.json --journal run.jsonl --xlsx report.xlsx --csv report.csv
  pimmigrate audit --legacy legacy.json --xlsx audit.xlsx
  pimmigrate rollback --journal run.jsonl`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// SuggestionsFor's default is set only where cobra suggests.
		SuggestionsMinimumDistance: 2,
		PersistentPreRunE:          func(cmd *cobra.Command, args []string) error { return a.global.validate() },
	}
	root.SetVersionTemplate("pimmigrate {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&a.global.cloud, "cloud", graph.CloudGlobal, "Microsoft cloud: "+strings.Join(graph.CloudNames(), "|")+" (sets the Graph endpoint, the sign-in authority and the token scope)")
	f.StringVar(&a.global.graphURL, "graph-url", "", "Microsoft Graph base URL, overriding only the --cloud's endpoint (graphsim: http://127.0.0.1:PORT)")
	f.StringVar(&a.global.auth, "auth", graph.AuthAuto, "how to sign in: "+strings.Join(graph.AuthModes, "|")+" (token reads "+tokenEnv+")")
	f.StringVar(&a.global.tenantID, "tenant-id", "", "Entra tenant id")
	f.StringVar(&a.global.clientID, "client-id", "", "application (client) id of the app registration to sign in with")
	f.StringVar(&a.global.output, "output", "text", "output format: text|json (json prints one summary object on stdout)")
	f.BoolVarP(&a.global.verbose, "verbose", "v", false, "log every Graph request (method, path, status, time, request id; never headers) on stderr")

	root.AddCommand(newExportCmd(a), newPlanCmd(a), newApplyCmd(a), newRollbackCmd(a), newAuditCmd(a), newReportCmd(a), newReviewCmd(a), newDemoCmd(a))
	for _, c := range root.Commands() {
		c.Args = usageArgs(c.Args)
	}
	// A root that runs makes cobra check its arguments, so an unknown
	// command is a usage error instead of a help page and exit 0.
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			return usagef("unknown command %q; did you mean %s?", args[0], strings.Join(s, " or "))
		}
		return usagef("unknown command %q", args[0])
	}
	root.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	return root
}

func (g *globalOptions) validate() error {
	switch g.output {
	case "text", "json":
	default:
		return usagef("--output %q: want text or json", g.output)
	}
	if !slices.Contains(graph.AuthModes, g.auth) {
		return usagef("--auth %q: want one of %s", g.auth, strings.Join(graph.AuthModes, ", "))
	}
	cl, err := graph.LookupCloud(g.cloud)
	if err != nil {
		return usageError{err}
	}
	if g.graphURL == "" {
		g.graphURL = cl.GraphURL
	}
	return nil
}

// planArg is the positional-argument check of a command that takes one
// plan file: what says what the file is for.
func planArg(verb, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch len(args) {
		case 1:
			return nil
		case 0:
			return usagef("%s needs %s: pimmigrate %s plan.json", verb, what, verb)
		}
		return usagef("%s takes one plan file, not %d: %s", verb, len(args), strings.Join(args, " "))
	}
}

// planError is what a command that reads a plan file says when it cannot:
// an edited plan gets the one remedy, making it again.
func planError(verb, path string, err error) error {
	if errors.Is(err, migrate.ErrPlanDigest) {
		return fmt.Errorf("%s: %w\nThe plan was edited after it was made (approvals saved by pimmigrate review keep it sealed); make it again: pimmigrate plan --legacy legacy.json --out %s", verb, err, path)
	}
	return fmt.Errorf("%s: %w", verb, err)
}

// usageArgs makes positional-argument errors usage errors (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		check = cobra.NoArgs
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// printJSON writes the one summary object of --output json.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) jsonOutput() bool { return a.global.output == "json" }

// printableLines is migrate.Printable line by line, for text of several
// lines (an error and the advice after it) that may quote the tenant, a
// snapshot or a file name.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = migrate.Printable(l)
	}
	return strings.Join(lines, "\n")
}

// version is what --version and the reports' "Tool version" say: the
// module version and the commit built (debug.ReadBuildInfo).
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf is "v1.4.0", "v1.4.0 (9e932e6a1b2c)" or "devel (9e932e6a1b2c,
// modified)": the module version (devel when built from a checkout), then
// the VCS revision and whether the checkout had changes, when the build
// recorded them.
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += ", modified"
	}
	return v + " (" + rev + ")"
}

// lockFile takes the lock that keeps two pimmigrate processes from writing
// path at once (internal/filelock); verb and what name this process to the
// one refused.
func lockFile(a *app, path, verb, what string) (*filelock.Lock, error) {
	host, _ := os.Hostname()
	holder := fmt.Sprintf("pimmigrate %s %s (pid %d on %s, since %s)", verb, what, os.Getpid(), host, a.now().UTC().Format(time.RFC3339))
	l, err := filelock.Acquire(path, holder)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", verb, err)
	}
	return l, nil
}
