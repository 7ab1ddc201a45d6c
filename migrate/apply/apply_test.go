package apply

import (
	"context"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

var bg = context.Background()

func TestApplyEveryOutcome(t *testing.T) {
	w := newWorld(t, 40, graphsim.Options{})
	legacy := legacyFor(40, time.Now())
	// A service principal made eligible: Graph refuses it (a permanent error).
	sp := migrate.Assignment{UserID: migrate.MustGUID(userID(900000)), RoleID: migrate.MustGUID(roleSec), PrincipalType: migrate.PrincipalUser,
		Origin: migrate.OriginIteration1, Source: "t.json#99", State: migrate.StateEligible}
	sp.ID = migrate.Key(sp.UserID, sp.RoleID)
	p := w.plan(t, append(legacy, sp))
	// Sneak the service principal past the planner (as a stale plan would).
	for i := range p.Items {
		if p.Items[i].Key == sp.ID {
			p.Items[i].Action = migrate.ActionCreate
		}
	}
	// Someone creates one of the planned assignments between plan and apply.
	var pre *migrate.Item
	for i := range p.Items {
		if p.Items[i].Target.Kind == migrate.KindRoleAssignment {
			pre = &p.Items[i]
			break
		}
	}
	if _, err := w.c.Write(bg, []wire.Op{wire.CreateOp(pre.Target)}); err != nil {
		t.Fatal(err)
	}
	// One reviewer declined an item.
	declined := &p.Items[len(p.Items)-2]
	no := false
	declined.Approved = &no
	p.Seal()
	before := w.holdings()

	j := openJournal(t)
	s, err := Apply(bg, p, j, w.c, Options{UnreviewedOK: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Exists != 1 || s.Failed != 1 || s.NotApproved != 1 || s.Created != s.Selected-2 || s.Verified != s.Created {
		t.Errorf("summary %+v", s)
	}
	if st := j.State(pre.Key); st.Outcome != OutcomeExists || st.ObjectID == "" {
		t.Errorf("pre-existing item: %+v, want exists with the existing id", st)
	}
	if st := j.State(sp.ID); st.Outcome != OutcomeFailed || st.Last.Status != 400 || st.Last.Code == "" {
		t.Errorf("service principal item: %+v", st)
	}
	if st := j.State(declined.Key); st.Outcome != "" {
		t.Errorf("declined item was sent: %+v", st)
	}
	for _, it := range p.Items {
		st := j.State(it.Key)
		if st.Outcome == OutcomeCreated && (st.ObjectID == "" || it.Target.Kind != migrate.KindRoleAssignment && st.TargetScheduleID == "") {
			t.Errorf("%s created without ids: %+v", it.Key, st)
		}
	}
	// Everything planned is there once; the declined and failed are not.
	declined.Action = migrate.ActionSkip
	for i := range p.Items {
		if p.Items[i].Key == sp.ID || p.Items[i].Key == pre.Key {
			p.Items[i].Action = migrate.ActionSkip
		}
	}
	before["ra"][triple{pre.Target.PrincipalID.String(), pre.Target.RoleDefinitionID.String(), "/"}] = 1
	w.checkExactlyPlanned(t, p, before)

	// Re-running the finished journal sends nothing.
	writes := w.srv.Stats().Writes
	s2, err := Apply(bg, p, j, w.c, Options{UnreviewedOK: true})
	if err != nil {
		t.Fatal(err)
	}
	if w.srv.Stats().Writes != writes || s2.Requests != 0 {
		t.Errorf("second run wrote %d times", w.srv.Stats().Writes-writes)
	}
}

func TestApplyThrottlingStorm(t *testing.T) {
	w := newWorld(t, 120, graphsim.Options{ThrottleWrites: 60, ThrottleBurst: 5})
	p := w.plan(t, legacyFor(120, time.Now()))
	before := w.holdings()
	s, err := Apply(bg, p, openJournal(t), w.c, Options{UnreviewedOK: true, Concurrency: 6})
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed != 0 || s.Created != s.Selected || s.Throttled == 0 {
		t.Errorf("summary %+v: want everything created through the throttling", s)
	}
	w.checkExactlyPlanned(t, p, before)
}

func TestApplyUnderFaults(t *testing.T) {
	w := newWorld(t, 200, graphsim.Options{FaultRate: 0.05, Seed: 11})
	p := w.plan(t, legacyFor(200, time.Now()))
	before := w.holdings()
	s, err := Apply(bg, p, openJournal(t), w.c, Options{UnreviewedOK: true, MaxAttempts: 12})
	if err != nil {
		t.Fatal(err)
	}
	st := w.srv.Stats()
	if st.Faults == 0 || st.FaultsAfterCommit == 0 {
		t.Fatalf("no faults injected: %+v", st)
	}
	if s.Failed != 0 || s.Exists != 0 || s.Created != s.Selected {
		t.Errorf("summary %+v: faults after commit must come out created, not exists or doubled", s)
	}
	w.checkExactlyPlanned(t, p, before)
}

func TestApplyWaitsOutReplicationLag(t *testing.T) {
	w := newWorld(t, 12, graphsim.Options{ConsistencyLag: 400 * time.Millisecond})
	p := w.plan(t, legacyFor(12, time.Now()))
	s, err := Apply(bg, p, openJournal(t), w.c, Options{UnreviewedOK: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Verified != s.Created || s.Created == 0 || s.Failed != 0 {
		t.Errorf("summary %+v: every created object should verify once visible", s)
	}
}

func TestInterruptAndResume(t *testing.T) {
	w := newWorld(t, 150, graphsim.Options{Latency: 5 * time.Millisecond})
	p := w.plan(t, legacyFor(150, time.Now()))
	before := w.holdings()
	j := openJournal(t)
	ctx, cancel := context.WithCancel(bg)
	s, err := Apply(ctx, p, j, w.c, Options{UnreviewedOK: true, BatchSize: 5, Concurrency: 2, Progress: func(pr Progress) {
		if pr.Done >= 40 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Interrupted || s.Created+s.Exists >= s.Selected {
		t.Fatalf("summary %+v: want an interrupted, partial run", s)
	}
	for _, it := range p.Items {
		if st := j.State(it.Key); st.PendingOp != "" {
			t.Errorf("%s left in flight after an orderly interrupt: %+v", it.Key, st)
		}
	}
	s, err = Apply(bg, p, j, w.c, Options{UnreviewedOK: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Created != s.Selected || s.Failed != 0 || s.AlreadyDone == 0 {
		t.Errorf("resumed summary %+v", s)
	}
	w.checkExactlyPlanned(t, p, before)
}

func TestResumeReconcilesIntentsWithoutOutcome(t *testing.T) {
	w := newWorld(t, 9, graphsim.Options{})
	p := w.plan(t, legacyFor(9, time.Now()))
	j := openJournal(t)
	if err := (&run{j: j, opt: Options{Now: time.Now}}).header(p.Digest, p.TenantID, p.GraphURL); err != nil {
		t.Fatal(err)
	}
	// A crashed run: intents journaled for two items; the first request
	// reached Graph, the second never left.
	sent, lost := &p.Items[0], &p.Items[1]
	for _, it := range []*migrate.Item{sent, lost} {
		tg := it.Target
		j.Append(Line{Type: LineIntent, Key: it.Key, Op: string(wire.CreateOp(tg).Kind), Attempt: 1, Target: &tg})
	}
	if _, err := w.c.Write(bg, []wire.Op{wire.CreateOp(sent.Target)}); err != nil {
		t.Fatal(err)
	}
	writes := w.srv.Stats().Writes
	s, err := Apply(bg, p, j, w.c, Options{UnreviewedOK: true})
	if err != nil {
		t.Fatal(err)
	}
	if st := j.State(sent.Key); st.Outcome != OutcomeCreated || !st.Last.Reconciled {
		t.Errorf("sent item: %+v, want created, reconciled", st)
	}
	if s.Reconciled != 1 || w.srv.Stats().Writes-writes != int64(s.Selected-1) {
		t.Errorf("summary %+v, %d writes: the reconciled item must not be sent again", s, w.srv.Stats().Writes-writes)
	}
}

func TestRollbackRestoresTheTenant(t *testing.T) {
	w := newWorld(t, 60, graphsim.Options{FaultRate: 0.03, Seed: 5})
	p := w.plan(t, legacyFor(60, time.Now()))
	// One planned assignment already exists: rollback must leave it.
	if _, err := w.c.Write(bg, []wire.Op{wire.CreateOp(p.Items[0].Target)}); err != nil {
		t.Fatal(err)
	}
	before := w.holdings()
	j := openJournal(t)
	if _, err := Apply(bg, p, j, w.c, Options{UnreviewedOK: true, MaxAttempts: 12}); err != nil {
		t.Fatal(err)
	}
	s, err := Rollback(bg, p, j, w.c, Options{MaxAttempts: 12, ReplicationWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed != 0 || s.Deleted == 0 {
		t.Errorf("rollback summary %+v", s)
	}
	after := w.holdings()
	for kind := range before {
		for tr, n := range before[kind] {
			if after[kind][tr] != n {
				t.Errorf("%s %v: %d after rollback, %d before apply", kind, tr, after[kind][tr], n)
			}
		}
		for tr, n := range after[kind] {
			if before[kind][tr] == 0 {
				t.Errorf("%s %v: %d left after rollback", kind, tr, n)
			}
		}
	}
	// Rolling back again removes nothing more.
	writes := w.srv.Stats().Writes
	if _, err := Rollback(bg, p, j, w.c, Options{}); err != nil || w.srv.Stats().Writes != writes {
		t.Errorf("second rollback: %v, %d writes", err, w.srv.Stats().Writes-writes)
	}
}

func TestForeignJournalIsRefused(t *testing.T) {
	w := newWorld(t, 3, graphsim.Options{})
	p := w.plan(t, legacyFor(3, time.Now()))
	j := openJournal(t)
	if _, err := Apply(bg, p, j, w.c, Options{UnreviewedOK: true}); err != nil {
		t.Fatal(err)
	}
	p2 := w.plan(t, legacyFor(2, time.Now()))
	if _, err := Apply(bg, p2, j, w.c, Options{UnreviewedOK: true}); err == nil {
		t.Fatal("a journal of another plan was accepted")
	}
}
