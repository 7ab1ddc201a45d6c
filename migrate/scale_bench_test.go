package migrate_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pimmigrate/pimmigrate/fixtures/scale"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// BenchmarkPlanFile is what `pimmigrate plan --offline` does: read
// legacy.json of n assignments, plan them and write plan.json.
//
//	go test ./migrate -run '^$' -bench 'PlanFile' -benchtime 1x
func BenchmarkPlanFile(b *testing.B) {
	for _, n := range scale.Sizes {
		b.Run("items="+strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			legacyFile, path := filepath.Join(dir, "legacy.json"), filepath.Join(dir, "plan.json")
			writeScaleLegacy(b, legacyFile, n)
			in := scale.PlanInput(0, true)
			scale.Measure(b, n, path, func() {
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
// against the tenant (names filled in): whole, as apply and review do, and
// an item at a time, as report does.
func BenchmarkReadPlanFile(b *testing.B) {
	read := map[string]func(string) (*migrate.Plan, error){
		"read": migrate.ReadPlanFile,
		"scan": func(path string) (*migrate.Plan, error) {
			return migrate.ScanPlanFile(path, func(*migrate.Item) error { return nil })
		},
	}
	for _, n := range scale.Sizes {
		path := filepath.Join(b.TempDir(), "plan.json")
		if err := scale.WritePlanFile(path, n); err != nil {
			b.Fatal(err)
		}
		for _, how := range []string{"read", "scan"} {
			b.Run(how+"/items="+strconv.Itoa(n), func(b *testing.B) {
				scale.Measure(b, n, path, func() {
					if _, err := read[how](path); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
