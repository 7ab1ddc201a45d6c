package snapshot

import (
	"errors"
	"strconv"
	"strings"
)

// ErrNotSnapshot is matched (errors.Is) by every *FormatError.
var ErrNotSnapshot = errors.New("not a snapshot")

// FormatError says a file is not a snapshot at all, or is broken in a way
// that leaves no record to reject: empty, binary, an HTML page, truncated or
// broken JSON, a CSV without the snapshot columns or with a ragged row.
//
// Records read before the error may already be in the Builder: an export
// that gets a FormatError must stop, not write what it has.
type FormatError struct {
	File string
	// Offset is the 0-based byte offset of the problem in the file, -1 when
	// only the line is known (CSV). For a UTF-16 file (see Encoding) it counts
	// bytes of the text converted to UTF-8.
	Offset int64
	// Line is the 1-based line of the problem, 0 when unknown.
	Line int
	// Msg says what is wrong, Hint what to do about it.
	Msg  string
	Hint string
	// Encoding is "UTF-16LE" or "UTF-16BE" when the file was converted from
	// UTF-16, "" for UTF-8.
	Encoding string
	// Err is the underlying parser error, if any.
	Err error
}

// Error returns "FILE: byte N (line L): MSG; HINT".
func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteString(": ")
	switch {
	case e.Offset >= 0 && e.Line > 0:
		b.WriteString("byte " + strconv.FormatInt(e.Offset, 10))
		if e.Encoding != "" {
			b.WriteString(" of the text converted from " + e.Encoding)
		}
		b.WriteString(" (line " + strconv.Itoa(e.Line) + ")")
	case e.Offset >= 0:
		b.WriteString("byte " + strconv.FormatInt(e.Offset, 10))
	case e.Line > 0:
		b.WriteString("line " + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying parser error.
func (e *FormatError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotSnapshot) true.
func (e *FormatError) Is(target error) bool { return target == ErrNotSnapshot }

// Hints shared by several errors.
const (
	hintExportAgain = "export the snapshot again (pimmigrate export --source beta, or save the whole Graph response body)"
	hintFormats     = "a snapshot is a Graph page ({\"value\":[...]}), a JSON array, JSON Lines or a CSV with the privilegedRoleAssignment or governanceRoleAssignment columns"
)
