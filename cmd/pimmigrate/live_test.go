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

const liveToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.s3cret-live-token"

// startDemoSim serves the demo tenant with graphsim, requiring liveToken.
func startDemoSim(t *testing.T, opt graphsim.Options) (*graphsim.Server, string) {
	t.Helper()
	f, err := fixtures.FS.Open(fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seed, err := graphsim.LoadSeed(f, fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	opt.RequireToken = liveToken
	srv := graphsim.New(seed, opt)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

// onlineDemoPlan is the plan fixtures/README.md gives for the demo export
// against the demo tenant at fixtures.AsOf with --protect protect.txt.
var onlineDemoPlan = migrate.Summary{Items: 143, Create: 112, Present: 10, Skip: 21, Rejected: 2,
	CreateByKind: map[migrate.TargetKind]int{migrate.KindRoleAssignment: 18, migrate.KindEligibilityRequest: 94},
	SkipReasons: map[string]int{migrate.ReasonPrincipalNotFound: 3, migrate.ReasonRoleNotFound: 3, migrate.ReasonRoleDisabled: 3,
		migrate.ReasonServicePrincipalEligible: 2, migrate.ReasonProtected: 2, migrate.ReasonGroupNotRoleAssignable: 2, migrate.ReasonExpired: 6},
	Warnings: map[string]int{migrate.WarnPrincipalDisabled: 3, migrate.WarnGuestUser: 4, migrate.WarnUnifiedGrantsMore: 3, migrate.WarnDuplicateRecord: 3,
		migrate.WarnOtherScopeHeld: 2}} // the two legacy grants the tenant holds at an AU

func planOnline(t *testing.T, url, dir, legacy string, env map[string]string) (*migrate.Plan, result) {
	t.Helper()
	protect := extract(t, dir, fixtures.Protect)[0]
	out := filepath.Join(dir, "plan.json")
	// Role settings have tests of their own (settings_test.go).
	r := runCLIEnv(t, env, "--graph-url", url, "--auth", "token", "-v", "plan", "--legacy", legacy, "--out", out,
		"--protect", protect, "--as-of", fixtures.AsOf, "--settings", "off")
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	p, err := migrate.ReadPlanFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

func sameSummary(t *testing.T, got, want migrate.Summary) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("summary\n got %s\nwant %s", g, w)
	}
}

// TestLiveExportAndPlan is issue 3's "done when": against graphsim seeded
// with every legacy state, export --source beta returns every record across
// pages, and plan gives each its action, reason and warnings.
func TestLiveExportAndPlan(t *testing.T) {
	srv, url := startDemoSim(t, graphsim.Options{})
	env := map[string]string{tokenEnv: liveToken}
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.json")
	r := runCLIEnv(t, env, "--graph-url", url, "--auth", "token", "export", "--source", "beta", "--out", legacy)
	if r.code != 0 {
		t.Fatalf("export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	l, _, err := migrate.ReadLegacyFile(legacy)
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	for _, s := range l.Sources {
		records += s.Records
	}
	// The demo tenant's 8 legacy role settings records are read too.
	if records != 150+8 || len(l.Assignments) != 146 || len(l.Settings) != 8 || len(l.Rejected) != 2 || l.TenantID != fixtures.TenantID {
		t.Errorf("export read %d records into %d assignments, %d settings, %d rejected, tenant %s; want 158, 146, 8, 2, %s",
			records, len(l.Assignments), len(l.Settings), len(l.Rejected), l.TenantID, fixtures.TenantID)
	}
	if n := srv.Stats().ByRoute["GET /beta/privilegedRoleAssignments"]; n < 2 {
		t.Errorf("%d pages of iteration 1: the demo's 120 records span two", n)
	}

	p, _ := planOnline(t, url, dir, legacy, env)
	sameSummary(t, p.Summary, onlineDemoPlan)
	if p.TenantID != fixtures.TenantID || p.Offline || p.GraphURL != url {
		t.Errorf("plan header: tenant %s offline %v graph %s", p.TenantID, p.Offline, p.GraphURL)
	}
}

// TestOnlinePlanFromSnapshots plans the demo snapshots — whose GUIDs come
// in upper and mixed case — against the tenant: the same plan as live.
func TestOnlinePlanFromSnapshots(t *testing.T) {
	_, url := startDemoSim(t, graphsim.Options{})
	env := map[string]string{tokenEnv: liveToken}
	dir := t.TempDir()
	args := []string{"export", "--out", filepath.Join(dir, "legacy.json")}
	for _, p := range extract(t, dir, fixtures.DemoExport()...) {
		args = append(args, "--source", p)
	}
	if r := runCLI(t, args...); r.code != 0 {
		t.Fatalf("export: %s", r.stderr)
	}
	p, r := planOnline(t, url, dir, filepath.Join(dir, "legacy.json"), env)
	sameSummary(t, p.Summary, onlineDemoPlan)
	if !strings.Contains(r.stdout, "Plan: 112 to create (18 assignments, 94 eligibilities), 10 already present, 21 skipped.") {
		t.Errorf("plan output:\n%s", r.stdout)
	}
}

func TestPlanRefusesAnotherTenantsSnapshot(t *testing.T) {
	_, url := startDemoSim(t, graphsim.Options{})
	dir := t.TempDir()
	legacy := writeFile(t, dir, "legacy.json", `{"schema":"pimmigrate.legacy/v1","tenantId":"11111111-2222-4333-8444-555555555555","sources":[],"assignments":[],"rejected":[]}`)
	r := runCLIEnv(t, map[string]string{tokenEnv: liveToken}, "--graph-url", url, "--auth", "token", "plan", "--legacy", legacy, "--out", filepath.Join(dir, "plan.json"))
	if r.code != exitError || !strings.Contains(r.stderr, "11111111-2222-4333-8444-555555555555") || !strings.Contains(r.stderr, fixtures.TenantID) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "plan.json")); !os.IsNotExist(err) {
		t.Errorf("plan.json written for the wrong tenant")
	}
}

// TestTokenNeverLeaks runs every Graph-backed command, successful and
// failing, verbose, and looks for the bearer token in everything the tool
// printed or wrote.
func TestTokenNeverLeaks(t *testing.T) {
	_, url := startDemoSim(t, graphsim.Options{FaultRate: 0.2, Seed: 3})
	dir := t.TempDir()
	good := map[string]string{tokenEnv: liveToken}
	// A token that differs from the accepted one in its last characters only:
	// graphsim refuses it, and the 401 must not echo it either.
	wrong := map[string]string{tokenEnv: liveToken + "-expired"}
	legacy := filepath.Join(dir, "legacy.json")
	var printed strings.Builder
	for _, run := range []struct {
		env  map[string]string
		args []string
		ok   bool
	}{
		{good, []string{"export", "--source", "beta", "--out", legacy}, true},
		{good, []string{"plan", "--legacy", legacy, "--out", filepath.Join(dir, "plan.json")}, true},
		{good, []string{"--output", "json", "plan", "--legacy", legacy, "--out", filepath.Join(dir, "plan2.json")}, true},
		{wrong, []string{"export", "--source", "beta", "--out", filepath.Join(dir, "never.json")}, false},
		{wrong, []string{"plan", "--legacy", legacy, "--out", filepath.Join(dir, "never-plan.json")}, false},
	} {
		args := append([]string{"--graph-url", url, "--auth", "token", "-v"}, run.args...)
		r := runCLIEnv(t, run.env, args...)
		if (r.code == 0) != run.ok {
			t.Fatalf("%v: exit %d\n%s", run.args, r.code, r.stderr)
		}
		if !run.ok && !strings.Contains(r.stderr, "401") {
			t.Errorf("%v: the failure does not say 401: %s", run.args, r.stderr)
		}
		printed.WriteString(r.stdout + r.stderr)
	}
	if strings.Contains(printed.String(), "s3cret-live-token") {
		t.Errorf("the token was printed:\n%s", printed.String())
	}
	if !strings.Contains(printed.String(), "graph: GET /v1.0/organization -> 200") || !strings.Contains(printed.String(), "-> 401") {
		t.Errorf("-v does not log the Graph requests:\n%s", printed.String())
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if strings.Contains(string(b), "s3cret-live-token") {
			t.Errorf("%s contains the token", f.Name())
		}
	}
}
