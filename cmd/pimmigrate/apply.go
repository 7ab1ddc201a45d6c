package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
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
flight before sending anything again. Applying a plan the journal has
finished says "No changes", sends nothing and asks nothing.
'pimmigrate rollback --journal run.jsonl' removes what apply created.

On a terminal apply asks you to type yes; without one it needs --yes.`,
		Example: `  pimmigrate apply plan.json
  pimmigrate apply plan.json --dry-run
  pimmigrate apply plan.json --yes --journal /var/lib/pimmigrate/run.jsonl --concurrency 8`,
		Args: planArg("apply", "the plan file to apply"),
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
		o.journal = defaultJournal(o.plan)
	}
	if err := distinctOutputs("apply", []namedFile{{"--journal", o.journal}}, []namedFile{{"the plan argument", o.plan}}); err != nil {
		return err
	}
	p, err := migrate.ReadPlanFile(o.plan)
	if err != nil {
		return planError("apply", o.plan, err)
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
	if !o.dryRun {
		// Held from here: what the journal says stays true until the run.
		lock, err := lockFile(a, o.journal, "apply", o.plan)
		if err != nil {
			return err
		}
		defer lock.Unlock()
	}
	earlier, err := readEarlierRuns(o.journal, p, send, o.retryFailed)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if o.dryRun {
		if !a.jsonOutput() {
			fmt.Fprint(a.stdout, p.Summary.Line()+"\n")
			fmt.Fprintln(a.stdout, migrate.Printable(sendsLine(p, o.journal, len(send), notApproved, earlier)))
		}
		return dryRun(a, o, len(send), notApproved, earlier)
	}
	if len(earlier.left) == 0 && earlier.unverified == 0 {
		return noChanges(a, o, p, send, notApproved, earlier)
	}
	if len(earlier.left) > 0 && !o.yes && !a.stdinTTY {
		return usagef("apply: no terminal to confirm on: pass --yes to apply %s", o.plan)
	}
	c, err := signedInTo(ctx, a, "apply", p.TenantID, fmt.Sprintf("%s is for tenant %s", o.plan, p.TenantID),
		", or plan this tenant: pimmigrate plan --legacy legacy.json --out plan.json")
	if err != nil {
		return err
	}
	if !a.jsonOutput() {
		fmt.Fprint(a.stdout, p.Summary.Line()+"\n")
		fmt.Fprintln(a.stdout, migrate.Printable(sendsLine(p, o.journal, len(send), notApproved, earlier)))
	}
	if len(earlier.left) > 0 {
		if err := confirmed(ctx, a, "apply", o.yes, "apply "+o.plan, fmt.Sprintf("Type yes to make these changes to tenant %s: ", migrate.Printable(p.TenantID))); err != nil {
			return err
		}
	}
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
	return finishRun(a, "apply", o.plan, o.journal, p, s, earlier.failed, err)
}

// sendsLine says what this run sends, to which tenant, and what earlier
// runs in the journal did.
func sendsLine(p *migrate.Plan, journal string, selected, notApproved int, e *earlierRuns) string {
	unreviewed := 0
	for _, it := range e.left {
		if it.Approved == nil {
			unreviewed++
		}
	}
	of := ""
	if len(e.left) != selected {
		of = fmt.Sprintf(" of %d", selected)
	}
	line := fmt.Sprintf("This run sends %d%s %s to tenant %s (%d approved in review, %d not reviewed); %d declined in review are not sent.",
		len(e.left), of, itemsNoun(e.left), p.TenantID, len(e.left)-unreviewed, unreviewed, notApproved)
	if n := e.done(); n > 0 {
		line += fmt.Sprintf(" Earlier runs in %s did %d: %s%d created", journal, n, updatedPart(e), e.created)
		if e.unverified > 0 {
			line += fmt.Sprintf(" (%d not seen in the tenant yet: this run looks again)", e.unverified)
		}
		line += fmt.Sprintf(", %d already existed, %d failed", e.exists, e.failed)
		if e.failed > 0 {
			line += " (--retry-failed sends them again)"
		}
		line += "."
	}
	return line
}

// itemsNoun names what items are: "create items", or, with role settings
// among them, "items (N role settings, M create items)".
func itemsNoun(items []*migrate.Item) string {
	settings := 0
	for _, it := range items {
		if it.Kind == migrate.KindRoleSetting {
			settings++
		}
	}
	if settings == 0 {
		return "create items"
	}
	return fmt.Sprintf("items (%s, %d create items)", migrate.Plural(settings, "role setting", "role settings"), len(items)-settings)
}

// updatedPart names the role settings earlier runs updated, if any.
func updatedPart(e *earlierRuns) string {
	if e.updated == 0 {
		return ""
	}
	return migrate.Plural(e.updated, "role setting", "role settings") + " updated, "
}

// noChanges is apply's answer when the journal has finished every item the
// plan sends: nothing to send, nothing to ask.
func noChanges(a *app, o *applyOptions, p *migrate.Plan, send []*migrate.Item, declined int, e *earlierRuns) error {
	line := fmt.Sprintf("No changes: all %d %s were already applied (%s%d created, %d already existed), as %s records.",
		len(send), itemsNoun(send), updatedPart(e), e.created, e.exists, o.journal)
	switch {
	case len(send) == 0 && declined > 0:
		line = fmt.Sprintf("No changes: the plan sends nothing: %s declined in review (%d already present, %d skipped).",
			migrate.Plural(declined, "change was", "changes were"), p.Summary.Present, p.Summary.Skip)
	case len(send) == 0:
		line = fmt.Sprintf("No changes: the plan has nothing to send (%d already present, %d skipped).", p.Summary.Present, p.Summary.Skip)
	case e.failed > 0:
		line = fmt.Sprintf("No changes: the %d %s were all sent before (%s%d created, %d already existed, %d failed), as %s records.",
			len(send), itemsNoun(send), updatedPart(e), e.created, e.exists, e.failed, o.journal)
	}
	s := apply.Summary{Selected: len(send), AlreadyDone: e.done(), Created: e.created, Updated: e.updated, Exists: e.exists, Failed: e.failed,
		Verified: e.verified, Failures: e.failures}
	if a.jsonOutput() {
		res := runResult{Command: "apply", Plan: o.plan, Journal: o.journal, Line: line, Summary: summaryOf(s, itemsByKey(p)), WouldSend: []runItem{}}
		if err := a.printJSON(res); err != nil {
			return err
		}
	} else {
		printFailures(a, itemsByKey(p), e.failures, seeWhy(o.plan, o.journal))
		fmt.Fprintln(a.stdout, migrate.Printable(line))
		if v := verifiedLine(e.verified, e.created+e.updated, 0); v != "" {
			fmt.Fprintln(a.stdout, v)
		}
	}
	if e.failed > 0 {
		return failedItems("apply", o.plan, o.journal, e.failed, e.failed)
	}
	return nil
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

// finishRun prints a run's summary and turns it into an exit code. earlier
// failures are from earlier runs, not sent again.
func finishRun(a *app, command, plan, journal string, p *migrate.Plan, s apply.Summary, earlier int, err error) error {
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
		res := runResult{Command: command, Plan: plan, Journal: journal, Line: line, Summary: summaryOf(s, itemsByKey(p)), WouldSend: []runItem{}}
		if perr := a.printJSON(res); perr != nil {
			return perr
		}
	} else {
		printFailures(a, itemsByKey(p), s.Failures, seeWhy(plan, journal))
		fmt.Fprintln(a.stdout, line)
		if v := verifiedLine(s.Verified, s.Created+s.Updated, s.Unverified); command == "apply" && v != "" {
			fmt.Fprintln(a.stdout, v)
		}
		fmt.Fprintf(a.stdout, "Journal: %s. This run sent %d write batches to Graph; %d writes were answered 429 (throttled) and sent again.\n",
			migrate.Printable(journal), s.Requests, s.Throttled)
	}
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w; run the same command again to resume", command, err)
	case s.Interrupted:
		return exitCodeError{exitInterrupted, fmt.Errorf("%s interrupted; run the same command again to resume", command)}
	case s.Failed > 0:
		return failedItems(command, plan, journal, s.Failed, earlier)
	case s.Unverified > 0:
		return exitCodeError{exitFailedItems, fmt.Errorf("%s: %s created but not visible in the tenant yet (replication delay); run the same command again later to look for them", command, migrate.Plural(s.Unverified, "object", "objects"))}
	}
	return nil
}

// dryRun lists what apply would send, and sends nothing.
func dryRun(a *app, o *applyOptions, selected, notApproved int, e *earlierRuns) error {
	line := fmt.Sprintf("Dry run: %d would be sent, nothing was sent.", len(e.left))
	if a.jsonOutput() {
		s := runSummary{Selected: selected, NotApproved: notApproved, AlreadyDone: e.done(), Created: e.created, Updated: e.updated, Exists: e.exists,
			Failed: e.failed, Verified: e.verified, Unverified: e.unverified, Failures: []runFailed{}}
		res := runResult{Command: "apply", Plan: o.plan, Journal: o.journal, DryRun: true, Line: line, Summary: s, WouldSend: []runItem{}}
		for _, it := range e.left {
			res.WouldSend = append(res.WouldSend, runItemOf(it))
		}
		return a.printJSON(res)
	}
	// Columns as wide as their widest cell: a long guest UPN moves the
	// role column for every row, not for its own.
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	for _, it := range e.left {
		r := runItemOf(it)
		name := r.UserPrincipalName
		if name == "" {
			name = r.Principal
		}
		scope := ""
		if it.Kind == migrate.KindRoleSetting {
			name = r.Rule
		} else {
			scope = migrate.ScopeLabel(&it.Target, it.ScopeName)
		}
		if it.Added != "" {
			scope += " (added: " + it.Added + ")"
		}
		fmt.Fprintf(tw, "  + %s\t%s\t%s\t%s\t%s\n", migrate.Printable(r.Key), migrate.Printable(r.Kind), migrate.Printable(name), migrate.Printable(r.Role), migrate.Printable(scope))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, line)
	return nil
}
