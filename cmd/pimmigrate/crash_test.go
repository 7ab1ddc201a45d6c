package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
)

const (
	crashTenant = "5b92d034-0000-4000-8000-00000000c4a5"
	crashToken  = "eyJhbGciOiJub25lIn0.crash-test-s3cret"
	crashUsers  = 400
	// crashRecords legacy records give 400 create items: a quarter
	// permanent (role assignments), a quarter eligible, a quarter
	// time-bound eligible (eligibilities) and a quarter running
	// activations (an eligibility and an active schedule each).
	crashRecords = 320
)

// buildPimmigrate builds the real binary, once for all the tests of the
// package.
func buildPimmigrate(t *testing.T) string {
	t.Helper()
	return buildOnce(t, "pimmigrate", ".")
}

// builds keeps the binaries built for this package's tests.
var builds struct {
	sync.Mutex
	dir  string
	bins map[string]string
}

// buildOnce builds the package at pkg as name the first time it is asked
// for, in a folder that lives as long as the test binary.
func buildOnce(t *testing.T, name, pkg string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build " + name + " with")
	}
	builds.Lock()
	defer builds.Unlock()
	if bin, ok := builds.bins[name]; ok {
		return bin
	}
	if builds.dir == "" {
		if builds.dir, err = os.MkdirTemp("", "pimmigrate-test-bin-"); err != nil {
			t.Fatal(err)
		}
		builds.bins = map[string]string{}
	}
	bin := filepath.Join(builds.dir, name)
	if out, err := exec.Command(goTool, "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	builds.bins[name] = bin
	return bin
}

// TestMain removes the binaries built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}

func crashUserID(i int) string { return fmt.Sprintf("c0ffee00-0000-4000-8000-%012x", i) }

// crashWorld is a generated tenant in graphsim and a plan for it.
type crashWorld struct {
	srv  *graphsim.Server
	url  string
	plan string
	p    *migrate.Plan
}

func newCrashWorld(t *testing.T, dir string, opt graphsim.Options) *crashWorld {
	t.Helper()
	seed := &graphsim.Seed{TenantID: crashTenant, DisplayName: "Crash test"}
	for i := range crashUsers {
		seed.Users = append(seed.Users, graphsim.User{ID: crashUserID(i),
			UserPrincipalName: fmt.Sprintf("user%d@crash.example", i), DisplayName: fmt.Sprintf("User %d", i)})
	}
	// Some unified access exists before apply, and must survive rollback.
	for i := crashRecords; i < crashUsers; i += 8 {
		seed.RoleAssignments = append(seed.RoleAssignments, graphsim.RoleAssignment{PrincipalID: crashUserID(i), RoleDefinitionID: ga, DirectoryScopeID: "/"})
		seed.RoleEligibilitySchedules = append(seed.RoleEligibilitySchedules, graphsim.Schedule{PrincipalID: crashUserID(i + 1), RoleDefinitionID: sec, DirectoryScopeID: "/"})
	}
	opt.RequireToken = crashToken
	srv := graphsim.New(seed, opt)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	now := time.Now().UTC()
	roles := []string{ga, sec, "fe930be7-5e62-47db-91af-98c3a49a38b1", "29232cdf-9323-42fd-ade2-1d097af3e4de"}
	var legacy []migrate.Assignment
	var ids []migrate.GUID
	for i := range crashRecords {
		u := migrate.MustGUID(crashUserID(i))
		a := migrate.Assignment{UserID: u, RoleID: migrate.MustGUID(roles[i%len(roles)]), PrincipalType: migrate.PrincipalUser,
			Origin: migrate.OriginIteration1, Source: fmt.Sprintf("crash.json#%d", i+1)}
		switch i % 4 {
		case 0: // permanent
			a.IsElevated = true
		case 2: // time-bound eligible
			end := now.Add(30 * 24 * time.Hour).Truncate(time.Second)
			a.ExpirationDateTime = &end
		case 3: // activated, for four more hours
			end := now.Add(4 * time.Hour).Truncate(time.Second)
			a.IsElevated, a.ExpirationDateTime = true, &end
		}
		a.ID = migrate.Key(a.UserID, a.RoleID)
		a.State = migrate.DeriveState(a.IsElevated, a.ExpirationDateTime != nil)
		legacy = append(legacy, a)
		ids = append(ids, u)
	}
	c, err := graph.New(graph.Config{GraphURL: ts.URL, Auth: graph.AuthToken, Token: crashToken})
	if err != nil {
		t.Fatal(err)
	}
	ten, err := c.ReadTenant(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrate.BuildPlan(migrate.PlanInput{Legacy: &migrate.Legacy{TenantID: crashTenant, Assignments: legacy}, Tenant: ten,
		Policy: migrate.Policy{EligibleAs: migrate.EligibleAsEligibility, KeepActivations: true}, Catalogue: migrate.BuiltinCatalogue(),
		GraphURL: ts.URL, AsOf: now, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	want := map[migrate.TargetKind]int{migrate.KindRoleAssignment: 80, migrate.KindEligibilityRequest: 240, migrate.KindAssignmentScheduleRequest: 80}
	if p.Summary.Create != 400 || fmt.Sprint(p.Summary.CreateByKind) != fmt.Sprint(want) {
		t.Fatalf("plan: %d to create, %v; want 400, %v", p.Summary.Create, p.Summary.CreateByKind, want)
	}
	w := &crashWorld{srv: srv, url: ts.URL, plan: filepath.Join(dir, "plan.json"), p: p}
	if err := migrate.WritePlanFile(w.plan, p); err != nil {
		t.Fatal(err)
	}
	return w
}

// proc is one run of the binary.
type proc struct {
	killed         bool // by our SIGKILL, not done
	code           int  // exit code when not killed
	stdout, stderr string
}

// runBinary runs pimmigrate with args and kills it with SIGKILL when kill
// (if not nil) says so, asked every millisecond from the start with the
// running process.
func runBinary(t *testing.T, bin string, kill func(*os.Process) bool, args ...string) proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{tokenEnv + "=" + crashToken, "HOME=" + t.TempDir()}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			if kill != nil && kill(cmd.Process) {
				cmd.Process.Signal(syscall.SIGKILL)
				err = <-done
				break wait
			}
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("%v did not finish in 2 minutes\n%s", args, errb.String())
		}
	}
	p := proc{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			p.killed = true
		} else {
			p.code = ee.ExitCode()
		}
	default:
		t.Fatal(err)
	}
	return p
}

