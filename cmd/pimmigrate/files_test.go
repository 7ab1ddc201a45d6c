//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
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
