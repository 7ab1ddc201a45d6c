package apply

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// The conditions of the issue: Graph answering in 50 ms, and a write
// throttle of 200 writes/s.
const (
	benchLatency  = 50 * time.Millisecond
	benchThrottle = 200.0
	benchItems    = 5000
	loopItems     = 200 // the one-at-a-time loop is linear: its rate is measured on fewer items
)

// BenchmarkApply measures the applier's sustained write rate against
// graphsim and the rate of a one-request-at-a-time loop through the same
// SDK on the same emulator (the way a PowerShell foreach does it), and
// checks the tenant ends with every item exactly once.
//
//	go test -run='^$' -bench=BenchmarkApply -benchtime=1x ./migrate/apply
func BenchmarkApply(b *testing.B) {
	for range b.N {
		w := newWorld(b, benchItems, graphsim.Options{Latency: benchLatency, ThrottleWrites: benchThrottle, Seed: 1})
		p := w.plan(b, legacyFor(benchItems, time.Now()))
		before := w.holdings()
		start := time.Now()
		var writeEnd atomic.Int64
		s, err := Apply(context.Background(), p, openJournal(b), w.c, Options{UnreviewedOK: true, Progress: func(pr Progress) {
			if pr.Phase == "verify" && writeEnd.Load() == 0 {
				writeEnd.Store(int64(time.Since(start)))
			}
		}})
		if err != nil {
			b.Fatal(err)
		}
		total := time.Since(start)
		if s.Created != s.Selected || s.Failed != 0 || s.Verified != s.Created {
			b.Fatalf("summary %+v", s)
		}
		w.checkExactlyPlanned(b, p, before)
		writes := float64(w.srv.Stats().WritesCommitted)
		rate := writes / time.Duration(writeEnd.Load()).Seconds()

		// The baseline: one plain POST after another.
		w2 := newWorld(b, loopItems, graphsim.Options{Latency: benchLatency, ThrottleWrites: benchThrottle, Seed: 1})
		p2 := w2.plan(b, legacyFor(loopItems, time.Now()))
		loopStart := time.Now()
		n := 0
		for _, it := range p2.Items {
			if it.Action != migrate.ActionCreate {
				continue
			}
			for {
				res, err := w2.c.WriteOne(context.Background(), wire.CreateOp(it.Target))
				if err != nil {
					b.Fatal(err)
				}
				if res.Status == 429 {
					time.Sleep(res.RetryAfter)
					continue
				}
				if res.Status/100 != 2 {
					b.Fatalf("loop write: %+v", res)
				}
				break
			}
			n++
		}
		loopRate := float64(n) / time.Since(loopStart).Seconds()

		b.ReportMetric(rate, "writes/s")
		b.ReportMetric(rate/benchThrottle, "of-throttle")
		b.ReportMetric(loopRate, "loop-writes/s")
		b.ReportMetric(rate/loopRate, "speedup")
		b.ReportMetric(float64(s.Throttled), "throttled")
		b.ReportMetric(float64(s.Requests), "batches")
		b.ReportMetric(total.Seconds(), "total-s")
	}
}
