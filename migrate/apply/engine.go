package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Graph is what the engine needs of Microsoft Graph; *wire.Client has it.
type Graph interface {
	// TenantID is the signed-in tenant.
	TenantID(ctx context.Context) (string, error)
	// Write sends up to 20 writes as one JSON batch: one result per op, in
	// order, or an error (*wire.Error) when the batch got no answer.
	Write(ctx context.Context, ops []wire.Op) ([]wire.Result, error)
	// Look reads up to 20 objects back, by id or by what they grant, in
	// one JSON batch.
	Look(ctx context.Context, probes []wire.Probe) ([]wire.Sighting, error)
	// Objects lists every object of a target kind (role assignments,
	// eligibility schedules or active assignment schedules).
	Objects(ctx context.Context, provider string, kind migrate.TargetKind) ([]wire.Object, error)
}

// Options tune a run. Zero values take the defaults.
type Options struct {
	BatchSize   int // 1..20, default 20
	Concurrency int // default 4
	// UnreviewedOK sends create items no reviewer decided on: the user
	// confirmed (yes or --yes).
	UnreviewedOK bool
	// RetryFailed sends again items whose last outcome is failed.
	RetryFailed bool
	MaxAttempts int // tries of an item before it fails, default 8 (429s count apart, up to 100)
	// ReplicationWait is the longest Graph is taken to need before a read
	// shows a write, default 5 minutes. Until it has passed since our last
	// write of an object, a read or a removal that does not find it proves
	// nothing: apply and rollback look again, with back-off, rather than
	// take "not found" for "never created" or "already gone".
	ReplicationWait time.Duration
	// PlanPath is the plan's file, recorded in apply's journal header so
	// that rollback can find the plan it checks removals against.
	PlanPath string
	Now      func() time.Time
	Sleep    func(context.Context, time.Duration) error
	// Progress is called after every batch and phase change, from any
	// goroutine, never concurrently.
	Progress func(Progress)
}

