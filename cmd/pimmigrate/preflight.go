package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// preflightResult is what plan --preflight reports (also in --output json).
type preflightResult struct {
	Checked        int      `json:"checked"`
	Refused        int      `json:"refused"`
	NotValidatable int      `json:"notValidatable"`
	Unanswered     int      `json:"unanswered"`
	Requests       int      `json:"requests"`
	Throttled      int      `json:"throttled"`
	RefusedKeys    []string `json:"refusedKeys,omitempty"`
}

// preflightPlan builds the plan in memory, sends each planned schedule
// request to Graph with isValidationOnly through the apply engine (its
// batches, rate limiter and retries), skips the items Graph refuses
// (policy-validation-failed) and writes the plan to out.
func preflightPlan(ctx context.Context, a *app, in migrate.PlanInput, out string) (*migrate.Plan, *preflightResult, error) {
	p, err := migrate.BuildPlan(in)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.graphClient()
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(a.stderr, "Pre-flight: validating the planned schedule requests with %s (isValidationOnly: nothing is created) ...\n", c.GraphURL())
	bar := newProgressBar(a, "preflight")
	s, err := apply.Preflight(ctx, p, c, apply.Options{Now: a.now, Progress: bar.update})
	bar.close()
	if err != nil {
		return nil, nil, fmt.Errorf("plan --preflight: %w; nothing was written", err)
	}
	if ctx.Err() != nil {
		return nil, nil, exitCodeError{exitInterrupted, fmt.Errorf("plan --preflight interrupted; nothing was written")}
	}
	r := &preflightResult{Checked: s.Checked, Refused: len(s.Failures), NotValidatable: s.NotValidatable,
		Unanswered: s.Unanswered, Requests: s.Requests, Throttled: s.Throttled}
	for k := range s.Failures {
		r.RefusedKeys = append(r.RefusedKeys, k)
	}
	sort.Strings(r.RefusedKeys)
	p.ApplyPreflight(s.Failures)
	if err := migrate.WritePlanFile(out, p); err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	return p, r, nil
}

// text is the pre-flight's report for people.
func (r *preflightResult) text() string {
	s := fmt.Sprintf("Pre-flight: %s validated in %s (%d throttled); %d refused by the roles' policies, skipped (policy-validation-failed).\n",
		migrate.Plural(r.Checked, "schedule request", "schedule requests"), migrate.Plural(r.Requests, "batch request", "batch requests"), r.Throttled, r.Refused)
	if r.NotValidatable > 0 {
		s += fmt.Sprintf("Pre-flight: %s not validated: a role assignment has no validation-only form.\n", migrate.Plural(r.NotValidatable, "role assignment", "role assignments"))
	}
	if r.Unanswered > 0 {
		s += fmt.Sprintf("Pre-flight: %s got no verdict (throttled or failing until out of tries) and stay planned; run plan --preflight again to check them.\n", migrate.Plural(r.Unanswered, "request", "requests"))
	}
	return s
}
