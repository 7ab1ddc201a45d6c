package migrate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/internal/golden"
)

func samplePlan(t *testing.T) *Plan {
	t.Helper()
	p, err := BuildPlan(samplePlanInput())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func samplePlanInput() PlanInput {
	ten := testTenant()
	ten.RoleAssignments = []RoleAssignment{{ID: "x", PrincipalID: gAlice, RoleDefinitionID: rSecReader, DirectoryScopeID: "/"}}
	legacy := &Legacy{
		Assignments: []Assignment{
			rec(gAlice, rGA, true, nil), rec(gAlice, rSecReader, true, nil), rec(gGuest, rGA, false, nil),
			rec(gDisabled, rGA, false, at(time.Hour)), rec(gMissing, rGA, false, nil), rec(gAlice, rUnknown, false, at(-time.Hour)),
			rec(gBreak, rGA, true, nil), rec(gGroup, rSecReader, true, at(time.Hour)),
		},
		Rejected: []Rejected{{Source: "a.csv:9", Reason: RejectMalformedGUID, Detail: "userId \"x\""}},
	}
	return PlanInput{Legacy: legacy, LegacyDigest: "sha256:00", Tenant: ten,
		Policy:    Policy{EligibleAs: EligibleAsEligibility, KeepActivations: true, Protect: []string{"breakglass1@contoso.example"}},
		Catalogue: BuiltinCatalogue(), GraphURL: "http://127.0.0.1:8080", AsOf: asOf, CreatedAt: asOf}
}

func TestPlanFileRoundTrip(t *testing.T) {
	p := samplePlan(t)
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := WritePlanFile(path, p); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("read back differs:\n%+v\n%+v", back, p)
	}
}

func TestPlanFileRefusesEdits(t *testing.T) {
	p := samplePlan(t)
	var buf bytes.Buffer
	if err := WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct {
		name string
		edit func(string) string
		want error
	}{
		{"action changed", func(s string) string { return strings.Replace(s, `"action":"skip"`, `"action":"create"`, 1) }, ErrPlanDigest},
		{"tenant changed", func(s string) string {
			return strings.Replace(s, p.TenantID, "4f1c2d4e-0000-4000-8000-00000000c0de", 1)
		}, ErrPlanDigest},
		{"approval added by hand", func(s string) string {
			return strings.Replace(s, `"action":"create"`, `"approved":true,"action":"create"`, 1)
		}, ErrPlanDigest},
		{"a space added", func(s string) string { return strings.Replace(s, `"action":"create"`, `"action": "create"`, 1) }, ErrPlanDigest},
		{"digest removed", func(s string) string { return strings.Replace(s, `"digest": "sha256:`, `"digest": "sha1:`, 1) }, ErrPlanDigest},
		{"wrong schema", func(s string) string { return strings.Replace(s, PlanSchema, "pimmigrate.plan/v0", 1) }, ErrPlanFile},
		{"truncated", func(s string) string { return s[:len(s)/2] }, ErrPlanFile},
		{"items swapped", func(s string) string {
			l := strings.Split(s, "\n")
			i := slices.IndexFunc(l, func(line string) bool { return strings.HasPrefix(line, `  {"key"`) })
			l[i], l[i+1] = l[i+1], l[i]
			return strings.Join(l, "\n")
		}, ErrPlanFile},
		{"item repeated", func(s string) string {
			i := strings.Index(s, `  {"key"`)
			j := i + strings.Index(s[i:], "\n") + 1
			return s[:j] + s[i:j] + s[j:]
		}, ErrPlanFile},
		{"member repeated", func(s string) string { return strings.Replace(s, "{\n", "{\n \"tenantId\": \"x\",\n", 1) }, ErrPlanFile},
		{"data after the plan", func(s string) string { return s + "{}\n" }, ErrPlanFile},
		{"space after the plan", func(s string) string { return s + "\n" }, ErrPlanDigest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(good)
			if edited == good {
				t.Fatal("edit changed nothing")
			}
			_, err := ReadPlan(strings.NewReader(edited), "plan.json")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "plan.json") {
				t.Fatalf("err = %v, want %v naming the file", err, tt.want)
			}
		})
	}
}

// TestBuildPlanFileIsBuildPlan: the plan written as it is made is the plan
// BuildPlan makes, byte for byte.
func TestBuildPlanFileIsBuildPlan(t *testing.T) {
	in := samplePlanInput()
	dir := t.TempDir()
	streamed, err := BuildPlanFile(filepath.Join(dir, "streamed.json"), in)
	if err != nil {
		t.Fatal(err)
	}
	p, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := WritePlanFile(filepath.Join(dir, "whole.json"), p); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "streamed.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "whole.json"))
	if !bytes.Equal(a, b) {
		t.Errorf("files differ:\n%s\n%s", a, b)
	}
	p.Items = nil
	if !reflect.DeepEqual(streamed, p) {
		t.Errorf("plans differ:\n%+v\n%+v", streamed, p)
	}
}

