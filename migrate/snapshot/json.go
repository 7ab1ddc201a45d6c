package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// wire is the JSON form of both record types, decoded in one pass.
// encoding/json matches names case-insensitively, so the PascalCase of
// PowerShell's ConvertTo-Json reads too. Fields not listed (resultMessage,
// externalId, status, roleInfo...) are skipped without being stored.
type wire struct {
	wireSettings
	ODataType string `json:"@odata.type"`
	ID        string `json:"id"`

	UserID             string `json:"userId"`
	RoleID             string `json:"roleId"`
	IsElevated         *bool  `json:"isElevated"`
	ExpirationDateTime string `json:"expirationDateTime"`

	ResourceID                     string              `json:"resourceId"`
	RoleDefinitionID               string              `json:"roleDefinitionId"`
	SubjectID                      string              `json:"subjectId"`
	LinkedEligibleRoleAssignmentID string              `json:"linkedEligibleRoleAssignmentId"`
	StartDateTime                  string              `json:"startDateTime"`
	EndDateTime                    string              `json:"endDateTime"`
	AssignmentState                string              `json:"assignmentState"`
	MemberType                     string              `json:"memberType"`
	Subject                        *wireSubject        `json:"subject"`
	RoleDefinition                 *wireRoleDefinition `json:"roleDefinition"`
}

type wireSubject struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type wireRoleDefinition struct {
	ID string `json:"id"`
}

func (w *wire) fields() fields {
	f := fields{
		odataType: w.ODataType, id: w.ID,
		userID: w.UserID, roleID: w.RoleID, expiration: w.ExpirationDateTime,
		resourceID: w.ResourceID, roleDefinitionID: w.RoleDefinitionID, subjectID: w.SubjectID,
		linkedEligibleID: w.LinkedEligibleRoleAssignmentID, startDateTime: w.StartDateTime,
		endDateTime: w.EndDateTime, assignmentState: w.AssignmentState, memberType: w.MemberType,
	}
	if w.IsElevated != nil {
		f.elevated = "false"
		if *w.IsElevated {
			f.elevated = "true"
		}
	}
	if w.Subject != nil {
		f.hasSubject, f.subjectIDExpanded, f.subjectType = true, w.Subject.ID, w.Subject.Type
	}
	if w.RoleDefinition != nil {
		f.roleDefinitionIDExpanded = w.RoleDefinition.ID
	}
	return f
}

// objectDecoder decodes records into storage it reuses.
type objectDecoder struct {
	w wire
	p *wire
}

// decoded is one value read: an assignment record, a settings record, a
// rejection, or nothing at all (none: a privilegedRole whose settings are
// null holds no record).
type decoded struct {
	rec  migrate.Record
	set  *migrate.SettingsRecord
	rj   *migrate.Rejected
	it   iteration
	none bool
}

func rejected(pos migrate.Pos, r *reject, it iteration) decoded {
	return decoded{rj: &migrate.Rejected{Source: pos.String(), Reason: r.reason, Detail: r.detail}, it: it}
}

func (d *objectDecoder) decode(dec *json.Decoder, pos migrate.Pos) (decoded, error) {
	d.w = wire{}
	d.p = &d.w // a JSON null sets p to nil: that is how null is told from {}
	if err := dec.Decode(&d.p); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return decoded{}, err
		}
		// Decode has consumed the whole value: the stream goes on.
		return rejected(pos, typeReject(te), iterUnknown), nil
	}
	if d.p == nil {
		return rejected(pos, &reject{migrate.RejectNotAnObject, "a JSON null, not an object; remove it from the snapshot"}, iterUnknown), nil
	}
	f := d.w.fields()
	if it := d.w.kind(); it.settings() {
		set, none, rj := convertSettings(&d.w, &f, it, pos)
		switch {
		case rj != nil:
			return rejected(pos, rj, it), nil
		case none:
			return decoded{none: true, it: it}, nil
		}
		return decoded{set: &set, it: it}, nil
	}
	rec, rj, it := convert(&f, pos)
	return decoded{rec: rec, rj: rj, it: it}, nil
}

// typeReject explains a JSON value of the wrong type.
func typeReject(te *json.UnmarshalTypeError) *reject {
	got, _, _ := strings.Cut(te.Value, " ") // "number -5" -> "number"
	field := strings.TrimPrefix(te.Field, "wireSettings.")
	if field == "" {
		return &reject{migrate.RejectNotAnObject, "a JSON " + got + ", not an object; remove it from the snapshot"}
	}
	want := "a string"
	if te.Type != nil {
		switch te.Type.Kind() {
		case reflect.Bool:
			want = "true or false"
		case reflect.Struct, reflect.Pointer, reflect.Map:
			want = "an object"
		}
	}
	return &reject{migrate.RejectWrongType, field + " is a JSON " + got + ", want " + want + "; fix the value"}
}

