package snapshot

import (
	"strings"
	"time"
)

// dateProblem says why a date could not be read.
type dateProblem uint8

const (
	dateOK dateProblem = iota
	dateMalformed
	dateAmbiguous // a slash date without AM/PM
	dateMinValue  // .NET DateTime.MinValue, what PowerShell prints for an unset date
)

// parseDate reads a snapshot date and returns it in UTC:
//
//   - RFC 3339 / ISO 8601 as Graph writes it, "2026-11-20T08:00:00Z", with
//     up to 9 fractional digits (Graph writes 7) and Z or an offset; without
//     a zone it is UTC (Graph's own dates are UTC).
//   - "/Date(1790000000000)/", what Windows PowerShell's ConvertTo-Json
//     writes for a DateTime: milliseconds since 1970 UTC.
//   - en-US "11/20/2026 8:00:00 AM" (M/d/yyyy h:mm:ss tt), what Windows
//     PowerShell's Export-Csv writes under en-US.
//   - de-DE "20.11.2026 08:00:00" (d.M.yyyy H:mm:ss).
//
// Culture dates carry no zone. We read them as UTC: Graph returns UTC and
// the PowerShell modules that exported these snapshots keep the UTC value
// they received (a DateTime of kind Utc or unspecified) when printing it.
// A slash date without AM/PM is ambiguous (en-GB d/M/yyyy or en-US in
// 24-hour form) and is refused rather than guessed.
func parseDate(s string) (time.Time, dateProblem) {
	s = strings.TrimSpace(s)
	if len(s) < 8 {
		return time.Time{}, dateMalformed
	}
	var t time.Time
	switch {
	case s[4] == '-':
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			if t, err = time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC); err != nil {
				return time.Time{}, dateMalformed
			}
		}
	case strings.HasPrefix(s, "/Date("):
		var ok bool
		if t, ok = parseDotNetJSONDate(s); !ok {
			return time.Time{}, dateMalformed
		}
	case strings.IndexByte(s, '/') > 0:
		return parseSlashDate(s)
	case strings.IndexByte(s, '.') > 0:
		return parseDotDate(s)
	default:
		return time.Time{}, dateMalformed
	}
	t = t.UTC()
	if t.Year() <= 1 {
		return time.Time{}, dateMinValue
	}
	return t, dateOK
}

// parseDotNetJSONDate reads "/Date(ms)/" and "/Date(ms+hhmm)/": ms is UTC
// whatever the offset says.
func parseDotNetJSONDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "/Date(")
	end := strings.Index(s, ")/")
	if end < 0 || end+2 != len(s) {
		return time.Time{}, false
	}
	s = s[:end]
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	var ms int64
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		if n >= 15 {
			return time.Time{}, false
		}
		ms = ms*10 + int64(s[n]-'0')
		n++
	}
	if n == 0 {
		return time.Time{}, false
	}
	if rest := s[n:]; rest != "" {
		if len(rest) != 5 || rest[0] != '+' && rest[0] != '-' || !allDigits(rest[1:]) {
			return time.Time{}, false
		}
	}
	if neg {
		ms = -ms
	}
	return time.UnixMilli(ms), true
}

// parseSlashDate reads "M/d/yyyy h:mm:ss AM" (en-US); without AM/PM the
// date is ambiguous.
func parseSlashDate(s string) (time.Time, dateProblem) {
	date, clock, ok := strings.Cut(s, " ")
	if !ok {
		return time.Time{}, dateMalformed
	}
	m, d, y, ok := threeNumbers(date, '/')
	if !ok {
		return time.Time{}, dateMalformed
	}
	clock = strings.TrimSpace(clock)
	hms, ampm, hasAMPM := strings.Cut(clock, " ")
	h, mi, sec, ok := clockNumbers(hms)
	if !ok {
		return time.Time{}, dateMalformed
	}
	if !hasAMPM {
		// Valid as month/day or as day/month: either way we cannot know which.
		if (validDate(y, m, d) || validDate(y, d, m)) && h < 24 && mi < 60 && sec < 60 {
			return time.Time{}, dateAmbiguous
		}
		return time.Time{}, dateMalformed
	}
	if h < 1 || h > 12 {
		return time.Time{}, dateMalformed
	}
	switch {
	case strings.EqualFold(strings.TrimSpace(ampm), "AM"):
		if h == 12 {
			h = 0 // 12:xx AM is just after midnight
		}
	case strings.EqualFold(strings.TrimSpace(ampm), "PM"):
		if h != 12 {
			h += 12 // 12:xx PM is just after noon
		}
	default:
		return time.Time{}, dateMalformed
	}
	return makeDate(y, m, d, h, mi, sec)
}

