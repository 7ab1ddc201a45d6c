package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWriteCSV(t *testing.T) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	cols := []Column{{Header: "Name"}, {Header: "N"}, {Header: "When"}}
	tests := []struct {
		name string
		cols []Column
		rows [][]Cell
		bom  bool
		want string
	}{
		{"plain", cols, [][]Cell{{Text("alice"), Int(3), Date(at)}}, false,
			"Name,N,When\r\nalice,3,2026-11-22T11:00:00Z\r\n"},
		{"bom", cols, nil, true, "\ufeffName,N,When\r\n"},
		{"quoting", cols, [][]Cell{
			{Text("Brown, Bob"), Int(-1), Cell{}},
			{Text(`say "hi"`)},
			{Text("two\nlines")},
			{Text("cr\rinside")},
			{Text("crlf\r\ninside")},
			{Text(" padded ")},
			{Text("trailing ")},
			{Text("\u00a0no-break space")},
			{Text(`\.`)},
			{Text("Zoë ✓")},
		}, false, "Name,N,When\r\n" +
			"\"Brown, Bob\",-1,\r\n" +
			"\"say \"\"hi\"\"\",,\r\n" +
			"\"two\r\nlines\",,\r\n" + // every line break in a field is CRLF
			"\"cr\r\ninside\",,\r\n" +
			"\"crlf\r\ninside\",,\r\n" +
			"\" padded \",,\r\n" + // a leading space (any Unicode space) is quoted
			"trailing ,,\r\n" + // a trailing one needs no quotes
			"\"\u00a0no-break space\",,\r\n" +
			"\"\\.\",,\r\n" + // as encoding/csv quotes it (PostgreSQL's end of data)
			"Zoë ✓,,\r\n"},
		{"formula signs", cols, [][]Cell{
			{Text("=1+1")}, {Text("+1")}, {Text("-1")}, {Text("@SUM(A1)")}, {Text("\t=1")}, {Text("\r=1")},
			{Text(`=HYPERLINK("http://x","y")`)}, {Text("a=1")},
		}, false, "Name,N,When\r\n" +
			"'=1+1,,\r\n'+1,,\r\n'-1,,\r\n'@SUM(A1),,\r\n'\t=1,,\r\n\"'\r\n=1\",,\r\n" +
			"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",,\r\n" +
			"a=1,,\r\n"},
		{"no header", []Column{{}, {}}, [][]Cell{{Text("a"), Text("b")}}, false, "a,b\r\n"},
		{"header text is guarded too", []Column{{Header: "=x"}}, nil, false, "'=x\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteCSV(&b, Sheet{Name: "S", Columns: tt.cols, Rows: RowsOf(tt.rows)}, tt.bom); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

// A negative number is a number, not text: it keeps its sign.
func TestWriteCSVNumbersUnguarded(t *testing.T) {
	var b bytes.Buffer
	WriteCSV(&b, Sheet{Name: "S", Columns: []Column{{}}, Rows: RowsOf([][]Cell{{Int(-5)}})}, false)
	if strings.Contains(b.String(), "'") {
		t.Errorf("got %q", b.String())
	}
}
