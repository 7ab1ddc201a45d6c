package tui

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/pimmigrate/pimmigrate/migrate"
)

func TestNavigation(t *testing.T) {
	// 40 items at 80x24: 18 rows on screen.
	tests := []struct {
		name     string
		keys     []string
		cur, top int
	}{
		{"start", nil, 0, 0},
		{"j", []string{"j"}, 1, 0},
		{"down arrow", []string{"down", "down"}, 2, 0},
		{"k at the top stays", []string{"k", "up"}, 0, 0},
		{"j then k", []string{"j", "j", "k"}, 1, 0},
		{"j past the screen scrolls", strings.Split(strings.Repeat("j", 18), ""), 18, 1},
		{"pgdown", []string{"pgdown"}, 18, 18},
		{"pgdown twice stops at the end", []string{"pgdown", "pgdown", "pgdown"}, 39, 22},
		{"pgdown pgup", []string{"pgdown", "pgup"}, 0, 0},
		{"end", []string{"end"}, 39, 22},
		{"G", []string{"G"}, 39, 22},
		{"end j stays", []string{"end", "j"}, 39, 22},
		{"end home", []string{"end", "home"}, 0, 0},
		{"end g", []string{"end", "g"}, 0, 0},
		{"end k", []string{"end", "k"}, 38, 22},
		{"ctrl+f is pgdown", []string{"ctrl+f"}, 18, 18},
		{"several runes at once", []string{"jjj"}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(testPlan(40), 80, 24, "")
			if tt.name == "ctrl+f is pgdown" {
				m, _ = send(t, m, tea.KeyMsg{Type: tea.KeyCtrlF})
			} else {
				m, _ = press(t, m, tt.keys...)
			}
			if m.cur != tt.cur || m.top != tt.top {
				t.Errorf("cursor %d, top %d; want %d, %d", m.cur, m.top, tt.cur, tt.top)
			}
		})
	}
}

