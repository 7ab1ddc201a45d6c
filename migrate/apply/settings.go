package apply

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Role settings go before the assignments: no admin made eligible by this
// run can activate under a weaker default. A rule is changed with a PATCH
// of the whole rule (idempotent: sending it again is safe), journaled with
// the rule as it was before, read back to verify, and put back by
// rollback. The updates of a role go in stages (migrate.SettingChange.Stage)
// so that an authentication context is never on while MFA is.

// CodeRuleChanged marks a rule the tenant changed after the plan was made
// (apply) or after apply changed it (rollback): it is left alone.
const CodeRuleChanged = "RuleChangedSincePlan"

// applySettings sends the plan's rule updates, stage by stage, and reads
// each back. It returns the keys of the roles whose updates did not all
// end updated or already so: their assignments are held back.
func (r *run) applySettings(ctx context.Context, items []*migrate.Item) (held map[migrate.GUID]bool, err error) {
	current, err := r.readRules(ctx, items)
	if err != nil {
		return nil, err
	}
	stages := map[int][]*task{}
	var checks []*check
	for _, it := range items {
		sc := it.Setting
		st := r.j.State(it.Key)
		cur := current[it.Key]
		line := Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: it.Key, Op: string(wire.OpUpdateRule), PolicyID: sc.PolicyID, RuleID: sc.RuleID}
		asPlanned, _ := migrate.SameRule(sc.RuleID, sc.Send, cur)
		asBefore, _ := migrate.SameRule(sc.RuleID, sc.Current, cur)
		switch {
		case st.Outcome == OutcomeUpdated && st.Verified, st.Outcome == OutcomeExists,
			st.Outcome == OutcomeFailed && st.PendingOp == "" && !r.opt.RetryFailed:
			r.progress(func(pr *Progress) { pr.Done++ })
			continue
		case st.Outcome == OutcomeUpdated:
			checks = append(checks, r.ruleCheck(it, st.LastWrite))
			r.progress(func(pr *Progress) { pr.Done++ })
			continue
		case st.Outcome == OutcomeRestored && (asPlanned || asBefore):
			// A rollback put the rule back: a read that shows it as
			// planned may lag behind that restore, so it proves nothing.
			// The PATCH of the whole rule is safe to send again, and the
			// rule before it is the one rollback restored.
			op := wire.Op{Kind: wire.OpUpdateRule, PolicyID: sc.PolicyID, RuleID: sc.RuleID, Body: sc.Send}
			stages[sc.Stage] = append(stages[sc.Stage], &task{key: it.Key, op: op, before: st.Before})
			continue
		case asPlanned && st.Sent:
			line.Outcome, line.Reconciled = OutcomeUpdated, true // ours, from a run cut short
		case asPlanned:
			line.Outcome, line.Code, line.Message = OutcomeExists, "AlreadySet", "the rule was already as planned when apply started"
		case asBefore:
			op := wire.Op{Kind: wire.OpUpdateRule, PolicyID: sc.PolicyID, RuleID: sc.RuleID, Body: sc.Send}
			stages[sc.Stage] = append(stages[sc.Stage], &task{key: it.Key, op: op, before: cur})
			continue
		default:
			line.Outcome, line.Code = OutcomeFailed, CodeRuleChanged
			line.Message = "the tenant's rule changed after the plan was made; make the plan again to see it as it is now"
		}
		lines := []Line{line}
		if line.Outcome == OutcomeUpdated {
			lines = append(lines, Line{Type: LineVerified, At: line.At, Key: it.Key, PolicyID: sc.PolicyID, RuleID: sc.RuleID})
		}
		if err := r.j.Append(lines...); err != nil {
			return nil, err
		}
		r.progress(func(pr *Progress) { pr.Done++ })
	}
	r.handle = r.handleUpdate
	order := make([]int, 0, len(stages))
	for s := range stages {
		order = append(order, s)
	}
	sort.Ints(order)
	if len(order) == 0 && len(checks) > 0 {
		order = []int{1}
	}
	for i, s := range order {
		if i > 0 {
			checks = nil // read back with the first stage
		}
		if err := r.execute(ctx, len(items), stages[s], checks); err != nil || ctx.Err() != nil {
			return nil, err
		}
		checks = nil
	}
	held = map[migrate.GUID]bool{}
	for _, it := range items {
		if st := r.j.State(it.Key); st.Outcome != OutcomeUpdated && st.Outcome != OutcomeExists {
			held[it.Setting.RoleID] = true
		}
	}
	return held, nil
}

