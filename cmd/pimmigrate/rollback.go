package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

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
		fmt.Fprintf(a.stdout, "Rollback removes up to %d objects apply created in tenant %s.\n", created, tenant)
	}
	if !o.yes {
		if !a.stdinTTY {
			return usagef("rollback: no terminal to confirm on: pass --yes to roll back %s", o.journal)
		}
		ok, err := confirm(ctx, a, "Type yes to remove them: ")
		if err != nil {
			return fmt.Errorf("rollback: %w", err)
		}
		if !ok {
			return errors.New("rollback cancelled: only 'yes' confirms")
		}
	}
	c, err := a.graphClient()
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	signedIn, err := c.TenantID(ctx)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	if !strings.EqualFold(signedIn, tenant) {
		return fmt.Errorf("rollback: signed in to tenant %s, but %s records changes to tenant %s; sign in to %s (--tenant-id %s)", signedIn, o.journal, tenant, tenant, tenant)
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
