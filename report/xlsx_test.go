package report

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func openXLSX(t *testing.T, wb Workbook) (*excelize.File, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteXLSX(&b, wb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, b.Bytes()
}

func zipFile(t *testing.T, raw []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == name {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return string(b)
		}
	}
	return ""
}

// col is the letter of the Assignments column with header h.
func col(t *testing.T, h string) string {
	t.Helper()
	for i, c := range assignmentColumns {
		if c.Header == h {
			name, err := excelize.ColumnNumberToName(i + 1)
			if err != nil {
				t.Fatal(err)
			}
			return name
		}
	}
	t.Fatalf("no column %q", h)
	return ""
}

// TestXLSXLayout checks what the TSV goldens cannot see: frozen headers,
// filters, widths, real date and number cells, colours and the chart.
func TestXLSXLayout(t *testing.T) {
	p := testPlan(demoItems)
	f, raw := openXLSX(t, Migration(MigrationInput{Plan: p, PlanFile: "plan.json", Run: demoRun(p), ToolVersion: "test", MadeAt: madeAt}))

	for _, sheet := range []string{"Assignments", "Rejected"} {
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
			t.Errorf("%s panes %+v, %v: want the header row frozen", sheet, panes, err)
		}
	}
	if panes, _ := f.GetPanes("Summary"); panes.Freeze {
		t.Errorf("Summary has no header row to freeze, but panes are %+v", panes)
	}
	filters := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters[dn.Scope] = dn.RefersTo
		}
	}
	last := col(t, "Key")
	wantFilters := map[string]string{"Assignments": "'Assignments'!$A$1:$" + last + "$11", "Role settings": "'Role settings'!$A$1:$S$1", "Rejected": "'Rejected'!$A$1:$C$3"}
	if fmt.Sprint(filters) != fmt.Sprint(wantFilters) {
		t.Errorf("filters %v, want %v", filters, wantFilters)
	}
	if sheet := zipFile(t, raw, "xl/worksheets/sheet2.xml"); !strings.Contains(sheet, `<autoFilter ref="$A$1:$`+last+`$11">`) {
		t.Errorf("Assignments has no autoFilter element")
	}

	// Header: bold on a fill. Outcomes: coloured by what they mean.
	fill := func(sheet, cell string) (string, bool) {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		colour := ""
		if len(st.Fill.Color) > 0 {
			colour = st.Fill.Color[0]
		}
		return colour, st.Font != nil && st.Font.Bold
	}
	if c, bold := fill("Assignments", "A1"); c != toneColours[ToneHeading].fill || !bold {
		t.Errorf("header A1: fill %q bold %v", c, bold)
	}
	o := col(t, "Outcome")
	for cell, tone := range map[string]Tone{o + "2": ToneGood, o + "4": ToneBad, o + "5": ToneInfo, o + "6": ToneWarn, o + "10": ToneWarn, o + "9": ToneInfo, "A2": TonePlain} {
		if c, _ := fill("Assignments", cell); c != toneColours[tone].fill {
			v, _ := f.GetCellValue("Assignments", cell)
			t.Errorf("%s (%s): fill %q, want %q", cell, v, c, toneColours[tone].fill)
		}
	}

	// Dates are numbers with a date format; integers are numbers.
	for cell, want := range map[string]time.Time{col(t, "Time (UTC)") + "2": applied.Add(time.Second), col(t, "Legacy expiry (UTC)") + "3": expiry} {
		v, _ := f.GetCellValue("Assignments", cell, excelize.Options{RawCellValue: true})
		serial, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Errorf("%s holds %q, not a date serial number", cell, v)
			continue
		}
		got, _ := excelize.ExcelDateToTime(serial, false)
		if d := got.Sub(want); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s is %v, want %v", cell, got, want)
		}
		id, _ := f.GetCellStyle("Assignments", cell)
		st, _ := f.GetStyle(id)
		if st.CustomNumFmt == nil || *st.CustomNumFmt != dateFormat {
			t.Errorf("%s number format %v, want %q", cell, st.CustomNumFmt, dateFormat)
		}
	}
	for _, cell := range []string{col(t, "HTTP status") + "2", col(t, "Attempts") + "3"} {
		typ, _ := f.GetCellType("Assignments", cell)
		v, _ := f.GetCellValue("Assignments", cell, excelize.Options{RawCellValue: true})
		if _, err := strconv.Atoi(v); err != nil || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("%s holds %q (type %v), want a number", cell, v, typ)
		}
	}

	// Widths: as given, or from the header and the first rows.
	for col, want := range map[string]float64{last: 75, col(t, "New object ID"): 38} {
		if w, _ := f.GetColWidth("Assignments", col); w != want {
			t.Errorf("column %s width %v, want %v", col, w, want)
		}
	}
	if w, _ := f.GetColWidth("Assignments", "B"); w < minWidth || w > maxWidth {
		t.Errorf("column B width %v", w)
	}

	// The chart of outcomes by role, drawn on the Summary over its table.
	if sheet := zipFile(t, raw, "xl/worksheets/sheet1.xml"); !strings.Contains(sheet, "<drawing") {
		t.Errorf("Summary has no drawing")
	}
	chart := zipFile(t, raw, "xl/charts/chart1.xml")
	for _, s := range []string{"Outcomes by role", `<barDir val="bar">`, `<grouping val="stacked">`, `<varyColors val="0">`, "&#39;Summary&#39;!$A$", "&#39;Summary&#39;!$C$", toneColours[ToneGood].chart} {
		if !strings.Contains(chart, s) {
			t.Errorf("chart lacks %q", s)
		}
	}
}

