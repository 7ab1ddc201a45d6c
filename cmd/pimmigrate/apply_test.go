package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// runningClock starts at testNow and runs at the speed of real time. The
// apply engine paces its writes by its clock: a frozen one would never see
// a Retry-After pass.
func runningClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return testNow.Add(time.Since(start)) }
}

// session is what a person at a terminal or a script gives a command.
type session struct {
	env   map[string]string
	tty   bool   // stdin is a terminal
	bar   bool   // stderr is a terminal (a live progress bar)
	stdin string // what is typed
	ctx   context.Context
}

// runSession runs one command line as runCLIEnv does, with a terminal (or
// not) and typed input, on a running clock.
func runSession(t *testing.T, s session, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(s.stdin), stdout: &out, stderr: &errb, stdinTTY: s.tty, stderrTTY: s.bar,
		getenv: func(k string) string { return s.env[k] }, now: runningClock()}
	ctx := s.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := run(ctx, args, a)
	return result{code, out.String(), errb.String()}
}

// demo is the demo tenant in graphsim, exported and planned against it.
type demo struct {
	srv    *graphsim.Server
	url    string
	env    map[string]string
	dir    string
	legacy string
	plan   string
	p      *migrate.Plan
	before holdings // the tenant before apply
	// printed collects everything the commands printed, to look for the token.
	printed strings.Builder
}

// newDemo serves the demo tenant on graphsim's clock starting at testNow,
// exports it (--source beta) and plans it with the default --as-of.
func newDemo(t *testing.T, opt graphsim.Options) *demo {
	t.Helper()
	opt.Now = runningClock()
	srv, url := startDemoSim(t, opt)
	d := &demo{srv: srv, url: url, env: map[string]string{tokenEnv: liveToken}, dir: t.TempDir()}
	d.legacy = filepath.Join(d.dir, "legacy.json")
	d.plan = filepath.Join(d.dir, "plan.json")
	d.mustRun(t, session{}, "export", "--source", "beta", "--out", d.legacy)
	protect := extract(t, d.dir, fixtures.Protect)[0]
	// Role settings have tests of their own (settings_test.go): these plan
	// the assignments alone.
	d.mustRun(t, session{}, "plan", "--legacy", d.legacy, "--out", d.plan, "--protect", protect, "--settings", "off")
	p, err := migrate.ReadPlanFile(d.plan)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Create != onlineDemoPlan.Create {
		t.Fatalf("the demo plan has %d create items, want %d", p.Summary.Create, onlineDemoPlan.Create)
	}
	d.p = p
	d.before = holdingsOf(srv.State())
	return d
}

// cli runs a command against the demo tenant, signed in with the token.
func (d *demo) cli(t *testing.T, s session, args ...string) result {
	t.Helper()
	if s.env == nil {
		s.env = d.env
	}
	r := runSession(t, s, append([]string{"--graph-url", d.url, "--auth", "token"}, args...)...)
	d.printed.WriteString(r.stdout + r.stderr)
	return r
}

