package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

type applyOptions struct {
	plan        string
	yes         bool
	journal     string
	concurrency int
	batchSize   int
	dryRun      bool
	retryFailed bool
	replication time.Duration
}

func newApplyCmd(a *app) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply plan.json [--yes] [--journal run.jsonl]",
		Short: "Send the plan's approved changes to the tenant",
		Long: `Apply sends the plan's create items — those a reviewer approved, and, once you
confirm, those nobody reviewed — as JSON batches, as fast as Graph's throttling
allows, then reads back everything it created and checks principal, role and
scope.

Every request is journaled (--journal, default run.jsonl next to the plan)
before it leaves and its outcome after. Interrupted or killed, run the same
command again: it skips what is done and checks the tenant for what was in
flight before sending anything again. Re-running a finished journal sends
nothing. 'pimmigrate rollback --journal run.jsonl' removes what apply created.

On a terminal apply asks you to type yes; without one it needs --yes.`,
		Example: `  pimmigrate apply plan.json
  pimmigrate apply plan.json --dry-run
  pimmigrate apply plan.json --yes --journal /var/lib/pimmigrate/run.jsonl --concurrency 8`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.plan = args[0]
			return runApply(cmd.Context(), a, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.yes, "yes", false, "do not ask: apply the approved and unreviewed items")
	f.StringVar(&o.journal, "journal", "", "journal file (default run.jsonl next to the plan)")
	f.IntVar(&o.concurrency, "concurrency", 4, "batches in flight at once")
	f.IntVar(&o.batchSize, "batch-size", wire.MaxBatch, fmt.Sprintf("requests per JSON batch, 1..%d", wire.MaxBatch))
	f.BoolVar(&o.dryRun, "dry-run", false, "send nothing; list what would be sent")
	f.BoolVar(&o.retryFailed, "retry-failed", false, "send again items whose last outcome in the journal is failed")
	addReplicationWait(f, &o.replication)
	return cmd
}

// addReplicationWait adds the --replication-wait flag of apply and rollback.
func addReplicationWait(f *pflag.FlagSet, d *time.Duration) {
	f.DurationVar(d, "replication-wait", apply.DefaultReplicationWait,
		"the longest Graph may take to show a write in reads: until then, \"not found\" for an object just written proves nothing")
}

// applyResult is the --output json summary of apply and rollback.
type applyResult struct {
	Command string        `json:"command"`
	Journal string        `json:"journal,omitempty"`
	DryRun  bool          `json:"dryRun,omitempty"`
	Line    string        `json:"line"`
	Summary apply.Summary `json:"summary"`
	Would   []string      `json:"wouldSend,omitempty"`
}

