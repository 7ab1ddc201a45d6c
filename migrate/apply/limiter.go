package apply

import (
	"context"
	"sync"
	"time"
)

// limiter paces writes for all workers together. It starts unlimited; the
// first time Graph throttles, every worker pauses for the Retry-After and
// the rate becomes what the tenant accepted over the last second. Each
// batch that goes through unthrottled then raises the rate by 2%, so the
// limiter probes gently back up towards the tenant's limit.
type limiter struct {
	mu          sync.Mutex
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	rate        float64 // writes per second; 0: unlimited
	tokens      float64
	last        time.Time
	pausedUntil time.Time
	accepted    []stamp // writes Graph took, for the last second
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
			wait = time.Duration((float64(n) - l.tokens) / l.rate * float64(time.Second))
		}
		l.mu.Unlock()
		if err := l.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// took records writes Graph accepted (any answer but 429), and ramps the
// rate up after an unthrottled batch.
func (l *limiter) took(n int, wasThrottled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
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
	n, oldest := 0, now
	for _, s := range l.accepted {
		if now.Sub(s.at) <= window {
			n += s.n
			if s.at.Before(oldest) {
				oldest = s.at
			}
		}
	}
	span := max(now.Sub(oldest), 100*time.Millisecond) // the window actually seen
	r := max(float64(n)/span.Seconds(), minRate)
	if l.rate == 0 || r < l.rate {
		l.rate = r
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