func (d *demo) mustRun(t *testing.T, s session, args ...string) result {
	t.Helper()
	r := d.cli(t, s, args...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

func (d *demo) writes() int64 { return d.srv.Stats().Writes }

// triple is a principal, role and scope, lower case.
type triple struct{ principal, role, scope string }

func tripleOf(p, r, s string) triple { return triple{strings.ToLower(p), strings.ToLower(r), s} }

func targetTriple(tg migrate.Target) triple {
	return tripleOf(tg.PrincipalID.String(), tg.RoleDefinitionID.String(), tg.ScopeID())
}

// kindEM is where holdings count entitlement-management role assignments.
const kindEM migrate.TargetKind = "entitlementManagement:roleAssignment"

// holdingKind is where holdings count a target.
func holdingKind(tg migrate.Target) migrate.TargetKind {
	if tg.Provider == migrate.ProviderEntitlement {
		return kindEM
	}
	return tg.Kind
}

// holdings counts what a tenant holds, by kind and principal/role/scope.
type holdings map[migrate.TargetKind]map[triple]int

func holdingsOf(st *graphsim.Seed) holdings {
	h := holdings{migrate.KindRoleAssignment: {}, migrate.KindEligibilityRequest: {}, migrate.KindAssignmentScheduleRequest: {}, kindEM: {}}
	for _, a := range st.EntitlementManagementRoleAssignments {
		h[kindEM][tripleOf(a.PrincipalID, a.RoleDefinitionID, a.AppScopeID)]++
	}
	for _, a := range st.RoleAssignments {
		h[migrate.KindRoleAssignment][tripleOf(a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID)]++
	}
	for _, s := range st.RoleEligibilitySchedules {
		h[migrate.KindEligibilityRequest][tripleOf(s.PrincipalID, s.RoleDefinitionID, s.DirectoryScopeID)]++
	}
	for _, s := range st.RoleAssignmentSchedules {
		h[migrate.KindAssignmentScheduleRequest][tripleOf(s.PrincipalID, s.RoleDefinitionID, s.DirectoryScopeID)]++
	}
	return h
}

func (h holdings) clone() holdings {
	c := holdings{}
	for k, m := range h {
		c[k] = map[triple]int{}
		for tr, n := range m {
			c[k][tr] = n
		}
	}
	return c
}

// plannedHoldings is before plus every create item of p that sent is true
// for, each once in its kind; an active schedule also grants a role
// assignment.
func plannedHoldings(before holdings, p *migrate.Plan, sent func(*migrate.Item) bool) holdings {
	want := before.clone()
	for i := range p.Items {
		it := &p.Items[i]
		if it.Action != migrate.ActionCreate || !sent(it) {
			continue
		}
		tr := targetTriple(it.Target)
		want[holdingKind(it.Target)][tr]++
		if it.Target.Kind == migrate.KindAssignmentScheduleRequest {
			want[migrate.KindRoleAssignment][tr]++
		}
	}
	return want
}

// sameHoldings reports every difference between what the tenant holds and
// what it should.
func sameHoldings(t *testing.T, what string, got, want holdings) {
	t.Helper()
	var diffs []string
	for kind, m := range want {
		for tr, n := range m {
			if got[kind][tr] != n {
				diffs = append(diffs, fmt.Sprintf("%s %v: tenant holds %d, want %d", kind, tr, got[kind][tr], n))
			}
		}
	}
	for kind, m := range got {
		for tr, n := range m {
			if want[kind][tr] == 0 {
				diffs = append(diffs, fmt.Sprintf("%s %v: tenant holds %d, want none", kind, tr, n))
			}
		}
	}
	sort.Strings(diffs)
	for i, d := range diffs {
		if i == 20 {
			t.Errorf("%s: ... and %d more differences", what, len(diffs)-20)
			break
		}
		t.Errorf("%s: %s", what, d)
	}
}

// noEligibleBecameStanding fails if an eligibility item of p left the tenant
// with more standing access for its principal and role than before, beyond
// what an active schedule of the plan (a running activation kept) grants.
func noEligibleBecameStanding(t *testing.T, p *migrate.Plan, before, got holdings) {
	t.Helper()
	active := map[triple]int{}
	for _, it := range p.Items {
		if it.Action == migrate.ActionCreate && it.Target.Kind == migrate.KindAssignmentScheduleRequest {
			active[targetTriple(it.Target)]++
		}
	}
	for _, it := range p.Items {
		if it.Action != migrate.ActionCreate || it.Target.Kind != migrate.KindEligibilityRequest {
			continue
		}
		tr := targetTriple(it.Target)
		if n, was := got[migrate.KindRoleAssignment][tr], before[migrate.KindRoleAssignment][tr]; n > was+active[tr] {
			t.Errorf("eligible item %s became %d standing role assignments (%d before, %d active schedules planned)", it.Key, n, was, active[tr])
		}
	}
}

// unifiedState is the tenant's unified role management, as JSON, for
// before/after comparisons.
func unifiedState(t *testing.T, st *graphsim.Seed) string {
	t.Helper()
	b, err := json.MarshalIndent(struct {
		A  []graphsim.RoleAssignment
		E  []graphsim.Schedule
		S  []graphsim.Schedule
		EM []graphsim.EntitlementRoleAssignment
	}{st.RoleAssignments, st.RoleEligibilitySchedules, st.RoleAssignmentSchedules, st.EntitlementManagementRoleAssignments}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// journalLines counts a journal's lines by type (and outcomes by outcome,
// TestApplyDryRunAligned: the dry run's columns line up however long a
// name is (the demo's guest UPNs are longer than a fixed column).
func TestApplyDryRunAligned(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	items := itemsByKey(d.p)
	r := d.mustRun(t, session{}, "apply", d.plan, "--dry-run")
	col := -1
	for _, line := range strings.Split(r.stdout, "\n") {
		if !strings.HasPrefix(line, "  + ") {
			continue
		}
		it := items[strings.Fields(line)[1]]
		if it == nil {
			t.Fatalf("no plan item for %q", line)
		}
		at := utf8.RuneCountInString(line[:strings.LastIndex(line, it.Role.DisplayName)])
		if col < 0 {
			col = at
		}
		if at != col {
			t.Errorf("role at column %d, not %d: %q", at, col, line)
		}
	}
	if col < 0 {
		t.Fatalf("no dry run lines:\n%s", r.stdout)
	}
}

// as "outcome:created").
func journalLines(t *testing.T, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, ln := range bytes.Split(b, []byte("\n")) {
		if len(ln) == 0 {
			continue
		}
		var l apply.Line
		if err := json.Unmarshal(ln, &l); err != nil {
			n["torn"]++
			continue
		}
		n[l.Type]++
		if l.Type == apply.LineOutcome {
			n["outcome:"+l.Outcome]++
			if l.Reconciled {
				n["reconciled"]++
			}
		}
	}
	return n
}

func TestApplyNeedsConfirmation(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	tests := []struct {
		name     string
		s        session
		yes      bool
		wantCode int
		want     string // on stderr
	}{
		{"no terminal, no --yes", session{}, false, exitUsage, "pass --yes"},
		{"terminal, y", session{tty: true, stdin: "y\n"}, false, exitError, "only 'yes' confirms"},
		{"terminal, YES", session{tty: true, stdin: "YES\n"}, false, exitError, "only 'yes' confirms"},
		{"terminal, yes please", session{tty: true, stdin: "yes please\n"}, false, exitError, "only 'yes' confirms"},
		{"terminal, nothing typed", session{tty: true}, false, exitError, "only 'yes' confirms"},
		{"terminal, yes", session{tty: true, stdin: "yes\n"}, false, exitOK, "Type yes to make these changes to tenant " + fixtures.TenantID},
		{"no terminal, --yes", session{}, true, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.srv.Reset()
			args := []string{"apply", d.plan, "--journal", filepath.Join(t.TempDir(), "run.jsonl")}
			if tt.yes {
				args = append(args, "--yes")
			}
			r := d.cli(t, tt.s, args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q on stderr\n%s%s", r.code, tt.wantCode, tt.want, r.stdout, r.stderr)
			}
			if w := d.writes(); (w > 0) != (tt.wantCode == exitOK) {
				t.Errorf("%d writes reached the tenant", w)
			}
			if tt.wantCode == exitOK && !strings.Contains(r.stdout, "Applied 112 (112 created, 0 already existed), 0 failed.") {
				t.Errorf("stdout:\n%s", r.stdout)
			}
		})
	}
}

func TestApplyUsageErrors(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no plan", []string{"apply", "--yes"}, "apply needs the plan file to apply: pimmigrate apply plan.json"},
		{"two plans", []string{"apply", plan, plan, "--yes"}, "apply takes one plan file, not 2"},
		{"batch size 0", []string{"apply", plan, "--yes", "--batch-size", "0"}, "--batch-size 0"},
		{"batch size 21", []string{"apply", plan, "--yes", "--batch-size", "21"}, "--batch-size 21"},
		{"concurrency 0", []string{"apply", plan, "--yes", "--concurrency", "0"}, "--concurrency 0"},
		{"concurrency 33", []string{"apply", plan, "--yes", "--concurrency", "33"}, "--concurrency 33"},
		{"concurrency not a number", []string{"apply", plan, "--yes", "--concurrency", "many"}, "--concurrency"},
		{"rollback without journal", []string{"rollback", "--yes"}, "--journal is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, exitUsage, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "run.jsonl")); !os.IsNotExist(err) {
		t.Errorf("a usage error left a journal: %v", err)
	}
}

func TestApplyDryRun(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	journal := filepath.Join(d.dir, "run.jsonl")
	countWould := func(out string) (n int) {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "  + ") {
				n++
			}
		}
		return n
	}

	r := d.mustRun(t, session{}, "apply", d.plan, "--dry-run")
	if n := countWould(r.stdout); n != 112 || !strings.Contains(r.stdout, "Dry run: 112 would be sent, nothing was sent.") {
		t.Errorf("dry run lists %d items:\n%s", n, r.stdout)
	}
	if !strings.Contains(r.stdout, "This run sends 112 create items to tenant "+fixtures.TenantID) {
		t.Errorf("dry run does not say what the run sends:\n%s", r.stdout)
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Errorf("dry run wrote a journal: %v", err)
	}

	// A journal that already has outcomes: created, exists and failed items
	// are not sent again (failed ones only with --retry-failed); an intent
	// with no outcome is.
	j, err := apply.OpenJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	var send []*migrate.Item
	for i := range d.p.Items {
		if d.p.Items[i].Action == migrate.ActionCreate {
			send = append(send, &d.p.Items[i])
		}
	}
	lines := []apply.Line{{Type: apply.LineHeader, Schema: apply.JournalSchema, PlanDigest: d.p.Digest, TenantID: d.p.TenantID, Run: "apply"}}
	outcome := func(it *migrate.Item, o string) apply.Line {
		tg := it.Target
		return apply.Line{Type: apply.LineOutcome, Key: it.Key, Target: &tg, Outcome: o, ObjectID: "x"}
	}
	for _, it := range send[:10] {
		lines = append(lines, outcome(it, apply.OutcomeCreated))
	}
	tg := send[12].Target
	lines = append(lines, outcome(send[10], apply.OutcomeExists), outcome(send[11], apply.OutcomeFailed),
		apply.Line{Type: apply.LineIntent, Key: send[12].Key, Target: &tg, Op: "create"})
	if err := j.Append(lines...); err != nil {
		t.Fatal(err)
	}
	j.Close()
	r = d.mustRun(t, session{}, "apply", d.plan, "--dry-run")
	if n := countWould(r.stdout); n != 100 || !strings.Contains(r.stdout, "Dry run: 100 would be sent") {
		t.Errorf("with 12 items done in the journal, dry run lists %d:\n%s", n, r.stdout)
	}
	for _, it := range send[:12] {
		if strings.Contains(r.stdout, it.Key) {
			t.Errorf("dry run lists %s, which the journal has an outcome for", it.Key)
		}
	}
	if !strings.Contains(r.stdout, send[12].Key) {
		t.Errorf("dry run leaves out %s, in flight in the journal", send[12].Key)
	}
	r = d.mustRun(t, session{}, "--output", "json", "apply", d.plan, "--dry-run", "--retry-failed")
	var got runResult
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("--output json: %v\n%s", err, r.stdout)
	}
	if !got.DryRun || len(got.WouldSend) != 101 || got.Line != "Dry run: 101 would be sent, nothing was sent." {
		t.Errorf("json dry run with --retry-failed: dryRun %v, %d would be sent, line %q", got.DryRun, len(got.WouldSend), got.Line)
	}
	if w := d.writes(); w != 0 {
		t.Errorf("dry runs wrote %d times", w)
	}
}