// journalWatch follows a growing journal, reading only what was added since
// the last look, cheaply enough to poll while the binary writes it: it
// counts the whole lines but headers, and knows which intents have no
// outcome yet.
type journalWatch struct {
	t     *testing.T
	path  string
	off   int64
	lines int
	// pending holds, for each key with an intent and no outcome yet, the
	// number of that intent's line.
	pending map[string]int
}

// count reads what was added and returns the number of lines.
func (w *journalWatch) count() int {
	f, err := os.Open(w.path)
	if errors.Is(err, os.ErrNotExist) {
		return w.lines
	}
	if err != nil {
		w.t.Error(err) // not Fatal: count may run on another goroutine
		return w.lines
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, w.off, 1<<40))
	if err != nil {
		w.t.Error(err)
		return w.lines
	}
	b = b[:bytes.LastIndexByte(b, '\n')+1] // a torn or unfinished line is not one yet
	w.off += int64(len(b))
	if w.pending == nil {
		w.pending = map[string]int{}
	}
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		var l apply.Line
		if len(line) == 0 || json.Unmarshal(line, &l) != nil || l.Type == apply.LineHeader {
			continue
		}
		w.lines++
		switch l.Type {
		case apply.LineIntent:
			w.pending[l.Key] = w.lines
		case apply.LineOutcome:
			delete(w.pending, l.Key)
		}
	}
	return w.lines
}

// inFlightSince reports whether an intent journaled after line n has no
// outcome yet: a request of the run that began there is in flight.
func (w *journalWatch) inFlightSince(n int) bool {
	for _, at := range w.pending {
		if at > n {
			return true
		}
	}
	return false
}

