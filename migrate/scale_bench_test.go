package migrate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// BenchmarkPlanScoped plans 100,000 legacy records against the tenant
// without and with --scope-rules and --add: four rules (a group of 1,000
// members among them) and 100 --add rows. With them the plan is held in
// memory (docs/design.md, "Scopes and providers"); this measures what that
// and the rule matching cost.
func BenchmarkPlanScoped(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	legacyFile := filepath.Join(dir, "legacy.json")
	writeScaleLegacy(b, legacyFile, n)
	legacy, digest, err := migrate.ReadLegacyFileCompact(legacyFile)
	if err != nil {
		b.Fatal(err)
	}
	au := "a0000000-0000-4000-8000-00000000a001"
	tenant := scale.Tenant(n)
	tenant.Scopes.AdministrativeUnits = []migrate.ScopeObject{{ID: au, DisplayName: "Paris"}}
	tenant.Scopes.AttributeSets = []migrate.ScopeObject{{ID: "Engineering"}}
	members := make([]migrate.GUID, 1000)
	for i := range members {
		members[i] = scale.Principal(i * 7)
	}
	tenant.GroupMembers = map[string][]migrate.GUID{"team": members}
	rules, err := migrate.ParseScopeRules(strings.NewReader("role,principal,scope\n"+
		"Helpdesk Administrator,*,/administrativeUnits/Paris\n"+
		"User Administrator,group:Team,/administrativeUnits/"+au+"\n"+
		"Attribute Assignment Administrator,*,/attributeSets/Engineering\n"+
		"Global Administrator,group:Team,/\n"), "rules.csv")
	if err != nil {
		b.Fatal(err)
	}
	var add strings.Builder
	add.WriteString("principal,role,scope,kind\n")
	for i := range 100 {
		fmt.Fprintf(&add, "%s,Helpdesk Administrator,/administrativeUnits/Paris,eligible\n", scale.Principal(i*13))
	}
	adds, err := migrate.ParseAddFile(strings.NewReader(add.String()), "add.csv")
	if err != nil {
		b.Fatal(err)
	}
	for _, scoped := range []bool{false, true} {
		b.Run(fmt.Sprintf("scoped=%v/items=%d", scoped, n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "plan.json")
			in := migrate.PlanInput{Legacy: legacy, LegacyDigest: digest, Tenant: tenant, Policy: migrate.DefaultPolicy(),
				Catalogue: migrate.BuiltinCatalogue(), AsOf: scale.AsOf, CreatedAt: scale.AsOf}
			if scoped {
				in.ScopeRules, in.Adds = rules, adds
			}
			scale.Measure(b, n, path, func() {
				if _, err := migrate.BuildPlanFile(path, in); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