func TestApplyRefusesEditedAndOfflinePlans(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	b, err := os.ReadFile(d.plan)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(t *testing.T) string // returns the plan to apply
		want []string
	}{
		{"action flipped", func(t *testing.T) string {
			i := bytes.Index(b, []byte(`"action":"skip"`))
			if i < 0 {
				t.Fatal("no skip item in the demo plan")
			}
			return writeFile(t, t.TempDir(), "plan.json", string(b[:i])+`"action":"create"`+string(b[i+len(`"action":"skip"`):]))
		}, []string{"edited after it was made", "pimmigrate plan --legacy legacy.json --out"}},
		{"one byte of a principal id", func(t *testing.T) string {
			i := bytes.Index(b, []byte(`"principalId":"`))
			if i < 0 {
				t.Fatal("no principalId in the demo plan")
			}
			c := bytes.Clone(b)
			p := i + len(`"principalId":"`)
			if c[p] == '0' {
				c[p] = '1'
			} else {
				c[p] = '0'
			}
			return writeFile(t, t.TempDir(), "plan.json", string(c))
		}, []string{"edited after it was made", "pimmigrate plan --legacy legacy.json --out"}},
		{"offline plan", func(t *testing.T) string {
			out := filepath.Join(t.TempDir(), "plan.json")
			d.mustRun(t, session{}, "plan", "--offline", "--legacy", d.legacy, "--out", out)
			return out
		}, []string{"--offline", "plan against the tenant first: pimmigrate plan --legacy legacy.json --out"}},
		{"not a plan", func(t *testing.T) string {
			return writeFile(t, t.TempDir(), "plan.json", `{"schema":"something/else"}`)
		}, []string{"not a usable plan"}},
		// The digest is a checksum: an edit resealed with it passes the
		// digest check, and apply's own safety check must stop it.
		{"resealed: an activated Global Administrator made standing", func(t *testing.T) string {
			return resealed(t, d.plan, func(p *migrate.Plan) {
				for i := range p.Items {
					it := &p.Items[i]
					if it.Class == migrate.ClassActivated && it.Action == migrate.ActionCreate && !strings.HasSuffix(it.Key, "#activation") &&
						it.Target.RoleDefinitionID == migrate.MustGUID(ga) {
						it.Target.Kind, it.Target.Expiration = migrate.KindRoleAssignment, nil
						return
					}
				}
				t.Fatal("no activated Global Administrator to create in the demo plan")
			})
		}, []string{"breaks a safety rule", "planned as standing roleAssignment", "nothing was sent"}},
		{"resealed: a protected principal sent", func(t *testing.T) string {
			return resealed(t, d.plan, func(p *migrate.Plan) {
				for i := range p.Items {
					if it := &p.Items[i]; it.Reason == migrate.ReasonProtected {
						it.Action, it.Reason = migrate.ActionCreate, string(it.Class)
						return
					}
				}
				t.Fatal("no protected item in the demo plan")
			})
		}, []string{"breaks a safety rule", "is protected"}},
		{"resealed: a target for another principal", func(t *testing.T) string {
			return resealed(t, d.plan, func(p *migrate.Plan) {
				for i := range p.Items {
					if it := &p.Items[i]; it.Action == migrate.ActionCreate {
						it.Target.PrincipalID = p.Items[(i+7)%len(p.Items)].Legacy.UserID
						if it.Target.PrincipalID != it.Legacy.UserID {
							return
						}
					}
				}
				t.Fatal("no create item to retarget")
			})
		}, []string{"breaks a safety rule", "not the key's"}},
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.json") }, []string{"nope.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := tt.edit(t)
			r := d.cli(t, session{}, "apply", plan, "--yes")
			if r.code != exitError {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, exitError, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "sha256:") {
				t.Errorf("the refusal prints a digest to paste in:\n%s", r.stderr)
			}
			if n := strings.Count(r.stderr, "pimmigrate plan"); n > 1 {
				t.Errorf("the refusal gives %d remedies, want one:\n%s", n, r.stderr)
			}
			if w := d.writes(); w != 0 {
				t.Errorf("%d writes reached the tenant", w)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(plan), "run.jsonl")); !os.IsNotExist(err) {
				t.Errorf("a refused plan left a journal: %v", err)
			}
		})
	}
}