func (o *Options) defaults() {
	if o.BatchSize <= 0 || o.BatchSize > 20 {
		o.BatchSize = 20
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.ReplicationWait <= 0 {
		o.ReplicationWait = DefaultReplicationWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = wire.Sleep
	}
}

// DefaultReplicationWait is Options.ReplicationWait's default.
const DefaultReplicationWait = 5 * time.Minute

// Progress is a snapshot of a run for progress bars.
type Progress struct {
	Phase     string // "reconcile", "write", "verify", "done"
	Total     int    // items this run sends
	Done      int    // items with an outcome
	Checking  int    // objects being read back (waiting for replication)
	Throttled int    // 429 answers so far
	Requests  int    // write batches sent
	Reads     int    // read-back batches sent
	Rate      float64
}

// Summary is the result of a run.
type Summary struct {
	Selected    int // items the plan lets this run send
	NotApproved int // create items declined, or unreviewed without confirmation
	AlreadyDone int // items the journal already had an outcome for
	Reconciled  int // interrupted items found in the tenant
	Created     int
	Updated     int // policy rules changed
	Exists      int
	Deleted     int
	Restored    int // policy rules put back by rollback
	Failed      int
	Verified    int
	// Unverified counts objects created but not seen in the tenant yet
	// (replication still lagging when the run ended): the next run, or
	// rollback, looks them up again.
	Unverified  int
	Throttled   int
	Requests    int
	Interrupted bool
	Failures    []Failure
	Timing      Timing
}

// Timing splits a run's wall time into its phases, one after the other.
type Timing struct {
	// Read is reading the tenant before anything is sent.
	Read time.Duration
	// Send is from the first write until every item was sent once.
	Send time.Duration
	// Backoff is from then until the last write was answered: items sent
	// again after a fault or a throttle, waiting out their back-off.
	Backoff time.Duration
	// Verify is from the last write until the last object was read back:
	// waiting for replication.
	Verify time.Duration
}

// Failure is one failed item, for the user.
type Failure struct {
	Key, Code, Message string
	Status             int
}

// Line is the one-line result, e.g.
//
//	Applied 120 (118 created, 2 already existed), 3 failed.
func (s Summary) Line() string {
	line := fmt.Sprintf("Applied %d (%d created, %d already existed), %d failed.", s.Created+s.Exists, s.Created, s.Exists, s.Failed)
	if s.Updated > 0 {
		line = fmt.Sprintf("Updated %d role settings; ", s.Updated) + line
	}
	return line
}

// task is one item on its way.
type task struct {
	key       string
	op        wire.Op
	attempts  int  // answered tries (429s and replication waits not counted)
	throttles int  // 429 answers
	notFound  int  // 404 answers
	ambiguous bool // a try may have taken effect without our knowing
	sent      bool // sent at least once
	// before is a rule as it was before this change (op updateRule),
	// journaled with the intent for rollback.
	before []byte
	// since is our last create of the object (rollback): until
	// ReplicationWait has passed since, "not found" proves nothing.
	since time.Time
}

// verdict is what an answer means for a task: an outcome line to journal
// (then, optionally, a check to read the object back); no line but a check,
// due after wait, that decides what comes next; or another try after wait.
type verdict struct {
	line  *Line
	check *check
	wait  time.Duration
}

// ErrForeignJournal is wrapped when a journal belongs to another plan or tenant.
var ErrForeignJournal = errors.New("journal belongs to another plan")

// run is the machinery apply and rollback share.
type run struct {
	g     Graph
	j     *Journal
	opt   Options
	lim   *limiter
	chk   *checker
	kind  string                   // "apply" or "rollback"
	items map[string]*migrate.Item // apply: the items sent, by key
	work  chan *task
	open  sync.WaitGroup // tasks and checks not yet finished
	tasks atomic.Int64   // tasks not yet finished
	mu    sync.Mutex
	prog  Progress
	fatal error
	// The timeline of Summary.Timing, under mu: the run's start, the end
	// of the read, when the last item was first sent (unsent counts those
	// not sent yet), and the last write's answer.
	start, readDone, firstPass, lastWrite time.Time
	unsent                                int
	stop                                  context.CancelFunc
	// stopped is closed when the run is interrupted or stopped.
	stopped <-chan struct{}
	// handle judges one answer.
	handle func(t *task, res wire.Result) verdict
}

func newRun(g Graph, j *Journal, opt Options, kind string) *run {
	opt.defaults()
	return &run{g: g, j: j, opt: opt, lim: newLimiter(opt.Now, opt.Sleep), chk: newChecker(), kind: kind, start: opt.Now()}
}

func (r *run) progress(f func(p *Progress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.prog)
	r.prog.Rate = r.lim.Rate()
	if r.opt.Progress != nil {
		r.opt.Progress(r.prog)
	}
}

// header checks the journal belongs to this plan and tenant, and appends a
// header line for this run.
func (r *run) header(digest, tenantID, graphURL string) error {
	for _, h := range r.j.Headers() {
		if h.PlanDigest != digest || !strings.EqualFold(h.TenantID, tenantID) {
			return fmt.Errorf("%s: %w (plan %s, tenant %s); use a new --journal for this plan, or the plan this journal was written for", r.j.Path(), ErrForeignJournal, h.PlanDigest, h.TenantID)
		}
	}
	return r.j.Append(Line{Type: LineHeader, At: r.opt.Now().UTC(), Schema: JournalSchema, PlanDigest: digest, TenantID: tenantID, GraphURL: graphURL, Run: r.kind, Plan: r.opt.PlanPath})
}

// execute sends the tasks and reads back the checks, and what each leads
// to, until everything has an outcome, the context ends (what is left is
// for the next run), or a fatal error (401, 403) stops the run. size
// bounds the tasks in the run at any one time (one per item).
func (r *run) execute(ctx context.Context, size int, tasks []*task, checks []*check) error {
	if len(tasks) == 0 && len(checks) == 0 {
		return nil
	}
	ctx, r.stop = context.WithCancel(ctx)
	defer r.stop()
	r.stopped = ctx.Done()
	r.mu.Lock()
	r.readDone, r.unsent, r.firstPass = r.opt.Now(), len(tasks), time.Time{}
	r.mu.Unlock()
	r.chk.mu.Lock()
	r.chk.fast = false
	r.chk.mu.Unlock()
	r.work = make(chan *task, max(size, len(tasks)))
	r.addTasks(tasks...)
	for _, c := range checks {
		r.addCheck(c, 0)
	}
	allDone := make(chan struct{})
	go func() { r.open.Wait(); close(r.work); close(allDone) }()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.checkLoop(ctx, allDone) }()
	for range r.opt.Concurrency {
		wg.Add(1)
		go func() { defer wg.Done(); r.worker(ctx) }()
	}
	wg.Wait()
	return r.fatal
}

