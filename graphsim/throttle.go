package graphsim

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// bucket is a token bucket over writes: rate tokens a second, at most burst
// stored. It reads the clock it is given, so tests can drive it.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int) *bucket {
	if rate <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = int(math.Max(1, math.Ceil(rate)))
	}
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// take takes a token. When there is none it returns false and how long
// until one is available. usage is how much of the burst is spent (0..1).
func (b *bucket) take(now time.Time) (wait time.Duration, usage float64, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		b.last = now
	}
	if now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, 1 - b.tokens/b.burst, true
	}
	secs := (1 - b.tokens) / b.rate
	return time.Duration(secs * float64(time.Second)), 1, false
}

func (b *bucket) reset() {
	b.mu.Lock()
	b.tokens, b.last = b.burst, time.Time{}
	b.mu.Unlock()
}

// retryAfter formats a wait as Graph does on 429: fractional seconds
// ("0.347"), at least 0.001.
func retryAfter(d time.Duration) string {
	s := math.Max(d.Seconds(), 0.001)
	s = math.Ceil(s*1000) / 1000
	return strconv.FormatFloat(s, 'f', 3, 64)
}

// throttled is the 429 answer for a write over the limit.
func (c *call) throttled(wait time.Duration) *response {
	r := c.fail(429, "TooManyRequests", "Too many requests. Retry after the time in the Retry-After header.")
	r.header.Set("Retry-After", retryAfter(wait))
	c.throttleHeaders(r, 1.0)
	return r
}

// throttleHeaders adds Graph's throttling information headers; the limit
// percentage only when usage is above 0.8, as Graph does.
func (c *call) throttleHeaders(r *response, usage float64) {
	if usage <= 0.8 {
		return
	}
	c.s.mu.RLock()
	tenant := c.s.st.tenantID
	c.s.mu.RUnlock()
	r.header.Set("x-ms-throttle-scope", "Tenant_Application/ReadWrite/"+tenant+"/"+simAppID)
	r.header.Set("x-ms-throttle-limit-percentage", strconv.FormatFloat(usage, 'f', 1, 64))
}

// simAppID stands for the calling application in x-ms-throttle-scope: a
// static token names no application.
const simAppID = "00000000-0000-0000-0000-000000000000"
