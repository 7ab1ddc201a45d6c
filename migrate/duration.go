package migrate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrDuration is wrapped by ParseDuration's errors.
var ErrDuration = errors.New("not an ISO 8601 duration such as PT8H or P365D")

// ParseDuration reads an ISO 8601 duration, P[nY][nM][nW][nD][T[nH][nM][nS]],
// as legacy PIM settings (elevationDuration) and role management policies
// (maximumDuration) write them. A year counts 365 days and a month 30: the
// APIs use days and hours, and nothing here needs calendar precision. A
// number may have a fraction ("PT0.5H"); a negative duration is refused.
func ParseDuration(s string) (time.Duration, error) {
	if len(s) < 3 || (s[0] != 'P' && s[0] != 'p') {
		return 0, fmt.Errorf("%q: %w", s, ErrDuration)
	}
	var total time.Duration
	inTime, seen := false, false
	num := ""
	for _, c := range strings.ToUpper(s[1:]) {
		switch {
		case c == 'T':
			if inTime || num != "" {
				return 0, fmt.Errorf("%q: %w", s, ErrDuration)
			}
			inTime = true
		case c >= '0' && c <= '9' || c == '.':
			num += string(c)
		default:
			if num == "" {
				return 0, fmt.Errorf("%q: %w", s, ErrDuration)
			}
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("%q: %w", s, ErrDuration)
			}
			unit, ok := durationUnit(c, inTime)
			if !ok {
				return 0, fmt.Errorf("%q: %w", s, ErrDuration)
			}
			total += time.Duration(v * float64(unit))
			num, seen = "", true
		}
	}
	if num != "" || !seen {
		return 0, fmt.Errorf("%q: %w", s, ErrDuration)
	}
	return total, nil
}

func durationUnit(c rune, inTime bool) (time.Duration, bool) {
	const day = 24 * time.Hour
	switch {
	case !inTime && c == 'Y':
		return 365 * day, true
	case !inTime && c == 'M':
		return 30 * day, true
	case !inTime && c == 'W':
		return 7 * day, true
	case !inTime && c == 'D':
		return day, true
	case inTime && c == 'H':
		return time.Hour, true
	case inTime && c == 'M':
		return time.Minute, true
	case inTime && c == 'S':
		return time.Second, true
	}
	return 0, false
}

// FormatISODuration writes d as Graph writes durations: whole days as
// "P90D", otherwise "PT8H", "PT1H30M", "P1DT12H".
func FormatISODuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	day := 24 * time.Hour
	var b strings.Builder
	b.WriteString("P")
	if days := d / day; days > 0 {
		fmt.Fprintf(&b, "%dD", days)
		d -= days * day
	}
	if d > 0 {
		b.WriteString("T")
		if h := d / time.Hour; h > 0 {
			fmt.Fprintf(&b, "%dH", h)
			d -= h * time.Hour
		}
		if m := d / time.Minute; m > 0 {
			fmt.Fprintf(&b, "%dM", m)
			d -= m * time.Minute
		}
		if d > 0 {
			fmt.Fprintf(&b, "%gS", d.Seconds())
		}
	}
	return b.String()
}
