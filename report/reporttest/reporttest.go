// Package reporttest reads back what package report writes, for golden
// tests: every sheet of an XLSX file as TSV, and a golden-file comparison
// with an -update switch.
package reporttest

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet is one sheet read back.
type Sheet struct {
	Name string
	// TSV is the sheet's cells as excelize shows them (numbers and dates in
	// their number format), a line per row, tab-separated, with backslash,
	// tab, CR and LF inside a cell escaped as \\ \t \r \n.
	TSV string
}

// DumpXLSX reads an XLSX file and returns its sheets in tab order.
func DumpXLSX(r io.Reader) ([]Sheet, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Sheet
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Sheet{name, TSV(rows)})
	}
	return out, nil
}

// DumpXLSXFile is DumpXLSX of a file.
func DumpXLSXFile(path string) ([]Sheet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return DumpXLSX(bytes.NewReader(b))
}

var escaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\r", `\r`, "\n", `\n`)

// TSV renders rows of cells as tab-separated lines, escaping as Sheet.TSV
// says.
func TSV(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(escaper.Replace(c))
		}
		b.WriteByte('\n')
	}
	return b.String()
}