// TestXLSXManyRows writes enough rows for the stream writer to spill to its
// temporary file, and finds every row in the sheet's XML (excelize reads
// large sheets back slowly).
func TestXLSXManyRows(t *testing.T) {
	const n = 15_000
	var b bytes.Buffer
	if err := WriteXLSX(&b, Workbook{Sheets: []Sheet{benchSheet(n)}}); err != nil {
		t.Fatal(err)
	}
	sheet := zipFile(t, b.Bytes(), "xl/worksheets/sheet1.xml")
	if len(sheet) <= excelize.StreamChunkSize {
		t.Fatalf("the sheet is %d bytes: too small to spill", len(sheet))
	}
	if got := strings.Count(sheet, "<row "); got != n+1 {
		t.Errorf("%d rows, want %d", got, n+1)
	}
	last := fmt.Sprintf(`<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>user %d</t></is></c>`, n+1, n+1, n-1, n+1, n-1)
	if !strings.Contains(sheet, last) || !strings.HasSuffix(sheet, "</worksheet>") {
		t.Errorf("the last row or the end of the sheet is missing")
	}
}

func TestXLSXEdgeCases(t *testing.T) {
	// A sheet with no rows still has its header, frozen and filtered.
	f, _ := openXLSX(t, Workbook{Sheets: []Sheet{{Name: "Empty", Columns: []Column{{Header: "A"}, {Header: "B"}}, AutoFilter: true}}})
	rows, _ := f.GetRows("Empty")
	if len(rows) != 1 || strings.Join(rows[0], ",") != "A,B" {
		t.Errorf("rows %q", rows)
	}
	if dn := f.GetDefinedName(); len(dn) != 2 || dn[0].RefersTo != "'Empty'!$A$1:$B$1" || dn[1].Name != "_xlnm.Print_Titles" {
		t.Errorf("defined names %+v", dn)
	}
	// Short rows, empty cells, a tone on an empty cell.
	f, _ = openXLSX(t, Workbook{Sheets: []Sheet{{Name: "S", Columns: []Column{{Header: "A"}, {Header: "B"}, {Header: "C"}},
		Rows: RowsOf([][]Cell{{Text("x")}, {{}, Int(-3), Date(time.Time{}).WithTone(ToneBad)}, {Text(""), Text("y")}})}}})
	rows, _ = f.GetRows("S")
	if got := fmt.Sprintf("%q", rows); got != `[["A" "B" "C"] ["x"] ["" "-3"] ["" "y"]]` {
		t.Errorf("rows %s", got)
	}
}

// A chart on a sheet whose name has an apostrophe refers to it quoted.
func TestXLSXChartOnQuotedSheet(t *testing.T) {
	s := Sheet{Name: "Bob's roles", Columns: []Column{{Header: "Role"}, {Header: "Count"}},
		Rows:   RowsOf([][]Cell{{Text("Reader"), Int(2)}, {Text("Writer"), Int(3)}}),
		Charts: []Chart{{Title: "Roles", At: "D2", NameRow: 1, FirstRow: 2, LastRow: 3, Category: 1, Series: []Series{{Column: 2}}}}}
	_, raw := openXLSX(t, Workbook{Sheets: []Sheet{s}})
	if chart := zipFile(t, raw, "xl/charts/chart1.xml"); !strings.Contains(chart, "&#39;Bob&#39;&#39;s roles&#39;!$B$2:$B$3") {
		t.Errorf("chart does not refer to the sheet:\n%s", chart)
	}
}

