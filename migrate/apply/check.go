package apply

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Reads lag behind writes (replication): right after a create, a read may
// not show the new object, and a read that does not find an object proves
// it absent only once Options.ReplicationWait has passed since our last
// write of it. The checker reads objects back while the writes go on,
// batching up to 20 reads in one request, and looks again, with back-off,
// at what is not visible yet, so that one object held up by replication
// never holds up the others.

// check is one object to read back.
type check struct {
	key   string
	probe wire.Probe
	// since is our last write of the object: until since+ReplicationWait,
	// not finding it proves nothing.
	since time.Time
	tries int
	due   time.Time
	// lookedAt is when the last read for it was sent.
	lookedAt time.Time
	// decides marks a check that stands for the item's outcome (a task
	// handed over to it), rather than reading back one already journaled.
	decides bool
	// done judges a sighting: lines to journal, a task to send next (nil
	// for none), or again to look once more later.
	done func(c *check, s wire.Sighting) (lines []Line, next *task, again bool)
}

// settled reports whether a not-found answer now proves c's object absent.
func (r *run) settled(c *check) bool {
	return !r.opt.Now().Before(c.since.Add(r.opt.ReplicationWait))
}

// checkWait is the wait before try n+1 of a check: 250 ms growing by half
// each time, at most 2 s, so an object is seen soon after it replicates.
func checkWait(tries int) time.Duration {
	d := 250 * time.Millisecond
	for range tries - 1 {
		d += d / 2
		if d >= 2*time.Second {
			return 2 * time.Second
		}
	}
	return d
}

// checkHeap orders checks by when they are due.
type checkHeap []*check

func (h checkHeap) Len() int           { return len(h) }
func (h checkHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h checkHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *checkHeap) Push(x any)        { *h = append(*h, x.(*check)) }
func (h *checkHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// checker runs the checks of a run.
type checker struct {
	mu      sync.Mutex
	pending checkHeap
	wake    chan struct{}
	// fast is set once no write is left to send: the checks left are all
	// the run waits for, so they look often.
	fast bool
	// lagLow is the oldest a created object was when a read did not show
	// it yet, and lagHigh the oldest one was when a read first showed it:
	// the tenant's replication lag, as far as this run has seen, is more
	// than lagLow (which only grows as more objects are seen late) and at
	// most lagHigh (which a slow read can inflate).
	lagLow, lagHigh time.Duration
}

// fastLook is how often the checks left look once no write is left, and
// fastTries how many such looks a check gets before it slows down again
// (an object that does not show in a few seconds is not worth hurrying).
const (
	fastLook  = 150 * time.Millisecond
	fastTries = 40
)

// hurry makes the checks left look every fastLook from now on.
func (r *run) hurry() {
	now := r.opt.Now()
	r.chk.mu.Lock()
	r.chk.fast = true
	for _, c := range r.chk.pending {
		if due := now.Add(fastLook); c.due.After(due) {
			c.due = due
		}
	}
	heap.Init(&r.chk.pending)
	r.chk.mu.Unlock()
	select {
	case r.chk.wake <- struct{}{}:
	default:
	}
}

// again is the wait before c looks once more.
func (r *run) again(c *check) time.Duration {
	r.chk.mu.Lock()
	fast := r.chk.fast
	r.chk.mu.Unlock()
	if fast && c.tries < fastTries {
		return min(fastLook, checkWait(c.tries))
	}
	return checkWait(c.tries)
}

// sawCreated notes how long after it was written a created object showed,
// or (shown false) did not show yet, to the read sent at lookedAt.
func (r *run) sawCreated(c *check, shown bool) {
	r.chk.mu.Lock()
	defer r.chk.mu.Unlock()
	if shown {
		r.chk.lagHigh = max(r.chk.lagHigh, r.opt.Now().Sub(c.since))
	} else {
		r.chk.lagLow = max(r.chk.lagLow, c.lookedAt.Sub(c.since))
	}
}

// firstLook is when to look first for an object just written: soon, or,
// once objects have shown how long reads lag, just after that — one read
// per object, mostly.
func (r *run) firstLook() time.Duration {
	if lag, ok := r.seenLag(); ok {
		return lag
	}
	return checkWait(1)
}

// seenLag is how long reads lag behind writes, as this run has seen it (a
// little more than the oldest an object was when a read missed it); ok is
// false until a created object has shown at all.
func (r *run) seenLag() (lag time.Duration, ok bool) {
	r.chk.mu.Lock()
	defer r.chk.mu.Unlock()
	return r.chk.lagLow + 100*time.Millisecond, r.chk.lagHigh > 0
}

func newChecker() *checker { return &checker{wake: make(chan struct{}, 1)} }

// lookSlots is how many read batches may be in flight at once, and
// lookAhead how early a check may go along with one due now.
const (
	lookSlots = 8
	lookAhead = 100 * time.Millisecond
)

// addCheck starts checking c after wait.
func (r *run) addCheck(c *check, wait time.Duration) {
	r.open.Add(1)
	r.progress(func(p *Progress) { p.Checking++ })
	r.look(c, wait)
}

// look (re)schedules c, due after wait.
func (r *run) look(c *check, wait time.Duration) {
	c.due = r.opt.Now().Add(wait)
	r.chk.mu.Lock()
	heap.Push(&r.chk.pending, c)
	r.chk.mu.Unlock()
	select {
	case r.chk.wake <- struct{}{}:
	default:
	}
}

// checkLoop sends the checks as they fall due, until done is closed. Once
// ctx ends, checks are left for the next run as they come.
func (r *run) checkLoop(ctx context.Context, done <-chan struct{}) {
	slots := make(chan struct{}, lookSlots)
	var inflight sync.WaitGroup
	defer inflight.Wait()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			r.dropChecks(r.takeAllChecks())
			select {
			case <-r.chk.wake:
				continue
			case <-done:
				return
			}
		}
		now := r.opt.Now()
		var batch []*check
		next := time.Hour
		r.chk.mu.Lock()
		// Checks due soon ride along with those due now: fuller
		// batches, fewer requests.
		for len(r.chk.pending) > 0 && len(batch) < wire.MaxBatch {
			d := r.chk.pending[0].due.Sub(now)
			if d > 0 && (len(batch) == 0 || d > lookAhead) {
				next = d
				break
			}
			batch = append(batch, heap.Pop(&r.chk.pending).(*check))
		}
		r.chk.mu.Unlock()
		if len(batch) > 0 {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				r.dropChecks(batch)
				continue
			}
			inflight.Add(1)
			go func() {
				defer func() { <-slots; inflight.Done() }()
				r.lookBatch(ctx, batch)
			}()
			continue
		}
		timer.Reset(next)
		select {
		case <-timer.C:
		case <-r.chk.wake:
		case <-done:
			return
		case <-ctx.Done():
		}
	}
}

