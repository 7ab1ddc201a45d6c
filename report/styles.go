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

// styles holds a style id for every tone and kind, and for text a second
// one with quotePrefix set: Excel and LibreOffice show such a cell's text
// as it is and keep it text when someone edits it (as typing a leading
// apostrophe does), so "=1+1" never becomes a formula.
type styles struct {
	ids [len(toneColours)][KindDate + 1]int
	// quoted[t] is ids[t][KindText] with quotePrefix.
	quoted [len(toneColours)]int
}

func newStyles(f *excelize.File) (*styles, error) {
	st := &styles{}
	datefmt := dateFormat
	for t, tc := range toneColours {
		base := excelize.Style{}
		if tc.fill != "" {
			base.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{tc.fill}}
		}
		if tc.font != "" || tc.bold {
			base.Font = &excelize.Font{Color: tc.font, Bold: tc.bold}
		}
		for _, k := range []Kind{KindText, KindInt, KindDate} {
			s := base
			if k == KindDate {
				s.CustomNumFmt = &datefmt
			}
			if t == int(TonePlain) && k != KindDate {
				continue // id 0, the default style
			}
			id, err := f.NewStyle(&s)
			if err != nil {
				return nil, err
			}
			st.ids[t][k] = id
		}
	}
	// excelize's Style has no quotePrefix: append a copy of each text style's
	// cell format with it set. Every NewStyle above comes first, so no later
	// lookup of an equal style can land on a copy.
	xfs := f.Styles.CellXfs
	for t := range toneColours {
		xf := xfs.Xf[st.ids[t][KindText]]
		xf.QuotePrefix = ptr(true)
		xfs.Xf = append(xfs.Xf, xf)
		xfs.Count = len(xfs.Xf)
		st.quoted[t] = len(xfs.Xf) - 1
	}
	return st, nil
}

// id is the style of a cell of kind k in tone t; quoted asks for the
// quote-prefix style of text that must not be evaluated.
func (st *styles) id(t Tone, k Kind, quoted bool) int {
	if int(t) >= len(toneColours) {
		t = TonePlain
	}
	if quoted && k == KindText {
		return st.quoted[t]
	}
	return st.ids[t][k]
}
