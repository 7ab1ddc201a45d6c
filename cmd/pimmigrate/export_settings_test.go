package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// settingsWithoutSource is a snapshot's settings by origin, sources left
// out: what every file of one iteration must agree on.
func settingsWithoutSource(l *migrate.Legacy) map[migrate.Origin]string {
	by := map[migrate.Origin][]migrate.LegacySettings{}
	for _, s := range l.Settings {
		s.Source = ""
		by[s.Origin] = append(by[s.Origin], s)
	}
	out := map[migrate.Origin]string{}
	for o, ss := range by {
		b, _ := json.Marshal(ss)
		out[o] = string(b)
	}
	return out
}

// TestExportSettings exports the demo tenant's legacy role settings live
// and from each settings snapshot file: every file of an iteration gives
// the records the live export gives, the summary counts them, and the
// unknown rule identifier is kept and reported.
func TestExportSettings(t *testing.T) {
	_, url := startDemoSim(t, graphsim.Options{})
	env := map[string]string{tokenEnv: liveToken}
	dir := t.TempDir()
	live := filepath.Join(dir, "live.json")
	r := runCLIEnv(t, env, "--graph-url", url, "--auth", "token", "export", "--source", "beta", "--out", live)
	if r.code != 0 {
		t.Fatalf("export --source beta: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	l, _, err := migrate.ReadLegacyFile(live)
	if err != nil {
		t.Fatal(err)
	}
	want := settingsWithoutSource(l)
	if len(l.Settings) != 8 || len(want) != 2 || !strings.Contains(r.stdout, "8 role settings records") {
		t.Fatalf("live export: %d settings records\n%s", len(l.Settings), r.stdout)
	}
	if !strings.Contains(r.stderr, "userMemberSettings: CustomPolicyRule") {
		t.Errorf("the unknown rule is not reported:\n%s", r.stderr)
	}

	for _, name := range fixtures.SettingsSnapshots() {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src := extract(t, dir, name)[0]
			out := filepath.Join(dir, filepath.Base(name)+".legacy.json")
			r := runCLI(t, "--output", "json", "export", "--source", src, "--out", out)
			if r.code != 0 {
				t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
			}
			var res exportResult
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
				t.Fatal(err)
			}
			l, _, err := migrate.ReadLegacyFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got := settingsWithoutSource(l)
			origin := migrate.OriginIteration1
			if strings.Contains(name, "iteration2") {
				origin = migrate.OriginIteration2
			}
			if len(got) != 1 || got[origin] != want[origin] {
				t.Errorf("settings\n%s\nwant, as the live export reads them,\n%s", got[origin], want[origin])
			}
			if res.Settings != len(l.Settings) || len(l.Assignments) != 0 {
				t.Errorf("summary says %d settings, legacy.json holds %d settings and %d assignments", res.Settings, len(l.Settings), len(l.Assignments))
			}
			wantRejected := 0
			if name == fixtures.Settings1JSONL {
				wantRejected = 1
			}
			if len(l.Rejected) != wantRejected || wantRejected == 1 && l.Rejected[0].Reason != migrate.RejectMalformedSetting {
				t.Errorf("rejected %+v", l.Rejected)
			}
			if unknown := len(res.UnknownRules); unknown != map[bool]int{true: 1}[origin == migrate.OriginIteration2] {
				t.Errorf("unknown rules %+v", res.UnknownRules)
			}
		})
	}
}

// TestExportBetaLegacyDisabled: a tenant whose legacy API Microsoft
// switched off stops the live export with what to do instead, and writes
// nothing.
func TestExportBetaLegacyDisabled(t *testing.T) {
	f, err := fixtures.FS.Open(fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seed, err := graphsim.LoadSeed(f, fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	seed.LegacyDisabled = true
	srv := graphsim.New(seed, graphsim.Options{RequireToken: liveToken})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	out := filepath.Join(dir, "legacy.json")
	r := runCLIEnv(t, map[string]string{tokenEnv: liveToken}, "--graph-url", ts.URL, "--auth", "token", "export", "--source", "beta", "--out", out)
	if r.code != 1 || !strings.Contains(r.stderr, "the live legacy PIM API is gone for this tenant") || !strings.Contains(r.stderr, "--source FILE") ||
		!strings.Contains(r.stderr, "TenantEnabledInAadRoleMigration") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("legacy.json written: %v", err)
	}
}