func (r *run) takeAllChecks() []*check {
	r.chk.mu.Lock()
	defer r.chk.mu.Unlock()
	all := []*check(r.chk.pending)
	r.chk.pending = nil
	return all
}

// dropChecks leaves checks for the next run (interrupted or stopped).
func (r *run) dropChecks(cs []*check) {
	for range cs {
		r.open.Done()
	}
}

// lookBatch reads one batch back and judges each answer.
func (r *run) lookBatch(ctx context.Context, batch []*check) {
	probes := make([]wire.Probe, len(batch))
	now := r.opt.Now()
	for i, c := range batch {
		probes[i], c.lookedAt = c.probe, now
	}
	got, err := r.g.Look(ctx, probes)
	r.progress(func(p *Progress) { p.Reads++ })
	if err != nil {
		var ge *wire.Error
		if ctx.Err() != nil || errors.As(err, &ge) && !ge.Retryable && ge.Status != 0 {
			if ctx.Err() == nil {
				r.setFatal(err)
			}
			r.dropChecks(batch)
			return
		}
		for _, c := range batch {
			c.tries++
			r.look(c, max(r.again(c), retryAfter(err)))
		}
		return
	}
	for i, c := range batch {
		c.tries++
		s := got[i]
		if s.Err != nil {
			r.look(c, max(r.again(c), s.Err.RetryAfter))
			continue
		}
		lines, next, again := c.done(c, s)
		if again {
			r.look(c, r.again(c))
			continue
		}
		if len(lines) > 0 {
			if err := r.j.Append(lines...); err != nil {
				r.setFatal(err)
			}
		}
		if next != nil {
			r.addTasks(next)
		}
		r.open.Done()
		r.progress(func(p *Progress) {
			p.Checking--
			if c.decides && next == nil {
				p.Done++ // the item's outcome is in
			}
		})
	}
}

func retryAfter(err error) time.Duration {
	var ge *wire.Error
	if errors.As(err, &ge) {
		return ge.RetryAfter
	}
	return 0
}