func (r *run) worker(ctx context.Context) {
	for t := range r.work {
		batch := []*task{t}
		size := r.lim.batchCap(r.opt.BatchSize)
	fill:
		for len(batch) < size {
			select {
			case t2, ok := <-r.work:
				if !ok {
					break fill
				}
				batch = append(batch, t2)
			default:
				break fill
			}
		}
		r.sendBatch(ctx, batch)
	}
}

// addTasks queues tasks to send.
func (r *run) addTasks(ts ...*task) {
	r.open.Add(len(ts))
	r.tasks.Add(int64(len(ts)))
	for _, t := range ts {
		r.work <- t
	}
}

// taskDone counts a task out of the run (finished, handed over to a check,
// or left for the next run). When the last is out, the checks left hurry:
// nothing else is waiting for them.
func (r *run) taskDone() {
	if r.tasks.Add(-1) == 0 {
		r.hurry()
	}
	r.open.Done()
}

// abandon leaves tasks for the next run (interrupted or stopped).
func (r *run) abandon(batch []*task) {
	for range batch {
		r.taskDone()
	}
}

// retry puts t back in the queue, at once or after a wait. A run that is
// interrupted or stopped meanwhile leaves it for the next run at once,
// rather than waiting out its back-off.
func (r *run) retry(t *task, after time.Duration) {
	if after <= 0 {
		r.work <- t
		return
	}
	go func() {
		timer := time.NewTimer(after)
		defer timer.Stop()
		select {
		case <-timer.C:
			r.work <- t
		case <-r.stopped:
			r.taskDone()
		}
	}()
}

// finish journals t's outcome and starts reading its object back if c
// says so.
func (r *run) finish(t *task, l Line, c *check) {
	if err := r.j.Append(l); err != nil {
		r.setFatal(err)
	} else if c != nil {
		r.addCheck(c, r.firstLook())
	}
	r.taskDone()
	r.progress(func(p *Progress) { p.Done++ })
}

func (r *run) setFatal(err error) {
	r.mu.Lock()
	if r.fatal == nil {
		r.fatal = err
	}
	r.mu.Unlock()
	r.stop()
}

func (r *run) sendBatch(ctx context.Context, batch []*task) {
	if ctx.Err() != nil || r.lim.acquire(ctx, len(batch)) != nil {
		r.abandon(batch)
		return
	}
	now := r.opt.Now().UTC()
	intents := make([]Line, len(batch))
	ops := make([]wire.Op, len(batch))
	for i, t := range batch {
		intents[i] = r.lineOf(t, LineIntent, now)
		intents[i].Attempt = t.attempts + t.throttles + 1
		intents[i].Before, intents[i].Body = t.before, t.op.Body
		ops[i] = t.op
	}
	if err := r.j.Append(intents...); err != nil {
		r.setFatal(err)
		r.abandon(batch)
		return
	}
	// In-flight requests finish even when the user interrupts: their
	// outcomes are written, so the next run need not reconcile them.
	results, err := r.g.Write(context.WithoutCancel(ctx), ops)
	r.wrote(batch)
	r.progress(func(p *Progress) { p.Requests++ })
	if err != nil {
		r.batchFailed(ctx, batch, err)
		return
	}
	throttled, maxWait := 0, time.Duration(0)
	for i, t := range batch {
		res := results[i]
		if res.Status == 429 {
			throttled++
			maxWait = max(maxWait, res.RetryAfter)
			t.throttles++
			r.progress(func(p *Progress) { p.Throttled++ })
			if t.throttles > 100 {
				r.finish(t, r.failLine(t, res), nil)
				continue
			}
			r.retry(t, 0)
			continue
		}
		t.attempts++
		v := r.handle(t, res)
		switch {
		case v.line != nil:
			r.finish(t, *v.line, v.check)
		case v.check != nil:
			// The check takes over from the task.
			r.addCheck(v.check, max(v.wait, checkWait(1)))
			r.taskDone()
		case t.attempts >= r.opt.MaxAttempts:
			r.finish(t, r.failLine(t, res), nil)
		default:
			r.retry(t, v.wait)
		}
	}
	r.lim.took(len(batch)-throttled, throttled)
	if throttled > 0 {
		if maxWait <= 0 {
			maxWait = wire.Backoff(1)
		}
		r.lim.throttle(maxWait, true)
	}
}

// wrote notes on the timeline that a batch was answered.
func (r *run) wrote(batch []*task) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.opt.Now()
	r.lastWrite = now
	for _, t := range batch {
		if !t.sent {
			t.sent = true
			if r.unsent--; r.unsent == 0 {
				r.firstPass = now
			}
		}
	}
}

