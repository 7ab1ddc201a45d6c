package migrate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestReadLegacyFileCompact reads the same legacy.json whole and compactly:
// every assignment, of every shape a row does or does not fit, must come
// back the same, and so must the plan made of it.
func TestReadLegacyFileCompact(t *testing.T) {
	cet := time.FixedZone("", 3600)
	end, zero := asOf.Add(90*24*time.Hour).In(cet), time.Time{}
	with := func(a Assignment, edit func(*Assignment)) Assignment { edit(&a); return a }
	i2 := rec(gGroup, rSecReader, false, &end)
	i2.Origin, i2.ID, i2.PrincipalType, i2.StartDateTime = OriginIteration2, "7d2c9a1e-0000-4000-8000-00000000aaaa", PrincipalGroup, &end
	i2.Warnings, i2.FoldedFrom = []string{WarnDuplicateRecord}, []string{"b.json#2"}
	assignments := []Assignment{
		rec(gAlice, rGA, true, nil),
		with(rec(gAlice, rSecReader, false, &end), func(a *Assignment) { a.Source = "dir/a:b#c.json#12" }),
		with(rec(gGuest, rGA, false, nil), func(a *Assignment) { a.Source = `C:\snapshots\roles.csv:7` }),
		with(rec(gApp, rGA, true, nil), func(a *Assignment) { a.PrincipalType = PrincipalServicePrincipal }),
		with(rec(gDisabled, rGA, false, nil), func(a *Assignment) { a.Source = "x.json#007" }),
		with(rec(gBreak, rGA, false, nil), func(a *Assignment) { a.Source = "no separator" }),
		with(rec(gGroup, rGA, false, nil), func(a *Assignment) { a.Source = "x.json#99999999999" }),
		with(rec(gMissing, rGA, false, nil), func(a *Assignment) { a.ID = strings.ToUpper(a.ID) }),
		rec(gPlainGrp, rGA, true, &zero),
		with(rec(gAlice, rDisabled, false, nil), func(a *Assignment) { a.Source = "empty-warnings.json#1" }),
		i2,
		rec(gAlice, rGA, true, nil), // the same key again: merged by the planner
	}
	l := &Legacy{Schema: LegacySchema, ExportedAt: asOf, TenantID: "3f1c2d4e-0000-4000-8000-00000000c0de",
		Sources:     []Source{{Kind: "graph-page", Path: "t.json", Records: len(assignments)}},
		Assignments: assignments, Rejected: []Rejected{{Source: "t.json#99", Reason: RejectMalformedGUID}}}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json leaves out empty warnings; a file may still hold them.
	b = []byte(strings.Replace(string(b), `"source":"empty-warnings.json#1"`, `"source":"empty-warnings.json#1","warnings":[]`, 1))
	path := filepath.Join(t.TempDir(), "legacy.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}

	whole, digest, err := ReadLegacyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	compact, cdigest, err := ReadLegacyFileCompact(path)
	if err != nil {
		t.Fatal(err)
	}
	if cdigest != digest || compact.Assignments != nil || compact.Len() != len(whole.Assignments) {
		t.Fatalf("digest %s (want %s), %d assignments held whole, Len %d (want %d)", cdigest, digest, len(compact.Assignments), compact.Len(), len(whole.Assignments))
	}
	for i := range whole.Assignments {
		if got := compact.assignment(i); !reflect.DeepEqual(got, &whole.Assignments[i]) {
			t.Errorf("assignment %d:\n got %+v\nwant %+v", i, *got, whole.Assignments[i])
		}
	}
	held := 0
	for i := range compact.Len() {
		if compact.compact.row(i).whole != nil {
			held++
		}
	}
	if held != 7 || len(compact.compact.files) != 3 {
		t.Errorf("%d held whole, want 7; files %q, want t.json, dir/a:b#c.json and the CSV", held, compact.compact.files)
	}
	if !reflect.DeepEqual(compact.PrincipalIDs(), whole.PrincipalIDs()) {
		t.Errorf("principals %v, want %v", compact.PrincipalIDs(), whole.PrincipalIDs())
	}
	head := *whole
	head.Assignments = nil
	compact.compact = nil
	if !reflect.DeepEqual(compact, &head) {
		t.Errorf("header %+v, want %+v", compact, &head)
	}

	compact, _, _ = ReadLegacyFileCompact(path)
	in := PlanInput{Legacy: whole, Tenant: testTenant(), Policy: DefaultPolicy(), Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf}
	want, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Legacy = compact
	got, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plans differ:\n%+v\n%+v", got, want)
	}
}
