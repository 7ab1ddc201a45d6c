package report

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Layout of written sheets.
const (
	sampleRows = 100 // rows looked at to size columns without a width
	minWidth   = 8
	maxWidth   = 60
	dateFormat = "yyyy-mm-dd hh:mm:ss"
	dateChars  = 19
	// axisColour is the charts' axis labels: near black, to read on paper
	// (the default grey is faint).
	axisColour = "262626"
)

// WriteXLSX writes the workbook to w as an XLSX file. Each sheet is streamed
// (excelize's StreamWriter, which keeps at most a bounded chunk in memory
// and spills the rest to a temporary file) and the zip is written straight
// to w, so memory does not grow with the number of rows. A sheet with a
// header row has it frozen; AutoFilter puts a filter on it.
func WriteXLSX(w io.Writer, wb Workbook) error {
	if err := wb.check(); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close() // removes the stream writers' temporary files
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("report: styles: %w", err)
	}
	for i := range wb.Sheets {
		s := &wb.Sheets[i]
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), s.Name)
		} else {
			_, err = f.NewSheet(s.Name)
		}
		if err != nil {
			return fmt.Errorf("report: sheet %s: %w", s.Name, err)
		}
		if err := writeSheet(f, st, s); err != nil {
			return fmt.Errorf("report: sheet %s: %w", s.Name, err)
		}
	}
	// The first sheet stays the active one, as NewFile made it: calling
	// SetActiveSheet now would read every streamed sheet back into memory.

	// excelize assembles the zip in a bytes.Buffer it then copies to w; a
	// ZipWriter on w itself streams it instead (the buffer stays empty).
	var zw *zip.Writer
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw = zip.NewWriter(w)
		return zw
	})
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("report: write xlsx: %w", err)
	}
	if zw == nil {
		return fmt.Errorf("report: write xlsx: excelize did not use the zip writer")
	}
	return nil
}

// sheetWriter streams one sheet. The first rows are held back to size the
// columns, which must be set before the first row is written.
type sheetWriter struct {
	f       *excelize.File
	st      *styles
	s       *Sheet
	sw      *excelize.StreamWriter
	held    [][]Cell
	started bool
	row     int       // last sheet row written
	vals    []any     // reused for every row
	widths  []float64 // of the columns, in characters, once started
	wraps   bool      // a column wraps: every cell sits at the top of its row
}

func writeSheet(f *excelize.File, st *styles, s *Sheet) error {
	// Printed, a sheet is as wide as one landscape page and as long as it
	// takes, with its header row on every page. The sheet properties are
	// written when the stream starts, the page setup when it ends.
	if err := f.SetSheetProps(s.Name, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(s.Name)
	if err != nil {
		return err
	}
	w := &sheetWriter{f: f, st: st, s: s, sw: sw, vals: make([]any, len(s.Columns)), widths: make([]float64, len(s.Columns))}
	for _, c := range s.Columns {
		w.wraps = w.wraps || c.Wrap
	}
	n := 0
	if s.Rows != nil {
		for cells := range s.Rows {
			n++
			if len(cells) > len(s.Columns) {
				err = fmt.Errorf("row %d has %d cells, the sheet %d columns", n, len(cells), len(s.Columns))
				break
			}
			if err = w.add(cells); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = s.rowsErr()
	}
	if err != nil {
		return err
	}
	if !w.started {
		if err := w.start(); err != nil {
			return err
		}
	}
	if s.AutoFilter && s.hasHeader() {
		last, _ := excelize.CoordinatesToCellName(len(s.Columns), max(w.row, 1))
		// Before Flush: the stream writer writes the worksheet's autoFilter
		// (and the drawing AddChart makes) after the rows.
		if err := f.AutoFilter(s.Name, "A1:"+last, nil); err != nil {
			return err
		}
	}
	for i := range s.Charts {
		if err := w.chart(&s.Charts[i]); err != nil {
			return fmt.Errorf("chart %q: %w", s.Charts[i].Title, err)
		}
	}
	if err := f.SetPageLayout(s.Name, &excelize.PageLayoutOptions{Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0)}); err != nil {
		return err
	}
	if s.hasHeader() {
		err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: s.Name,
			RefersTo: "'" + strings.ReplaceAll(s.Name, "'", "''") + "'!$1:$1"})
		if err != nil {
			return err
		}
	}
	return sw.Flush()
}

func (w *sheetWriter) add(cells []Cell) error {
	if w.started {
		return w.write(cells)
	}
	w.held = append(w.held, append([]Cell(nil), cells...))
	if len(w.held) < sampleRows {
		return nil
	}
	return w.start()
}

