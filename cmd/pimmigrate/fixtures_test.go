package main

import (
	"encoding/json"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/internal/golden"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// extract writes embedded fixture files into dir and returns their paths.
func extract(t *testing.T, dir string, names ...string) []string {
	t.Helper()
	var paths []string
	for _, n := range names {
		b, err := fixtures.FS.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, writeFile(t, dir, path.Base(n), string(b)))
	}
	return paths
}

// TestFixtureSnapshots exports every fixture snapshot on its own, as the
// README tells a newcomer to, plans it offline, and goldens what both print.
func TestFixtureSnapshots(t *testing.T) {
	for _, name := range fixtures.Snapshots() {
		t.Run(path.Base(name), func(t *testing.T) {
			dir := t.TempDir()
			src := extract(t, dir, name)[0]
			protect := extract(t, dir, fixtures.Protect)[0]
			legacy := filepath.Join(dir, "legacy.json")
			r := runCLI(t, "export", "--source", src, "--out", legacy)
			if r.code != 0 {
				t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
			}
			export := strings.ReplaceAll(r.stdout+r.stderr, dir+string(filepath.Separator), "")
			r = runCLI(t, "plan", "--offline", "--legacy", legacy, "--out", filepath.Join(dir, "plan.json"),
				"--protect", protect, "--as-of", fixtures.AsOf)
			if r.code != 0 {
				t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
			}
			plan := strings.ReplaceAll(r.stdout+r.stderr, dir+string(filepath.Separator), "")
			golden.Check(t, path.Base(name), export+"---\n"+plan)
		})
	}
}

// TestDemoExportOfflinePlan checks the demo export's offline plan against
// the counts fixtures/README.md gives.
func TestDemoExportOfflinePlan(t *testing.T) {
	dir := t.TempDir()
	args := []string{"export", "--out", filepath.Join(dir, "legacy.json")}
	for _, p := range extract(t, dir, fixtures.DemoExport()...) {
		args = append(args, "--source", p)
	}
	if r := runCLI(t, args...); r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	protect := extract(t, dir, fixtures.Protect)[0]
	r := runCLI(t, "--output", "json", "plan", "--offline", "--legacy", filepath.Join(dir, "legacy.json"),
		"--out", filepath.Join(dir, "plan.json"), "--protect", protect, "--as-of", fixtures.AsOf)
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	var got planResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	s := got.Summary
	want := migrate.Summary{Items: 143, Create: 128, Skip: 15, Rejected: 2,
		CreateByKind: map[migrate.TargetKind]int{migrate.KindRoleAssignment: 27, migrate.KindEligibilityRequest: 101},
		SkipReasons:  map[string]int{migrate.ReasonRoleNotFound: 6, migrate.ReasonServicePrincipalEligible: 2, migrate.ReasonProtected: 1, migrate.ReasonExpired: 6},
		Warnings:     map[string]int{migrate.WarnDuplicateRecord: 3, migrate.WarnPrincipalUnverified: 143}}
	gotJ, _ := json.Marshal(s)
	wantJ, _ := json.Marshal(want)
	if string(gotJ) != string(wantJ) {
		t.Errorf("summary\n got %s\nwant %s", gotJ, wantJ)
	}
	if len(got.Notes) != 1 || !strings.Contains(got.Notes[0], "user principal name") {
		t.Errorf("notes %v: want the warning that UPN protection cannot work offline", got.Notes)
	}
}
