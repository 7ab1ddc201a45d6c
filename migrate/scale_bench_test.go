package migrate_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/pimmigrate/pimmigrate/fixtures/scale"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// scaleSizes are the plan sizes the scale benchmarks run at.
var scaleSizes = []int{100_000, 1_000_000}

// measure runs fn b.N times over n items and reports the time and bytes
// allocated per item, the peak heap while fn ran (in all and per item) and
// the size of the file at path per item.
func measure(b *testing.B, n int, path string, fn func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	stop := scale.HeapPeak()
	b.ResetTimer()
	for range b.N {
		fn()
	}
	b.StopTimer()
	peak := stop()
	runtime.ReadMemStats(&after)
	items := float64(n) * float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/items, "ns/item")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/items, "alloc-B/item")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak)/float64(n), "peak-heap-B/item")
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/float64(n), "file-B/item")
	}
}

// BenchmarkPlanFile is what `pimmigrate plan --offline` does: read
// legacy.json of n assignments, plan them and write plan.json.
//
//	go test ./migrate -run '^$' -bench 'PlanFile' -benchtime 1x
func BenchmarkPlanFile(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run("items="+strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			legacyFile, path := filepath.Join(dir, "legacy.json"), filepath.Join(dir, "plan.json")
			writeScaleLegacy(b, legacyFile, n)
			in := scale.PlanInput(0, true)
			measure(b, n, path, func() {
				legacy, digest, err := migrate.ReadLegacyFileCompact(legacyFile)
				if err != nil {
					b.Fatal(err)
				}
				in.Legacy, in.LegacyDigest = legacy, digest
				if _, err := migrate.BuildPlanFile(path, in); err != nil {
					b.Fatal(err)
				}
				in.Legacy = nil
			})
		})
	}
}

func writeScaleLegacy(b *testing.B, path string, n int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := scale.WriteLegacy(f, n); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReadPlanFile reads and verifies plan.json of n items, planned
// against the tenant (names filled in), as apply and review do.
func BenchmarkReadPlanFile(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run("items="+strconv.Itoa(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "plan.json")
			if err := scale.WritePlanFile(path, n); err != nil {
				b.Fatal(err)
			}
			measure(b, n, path, func() {
				if _, err := migrate.ReadPlanFile(path); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkScanPlanFile reads and verifies plan.json of n items an item at
// a time, as report does.
func BenchmarkScanPlanFile(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run("items="+strconv.Itoa(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "plan.json")
			if err := scale.WritePlanFile(path, n); err != nil {
				b.Fatal(err)
			}
			measure(b, n, path, func() {
				if _, err := migrate.ScanPlanFile(path, func(*migrate.Item) error { return nil }); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