// resealed is the plan at path edited by edit and sealed again, as anyone
// who can write plan.json can do.
func resealed(t *testing.T, path string, edit func(p *migrate.Plan)) string {
	t.Helper()
	p, err := migrate.ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(p)
	out := filepath.Join(t.TempDir(), "plan.json")
	if err := migrate.WritePlanFile(out, p); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestApplyRefusesAnotherTenant(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	f, err := fixtures.FS.Open(fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := graphsim.LoadSeed(f, fixtures.DemoTenant)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	const otherTenant = "0e1d2c3b-4a59-4687-9a5b-c0ffee000042"
	seed.TenantID = otherTenant
	other := graphsim.New(seed, graphsim.Options{RequireToken: liveToken})
	ts := httptest.NewServer(other)
	t.Cleanup(ts.Close)

	journal := filepath.Join(d.dir, "run.jsonl")
	r := runSession(t, session{env: d.env}, "--graph-url", ts.URL, "--auth", "token", "apply", d.plan, "--yes")
	if r.code != exitError {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitError, r.stdout, r.stderr)
	}
	for _, w := range []string{"signed in to tenant " + otherTenant, "is for tenant " + fixtures.TenantID} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "This run sends") {
		t.Errorf("a refused apply said what it sends:\n%s", r.stdout)
	}
	if w := other.Stats().Writes + d.writes(); w != 0 {
		t.Errorf("%d writes reached a tenant", w)
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Errorf("a refused apply left a journal: %v", err)
	}

	// Rollback of the right tenant's journal, signed in to the other one.
	d.mustRun(t, session{}, "apply", d.plan, "--yes")
	r = runSession(t, session{env: d.env}, "--graph-url", ts.URL, "--auth", "token", "rollback", "--journal", journal, "--yes")
	if r.code != exitError || !strings.Contains(r.stderr, "records changes to tenant "+fixtures.TenantID) {
		t.Fatalf("rollback signed in to another tenant: exit %d\n%s", r.code, r.stderr)
	}
	if w := other.Stats().Writes; w != 0 {
		t.Errorf("rollback wrote %d times to another tenant", w)
	}
}

