package report

import (
	"bufio"
	"io"
	"strings"
)

// bom is the UTF-8 byte order mark, which tells Excel on Windows the file
// is UTF-8 rather than the ANSI code page.
const bom = "\ufeff"

// WriteCSV writes one sheet as RFC 4180 CSV in UTF-8: the header row (when
// the sheet has one), then every row, CRLF line ends, fields quoted when
// they hold a comma, a double quote, CR or LF (or begin or end with a
// space), quotes doubled. Text is written byte for byte, but for one
// change: text that could start a formula (= + - @ | or their fullwidth
// forms, also after leading white space; tab or CR) gets a leading
// apostrophe so that a spreadsheet application shows it as text and never
// runs it as a formula. Numbers are decimal and dates RFC 3339 in UTC. withBOM starts
// the file with a byte order mark, for Excel on Windows.
func WriteCSV(w io.Writer, s Sheet, withBOM bool) error {
	bw := bufio.NewWriter(w)
	if withBOM {
		bw.WriteString(bom)
	}
	if s.hasHeader() {
		for i, c := range s.Columns {
			writeField(bw, i, Text(c.Header))
		}
		bw.WriteString("\r\n")
	}
	if s.Rows != nil {
		n := 0
		for cells := range s.Rows {
			n++
			for i := range s.Columns {
				var c Cell
				if i < len(cells) {
					c = cells[i]
				}
				writeField(bw, i, c)
			}
			bw.WriteString("\r\n")
			if _, err := bw.Write(nil); err != nil { // a write failed: stop
				return err
			}
		}
	}
	if err := s.rowsErr(); err != nil {
		return err
	}
	return bw.Flush()
}

func writeField(bw *bufio.Writer, i int, c Cell) {
	if i > 0 {
		bw.WriteByte(',')
	}
	v := c.String()
	if c.Kind == KindText && risky(v) {
		v = "'" + v
	}
	if v == "" {
		return
	}
	if !strings.ContainsAny(v, ",\"\r\n") && v[0] != ' ' && v[len(v)-1] != ' ' {
		bw.WriteString(v)
		return
	}
	bw.WriteByte('"')
	bw.WriteString(strings.ReplaceAll(v, `"`, `""`))
	bw.WriteByte('"')
}
