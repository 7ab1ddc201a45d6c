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
	lineBase := r.baseNL // lines before the csv.Reader's line 1
	if p, _ := br.Peek(5); len(p) == 5 && strings.EqualFold(string(p), "#TYPE") {
		for {
			_, err := br.ReadSlice('\n')
			if err == nil || err == io.EOF {
				break
			}
			if err != bufio.ErrBufferFull {
				return fmt.Errorf("read %s: %w", r.name, err)
			}
		}
		lineBase++
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return &FormatError{File: r.name, Offset: -1, Line: lineBase + 1, Msg: "a #TYPE line and no header row",
			Hint: "the export wrote nothing: " + hintExportAgain}
	}
	if err != nil {
		return r.csvError(err, lineBase, nil, 0)
	}
	cols, it := mapHeader(header)
	if it == iterUnknown {
		return &FormatError{File: r.name, Offset: -1, Line: lineBase + 1, Encoding: r.encoding,
			Msg:  "the first row is not a snapshot header: it has none of the columns id, userId, roleId, isElevated, expirationDateTime (iteration 1) or subjectId, roleDefinitionId, assignmentState (iteration 2)",
			Hint: hintFormats}
	}
	r.iter = it
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return r.csvError(err, lineBase, row, cols.n)
		}
		line, _ := cr.FieldPos(0)
		pos := migrate.Pos{File: r.name, N: lineBase + line, Line: true}
		f := cols.fields(row, it)
		rec, rj, _ := convert(&f, pos)
		r.emit(rec, rj, it)
	}
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

func (r *reader) csvError(err error, lineBase int, row []string, want int) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", r.name, err)
	}
	e := &FormatError{File: r.name, Offset: -1, Encoding: r.encoding, Err: err}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		e.Line = lineBase + pe.StartLine
		e.Msg = "the row has " + strconv.Itoa(len(row)) + " fields, the header " + strconv.Itoa(want)
		e.Hint = "a value holding a comma, a quote or a line break must be in double quotes: fix the row, or export the CSV again"
		return e
	}
	e.Line = lineBase + pe.Line
	e.Msg = "column " + strconv.Itoa(pe.Column) + ": " + pe.Err.Error()
	e.Hint = "a quote inside a value must be doubled (\"\") and the whole value quoted: fix the row, or export the CSV again"
	return e
}