func runApply(ctx context.Context, a *app, o *applyOptions) error {
	if o.batchSize < 1 || o.batchSize > wire.MaxBatch {
		return usagef("apply: --batch-size %d: Graph takes 1 to %d requests a batch", o.batchSize, wire.MaxBatch)
	}
	if o.concurrency < 1 || o.concurrency > 32 {
		return usagef("apply: --concurrency %d: want 1 to 32", o.concurrency)
	}
	if o.replication <= 0 {
		return usagef("apply: --replication-wait %s: want a positive duration such as 5m", o.replication)
	}
	if o.journal == "" {
		o.journal = filepath.Join(filepath.Dir(o.plan), "run.jsonl")
	}
	if err := distinctOutputs("apply", []namedFile{{"--journal", o.journal}}, []namedFile{{"the plan argument", o.plan}}); err != nil {
		return err
	}
	p, err := migrate.ReadPlanFile(o.plan)
	if err != nil {
		if errors.Is(err, migrate.ErrPlanDigest) {
			return fmt.Errorf("apply: %w\nThe plan was edited after it was made; make it again: pimmigrate plan --legacy legacy.json --out %s", err, o.plan)
		}
		return fmt.Errorf("apply: %w", err)
	}
	if p.Offline {
		return fmt.Errorf("apply: %s was made with --offline, without checking the tenant; plan against the tenant first: pimmigrate plan --legacy legacy.json --out %s", o.plan, o.plan)
	}
	send, notApproved := apply.Selection(p, true)
	if err := migrate.CheckSendable(p, send); err != nil {
		return fmt.Errorf("apply: %s: %w", o.plan, err)
	}
	if err := delegatedOnly(a, o.plan, send); err != nil {
		return err
	}
	unreviewed := 0
	for _, it := range send {
		if it.Approved == nil {
			unreviewed++
		}
	}
	if !a.jsonOutput() {
		fmt.Fprint(a.stdout, p.Summary.Line()+"\n")
		fmt.Fprintf(a.stdout, "This run sends %d create items to tenant %s (%d approved in review, %d not reviewed); %d declined in review are not sent.\n",
			len(send), migrate.Printable(p.TenantID), len(send)-unreviewed, unreviewed, notApproved)
	}
	if o.dryRun {
		return dryRun(a, o, send)
	}
	if err := confirmed(ctx, a, "apply", o.yes, "apply "+o.plan, fmt.Sprintf("Type yes to make these changes to tenant %s: ", migrate.Printable(p.TenantID))); err != nil {
		return err
	}
	c, err := signedInTo(ctx, a, "apply", p.TenantID, fmt.Sprintf("%s is for tenant %s", o.plan, p.TenantID),
		", or plan this tenant: pimmigrate plan --legacy legacy.json --out plan.json")
	if err != nil {
		return err
	}
	lock, err := lockFile(a, o.journal, "apply", o.plan)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	j, err := apply.OpenJournal(o.journal)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	defer j.Close()
	planPath, err := filepath.Abs(o.plan)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	bar := newProgressBar(a, "apply")
	s, err := apply.Apply(ctx, p, j, c, apply.Options{
		BatchSize: o.batchSize, Concurrency: o.concurrency, UnreviewedOK: true, RetryFailed: o.retryFailed,
		ReplicationWait: o.replication, PlanPath: planPath, Now: a.now, Progress: bar.update,
	})
	bar.close()
	return finishRun(a, "apply", o.journal, s, err)
}

// delegatedOnly refuses app-only sign-in when items to send are for roles
// whose policy requires MFA of the admin who assigns: Graph would refuse
// each one (MfaRule).
func delegatedOnly(a *app, plan string, send []*migrate.Item) error {
	need := migrate.NeedsDelegatedSignIn(send)
	if len(need) == 0 || a.signIn() != migrate.SignInAppOnly {
		return nil
	}
	keys := make([]string, 0, 3)
	for i, it := range need {
		if i == 3 {
			keys = append(keys, fmt.Sprintf("and %d more", len(need)-3))
			break
		}
		keys = append(keys, it.Key)
	}
	return fmt.Errorf("apply: %s: %s (%s) need delegated sign-in: their roles' policies require MFA of the admin who assigns, which an app-only sign-in (--auth %s) cannot give, and Graph would refuse each one (MfaRule); nothing was sent. Run apply with --auth device, browser or azcli, or decline these items in review",
		plan, migrate.Plural(len(need), "item", "items"), strings.Join(keys, ", "), a.global.auth)
}

// confirm asks on stderr and reads one line: only "yes" confirms. Ctrl-C
// ends the wait at once (the read is left behind; the process is exiting).
// confirmed asks for exactly "yes" on a terminal unless --yes was given;
// without a terminal, --yes is required (a usage error otherwise).
func confirmed(ctx context.Context, a *app, verb string, yes bool, what, prompt string) error {
	if yes {
		return nil
	}
	if !a.stdinTTY {
		return usagef("%s: no terminal to confirm on: pass --yes to %s", verb, what)
	}
	ok, err := confirm(ctx, a, prompt)
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	if !ok {
		return fmt.Errorf("%s cancelled: only 'yes' confirms", verb)
	}
	return nil
}

// signedInTo signs in and checks the signed-in tenant is tenant: whose says
// whose tenant it is, fix what else the user can do.
func signedInTo(ctx context.Context, a *app, verb, tenant, whose, fix string) (*graph.Client, error) {
	c, err := a.graphClient()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", verb, err)
	}
	signedIn, err := c.TenantID(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", verb, err)
	}
	if !strings.EqualFold(signedIn, tenant) {
		return nil, fmt.Errorf("%s: signed in to tenant %s, but %s; sign in to %s (--tenant-id %s)%s", verb, signedIn, whose, tenant, tenant, fix)
	}
	return c, nil
}

