package apply

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Selection splits a plan's create items into those this run may send and
// those a reviewer declined or nobody confirmed.
func Selection(p *migrate.Plan, unreviewedOK bool) (send []*migrate.Item, notApproved int) {
	for i := range p.Items {
		it := &p.Items[i]
		if !it.Changes() {
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
// and reads back each object it created — while it goes on sending — to
// check its principal, role and scope. The caller has verified the plan's
// digest and that g is signed in to the plan's tenant; Apply checks the
// safety invariants of every item it would send (migrate.CheckSendable)
// and refuses the plan, sending nothing, if one fails. A cancelled ctx
// stops sending; in-flight requests finish and are journaled, and
// Summary.Interrupted is set.
func Apply(ctx context.Context, p *migrate.Plan, j *Journal, g Graph, opt Options) (s Summary, err error) {
	r := newRun(g, j, opt, "apply")
	items, notApproved := Selection(p, r.opt.UnreviewedOK)
	s.Selected, s.NotApproved = len(items), notApproved
	if err := migrate.CheckSendable(p, items); err != nil {
		return s, err
	}
	if err := r.header(p.Digest, p.TenantID, p.GraphURL); err != nil {
		return s, err
	}
	all := items
	r.items = map[string]*migrate.Item{}
	for _, it := range items {
		r.items[it.Key] = it
	}
	r.progress(func(pr *Progress) { pr.Phase, pr.Total = "reconcile", len(items) })
	defer func() {
		s.Interrupted = ctx.Err() != nil
		r.count(&s, all)
		r.progress(func(pr *Progress) { pr.Phase = "done" })
	}()
	// Role settings first: their assignments wait until they hold.
	var settings, assignments []*migrate.Item
	for _, it := range items {
		if it.Kind == migrate.KindRoleSetting {
			settings = append(settings, it)
		} else {
			assignments = append(assignments, it)
		}
	}
	if len(settings) > 0 {
		r.progress(func(pr *Progress) { pr.Phase = "settings" })
		var held map[migrate.GUID]bool
		if held, err = r.applySettings(ctx, settings); err != nil || ctx.Err() != nil {
			return s, err
		}
		if assignments, err = r.holdBack(assignments, held); err != nil {
			return s, err
		}
	}
	items = assignments
	// What the tenant holds now, before this run sends anything: a planned
	// object already there was made by someone else (it is exists, never
	// sent), unless this journal may have made it.
	var existing map[holdingKey]wire.Object
	if existing, err = r.existing(ctx, items); err != nil {
		return s, err
	}
	var tasks []*task
	var checks []*check
	for _, it := range items {
		st := j.State(it.Key)
		t := &task{key: it.Key, op: wire.CreateOp(it.Target)}
		o, there := existing[holding(it.Target)]
		done := Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: it.Key, Op: string(t.op.Kind), Target: &it.Target}
		switch {
		case st.Outcome == OutcomeCreated && !st.Verified && st.PendingOp == "":
			// Created by an earlier run but not seen yet: look again.
			s.AlreadyDone++
			checks = append(checks, r.verifyCheck(it, st.ID(), st.LastWrite))
			r.progress(func(pr *Progress) { pr.Done++ })
			continue
		case st.Outcome == OutcomeCreated || st.Outcome == OutcomeExists,
			st.Outcome == OutcomeFailed && st.PendingOp == "" && !r.opt.RetryFailed:
			s.AlreadyDone++
			r.progress(func(pr *Progress) { pr.Done++ })
			continue
		case st.MayExist() && there:
			// Sent before and there it is: ours, whatever the journal
			// said of it last (no answer, or a failure that did not rule
			// out that the write went through).
			done.Outcome, done.Reconciled, done.Attempt = OutcomeCreated, true, st.Intents
			setID(&done, it.Target.Kind, o.ID)
			s.Reconciled++
			if err := j.Append(done, verifiedLine(r.opt.Now(), it, o.ID)); err != nil {
				return s, err
			}
			r.progress(func(pr *Progress) { pr.Done++ })
			continue
		case st.MayExist():
			// Sent before but not there, or not visible yet: send again,
			// and take a duplicate answer as ours.
			t.ambiguous = true
			tasks = append(tasks, t)
			continue
		case there:
			done.Outcome, done.Code, done.Message = OutcomeExists, "AlreadyPresent", "already in the tenant when apply started"
			setID(&done, it.Target.Kind, o.ID)
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
	return s, r.execute(ctx, len(items), tasks, checks)
}

// CodeSettingsNotApplied marks an assignment held back because its role's
// settings did not all apply: it would have been usable under rules weaker
// than legacy's.
const CodeSettingsNotApplied = "RoleSettingsNotApplied"

// holdBack journals, as failed, the assignments not yet sent of roles whose
// settings did not apply, and returns the others.
func (r *run) holdBack(items []*migrate.Item, held map[migrate.GUID]bool) ([]*migrate.Item, error) {
	var keep []*migrate.Item
	for _, it := range items {
		st := r.j.State(it.Key)
		if !held[it.Target.RoleDefinitionID] || st.Outcome == OutcomeCreated || st.Outcome == OutcomeExists || st.PendingOp != "" {
			keep = append(keep, it)
			continue
		}
		tg := it.Target
		if err := r.j.Append(Line{Type: LineOutcome, At: r.opt.Now().UTC(), Key: it.Key, Op: string(wire.CreateOp(tg).Kind), Target: &tg,
			Outcome: OutcomeFailed, Code: CodeSettingsNotApplied,
			Message: "not sent: the role's settings did not all apply, and the assignment would be usable under rules weaker than legacy's; fix them, then run apply --retry-failed"}); err != nil {
			return nil, err
		}
		r.progress(func(pr *Progress) { pr.Done++ })
	}
	return keep, nil
}

// setID puts the id of an object found in the tenant on an outcome line:
// the roleAssignment's id, or the schedule's.
func setID(l *Line, kind migrate.TargetKind, id string) {
	if kind == migrate.KindRoleAssignment {
		l.ObjectID = id
	} else {
		l.TargetScheduleID = id
	}
}

// verifiedLine records that it's object was read back as planned, with its id.
func verifiedLine(now time.Time, it *migrate.Item, id string) Line {
	tg := it.Target
	l := Line{Type: LineVerified, At: now.UTC(), Key: it.Key, Target: &tg}
	setID(&l, tg.Kind, id)
	return l
}

func (r *run) handleCreate(t *task, res wire.Result) verdict {
	it := r.items[t.key]
	l := r.outcomeLine(t, res)
	now := r.opt.Now()
	switch {
	case res.Status >= 200 && res.Status < 300 && !grants(res.RequestStatus):
		// A schedule request Graph accepted but did not carry out
		// (PendingApproval, Failed, Denied...) grants nothing.
		l.Outcome, l.ObjectID, l.Code = OutcomeFailed, res.ObjectID, "Request"+res.RequestStatus
		l.Message = fmt.Sprintf("the schedule request was accepted with status %s, which grants nothing; check the role's PIM settings", res.RequestStatus)
		return verdict{line: &l}
	case res.Status >= 200 && res.Status < 300:
		l.Outcome, l.ObjectID, l.TargetScheduleID = OutcomeCreated, res.ObjectID, res.TargetScheduleID
		id := res.ObjectID
		if it.Target.Kind != migrate.KindRoleAssignment {
			id = res.TargetScheduleID
		}
		return verdict{line: &l, check: r.verifyCheck(it, id, now)}
	case isDuplicate(res) && t.ambiguous:
		// Already there, and an earlier try of ours may have made it: it
		// is ours (rollback removes it). Its id is looked up while reads
		// catch up; until found it is "created, id unknown".
		l.Outcome, l.Code, l.Message = OutcomeCreated, res.Code, res.Message
		return verdict{line: &l, check: r.verifyCheck(it, "", now)}
	case isDuplicate(res):
		// Already there, made by someone else since apply read the
		// tenant: not ours. Its id, for the report, if reads show it soon.
		l.Outcome, l.Code, l.Message = OutcomeExists, res.Code, res.Message
		return verdict{line: &l, check: r.existsCheck(it, now)}
	case res.Status == 404 && t.notFound < 3:
		// A principal created moments ago can 404 until it replicates.
		t.notFound++
		return verdict{wait: wire.Backoff(t.notFound + 1)}
	}
	if ok, wait := transient(t, res); ok {
		if c, after, ok := r.later(t); ok {
			return verdict{check: c, wait: after}
		}
		return verdict{wait: wait}
	}
	fl := r.failLine(t, res)
	return verdict{line: &fl}
}

// later is, for a create whose write may have gone through unanswered (a
// 5xx, a lost answer), a look in the tenant once reads have caught up with
// it, instead of sending it again at once: while writes queue up behind
// Graph's quota, a duplicate would spend a write another item needs.
// Found, the object is ours; not found, the create is sent again (a
// duplicate answer then is ours too, so this is safe whatever the lag).
// It applies only while the queue would still be busy by then, and once a
// created object has shown how long the tenant's reads lag.
func (r *run) later(t *task) (*check, time.Duration, bool) {
	it := r.items[t.key]
	lag, known := r.seenLag()
	rate := r.lim.Rate()
	if it == nil || !t.ambiguous || !known || rate <= 0 {
		return nil, 0, false
	}
	after := lag*5/4 + 100*time.Millisecond
	if busy := time.Duration(float64(len(r.work)) / rate * float64(time.Second)); busy < after {
		return nil, 0, false
	}
	c := &check{key: it.Key, probe: wire.Probe{Kind: it.Target.Kind, Target: it.Target}, since: r.opt.Now(), decides: true}
	c.done = func(c *check, s wire.Sighting) ([]Line, *task, bool) {
		if !s.Found || mismatch(it.Target, s.Object) != "" {
			return nil, t, false // not there (yet): send it again
		}
		now := r.opt.Now().UTC()
		tg := it.Target
		l := Line{Type: LineOutcome, At: now, Key: it.Key, Op: string(t.op.Kind), Target: &tg, Outcome: OutcomeCreated,
			Reconciled: true, Attempt: t.attempts + t.throttles}
		setID(&l, tg.Kind, s.Object.ID)
		return []Line{l, verifiedLine(now, it, s.Object.ID)}, nil, false
	}
	return c, after, true
}

// verifyCheck reads back what apply created for it: by id when known,
// otherwise by principal, role and scope, until it shows or
// ReplicationWait has passed since the write.
func (r *run) verifyCheck(it *migrate.Item, id string, since time.Time) *check {
	c := &check{key: it.Key, probe: wire.Probe{Kind: it.Target.Kind, ID: id, Target: it.Target}, since: since}
	c.done = func(c *check, s wire.Sighting) ([]Line, *task, bool) {
		now := r.opt.Now()
		tg := it.Target
		r.sawCreated(c, s.Found)
		switch diff := mismatch(tg, s.Object); {
		case s.Found && diff == "":
			return []Line{verifiedLine(now, it, s.Object.ID)}, nil, false
		case s.Found:
			l := Line{Type: LineOutcome, At: now.UTC(), Key: it.Key, Op: string(wire.CreateOp(tg).Kind), Target: &tg,
				Outcome: OutcomeFailed, Code: CodeVerificationFailed, Message: "created object " + s.Object.ID + " " + diff}
			setID(&l, tg.Kind, s.Object.ID)
			if tg.Kind != migrate.KindRoleAssignment {
				l.ObjectID = r.j.State(it.Key).ObjectID
			}
			return []Line{l}, nil, false
		case !r.settled(c):
			return nil, nil, true // not visible yet: replication delay
		case c.probe.ID != "":
			// Graph gave its id, yet it never showed: a failure, which
			// rollback still treats as ours.
			l := Line{Type: LineOutcome, At: now.UTC(), Key: it.Key, Op: string(wire.CreateOp(tg).Kind), Target: &tg,
				Outcome: OutcomeFailed, Code: CodeVerificationFailed,
				Message: fmt.Sprintf("created object %s did not appear within %s of being created; check it in the tenant", c.probe.ID, r.opt.ReplicationWait)}
			setID(&l, tg.Kind, c.probe.ID)
			return []Line{l}, nil, false
		}
		// Created, id unknown, not seen: left for the next run (and
		// rollback) to look up again.
		return nil, nil, false
	}
	return c
}

// existsCheck looks up, for the report, the id of an object someone else
// made: a few tries, never holding the run up for long.
func (r *run) existsCheck(it *migrate.Item, since time.Time) *check {
	c := &check{key: it.Key, probe: wire.Probe{Kind: it.Target.Kind, Target: it.Target}, since: since}
	c.done = func(c *check, s wire.Sighting) ([]Line, *task, bool) {
		switch {
		case s.Found:
			return []Line{verifiedLine(r.opt.Now(), it, s.Object.ID)}, nil, false
		case c.tries < 4:
			return nil, nil, true
		}
		return nil, nil, false
	}
	return c
}

// holding identifies what grants a target: its kind, principal, role and
// scope.
type holdingKey struct {
	provider        string
	kind            migrate.TargetKind
	principal, role migrate.GUID
	scope           string
}

func holding(t migrate.Target) holdingKey {
	return holdingKey{t.ProviderName(), t.Kind, t.PrincipalID, t.RoleDefinitionID, strings.ToLower(t.ScopeID())}
}

// existing lists, once, the objects of every kind the items create, keyed
// by what they grant.
func (r *run) existing(ctx context.Context, items []*migrate.Item) (map[holdingKey]wire.Object, error) {
	out := map[holdingKey]wire.Object{}
	type list struct {
		provider string
		kind     migrate.TargetKind
	}
	listed := map[list]bool{}
	for _, it := range items {
		l := list{it.Target.ProviderName(), it.Target.Kind}
		if listed[l] {
			continue
		}
		listed[l] = true
		objs, err := r.g.Objects(ctx, l.provider, l.kind)
		if err != nil {
			return nil, fmt.Errorf("read the tenant before applying: %w", err)
		}
		for _, o := range objs {
			out[holdingKey{l.provider, l.kind, o.PrincipalID, o.RoleDefinitionID, strings.ToLower(o.ScopeID(l.provider))}] = o
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

// mismatch says how an object differs from its target, "" if it does not.
func mismatch(t migrate.Target, o wire.Object) string {
	var d []string
	if o.PrincipalID != t.PrincipalID {
		d = append(d, fmt.Sprintf("has principal %s, not %s", o.PrincipalID, t.PrincipalID))
	}
	if o.RoleDefinitionID != t.RoleDefinitionID {
		d = append(d, fmt.Sprintf("has role %s, not %s", o.RoleDefinitionID, t.RoleDefinitionID))
	}
	if got, want := o.ScopeID(t.Provider), t.ScopeID(); !strings.EqualFold(got, want) {
		d = append(d, fmt.Sprintf("has scope %q, not %q", got, want))
	}
	return strings.Join(d, ", ")
}

// count fills the summary from the journal.
func (r *run) count(s *Summary, items []*migrate.Item) {
	s.Timing = r.timing(r.opt.Now())
	r.mu.Lock()
	s.Throttled, s.Requests = r.prog.Throttled, r.prog.Requests
	r.mu.Unlock()
	for _, it := range items {
		st := r.j.State(it.Key)
		switch st.Outcome {
		case OutcomeCreated:
			s.Created++
			if !st.Verified {
				s.Unverified++
			}
		case OutcomeUpdated:
			s.Updated++
			if !st.Verified {
				s.Unverified++
			}
		case OutcomeRestored:
			s.Restored++
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
