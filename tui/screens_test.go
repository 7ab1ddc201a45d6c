package tui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/internal/golden"

	"github.com/charmbracelet/x/ansi"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// TestScreens goldens every screen at the sizes the review is made for, 80,
// 120 and 200 columns: run with -update after a deliberate change and read
// the diff.
func TestScreens(t *testing.T) {
	cases := []struct {
		name string
		keys []string
	}{
		{"list", nil},
		{"scrolled", []string{"pgdown", "j", "j"}},
		{"filter-create", []string{"tab"}},
		{"filter-present", []string{"tab", "tab"}},
		{"filter-skip", []string{"tab", "tab", "tab"}},
		{"filter-warnings", []string{"tab", "tab", "tab", "tab"}},
		{"search-typing", []string{"/", "vance glob"}},
		{"search-kept", []string{"/", "emily", "enter"}},
		{"search-none", []string{"/", "nobody"}},
		{"reviewed", []string{"space", "j", "space", "space", "j", "j", "space", "j", "space", "u"}},
		{"not-a-create", []string{"j", "j", "j", "j", "j", "j", "space"}},
		{"approve-shown", []string{"/", "brian", "enter", "a"}},
		{"detail", []string{"j", "j", "enter"}},
		{"detail-skipped", []string{"tab", "tab", "tab", "enter"}},
		{"detail-declined-warnings", []string{"tab", "tab", "tab", "tab", "home", "space", "space", "enter"}},
		{"help", []string{"?"}},
		{"quit-prompt", []string{"space", "q"}},
		{"saved", []string{"space", "w"}},
	}
	for _, size := range [][2]int{{120, 40}, {80, 24}, {200, 60}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(testPlan(40), size[0], size[1], t.TempDir()+"/plan.json")
				m, _ = press(t, m, tc.keys...)
				got := screen(m)
				checkFrame(t, got, size[0], size[1])
				// The temporary directory differs between runs.
				golden.Check(t, name, got)
			})
		}
	}
}

// checkFrame fails unless the screen is exactly height lines of at most
// width cells.
func checkFrame(t *testing.T, s string, width, height int) {
	t.Helper()
	lines := strings.Split(s, "\n")
	if len(lines) != height {
		t.Errorf("%d lines, want %d", len(lines), height)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d cells wide, want at most %d: %q", i+1, w, width, l)
		}
	}
}

// widePlan is testPlan(40) with the content a real tenant has: a guest with
// a long name and UPN, a long role name, a warning on a create item.
func widePlan() *migrate.Plan {
	p := testPlan(40)
	user := migrate.MustGUID("ffffffff-0000-4000-8000-00000000aaaa")
	role := migrate.MustGUID("eeeeeeee-1111-4000-8000-00000000bbbb")
	a := migrate.Assignment{ID: migrate.Key(user, role), UserID: user, RoleID: role, PrincipalType: migrate.PrincipalUser,
		State: migrate.StateEligible, Origin: migrate.OriginIteration1, Source: "beta:privilegedRoleAssignments#99"}
	p.Items = append(p.Items, migrate.Item{Key: migrate.Key(user, role), Legacy: a, Class: migrate.ClassEligible,
		Principal: migrate.PrincipalInfo{DisplayName: "Raj Patel (Northwind Traders)", UserPrincipalName: "raj_northwind.example#EXT#@contoso.example",
			Type: migrate.PrincipalUser}, Role: migrate.RoleInfo{DisplayName: "Conditional Access Administrator", Privileged: true},
		Action: migrate.ActionCreate, Reason: string(migrate.ClassEligible), Warnings: []string{migrate.WarnUnifiedGrantsMore},
		Target: migrate.Target{Kind: migrate.KindEligibilityRequest, PrincipalID: user, RoleDefinitionID: role, DirectoryScopeID: "/",
			Expiration: &migrate.Expiration{Type: migrate.ExpirationNone}}})
	p.Seal()
	return p
}