// killAt picks the moment to kill a run: once the run has journaled a
// random number of lines of its own (1 to budget, so that work remains),
// at the first moment one of its requests is in flight — an intent it
// wrote with no outcome yet. The run is frozen (SIGSTOP) before the
// journal is read the last time, so the journal it leaves is the one that
// was read: every kill lands with requests in flight, however slow or busy
// the machine. (Before its first intent a run only reconciles what the last
// one left in flight; a kill then would undo nothing.)
func killAt(w *journalWatch, rng *rand.Rand, budget int) func(*os.Process) bool {
	budget = 1 + rng.IntN(budget)
	start := w.count()
	return func(p *os.Process) bool {
		if w.count() < start+budget || !w.inFlightSince(start) {
			return false
		}
		if !freeze(w.t, p) {
			return false // it ended meanwhile
		}
		if w.count(); w.inFlightSince(start) {
			return true
		}
		p.Signal(syscall.SIGCONT) // the answer came before the stop: go on
		return false
	}
}

// freeze stops p with SIGSTOP and waits until every one of its threads has
// stopped, so that nothing more reaches its files. It returns false if p
// has ended.
func freeze(t *testing.T, p *os.Process) bool {
	t.Helper()
	if p.Signal(syscall.SIGSTOP) != nil {
		return false
	}
	tasks := fmt.Sprintf("/proc/%d/task", p.Pid)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Microsecond) {
		threads, err := os.ReadDir(tasks)
		if err != nil {
			return false
		}
		stopped := true
		for _, th := range threads {
			b, err := os.ReadFile(filepath.Join(tasks, th.Name(), "stat"))
			if i := bytes.LastIndexByte(b, ')'); err == nil && i+2 < len(b) {
				switch b[i+2] { // the state, after "pid (name) "
				case 'T', 't':
				case 'Z', 'X':
					return false
				default:
					stopped = false
				}
			}
		}
		if stopped {
			return true
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d did not stop within a minute of SIGSTOP", p.Pid)
		}
	}
}

// journalState is what a journal on disk says, for the crash test.
type journalState struct {
	lines      int // whole lines but headers
	inFlight   int // items with an intent and no outcome
	outcomes   int // items with an outcome of the last run kind
	unfinished int // create items of the plan not yet created (or found) and verified
}

func readJournalState(t *testing.T, path string, p *migrate.Plan, rollback bool) journalState {
	t.Helper()
	j, err := apply.ReadJournal(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return journalState{unfinished: p.Summary.Create}
		}
		t.Fatal(err)
	}
	jl := journalLines(t, path)
	s := journalState{lines: jl[apply.LineIntent] + jl[apply.LineOutcome] + jl[apply.LineVerified]}
	for _, it := range p.Items {
		if it.Action != migrate.ActionCreate {
			continue
		}
		st := j.State(it.Key)
		if st.PendingOp != "" {
			s.inFlight++
		}
		switch {
		case rollback && st.Outcome == apply.OutcomeDeleted:
			s.outcomes++
		case !rollback && st.Outcome != "":
			s.outcomes++
		}
		if !(st.Outcome == apply.OutcomeCreated && st.Verified || st.Outcome == apply.OutcomeExists) {
			s.unfinished++
		}
	}
	return s
}

