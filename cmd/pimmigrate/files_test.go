//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// withUmask sets the process umask for one test and restores it after.
func withUmask(t *testing.T, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// modeOf is the permission bits of path.
func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestWrittenFilesArePrivate: legacy.json, plan.json and every report list
// who holds which role, break-glass accounts included. Each command writes
// them 0600 under the usual umask 022, and rewriting one keeps the mode its
// owner gave it.
func TestWrittenFilesArePrivate(t *testing.T) {
	withUmask(t, 0o022)
	_, url := startAuditSim(t, auditSeed(), nil)
	dir := t.TempDir()
	legacy := auditExport(t, url, dir)
	plan := filepath.Join(dir, "plan.json")
	live := func(args ...string) {
		t.Helper()
		if r := runCLIEnv(t, liveEnv, append([]string{"--graph-url", url, "--auth", "token"}, args...)...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	live("plan", "--legacy", legacy, "--out", plan)
	live("report", "--plan", plan, "--xlsx", path("report.xlsx"), "--csv", path("report.csv"))
	live("audit", "--legacy", legacy, "--xlsx", path("audit.xlsx"), "--csv", path("audit.csv"))
	for _, name := range []string{"legacy.json", "plan.json", "report.xlsx", "report.csv", "audit.xlsx", "audit.csv"} {
		if got := modeOf(t, path(name)); got != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", name, got)
		}
	}

	// An admin shares the plan and the report with a reviewers' group; the
	// review that saves approvals and the report written again keep it so.
	for _, name := range []string{"plan.json", "report.csv"} {
		if err := os.Chmod(path(name), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if r := reviewCLI(t, true, true, nil, "Awq", "review", plan); r.code != 0 {
		t.Fatalf("review: exit %d\n%s", r.code, r.stderr)
	}
	live("report", "--plan", plan, "--csv", path("report.csv"))
	for _, name := range []string{"plan.json", "report.csv"} {
		if got := modeOf(t, path(name)); got != 0o640 {
			t.Errorf("%s rewritten: mode %04o, want the 0640 it had", name, got)
		}
	}
}

// TestOutputsNeverReplaceInputs: an output path that is one of the
// command's inputs — by any spelling, a symbolic link or a hard link — or
// two outputs that are one file, is a usage error naming both, and nothing
// is written: `report --journal run.jsonl --csv run.jsonl` once replaced
// the journal rollback needs.
func TestOutputsNeverReplaceInputs(t *testing.T) {
	tests := []struct {
		name  string
		args  []string // $D is the directory of the files
		flags []string // the two the error names
	}{
		{"report csv is the journal", []string{"report", "--plan", "$D/plan.json", "--journal", "$D/run.jsonl", "--csv", "$D/run.jsonl"}, []string{"--csv", "--journal"}},
		{"report csv is a symbolic link to the journal", []string{"report", "--plan", "$D/plan.json", "--journal", "$D/run.jsonl", "--csv", "$D/journal-link.jsonl"}, []string{"--csv", "--journal"}},
		{"report xlsx is the plan, spelt ../dir", []string{"report", "--plan", "$D/plan.json", "--xlsx", "$D/../$B/plan.json"}, []string{"--xlsx", "--plan"}},
		{"report xlsx is a hard link to the plan", []string{"report", "--plan", "$D/plan.json", "--xlsx", "$D/plan-hard.json"}, []string{"--xlsx", "--plan"}},
		{"report xlsx and csv, a new file spelt ./", []string{"report", "--plan", "$D/plan.json", "--xlsx", "$D/new.out", "--csv", "$D/./new.out"}, []string{"--xlsx", "--csv"}},
		{"report xlsx and csv, hard links", []string{"report", "--plan", "$D/plan.json", "--xlsx", "$D/report.xlsx", "--csv", "$D/report-hard.csv"}, []string{"--xlsx", "--csv"}},
		{"export out is a source", []string{"export", "--source", "$D/page.json", "--out", "$D/./page.json"}, []string{"--out", "--source"}},
		{"plan out is the legacy snapshot", []string{"plan", "--offline", "--legacy", "$D/legacy.json", "--out", "$D/legacy-hard.json"}, []string{"--out", "--legacy"}},
		{"plan out is the protect list", []string{"plan", "--offline", "--legacy", "$D/legacy.json", "--protect", "$D/protect.txt", "--out", "$D/protect-link.txt"}, []string{"--out", "--protect"}},
		{"audit csv is the legacy snapshot", []string{"audit", "--legacy", "$D/legacy.json", "--csv", "$D/legacy.json"}, []string{"--csv", "--legacy"}},
		{"audit xlsx is the protect list", []string{"audit", "--legacy", "$D/legacy.json", "--protect", "$D/protect.txt", "--xlsx", "$D/protect-link.txt"}, []string{"--xlsx", "--protect"}},
		{"apply journal is the plan", []string{"apply", "$D/plan.json", "--journal", "$D/plan-link.json", "--dry-run"}, []string{"--journal", "plan argument"}},
	}
	// audit reads a tenant: this one, so that nothing but the check stops it.
	_, url := startAuditSim(t, auditSeed(), nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := pipelineFiles(t)
			before := dirContent(t, dir)
			vars := strings.NewReplacer("$D", dir, "$B", filepath.Base(dir))
			args := []string{"--graph-url", url, "--auth", "token"}
			for _, a := range tt.args {
				args = append(args, vars.Replace(a))
			}
			r := runCLIEnv(t, liveEnv, args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
			}
			for _, f := range tt.flags {
				if !strings.Contains(r.stderr, f) {
					t.Errorf("stderr does not name %s:\n%s", f, r.stderr)
				}
			}
			after := dirContent(t, dir)
			for name, b := range before {
				if after[name] != b {
					t.Errorf("%s changed", name)
				}
			}
			if len(after) != len(before) {
				t.Errorf("%d files, want the %d there were", len(after), len(before))
			}
		})
	}
}

// pipelineFiles is a directory holding what the commands read and write —
// a snapshot, legacy.json, an offline plan.json, a journal of it, a protect
// list, a report — with symbolic links (*-link.*) and hard links (*-hard.*)
// to some of them.
func pipelineFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	if r := runCLI(t, "export", "--source", writeFile(t, dir, "page.json", page), "--out", path("legacy.json")); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCLI(t, "plan", "--offline", "--legacy", path("legacy.json"), "--out", path("plan.json"), "--as-of", fixtures.AsOf); r.code != 0 {
		t.Fatal(r.stderr)
	}
	p, err := migrate.ReadPlanFile(path("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := apply.OpenJournal(path("run.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(apply.Line{Type: apply.LineHeader, At: testNow, Schema: apply.JournalSchema, PlanDigest: p.Digest, TenantID: p.TenantID, Run: "apply"}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	writeFile(t, dir, "protect.txt", alice+"\n")
	writeFile(t, dir, "report.xlsx", "last week's report")
	for link, target := range map[string]string{"journal-link.jsonl": "run.jsonl", "plan-link.json": "plan.json", "protect-link.txt": "protect.txt"} {
		if err := os.Symlink(target, path(link)); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"plan-hard.json": "plan.json", "legacy-hard.json": "legacy.json", "report-hard.csv": "report.xlsx"} {
		if err := os.Link(path(target), path(link)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// dirContent is every file of dir by name: its content, or where a
// symbolic link points.
func dirContent(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = "-> " + target
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}
