package migrate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseISODuration reads an ISO 8601 duration of days, hours, minutes and
// seconds (and weeks), as Graph writes them: "PT8H", "P90D", "PT1H30M",
// "P1DT12H", "P2W". A day is 24 hours. Years and months have no fixed
// length and are refused.
func ParseISODuration(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as PT8H or P90D", s)
	}
	rest, ok := strings.CutPrefix(strings.ToUpper(strings.TrimSpace(s)), "P")
	if !ok || rest == "" {
		return bad()
	}
	var d time.Duration
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return bad()
			}
			inTime, rest = true, rest[1:]
			if rest == "" {
				return bad()
			}
			continue
		}
		i := strings.IndexAny(rest, "WDHMS")
		if i <= 0 {
			return bad()
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || n < 0 {
			return bad()
		}
		var unit time.Duration
		switch c := rest[i]; {
		case c == 'W' && !inTime:
			unit = 7 * 24 * time.Hour
		case c == 'D' && !inTime:
			unit = 24 * time.Hour
		case c == 'H' && inTime:
			unit = time.Hour
		case c == 'M' && inTime:
			unit = time.Minute
		case c == 'S' && inTime:
			unit = time.Second
		default:
			return bad()
		}
		d += time.Duration(n * float64(unit))
		rest = rest[i+1:]
	}
	return d, nil
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
