package report

import (
	"encoding/csv"
	"io"
	"strings"
)

// bom is the UTF-8 byte order mark, which tells Excel on Windows the file
// is UTF-8 rather than the ANSI code page.
const bom = "\ufeff"

// WriteCSV writes one sheet as RFC 4180 CSV in UTF-8 with encoding/csv:
// the header row (when the sheet has one), then every row, CRLF line ends,
// fields quoted when they hold a comma, a double quote or a line break, or
// begin with a space, quotes doubled. Text is written as it is, but for two
// changes: text that could start a formula (= + - @ | or their fullwidth
// forms, also after leading white space; tab or CR) gets a leading
// apostrophe so that a spreadsheet application shows it as text and never
// runs it as a formula; and a line break inside a field (LF, CR or CRLF) is
// written as CRLF. Numbers are decimal and dates RFC 3339 in UTC. withBOM
// starts the file with a byte order mark, for Excel on Windows.
func WriteCSV(w io.Writer, s Sheet, withBOM bool) error {
	if withBOM {
		if _, err := io.WriteString(w, bom); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, len(s.Columns))
	if s.hasHeader() {
		for i, c := range s.Columns {
			rec[i] = csvField(Text(c.Header))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if s.Rows != nil {
		for cells := range s.Rows {
			for i := range s.Columns {
				var c Cell
				if i < len(cells) {
					c = cells[i]
				}
				rec[i] = csvField(c)
			}
			if err := cw.Write(rec); err != nil { // a write failed: stop
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return s.rowsErr()
}

// csvField is a cell's text as the CSV holds it: guarded against formulas,
// and with a lone CR turned into a line break. encoding/csv with UseCRLF
// writes LF as CRLF but drops a CR, which would join the text on either
// side of it.
func csvField(c Cell) string {
	v := c.String()
	if c.Kind == KindText && risky(v) {
		v = "'" + v
	}
	if strings.IndexByte(v, '\r') >= 0 {
		v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	}
	return v
}
