package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// ErrNothingApplied is returned by Rollback for a journal with no apply run.
var ErrNothingApplied = errors.New("the journal records no apply run")

// removeOp is the op that takes back what a create made.
func removeOp(t migrate.Target, objectID string) wire.Op {
	switch t.Kind {
	case migrate.KindEligibilityRequest:
		return wire.Op{Kind: wire.OpRemoveEligibility, Target: t}
	case migrate.KindAssignmentScheduleRequest:
		return wire.Op{Kind: wire.OpRemoveActiveSchedule, Target: t}
	}
	return wire.Op{Kind: wire.OpDeleteAssignment, Target: t, ObjectID: objectID}
}

func isRemoveOp(op string) bool {
	switch wire.OpKind(op) {
	case wire.OpDeleteAssignment, wire.OpRemoveEligibility, wire.OpRemoveActiveSchedule:
		return true
	}
	return false
}

// ErrPlanMismatch is wrapped when rollback is given another plan than the
// one the journal's apply runs applied.
var ErrPlanMismatch = errors.New("the plan is not the one the journal applied")

// CodeNotInPlan marks a journal item rollback refused to remove: the plan
// the journal applied does not create it (the journal was edited, or
// belongs with another plan).
const CodeNotInPlan = "NotInPlan"

// FirstApply is the journal's first apply header, nil when it has none.
func (j *Journal) FirstApply() *Line {
	for _, h := range j.Headers() {
		if h.Run == "apply" {
			return &h
		}
	}
	return nil
}

// Rollback removes what the journal's apply runs may have created — never
// what they found already there, and only objects that p, the plan those
// runs applied, creates with the same principal, role and scope. It
// journals each step in the same file, so it can be interrupted and run
// again.
//
// Reads lag behind writes: an object created moments ago may not be found
// yet, and a removal may answer "does not exist" for it. Rollback takes
// that for "gone" only once ReplicationWait has passed since the object was
// created, or once the object has been seen (apply verified it, or
// rollback found it): Graph is taken never to hide again what it has
// shown. Until then it keeps looking, with back-off, and removes the
// object when it shows. An item it had no answer for when the run ended
// (interrupted) stays as it is in the journal, for the next run.
func Rollback(ctx context.Context, p *migrate.Plan, j *Journal, g Graph, opt Options) (Summary, error) {
	r := newRun(g, j, opt, "rollback")
	var s Summary
	first := j.FirstApply()
	if first == nil {
		return s, fmt.Errorf("rollback %s: %w", j.Path(), ErrNothingApplied)
	}
	if p == nil || p.Digest != first.PlanDigest {
		return s, fmt.Errorf("rollback %s: %w (the journal applied plan %s)", j.Path(), ErrPlanMismatch, first.PlanDigest)
	}
	if err := r.header(first.PlanDigest, first.TenantID, first.GraphURL); err != nil {
		return s, err
	}
	planned := map[string]*migrate.Item{}
	for i := range p.Items {
		if it := &p.Items[i]; it.Changes() {
			planned[it.Key] = it
		}
	}
	var tasks []*task
	var checks []*check
	var keys []*migrate.Item // for counting
	var rules []*migrate.Item
	for _, key := range j.Keys() {
		st := j.State(key)
		if st.RuleID != "" {
			switch it := planned[key]; {
			case st.Outcome == OutcomeRestored && st.PendingOp == "":
				s.AlreadyDone++
				keys = append(keys, &migrate.Item{Key: key})
			case !st.MayExist():
			case it == nil || it.Setting == nil || it.Setting.PolicyID != st.PolicyID || it.Setting.RuleID != st.RuleID:
				keys = append(keys, &migrate.Item{Key: key})
				if err := j.Append(Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: key, Op: string(wire.OpUpdateRule), PolicyID: st.PolicyID, RuleID: st.RuleID,
					Outcome: OutcomeFailed, Code: CodeNotInPlan, Message: "the plan this journal applied does not change this rule; rollback leaves it alone"}); err != nil {
					return s, err
				}
			default:
				keys = append(keys, &migrate.Item{Key: key})
				rules = append(rules, it)
			}
			continue
		}
		if st.Target == nil {
			continue
		}
		tg := *st.Target
		switch {
		case st.Outcome == OutcomeDeleted && st.PendingOp == "":
			s.AlreadyDone++
			keys = append(keys, &migrate.Item{Key: key, Target: tg})
			continue
		case !st.MayExist():
			continue // exists, refused, never sent: not the run's to remove
		}
		keys = append(keys, &migrate.Item{Key: key, Target: tg})
		if it := planned[key]; it == nil || holding(it.Target) != holding(tg) {
			op := removeOp(tg, st.ObjectID)
			l := Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: key, Op: string(op.Kind), Target: &tg, Outcome: OutcomeFailed, Code: CodeNotInPlan,
				Message: "the plan this journal applied does not create this; rollback leaves it alone (the journal was edited, or belongs with another plan)"}
			if err := j.Append(l); err != nil {
				return s, err
			}
			continue
		}
		// Until ReplicationWait has passed since it was created, not
		// finding an object proves nothing — unless it was seen since:
		// once Graph has shown an object, a later "not found" means gone.
		since := st.LastWrite
		if since.IsZero() {
			since = st.Last.At
		}
		if st.Verified {
			since = time.Time{}
		}
		switch {
		case tg.Kind == migrate.KindRoleAssignment && st.ObjectID == "":
			checks = append(checks, r.removalCheck(key, tg, "", since))
		default:
			tasks = append(tasks, &task{key: key, op: removeOp(tg, st.ObjectID), since: since})
		}
	}
	r.progress(func(p *Progress) { p.Phase, p.Total = "write", len(keys)-s.AlreadyDone })
	r.handle = r.handleRemove
	err := r.execute(ctx, len(keys), tasks, checks)
	// The rules last, once nobody holds the roles by this run any more.
	if err == nil && ctx.Err() == nil && len(rules) > 0 {
		r.progress(func(p *Progress) { p.Phase = "settings" })
		err = r.restoreRules(ctx, rules)
	}
	s.Interrupted = ctx.Err() != nil
	s.Selected = len(keys)
	r.count(&s, keys)
	r.progress(func(p *Progress) { p.Phase = "done" })
	return s, err
}