// TestCrashAndResume is the crash test: apply is killed with SIGKILL at
// random points while it works, each time with requests in flight (killAt),
// against a Graph that fails 2% of requests
// (half of the failed writes after they took effect); run again it must
// leave the tenant holding exactly the plan, nothing missing, nothing
// doubled, no eligibility turned into standing access. Rollback, killed
// once mid-way and run again, must then leave the tenant as it was.
func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	t.Parallel()
	bin := buildPimmigrate(t)
	dir := t.TempDir()
	w := newCrashWorld(t, dir, graphsim.Options{Latency: 2 * time.Millisecond, FaultRate: 0.02, Seed: 7})
	beforeState := unifiedState(t, w.srv.State())
	before := holdingsOf(w.srv.State())
	journal := filepath.Join(dir, "run.jsonl")
	watch := &journalWatch{t: t, path: journal}
	global := []string{"--graph-url", w.url, "--auth", "token"}
	applyArgs := append(append([]string{}, global...), "apply", w.plan, "--yes", "--journal", journal, "--batch-size", "10", "--concurrency", "2")
	rng := rand.New(rand.NewPCG(20261122, 1))
	var printed strings.Builder

	// Five kills after at most 120 lines each (and the few more it takes to
	// catch a request in flight) leave writes to do: the 400 items need 800
	// lines of intents and outcomes, and 400 verified lines besides.
	const kills = 5
	inFlightAtKills := 0
	prev := readJournalState(t, journal, w.p, false)
	for run := 1; run <= kills; run++ {
		t0 := time.Now()
		r := runBinary(t, bin, killAt(watch, rng, 120), applyArgs...)
		took := time.Since(t0)
		printed.WriteString(r.stdout + r.stderr)
		if !r.killed {
			t.Fatalf("apply run %d was not killed: exit %d\n%s%s", run, r.code, r.stdout, r.stderr)
		}
		st := readJournalState(t, journal, w.p, false)
		if st.unfinished == 0 {
			t.Fatalf("apply run %d: killed after %v with no work left", run, took)
		}
		if st.lines <= prev.lines {
			t.Errorf("apply run %d: killed after %v, the journal did not grow (%d lines, %d before)", run, took, st.lines, prev.lines)
		}
		if st.inFlight == 0 {
			t.Errorf("apply run %d: killed with no request in flight", run)
		}
		inFlightAtKills += st.inFlight
		t.Logf("apply run %d: killed after %v: %d journal lines, %d items with an outcome, %d in flight, %d unfinished",
			run, took.Round(time.Millisecond), st.lines, st.outcomes, st.inFlight, st.unfinished)
		prev = st
	}

	writes := w.srv.Stats().Writes
	r := runBinary(t, bin, nil, applyArgs...)
	printed.WriteString(r.stdout + r.stderr)
	if r.code != exitOK {
		t.Fatalf("the last apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Applied 400 (400 created, 0 already existed), 0 failed.") {
		t.Errorf("the last apply:\n%s", r.stdout)
	}
	jl := journalLines(t, journal)
	stats := w.srv.Stats()
	t.Logf("apply: %d kills, each with requests in flight (%d items in all), %d outcomes reconciled from the tenant, %d writes to finish; "+
		"graphsim: %d writes, %d faults (%d after commit), %d duplicates refused; journal %v",
		kills, inFlightAtKills, jl["reconciled"], stats.Writes-writes, stats.Writes, stats.Faults, stats.FaultsAfterCommit, stats.DuplicatesRefused, jl)

	got := holdingsOf(w.srv.State())
	sameHoldings(t, "after killed and resumed applies", got, plannedHoldings(before, w.p, func(*migrate.Item) bool { return true }))
	noEligibleBecameStanding(t, w.p, before, got)
	if t.Failed() {
		t.FailNow()
	}
	writes = w.srv.Stats().Writes
	if r := runBinary(t, bin, nil, applyArgs...); r.code != exitOK || w.srv.Stats().Writes != writes {
		t.Errorf("apply after the end: exit %d, %d writes\n%s", r.code, w.srv.Stats().Writes-writes, r.stderr)
	}

	// Rollback, killed once mid-way, then run to the end. 400 removals take
	// 800 lines.
	rbArgs := append(append([]string{}, global...), "rollback", "--journal", journal, "--yes")
	t0 := time.Now()
	r = runBinary(t, bin, killAt(watch, rng, 400), rbArgs...)
	printed.WriteString(r.stdout + r.stderr)
	if !r.killed {
		t.Fatalf("rollback was not killed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	st := readJournalState(t, journal, w.p, true)
	t.Logf("rollback killed after %v with %d of 400 removed, %d in flight", time.Since(t0).Round(time.Millisecond), st.outcomes, st.inFlight)
	if st.outcomes >= 400 || st.inFlight == 0 {
		t.Errorf("rollback was killed with %d of 400 removed and %d in flight; want some left and some in flight", st.outcomes, st.inFlight)
	}
	r = runBinary(t, bin, nil, rbArgs...)
	printed.WriteString(r.stdout + r.stderr)
	if r.code != exitOK || !strings.Contains(r.stdout, "Rolled back 400 (400 removed), 0 failed.") {
		t.Fatalf("the last rollback: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sameHoldings(t, "after rollback", holdingsOf(w.srv.State()), before)
	if after := unifiedState(t, w.srv.State()); after != beforeState {
		t.Errorf("unified state after rollback differs from before apply")
	}

	if strings.Contains(printed.String(), "s3cret") {
		t.Errorf("the token was printed")
	}
	if b, _ := os.ReadFile(journal); bytes.Contains(b, []byte("s3cret")) {
		t.Errorf("the journal contains the token")
	}
}
