package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

type rollbackOptions struct {
	journal     string
	plan        string
	yes         bool
	replication time.Duration
}

func newRollbackCmd(a *app) *cobra.Command {
	o := &rollbackOptions{}
	cmd := &cobra.Command{
		Use:   "rollback --journal run.jsonl [--yes]",
		Short: "Remove what an apply run created",
		Long: `Rollback reads an apply journal and removes what that run created: role
assignments are deleted, eligibilities and active schedules are removed with
adminRemove requests. What apply found already present is left alone, and so
is anything the plan the journal applied does not create (--plan; by default
the plan recorded in the journal). Each removal is journaled in the same
file, so an interrupted rollback resumes.

Graph shows a new object in reads only after a while. An object created
moments ago that rollback cannot find yet is looked for again until
--replication-wait has passed since it was created; rollback reports success
only when every object the journal may have created is removed or proven
absent.`,
		Example: `  pimmigrate rollback --journal run.jsonl
  pimmigrate rollback --journal run.jsonl --plan plan.json --yes --output json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runRollback(cmd.Context(), a, o) },
	}
	cmd.Flags().StringVar(&o.journal, "journal", "", "the journal apply wrote")
	cmd.Flags().StringVar(&o.plan, "plan", "", "the plan the journal applied (default: the one recorded in the journal)")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "do not ask")
	addReplicationWait(cmd.Flags(), &o.replication)
	return cmd
}

func runRollback(ctx context.Context, a *app, o *rollbackOptions) error {
	if o.journal == "" {
		return usagef("rollback: --journal is required (the run.jsonl apply wrote)")
	}
	if o.replication <= 0 {
		return usagef("rollback: --replication-wait %s: want a positive duration such as 5m", o.replication)
	}
	peek, err := apply.ReadJournal(o.journal)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	first := peek.FirstApply()
	if first == nil {
		return fmt.Errorf("rollback: %s: %w", o.journal, apply.ErrNothingApplied)
	}
	tenant := first.TenantID
	planPath, p, err := rollbackPlan(o, first)
	if err != nil {
		return err
	}
	created := 0
	for _, k := range peek.Keys() {
		if st := peek.State(k); st.MayExist() {
			created++
		}
	}
	if !a.jsonOutput() {
		fmt.Fprintf(a.stdout, "Rollback removes up to %d objects apply created in tenant %s, as planned in %s.\n", created, migrate.Printable(tenant), migrate.Printable(planPath))
	}
	if err := confirmed(ctx, a, "rollback", o.yes, "roll back "+o.journal, "Type yes to remove them: "); err != nil {
		return err
	}
	c, err := signedInTo(ctx, a, "rollback", tenant, fmt.Sprintf("%s records changes to tenant %s", o.journal, tenant), "")
	if err != nil {
		return err
	}
	lock, err := lockFile(a, o.journal, "rollback", "--journal "+o.journal)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	j, err := apply.OpenJournal(o.journal)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	defer j.Close()
	bar := newProgressBar(a, "rollback")
	s, err := apply.Rollback(ctx, p, j, c, apply.Options{ReplicationWait: o.replication, Now: a.now, Progress: bar.update})
	bar.close()
	return finishRun(a, "rollback", planPath, o.journal, p, s, 0, err)
}

// rollbackPlan reads the plan the journal's first apply run applied:
// --plan, or the plan that run recorded (kept under a numbered name if it
// has been replaced since). It must be that very plan (the same digest):
// rollback removes only what it creates.
func rollbackPlan(o *rollbackOptions, first *apply.Line) (string, *migrate.Plan, error) {
	switch {
	case o.plan == "" && first.Plan == "":
		return "", nil, usagef("rollback: %s does not record its plan (written by an older pimmigrate); pass the plan it applied: --plan plan.json", o.journal)
	case o.plan == "":
		path, p, err := findAppliedPlan(o.journal, first)
		if err != nil {
			return "", nil, fmt.Errorf("rollback: %w; pass the plan %s applied with --plan", err, o.journal)
		}
		return path, p, nil
	}
	p, err := migrate.ReadPlanFile(o.plan)
	if err != nil {
		return "", nil, fmt.Errorf("rollback: %w; pass the plan %s applied with --plan", err, o.journal)
	}
	if p.Digest != first.PlanDigest {
		return "", nil, fmt.Errorf("rollback: %s is not the plan %s applied (%w; the journal applied %s); pass that plan with --plan", o.plan, o.journal, apply.ErrPlanMismatch, first.PlanDigest)
	}
	return o.plan, p, nil
}
