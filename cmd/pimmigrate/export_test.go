package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// TestExportConflictsIgnoreSourceOrder: records that disagree about one
// principal and role are never settled by the order of --source. Alice's
// Global Administrator record is standing in snapA.jsonl and eligible in
// snapB.jsonl (the same id); Bob's Security Administrator is eligible in
// iteration 1 and Active in iteration 2. Both orders of the files give the
// same assignments, the same rejected records and the same plan items, and
// neither conflict becomes a create.
func TestExportConflictsIgnoreSourceOrder(t *testing.T) {
	dir := t.TempDir()
	const tenant = "7e4a0000-0000-4000-8000-0000000000aa"
	rec1 := func(user, role string, elevated bool) string {
		return `{"id":"` + user + "_" + role + `","userId":"` + user + `","roleId":"` + role + `","isElevated":` +
			map[bool]string{true: "true", false: "false"}[elevated] + `,"expirationDateTime":null}` + "\n"
	}
	a := writeFile(t, dir, "snapA.jsonl", rec1(alice, ga, true)+rec1(bob, ga, false)+rec1(bob, sec, false))
	b := writeFile(t, dir, "snapB.jsonl", rec1(alice, ga, false)+rec1(bob, ga, false))
	i2 := writeFile(t, dir, "aadRoles.json", `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#governanceRoleAssignments","value":[
{"id":"b0b-sec-active","resourceId":"`+tenant+`","roleDefinitionId":"`+sec+`","subjectId":"`+bob+`","assignmentState":"Active","memberType":"Direct","endDateTime":null}]}`)

	type outcome struct {
		assignments json.RawMessage
		rejected    []migrate.Rejected
		items       []byte
	}
	run := func(name string, sources ...string) outcome {
		t.Helper()
		legacy := filepath.Join(dir, name+".legacy.json")
		args := []string{"export", "--out", legacy}
		for _, s := range sources {
			args = append(args, "--source", s)
		}
		if r := runCLI(t, args...); r.code != 0 {
			t.Fatalf("export %v: exit %d\n%s%s", sources, r.code, r.stdout, r.stderr)
		}
		plan := filepath.Join(dir, name+".plan.json")
		if r := runCLI(t, "plan", "--offline", "--legacy", legacy, "--out", plan); r.code != 0 {
			t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		raw, err := os.ReadFile(legacy)
		if err != nil {
			t.Fatal(err)
		}
		var l migrate.Legacy
		if err := json.Unmarshal(raw, &l); err != nil {
			t.Fatal(err)
		}
		// legacy.json lists sources, assignments and rejected records in
		// the order they were read; what they say must not depend on it.
		slices.SortFunc(l.Assignments, func(x, y migrate.Assignment) int { return strings.Compare(x.ID, y.ID) })
		slices.SortFunc(l.Rejected, func(x, y migrate.Rejected) int { return strings.Compare(x.Source, y.Source) })
		p, err := migrate.ReadPlanFile(plan)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			if strings.HasPrefix(it.Key, alice+"_"+ga) {
				t.Errorf("%v: alice's disputed Global Administrator is planned: %s %s", sources, it.Action, it.Target.Kind)
			}
			if strings.HasPrefix(it.Key, bob+"_"+sec) && (it.Action != migrate.ActionSkip || it.Reason != migrate.ReasonConflictingRecords) {
				t.Errorf("%v: bob's Security Administrator: %s %s, want skip %s", sources, it.Action, it.Reason, migrate.ReasonConflictingRecords)
			}
		}
		assignments, _ := json.Marshal(l.Assignments)
		items, _ := json.Marshal(p.Items)
		return outcome{assignments, l.Rejected, items}
	}
	ab := run("ab", a, b, i2)
	ba := run("ba", i2, b, a)
	if !bytes.Equal(ab.assignments, ba.assignments) {
		t.Errorf("assignments depend on the order of --source:\n%s\n%s", ab.assignments, ba.assignments)
	}
	wantRejected := []string{filepath.Join(dir, "snapA.jsonl") + ":1", filepath.Join(dir, "snapB.jsonl") + ":1"}
	var got []string
	for _, r := range ab.rejected {
		got = append(got, r.Source)
		if r.Reason != migrate.RejectConflictingDuplicate {
			t.Errorf("rejected %+v, want %s", r, migrate.RejectConflictingDuplicate)
		}
	}
	if !slices.Equal(got, wantRejected) {
		t.Errorf("rejected %v, want %v", got, wantRejected)
	}
	if !slices.Equal(ab.rejected, ba.rejected) {
		t.Errorf("rejected records depend on the order of --source:\n%+v\n%+v", ab.rejected, ba.rejected)
	}
	if !bytes.Equal(ab.items, ba.items) {
		t.Errorf("plan items depend on the order of --source:\n%s\n%s", ab.items, ba.items)
	}
}

// fifo is a named pipe fed with head, then body over and over, up to limit
// bytes, from a goroutine: an export that honours Ctrl-C stops reading it
// long before the end. Once at bytes are written, fn is called.
type fifo struct {
	path    string
	written atomic.Int64
	done    chan error
}

