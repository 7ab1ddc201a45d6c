package migrate

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable makes s inert on a terminal. Display names, user principal
// names, role names, Graph's error messages and snapshot values are anyone's
// to choose: raw, "\x1b]0;PWNED\a\x1b[2J" retitles the window and clears the
// screen. Printable replaces with a visible escape, as Go quotes them,
//
//   - every control character: C0 (tab and newline too: s is one field),
//     DEL, and C1 (U+0080–U+009F, which some terminals obey like ESC
//     sequences): "\x1b", "\x7f", "\u009b";
//   - the bidirectional-text controls that reorder what is shown (U+061C,
//     U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and
//     paragraph separators U+2028 and U+2029: "\u202e";
//   - every byte that is not part of valid UTF-8: "\xff".
//
// Everything else, letters of any script included, is left as it is, and a
// string with nothing to replace is returned without allocating.
func Printable(s string) string {
	i := UnprintableAt(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unprintable(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unprintable(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// UnprintableAt is the byte offset of the first rune in s that Printable
// replaces, or -1 when s is safe to print as it is.
func UnprintableAt(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unprintable(r) {
			return i
		}
		i += n
	}
	return -1
}

// unprintable reports whether Printable replaces r.
func unprintable(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}
