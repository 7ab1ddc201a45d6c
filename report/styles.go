package report

import (
	"github.com/xuri/excelize/v2"
)

// toneColour is how a tone looks: a cell's fill and font, and a chart
// series' fill.
type toneColour struct {
	fill, font, chart string
	bold              bool
}

var toneColours = [...]toneColour{
	TonePlain:   {chart: "A6A6A6"},
	ToneHeading: {fill: "D9E1F2", font: "1F3864", bold: true},
	ToneGood:    {fill: "C6EFCE", font: "006100", chart: "70AD47"},
	ToneInfo:    {fill: "DDEBF7", font: "44546A", chart: "5B9BD5"},
	ToneWarn:    {fill: "FFEB9C", font: "9C5700", chart: "FFC000"},
	ToneBad:     {fill: "FFC7CE", font: "9C0006", chart: "C00000"},
}

// styleKey is what a cell's style depends on.
type styleKey struct {
	tone  Tone
	kind  Kind
	right bool // AlignRight
	wrap  bool // the column wraps
	top   bool // the sheet has wrapping columns: every cell at the top of its row
	// quoted asks for quotePrefix (text only): Excel and LibreOffice show
	// such a cell's text as it is and keep it text when someone edits it
	// (as typing a leading apostrophe does), so "=1+1" never becomes a
	// formula.
	quoted bool
}

// styles holds a style id for every styleKey.
type styles struct {
	ids map[styleKey]int
}

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{ids: map[styleKey]int{}}
	datefmt := dateFormat
	var text []styleKey // the text styles, to copy with quotePrefix
	for t, tc := range toneColours {
		for _, k := range []Kind{KindText, KindInt, KindDate} {
			for _, right := range []bool{false, true} {
				for _, wrap := range []bool{false, true} {
					for _, top := range []bool{false, true} {
						if wrap && !top {
							continue // a sheet that wraps aligns to the top
						}
						key := styleKey{tone: Tone(t), kind: k, right: right, wrap: wrap, top: top}
						s := excelize.Style{}
						if tc.fill != "" {
							s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{tc.fill}}
						}
						if tc.font != "" || tc.bold {
							s.Font = &excelize.Font{Color: tc.font, Bold: tc.bold}
						}
						if k == KindDate {
							s.CustomNumFmt = &datefmt
						}
						if right || wrap || top {
							s.Alignment = &excelize.Alignment{WrapText: wrap}
							if right {
								s.Alignment.Horizontal = "right"
							}
							if top {
								s.Alignment.Vertical = "top"
							}
						}
						id := 0 // the default style: plain text or number
						if t != int(TonePlain) || k == KindDate || right || top {
							var err error
							if id, err = f.NewStyle(&s); err != nil {
								return nil, err
							}
						}
						st.ids[key] = id
						if k == KindText {
							text = append(text, key)
						}
					}
				}
			}
		}
	}
	// excelize's Style has no quotePrefix: append a copy of each text style's
	// cell format with it set. Every NewStyle above comes first, so no later
	// lookup of an equal style can land on a copy.
	xfs := f.Styles.CellXfs
	for _, key := range text {
		xf := xfs.Xf[st.ids[key]]
		xf.QuotePrefix = ptr(true)
		xfs.Xf = append(xfs.Xf, xf)
		xfs.Count = len(xfs.Xf)
		key.quoted = true
		st.ids[key] = len(xfs.Xf) - 1
	}
	return st, nil
}

// id is the style of cell c, in a column that wraps or not, on a sheet
// that wraps (top) or not; quoted asks for the quote-prefix style of text
// that must not be evaluated.
func (st *styles) id(c Cell, wrap, top, quoted bool) int {
	k := styleKey{tone: c.Tone, kind: c.Kind, right: c.Align == AlignRight, wrap: wrap, top: top || wrap, quoted: quoted && c.Kind == KindText}
	if int(k.tone) >= len(toneColours) {
		k.tone = TonePlain
	}
	if k.kind == KindEmpty {
		k.kind = KindText
	}
	return st.ids[k]
}