// AddRecord decodes one JSON value the live legacy API returned (an element
// of a list, numbered pos) and passes it to b: b.Add for an assignment
// (an iteration-1 privilegedRoleAssignment or an iteration-2
// governanceRoleAssignment), b.AddSettings for role settings (a
// privilegedRole with its settings expanded, privilegedRoleSettings or
// governanceRoleSetting), b.Reject with the reason for anything else. It
// reports whether the value was a record: a privilegedRole whose settings
// are null holds none.
func AddRecord(b *migrate.Builder, raw []byte, pos migrate.Pos) bool {
	var d objectDecoder
	got, err := d.decode(json.NewDecoder(bytes.NewReader(raw)), pos)
	if err != nil {
		got = decoded{rj: &migrate.Rejected{Source: pos.String(), Reason: migrate.RejectNotAnObject, Detail: err.Error()}}
	}
	got.pass(b)
	return !got.none
}

// pass gives what was decoded to s.
func (d *decoded) pass(s sink) {
	switch {
	case d.none:
	case d.rj != nil:
		s.Reject(*d.rj)
	case d.set != nil:
		s.AddSettings(*d.set)
	default:
		s.Add(d.rec)
	}
}

// jsonReader reads the three JSON containers.
type jsonReader struct {
	*reader
	cr  *countingReader
	dec *json.Decoder
	obj objectDecoder
}

func (r *reader) readJSON(src io.Reader, first byte) error {
	j := &jsonReader{reader: r, cr: &countingReader{r: src}}
	j.dec = json.NewDecoder(j.cr)
	// The decoder holds the value or token it is reading (and white space
	// before it) from its input offset on: that is what MaxRecordSize caps.
	j.cr.start = j.dec.InputOffset
	if first == '[' {
		r.container = containerArray
		return j.readArray()
	}
	// Until the top-level object shows whether it is a page or a record,
	// keep a copy of it and the newlines' offsets (JSON Lines needs both).
	j.cr.track, j.cr.capture = true, true
	return j.readObject()
}

func (j *jsonReader) readArray() error {
	if _, err := j.dec.Token(); err != nil {
		return j.fail(err, "at the start of the array")
	}
	if err := j.readElements("in the array"); err != nil {
		return err
	}
	return j.expectEOF("the array", "one file holds one JSON array: save each in a file of its own")
}

// readElements reads array elements up to and including the closing ']'.
func (j *jsonReader) readElements(where string) error {
	n := 0
	for j.dec.More() {
		n++
		got, err := j.obj.decode(j.dec, migrate.Pos{File: j.name, N: n})
		if err == nil {
			err = j.emit(got)
		}
		if err != nil {
			return j.fail(err, fmt.Sprintf("%s, in record %d", where, n))
		}
	}
	if _, err := j.dec.Token(); err != nil {
		return j.fail(err, fmt.Sprintf("%s, after record %d", where, n))
	}
	return nil
}

type objectMode uint8

const (
	modeUndecided objectMode = iota
	modePage
	modeRecord
)

