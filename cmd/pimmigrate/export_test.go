package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