func TestResize(t *testing.T) {
	m := newTestModel(testPlan(200), 120, 40, "")
	m, _ = press(t, m, "end")
	for _, size := range [][2]int{{80, 24}, {200, 60}, {60, 12}, {120, 40}, {80, 24}} {
		m, _ = send(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		if m.cur != 199 || m.cur < m.top || m.cur >= m.top+m.tableRows() {
			t.Errorf("%dx%d: cursor %d not on screen (top %d, %d rows)", size[0], size[1], m.cur, m.top, m.tableRows())
		}
		checkFrame(t, screen(m), size[0], size[1])
		d, _ := press(t, m, "enter")
		checkFrame(t, screen(d), size[0], size[1])
		h, _ := press(t, m, "?")
		checkFrame(t, screen(h), size[0], size[1])
	}
	// The detail pane is laid out again: side by side, then stacked.
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m, _ = press(t, m, "enter")
	if !strings.Contains(screen(m), " │ ") {
		t.Errorf("at 120 columns the detail is not side by side:\n%s", screen(m))
	}
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if strings.Contains(screen(m), " │ ") {
		t.Errorf("at 80 columns the detail is not stacked:\n%s", screen(m))
	}
}

func TestFilters(t *testing.T) {
	p := testPlan(300)
	want := map[filter]func(*migrate.Item) bool{
		filterAll:      func(*migrate.Item) bool { return true },
		filterCreate:   func(it *migrate.Item) bool { return it.Action == migrate.ActionCreate },
		filterPresent:  func(it *migrate.Item) bool { return it.Action == migrate.ActionPresent },
		filterSkip:     func(it *migrate.Item) bool { return it.Action == migrate.ActionSkip },
		filterWarnings: func(it *migrate.Item) bool { return len(it.Warnings) > 0 },
		filterSettings: func(it *migrate.Item) bool { return it.Kind == migrate.KindRoleSetting },
	}
	m := newTestModel(p, 120, 40, "")
	for step, f := range []filter{filterCreate, filterPresent, filterSkip, filterWarnings, filterSettings, filterAll, filterCreate} {
		m, _ = press(t, m, "tab")
		if m.filter != f {
			t.Fatalf("tab %d: filter %v, want %v", step+1, m.filter, f)
		}
		if got, exp := m.vis, brute(p, want[f], ""); !slices.Equal(got, exp) {
			t.Errorf("filter %v shows %d items, want %d", f, len(got), len(exp))
		}
	}
	m, _ = press(t, m, "shift+tab", "shift+tab", "shift+tab")
	if m.filter != filterWarnings {
		t.Errorf("shift+tab three times from create: %v, want warnings", m.filter)
	}

	// The selected item stays selected when the next filter shows it.
	m = newTestModel(p, 120, 40, "")
	m, _ = press(t, m, "tab", "j", "j", "j", "j", "j", "j", "j")
	sel := m.selected()
	m, _ = press(t, m, "shift+tab")
	if m.filter != filterAll || m.selected() != sel {
		t.Errorf("back to all: selected %d, want %d", m.selected(), sel)
	}
	if m.cur < m.top || m.cur >= m.top+m.tableRows() {
		t.Errorf("selection off screen: cursor %d, top %d", m.cur, m.top)
	}
}

// brute is the items of p that keep says and that match query, the slow way.
func brute(p *migrate.Plan, keep func(*migrate.Item) bool, query string) []int32 {
	return bruteIn(p, searchTexts(p), keep, query)
}

func searchTexts(p *migrate.Plan) []string {
	texts := make([]string, len(p.Items))
	for i := range p.Items {
		it := &p.Items[i]
		texts[i] = strings.ToLower(it.Principal.DisplayName + "\x00" + it.Principal.UserPrincipalName + "\x00" + it.Role.DisplayName)
		if it.Setting != nil {
			texts[i] += "\x00" + strings.ToLower(it.Setting.RuleID)
		}
	}
	return texts
}

// rowOrder is the items of p in the order the review lists them: by
// principal name (principals without a name last, by UPN), then principal
// id, so that each one's items stay together, then role name,
// case-insensitively, then key.
func rowOrder(p *migrate.Plan) []int32 {
	order := make([]int32, len(p.Items))
	for i := range order {
		order[i] = int32(i)
	}
	name := func(it *migrate.Item) (bool, string) {
		if it.Principal.DisplayName == "" {
			return true, strings.ToLower(it.Principal.UserPrincipalName)
		}
		return false, strings.ToLower(it.Principal.DisplayName)
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := &p.Items[order[i]], &p.Items[order[j]]
		na, sa := name(a)
		nb, sb := name(b)
		switch {
		case na != nb:
			return nb
		case sa != sb:
			return sa < sb
		case a.Legacy.UserID != b.Legacy.UserID:
			return a.Legacy.UserID.String() < b.Legacy.UserID.String()
		}
		return strings.ToLower(a.Role.DisplayName) < strings.ToLower(b.Role.DisplayName)
	})
	return order
}

