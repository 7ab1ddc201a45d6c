package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/internal/golden"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// hostile is text a tenant or a snapshot may hold: printed raw it retitles
// the terminal, clears the screen, paints a fake summary in red (ESC and
// BEL, then a C1 CSI) and reverses what follows (a bidi override).
const hostile = "\x1b]0;PWNED\a\x1b[2J\x1b[31mfake: Applied 0, 0 failed\u009b2J\u202e"

// hostilePlan is testPlan with hostile text in every field the review
// shows: tenant, names, UPNs, roles, reasons, warnings, legacy fields.
func hostilePlan() *migrate.Plan {
	p := testPlan(40)
	p.TenantID = hostile + "tenant"
	p.GraphURL = "https://graph.example/" + hostile
	for i := range p.Items {
		it := &p.Items[i]
		it.Principal.DisplayName = hostile + "name"
		it.Principal.UserPrincipalName = hostile + "@contoso.example"
		it.Role.DisplayName = hostile + "role"
		it.Reason = hostile + "reason"
		it.Warnings = append(it.Warnings, hostile+"warning")
		it.MergedFrom = append(it.MergedFrom, hostile+"merged")
		it.Legacy.ID = hostile + "id"
		it.Legacy.Source = hostile + "source"
		it.Legacy.State = migrate.State(hostile + "state")
		it.Target.Justification = hostile + "justification"
		if i%2 == 0 { // scoped and added items: the scope's name, the rule and the --add row
			it.Target.DirectoryScopeID = "/administrativeUnits/" + migrate.GUID{}.String()
			it.ScopeName, it.ScopeRule = hostile+"unit", hostile+"rules.csv:2"
			if i%4 == 0 {
				it.Class, it.Added = migrate.ClassAdded, hostile+"add.csv:3"
			}
		}
	}
	p.Seal()
	return p
}

// TestHostileTextIsInert: whatever the plan holds, the screen the terminal
// receives has no control character, bidi control or invalid byte but the
// newlines between its lines — in the list, the detail pane, the status
// line, the search and the title.
func TestHostileTextIsInert(t *testing.T) {
	cases := []struct {
		name string
		keys []string
	}{
		{"list", nil},
		{"detail", []string{"enter"}},
		{"detail-skipped", []string{"tab", "tab", "tab", "enter"}},
		{"status-reason", []string{"tab", "tab", "tab", "space"}},
		{"search", []string{"/", "paste:" + hostile}},
		{"saved", []string{"space", "w"}},
	}
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), hostile+"plan.json")
				m := newTestModel(hostilePlan(), size[0], size[1], path)
				m, _ = press(t, m, tc.keys...)
				view := m.View() // no colours: any escape here came from the plan
				for i, l := range strings.Split(view, "\n") {
					if at := migrate.UnprintableAt(l); at >= 0 {
						t.Errorf("line %d is unsafe at byte %d: %q", i+1, at, l)
					}
				}
				checkFrame(t, view, size[0], size[1])
				golden.Check(t, name, view)
			})
		}
	}
}