func confirm(ctx context.Context, a *app, prompt string) (bool, error) {
	fmt.Fprint(a.stderr, prompt)
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(a.stdin).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		return strings.TrimSpace(s) == "yes", nil
	case <-ctx.Done():
		fmt.Fprintln(a.stderr)
		return false, ctx.Err()
	}
}

// finishRun prints a run's summary and turns it into an exit code.
func finishRun(a *app, command, journal string, s apply.Summary, err error) error {
	if errors.Is(err, apply.ErrForeignJournal) {
		// Refused before anything was sent: no summary, nothing to resume.
		return fmt.Errorf("%s: %w", command, err)
	}
	line := s.Line()
	if command == "rollback" {
		line = fmt.Sprintf("Rolled back %d (%d removed), %d failed.", s.Deleted+s.Restored, s.Deleted, s.Failed)
		if s.Restored > 0 {
			line = fmt.Sprintf("Rolled back %d (%d removed, %d role settings restored), %d failed.", s.Deleted+s.Restored, s.Deleted, s.Restored, s.Failed)
		}
	}
	if a.jsonOutput() {
		if perr := a.printJSON(applyResult{Command: command, Journal: journal, Line: line, Summary: s}); perr != nil {
			return perr
		}
	} else {
		const show = 20
		for i, f := range s.Failures {
			if i == show {
				fmt.Fprintf(a.stderr, "  ... and %d more failures, in %s\n", len(s.Failures)-show, migrate.Printable(journal))
				break
			}
			fmt.Fprintf(a.stderr, "  failed %s: %d %s: %s\n", migrate.Printable(f.Key), f.Status, migrate.Printable(f.Code), migrate.Printable(f.Message))
		}
		fmt.Fprintln(a.stdout, line)
		fmt.Fprintf(a.stdout, "Journal: %s (%d requests, %d throttled).\n", migrate.Printable(journal), s.Requests, s.Throttled)
	}
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w; run the same command again to resume", command, err)
	case s.Interrupted:
		return exitCodeError{exitInterrupted, fmt.Errorf("%s interrupted; run the same command again to resume", command)}
	case s.Failed > 0:
		return exitCodeError{exitFailedItems, fmt.Errorf("%s finished with %d failed items (see %s)", command, s.Failed, journal)}
	case s.Unverified > 0:
		return exitCodeError{exitFailedItems, fmt.Errorf("%s: %s created but not visible in the tenant yet (replication delay); run the same command again later to look for them", command, migrate.Plural(s.Unverified, "object", "objects"))}
	}
	return nil
}

func dryRun(a *app, o *applyOptions, send []*migrate.Item) error {
	var done map[string]bool
	if j, err := apply.ReadJournal(o.journal); err == nil {
		done = map[string]bool{}
		for _, k := range j.Keys() {
			st := j.State(k)
			done[k] = st.Outcome == apply.OutcomeCreated || st.Outcome == apply.OutcomeUpdated || st.Outcome == apply.OutcomeExists || st.Outcome == apply.OutcomeFailed && !o.retryFailed
		}
	}
	var would []string
	for _, it := range send {
		if done[it.Key] {
			continue
		}
		name := it.Principal.UserPrincipalName
		if name == "" {
			name = it.Principal.DisplayName
		}
		if it.Kind == migrate.KindRoleSetting {
			would = append(would, fmt.Sprintf("%s  %-32s %-40s %s", it.Key, "updateRule", it.Setting.RuleID, it.Role.DisplayName))
			continue
		}
		would = append(would, fmt.Sprintf("%s  %-32s %-40s %s", it.Key, it.Target.Kind, name, it.Role.DisplayName))
	}
	if a.jsonOutput() {
		return a.printJSON(applyResult{Command: "apply", DryRun: true, Line: fmt.Sprintf("Dry run: %d would be sent.", len(would)), Would: would})
	}
	for _, w := range would {
		fmt.Fprintln(a.stdout, "  + "+migrate.Printable(w))
	}
	fmt.Fprintf(a.stdout, "Dry run: %d would be sent, nothing was sent.\n", len(would))
	return nil
}
