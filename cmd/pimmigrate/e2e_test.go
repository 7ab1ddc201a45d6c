package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// buildGraphsim builds the real emulator binary, once for all the tests.
func buildGraphsim(t *testing.T) string {
	t.Helper()
	return buildOnce(t, "graphsim", "../graphsim")
}

// startGraphsimProcess runs graphsim on a free loopback port and returns
// its URL.
func startGraphsimProcess(t *testing.T, bin, seed string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--tenant", seed, "--listen", "127.0.0.1:0", "--require-token", crashToken}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("graphsim printed no address: %v", err)
	}
	url := strings.TrimSpace(line[strings.Index(line, "http://"):])
	go io.Copy(io.Discard, out)
	return url
}

func simState(t *testing.T, url string) *graphsim.Seed {
	t.Helper()
	res, err := http.Get(url + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s graphsim.Seed
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func simWrites(t *testing.T, url string) int64 {
	t.Helper()
	res, err := http.Get(url + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st graphsim.Stats
	json.NewDecoder(res.Body).Decode(&st)
	return st.Writes
}

// TestEndToEnd runs the built binaries through the whole pipeline, the way
// an admin would: graphsim as its own process seeded from the demo
// fixture; export, plan, apply, report, audit; apply again (nothing sent);
// rollback (the tenant as it was).
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	t.Parallel()
	bin, gs := buildPimmigrate(t), buildGraphsim(t)
	dir := t.TempDir()
	seed := extract(t, dir, fixtures.DemoTenant)[0]
	protect := extract(t, dir, fixtures.Protect)[0]
	url := startGraphsimProcess(t, gs, seed, "--latency", "5ms", "--throttle-writes", "100/s", "--fault-rate", "0.02", "--seed", "4")
	before := holdingsOf(simState(t, url))
	beforeJSON := unifiedState(t, simState(t, url))
	path := func(n string) string { return filepath.Join(dir, n) }
	pim := func(args ...string) proc {
		t.Helper()
		return runBinary(t, bin, nil, append([]string{"--graph-url", url, "--auth", "token"}, args...)...)
	}
	must := func(args ...string) proc {
		t.Helper()
		p := pim(args...)
		if p.code != 0 || p.killed {
			t.Fatalf("pimmigrate %v: exit %d\n%s%s", args, p.code, p.stdout, p.stderr)
		}
		return p
	}
	must("export", "--source", "beta", "--out", path("legacy.json"))
	must("plan", "--legacy", path("legacy.json"), "--out", path("plan.json"), "--protect", protect)
	p, err := migrate.ReadPlanFile(path("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The demo tenant's plan creates 112 at fixtures.AsOf; time-bound
	// eligibilities expire as the calendar moves on, so count from the plan
	// made now (about 90 creates never expire).
	n := p.Summary.Create
	if n < 50 {
		t.Fatalf("the plan creates only %d", n)
	}
	applied := fmt.Sprintf("Applied %d (%d created, 0 already existed), 0 failed.", n, n)
	// Its stdin is /dev/null: no terminal, so no prompt, and --yes needed.
	if p := pim("apply", path("plan.json")); p.code != exitUsage || !strings.Contains(p.stderr, "pass --yes") || strings.Contains(p.stderr, "Type yes") {
		t.Fatalf("apply </dev/null: exit %d, want %d asking for --yes\n%s", p.code, exitUsage, p.stderr)
	}
	out := must("apply", path("plan.json"), "--yes")
	if !strings.Contains(out.stdout, applied) {
		t.Fatalf("apply printed\n%s\nwant %q", out.stdout, applied)
	}
	after := holdingsOf(simState(t, url))
	sameHoldings(t, "after apply", after, plannedHoldings(before, p, func(*migrate.Item) bool { return true }))
	noEligibleBecameStanding(t, p, before, after)

	must("report", "--plan", path("plan.json"), "--journal", path("run.jsonl"), "--xlsx", path("report.xlsx"), "--csv", path("report.csv"))
	f, err := os.Open(path("report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := p.Summary.Items - p.Summary.RoleSettings; len(rows) != want+1 {
		t.Errorf("report.csv has %d rows, want %d assignment items and a header", len(rows), want)
	}
	outcome := -1
	for i, h := range rows[0] {
		if strings.EqualFold(h, "outcome") {
			outcome = i
		}
	}
	created := 0
	for _, r := range rows[1:] {
		if outcome >= 0 && r[outcome] == "created" {
			created++
		}
	}
	if created != n {
		t.Errorf("report.csv says %d created, want %d (outcome column %d of %v)", created, n, outcome, rows[0])
	}
	if _, err := os.Stat(path("report.xlsx")); err != nil {
		t.Error(err)
	}
	if a := pim("audit", "--legacy", path("legacy.json"), "--protect", protect, "--xlsx", path("audit.xlsx"), "--csv", path("audit.csv")); a.code != 0 {
		t.Errorf("audit: exit %d\n%s", a.code, a.stderr)
	}

	writes := simWrites(t, url)
	out = must("apply", path("plan.json"), "--yes")
	if simWrites(t, url) != writes || !strings.Contains(out.stdout, fmt.Sprintf("%d create items) were already applied", n)) {
		t.Errorf("a second apply wrote %d times:\n%s", simWrites(t, url)-writes, out.stdout)
	}
	must("rollback", "--journal", path("run.jsonl"), "--yes")
	if got := unifiedState(t, simState(t, url)); got != beforeJSON {
		t.Errorf("rollback did not restore the tenant")
	}
}

// TestDemo runs `pimmigrate demo` in-process, as a newcomer would, three
// times in one folder (the demo owns its folder: a second run starts
// afresh): every file it promises is there, and --output json prints one
// object.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	for run := 1; run <= 3; run++ {
		t.Run(fmt.Sprintf("run %d", run), func(t *testing.T) { demoRun(t, dir) })
	}
}

func demoRun(t *testing.T, dir string) {
	t.Helper()
	// The demo's graphsim keeps real time: so must its steps, or a plan made
	// "at noon" would ask for schedules that already ended.
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	code := run(context.Background(), []string{"--output", "json", "demo", "--out", dir}, a)
	r := result{code, out.String(), errb.String()}
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	checkJSON(t, "demo", r.stdout, documentedJSON(t))
	var got struct {
		Command string
		Files   []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Command != "demo" {
		t.Fatalf("stdout is not one demo object (%v):\n%s", err, r.stdout)
	}
	listed := map[string]bool{}
	for _, f := range got.Files {
		listed[f] = true
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// It lists every file it leaves, and each is its owner's alone
	// (Windows has no such bits).
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !listed[filepath.Join(dir, e.Name())] && !strings.HasPrefix(e.Name(), ".") { // not a hidden lock file
			t.Errorf("the demo leaves %s without listing it", e.Name())
		}
		st, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", e.Name(), st.Mode().Perm())
		}
	}
	if !strings.Contains(r.stderr, "Applied ") || !strings.Contains(r.stderr, "Audit: ") {
		t.Errorf("the steps' summaries are missing from stderr:\n%s", r.stderr)
	}
}

// TestDemoOwnsOnlyItsFolder: the demo clears what an earlier run left in
// its folder, and refuses a folder holding anything else, touching nothing.
func TestDemoOwnsOnlyItsFolder(t *testing.T) {
	tests := []struct {
		name  string
		files []string
	}{
		{"a plan of the admin's own", []string{"plan.json", "plan-2026.json"}},
		{"a journal of another name", []string{"run.jsonl", "prod.run.jsonl"}},
		{"notes", []string{"notes.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				writeFile(t, dir, f, "mine")
			}
			r := runCLI(t, "demo", "--out", dir)
			if r.code != exitUsage || !strings.Contains(r.stderr, "which the demo did not write") {
				t.Fatalf("exit %d, want %d refusing the folder\n%s", r.code, exitUsage, r.stderr)
			}
			for _, f := range tt.files {
				if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(b) != "mine" {
					t.Errorf("%s: %q, %v: the demo touched it", f, b, err)
				}
			}
		})
	}
}
