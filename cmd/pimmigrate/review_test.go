package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/tui"
)

// offlinePlan exports the demo snapshots and plans them offline: a plan to
// review without a tenant.
func offlinePlan(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"export", "--out", filepath.Join(dir, "legacy.json")}
	for _, p := range extract(t, dir, fixtures.DemoExport()...) {
		args = append(args, "--source", p)
	}
	if r := runCLI(t, args...); r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	plan := filepath.Join(dir, "plan.json")
	if r := runCLI(t, "plan", "--offline", "--legacy", filepath.Join(dir, "legacy.json"), "--out", plan, "--as-of", fixtures.AsOf); r.code != 0 {
		t.Fatalf("plan: exit %d\n%s", r.code, r.stderr)
	}
	return plan
}

func TestReviewNeedsATerminal(t *testing.T) {
	plan := offlinePlan(t)
	p, err := migrate.ReadPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name            string
		stdin, stdout   bool
		json            bool
		wantOut, wantNo string
	}{
		{"neither", false, false, false, p.Summary.Text(), ""},
		{"stdin only", true, false, false, p.Summary.Text(), ""},
		{"stdout only", false, true, false, p.Summary.Text(), ""},
		{"json", false, false, true, `"command": "review"`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"review", plan}
			if tt.json {
				args = append([]string{"--output", "json"}, args...)
			}
			r := reviewCLI(t, tt.stdin, tt.stdout, nil, "", args...)
			if r.code != exitError {
				t.Errorf("exit %d, want %d", r.code, exitError)
			}
			if !strings.Contains(r.stdout, tt.wantOut) {
				t.Errorf("stdout:\n%s\nwant it to contain %q", r.stdout, tt.wantOut)
			}
			if !strings.Contains(r.stderr, "review needs a terminal;") || !strings.Contains(r.stderr, "apply "+plan+" --dry-run") {
				t.Errorf("stderr: %s", r.stderr)
			}
			if tt.json {
				var got reviewResult
				if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Summary.Create != p.Summary.Create {
					t.Errorf("--output json: %v, %+v", err, got)
				}
			}
		})
	}
}

