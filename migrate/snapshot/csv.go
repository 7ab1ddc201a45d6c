package snapshot

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// column is a field a CSV may have.
type column uint8

const (
	colODataType column = iota
	colID
	colUserID
	colRoleID
	colIsElevated
	colExpiration
	colResourceID
	colRoleDefinitionID
	colSubjectID
	colLinked
	colStartDateTime
	colEndDateTime
	colAssignmentState
	colMemberType
	colSubject
	numColumns
)

// columns maps each field to its column index, -1 when the CSV has none.
type columns struct {
	at [numColumns]int
	n  int // the header's number of fields
}

func mapHeader(header []string) (columns, iteration) {
	// The header names, lower-case: Graph's camelCase and PowerShell's
	// PascalCase ("Id" or "ID") both match.
	columnNames := [numColumns]string{
		"@odata.type", "id", "userid", "roleid", "iselevated", "expirationdatetime",
		"resourceid", "roledefinitionid", "subjectid", "linkedeligibleroleassignmentid",
		"startdatetime", "enddatetime", "assignmentstate", "membertype", "subject",
	}
	c := columns{n: len(header)}
	for i := range c.at {
		c.at[i] = -1
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		for k, want := range columnNames {
			if name == want && c.at[k] < 0 {
				c.at[k] = i
			}
		}
	}
	has := func(k column) bool { return c.at[k] >= 0 }
	switch {
	case has(colSubjectID) || has(colAssignmentState):
		return c, iter2
	case has(colUserID) || has(colRoleID) || has(colIsElevated) || has(colExpiration):
		return c, iter1
	case has(colRoleDefinitionID) || has(colMemberType) || has(colEndDateTime):
		return c, iter2
	}
	return c, iterUnknown
}

// readCSV reads a CSV snapshot: an optional "#TYPE ..." line (Windows
// PowerShell's Export-Csv), a header row naming the columns in any order and
// case, then one record a row. Positions are physical lines.
func (r *reader) readCSV(br *bufio.Reader) error {
	r.container = containerCSV
	in := &csvInput{reader: r, lineBase: r.baseNL, offBase: r.base}
	if p, _ := br.Peek(5); len(p) == 5 && strings.EqualFold(string(p), "#TYPE") {
		for {
			line, err := br.ReadSlice('\n')
			in.offBase += int64(len(line))
			if err == nil || err == io.EOF {
				break
			}
			if err != bufio.ErrBufferFull {
				return fmt.Errorf("read %s: %w", r.name, err)
			}
			if in.offBase-r.base > MaxRecordSize {
				return in.formatError(r.base, in.lineBase+1, errTooLarge)
			}
		}
		in.lineBase++
	}
	in.cnt = &countingReader{r: br, track: true}
	in.cnt.start = func() int64 { return in.next }
	in.cr = csv.NewReader(in.cnt)
	in.cr.ReuseRecord = true
	header, err := in.read()
	if err == io.EOF {
		return &FormatError{File: r.name, Offset: -1, Line: in.lineBase + 1, Msg: "a #TYPE line and no header row",
			Hint: "the export wrote nothing: " + hintExportAgain}
	}
	if err != nil {
		return in.fail(err, nil, 0)
	}
	cols, it := mapHeader(header)
	if it == iterUnknown {
		return &FormatError{File: r.name, Offset: -1, Line: in.lineBase + 1, Encoding: r.encoding,
			Msg:  "the first row is not a snapshot header: it has none of the columns id, userId, roleId, isElevated, expirationDateTime (iteration 1) or subjectId, roleDefinitionId, assignmentState (iteration 2)",
			Hint: hintFormats}
	}
	r.iter = it
	for {
		row, err := in.read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return in.fail(err, row, cols.n)
		}
		line, _ := in.cr.FieldPos(0)
		pos := migrate.Pos{File: r.name, N: in.lineBase + line, Line: true}
		f := cols.fields(row, it)
		rec, rj, _ := convert(&f, pos)
		if err := r.emit(decoded{rec: rec, rj: rj, it: it}); err != nil {
			return in.formatError(-1, pos.N, err)
		}
	}
}

// csvInput is a CSV snapshot's parser and where it stands in the file.
type csvInput struct {
	*reader
	cnt      *countingReader
	cr       *csv.Reader
	lineBase int   // lines before the csv.Reader's line 1
	offBase  int64 // bytes before the csv.Reader's input
	next     int64 // offset of the csv.Reader's input where the next row starts
}

