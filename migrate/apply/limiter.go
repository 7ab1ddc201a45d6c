package apply

import (
	"context"
	"sync"
	"time"
)

// limiter paces writes for all workers together. It starts unlimited.
// Whenever Graph throttles, every worker pauses for the Retry-After; once a
// second of answers has been seen, the rate also drops to what the tenant
// accepted over the last second (at most halving at once). Each batch that
// goes through unthrottled raises the rate by 2%, so the limiter probes
// gently back up towards the tenant's limit.
type limiter struct {
	mu          sync.Mutex
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	rate        float64 // writes per second; 0: unlimited
	tokens      float64
	last        time.Time
	pausedUntil time.Time
	cap         int       // writes per batch the tenant's bucket takes at once; 0: no cap
	first       time.Time // when the first answer came
	accepted    []stamp   // writes Graph took, for the last second
	throttled   int
}

type stamp struct {
	at time.Time
	n  int
}

const (
	minRate  = 1.0
	rampStep = 1.02
	window   = time.Second
)

func newLimiter(now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	return &limiter{now: now, sleep: sleep}
}

// acquire waits until n writes may go.
func (l *limiter) acquire(ctx context.Context, n int) error {
	for {
		l.mu.Lock()
		now := l.now()
		var wait time.Duration
		switch {
		case now.Before(l.pausedUntil):
			wait = l.pausedUntil.Sub(now)
		case l.rate == 0:
			l.mu.Unlock()
			return nil
		default:
			burst := max(l.rate/4, float64(n)) // a quarter second of writes, at least one batch
			l.tokens = min(burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
			l.last = now
			if l.tokens >= float64(n) {
				l.tokens -= float64(n)
				l.mu.Unlock()
				return nil
			}
			// At least a millisecond: a wait that rounds to nothing would spin.
			wait = max(time.Millisecond, time.Duration((float64(n)-l.tokens)/l.rate*float64(time.Second)))
		}
		l.mu.Unlock()
		if err := l.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// took records a batch's answers: n writes Graph accepted (any answer but
// 429) and how many it throttled. A batch that was partly throttled shows
// how many writes the tenant takes at once, and caps later batches there;
// an unthrottled batch raises the cap by one and the rate by 2%.
func (l *limiter) took(n, throttled int) {
	wasThrottled := throttled > 0
	l.mu.Lock()
	if wasThrottled {
		switch {
		case n > 0 && (l.cap == 0 || n < l.cap):
			l.cap = n
		case n == 0:
			l.cap = max(1, min(l.cap, throttled)/2)
		}
	} else if l.cap > 0 {
		l.cap++
	}
	l.mu.Unlock()
	l.record(n, wasThrottled)
}

func (l *limiter) record(n int, wasThrottled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.first.IsZero() {
		l.first = now
	}
	l.accepted = append(l.accepted, stamp{now, n})
	for len(l.accepted) > 0 && now.Sub(l.accepted[0].at) > window {
		l.accepted = l.accepted[1:]
	}
	if !wasThrottled && l.rate > 0 {
		l.rate *= rampStep
	}
}

// throttle records a 429 (or a 503/504 with Retry-After): every worker
// pauses until retryAfter has passed, and the rate drops to what Graph
// accepted over the last second.
func (l *limiter) throttle(retryAfter time.Duration, slowDown bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if until := now.Add(retryAfter); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	if !slowDown {
		return
	}
	l.throttled++
	if now.Sub(l.first) < window {
		return // too early to measure what the tenant takes: the pauses pace us
	}
	n := 0
	for _, s := range l.accepted {
		if now.Sub(s.at) <= window {
			n += s.n
		}
	}
	r := max(float64(n)/window.Seconds(), minRate)
	switch {
	case l.rate == 0:
		l.rate = r
	case r < l.rate:
		l.rate = max(r, l.rate*3/4) // never more than a quarter less at once
	}
	l.tokens = 0
	l.last = now
}

// Rate is the current pace in writes per second (0 while unlimited).
func (l *limiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// batchCap is how many writes one batch should carry: all of max while the
// rate is unknown or high, fewer when the tenant accepts only a few a
// second, so a batch does not outrun the tenant's own bucket and come back
// mostly throttled.
func (l *limiter) batchCap(most int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cap > 0 {
		most = min(most, l.cap)
	}
	if l.rate > 0 {
		most = min(most, int(l.rate/4)+1)
	}
	return most
}