func bruteIn(p *migrate.Plan, texts []string, keep func(*migrate.Item) bool, query string) []int32 {
	out := []int32{}
	words := strings.Fields(strings.ToLower(query))
	for _, i := range rowOrder(p) {
		it := &p.Items[i]
		if !keep(it) {
			continue
		}
		text := texts[i]
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func TestSearch(t *testing.T) {
	p := testPlan(3000)
	all := func(*migrate.Item) bool { return true }
	creates := func(it *migrate.Item) bool { return it.Action == migrate.ActionCreate }
	tests := []struct {
		name  string
		keys  []string
		mode  mode
		query string
		keep  func(*migrate.Item) bool
	}{
		{"display name", []string{"/", "Megan"}, modeSearch, "Megan", all},
		{"case does not matter", []string{"/", "MEGAN bowen"}, modeSearch, "MEGAN bowen", all},
		{"upn", []string{"/", "megan.bowen@"}, modeSearch, "megan.bowen@", all},
		{"role", []string{"/", "helpdesk administrator"}, modeSearch, "helpdesk administrator", all},
		{"words in any field", []string{"/", "bowen", "space", "global"}, modeSearch, "bowen global", all},
		{"backspace", []string{"/", "megz", "backspace"}, modeSearch, "meg", all},
		{"backspace on nothing", []string{"/", "backspace"}, modeSearch, "", all},
		{"ctrl+w deletes a word", []string{"/", "bowen glo", "ctrl+w"}, modeSearch, "bowen ", all},
		{"ctrl+u clears", []string{"/", "bowen", "ctrl+u"}, modeSearch, "", all},
		{"enter keeps", []string{"/", "bowen", "enter"}, modeList, "bowen", all},
		{"esc clears", []string{"/", "bowen", "esc"}, modeList, "", all},
		{"esc after enter clears", []string{"/", "bowen", "enter", "esc"}, modeList, "", all},
		{"/ edits a kept search", []string{"/", "bowen", "enter", "/", " glob"}, modeSearch, "bowen glob", all},
		{"j and q are text", []string{"/", "jq"}, modeSearch, "jq", all},
		{"with a filter", []string{"tab", "/", "vance"}, modeSearch, "vance", creates},
		{"filter while searching", []string{"/", "vance", "tab"}, modeSearch, "vance", creates},
		{"nothing matches", []string{"/", "nobody"}, modeSearch, "nobody", all},
		{"paste", []string{"/", "paste:megan bowen"}, modeSearch, "megan bowen", all},
		{"paste outside the search does nothing", []string{"paste:aA/q"}, modeList, "", all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(p, 120, 40, "")
			m, quit := press(t, m, tt.keys...)
			if quit {
				t.Fatal("the program quit")
			}
			if m.mode != tt.mode || m.query != tt.query {
				t.Fatalf("mode %v, query %q; want %v, %q", m.mode, m.query, tt.mode, tt.query)
			}
			if exp := brute(p, tt.keep, tt.query); !slices.Equal(m.vis, exp) {
				t.Errorf("%d items shown, want %d", len(m.vis), len(exp))
			}
		})
	}

	// Esc leaves the cursor on the item found, in the whole list.
	m := newTestModel(p, 120, 40, "")
	m, _ = press(t, m, "/", "irvin", "down", "down")
	found := m.selected()
	m, _ = press(t, m, "esc")
	if m.selected() != found || len(m.vis) != len(p.Items) {
		t.Errorf("after esc: item %d selected of %d shown; want %d of %d", m.selected(), len(m.vis), found, len(p.Items))
	}
	if m.cur < m.top || m.cur >= m.top+m.tableRows() {
		t.Errorf("the item found is off screen: cursor %d, top %d", m.cur, m.top)
	}
}

// TestSearchIncremental types and deletes at random and checks every result
// against a search from scratch.
func TestSearchIncremental(t *testing.T) {
	p := testPlan(2000)
	texts := searchTexts(p)
	m := newTestModel(p, 120, 40, "")
	m, _ = press(t, m, "/")
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "aeilnorstv .@"
	for step := 0; step < 2000; step++ {
		k := "backspace"
		if rng.IntN(3) > 0 {
			k = string(alphabet[rng.IntN(len(alphabet))])
			if k == " " {
				k = "space"
			}
		}
		if rng.IntN(50) == 0 {
			k = "tab"
		}
		m, _ = press(t, m, k)
		keep := map[filter]func(*migrate.Item) bool{
			filterAll:      func(*migrate.Item) bool { return true },
			filterCreate:   func(it *migrate.Item) bool { return it.Action == migrate.ActionCreate },
			filterPresent:  func(it *migrate.Item) bool { return it.Action == migrate.ActionPresent },
			filterSkip:     func(it *migrate.Item) bool { return it.Action == migrate.ActionSkip },
			filterWarnings: func(it *migrate.Item) bool { return len(it.Warnings) > 0 },
			filterSettings: func(it *migrate.Item) bool { return it.Kind == migrate.KindRoleSetting },
		}[m.filter]
		if exp := bruteIn(p, texts, keep, m.query); !slices.Equal(m.vis, exp) {
			t.Fatalf("step %d (%s): query %q filter %v shows %d items, want %d", step, k, m.query, m.filter, len(m.vis), len(exp))
		}
	}
}

// firstOf moves the cursor to the first item of action a.
func firstOf(t *testing.T, m Model, a migrate.Action) Model {
	t.Helper()
	for i, idx := range m.vis {
		if m.plan.Items[idx].Action == a {
			m.cur = i
			m.scrollToCursor()
			return m
		}
	}
	t.Fatalf("no %s item", a)
	return m
}

func TestToggle(t *testing.T) {
	p := testPlan(40)
	m := newTestModel(p, 120, 40, "")
	m = firstOf(t, m, migrate.ActionCreate)
	it := &p.Items[m.selected()]
	steps := []struct {
		key     string
		want    review
		changed int
	}{
		{"space", approved, 1},  // first press approves
		{"space", declined, 1},  // then declined
		{"space", approved, 1},  // then approved again
		{"u", unreviewed, 0},    // back to not reviewed: nothing changed
		{"u", unreviewed, 0},    // twice is once
		{"space", approved, 1},  //
		{"ctrl+s", approved, 1}, // no path: nothing saved
	}
	for i, s := range steps {
		m, _ = press(t, m, s.key)
		if got := reviewOf(it); got != s.want || m.changed != s.changed {
			t.Fatalf("step %d (%s): review %v, %d changed; want %v, %d", i+1, s.key, got, m.changed, s.want, s.changed)
		}
	}
	if m.counts.approved != 1 || m.counts.declined != 0 || m.counts.unreviewed() != m.counts.create-1 {
		t.Errorf("counts %+v", m.counts)
	}
	if !strings.Contains(m.msg, "No plan file") {
		t.Errorf("ctrl+s without a path: message %q", m.msg)
	}

	// Present and skipped items cannot be approved, and say why.
	for _, a := range []migrate.Action{migrate.ActionPresent, migrate.ActionSkip} {
		m = firstOf(t, m, a)
		before := m.counts
		m, _ = press(t, m, "space")
		if p.Items[m.selected()].Approved != nil || m.counts != before || !strings.Contains(m.msg, "Nothing to approve") {
			t.Errorf("space on a %s item: approved %v, message %q", a, p.Items[m.selected()].Approved, m.msg)
		}
		m, _ = press(t, m, "u")
		if p.Items[m.selected()].Approved != nil {
			t.Errorf("u on a %s item set it", a)
		}
		m, _ = press(t, m, "j")
		if m.msg != "" {
			t.Errorf("the message outlives the next key: %q", m.msg)
		}
	}
}

func TestApproveShown(t *testing.T) {
	p := testPlan(300)
	m := newTestModel(p, 120, 40, "")
	// Decline everything, then approve what a search shows.
	m, _ = press(t, m, "A")
	if m.counts.declined != m.counts.create {
		t.Fatalf("A declined %d of %d creates", m.counts.declined, m.counts.create)
	}
	m, _ = press(t, m, "/", "vance global", "enter", "a")
	shown := map[int32]bool{}
	for _, i := range m.vis {
		shown[i] = true
	}
	n := 0
	for i := range p.Items {
		it := &p.Items[i]
		switch r := reviewOf(it); {
		case it.Action != migrate.ActionCreate:
			if it.Approved != nil {
				t.Errorf("%s: a %s item was reviewed", it.Key, it.Action)
			}
		case shown[int32(i)]:
			n++
			if r != approved {
				t.Errorf("%s is shown and not approved", it.Key)
			}
		case r != declined:
			t.Errorf("%s is not shown and not declined", it.Key)
		}
	}
	if n == 0 || m.counts.approved != n || !strings.Contains(m.msg, "Approved") {
		t.Errorf("approved %d shown, counts %+v, message %q", n, m.counts, m.msg)
	}
	m, _ = press(t, m, "a")
	if !strings.Contains(m.msg, "already were") {
		t.Errorf("a again: %q", m.msg)
	}
	// Nothing to approve among skipped items.
	m, _ = press(t, m, "esc", "tab", "tab", "tab", "a")
	if m.filter != filterSkip || !strings.Contains(m.msg, "No create items are shown") {
		t.Errorf("a on skipped items: filter %v, message %q", m.filter, m.msg)
	}
	// A with a filter declines only what it shows.
	m, _ = press(t, m, "tab", "tab", "tab", "A") // all
	m, _ = press(t, m, "tab", "a")               // create: approve all
	m, _ = press(t, m, "tab", "tab", "tab", "A")
	if m.filter != filterWarnings {
		t.Fatalf("filter %v", m.filter)
	}
	for i := range p.Items {
		it := &p.Items[i]
		if it.Action != migrate.ActionCreate {
			continue
		}
		if want := map[bool]review{true: declined, false: approved}[len(it.Warnings) > 0]; reviewOf(it) != want {
			t.Errorf("%s (warnings %v): %v, want %v", it.Key, it.Warnings, reviewOf(it), want)
		}
	}
}

func TestDetail(t *testing.T) {
	p := testPlan(40)
	m := newTestModel(p, 120, 40, "")
	m = firstOf(t, m, migrate.ActionCreate)
	m, _ = press(t, m, "enter")
	if m.mode != modeDetail {
		t.Fatalf("enter: mode %v", m.mode)
	}
	it := &p.Items[m.selected()]
	body, err := json.MarshalIndent(it.Target.RequestBody(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := screen(m)
	for _, l := range strings.Split(string(body), "\n") {
		if len(l) < 50 && !strings.Contains(got, l) {
			t.Errorf("the detail lacks the request body line %q:\n%s", l, got)
		}
	}
	for _, s := range []string{it.Legacy.ID[:20], string(it.Legacy.State), it.Legacy.Source, endpoint(&it.Target)[:30]} {
		if !strings.Contains(got, s) {
			t.Errorf("the detail lacks %q", s)
		}
	}

	// space in the detail approves the item shown, and the pane says so.
	m, _ = press(t, m, "space")
	if reviewOf(it) != approved || !strings.Contains(screen(m), "Sent by apply (approved)") {
		t.Errorf("space in the detail: %v\n%s", reviewOf(it), screen(m))
	}
	// → and ← step through the items.
	sel := m.selected()
	m, _ = press(t, m, "right")
	if m.selected() != sel+1 || m.mode != modeDetail {
		t.Errorf("right: item %d, want %d", m.selected(), sel+1)
	}
	m, _ = press(t, m, "h")
	if m.selected() != sel {
		t.Errorf("h: item %d, want %d", m.selected(), sel)
	}
	// ↓ scrolls a pane taller than the screen.
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = press(t, m, "down", "down")
	if m.detail.YOffset != 2 {
		t.Errorf("down twice: offset %d", m.detail.YOffset)
	}
	m, _ = press(t, m, "end")
	if !m.detail.AtBottom() {
		t.Error("end does not reach the bottom")
	}
	for _, k := range []string{"esc", "enter", "backspace"} {
		d, _ := press(t, m, k)
		if d.mode != modeList {
			t.Errorf("%s: mode %v, want the list", k, d.mode)
		}
	}
	// enter on an empty list opens nothing.
	m = newTestModel(p, 120, 40, "")
	m, _ = press(t, m, "/", "nobody", "enter", "enter")
	if m.mode != modeList {
		t.Errorf("enter with nothing shown: mode %v", m.mode)
	}
}

func TestHelp(t *testing.T) {
	m := newTestModel(testPlan(40), 120, 40, "")
	m, _ = press(t, m, "?")
	got := screen(m)
	if m.mode != modeHelp || !strings.Contains(got, "approves a not reviewed item") || !strings.Contains(got, "declined never") {
		t.Errorf("? shows:\n%s", got)
	}
	// Every key of the key map is in the full help.
	for _, col := range m.keys.FullHelp() {
		for _, b := range col {
			if !strings.Contains(got, b.Help().Desc) {
				t.Errorf("full help lacks %q", b.Help().Desc)
			}
		}
	}
	for _, k := range []string{"?", "esc"} {
		h, _ := press(t, m, k)
		if h.mode != modeList {
			t.Errorf("%s: mode %v", k, h.mode)
		}
	}
	// From the detail pane, help returns to it.
	m, _ = press(t, m, "esc", "enter", "?", "?")
	if m.mode != modeDetail {
		t.Errorf("? ? from the detail: mode %v", m.mode)
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	p := testPlan(100)
	if err := migrate.WritePlanFile(path, p); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(p, 120, 40, path)
	m, _ = press(t, m, "w")
	if m.msg != "No unsaved changes." {
		t.Errorf("w with no changes: %q", m.msg)
	}
	m = firstOf(t, m, migrate.ActionCreate)
	m, _ = press(t, m, "space", "j")

	// The save runs in a command; until it is done, approvals do not change.
	nm, cmd := m.Update(keyMsg("w"))
	m = nm.(Model)
	if cmd == nil || !m.saving {
		t.Fatal("w returned no command")
	}
	before := m.counts
	m, _ = press(t, m, "A")
	if m.counts != before || !strings.Contains(m.msg, "Saving") {
		t.Errorf("A while saving changed the counts (%+v -> %+v), message %q", before, m.counts, m.msg)
	}
	m, _ = send(t, m, cmd())
	if m.saving || m.changed != 0 || !strings.HasPrefix(m.msg, "Saved plan.json: 1 approved, 0 declined,") {
		t.Errorf("after the save: saving %v, %d changed, message %q", m.saving, m.changed, m.msg)
	}
	got, err := migrate.ReadPlanFile(path)
	if err != nil {
		t.Fatalf("the saved plan does not read back: %v", err)
	}
	if got.Digest != p.Digest || got.Summary.Approved != 1 {
		t.Errorf("saved digest %s (model %s), %d approved", got.Digest, p.Digest, got.Summary.Approved)
	}
	for i := range got.Items {
		if reviewOf(&got.Items[i]) != reviewOf(&p.Items[i]) {
			t.Errorf("%s: saved %v, model %v", got.Items[i].Key, reviewOf(&got.Items[i]), reviewOf(&p.Items[i]))
		}
	}
	if !m.Result().Saved {
		t.Error("Result().Saved is false")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the save left files behind: %v", entries)
	}
}

func TestSaveFails(t *testing.T) {
	p := testPlan(40)
	m := newTestModel(p, 120, 40, filepath.Join(t.TempDir(), "missing", "plan.json"))
	m, _ = press(t, m, "space", "w")
	if m.saving || m.changed != 1 || !strings.HasPrefix(m.msg, "Not saved:") {
		t.Errorf("saving %v, %d changed, message %q", m.saving, m.changed, m.msg)
	}
	// Quitting still asks; w at the prompt fails again and stays.
	m, quit := press(t, m, "q", "w")
	if quit || !strings.HasPrefix(m.msg, "Not saved:") {
		t.Errorf("w at the prompt with a failing save: quit %v, message %q", quit, m.msg)
	}
}

func TestQuit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	tests := []struct {
		name    string
		keys    []string
		quit    bool
		prompt  bool
		saved   bool
		unsaved int
	}{
		{"q without changes", []string{"q"}, true, false, false, 0},
		{"ctrl+c without changes", []string{"ctrl+c"}, true, false, false, 0},
		{"q in the detail", []string{"enter", "q"}, true, false, false, 0},
		{"q in the help", []string{"?", "q"}, true, false, false, 0},
		{"q while searching is text", []string{"/", "q"}, false, false, false, 0},
		{"ctrl+c while searching", []string{"/", "q", "ctrl+c"}, true, false, false, 0},
		{"q with changes asks", []string{"space", "q"}, false, true, false, 1},
		{"n stays", []string{"space", "q", "n"}, false, false, false, 1},
		{"esc stays", []string{"space", "q", "esc"}, false, false, false, 1},
		{"other keys wait", []string{"space", "q", "j", "space"}, false, true, false, 1},
		{"y quits without saving", []string{"space", "q", "y"}, true, false, false, 1},
		{"ctrl+c asks, twice quits", []string{"space", "ctrl+c", "ctrl+c"}, true, false, false, 1},
		{"w saves and quits", []string{"space", "q", "w"}, true, false, true, 0},
		{"changes undone need no prompt", []string{"space", "u", "q"}, true, false, false, 0},
		{"saved then quit", []string{"space", "w", "q"}, true, false, true, 0},
		{"saved, changed, discarded", []string{"space", "w", "j", "space", "q", "y"}, true, false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan(40)
			if err := migrate.WritePlanFile(path, p); err != nil {
				t.Fatal(err)
			}
			m := newTestModel(p, 120, 40, path)
			m, quit := press(t, m, tt.keys...)
			r := m.Result()
			if quit != tt.quit || m.prompt != tt.prompt || r.Saved != tt.saved || r.Unsaved != tt.unsaved {
				t.Errorf("quit %v, prompt %v, saved %v, %d unsaved; want %v, %v, %v, %d", quit, m.prompt, r.Saved, r.Unsaved, tt.quit, tt.prompt, tt.saved, tt.unsaved)
			}
			if quit && screen(m) != "" {
				t.Errorf("the last frame is not empty:\n%s", screen(m))
			}
		})
	}

	// q while a save is writing quits once it is written.
	p := testPlan(40)
	m := newTestModel(p, 120, 40, path)
	m, _ = press(t, m, "space")
	nm, save := m.Update(keyMsg("w"))
	m = nm.(Model)
	m, quit := press(t, m, "q")
	if quit || m.prompt {
		t.Fatalf("q while saving: quit %v, prompt %v", quit, m.prompt)
	}
	if m, quit = send(t, m, save()); !quit || !m.Result().Saved {
		t.Errorf("after the save: quit %v, saved %v", quit, m.Result().Saved)
	}
}

func TestColours(t *testing.T) {
	p := testPlan(40)
	colour := lipgloss.NewRenderer(nil)
	colour.SetColorProfile(termenv.ANSI256)
	colour.SetHasDarkBackground(true)
	m := New(p, Options{Now: func() time.Time { return testNow }, Renderer: colour, Width: 120, Height: 40})
	if !strings.Contains(m.View(), "\x1b[38;5;") {
		t.Error("an ANSI256 renderer draws no colours")
	}
	if plain := newTestModel(p, 120, 40, "").View(); strings.Contains(plain, "\x1b[3") || strings.Contains(plain, "\x1b[4") {
		t.Error("a renderer without colours draws colours")
	}
	// Without colour the screen is the same text.
	if screen(m) != screen(newTestModel(p, 120, 40, "")) {
		t.Error("colour changes the text")
	}
}

// TestSaveConflict: another reviewer saved the plan file after this review
// read it. w does not overwrite their work silently; a second w does.
func TestSaveConflict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	p := testPlan(40)
	if err := migrate.WritePlanFile(path, p); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(p, 120, 40, path)
	m.stamp = stampFile(path) // as Run does

	// The other reviewer approves everything and saves.
	other, err := migrate.ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range other.Items {
		v := true
		other.Items[i].Approved = &v
	}
	if err := migrate.WritePlanFile(path, other); err != nil {
		t.Fatal(err)
	}
	theirs, _ := os.ReadFile(path)

	m, _ = press(t, m, "space", "w")
	if now, _ := os.ReadFile(path); string(now) != string(theirs) || !strings.Contains(m.msg, "changed on disk") || m.changed != 1 {
		t.Fatalf("the first w: message %q, %d changed, file overwritten %v", m.msg, m.changed, string(now) != string(theirs))
	}
	// Quitting still asks.
	if q, _ := press(t, m, "q"); !q.prompt {
		t.Error("q after a refused save does not ask")
	}
	m, _ = press(t, m, "w")
	got, err := migrate.ReadPlanFile(path)
	if err != nil || m.changed != 0 || got.Summary.Approved != 1 {
		t.Fatalf("the second w: %v, %d changed, %d approved in the file", err, m.changed, got.Summary.Approved)
	}
	// Saved once, later saves check against what this review wrote.
	m, _ = press(t, m, "j", "space", "w")
	if m.changed != 0 || !strings.HasPrefix(m.msg, "Saved") {
		t.Errorf("a later save: %d changed, message %q", m.changed, m.msg)
	}
}

// TestSaveTakesTheLock: w takes the plan's lock around its check and write,
// and a plan locked by another process is not written.
func TestSaveTakesTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	p := testPlan(40)
	if err := migrate.WritePlanFile(path, p); err != nil {
		t.Fatal(err)
	}
	held, locked, unlocked := true, 0, 0
	m := New(p, Options{Path: path, Width: 120, Height: 40, Lock: func(string) (func(), error) {
		if held {
			return nil, errors.New("plan.json is in use by another pimmigrate process: pimmigrate plan --out plan.json (pid 7)")
		}
		locked++
		return func() { unlocked++ }, nil
	}})
	m.stamp = stampFile(path)
	m = firstOf(t, m, migrate.ActionCreate)
	m, _ = press(t, m, "space", "w")
	if m.changed != 1 || !strings.Contains(m.msg, "Not saved:") || !strings.Contains(m.msg, "pid 7") {
		t.Errorf("save while locked: %d changed, message %q", m.changed, m.msg)
	}
	if got, _ := migrate.ReadPlanFile(path); got.Summary.Approved != 0 {
		t.Error("a locked plan was written")
	}
	held = false
	m, _ = press(t, m, "w")
	if m.changed != 0 || locked != 1 || unlocked != 1 {
		t.Errorf("save: %d changed, locked %d, unlocked %d times, message %q", m.changed, locked, unlocked, m.msg)
	}
}
