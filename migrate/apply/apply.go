package apply

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
)

// Selection splits a plan's create items into those this run may send and
// those a reviewer declined or nobody confirmed.
func Selection(p *migrate.Plan, unreviewedOK bool) (send []*migrate.Item, notApproved int) {
	for i := range p.Items {
		it := &p.Items[i]
		if it.Action != migrate.ActionCreate {
			continue
		}
		if it.Sendable(unreviewedOK) {
			send = append(send, it)
		} else {
			notApproved++
		}
	}
	return send, notApproved
}

// Apply sends the plan's approved create items, journaling every step in j,
// then reads back what it created and checks principal, role and scope. The
// caller has verified the plan's digest and that g is signed in to the
// plan's tenant. A cancelled ctx stops sending; in-flight requests finish
// and are journaled, and Summary.Interrupted is set.
func Apply(ctx context.Context, p *migrate.Plan, j *Journal, g Graph, opt Options) (Summary, error) {
	r := newRun(g, j, opt, "apply")
	var s Summary
	items, notApproved := Selection(p, r.opt.UnreviewedOK)
	s.Selected, s.NotApproved = len(items), notApproved
	if err := r.header(p.Digest, p.TenantID, p.GraphURL); err != nil {
		return s, err
	}
	r.progress(func(pr *Progress) { pr.Phase, pr.Total = "reconcile", len(items) })
	// What the tenant holds now, before this run sends anything: a planned
	// object already there was made by someone else (it is exists, never
	// sent), unless this journal shows we sent it (an intent without an
	// answer: then it is ours).
	existing, err := r.existing(ctx, items)
	if err != nil {
		return s, err
	}
	var tasks []*task
	for _, it := range items {
		st := j.State(it.Key)
		t := &task{key: it.Key, op: graph.CreateOp(it.Target)}
		id, there := existing[holding(it.Target)]
		done := Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: it.Key, Op: string(t.op.Kind), Target: &it.Target, ObjectID: id}
		if it.Target.Kind != migrate.KindRoleAssignment {
			done.TargetScheduleID = id
		}
		switch {
		case st.Outcome == OutcomeCreated || st.Outcome == OutcomeExists,
			st.Outcome == OutcomeFailed && st.PendingOp == "" && !r.opt.RetryFailed:
			s.AlreadyDone++
			r.progress(func(pr *Progress) { pr.Done++ })
			continue
		case st.PendingOp != "" && there:
			// Sent before, answer never journaled, and there it is: ours.
			done.Outcome, done.Reconciled, done.Attempt = OutcomeCreated, true, st.Intents
			s.Reconciled++
		case st.PendingOp != "":
			// Sent before but not there (or not visible yet): send again,
			// and take a duplicate answer as ours.
			t.ambiguous = true
			tasks = append(tasks, t)
			continue
		case there:
			done.Outcome, done.Code, done.Message = OutcomeExists, "AlreadyPresent", "already in the tenant when apply started"
		default:
			tasks = append(tasks, t)
			continue
		}
		if err := j.Append(done); err != nil {
			return s, err
		}
		r.progress(func(pr *Progress) { pr.Done++ })
	}
	r.handle = r.handleCreate
	r.progress(func(pr *Progress) { pr.Phase = "write" })
	err = r.send(ctx, tasks)
	s.Interrupted = ctx.Err() != nil
	if err == nil && !s.Interrupted {
		r.progress(func(pr *Progress) { pr.Phase = "verify" })
		err = r.verify(ctx, items)
		s.Interrupted = ctx.Err() != nil
	}
	r.count(&s, items)
	r.progress(func(pr *Progress) { pr.Phase = "done" })
	return s, err
}

func (r *run) handleCreate(ctx context.Context, t *task, res graph.Result) (*Line, time.Duration) {
	tg := t.op.Target
	l := r.outcomeLine(t, res)
	switch {
	case res.Status >= 200 && res.Status < 300 && !grants(res.RequestStatus):
		// A schedule request Graph accepted but did not carry out
		// (PendingApproval, Failed, Denied...) grants nothing.
		l.Outcome, l.ObjectID, l.Code = OutcomeFailed, res.ObjectID, "Request"+res.RequestStatus
		l.Message = fmt.Sprintf("the schedule request was accepted with status %s, which grants nothing; check the role's PIM settings", res.RequestStatus)
		return &l, 0
	case res.Status >= 200 && res.Status < 300:
		l.Outcome, l.ObjectID, l.TargetScheduleID = OutcomeCreated, res.ObjectID, res.TargetScheduleID
		return &l, 0
	case isDuplicate(res):
		// Already there. If an earlier try of ours may have made it, it is
		// ours (rollback removes it); otherwise it was there before us.
		l.Outcome, l.Code, l.Message = OutcomeExists, res.Code, res.Message
		if t.ambiguous {
			l.Outcome = OutcomeCreated
		}
		id, err := r.g.Find(context.WithoutCancel(ctx), tg)
		if err == nil {
			l.ObjectID = id
			if tg.Kind != migrate.KindRoleAssignment {
				l.TargetScheduleID = id
			}
		}
		return &l, 0
	case res.Status == 404 && t.notFound < 3:
		// A principal created moments ago can 404 until it replicates.
		t.notFound++
		return nil, graph.Backoff(t.notFound + 1)
	}
	if ok, wait := transient(t, res); ok {
		return nil, wait
	}
	fl := r.failLine(t, res)
	return &fl, 0
}

