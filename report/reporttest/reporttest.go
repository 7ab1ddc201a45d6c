// Package reporttest reads back what package report writes, for golden
// tests: every sheet of an XLSX file as TSV, and a golden-file comparison
// with an -update switch.
package reporttest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// Golden compares got with the file testdata/<top-level test name>/<name>.golden,
// rewriting it first when update is set (go test -update).
func Golden(t testing.TB, name, got string, update bool) {
	t.Helper()
	top, _, _ := strings.Cut(t.Name(), "/")
	p := filepath.Join("testdata", top, name+".golden")
	if update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("differs from %s (go test -update rewrites it):\n%s", p, diff(string(want), got))
	}
}

// diff shows the first lines that differ.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			shown++
			fmt.Fprintf(&b, "line %d:\n  want %s\n   got %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