// read reads the next row; MaxRecordSize caps what it holds of it.
func (in *csvInput) read() ([]string, error) {
	row, err := in.cr.Read()
	if err == nil {
		in.next = in.cr.InputOffset()
		in.cnt.linesBefore(in.next) // lets go of the newlines passed
	}
	return row, err
}

// formatError reports a limit met (see limitMsg) at a file offset (-1:
// unknown) and line.
func (in *csvInput) formatError(off int64, line int, err error) *FormatError {
	msg, hint := limitMsg(err)
	return &FormatError{File: in.name, Offset: off, Line: line, Msg: msg, Hint: hint, Encoding: in.encoding, Err: err}
}

// fail explains why the row starting at in.next could not be read (row and
// want are its fields and the header's number of fields, if known).
func (in *csvInput) fail(err error, row []string, want int) error {
	if errors.Is(err, errNUL) {
		return in.formatError(in.offBase+in.cnt.nulOff, in.lineBase+int(in.cnt.nulNL)+1, err)
	}
	if msg, _ := limitMsg(err); msg != "" {
		return in.formatError(in.offBase+in.next, in.lineBase+int(in.cnt.linesBefore(in.next))+1, err)
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", in.name, err)
	}
	e := &FormatError{File: in.name, Offset: -1, Encoding: in.encoding, Err: err}
	switch cut := in.cutOff(pe, row, want); {
	case cut != "":
		e.Offset, e.Line = in.offBase+in.next, in.lineBase+pe.StartLine
		e.Msg = "the last row " + cut + ", and no line end: the file looks cut off"
		e.Hint = hintTruncated
	case errors.Is(pe.Err, csv.ErrFieldCount):
		e.Line = in.lineBase + pe.StartLine
		e.Msg = "the row has " + strconv.Itoa(len(row)) + " fields, the header " + strconv.Itoa(want)
		e.Hint = "a value holding a comma, a quote or a line break must be in double quotes: fix the row, or export the CSV again"
	default:
		e.Line = in.lineBase + pe.Line
		e.Msg = "column " + strconv.Itoa(pe.Column) + ": " + pe.Err.Error()
		e.Hint = "a quote inside a value must be doubled (\"\") and the whole value quoted: fix the row, or export the CSV again"
	}
	return e
}

// cutOff says how a row that could not be read looks cut off, or "". It
// does when the file ends inside it without a line end, and it has fewer
// fields than the header or ends inside a quoted value (an odd number of
// double quotes in the file: the rows before it were read, so theirs
// pair up). A last row with all its fields and no line end is complete:
// many tools write that.
func (in *csvInput) cutOff(pe *csv.ParseError, row []string, want int) string {
	c := in.cnt
	if !c.eof || c.last == '\n' || c.last == '\r' || in.cr.InputOffset() != c.n {
		return ""
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount) && len(row) < want:
		return "has " + strconv.Itoa(len(row)) + " of the header's " + strconv.Itoa(want) + " fields"
	case errors.Is(pe.Err, csv.ErrQuote) && c.quotes%2 == 1:
		return "ends inside a quoted value"
	}
	return ""
}

func (c *columns) fields(row []string, it iteration) fields {
	col := func(k column) string {
		if i := c.at[k]; i >= 0 && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	f := fields{
		iter: it, odataType: col(colODataType), id: col(colID),
		userID: col(colUserID), roleID: col(colRoleID), elevated: col(colIsElevated), expiration: col(colExpiration),
		resourceID: col(colResourceID), roleDefinitionID: col(colRoleDefinitionID), subjectID: col(colSubjectID),
		linkedEligibleID: col(colLinked), startDateTime: col(colStartDateTime), endDateTime: col(colEndDateTime),
		assignmentState: col(colAssignmentState), memberType: col(colMemberType),
	}
	if s := col(colSubject); s != "" {
		f.subjectIDExpanded, f.subjectType = psHashtable(s)
		f.hasSubject = f.subjectIDExpanded != "" || f.subjectType != ""
	}
	return f
}

// psHashtable reads the id and type out of "@{id=...; type=User; ...}",
// what Export-Csv writes for a nested object that came from ConvertFrom-Json.
// Anything else (a .NET type name, for instance) gives nothing.
func psHashtable(s string) (id, typ string) {
	if !strings.HasPrefix(s, "@{") || !strings.HasSuffix(s, "}") {
		return "", ""
	}
	for _, kv := range strings.Split(s[2:len(s)-1], ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "id":
			id = strings.TrimSpace(v)
		case "type":
			typ = strings.TrimSpace(v)
		}
	}
	return id, typ
}