// readRules reads the rule of each item as the tenant holds it now, by
// item key. A probe that gets no answer is asked again, on its own, with
// back-off; a rule that is not there, or that cannot be read in many tries,
// stops the run.
func (r *run) readRules(ctx context.Context, items []*migrate.Item) (map[string][]byte, error) {
	out := map[string][]byte{}
	pending := append([]*migrate.Item(nil), items...)
	for try := 1; len(pending) > 0; try++ {
		var left []*migrate.Item
		var last error
		for start := 0; start < len(pending); start += wire.MaxBatch {
			batch := pending[start:min(start+wire.MaxBatch, len(pending))]
			probes := make([]wire.Probe, len(batch))
			for i, it := range batch {
				probes[i] = wire.Probe{Rule: &wire.RuleRef{PolicyID: it.Setting.PolicyID, RuleID: it.Setting.RuleID}}
			}
			got, err := r.g.Look(ctx, probes)
			if err != nil {
				left, last = append(left, batch...), err
				continue
			}
			for i, s := range got {
				switch {
				case s.Found:
					out[batch[i].Key] = s.Body
				case s.Err == nil:
					return nil, fmt.Errorf("read the tenant before applying: rule %s of policy %s is not there; make the plan again", batch[i].Setting.RuleID, batch[i].Setting.PolicyID)
				default:
					left, last = append(left, batch[i]), s.Err
				}
			}
		}
		pending = left
		if len(pending) == 0 {
			break
		}
		// Reads are safe to repeat: they get three times a write's tries.
		if try >= 3*r.opt.MaxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("read the tenant before applying: %w", last)
		}
		if err := r.opt.Sleep(ctx, max(wire.Backoff(try), retryAfter(last))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *run) handleUpdate(t *task, res wire.Result) verdict {
	l := r.outcomeLine(t, res)
	switch {
	case res.Status >= 200 && res.Status < 300:
		l.Outcome = OutcomeUpdated
		return verdict{line: &l, check: r.ruleCheck(r.items[t.key], r.opt.Now())}
	}
	if ok, wait := transient(t, res); ok {
		return verdict{wait: wait} // a PATCH of the whole rule may be sent again
	}
	fl := r.failLine(t, res)
	return verdict{line: &fl}
}

// ruleCheck reads a changed rule back until it reads as planned, or
// ReplicationWait has passed since the change.
func (r *run) ruleCheck(it *migrate.Item, since time.Time) *check {
	sc := it.Setting
	c := &check{key: it.Key, probe: wire.Probe{Rule: &wire.RuleRef{PolicyID: sc.PolicyID, RuleID: sc.RuleID}}, since: since}
	c.done = func(c *check, s wire.Sighting) ([]Line, *task, bool) {
		now := r.opt.Now().UTC()
		ok, _ := migrate.SameRule(sc.RuleID, sc.Send, s.Body)
		switch {
		case s.Found && ok:
			return []Line{{Type: LineVerified, At: now, Key: it.Key, PolicyID: sc.PolicyID, RuleID: sc.RuleID}}, nil, false
		case !r.settled(c):
			return nil, nil, true // reads may still show the rule as it was
		}
		return []Line{{Type: LineOutcome, At: now, Key: it.Key, Op: string(wire.OpUpdateRule), PolicyID: sc.PolicyID, RuleID: sc.RuleID,
			Outcome: OutcomeFailed, Code: CodeVerificationFailed,
			Message: fmt.Sprintf("rule %s did not read back as sent within %s", sc.RuleID, r.opt.ReplicationWait)}}, nil, false
	}
	return c
}

// restoreRules puts the rules apply changed back as the journal recorded
// them before the change, in the reverse of apply's stages. A rule the
// tenant changed since (neither as it was nor as apply sent it) is left
// alone: failed, RuleChangedSincePlan.
func (r *run) restoreRules(ctx context.Context, items []*migrate.Item) error {
	current, err := r.readRules(ctx, items)
	if err != nil {
		return err
	}
	stages := map[int][]*task{}
	for _, it := range items {
		sc := it.Setting
		st := r.j.State(it.Key)
		cur := current[it.Key]
		before, _ := migrate.SameRule(sc.RuleID, st.Before, cur)
		sent, _ := migrate.SameRule(sc.RuleID, st.Body, cur)
		if st.Before == nil || !before && !sent {
			if err := r.j.Append(Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: it.Key, Op: string(wire.OpUpdateRule), PolicyID: sc.PolicyID, RuleID: sc.RuleID,
				Outcome: OutcomeFailed, Code: CodeRuleChanged, Message: "the tenant's rule changed after apply changed it; rollback leaves it alone: check it by hand"}); err != nil {
				return err
			}
			r.progress(func(p *Progress) { p.Done++ })
			continue
		}
		// Sent again even when it reads as before: reads may lag behind
		// apply's change, and the PATCH of the whole rule is idempotent.
		op := wire.Op{Kind: wire.OpUpdateRule, PolicyID: sc.PolicyID, RuleID: sc.RuleID, Body: st.Before}
		stages[-sc.Stage] = append(stages[-sc.Stage], &task{key: it.Key, op: op})
	}
	r.handle = r.answeredWith(OutcomeRestored)
	order := make([]int, 0, len(stages))
	for s := range stages {
		order = append(order, s)
	}
	sort.Ints(order)
	for _, s := range order {
		if err := r.execute(ctx, len(items), stages[s], nil); err != nil || ctx.Err() != nil {
			return err
		}
	}
	return nil
}

// answeredWith judges an answer that needs no read-back: a success is
// outcome, a transient failure is sent again, anything else fails.
func (r *run) answeredWith(outcome string) func(*task, wire.Result) verdict {
	return func(t *task, res wire.Result) verdict {
		l := r.outcomeLine(t, res)
		if res.Status >= 200 && res.Status < 300 {
			l.Outcome = outcome
			return verdict{line: &l}
		}
		if ok, wait := transient(t, res); ok {
			return verdict{wait: wait}
		}
		fl := r.failLine(t, res)
		return verdict{line: &fl}
	}
}
