package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/internal/golden"

	"github.com/charmbracelet/x/ansi"
)

// TestScreens goldens every screen at the two sizes the review is made for:
// run with -update after a deliberate change and read the diff.
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
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
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
