package apply

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// Graph's real write quota for one app in one tenant is 3,000 writes per
// 150 s: 20 writes/s (docs/graph.md, throttling). A real tenant also
// answers slowly, fails now and then, and shows writes in reads late.
const (
	quotaRate     = 20.0
	quotaLatency  = 100 * time.Millisecond
	quotaFaults   = 0.02
	quotaLag      = 2 * time.Second
	quotaEligible = 0.3
)

// legacyMix makes n legacy records, one user each: a share eligible (not
// elevated, no end), the rest permanent.
func legacyMix(n int, eligible float64) []migrate.Assignment {
	out := make([]migrate.Assignment, n)
	for i := range out {
		u := migrate.MustGUID(userID(i))
		role := migrate.MustGUID([]string{roleGA, roleSec, roleUser}[i%3])
		a := migrate.Assignment{UserID: u, RoleID: role, PrincipalType: migrate.PrincipalUser, Origin: migrate.OriginIteration1,
			Source: fmt.Sprintf("t.json#%d", i+1), IsElevated: float64(i%100) >= eligible*100}
		a.ID = migrate.Key(u, role)
		a.State = migrate.DeriveState(a.IsElevated, false)
		out[i] = a
	}
	return out
}

// BenchmarkApplyAtQuota applies n creates against graphsim at Graph's real
// quota, with latency, faults and replication lag, and reports the whole
// apply's wall time — from the first read to the last verification — over
// the physical limit n / rate. Above 2,000 creates the throttle scales with
// n, keeping the limit at 100 s, so that a tail that grew with n would show.
//
//	go test -run='^$' -bench=BenchmarkApplyAtQuota -benchtime=1x -count=5 ./migrate/apply
func BenchmarkApplyAtQuota(b *testing.B) {
	for _, n := range benchSizes() {
		rate := quotaRate * max(float64(n), 2000) / 2000
		b.Run(fmt.Sprintf("creates=%dk/rate=%.0f", n/1000, rate), func(b *testing.B) {
			for range b.N {
				w := newWorld(b, n, graphsim.Options{Latency: quotaLatency, ThrottleWrites: rate, ThrottleBurst: int(rate),
					FaultRate: quotaFaults, ConsistencyLag: quotaLag, Seed: time.Now().UnixNano()})
				p := w.plan(b, legacyMix(n, quotaEligible))
				before := w.holdings()
				if p.Summary.Create != n {
					b.Fatalf("plan creates %d, want %d", p.Summary.Create, n)
				}
				start := time.Now()
				s, err := Apply(context.Background(), p, openJournal(b), w.c, Options{UnreviewedOK: true, ReplicationWait: time.Minute})
				if err != nil {
					b.Fatal(err)
				}
				wall := time.Since(start)
				w.checkExactlyPlanned(b, p, before)
				limit := time.Duration(float64(n) / rate * float64(time.Second))
				b.ReportMetric(wall.Seconds()/limit.Seconds(), "of-limit")
				b.ReportMetric(wall.Seconds(), "wall-s")
				b.ReportMetric(float64(s.Failed+s.Unverified), "failed")
				b.ReportMetric(float64(s.Throttled), "429s")
				b.ReportMetric(s.Timing.Read.Seconds(), "read-s")
				b.ReportMetric(s.Timing.Send.Seconds(), "send-s")
				b.ReportMetric(s.Timing.Backoff.Seconds(), "backoff-s")
				b.ReportMetric(s.Timing.Verify.Seconds(), "verify-s")
				st := w.srv.Stats()
				// Writes that took a token of the quota beyond the n needed:
				// faults, and duplicates of writes whose answer was lost.
				b.ReportMetric(float64(st.Writes-st.Throttled-int64(n)), "extra-writes")
			}
		})
	}
}

func benchSizes() []int {
	if os.Getenv("QUOTA_N") == "200" {
		return []int{200}
	}
	return []int{2000, 5000, 20000}
}
