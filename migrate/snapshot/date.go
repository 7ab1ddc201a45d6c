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

// The culture dates of Windows PowerShell's Export-Csv, as layouts.
const (
	layoutEnUS = "1/2/2006 3:04:05 PM" // en-US, M/d/yyyy h:mm:ss tt
	layoutDeDE = "2.1.2006 15:04:05"   // de-DE, d.M.yyyy H:mm:ss
	// A slash date without AM/PM reads as either of these.
	layoutMonthFirst = "1/2/2006 15:04:05"
	layoutDayFirst   = "2/1/2006 15:04:05"
)

// parseSlashDate reads "M/d/yyyy h:mm:ss AM" (en-US, AM and PM in any
// case); without AM/PM the date is ambiguous.
func parseSlashDate(s string) (time.Time, dateProblem) {
	date, clock, ampm, ok := cultureFields(s)
	if !ok {
		return time.Time{}, dateMalformed
	}
	if ampm == "" {
		// Valid as month/day or as day/month: either way we cannot know which.
		for _, layout := range []string{layoutMonthFirst, layoutDayFirst} {
			if _, p := cultureDate(layout, date, clock, ""); p != dateMalformed {
				return time.Time{}, dateAmbiguous
			}
		}
		return time.Time{}, dateMalformed
	}
	if strings.HasPrefix(strings.TrimLeft(clock, "0"), ":") {
		return time.Time{}, dateMalformed // a 12-hour clock has no hour 0, which the layout takes as 12
	}
	return cultureDate(layoutEnUS, date, clock, strings.ToUpper(ampm))
}

// parseDotDate reads "d.M.yyyy H:mm:ss" (de-DE).
func parseDotDate(s string) (time.Time, dateProblem) {
	date, clock, ampm, ok := cultureFields(s)
	if !ok || ampm != "" {
		return time.Time{}, dateMalformed
	}
	return cultureDate(layoutDeDE, date, clock, "")
}

// cultureFields splits a culture date into its date, its clock and its AM
// or PM (if any), each after a space; more white space after a space is
// allowed.
func cultureFields(s string) (date, clock, ampm string, ok bool) {
	date, rest, ok := strings.Cut(s, " ")
	clock, ampm, _ = strings.Cut(strings.TrimSpace(rest), " ")
	return date, clock, strings.TrimSpace(ampm), ok
}

// cultureDate reads a culture date's fields with layout, in UTC. The year
// 1 is .NET's DateTime.MinValue; the year 0 is no date, and neither is a
// fraction of a second, which PowerShell does not write and the layout
// would take.
func cultureDate(layout, date, clock, ampm string) (time.Time, dateProblem) {
	if strings.ContainsAny(clock, ".,") {
		return time.Time{}, dateMalformed
	}
	s := date + " " + clock
	if ampm != "" {
		s += " " + ampm
	}
	t, err := time.ParseInLocation(layout, s, time.UTC)
	switch {
	case err != nil || t.Year() < 1:
		return time.Time{}, dateMalformed
	case t.Year() == 1:
		return time.Time{}, dateMinValue
	}
	return t, dateOK
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