func TestXLSXRefuses(t *testing.T) {
	cols := []Column{{Header: "A"}}
	tests := []struct {
		name string
		wb   Workbook
		want string
	}{
		{"no sheets", Workbook{}, "needs a sheet"},
		{"no name", Workbook{Sheets: []Sheet{{Columns: cols}}}, "1 to 31 characters"},
		{"long name", Workbook{Sheets: []Sheet{{Name: strings.Repeat("x", 32), Columns: cols}}}, "1 to 31 characters"},
		{"bad character", Workbook{Sheets: []Sheet{{Name: "a/b", Columns: cols}}}, "none of"},
		{"apostrophe", Workbook{Sheets: []Sheet{{Name: "'quoted'", Columns: cols}}}, "apostrophe"},
		{"twice", Workbook{Sheets: []Sheet{{Name: "Same", Columns: cols}, {Name: "same", Columns: cols}}}, "appears twice"},
		{"no columns", Workbook{Sheets: []Sheet{{Name: "S"}}}, "no columns"},
		{"long row", Workbook{Sheets: []Sheet{{Name: "S", Columns: cols, Rows: RowsOf([][]Cell{{Text("a"), Text("b")}})}}}, "row 1 has 2 cells"},
		{"bad chart", Workbook{Sheets: []Sheet{{Name: "S", Columns: cols, Charts: []Chart{{Title: "c", At: "C1"}}}}}, "chart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteXLSX(io.Discard, tt.wb)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

type failingWriter struct{ after int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errDiskFull
	}
	return len(p), nil
}

func TestWritersReportWriteErrors(t *testing.T) {
	if err := WriteXLSX(&failingWriter{after: 1000}, Workbook{Sheets: []Sheet{benchSheet(2000)}}); !errors.Is(err, errDiskFull) {
		t.Errorf("WriteXLSX: %v, want the writer's error", err)
	}
	if err := WriteCSV(&failingWriter{after: 1000}, benchSheet(2000), false); !errors.Is(err, errDiskFull) {
		t.Errorf("WriteCSV: %v, want the writer's error", err)
	}
}

// TestXLSXPrints: every sheet prints landscape, one page wide, with its
// header row on every page; a numeric column's header is right-aligned
// over its numbers; a wrapping column wraps; chart axis labels are dark.
func TestXLSXPrints(t *testing.T) {
	wb := Workbook{Sheets: []Sheet{
		{Name: "Data", Columns: []Column{{Header: "Name"}, {Header: "Count", Numeric: true}, {Header: "Detail", Width: 60, Wrap: true}},
			Rows: RowsOf([][]Cell{{Text("a"), Int(3), Text(strings.Repeat("a long detail ", 20))}, {Text("b"), Int(4), Text("short")}})},
		{Name: "Summary", Columns: []Column{{Width: 20}, {Width: 10}},
			Rows:   RowsOf([][]Cell{{Text("Role").WithTone(ToneHeading), Text("Items").WithTone(ToneHeading).Right()}, {Text("x"), Int(1)}, {Text("y"), Int(2)}}),
			Charts: []Chart{{Title: "c", At: "D2", NameRow: 1, FirstRow: 2, LastRow: 3, Category: 1, Series: []Series{{Column: 2, Tone: ToneGood}}}}},
	}}
	f, raw := openXLSX(t, wb)
	for _, name := range []string{"Data", "Summary"} {
		pl, err := f.GetPageLayout(name)
		if err != nil {
			t.Fatal(err)
		}
		props, _ := f.GetSheetProps(name)
		if pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 ||
			pl.FitToHeight == nil || *pl.FitToHeight != 0 || props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s: page layout %+v, fit to page %v: want landscape, one page wide", name, pl, props.FitToPage)
		}
	}
	titles := ""
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" {
			titles += dn.Scope + "=" + dn.RefersTo + " "
		}
	}
	if titles != "Data='Data'!$1:$1 " {
		t.Errorf("print titles %q: want the header row of Data (Summary has none)", titles)
	}
	align := func(cell, sheet string) (string, bool) {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil || st.Alignment == nil {
			return "", false
		}
		return st.Alignment.Horizontal, st.Alignment.WrapText
	}
	if h, _ := align("B1", "Data"); h != "right" {
		t.Errorf("the Count header is aligned %q, want right", h)
	}
	if h, _ := align("B1", "Summary"); h != "right" {
		t.Errorf("the Items heading is aligned %q, want right", h)
	}
	if h, _ := align("A1", "Data"); h == "right" {
		t.Error("a text header is right-aligned")
	}
	if _, wrap := align("C2", "Data"); !wrap {
		t.Error("the Detail column does not wrap")
	}
	chart := zipFile(t, raw, "xl/charts/chart1.xml")
	for _, axis := range []string{"catAx", "valAx"} {
		i := strings.Index(chart, "<"+axis+">")
		j := strings.Index(chart, "</"+axis+">")
		if i < 0 || j < i || !strings.Contains(chart[i:j], `<a:srgbClr val="`+axisColour+`"`) {
			t.Errorf("%s labels are not %s:\n%s", axis, axisColour, chart[max(i, 0):max(j, 0)])
		}
	}
}