func feedFIFO(t *testing.T, dir, head, body string, limit, at int64, fn func()) *fifo {
	t.Helper()
	f := &fifo{path: filepath.Join(dir, "snapshot.jsonl"), done: make(chan error, 1)}
	if err := syscall.Mkfifo(f.path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	go func() {
		w, err := os.OpenFile(f.path, os.O_WRONLY, 0) // blocks until export opens it
		if err != nil {
			f.done <- err
			return
		}
		defer w.Close()
		buf := []byte(head + strings.Repeat(body, (64<<10)/len(body)))
		for f.written.Load() < limit {
			n, err := w.Write(buf)
			if f.written.Add(int64(n)) >= at && fn != nil {
				fn()
				fn = nil
			}
			if err != nil { // the reader has gone: EPIPE
				f.done <- nil
				return
			}
			buf = buf[len(head):]
			head = ""
		}
		f.done <- nil
	}()
	t.Cleanup(func() {
		// Unblock a writer still waiting for a reader, then wait for it.
		if r, err := os.OpenFile(f.path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
		<-f.done
	})
	return f
}

// exportRecord is one iteration-1 record a line, repeated by feedFIFO.
var exportRecord = `{"userId":"` + alice + `","roleId":"` + ga + `","isElevated":false,"expirationDateTime":null}` + "\n"

// onlyFIFO checks that export left nothing in dir but its input.
func onlyFIFO(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "snapshot.jsonl" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("export left %v behind; want nothing but its input", names)
	}
}

// TestExportInterrupted cancels the context of an export in the middle of
// a long input: it exits 130 and writes nothing.
func TestExportInterrupted(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const at, limit = 1 << 20, 64 << 20
	f := feedFIFO(t, dir, "", exportRecord, limit, at, cancel)
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" }, now: func() time.Time { return testNow }}
	code := run(ctx, []string{"export", "--source", f.path, "--out", filepath.Join(dir, "legacy.json")}, a)
	if code != exitInterrupted || !strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("exit %d, stderr %q; want %d, interrupted", code, errb.String(), exitInterrupted)
	}
	onlyFIFO(t, dir)
	if w := f.written.Load(); w > at+1<<20 {
		t.Errorf("export read %d MiB after the cancel", (w-at)>>20)
	}
}

// TestWriteLegacyInterrupted: once the context is done, writing legacy.json
// stops and leaves no file, not even a temporary one.
func TestWriteLegacyInterrupted(t *testing.T) {
	dir := t.TempDir()
	b := migrate.NewBuilder("")
	b.Add(migrate.Record{Pos: migrate.Pos{File: "a.json", N: 1}, Origin: migrate.OriginIteration1,
		PrincipalID: migrate.MustGUID(alice), RoleID: migrate.MustGUID(ga), PrincipalType: migrate.PrincipalUser})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := writeLegacy(ctx, filepath.Join(dir, "legacy.json"), b, testNow)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the context's error", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left behind: %v", ents)
	}
}

// TestExportSIGINT sends the real binary SIGINT in the middle of a long
// export: it exits 130 and writes nothing.
func TestExportSIGINT(t *testing.T) {
	bin := buildPimmigrate(t)
	dir := t.TempDir()
	const at, limit = 1 << 20, 64 << 20
	cmd := exec.Command(bin, "export", "--source", filepath.Join(dir, "snapshot.jsonl"), "--out", filepath.Join(dir, "legacy.json"))
	cmd.Env = []string{"HOME=" + t.TempDir()}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	started := make(chan *os.Process, 1)
	f := feedFIFO(t, dir, "", exportRecord, limit, at, func() { (<-started).Signal(os.Interrupt) })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started <- cmd.Process
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v; want %d\n%s", err, exitInterrupted, errb.String())
	}
	onlyFIFO(t, dir)
	if w := f.written.Load(); w >= limit {
		t.Errorf("export read all %d MiB despite SIGINT", w>>20)
	}
}

// TestExportSourceLinesAlign: the per-source lines line up whatever the
// paths' lengths (a long URL or folder no longer pushes its own columns).
func TestExportSourceLinesAlign(t *testing.T) {
	dir := t.TempDir()
	short := extract(t, dir, fixtures.Iteration2)[0]
	deep := filepath.Join(dir, "a-much-longer-folder-name-than-the-other-one", "and-deeper")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	long := extract(t, deep, fixtures.Iteration1JSONL)[0]
	r := runCLI(t, "export", "--source", short, "--source", long, "--out", filepath.Join(dir, "legacy.json"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	col := -1
	for _, l := range strings.Split(r.stdout, "\n") {
		if !strings.HasSuffix(l, " records") || !strings.HasPrefix(l, "  ") {
			continue
		}
		end := strings.Index(l, " records")
		if col == -1 {
			col = end
		} else if end != col {
			t.Errorf("source lines do not align:\n%s", r.stdout)
		}
	}
	if col == -1 {
		t.Fatalf("no source lines:\n%s", r.stdout)
	}
}