func TestSealAfterApprovalVerifies(t *testing.T) {
	p := samplePlan(t)
	for i := range p.Items {
		if p.Items[i].Action == ActionCreate {
			p.Items[i].Approved = ptr(i%2 == 0)
		}
	}
	p.Seal()
	var buf bytes.Buffer
	WritePlan(&buf, p)
	back, err := ReadPlan(&buf, "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary.Approved+back.Summary.Declined != back.Summary.Create {
		t.Errorf("summary %+v", back.Summary)
	}
}

// TestWritePlanFileRefusesUnsortedItems: a plan ReadPlan would refuse is
// never written.
func TestWritePlanFileRefusesUnsortedItems(t *testing.T) {
	p := samplePlan(t)
	p.Items[1], p.Items[2] = p.Items[2], p.Items[1]
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := WritePlanFile(path, p); err == nil || !strings.Contains(err.Error(), "sorted by key") {
		t.Fatalf("err = %v, want one saying items are sorted by key", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("plan.json written: %v", err)
	}
}

func TestWriteFileAtomicKeepsOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	os.WriteFile(path, []byte("old"), 0o644)
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "half a plan")
		return errors.New("disk on fire")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file = %q, want the old content", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary file left behind: %v", ents)
	}
}

func TestSummaryText(t *testing.T) {
	p := samplePlan(t)
	golden.Check(t, "sample", p.Summary.Text())
	empty := &Plan{}
	golden.Check(t, "empty", empty.Summarize().Text())
}

func TestCatalogue(t *testing.T) {
	c := BuiltinCatalogue()
	if n := len(c.Roles()); n < 100 {
		t.Fatalf("catalogue has %d roles, want every built-in role", n)
	}
	lines := strings.Split(strings.TrimSpace(builtinRolesTSV), "\n")
	if len(lines)-1 != len(c.Roles()) {
		t.Errorf("%d data lines but %d roles parsed: a line is malformed", len(lines)-1, len(c.Roles()))
	}
	ga, ok := c.Lookup(MustGUID(strings.ToUpper(roleG)))
	if !ok || ga.DisplayName != "Global Administrator" || !ga.Privileged {
		t.Errorf("Global Administrator = %+v", ga)
	}
	found := false
	for _, n := range ga.FormerNames {
		found = found || n == "Company Administrator"
	}
	if !found {
		t.Errorf("Global Administrator former names %v lack Company Administrator", ga.FormerNames)
	}
	if r, _ := c.Lookup(MustGUID("5d6b6bb7-de71-4623-b4af-96380a352509")); r.DisplayName != "Security Reader" {
		t.Errorf("Security Reader = %+v", r)
	}
}

// planJSON is plan.json of p, as WritePlan writes it.
func planJSON(t *testing.T, p *Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mixedPlan is the sample plan with role setting items among its
// assignment items.
func mixedPlan(t *testing.T) *Plan {
	t.Helper()
	p := samplePlan(t)
	s := settingsPlan(t, []LegacySettings{it1(rGA, "a.json#1", func(s *LegacySettings) { s.ElevationDuration = "PT2H" })}, "", nil)
	if len(s.Items) == 0 {
		t.Fatal("no role setting items")
	}
	p.Items = append(p.Items, s.Items...)
	slices.SortFunc(p.Items, func(a, b Item) int { return strings.Compare(a.Key, b.Key) })
	p.Seal()
	return p
}

// TestReadPlanWhateverRoom: the items read are the same whether the slice
// made for them fits them, or is too small or too large.
func TestReadPlanWhateverRoom(t *testing.T) {
	p := mixedPlan(t)
	b := planJSON(t, p)
	n := len(p.Items)
	for _, tt := range []struct {
		name string
		room int
	}{{"none", 0}, {"one", 1}, {"one short", n - 1}, {"exact", n}, {"too many", n + 5}} {
		t.Run(tt.name, func(t *testing.T) {
			back, err := readPlan(bytes.NewReader(b), "plan.json", tt.room)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, p) {
				t.Errorf("read back differs:\n%+v\n%+v", back, p)
			}
		})
	}
}

// TestSummaryItems: ReadPlanFile sizes its slice by the summary at the end
// of the file, when the file has one it can hold.
func TestSummaryItems(t *testing.T) {
	p := mixedPlan(t)
	plan := string(planJSON(t, p))
	claim := func(n string) string {
		return strings.Replace(plan, `"summary": {"items":`+strconv.Itoa(len(p.Items)), `"summary": {"items":`+n, 1)
	}
	for _, tt := range []struct {
		name, file string
		want       int
	}{
		{"as written", plan, len(p.Items)},
		{"no items", `{"items":[],` + "\n" + ` "summary": {"items":0,"create":0}}`, 0},
		{"more than the file holds", claim("999999"), 0},
		{"beyond int", claim("99999999999999999999999"), 0},
		{"no summary", strings.Replace(plan, `"summary"`, `"summery"`, 1), 0},
		{"empty", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := summaryItems(f); got != tt.want {
				t.Errorf("summaryItems = %d, want %d", got, tt.want)
			}
		})
	}
}