// TestApplyAndRollback is the happy path: apply --yes creates exactly the
// plan, a second apply sends nothing, rollback takes it all back, a second
// rollback removes nothing, and the token appears nowhere.
func TestApplyAndRollback(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	beforeState := unifiedState(t, d.srv.State())
	journal := filepath.Join(d.dir, "run.jsonl")
	const want = "Applied 112 (112 created, 0 already existed), 0 failed."

	r := d.mustRun(t, session{}, "apply", d.plan, "--yes")
	if !strings.Contains(r.stdout, want+"\n") || !strings.Contains(r.stdout, "Journal: "+journal) {
		t.Errorf("apply stdout:\n%s", r.stdout)
	}
	// The counts say what they count.
	if !regexp.MustCompile(`This run sent \d+ write batches to Graph; \d+ writes were answered 429 \(throttled\) and sent again\.`).MatchString(r.stdout) {
		t.Errorf("apply stdout does not say what its counts count:\n%s", r.stdout)
	}
	if !strings.HasPrefix(r.stdout, d.p.Summary.Line()+"\n") {
		t.Errorf("apply does not start with the plan's summary %q:\n%s", d.p.Summary.Line(), r.stdout)
	}
	got := holdingsOf(d.srv.State())
	sameHoldings(t, "after apply", got, plannedHoldings(d.before, d.p, func(*migrate.Item) bool { return true }))
	noEligibleBecameStanding(t, d.p, d.before, got)
	jl := journalLines(t, journal)
	if jl["header"] != 1 || jl["outcome:created"] != 112 || jl["verified"] != 112 || jl["intent"] != 112 {
		t.Errorf("journal lines %v: want 1 header, 112 intents, created and verified", jl)
	}

	// Again: nothing sent, the same totals.
	writes := d.writes()
	const again = "No changes: all 112 create items were already applied (112 created, 0 already existed)"
	r = d.mustRun(t, session{}, "apply", d.plan, "--yes")
	if !strings.Contains(r.stdout, again) || d.writes() != writes {
		t.Errorf("second apply: %d writes\n%s", d.writes()-writes, r.stdout)
	}
	r = d.mustRun(t, session{}, "--output", "json", "apply", d.plan, "--yes")
	var res runResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--output json is not one JSON object: %v\n%s", err, r.stdout)
	}
	if res.Command != "apply" || !strings.HasPrefix(res.Line, again) || res.Journal != journal || res.Summary.Created != 112 ||
		res.Summary.AlreadyDone != 112 || res.Summary.Failed != 0 || res.Summary.Requests != 0 {
		t.Errorf("--output json: %+v", res)
	}
	r = d.mustRun(t, session{}, "apply", d.plan, "--dry-run")
	if !strings.Contains(r.stdout, "Dry run: 0 would be sent") {
		t.Errorf("dry run after a finished apply:\n%s", r.stdout)
	}
	if d.writes() != writes {
		t.Errorf("re-runs wrote %d times", d.writes()-writes)
	}

	// Rollback needs confirmation too.
	for _, s := range []session{{}, {tty: true, stdin: "y\n"}} {
		r = d.cli(t, s, "rollback", "--journal", journal)
		if wantCode := map[bool]int{false: exitUsage, true: exitError}[s.tty]; r.code != wantCode {
			t.Errorf("rollback, terminal %v, typed %q: exit %d, want %d\n%s", s.tty, s.stdin, r.code, wantCode, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "Rollback removes up to 112 objects apply created in tenant "+fixtures.TenantID) {
		t.Errorf("rollback does not say what it removes:\n%s", r.stdout)
	}
	if d.writes() != writes {
		t.Errorf("unconfirmed rollbacks wrote %d times", d.writes()-writes)
	}

	r = d.mustRun(t, session{}, "rollback", "--journal", journal, "--yes")
	if !strings.Contains(r.stdout, "Rolled back 112 (112 removed), 0 failed.") {
		t.Errorf("rollback stdout:\n%s", r.stdout)
	}
	sameHoldings(t, "after rollback", holdingsOf(d.srv.State()), d.before)
	if after := unifiedState(t, d.srv.State()); after != beforeState {
		t.Errorf("unified state after rollback differs from before apply:\n--- before\n%s\n--- after\n%s", beforeState, after)
	}

	writes = d.writes()
	r = d.mustRun(t, session{tty: true, stdin: "yes\n"}, "--output", "json", "rollback", "--journal", journal)
	if d.writes() != writes {
		t.Errorf("second rollback wrote %d times", d.writes()-writes)
	}
	res = runResult{}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Command != "rollback" || res.Summary.Failed != 0 {
		t.Errorf("second rollback --output json: %v %+v\n%s", err, res, r.stdout)
	}

	if strings.Contains(d.printed.String(), "s3cret-live-token") {
		t.Errorf("the token was printed")
	}
	if b, _ := os.ReadFile(journal); bytes.Contains(b, []byte("s3cret-live-token")) || bytes.Contains(b, []byte(liveToken)) {
		t.Errorf("%s contains the token", journal)
	}
}

// TestApplyFailedItems sends an item Graph refuses for good (a service
// principal made eligible, past the planner): exit 3, the failure named,
// everything else created, and a re-run does not send it again.
func TestApplyFailedItems(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	p := d.p
	var sp *migrate.Item
	for i := range p.Items {
		if p.Items[i].Reason == migrate.ReasonServicePrincipalEligible {
			sp = &p.Items[i]
			break
		}
	}
	if sp == nil {
		t.Fatal("the demo plan has no service principal made eligible")
	}
	sp.Action = migrate.ActionCreate
	plan := filepath.Join(d.dir, "stale-plan.json")
	if err := migrate.WritePlanFile(plan, p); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(d.dir, "run.jsonl")

	r := d.cli(t, session{}, "apply", plan, "--yes")
	if r.code != exitFailedItems {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFailedItems, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Applied 112 (112 created, 0 already existed), 1 failed.") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// The failure is named as a reviewer knows it, and the last line says
	// how to see why and how to send it again (not a raw journal).
	named := "failed: " + sp.Principal.DisplayName + " as " + sp.Role.DisplayName + " (" + string(sp.Target.Kind) + "): 400 "
	report := "See why: pimmigrate report --plan " + plan + " --journal " + journal + " --xlsx report.xlsx"
	retry := "once fixed, send them again: pimmigrate apply " + plan + " --retry-failed"
	for _, w := range []string{named, "key " + sp.Key, "apply finished with 1 failed item. " + report, retry} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if want := "Verified 112 of 112 created or updated: each read back from the tenant as planned."; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
	}
	// A re-run without --retry-failed names the failure again, says it was
	// not sent again, and how to send it.
	r = d.cli(t, session{}, "apply", plan, "--yes")
	for _, w := range []string{named, "1 failed in an earlier run and was not sent again", report, retry} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("re-run: stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	got := holdingsOf(d.srv.State())
	sameHoldings(t, "after apply", got, plannedHoldings(d.before, p, func(it *migrate.Item) bool { return it.Key != sp.Key }))
	noEligibleBecameStanding(t, p, d.before, got)

	writes := d.writes()
	r = d.cli(t, session{}, "--output", "json", "apply", plan, "--yes")
	var res runResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--output json: %v\n%s", err, r.stdout)
	}
	if r.code != exitFailedItems || res.Summary.Failed != 1 || len(res.Summary.Failures) != 1 || res.Summary.Failures[0].Key != sp.Key || d.writes() != writes {
		t.Errorf("re-run: exit %d, %d writes, %+v", r.code, d.writes()-writes, res.Summary)
	}
	// --retry-failed sends it once more, and it fails once more.
	r = d.cli(t, session{}, "apply", plan, "--yes", "--retry-failed")
	if r.code != exitFailedItems || d.writes() != writes+1 {
		t.Errorf("--retry-failed: exit %d, %d writes\n%s", r.code, d.writes()-writes, r.stderr)
	}

	// Rollback removes what was created, not the failure.
	d.mustRun(t, session{}, "rollback", "--journal", journal, "--yes")
	sameHoldings(t, "after rollback", holdingsOf(d.srv.State()), d.before)
}

// TestApplyInterrupted interrupts apply (Ctrl-C: the root context ends)
// while it sends: exit 130, every request that left has its outcome
// journaled, and the same command finishes the job.
func TestApplyInterrupted(t *testing.T) {
	d := newDemo(t, graphsim.Options{Latency: 20 * time.Millisecond})
	journal := filepath.Join(d.dir, "run.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() { // Ctrl-C once ten items are done; the 112 take seconds, one at a time
		defer close(watched)
		defer cancel()
		w := &journalWatch{t: t, path: journal}
		for ctx.Err() == nil && w.count() < 20 {
			time.Sleep(2 * time.Millisecond)
		}
	}()
	r := d.cli(t, session{ctx: ctx}, "apply", d.plan, "--yes", "--batch-size", "1", "--concurrency", "1")
	cancel()
	<-watched
	if r.code != exitInterrupted || !strings.Contains(r.stderr, "apply interrupted; run the same command again to resume") {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitInterrupted, r.stdout, r.stderr)
	}
	j, err := apply.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, k := range j.Keys() {
		st := j.State(k)
		if st.PendingOp != "" {
			t.Errorf("%s: in flight after an orderly interrupt", k)
		}
		if st.Outcome == apply.OutcomeCreated {
			done++
		}
	}
	if done == 0 || done >= 112 {
		t.Fatalf("%d of 112 created before the interrupt: want some, not all", done)
	}
	writes := d.writes()
	r = d.mustRun(t, session{}, "apply", d.plan, "--yes")
	if !strings.Contains(r.stdout, "Applied 112 (112 created, 0 already existed), 0 failed.") || d.writes()-writes != int64(112-done) {
		t.Errorf("resumed: %d writes for %d items left\n%s", d.writes()-writes, 112-done, r.stdout)
	}
	// The header names what is left and what the interrupted run did.
	if want := fmt.Sprintf("This run sends %d of 112 create items", 112-done); !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "Earlier runs in "+journal+" did ") {
		t.Errorf("the resumed run's header is not %q, naming the earlier run:\n%s", want, r.stdout)
	}
	sameHoldings(t, "after the resumed apply", holdingsOf(d.srv.State()), plannedHoldings(d.before, d.p, func(*migrate.Item) bool { return true }))
}

