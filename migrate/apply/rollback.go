package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
)

// ErrNothingApplied is returned by Rollback for a journal with no apply run.
var ErrNothingApplied = errors.New("the journal records no apply run")

// removeOp is the op that takes back what a create made.
func removeOp(t migrate.Target, objectID string) graph.Op {
	switch t.Kind {
	case migrate.KindEligibilityRequest:
		return graph.Op{Kind: graph.OpRemoveEligibility, Target: t}
	case migrate.KindAssignmentScheduleRequest:
		return graph.Op{Kind: graph.OpRemoveActiveSchedule, Target: t}
	}
	return graph.Op{Kind: graph.OpDeleteAssignment, Target: t, ObjectID: objectID}
}

func isRemoveOp(op string) bool {
	switch graph.OpKind(op) {
	case graph.OpDeleteAssignment, graph.OpRemoveEligibility, graph.OpRemoveActiveSchedule:
		return true
	}
	return false
}

// Rollback removes what the journal's apply runs created — never what they
// found already there — journaling each step in the same file, so it can be
// interrupted and run again. Items an apply run sent but never heard back
// about are looked up in the tenant and removed if found.
func Rollback(ctx context.Context, j *Journal, g Graph, opt Options) (Summary, error) {
	r := newRun(g, j, opt, "rollback")
	var s Summary
	var first *Line
	for i := range j.Headers {
		if j.Headers[i].Run == "apply" {
			first = &j.Headers[i]
			break
		}
	}
	if first == nil {
		return s, fmt.Errorf("rollback %s: %w", j.Path(), ErrNothingApplied)
	}
	if err := r.header(first.PlanDigest, first.TenantID, first.GraphURL); err != nil {
		return s, err
	}
	var tasks []*task
	var keys []*migrate.Item // for counting
	for _, key := range j.Order {
		st := j.State(key)
		if st.Target == nil {
			continue
		}
		tg := *st.Target
		created := st.Outcome == OutcomeCreated || st.Outcome == OutcomeFailed && st.Last.Code == "VerificationFailed" && st.ObjectID != ""
		switch {
		case st.Outcome == OutcomeDeleted && st.PendingOp == "":
			s.AlreadyDone++
			keys = append(keys, &migrate.Item{Key: key, Target: tg})
			continue
		case st.PendingOp != "":
			// An apply or rollback request with no answer: ask the tenant.
			id, err := g.Find(ctx, tg)
			if err != nil {
				return s, fmt.Errorf("reconcile %s: %w", key, err)
			}
			if id == "" {
				if isRemoveOp(st.PendingOp) || created {
					if err := j.Append(Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: key, Op: st.PendingOp, Target: &tg, Outcome: OutcomeDeleted, Reconciled: true}); err != nil {
						return s, err
					}
					s.Reconciled++
					keys = append(keys, &migrate.Item{Key: key, Target: tg})
				}
				continue // an apply request that never took effect: nothing to remove
			}
			tasks = append(tasks, &task{key: key, op: removeOp(tg, id)})
		case created:
			tasks = append(tasks, &task{key: key, op: removeOp(tg, st.ObjectID)})
		default:
			continue // exists, failed: not the run's to remove
		}
		keys = append(keys, &migrate.Item{Key: key, Target: tg})
	}
	r.progress(func(p *Progress) { p.Phase, p.Total = "write", len(tasks) })
	r.handle = r.handleRemove
	err := r.send(ctx, tasks)
	s.Interrupted = ctx.Err() != nil
	s.Selected = len(keys)
	r.count(&s, keys)
	r.progress(func(p *Progress) { p.Phase = "done" })
	return s, err
}

func (r *run) handleRemove(ctx context.Context, t *task, res graph.Result) (*Line, time.Duration) {
	l := r.outcomeLine(t, res)
	l.Outcome = OutcomeDeleted
	switch {
	case res.Status >= 200 && res.Status < 300:
		return &l, 0
	case res.Status == 404, res.Status == 400 && res.Code == "RoleAssignmentDoesNotExist":
		l.Code, l.Message = res.Code, "already gone"
		return &l, 0
	}
	if ok, wait := transient(t, res); ok {
		return nil, wait
	}
	fl := r.failLine(t, res)
	return &fl, 0
}
