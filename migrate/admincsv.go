package migrate

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// CSVError is a problem in a CSV an admin wrote (--scope-rules, --add):
// the file, the line, what is wrong and what to do.
type CSVError struct {
	File string
	Line int // 0: the file as a whole
	Msg  string
	Hint string
	Err  error
}

func (e *CSVError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Hint == "" {
		return pos + ": " + e.Msg
	}
	return pos + ": " + e.Msg + "; " + e.Hint
}

func (e *CSVError) Unwrap() error { return e.Err }

// csvRow is one data row: its line and its cells by column name.
type csvRow struct {
	line  int
	cells map[string]string
}

func (r csvRow) get(col string) string { return r.cells[col] }

// readAdminCSV reads a CSV an admin edits in Excel: UTF-8 with or without a
// byte-order mark, CRLF or LF line ends, quoted fields (a quote doubled
// inside), a comma or — as Excel writes in many locales — a semicolon
// between fields (the header decides). The first row is the header: the
// column names in any order and case; each of required must be there, and
// nothing outside required and optional. Rows with every cell blank and
// lines starting with # are skipped. Cells are trimmed of spaces and kept
// as text: a cell that looks like a formula (=, +, -, @) is data, never
// evaluated. what names the file's purpose in messages ("scope rules").
func readAdminCSV(r io.Reader, name, what string, required, optional []string) ([]csvRow, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte("\xff\xfe")), bytes.HasPrefix(head, []byte("\xfe\xff")):
		return nil, &CSVError{File: name, Msg: "the file is UTF-16 text", Hint: `save it as "CSV UTF-8 (Comma delimited)"`}
	}
	first, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	cr := csv.NewReader(br)
	cr.Comment = '#'
	if !bytes.ContainsRune(first, ',') && bytes.ContainsRune(first, ';') {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &CSVError{File: name, Msg: "the file is empty", Hint: "the first row must name the columns: " + strings.Join(required, ",")}
	}
	if err != nil {
		return nil, csvParseError(name, err)
	}
	cols, err := mapAdminHeader(header, required, optional)
	if err != nil {
		line, _ := cr.FieldPos(0)
		return nil, &CSVError{File: name, Line: line, Msg: err.Error(),
			Hint: fmt.Sprintf("the first row of %s must name the columns %s (optional: %s)", what, strings.Join(required, ", "), strings.Join(optional, ", "))}
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, csvParseError(name, err)
		}
		line, _ := cr.FieldPos(0)
		row := csvRow{line: line, cells: make(map[string]string, len(cols))}
		blank := true
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v != "" {
				blank = false
			}
			row.cells[cols[i]] = v
		}
		if !blank {
			rows = append(rows, row)
		}
	}
}

// mapAdminHeader maps each header cell to its column name (lower case).
func mapAdminHeader(header, required, optional []string) ([]string, error) {
	known := map[string]string{}
	for _, c := range append(append([]string{}, required...), optional...) {
		known[strings.ToLower(c)] = c
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		c, ok := known[strings.ToLower(strings.TrimSpace(h))]
		if !ok {
			return nil, fmt.Errorf("unknown column %q", h)
		}
		if seen[c] {
			return nil, fmt.Errorf("column %q appears twice", c)
		}
		seen[c] = true
		cols[i] = c
	}
	var missing []string
	for _, c := range required {
		if !seen[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("no column %s", strings.Join(missing, ", "))
	}
	return cols, nil
}

// csvParseError explains a row encoding/csv could not read.
func csvParseError(name string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", name, err)
	}
	e := &CSVError{File: name, Line: pe.StartLine, Err: err}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		e.Msg = "the row has a different number of fields than the header"
		e.Hint = "a value holding a comma must be in double quotes; give every row one cell per column"
	} else {
		e.Line = pe.Line
		e.Msg = fmt.Sprintf("column %d: %v", pe.Column, pe.Err)
		e.Hint = `a quote inside a value must be doubled ("") and the whole value quoted`
	}
	return e
}

// rowError is the error of a cell of a row.
func rowError(name string, row csvRow, col, format string, args ...any) *CSVError {
	return &CSVError{File: name, Line: row.line, Msg: col + ": " + fmt.Sprintf(format, args...)}
}
