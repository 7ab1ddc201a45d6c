package apply

import (
	"context"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// fakeClock is a clock that moves only when slept on.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

func TestLimiter(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	l := newLimiter(clk.now, clk.sleep)
	start := clk.t
	if err := l.acquire(bg, 20); err != nil || clk.t != start {
		t.Fatalf("an unthrottled limiter waited %v", clk.t.Sub(start))
	}
	// A throttled batch: everyone pauses for Retry-After; too early to
	// measure a rate.
	l.took(5, 15)
	l.throttle(300*time.Millisecond, true)
	if l.Rate() != 0 || l.batchCap(20) != 5 {
		t.Errorf("after the first throttle: rate %v, cap %d; want unmeasured, 5 (what the tenant took at once)", l.Rate(), l.batchCap(20))
	}
	before := clk.t
	l.acquire(bg, 5)
	if got := clk.t.Sub(before); got != 300*time.Millisecond {
		t.Errorf("paused %v, want the Retry-After of 300ms", got)
	}
	// A second of answers at 40 writes/s, then a throttle: the rate becomes
	// what the tenant took.
	for range 8 {
		clk.t = clk.t.Add(125 * time.Millisecond)
		l.took(5, 0)
	}
	l.took(0, 5)
	l.throttle(10*time.Millisecond, true)
	if r := l.Rate(); r < 35 || r > 45 {
		t.Errorf("rate %v after a second at 40/s, want about 40", r)
	}
	// Unthrottled batches ramp the rate up 2% each and the cap by one.
	r0, c0 := l.Rate(), l.batchCap(100)
	l.took(3, 0)
	if l.Rate() <= r0 || l.Rate() > r0*1.03 || l.batchCap(100) != c0+1 {
		t.Errorf("ramp: rate %v -> %v, cap %d -> %d", r0, l.Rate(), c0, l.batchCap(100))
	}
	// At a known rate, acquiring waits for tokens.
	before = clk.t
	for range 10 {
		l.acquire(bg, 4)
	}
	if waited := clk.t.Sub(before).Seconds(); waited < 0.5 || waited > 1.5 {
		t.Errorf("40 writes at ~%v/s took %.2fs", l.Rate(), waited)
	}
	// A cancelled context stops the wait.
	ctx, cancel := context.WithCancel(bg)
	cancel()
	l2 := newLimiter(clk.now, wire.Sleep)
	l2.throttle(time.Hour, false)
	if err := l2.acquire(ctx, 1); err == nil {
		t.Error("acquire ignored a cancelled context")
	}
}