// timing is the run's timeline as phases, up to end.
func (r *run) timing(end time.Time) Timing {
	r.mu.Lock()
	defer r.mu.Unlock()
	var t Timing
	if r.readDone.IsZero() {
		t.Read = end.Sub(r.start)
		return t
	}
	t.Read = r.readDone.Sub(r.start)
	firstPass, lastWrite := r.firstPass, r.lastWrite
	if firstPass.IsZero() {
		firstPass = r.readDone
	}
	if lastWrite.Before(firstPass) {
		lastWrite = firstPass
	}
	t.Send = firstPass.Sub(r.readDone)
	t.Backoff = lastWrite.Sub(firstPass)
	t.Verify = end.Sub(lastWrite)
	return t
}

// batchFailed handles a batch that got no per-item answer.
func (r *run) batchFailed(ctx context.Context, batch []*task, err error) {
	var ge *wire.Error
	if !errors.As(err, &ge) {
		if ctx.Err() != nil {
			r.abandon(batch)
			return
		}
		ge = &wire.Error{Op: "write batch", Message: err.Error(), Retryable: true}
	}
	switch {
	case ge.Status == 429:
		wait := ge.RetryAfter
		if wait <= 0 {
			wait = wire.Backoff(1)
		}
		r.lim.throttle(wait, true)
		r.progress(func(p *Progress) { p.Throttled++ })
		for _, t := range batch {
			t.throttles++
			r.retry(t, 0)
		}
	case ge.Retryable:
		// A 503, 504 or lost connection concerns this batch, not Graph's
		// quota: its items wait out their own back-off (or the
		// Retry-After given) and the other workers go on.
		for _, t := range batch {
			t.attempts++
			t.ambiguous = true // the batch may have run before the answer was lost
			if t.attempts >= r.opt.MaxAttempts {
				r.finish(t, r.failLine(t, wire.Result{Status: ge.Status, Code: ge.Code, Message: ge.Error(), RequestID: ge.RequestID}), nil)
				continue
			}
			if c, after, ok := r.later(t); ok {
				r.addCheck(c, after)
				r.taskDone()
				continue
			}
			wait := ge.RetryAfter
			if wait <= 0 {
				wait = wire.Backoff(t.attempts)
			}
			r.retry(t, wait)
		}
	default: // 401, 403 and the like: stop; the next run reconciles these
		r.setFatal(err)
		r.abandon(batch)
	}
}

// lineOf is a journal line of type typ about t: its key, op, and target or
// rule.
func (r *run) lineOf(t *task, typ string, at time.Time) Line {
	l := Line{Type: typ, At: at.UTC(), Key: t.key, Op: string(t.op.Kind)}
	if t.op.Kind == wire.OpUpdateRule {
		l.PolicyID, l.RuleID = t.op.PolicyID, t.op.RuleID
	} else {
		tg := t.op.Target
		l.Target = &tg
	}
	return l
}

// outcomeLine is the outcome line of t answered by res, outcome still to set.
func (r *run) outcomeLine(t *task, res wire.Result) Line {
	l := r.lineOf(t, LineOutcome, r.opt.Now())
	l.Status, l.RequestID, l.Attempt = res.Status, res.RequestID, t.attempts+t.throttles
	return l
}

func (r *run) failLine(t *task, res wire.Result) Line {
	l := r.outcomeLine(t, res)
	l.Outcome, l.Code, l.Message = OutcomeFailed, res.Code, res.Message
	if l.Message == "" {
		l.Message = fmt.Sprintf("HTTP %d", res.Status)
	}
	return l
}

// transient reports whether an answer is worth another try, and after how
// long (zero: the limiter's pause is enough).
func transient(t *task, res wire.Result) (bool, time.Duration) {
	switch res.Status {
	case 0, 500, 502, 503, 504:
		t.ambiguous = true
		if res.RetryAfter > 0 {
			return true, res.RetryAfter
		}
		return true, wire.Backoff(t.attempts)
	case 424: // a dependency failed; we send none, but Graph may say so
		return true, wire.Backoff(t.attempts)
	}
	return false, 0
}

func isDuplicate(res wire.Result) bool {
	return res.Status == 400 && (res.Code == "RoleAssignmentExists" ||
		res.Code == "Request_BadRequest" && strings.Contains(strings.ToLower(res.Message), "conflicting object"))
}
