package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// removeOneAssignment deletes, as someone in the portal would, one role
// assignment the journal at path created, and returns its item's key.
func (d *demo) removeOneAssignment(t *testing.T, journal string) string {
	t.Helper()
	j, err := apply.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range j.Keys() {
		st := j.State(key)
		if st.Outcome != apply.OutcomeCreated || st.Target == nil || st.Target.Kind != migrate.KindRoleAssignment || st.ObjectID == "" {
			continue
		}
		req, _ := http.NewRequest(http.MethodDelete, d.url+"/v1.0/roleManagement/directory/roleAssignments/"+st.ObjectID, nil)
		req.Header.Set("Authorization", "Bearer "+liveToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("DELETE %s: %s", st.ObjectID, res.Status)
		}
		return key
	}
	t.Fatal("the journal created no role assignment")
	return ""
}

func digestOf(t *testing.T, path string) string {
	t.Helper()
	p, err := migrate.ScanPlanFile(path, func(*migrate.Item) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return p.Digest
}

// TestReplanThenApply is the everyday cycle with default flags: plan,
// apply, the tenant changes, plan again into the same file, apply again.
// The applied plan is never replaced in silence: plan keeps it, with its
// journal, under a numbered name, and every run stays reportable and can be
// rolled back.
func TestReplanThenApply(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	path := func(n string) string { return filepath.Join(d.dir, n) }
	d.mustRun(t, session{}, "apply", d.plan, "--yes")
	first := d.p.Digest
	removed := d.removeOneAssignment(t, path("run.jsonl"))

	r := d.mustRun(t, session{}, "plan", "--legacy", d.legacy, "--out", d.plan, "--protect", path("protect.txt"))
	for _, want := range []string{"plan.1.json", "run.1.jsonl", "pimmigrate report --plan " + path("plan.1.json") + " --journal " + path("run.1.jsonl")} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("plan does not say it kept the applied plan (%q):\n%s%s", want, r.stdout, r.stderr)
		}
	}
	if got := digestOf(t, path("plan.1.json")); got != first {
		t.Errorf("plan.1.json has digest %s, want the applied plan's %s", got, first)
	}
	if j, err := apply.ReadJournal(path("run.1.jsonl")); err != nil || len(j.Headers()) != 1 || j.Headers()[0].PlanDigest != first {
		t.Errorf("run.1.jsonl is not the first run's journal: %v", err)
	}
	if _, err := os.Stat(path("run.jsonl")); !os.IsNotExist(err) {
		t.Errorf("run.jsonl is still there: %v", err)
	}

	r = d.mustRun(t, session{}, "apply", d.plan, "--yes")
	if !strings.Contains(r.stdout, "Applied 1 (1 created, 0 already existed), 0 failed.") {
		t.Errorf("the second apply did not send the one item the tenant lost (%s):\n%s", removed, r.stdout)
	}
	for _, run := range [][2]string{{"plan.1.json", "run.1.jsonl"}, {"plan.json", "run.jsonl"}} {
		d.mustRun(t, session{}, "report", "--plan", path(run[0]), "--journal", path(run[1]), "--csv", path(run[1]+".csv"))
	}
	// A journal reported with the wrong plan names the right one.
	r = d.cli(t, session{}, "report", "--plan", d.plan, "--journal", path("run.1.jsonl"), "--csv", path("wrong.csv"))
	if want := "pimmigrate report --plan " + path("plan.1.json") + " --journal " + path("run.1.jsonl"); r.code != exitError || !strings.Contains(r.stderr, want) {
		t.Errorf("report of run.1.jsonl with plan.json: exit %d, want %d naming %q:\n%s", r.code, exitError, want, r.stderr)
	}
	// Rollback of the first run finds its plan although plan.json is
	// another plan now.
	r = d.mustRun(t, session{}, "rollback", "--journal", path("run.1.jsonl"), "--yes")
	if !strings.Contains(r.stdout, path("plan.1.json")) {
		t.Errorf("rollback does not say which plan it used:\n%s", r.stdout)
	}
}

// TestReplanKeepsOnlyItsOwnRuns: plan keeps the plan it replaces only with
// the journal next to it that applied it; a plan nobody applied is replaced
// (and plan says so), a journal of another plan is left where it is.
func TestReplanKeepsOnlyItsOwnRuns(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	path := func(n string) string { return filepath.Join(d.dir, n) }
	replan := func(out string) result {
		t.Helper()
		return d.mustRun(t, session{}, "plan", "--legacy", d.legacy, "--out", out, "--protect", path("protect.txt"))
	}
	r := replan(d.plan)
	if strings.Contains(r.stdout+r.stderr, "plan.1.json") {
		t.Errorf("plan kept a plan nobody applied:\n%s%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Replaced the plan that was in "+d.plan+" (it was never applied: no run.jsonl next to it).") {
		t.Errorf("plan replaced an unapplied plan in silence:\n%s", r.stdout)
	}
	other := path("other.json")
	replan(other)
	d.mustRun(t, session{}, "apply", other, "--yes")
	replan(d.plan)
	for _, gone := range []string{"plan.1.json", "run.1.jsonl"} {
		if _, err := os.Stat(path(gone)); !os.IsNotExist(err) {
			t.Errorf("%s: %v: plan moved another plan's journal", gone, err)
		}
	}
	d.mustRun(t, session{}, "report", "--plan", other, "--journal", path("run.jsonl"), "--csv", path("other.csv"))
}

// TestReviewAfterApplyKeepsThePair: saving approvals re-seals the plan, so
// a plan that has been applied is kept with its journal before w writes
// over it, and the reviewed plan applies with default flags.
func TestReviewAfterApplyKeepsThePair(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	path := func(n string) string { return filepath.Join(d.dir, n) }
	d.mustRun(t, session{}, "apply", d.plan, "--yes")
	r := reviewCLI(t, true, true, nil, "awq", "review", d.plan)
	if r.code != 0 || !strings.Contains(r.stdout, "as "+path("plan.1.json")+", with its journal as "+path("run.1.jsonl")) {
		t.Fatalf("review: exit %d, stdout ends %q", r.code, r.stdout[max(0, len(r.stdout)-400):])
	}
	if got := digestOf(t, path("plan.1.json")); got != d.p.Digest {
		t.Errorf("plan.1.json has digest %s, want the applied plan's %s", got, d.p.Digest)
	}
	if digestOf(t, d.plan) == d.p.Digest {
		t.Error("the review was not saved")
	}
	d.mustRun(t, session{}, "apply", d.plan, "--yes")
	d.mustRun(t, session{}, "report", "--plan", path("plan.1.json"), "--journal", path("run.1.jsonl"), "--csv", path("r1.csv"))
}