// guidStart finds GUIDs, and the start of one broken across lines.
var guidStart = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}[0-9a-f-]*`)

// TestScreenWidths: the list is laid out from its content at every size:
// nothing cut at 200 columns and no column much wider than its widest
// cell, warning names whole at 120, "? help" kept at 80; rows by principal
// name, then role; ids never broken in the detail pane; a long message
// wraps instead of being cut.
func TestScreenWidths(t *testing.T) {
	p := widePlan()
	rows := func(s string) []string { return strings.Split(s, "\n")[4 : 4+len(p.Items)] }
	t.Run("200x60: nothing cut, no blank column", func(t *testing.T) {
		s := screen(newTestModel(p, 200, 60, ""))
		for _, r := range rows(s) {
			if strings.Contains(r, "…") {
				t.Errorf("a cell is cut at 200 columns: %q", r)
			}
		}
		// The widest name (an id, for a principal not found) and UPN, in
		// columns of their own.
		head := strings.Split(s, "\n")[3]
		widest := len("00000006-0000-4000-8000-000000000006") + 2 + len("raj_northwind.example#EXT#@contoso.example")
		if w := strings.Index(head, "ROLE") - strings.Index(head, "PRINCIPAL"); w > widest+2 {
			t.Errorf("PRINCIPAL is %d columns wide for content %d wide:\n%s", w, widest, head)
		}
	})
	t.Run("120x40: warning names whole", func(t *testing.T) {
		m, _ := press(t, newTestModel(p, 120, 40, ""), "/", "raj", "enter")
		if s := screen(m); !strings.Contains(s, "! "+migrate.WarnUnifiedGrantsMore+" ") {
			t.Errorf("the warning is cut:\n%s", s)
		}
	})
	t.Run("rows by principal name, then role", func(t *testing.T) {
		s := screen(newTestModel(p, 200, 60, ""))
		var names []string
		for _, r := range rows(s) {
			cell := strings.TrimSpace(ansi.TruncateLeft(r, prefixWidth, ""))
			if i := strings.Index(cell, "  "); i >= 0 {
				cell = cell[:i]
			}
			names = append(names, strings.ToLower(cell))
		}
		// Principals the tenant did not return show their id, after the rest.
		isID := func(n string) bool { _, err := migrate.ParseGUID(n); return err == nil }
		named := slices.IndexFunc(names, isID)
		if named < 0 || !slices.IsSorted(names[:named]) || slices.ContainsFunc(names[named:], func(n string) bool { return !isID(n) }) {
			t.Errorf("rows are not sorted by name, unnamed last:\n%s", strings.Join(names, "\n"))
		}
	})
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d: ? help in the footer", size[0], size[1]), func(t *testing.T) {
			for _, keys := range [][]string{nil, {"enter"}} {
				m, _ := press(t, newTestModel(p, size[0], size[1], ""), keys...)
				lines := strings.Split(screen(m), "\n")
				foot := lines[len(lines)-1]
				if keys == nil && !strings.Contains(foot, "? help") || !strings.Contains(foot, "q quit") {
					t.Errorf("keys %v: footer %q", keys, foot)
				}
			}
		})
	}
	t.Run("detail: ids whole", func(t *testing.T) {
		for _, w := range []int{80, 120, 200} {
			m, _ := press(t, newTestModel(p, w, 60, ""), "/", "raj", "enter", "enter")
			s := screen(m)
			if !strings.Contains(s, "Raj Patel") {
				t.Fatalf("not the detail of Raj Patel's item:\n%s", s)
			}
			for _, id := range guidStart.FindAllString(s, -1) {
				if len(id) != 36 {
					t.Errorf("at %d columns an id is broken at %q:\n%s", w, id, s)
				}
			}
		}
	})
	t.Run("a long message wraps", func(t *testing.T) {
		for _, w := range []int{80, 120} {
			m := newTestModel(p, w, 40, "")
			m.msg, m.msgKind = "plan.json changed on disk after you opened it (another reviewer?); not saved. w overwrites it with this review; or quit and reopen it.", msgError
			s := screen(m)
			checkFrame(t, s, w, 40)
			if !strings.Contains(strings.Join(strings.Fields(s), " "), "or quit and reopen it.") {
				t.Errorf("at %d columns the message is cut:\n%s", w, s)
			}
		}
	})
}