func TestReviewRefuses(t *testing.T) {
	dir := t.TempDir()
	plan := offlinePlan(t)
	b, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	edited := writeFile(t, dir, "edited.json", strings.Replace(string(b), `"action":"skip"`, `"action":"create"`, 1))
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no plan", []string{"review"}, exitUsage, "review needs the plan file to review"},
		{"two plans", []string{"review", plan, plan}, exitUsage, "review takes one plan file, not 2"},
		{"missing file", []string{"review", filepath.Join(dir, "nope.json")}, exitError, "nope.json"},
		{"edited plan", []string{"review", edited}, exitError, "make it again: pimmigrate plan"},
		{"not a plan", []string{"review", writeFile(t, dir, "x.json", `{"schema":"other"}`)}, exitError, "make a plan with"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := reviewCLI(t, true, true, nil, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// reviewCLI runs a command line with stdin and stdout terminals or not,
// typed keys and a fixed clock; the program reads the keys from stdin.
func reviewCLI(t *testing.T, stdinTTY, stdoutTTY bool, env map[string]string, keys string, args ...string) result {
	t.Helper()
	var out, errb strings.Builder
	a := &app{stdin: strings.NewReader(keys), stdout: &out, stderr: &errb, stdinTTY: stdinTTY, stdoutTTY: stdoutTTY,
		getenv: func(k string) string { return env[k] }, now: func() time.Time { return testNow }}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, a)
	return result{code, out.String(), errb.String()}
}

// wouldSend is the item keys apply --dry-run lists.
func wouldSend(t *testing.T, stdout string) []string {
	t.Helper()
	var keys []string
	for _, l := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(l, "  + "); ok {
			keys = append(keys, strings.Fields(rest)[0])
		}
	}
	slices.Sort(keys)
	return keys
}

// keysWhere is the sorted keys of p's items that keep says.
func keysWhere(p *migrate.Plan, keep func(*migrate.Item) bool) []string {
	var keys []string
	for i := range p.Items {
		if keep(&p.Items[i]) {
			keys = append(keys, p.Items[i].Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// inRowOrder is the keys of p's items that keep says, in the order review
// lists them: by principal name (none: last), principal id, role name.
func inRowOrder(p *migrate.Plan, keep func(*migrate.Item) bool) []string {
	var items []*migrate.Item
	for i := range p.Items {
		if keep(&p.Items[i]) {
			items = append(items, &p.Items[i])
		}
	}
	name := func(it *migrate.Item) string {
		if it.Principal.DisplayName == "" {
			return "\xff" + strings.ToLower(it.Principal.UserPrincipalName)
		}
		return strings.ToLower(it.Principal.DisplayName)
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		switch {
		case name(a) != name(b):
			return name(a) < name(b)
		case a.Legacy.UserID != b.Legacy.UserID:
			return a.Legacy.UserID.String() < b.Legacy.UserID.String()
		}
		return strings.ToLower(a.Role.DisplayName) < strings.ToLower(b.Role.DisplayName)
	})
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	return keys
}

// drive sends keys to a review model as the program would, running the
// commands they return (a save) and feeding back their messages.
func drive(t *testing.T, m tea.Model, keys ...tea.KeyMsg) tea.Model {
	t.Helper()
	var run func(tea.Cmd)
	run = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		switch msg := cmd().(type) {
		case nil, tea.QuitMsg:
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
		default:
			var next tea.Cmd
			m, next = m.Update(msg)
			run(next)
		}
	}
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(k)
		run(cmd)
	}
	return m
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
	keyTab   = tea.KeyMsg{Type: tea.KeyTab}
	keySpace = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
)

// TestReviewThenApply approves in the review and checks that apply would
// send exactly what the review let through: the approved, the unreviewed
// after yes, never the declined.
func TestReviewThenApply(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	creates := func(it *migrate.Item) bool { return it.Action == migrate.ActionCreate }
	megan := func(it *migrate.Item) bool {
		return creates(it) && strings.Contains(strings.ToLower(it.Principal.DisplayName), "megan")
	}

	t.Run("approve a subset, decline the rest", func(t *testing.T) {
		plan := filepath.Join(t.TempDir(), "plan.json")
		copyFile(t, d.plan, plan)
		p, err := migrate.ReadPlanFile(plan)
		if err != nil {
			t.Fatal(err)
		}
		m := tui.New(p, tui.Options{Path: plan, Now: func() time.Time { return testNow }, Width: 120, Height: 40})
		// Decline everything; approve Megan's creates and, from the create
		// filter, the first create item.
		m = drive(t, m, runes("A"), runes("/"), runes("megan"), keyEnter, runes("a"), keyEsc,
			keyTab, runes("g"), keySpace, runes("w"), runes("q")).(tui.Model)
		if r := m.Result(); !r.Saved || r.Unsaved != 0 || r.Unreviewed != 0 {
			t.Fatalf("review result %+v", r)
		}
		first := inRowOrder(p, creates)[0]
		want := keysWhere(p, func(it *migrate.Item) bool { return megan(it) || it.Key == first })
		if len(want) != 3 {
			t.Fatalf("the subset is %v, want Megan's two creates and the first create", want)
		}
		r := d.mustRun(t, session{}, "apply", plan, "--dry-run", "--yes")
		if got := wouldSend(t, r.stdout); !slices.Equal(got, want) {
			t.Errorf("apply --dry-run --yes would send\n%v\nwant\n%v\n%s", got, want, r.stdout)
		}
		if !strings.Contains(r.stdout, "(3 approved in review, 0 not reviewed); 109 declined in review are not sent") {
			t.Errorf("apply does not count the review:\n%s", r.stdout)
		}
	})

	t.Run("approve some, decline some, leave the rest", func(t *testing.T) {
		plan := filepath.Join(t.TempDir(), "plan.json")
		copyFile(t, d.plan, plan)
		p, err := migrate.ReadPlanFile(plan)
		if err != nil {
			t.Fatal(err)
		}
		m := tui.New(p, tui.Options{Path: plan, Now: func() time.Time { return testNow }, Width: 80, Height: 24})
		// In the create filter: approve the 1st, decline the 2nd, approve
		// then decline Megan's two, approve the 5th (none of them Megan's).
		m = drive(t, m, keyTab, keySpace, runes("j"), keySpace, keySpace, runes("/megan"), keyEnter, runes("a"), runes("A"), keyEsc,
			runes("g"), runes("jjjj"), keySpace, runes("w"), runes("q")).(tui.Model)
		if r := m.Result(); !r.Saved || r.Approved != 2 || r.Declined != 3 {
			t.Fatalf("review result %+v", r)
		}
		c := inRowOrder(p, creates)
		declined := []string{c[1]}
		declined = append(declined, keysWhere(p, megan)...)
		want := keysWhere(p, func(it *migrate.Item) bool { return creates(it) && !slices.Contains(declined, it.Key) })
		if len(want) != 109 || !slices.Contains(want, c[0]) || !slices.Contains(want, c[4]) || slices.ContainsFunc(keysWhere(p, megan), func(k string) bool { return slices.Contains(c[:5], k) }) {
			t.Fatalf("want %d items", len(want))
		}
		r := d.mustRun(t, session{}, "apply", plan, "--dry-run", "--yes")
		if got := wouldSend(t, r.stdout); !slices.Equal(got, want) {
			t.Errorf("apply --dry-run --yes would send %d items, want %d\n%s", len(got), len(want), r.stdout)
		}
		if !strings.Contains(r.stdout, "(2 approved in review, 107 not reviewed); 3 declined in review are not sent") {
			t.Errorf("apply does not count the review:\n%s", r.stdout)
		}
	})

	t.Run("through the command line", func(t *testing.T) {
		plan := filepath.Join(t.TempDir(), "plan.json")
		copyFile(t, d.plan, plan)
		// Keys as a terminal sends them: decline all, search, keep, approve
		// what is shown, save, quit.
		r := reviewCLI(t, true, true, map[string]string{"TERM": "xterm-256color"}, "A/megan\rawq", "review", plan)
		if r.code != 0 {
			t.Fatalf("review: exit %d\n%s", r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "Saved the approvals to "+plan+": 2 approved, 110 declined, 0 not reviewed. Next: pimmigrate apply "+plan) {
			t.Errorf("review stdout ends:\n%q", r.stdout[max(0, len(r.stdout)-300):])
		}
		p, err := migrate.ReadPlanFile(plan)
		if err != nil {
			t.Fatal(err)
		}
		a := d.mustRun(t, session{}, "apply", plan, "--dry-run", "--yes")
		if got, want := wouldSend(t, a.stdout), keysWhere(p, megan); len(want) != 2 || !slices.Equal(got, want) {
			t.Errorf("apply --dry-run --yes would send %v, want %v", got, want)
		}
	})

	t.Run("quit without saving", func(t *testing.T) {
		plan := filepath.Join(t.TempDir(), "plan.json")
		copyFile(t, d.plan, plan)
		before, _ := os.ReadFile(plan)
		r := reviewCLI(t, true, true, nil, "Aqy", "review", plan)
		after, _ := os.ReadFile(plan)
		if r.code != 0 || !strings.Contains(r.stdout, "Quit without saving: 112 changes discarded; "+plan+" is unchanged.") {
			t.Errorf("exit %d, stdout ends %q", r.code, r.stdout[max(0, len(r.stdout)-200):])
		}
		if string(before) != string(after) {
			t.Error("the plan file changed")
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReviewColours(t *testing.T) {
	for _, tt := range []struct {
		name string
		tty  bool
		env  map[string]string
		want termenv.Profile
	}{
		{"terminal", true, map[string]string{"TERM": "xterm-256color"}, termenv.ANSI256},
		{"truecolor", true, map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}, termenv.TrueColor},
		{"NO_COLOR", true, map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, termenv.Ascii},
		{"CLICOLOR=0", true, map[string]string{"TERM": "xterm-256color", "CLICOLOR": "0"}, termenv.Ascii},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, termenv.Ascii},
		{"not a terminal", false, map[string]string{"TERM": "xterm-256color"}, termenv.Ascii},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			r := newReviewRenderer(&out, tt.tty, func(k string) string { return tt.env[k] })
			if got := r.ColorProfile(); got != tt.want {
				t.Errorf("colour profile %v, want %v", got, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("detecting colours wrote %q", out.String())
			}
		})
	}
}
