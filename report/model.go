package report

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Workbook is the sheets of one XLSX file, in tab order.
type Workbook struct {
	Sheets []Sheet
}

// Sheet is one worksheet.
type Sheet struct {
	// Name is the tab name: at most 31 characters, none of : \ / ? * [ ],
	// not beginning or ending with an apostrophe.
	Name string
	// Columns are the sheet's columns, left to right. When any has a header,
	// row 1 is the header row (bold, filled, frozen); otherwise the sheet
	// starts with its first row.
	Columns []Column
	// Rows yields the rows in order. A writer ranges it once, and may be
	// handed the same slice again for the next row: a row is used before the
	// next is asked for. A row may be shorter than Columns (the rest is
	// empty), never longer.
	Rows iter.Seq[[]Cell]
	// Err, when set, is asked once Rows has been ranged: an error (the
	// source of the rows failed part way) fails the write.
	Err func() error
	// AutoFilter puts a filter on the header row over every row written.
	AutoFilter bool
	// Charts are drawn over the sheet's own cells (XLSX only).
	Charts []Chart
}

// Column is one column of a sheet.
type Column struct {
	Header string
	// Width is in characters; 0 sizes the column to its header and the
	// first rows, between 8 and 60.
	Width float64
	// Numeric right-aligns the header, over the numbers below it.
	Numeric bool
	// Wrap wraps the column's text within its width (XLSX).
	Wrap bool
}

// Kind is what a cell holds.
type Kind uint8

// Cell kinds.
const (
	KindEmpty Kind = iota
	KindText
	KindInt
	KindDate
)

// Tone colours a cell by what its value means.
type Tone uint8

// Tones. Writers may show them any way they like; WriteXLSX fills the cell.
const (
	TonePlain   Tone = iota
	ToneHeading      // bold on the header fill: a section title
	ToneGood         // green: done as asked (created)
	ToneInfo         // blue-grey: nothing to do (already there)
	ToneWarn         // amber: left out or not done (skipped, declined, not sent)
	ToneBad          // red: failed
)

// Align places a cell's value in its column.
type Align uint8

// Alignments. The default puts text left and numbers right.
const (
	AlignDefault Align = iota
	AlignRight         // a heading over numbers
)

// Cell is one value. The zero Cell is empty.
type Cell struct {
	Kind Kind
	Text string
	Int  int64
	// Time is written in UTC.
	Time  time.Time
	Tone  Tone
	Align Align
}

// Text is a text cell; "" is an empty cell.
func Text(s string) Cell {
	if s == "" {
		return Cell{}
	}
	return Cell{Kind: KindText, Text: s}
}

// Int is a number cell.
func Int(n int) Cell { return Cell{Kind: KindInt, Int: int64(n)} }

// Date is a date-and-time cell; the zero time is an empty cell.
func Date(t time.Time) Cell {
	if t.IsZero() {
		return Cell{}
	}
	return Cell{Kind: KindDate, Time: t.UTC()}
}

// WithTone returns the cell coloured by t.
func (c Cell) WithTone(t Tone) Cell {
	c.Tone = t
	return c
}

// Right returns the cell aligned right: a heading over numbers.
func (c Cell) Right() Cell {
	c.Align = AlignRight
	return c
}

// String is the cell's value as CSV writes it (before the formula guard):
// text as is, integers in decimal, dates in RFC 3339 UTC.
func (c Cell) String() string {
	switch c.Kind {
	case KindText:
		return c.Text
	case KindInt:
		return strconv.FormatInt(c.Int, 10)
	case KindDate:
		return c.Time.UTC().Format(time.RFC3339)
	}
	return ""
}

// RowsOf yields rows held in memory, for small sheets.
func RowsOf(rows [][]Cell) iter.Seq[[]Cell] {
	return func(yield func([]Cell) bool) {
		for _, r := range rows {
			if !yield(r) {
				return
			}
		}
	}
}

// Chart is a stacked bar chart of a block of the sheet's own cells: one bar
// per category row, one segment per series column.
type Chart struct {
	Title string
	// At is the cell of the chart's top-left corner, e.g. "H2".
	At string
	// NameRow is the sheet row (1-based, the header row is 1 when there is
	// one) holding the series names; FirstRow and LastRow are the rows of the
	// categories.
	NameRow, FirstRow, LastRow int
	// Category is the column (1-based) of the category names.
	Category int
	// Series are the value columns, each coloured by its tone.
	Series []Series
	// NewPage starts a printed page at the chart's row, so that the chart
	// is not cut across two pages.
	NewPage bool
}

// Series is one value column of a chart.
type Series struct {
	Column int // 1-based
	Tone   Tone
	// Color is the series' fill as "RRGGBB"; empty takes the tone's.
	Color string
}

// hasHeader reports whether the sheet has a header row.
func (s *Sheet) hasHeader() bool {
	for _, c := range s.Columns {
		if c.Header != "" {
			return true
		}
	}
	return false
}

// rowsErr is Err's answer, nil when the sheet has no Err.
func (s *Sheet) rowsErr() error {
	if s.Err == nil {
		return nil
	}
	return s.Err()
}

// check verifies what a spreadsheet application would refuse.
func (wb *Workbook) check() error {
	if len(wb.Sheets) == 0 {
		return fmt.Errorf("report: a workbook needs a sheet")
	}
	seen := map[string]bool{}
	for i := range wb.Sheets {
		s := &wb.Sheets[i]
		switch {
		case s.Name == "" || len([]rune(s.Name)) > 31:
			return fmt.Errorf("report: sheet name %q: want 1 to 31 characters", s.Name)
		case strings.ContainsAny(s.Name, `:\/?*[]`):
			return fmt.Errorf("report: sheet name %q: none of : \\ / ? * [ ] may appear", s.Name)
		case strings.HasPrefix(s.Name, "'") || strings.HasSuffix(s.Name, "'"):
			return fmt.Errorf("report: sheet name %q may not begin or end with an apostrophe", s.Name)
		case seen[strings.ToLower(s.Name)]:
			return fmt.Errorf("report: sheet name %q appears twice", s.Name)
		case len(s.Columns) == 0:
			return fmt.Errorf("report: sheet %q has no columns", s.Name)
		}
		seen[strings.ToLower(s.Name)] = true
	}
	return nil
}

// risky reports whether text could be read as a formula (or a DDE command)
// by a spreadsheet application (OWASP, "CSV Injection"): it begins with a
// tab or carriage return, or — after any leading white space — with
// = + - @ or the DDE pipe |, or their fullwidth forms ＝ ＋ － ＠ ｜, which
// some applications take for the same.
func risky(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '\t' || s[0] == '\r' {
		return true
	}
	r, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(s, unicode.IsSpace))
	return strings.ContainsRune("=+-@|＝＋－＠｜", r)
}