// holding identifies what grants a target: its kind, principal, role and
// scope.
type holdingKey struct {
	kind            migrate.TargetKind
	principal, role migrate.GUID
	scope           string
}

func holding(t migrate.Target) holdingKey {
	return holdingKey{t.Kind, t.PrincipalID, t.RoleDefinitionID, t.DirectoryScopeID}
}

// existing lists, once, the objects of every kind the items create, keyed
// by what they grant.
func (r *run) existing(ctx context.Context, items []*migrate.Item) (map[holdingKey]string, error) {
	out := map[holdingKey]string{}
	listed := map[migrate.TargetKind]bool{}
	for _, it := range items {
		k := it.Target.Kind
		if listed[k] {
			continue
		}
		listed[k] = true
		objs, err := r.g.Objects(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("read the tenant before applying: %w", err)
		}
		for _, o := range objs {
			out[holdingKey{k, o.PrincipalID, o.RoleDefinitionID, o.DirectoryScopeID}] = o.ID
		}
	}
	return out, nil
}

// grants reports whether a schedule request status means the access now
// exists ("" for a plain role assignment, which has no status).
func grants(status string) bool {
	switch status {
	case "", "Provisioned", "Granted", "ScheduleCreated", "PendingProvisioning", "PendingScheduleCreation":
		return true
	}
	return false
}

// verify reads back every object the run created and checks its principal,
// role and scope against the plan, waiting out replication delay.
func (r *run) verify(ctx context.Context, items []*migrate.Item) error {
	pending := map[string]*migrate.Item{}
	for _, it := range items {
		if st := r.j.State(it.Key); st.Outcome == OutcomeCreated && !st.Verified {
			pending[it.Key] = it
		}
	}
	for try := 1; len(pending) > 0; try++ {
		byKind := map[migrate.TargetKind]map[string]graph.Object{}
		for _, it := range pending {
			k := it.Target.Kind
			if _, done := byKind[k]; done {
				continue
			}
			objs, err := r.g.Objects(ctx, k)
			if err != nil {
				return fmt.Errorf("verify: %w", err)
			}
			m := map[string]graph.Object{}
			for _, o := range objs {
				m[strings.ToLower(o.ID)] = o
			}
			byKind[k] = m
		}
		var lines []Line
		for key, it := range pending {
			st := r.j.State(key)
			id := st.ObjectID
			if it.Target.Kind != migrate.KindRoleAssignment && st.TargetScheduleID != "" {
				id = st.TargetScheduleID
			}
			o, found := byKind[it.Target.Kind][strings.ToLower(id)]
			if !found && try < r.opt.VerifyTries {
				continue // not visible yet: replication delay
			}
			tg := it.Target
			l := Line{At: r.opt.Now().UTC(), Key: key, Target: &tg}
			switch diff := mismatch(it.Target, o); {
			case !found:
				l.Type, l.Outcome, l.Code = LineOutcome, OutcomeFailed, "VerificationFailed"
				l.ObjectID, l.TargetScheduleID = st.ObjectID, st.TargetScheduleID
				l.Message = fmt.Sprintf("created object %s did not appear in %d reads; check it in the tenant", id, try)
			case diff != "":
				l.Type, l.Outcome, l.Code = LineOutcome, OutcomeFailed, "VerificationFailed"
				l.ObjectID, l.TargetScheduleID = st.ObjectID, st.TargetScheduleID
				l.Message = "created object " + id + " " + diff
			default:
				l.Type = LineVerified
				l.ObjectID = id
			}
			lines = append(lines, l)
			delete(pending, key)
		}
		if len(lines) > 0 {
			if err := r.j.Append(lines...); err != nil {
				return err
			}
		}
		if len(pending) > 0 {
			if err := r.opt.Sleep(ctx, graph.Backoff(try+2)); err != nil {
				return nil // interrupted: the next run verifies
			}
		}
	}
	return nil
}

// mismatch says how an object differs from its target, "" if it does not.
func mismatch(t migrate.Target, o graph.Object) string {
	var d []string
	if o.PrincipalID != t.PrincipalID {
		d = append(d, fmt.Sprintf("has principal %s, not %s", o.PrincipalID, t.PrincipalID))
	}
	if o.RoleDefinitionID != t.RoleDefinitionID {
		d = append(d, fmt.Sprintf("has role %s, not %s", o.RoleDefinitionID, t.RoleDefinitionID))
	}
	if o.DirectoryScopeID != t.DirectoryScopeID {
		d = append(d, fmt.Sprintf("has scope %q, not %q", o.DirectoryScopeID, t.DirectoryScopeID))
	}
	return strings.Join(d, ", ")
}

// count fills the summary from the journal.
func (r *run) count(s *Summary, items []*migrate.Item) {
	r.mu.Lock()
	s.Throttled, s.Requests = r.prog.Throttled, r.prog.Requests
	r.mu.Unlock()
	for _, it := range items {
		st := r.j.State(it.Key)
		switch st.Outcome {
		case OutcomeCreated:
			s.Created++
		case OutcomeExists:
			s.Exists++
		case OutcomeDeleted:
			s.Deleted++
		case OutcomeFailed:
			s.Failed++
			s.Failures = append(s.Failures, Failure{Key: it.Key, Code: st.Last.Code, Message: st.Last.Message, Status: st.Last.Status})
		}
		if st.Verified {
			s.Verified++
		}
	}
}
