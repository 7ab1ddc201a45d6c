package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/tui"
)

type reviewOptions struct {
	plan string
}

func newReviewCmd(a *app) *cobra.Command {
	o := &reviewOptions{}
	cmd := &cobra.Command{
		Use:   "review plan.json",
		Short: "Read the plan in a terminal UI and approve or decline what apply sends",
		Long: `Review shows every item of the plan — to create (+), already present (=) or
skipped (-), with warnings (!) — and lets you approve or decline each create
item. enter shows an item's legacy record next to the exact request apply will
send; / searches names, UPNs and roles; tab filters; ? lists every key.

space approves an item not reviewed yet, then switches it between approved and
declined; a and A approve or decline every create item shown. w saves the
approvals into the plan (atomically, with a new digest; a plan run.jsonl
applied is first kept, with that journal, as plan.N.json and run.N.jsonl); if
another reviewer saved the file meanwhile, w says so and only a second w
overwrites it. apply
sends the approved items, the ones nobody reviewed only once you confirm, and
never the declined ones.

Review needs a terminal; without one it prints the plan summary and exits 1.
Colours follow the terminal; NO_COLOR turns them off.`,
		Example: `  pimmigrate review plan.json
  NO_COLOR=1 pimmigrate review plan.json`,
		Args: planArg("review", "the plan file to review"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.plan = args[0]
			return runReview(cmd.Context(), a, o)
		},
	}
	return cmd
}

// reviewResult is the --output json summary of review.
type reviewResult struct {
	Command    string          `json:"command"`
	Plan       string          `json:"plan"`
	Line       string          `json:"line"`
	Saved      bool            `json:"saved"`
	Unsaved    int             `json:"unsaved"`
	Approved   int             `json:"approved"`
	Declined   int             `json:"declined"`
	Unreviewed int             `json:"unreviewed"`
	Summary    migrate.Summary `json:"summary"`
}

func runReview(ctx context.Context, a *app, o *reviewOptions) error {
	read := func() (*migrate.Plan, error) {
		p, err := migrate.ReadPlanFile(o.plan)
		if err != nil {
			return nil, planError("review", o.plan, err)
		}
		return p, nil
	}
	if !a.stdinTTY || !a.stdoutTTY {
		p, err := read()
		if err != nil {
			return err
		}
		if a.jsonOutput() {
			s := p.Summary
			if err := a.printJSON(reviewResult{Command: "review", Plan: o.plan, Line: s.Line(), Approved: s.Approved,
				Declined: s.Declined, Unreviewed: s.Create - s.Approved - s.Declined, Summary: s}); err != nil {
				return err
			}
		} else {
			fmt.Fprint(a.stdout, p.Summary.Text()) // Text makes every name it prints inert
		}
		return fmt.Errorf("review needs a terminal; stdin and stdout are not both one. Run it in a terminal, or list what apply would send: pimmigrate apply %s --dry-run", o.plan)
	}
	r := newReviewRenderer(a.stdout, a.stdoutTTY, a.getenv)
	// Saving over a plan that has been applied keeps it, with its journal,
	// under numbered names (keepApplied).
	var kept []string
	replace := func(path string) (string, func(), error) {
		k, _, err := keepApplied(a, "review", path)
		if err != nil || k == nil {
			return "", nil, err
		}
		kept = append(kept, k.String(path))
		return fmt.Sprintf("Kept the applied plan as %s, with %s.", filepath.Base(k.Plan), filepath.Base(k.Journal)), k.undo, nil
	}
	// The screen shows at once; the plan is read and verified behind it.
	p, res, err := tui.Open(ctx, o.plan, read, a.stdin, a.stdout, tui.Options{Now: a.now, Renderer: r, Replace: replace,
		Lock: func(path string) (func(), error) {
			l, err := lockFile(a, path, "review", path)
			if err != nil {
				return nil, err
			}
			return func() { l.Unlock() }, nil
		}})
	for _, k := range kept {
		fmt.Fprintln(a.stdout, migrate.Printable(k))
	}
	if err != nil {
		return err
	}
	if p == nil {
		fmt.Fprintln(a.stdout, "Review quit before the plan was read; nothing changed.")
		return nil
	}
	line := reviewLine(o.plan, res)
	if a.jsonOutput() {
		return a.printJSON(reviewResult{Command: "review", Plan: o.plan, Line: line, Saved: res.Saved, Unsaved: res.Unsaved,
			Approved: res.Approved, Declined: res.Declined, Unreviewed: res.Unreviewed, Summary: p.Summarize()})
	}
	fmt.Fprintln(a.stdout, migrate.Printable(line))
	return nil
}

// reviewLine says how a review ended and what is in the plan file.
func reviewLine(path string, r tui.Result) string {
	counts := fmt.Sprintf("%d approved, %d declined, %d not reviewed", r.Approved, r.Declined, r.Unreviewed)
	switch {
	case r.Saved && r.Unsaved == 0:
		return fmt.Sprintf("Saved the approvals to %s: %s. Next: pimmigrate apply %s", path, counts, path)
	case r.Saved:
		return fmt.Sprintf("Saved approvals to %s earlier; %d later changes were discarded.", path, r.Unsaved)
	case r.Unsaved > 0:
		return fmt.Sprintf("Quit without saving: %s discarded; %s is unchanged.", migrate.Plural(r.Unsaved, "change", "changes"), path)
	}
	return fmt.Sprintf("No changes; %s is unchanged.", path)
}

// newReviewRenderer renders the review for w: colours as the terminal and
// the environment (NO_COLOR, CLICOLOR, TERM) allow, detected now, before
// the program takes over the terminal.
func newReviewRenderer(w io.Writer, tty bool, getenv func(string) string) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w, termenv.WithEnvironment(environ(getenv)), termenv.WithTTY(tty))
	r.ColorProfile()
	r.HasDarkBackground()
	return r
}

// environ gives termenv the app's environment.
type environ func(string) string

func (e environ) Environ() []string      { return nil }
func (e environ) Getenv(k string) string { return e(k) }
