package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// A plan and the journal that applied it belong together: report reads
// them as a pair, rollback removes only what that plan creates. So a plan
// that has been applied is never replaced in place. Before plan (--out) or
// review (w) writes over it, the plan and the default journal that applied
// it are kept under the next free numbered names — plan.json and run.jsonl
// become plan.1.json and run.1.jsonl — and the new plan starts a new
// run.jsonl: the everyday cycle plan, apply, plan, apply needs no flags.

// defaultJournal is apply's journal when --journal is not given.
func defaultJournal(plan string) string { return filepath.Join(filepath.Dir(plan), "run.jsonl") }

// keptRun is an applied plan and its journal, kept under numbered names.
type keptRun struct {
	Plan    string `json:"plan"`
	Journal string `json:"journal"`
	undo    func()
}

// String says what was kept in place of replaced, and how to report it.
func (k *keptRun) String(replaced string) string {
	if k.Plan == "" {
		return fmt.Sprintf("Kept %s, the journal of a plan no longer in %s, as %s.", defaultJournal(replaced), replaced, k.Journal)
	}
	return fmt.Sprintf("Kept the plan that was in %s, which %s applied, as %s, with its journal as %s; report that run with: pimmigrate report --plan %s --journal %s",
		replaced, filepath.Base(defaultJournal(replaced)), k.Plan, k.Journal, k.Plan, k.Journal)
}

// keepApplied readies path to be replaced by a new plan. When the default
// journal next to it records a run of the plan there — by the path it
// recorded, or the plan's digest — both are kept under numbered names
// (kept). Otherwise the plan there, if any, is simply replaced (replaced).
// The journal's lock is held while it moves, so a plan being applied is
// not replaced. The caller holds path's lock and, if it then fails to
// write path, calls kept.undo.
func keepApplied(a *app, verb, path string) (kept *keptRun, replaced bool, err error) {
	_, statErr := os.Stat(path)
	exists := statErr == nil
	journal := defaultJournal(path)
	j, err := apply.ReadJournal(journal)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, exists, nil
	case err != nil:
		return nil, false, fmt.Errorf("%w\n%s would replace %s, which that journal may have applied: move the journal away or plan into another file", err, verb, path)
	}
	if !recordsRunOf(j, path, exists) {
		return nil, exists, nil
	}
	lock, err := lockFile(a, journal, verb, path)
	if err != nil {
		return nil, false, err
	}
	defer lock.Unlock()
	k := &keptRun{Journal: numberedFree(journal, path)}
	k.Plan = numbered(path, numberOf(k.Journal))
	if exists {
		if err := linkOrCopy(path, k.Plan); err != nil {
			return nil, false, fmt.Errorf("keep the applied plan %s as %s: %w", path, k.Plan, err)
		}
	} else {
		k.Plan = ""
	}
	if err := os.Rename(journal, k.Journal); err != nil {
		if k.Plan != "" {
			os.Remove(k.Plan)
		}
		return nil, false, fmt.Errorf("keep the journal %s as %s: %w", journal, k.Journal, err)
	}
	k.undo = func() {
		os.Rename(k.Journal, journal)
		if k.Plan != "" {
			os.Remove(k.Plan)
		}
	}
	return k, false, nil
}

// recordsRunOf reports whether a journal records a run of the plan at path:
// a header names that file, or (an older journal, or a folder moved since)
// carries the digest of the plan there.
func recordsRunOf(j *apply.Journal, path string, exists bool) bool {
	headers := j.Headers()
	for _, h := range headers {
		if h.Plan != "" && sameFile(h.Plan, path) {
			return true
		}
	}
	if !exists || len(headers) == 0 {
		return false
	}
	p, err := migrate.ScanPlanFile(path, func(*migrate.Item) error { return nil })
	if err != nil {
		return false
	}
	for _, h := range headers {
		if h.PlanDigest == p.Digest {
			return true
		}
	}
	return false
}

// numbered is path with n before its extension: plan.json, 2 ->
// plan.2.json.
func numbered(path string, n int) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + strconv.Itoa(n) + ext
}

// numberOf is the number numbered put in path, 0 if none.
func numberOf(path string) int {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	i := strings.LastIndexByte(stem, '.')
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(stem[i+1:])
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// numberedFree is the journal's first numbered name that is free for both
// the journal and the plan.
func numberedFree(journal, plan string) string {
	for n := 1; ; n++ {
		if !exists(numbered(journal, n)) && !exists(numbered(plan, n)) {
			return numbered(journal, n)
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// linkOrCopy makes to a second name of from (a hard link), or a private
// copy where the file system has no links. The new plan then replaces from
// atomically, and to keeps the old one.
func linkOrCopy(from, to string) error {
	if os.Link(from, to) == nil {
		return nil
	}
	f, err := os.Open(from)
	if err != nil {
		return err
	}
	defer f.Close()
	return migrate.WriteFileAtomic(to, func(w io.Writer) error { _, err := io.Copy(w, f); return err })
}

// findAppliedPlan finds the plan a journal's run h applied: the file it
// recorded, or, when that holds another plan now (it was replaced and kept
// under a numbered name), the numbered plan next to it or to the journal
// that has h's digest. The journal's own number is tried first. h.Plan is
// not empty.
func findAppliedPlan(journal string, h *apply.Line) (string, *migrate.Plan, error) {
	var candidates []string
	if n := numberOf(journal); n > 0 {
		candidates = append(candidates, numbered(h.Plan, n), numbered(filepath.Join(filepath.Dir(journal), filepath.Base(h.Plan)), n))
	}
	candidates = append(candidates, h.Plan)
	candidates = append(candidates, numberedPlans(filepath.Dir(h.Plan), filepath.Base(h.Plan))...)
	candidates = append(candidates, numberedPlans(filepath.Dir(journal), filepath.Base(h.Plan))...)
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] || !exists(c) {
			continue
		}
		seen[c] = true
		if p, err := migrate.ReadPlanFile(c); err == nil && p.Digest == h.PlanDigest {
			return c, p, nil
		}
	}
	return "", nil, fmt.Errorf("%w: %s applied the plan with digest %s, recorded as %s; neither that file nor a numbered plan next to it or to the journal has it", apply.ErrPlanMismatch, journal, h.PlanDigest, h.Plan)
}

// numberedPlans lists the files in dir that numbered made of name:
// plan.1.json, plan.2.json... for plan.json.
func numberedPlans(dir, name string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		n := e.Name()
		if numberOf(n) > 0 && n == numbered(name, numberOf(n)) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out
}
