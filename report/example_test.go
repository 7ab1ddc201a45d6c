package report_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/report"
)

// A sheet written as CSV: numbers in decimal, dates in RFC 3339 UTC, and
// text that a spreadsheet would run as a formula behind an apostrophe.
func ExampleWriteCSV() {
	seen := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s := report.Sheet{
		Name:    "Findings",
		Columns: []report.Column{{Header: "Principal"}, {Header: "Severity"}, {Header: "Roles"}, {Header: "Seen (UTC)"}},
		Rows: report.RowsOf([][]report.Cell{
			{report.Text("Alice Adams"), report.Text("high").WithTone(report.ToneBad), report.Int(3), report.Date(seen)},
			{report.Text(`=HYPERLINK("http://evil.example","Bob")`), report.Text("low"), report.Int(1), report.Date(seen)},
		}),
	}
	var b strings.Builder
	if err := report.WriteCSV(&b, s, false); err != nil {
		panic(err)
	}
	fmt.Print(strings.ReplaceAll(b.String(), "\r\n", "\n")) // lines end in CRLF
	// Output:
	// Principal,Severity,Roles,Seen (UTC)
	// Alice Adams,high,3,2026-11-22T12:00:00Z
	// "'=HYPERLINK(""http://evil.example"",""Bob"")",low,1,2026-11-22T12:00:00Z
}
