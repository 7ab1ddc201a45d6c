package wire

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is the wait before try attempt+1 when Graph gave no Retry-After:
// exponential from 250 ms, capped at 10 s, with full jitter in its upper half.
// Graph gives no bound for 5xx back-off; 10 s keeps an item that meets
// several faults in a row from waiting minutes, while 8 tries still span
// about half a minute.
func Backoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << min(attempt-1, 7)
	d = min(d, 10*time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Sleep waits d, or until ctx ends (then it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