// graphError is Graph's error envelope, {"error":{"code","message"}}: a
// failed request saved as if it were a snapshot.
type graphError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// readObject reads a top-level object: a Graph page (it has a "value"
// array) or the first record of a JSON Lines file. Its keys may come in any
// order, so it is walked token by token and the page's array is streamed
// where it is met.
func (j *jsonReader) readObject() error {
	dec := j.dec
	const where = "in the top-level object"
	if _, err := dec.Token(); err != nil {
		return j.fail(err, where)
	}
	mode := modeUndecided
	var envelope *graphError
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return j.fail(err, where)
		}
		key, _ := t.(string)
		switch {
		case mode == modeUndecided && strings.EqualFold(key, "value"):
			at, nl := j.here()
			t, err := dec.Token()
			if err != nil {
				return j.fail(err, where)
			}
			if t != json.Delim('[') {
				return j.formatError(at, nl, `the top-level object has a "value" that is not an array`, hintFormats, nil)
			}
			mode = modePage
			j.container = containerPage
			j.cr.stopCapture()
			j.cr.stopTracking()
			if err := j.readElements("in the value array"); err != nil {
				return err
			}
		case strings.EqualFold(key, "value"):
			// A second array, or records both in the object and in an
			// array: skipping either would drop records unseen.
			at, nl := j.here()
			msg := `a second "value" member in the Graph page`
			if mode == modeRecord {
				msg = `an object with both record fields and a "value" member`
			}
			return j.formatError(at, nl, msg, hintFormats, nil)
		case strings.EqualFold(key, "@odata.nextLink"):
			if err := j.decodeString(&j.info.NextLink, where); err != nil {
				return err
			}
		case strings.EqualFold(key, "@odata.context"):
			var ctx string
			if err := j.decodeString(&ctx, where); err != nil {
				return err
			}
			j.pageIter = contextIteration(ctx)
		case mode == modeUndecided && strings.EqualFold(key, "@odata.type"):
			var typ string
			if err := j.decodeString(&typ, where); err != nil {
				return err
			}
			if recordType(typ) != iterUnknown {
				mode = modeRecord
			}
		case mode == modeUndecided && key == "error":
			envelope = &graphError{}
			if err := dec.Decode(envelope); err != nil {
				// The error value was an object of another shape: still an envelope.
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return j.fail(err, where)
				}
			}
		default:
			if mode == modeUndecided && isRecordKey(key) {
				mode = modeRecord
			}
			if err := skipValue(dec); err != nil {
				return j.fail(err, where)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return j.fail(err, where)
	}
	switch mode {
	case modePage:
		return j.expectEOF("the Graph page", "one file holds one Graph page: save each page in a file of its own")
	case modeRecord:
		return j.readLines(dec.InputOffset())
	}
	if envelope != nil {
		return j.formatError(0, 0, fmt.Sprintf("a Graph error response (code %s: %s), not a snapshot", quote(envelope.Code), quote(envelope.Message)),
			"the request failed when this file was saved: fix the cause (permissions, PIM registration) and save the response again, or run pimmigrate export --source beta", nil)
	}
	return j.formatError(0, 0, `a JSON object with neither a "value" array (a Graph page) nor the fields of a privilegedRoleAssignment or governanceRoleAssignment`, hintFormats, nil)
}

// readLines reads a JSON Lines file whose first object, already walked,
// ends at end.
func (j *jsonReader) readLines(end int64) error {
	j.container = containerLines
	if j.cr.overflow {
		return j.formatError(0, 0, fmt.Sprintf("the first object is over %d MiB and has no \"value\" array: not a record", captureLimit>>20), hintFormats, nil)
	}
	first := j.cr.captured[:end]
	j.cr.stopCapture()
	line := j.line(j.cr.linesBefore(0))
	got, err := j.obj.decode(json.NewDecoder(bytes.NewReader(first)), migrate.Pos{File: j.name, N: line, Line: true})
	if err == nil { // a decode error cannot happen: the walk has checked the syntax
		err = j.emit(got)
	}
	if err != nil {
		return j.fail(err, fmt.Sprintf("on line %d", line))
	}
	dec := j.dec
	for {
		if !dec.More() {
			_, err := dec.Token()
			if err == io.EOF {
				return nil
			}
			return j.fail(err, fmt.Sprintf("after the record on line %d", line))
		}
		line = j.line(j.cr.linesBefore(dec.InputOffset()))
		got, err := j.obj.decode(dec, migrate.Pos{File: j.name, N: line, Line: true})
		if err == nil {
			err = j.emit(got)
		}
		if err != nil {
			return j.fail(err, fmt.Sprintf("in the record on line %d", line))
		}
	}
}

// expectEOF checks nothing but white space follows the document.
func (j *jsonReader) expectEOF(what, hint string) error {
	more := j.dec.More()
	at, nl := j.here()
	if !more {
		_, err := j.dec.Token()
		if err == io.EOF {
			return nil
		}
		if j.cr.err != nil {
			return j.fail(j.cr.err, "after the end of "+what)
		}
	}
	return j.formatError(at, nl, "more data after the end of "+what, hint, nil)
}

func (j *jsonReader) decodeString(dst *string, where string) error {
	var v any
	if err := j.dec.Decode(&v); err != nil {
		return j.fail(err, where)
	}
	if s, ok := v.(string); ok {
		*dst = s
	}
	return nil
}

