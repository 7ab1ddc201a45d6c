package migrate

import (
	"strings"
	"testing"
)

// hostileName is a display name that, printed raw, retitles the terminal,
// clears the screen and paints a fake apply summary in red.
const hostileName = "\x1b]0;PWNED\a\x1b[2J\x1b[31mfake: Applied 0, 0 failed"

func TestPrintable(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Adele Vance", "Adele Vance"},
		{"other scripts and emoji", "Zoë Ångström 山田 🙂 ﷺ", "Zoë Ångström 山田 🙂 ﷺ"},
		{"escape sequences", hostileName, `\x1b]0;PWNED\x07\x1b[2J\x1b[31mfake: Applied 0, 0 failed`},
		{"newline, carriage return, tab", "a\nb\rc\td", `a\x0ab\x0dc\x09d`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"C1 CSI and OSC", "a\u009b2Jb\u009d0;x\u009c", `a\u009b2Jb\u009d0;x\u009c`},
		{"bidi override", "admin\u202eexe.txt", `admin\u202eexe.txt`},
		{"bidi isolates and marks", "\u2066a\u2069\u200e\u200f\u061c", `\u2066a\u2069\u200e\u200f\u061c`},
		{"line separators", "a\u2028b\u2029", `a\u2028b\u2029`},
		{"invalid UTF-8: a lone C1 byte", "a\x9b2Jb\xff", `a\x9b2Jb\xff`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Printable(tt.in)
			if got != tt.want {
				t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if i := UnprintableAt(got); i >= 0 {
				t.Errorf("Printable(%q) = %q is unsafe at byte %d", tt.in, got, i)
			}
		})
	}
}

// TestPrintableIsIdle: text with nothing to replace costs no allocation.
func TestPrintableIsIdle(t *testing.T) {
	s := strings.Repeat("Adele Vance adele.vance@contoso.example Zoë 山田 ", 4)
	if n := testing.AllocsPerRun(100, func() { _ = Printable(s) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// TestSummaryTextIsInert: the reasons and warnings a summary counts come
// from plan.json, which anyone can edit and re-seal; Text prints them inert.
func TestSummaryTextIsInert(t *testing.T) {
	s := Summary{SkipReasons: map[string]int{hostileName: 1}, Warnings: map[string]int{"w\u202e": 2}}
	for i, l := range strings.Split(s.Text(), "\n") {
		if at := UnprintableAt(l); at >= 0 {
			t.Errorf("line %d is unsafe at byte %d: %q", i+1, at, l)
		}
	}
}