// parseDotDate reads "d.M.yyyy H:mm:ss" (de-DE).
func parseDotDate(s string) (time.Time, dateProblem) {
	date, clock, ok := strings.Cut(s, " ")
	if !ok {
		return time.Time{}, dateMalformed
	}
	d, m, y, ok := threeNumbers(date, '.')
	if !ok {
		return time.Time{}, dateMalformed
	}
	h, mi, sec, ok := clockNumbers(strings.TrimSpace(clock))
	if !ok {
		return time.Time{}, dateMalformed
	}
	return makeDate(y, m, d, h, mi, sec)
}

func makeDate(y, m, d, h, mi, sec int) (time.Time, dateProblem) {
	if !validDate(y, m, d) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, dateMalformed
	}
	if y <= 1 {
		return time.Time{}, dateMinValue
	}
	return time.Date(y, time.Month(m), d, h, mi, sec, 0, time.UTC), dateOK
}

func validDate(y, m, d int) bool {
	if y < 1 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
}

// threeNumbers reads "a<sep>b<sep>yyyy" with a and b of 1 or 2 digits.
func threeNumbers(s string, sep byte) (a, b, y int, ok bool) {
	a, s, ok = number(s, 1, 2)
	if !ok || s == "" || s[0] != sep {
		return 0, 0, 0, false
	}
	b, s, ok = number(s[1:], 1, 2)
	if !ok || s == "" || s[0] != sep {
		return 0, 0, 0, false
	}
	y, s, ok = number(s[1:], 4, 4)
	return a, b, y, ok && s == ""
}

// clockNumbers reads "h:mm:ss" with h of 1 or 2 digits.
func clockNumbers(s string) (h, m, sec int, ok bool) {
	h, s, ok = number(s, 1, 2)
	if !ok || s == "" || s[0] != ':' {
		return 0, 0, 0, false
	}
	m, s, ok = number(s[1:], 2, 2)
	if !ok || s == "" || s[0] != ':' {
		return 0, 0, 0, false
	}
	sec, s, ok = number(s[1:], 2, 2)
	return h, m, sec, ok && s == ""
}

// number reads min to max leading digits of s.
func number(s string, min, max int) (int, string, bool) {
	n, v := 0, 0
	for n < len(s) && n < max && '0' <= s[n] && s[n] <= '9' {
		v = v*10 + int(s[n]-'0')
		n++
	}
	if n < min || n < len(s) && '0' <= s[n] && s[n] <= '9' {
		return 0, s, false
	}
	return v, s[n:], true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// dateDetail explains a date problem for a rejected row.
func dateDetail(field, value string, p dateProblem) string {
	switch p {
	case dateAmbiguous:
		return field + " " + quote(value) + " has no AM/PM, so it could be day/month/year (en-GB) or month/day/year (en-US, 24-hour): ambiguous; " +
			"re-export the dates in ISO 8601, e.g. Select-Object @{n='" + field + "';e={$_." + field + ".ToString('o')}} or Get-Date -Format o, or run Export-Csv under en-US"
	case dateMinValue:
		return field + " " + quote(value) + " is 0001-01-01, .NET's DateTime.MinValue (an unset date), not a real date; " +
			"check the assignment in the portal and write its real date, or leave the cell empty if it has none"
	default:
		return field + " " + quote(value) + " is not a date; write it in ISO 8601, e.g. 2026-11-20T08:00:00Z, or leave it empty for none"
	}
}