// skipValue skips the next value token by token, so that even a large one
// is never held in memory; it refuses nesting deeper than maxDepth (the
// decoder keeps a word for each level).
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			if depth++; depth > maxDepth {
				return errTooDeep
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// contextIteration reads what an @odata.context says of a page's records,
// which is all an empty page tells:
// ...$metadata#governanceRoleSettings or ...privilegedAccess('aadRoles')/roleSettings (iteration-2 settings),
// ...$metadata#privilegedRoles(settings()) (iteration-1 settings),
// ...$metadata#governanceRoleAssignments or ...privilegedAccess('aadRoles')/roleAssignments (iteration 2),
// anything else iteration 1.
func contextIteration(ctx string) iteration {
	switch c := strings.ToLower(ctx); {
	case strings.Contains(c, "governancerolesetting") || strings.Contains(c, "rolesettings"):
		return iter2Settings
	case strings.Contains(c, "privilegedroles"): // privilegedRoles, privilegedRoleSettings
		return iter1Settings
	case strings.Contains(c, "governanceroleassignment") || strings.Contains(c, "privilegedaccess"):
		return iter2
	}
	return iterUnknown
}

// isRecordKey reports whether a top-level key belongs to a record.
func isRecordKey(key string) bool {
	switch strings.ToLower(key) {
	case "id", "userid", "roleid", "iselevated", "expirationdatetime", "resultmessage", "roleinfo",
		"resourceid", "roledefinitionid", "subjectid", "linkedeligibleroleassignmentid", "externalid",
		"startdatetime", "enddatetime", "assignmentstate", "membertype", "subject", "roledefinition",
		// role settings
		"elevationduration", "maxelavationduration", "minelevationduration", "mfaonelevation",
		"ismfaonelevationconfigurable", "ticketinginfoonelevation", "approvalonelevation", "approverids",
		"notificationtouseronelevation", "lastglobaladmin", "settings", "isdefault", "admineligiblesettings",
		"adminmembersettings", "usereligiblesettings", "usermembersettings", "lastupdateddatetime", "lastupdatedby":
		return true
	}
	return false
}

// line turns a count of newlines before a point of the decoder's input into
// the point's line in the file.
func (j *jsonReader) line(newlines int64) int { return j.baseNL + int(newlines) + 1 }

// fail turns a decoder error into a FormatError (or an I/O error).
func (j *jsonReader) fail(err error, where string) error {
	if j.cr.err != nil {
		err = j.cr.err
	}
	if msg, hint := limitMsg(err); msg != "" {
		off, nl := j.here()
		if errors.Is(err, errNUL) {
			off, nl = j.cr.nulOff, j.cr.nulNL
		}
		return j.formatError(off, nl, msg+", "+where, hint, err)
	}
	if j.cr.err != nil {
		return fmt.Errorf("read %s: %w", j.name, j.cr.err)
	}
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return j.formatError(j.cr.n, j.cr.nl, "the JSON ends early, "+where,
			"the file is truncated, probably by an interrupted download or copy: "+hintExportAgain, err)
	case errors.As(err, &se):
		off, nl := j.syntaxPos()
		return j.formatError(off, nl, "broken JSON "+where+": "+se.Error(),
			"fix the JSON there, or "+hintExportAgain, err)
	}
	return j.formatError(j.dec.InputOffset(), -1, "unreadable JSON "+where+": "+err.Error(), hintExportAgain, err)
}

// syntaxPos finds where a syntax error is. The decoder stops at the start
// of the value it could not read; scanning what it buffered from there
// gives the offending byte, and counting the newlines after it gives its
// line.
func (j *jsonReader) syntaxPos() (off, newlines int64) {
	in := j.dec.InputOffset()
	buf, _ := io.ReadAll(j.dec.Buffered())
	rel := int64(0)
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := json.NewDecoder(bytes.NewReader(buf)).Decode(&raw); errors.As(err, &se) && se.Offset >= 1 && se.Offset <= int64(len(buf)) {
		rel = se.Offset - 1
	}
	return in + rel, j.cr.nl - int64(bytes.Count(buf[rel:], []byte{'\n'}))
}

// here returns the decoder's offset and the newlines before it.
func (j *jsonReader) here() (off, newlines int64) {
	buf, _ := io.ReadAll(j.dec.Buffered())
	return j.dec.InputOffset(), j.cr.nl - int64(bytes.Count(buf, []byte{'\n'}))
}

// formatError builds a FormatError from an offset of the decoder's input
// and the newlines before it (-1: unknown).
func (j *jsonReader) formatError(off, newlines int64, msg, hint string, err error) error {
	e := &FormatError{File: j.name, Offset: j.base + off, Msg: msg, Hint: hint, Encoding: j.encoding, Err: err}
	if newlines >= 0 {
		e.Line = j.line(newlines)
	}
	return e
}
