package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

type rollbackOptions struct {
	journal string
	yes     bool
}

func newRollbackCmd(a *app) *cobra.Command {
	o := &rollbackOptions{}
	cmd := &cobra.Command{
		Use:   "rollback --journal run.jsonl [--yes]",
		Short: "Remove what an apply run created",
		Long: `Rollback reads an apply journal and removes what that run created: role
assignments are deleted, eligibilities and active schedules are removed with
adminRemove requests. What apply found already present is left alone. Each
removal is journaled in the same file, so an interrupted rollback resumes.`,
		Example: `  pimmigrate rollback --journal run.jsonl
  pimmigrate rollback --journal run.jsonl --yes --output json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runRollback(cmd.Context(), a, o) },
	}
	cmd.Flags().StringVar(&o.journal, "journal", "", "the journal apply wrote")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "do not ask")
	return cmd
}

func runRollback(ctx context.Context, a *app, o *rollbackOptions) error {
	if o.journal == "" {
		return usagef("rollback: --journal is required (the run.jsonl apply wrote)")
	}
	peek, err := apply.ReadJournal(o.journal)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	var tenant string
	created := 0
	for _, h := range peek.Headers {
		if h.Run == "apply" && tenant == "" {
			tenant = h.TenantID
		}
	}
	for _, st := range peek.Items {
		if st.Outcome == apply.OutcomeCreated || st.PendingOp != "" {
			created++
		}
	}
	if tenant == "" {
		return fmt.Errorf("rollback: %s: %w", o.journal, apply.ErrNothingApplied)
	}
	if !a.jsonOutput() {
		fmt.Fprintf(a.stdout, "Rollback removes up to %d objects apply created in tenant %s.\n", created, migrate.Printable(tenant))
	}
	if err := confirmed(ctx, a, "rollback", o.yes, "roll back "+o.journal, "Type yes to remove them: "); err != nil {
		return err
	}
	c, err := signedInTo(ctx, a, "rollback", tenant, fmt.Sprintf("%s records changes to tenant %s", o.journal, tenant), "")
	if err != nil {
		return err
	}
	j, err := apply.OpenJournal(o.journal)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	defer j.Close()
	bar := newProgressBar(a, "rollback")
	s, err := apply.Rollback(ctx, j, c, apply.Options{Now: a.now, Progress: bar.update})
	bar.close()
	return finishRun(a, "rollback", o.journal, s, err)
}