// removalCheck looks for an object to remove that a removal did not find,
// or whose id the journal does not know: found, it is removed; not found
// once ReplicationWait has passed since it was created, it is gone.
func (r *run) removalCheck(key string, tg migrate.Target, id string, since time.Time) *check {
	c := &check{key: key, probe: wire.Probe{Kind: tg.Kind, ID: id, Target: tg}, since: since, decides: true}
	c.done = func(c *check, s wire.Sighting) ([]Line, *task, bool) {
		switch {
		case s.Found:
			// Seen now: a "not found" from here on means it is gone.
			return nil, &task{key: key, op: removeOp(tg, s.Object.ID)}, false
		case !r.settled(c):
			return nil, nil, true
		}
		op := removeOp(tg, id)
		return []Line{{Type: LineOutcome, At: r.opt.Now().UTC(), Key: key, Op: string(op.Kind), Target: &tg, Outcome: OutcomeDeleted, Reconciled: true,
			Code: "NotFound", Message: fmt.Sprintf("not in the tenant %s after it was sent: never created, or already removed", r.opt.ReplicationWait)}}, nil, false
	}
	return c
}

func (r *run) handleRemove(t *task, res wire.Result) verdict {
	l := r.outcomeLine(t, res)
	l.Outcome = OutcomeDeleted
	switch {
	case res.Status >= 200 && res.Status < 300:
		return verdict{line: &l}
	case res.Status == 404, res.Status == 400 && res.Code == "RoleAssignmentDoesNotExist":
		// Gone — or created so lately that Graph does not show it yet:
		// look for it until replication has surely caught up.
		tg := t.op.Target
		id := ""
		if tg.Kind == migrate.KindRoleAssignment {
			id = t.op.ObjectID
		}
		return verdict{check: r.removalCheck(t.key, tg, id, t.since)}
	}
	if ok, wait := transient(t, res); ok {
		return verdict{wait: wait}
	}
	fl := r.failLine(t, res)
	return verdict{line: &fl}
}