// TestConfirmationInterrupted presses Ctrl-C at the "Type yes" prompt: the
// command ends at once with exit 130, whether or not a line ever comes.
func TestConfirmationInterrupted(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	for _, args := range [][]string{{"apply", d.plan}, {"rollback", "--journal", filepath.Join(d.dir, "run.jsonl")}} {
		t.Run(args[0], func(t *testing.T) {
			if args[0] == "rollback" {
				d.mustRun(t, session{}, "apply", d.plan, "--yes")
			}
			writes := d.writes()
			stdin, typing := io.Pipe() // nothing is typed
			defer typing.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			time.AfterFunc(50*time.Millisecond, cancel)
			var out, errb bytes.Buffer
			a := &app{stdin: stdin, stdout: &out, stderr: &errb, stdinTTY: true, now: runningClock(),
				getenv: func(k string) string { return d.env[k] }}
			code := make(chan int, 1)
			go func() { code <- run(ctx, append([]string{"--graph-url", d.url, "--auth", "token"}, args...), a) }()
			select {
			case c := <-code:
				if c != exitInterrupted {
					t.Errorf("exit %d, want %d\n%s", c, exitInterrupted, errb.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still waiting for a line after Ctrl-C\n%s", errb.String())
			}
			if d.writes() != writes {
				t.Errorf("%d writes after Ctrl-C at the prompt", d.writes()-writes)
			}
		})
	}
}

// TestApplyRefusesAnotherPlansJournal applies a second plan with the first
// plan's journal: refused, nothing sent, and not told to run it again.
func TestApplyRefusesAnotherPlansJournal(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	journal := filepath.Join(d.dir, "run.jsonl")
	d.mustRun(t, session{}, "apply", d.plan, "--yes")
	p := d.p
	for i := range p.Items {
		if p.Items[i].Action == migrate.ActionCreate {
			no := false
			p.Items[i].Approved = &no // a reviewer declined one
			break
		}
	}
	other := filepath.Join(d.dir, "reviewed-plan.json")
	if err := migrate.WritePlanFile(other, p); err != nil {
		t.Fatal(err)
	}
	writes := d.writes()
	r := d.cli(t, session{}, "apply", other, "--yes", "--journal", journal)
	if r.code != exitError || !strings.Contains(r.stderr, "journal belongs to another plan") {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitError, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "run the same command again") || strings.Contains(r.stdout, "Applied") {
		t.Errorf("a refused journal is reported like an interrupted run:\n%s%s", r.stdout, r.stderr)
	}
	if d.writes() != writes {
		t.Errorf("%d writes", d.writes()-writes)
	}
}

func TestApplyProgressAndWrongToken(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	r := d.cli(t, session{env: map[string]string{tokenEnv: liveToken + "-expired"}}, "-v", "apply", d.plan, "--yes")
	if r.code != exitError || !strings.Contains(r.stderr, "401") || d.writes() != 0 {
		t.Errorf("a refused token: exit %d, %d writes\n%s", r.code, d.writes(), r.stderr)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "run.jsonl")); !os.IsNotExist(err) {
		t.Errorf("a refused token left a journal: %v", err)
	}

	r = d.mustRun(t, session{bar: true}, "apply", d.plan, "--yes")
	if !strings.Contains(r.stderr, "\r\033[K") || !strings.Contains(r.stderr, "apply done [") || !strings.Contains(r.stderr, "112/112") {
		t.Errorf("no progress bar on a terminal:\n%q", r.stderr)
	}
	r = d.mustRun(t, session{bar: true}, "--output", "json", "rollback", "--journal", filepath.Join(d.dir, "run.jsonl"), "--yes")
	if r.stderr != "" {
		t.Errorf("--output json drew on stderr: %q", r.stderr)
	}
	if strings.Contains(d.printed.String(), "s3cret-live-token") {
		t.Errorf("the token was printed")
	}
}

// TestApplyNeverClaimsWhatWasThere: everything the plan creates is granted
// by someone else between plan and apply, and Graph fails some requests
// (503/504 before they take effect). Apply must find it all already there,
// and rollback must remove none of it.
//
// TestApplyNeverClaimsWhatWasThere: access granted by someone else between
// plan and apply is "exists", never "created" — even when a retry after a
// fault gets the duplicate answer — so rollback never removes it.
func TestApplyNeverClaimsWhatWasThere(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	f, err := fixtures.FS.Open(fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := graphsim.LoadSeed(f, fixtures.DemoTenant)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range d.p.Items {
		if it.Action != migrate.ActionCreate {
			continue
		}
		p, r := it.Target.PrincipalID.String(), it.Target.RoleDefinitionID.String()
		switch it.Target.Kind {
		case migrate.KindRoleAssignment:
			seed.RoleAssignments = append(seed.RoleAssignments, graphsim.RoleAssignment{PrincipalID: p, RoleDefinitionID: r, DirectoryScopeID: "/"})
		case migrate.KindEligibilityRequest:
			seed.RoleEligibilitySchedules = append(seed.RoleEligibilitySchedules, graphsim.Schedule{PrincipalID: p, RoleDefinitionID: r, DirectoryScopeID: "/"})
		}
	}
	granted := graphsim.New(seed, graphsim.Options{RequireToken: liveToken, FaultRate: 0.1, Seed: 1, Now: runningClock()})
	ts := httptest.NewServer(granted)
	t.Cleanup(ts.Close)
	before := holdingsOf(granted.State())
	journal := filepath.Join(d.dir, "run.jsonl")
	global := []string{"--graph-url", ts.URL, "--auth", "token"}
	r := runSession(t, session{env: d.env}, append(global, "apply", d.plan, "--yes")...)
	if !strings.Contains(r.stdout, "Applied 112 (0 created, 112 already existed), 0 failed.") {
		t.Errorf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runSession(t, session{env: d.env}, append(global, "rollback", "--journal", journal, "--yes")...)
	if r.code != exitOK {
		t.Errorf("rollback: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sameHoldings(t, "after rollback", holdingsOf(granted.State()), before)
}

// TestRollbackRemovesOnlyThePlansCreates: a journal line forged for an
// item the plan marks present — chained properly, as anyone with our code
// can — no longer makes rollback delete someone else's assignment; and a
// journal edited by hand (the chain broken) is refused before anything is
// removed.
func TestRollbackRemovesOnlyThePlansCreates(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	journal := filepath.Join(d.dir, "run.jsonl")
	d.mustRun(t, session{}, "apply", d.plan, "--yes")

	var present *migrate.Item
	for i := range d.p.Items {
		if it := &d.p.Items[i]; it.Action == migrate.ActionPresent && it.Target.Kind == migrate.KindRoleAssignment {
			present = it
			break
		}
	}
	if present == nil {
		t.Fatal("no present role assignment in the demo plan")
	}
	var victim string
	for _, a := range d.srv.State().RoleAssignments {
		if tripleOf(a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID) == targetTriple(present.Target) {
			victim = a.ID
		}
	}
	if victim == "" {
		t.Fatalf("the tenant holds no assignment for %s", present.Key)
	}

	t.Run("a naive edit breaks the chain", func(t *testing.T) {
		b, err := os.ReadFile(journal)
		if err != nil {
			t.Fatal(err)
		}
		edited := filepath.Join(t.TempDir(), "run.jsonl")
		bad := bytes.Replace(b, []byte(`"outcome":"created"`), []byte(`"outcome":"exists"`), 1)
		if err := os.WriteFile(edited, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		writes := d.writes()
		r := d.cli(t, session{}, "rollback", "--journal", edited, "--plan", d.plan, "--yes")
		if r.code != exitError || !strings.Contains(r.stderr, "edited by hand, or two runs wrote to it at once") || d.writes() != writes {
			t.Errorf("rollback of an edited journal: exit %d, %d writes\n%s", r.code, d.writes()-writes, r.stderr)
		}
	})

	j, err := apply.OpenJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	tg := present.Target
	if err := j.Append(
		apply.Line{Type: apply.LineIntent, At: testNow, Key: present.Key, Op: "createRoleAssignment", Target: &tg},
		apply.Line{Type: apply.LineOutcome, At: testNow, Key: present.Key, Op: "createRoleAssignment", Target: &tg, Outcome: apply.OutcomeCreated, ObjectID: victim},
	); err != nil {
		t.Fatal(err)
	}
	j.Close()

	r := d.cli(t, session{}, "rollback", "--journal", journal, "--yes")
	if r.code != exitFailedItems || !strings.Contains(r.stderr, apply.CodeNotInPlan) || !strings.Contains(r.stderr, present.Key) {
		t.Errorf("rollback with a forged line: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	kept := false
	for _, a := range d.srv.State().RoleAssignments {
		kept = kept || a.ID == victim
	}
	if !kept {
		t.Errorf("rollback deleted %s, which the plan marks present", victim)
	}
	sameHoldings(t, "after rollback", holdingsOf(d.srv.State()), d.before)
}
