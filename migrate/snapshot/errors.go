package snapshot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNotSnapshot is matched (errors.Is) by every *FormatError.
var ErrNotSnapshot = errors.New("not a snapshot")

// FormatError says a file is not a snapshot at all, or is broken in a way
// that leaves no record to reject: empty, binary, an HTML page, truncated or
// broken JSON, a CSV without the snapshot columns, with a ragged row or a
// cut-off last row; or that it goes past one of the readers' limits.
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
	hintTruncated   = "the file is truncated, probably by an interrupted download or copy: " + hintExportAgain
	msgNUL          = "binary data (a NUL byte), not a snapshot"
	hintNUL         = "pass a JSON or CSV snapshot; if this is UTF-16 text without a byte-order mark, save it again as UTF-8"
)

// Limits on what one input can make a reader hold in memory (README,
// export). A real record is a few hundred bytes and a real snapshot has a
// handful of unusable records; past these limits the input is not a
// snapshot, and the reader stops with a FormatError instead of growing.
const (
	// MaxRecordSize caps one record: a JSON value or token, a run of white
	// space between them, a CSV row.
	MaxRecordSize = 1 << 20
	// MaxRejected caps the records rejected in one file: each is kept until
	// legacy.json is written.
	MaxRejected = 100_000
	// maxDepth caps the nesting of a JSON value skipped unread, as
	// encoding/json caps the values it decodes.
	maxDepth = 10_000
)

// Errors of the limits, turned into a FormatError where they are met.
var (
	errTooLarge    = errors.New("record too large")
	errTooDeep     = errors.New("nested too deep")
	errTooRejected = errors.New("too many rejected records")
	errNUL         = errors.New("NUL byte")
)

// limitMsg says which limit err is, and what to do: "" for other errors.
func limitMsg(err error) (msg, hint string) {
	switch {
	case errors.Is(err, errTooLarge):
		return fmt.Sprintf("more than %d MiB without the end of a record, value or row (a record is a few hundred bytes)", MaxRecordSize>>20),
			"the file is corrupt (an unterminated string or quoted value?) or not a snapshot: " + hintExportAgain
	case errors.Is(err, errTooDeep):
		return fmt.Sprintf("JSON nested more than %d deep", maxDepth), hintFormats
	case errors.Is(err, errTooRejected):
		return fmt.Sprintf("more than %d records rejected: this is not a snapshot of role assignments", MaxRejected),
			"check that the file is the one you meant; " + hintFormats
	case errors.Is(err, errNUL):
		return msgNUL, hintNUL
	}
	return "", ""
}