// start sizes the columns, freezes and writes the header, and writes the
// rows held back.
func (w *sheetWriter) start() error {
	w.started = true
	header := w.s.hasHeader()
	for i, c := range w.s.Columns {
		width := c.Width
		if width <= 0 {
			width = w.autoWidth(i, header)
		}
		w.widths[i] = width
		if err := w.sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if header {
		if err := w.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		hdr := make([]Cell, len(w.s.Columns))
		for i, c := range w.s.Columns {
			hdr[i] = Text(c.Header).WithTone(ToneHeading) // an empty one keeps the fill
			if c.Numeric {
				hdr[i] = hdr[i].Right()
			}
		}
		if err := w.write(hdr); err != nil {
			return err
		}
	}
	for _, r := range w.held {
		if err := w.write(r); err != nil {
			return err
		}
	}
	w.held = nil
	return nil
}

func (w *sheetWriter) autoWidth(col int, header bool) float64 {
	width := 0
	if header {
		width = utf8.RuneCountInString(w.s.Columns[col].Header) + 3 // the filter button
	}
	for _, r := range w.held {
		if col >= len(r) {
			continue
		}
		n := 0
		switch c := r[col]; c.Kind {
		case KindText:
			n = utf8.RuneCountInString(c.Text)
		case KindInt:
			n = len(c.String())
		case KindDate:
			n = dateChars
		}
		width = max(width, n+1)
	}
	return float64(min(max(width, minWidth), maxWidth))
}

func (w *sheetWriter) write(cells []Cell) error {
	w.row++
	vals := w.vals[:len(cells)]
	for i, c := range cells {
		vals[i] = nil
		style := w.st.id(c, w.s.Columns[i].Wrap, w.wraps, c.Kind == KindText && risky(c.Text))
		switch c.Kind {
		case KindText:
			vals[i] = excelize.Cell{StyleID: style, Value: c.Text}
		case KindInt:
			vals[i] = excelize.Cell{StyleID: style, Value: c.Int}
		case KindDate:
			vals[i] = excelize.Cell{StyleID: style, Value: c.Time.UTC()}
		default:
			if style != 0 {
				vals[i] = excelize.Cell{StyleID: style}
			}
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	if lines := w.wrappedLines(cells); lines > 1 {
		// Spreadsheets do not all grow a row to its wrapped text on
		// opening (LibreOffice keeps the default height): say how tall.
		return w.sw.SetRow(cell, vals, excelize.RowOpts{Height: lineHeight * float64(lines)})
	}
	return w.sw.SetRow(cell, vals)
}

// lineHeight is the height of a line of text at the default font, in
// points.
const lineHeight = 15

// wrappedLines is how many lines the tallest wrapped cell of a row takes,
// reckoning a character a column's unit of width (most text is narrower).
func (w *sheetWriter) wrappedLines(cells []Cell) int {
	lines := 1
	for i, c := range cells {
		if c.Kind != KindText || !w.s.Columns[i].Wrap || w.widths[i] < 1 {
			continue
		}
		n := 0
		for _, para := range strings.Split(c.Text, "\n") {
			n += max(1, int(math.Ceil(float64(utf8.RuneCountInString(para))/w.widths[i])))
		}
		lines = max(lines, n)
	}
	return lines
}

func (w *sheetWriter) chart(c *Chart) error {
	if c.Category < 1 || c.NameRow < 1 || c.FirstRow < 1 || c.LastRow < c.FirstRow || len(c.Series) == 0 {
		return fmt.Errorf("needs a category column, a name row, rows and series")
	}
	ref := func(col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col, row, true)
		return name
	}
	sheet := "'" + strings.ReplaceAll(w.s.Name, "'", "''") + "'!"
	cats := sheet + ref(c.Category, c.FirstRow) + ":" + ref(c.Category, c.LastRow)
	ch := &excelize.Chart{
		Type:       excelize.BarStacked,
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.Title}}},
		Legend:     excelize.ChartLegend{Position: "bottom"},
		VaryColors: ptr(false), // a colour per series, not per bar
		// One bar per category: tall enough to read every role's name.
		Dimension: excelize.ChartDimension{Width: 720, Height: uint(min(max(120+22*(c.LastRow-c.FirstRow+1), 320), 4000))},
		XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: axisColour}}, // categories top-down, as in the table
		YAxis:     excelize.ChartAxis{Font: excelize.Font{Color: axisColour}},
	}
	for _, s := range c.Series {
		cs := excelize.ChartSeries{
			Name:       sheet + ref(s.Column, c.NameRow),
			Categories: cats,
			Values:     sheet + ref(s.Column, c.FirstRow) + ":" + ref(s.Column, c.LastRow),
		}
		colour := s.Color
		if colour == "" && int(s.Tone) < len(toneColours) {
			colour = toneColours[s.Tone].chart
		}
		if colour != "" {
			cs.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}
		}
		ch.Series = append(ch.Series, cs)
	}
	if c.NewPage {
		if err := w.f.InsertPageBreak(w.s.Name, c.At); err != nil {
			return err
		}
	}
	return w.f.AddChart(w.s.Name, c.At, ch)
}

func ptr[T any](v T) *T { return &v }
