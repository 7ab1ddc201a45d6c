package snapshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// eventSink keeps what it is given, in order.
type eventSink struct{ events []any }

func (s *eventSink) Add(r migrate.Record)                 { s.events = append(s.events, r) }
func (s *eventSink) AddSettings(r migrate.SettingsRecord) { s.events = append(s.events, r) }
func (s *eventSink) Reject(r migrate.Rejected)            { s.events = append(s.events, r) }

// checkSameAsDecoder holds the plain-record parser to encoding/json: data
// read with it (whole, and a byte at a time) gives the same records,
// settings and rejections in the same order, the same Info and the same
// error, at the same offset and line, as data read by encoding/json alone.
func checkSameAsDecoder(t *testing.T, data []byte) {
	t.Helper()
	var want eventSink
	winfo, werr := (&reader{name: "fuzz", sink: &want, decoderOnly: true}).read(context.Background(), bytes.NewReader(data))
	for _, src := range []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(data)},
		{"a byte at a time", iotest.OneByteReader(bytes.NewReader(data))},
	} {
		var got eventSink
		info, err := read(context.Background(), "fuzz", src.r, &got)
		if info != winfo {
			t.Errorf("%s: Info %+v, encoding/json's %+v", src.name, info, winfo)
		}
		if !sameError(err, werr) {
			t.Errorf("%s: error %s, encoding/json's %s", src.name, describe(err), describe(werr))
		}
		if !reflect.DeepEqual(got.events, want.events) {
			t.Errorf("%s: read\n%+v\nencoding/json read\n%+v", src.name, got.events, want.events)
		}
	}
}

// sameError compares what a user sees of an error: its text and, for a
// FormatError, where it points.
func sameError(a, b error) bool {
	if (a == nil) != (b == nil) || a != nil && a.Error() != b.Error() {
		return false
	}
	var fa, fb *FormatError
	if errors.As(a, &fa) != errors.As(b, &fb) {
		return false
	}
	return fa == nil || fa.File == fb.File && fa.Line == fb.Line && fa.Offset == fb.Offset &&
		fa.Msg == fb.Msg && fa.Hint == fb.Hint && fa.Encoding == fb.Encoding
}

func describe(err error) string {
	var fe *FormatError
	if errors.As(err, &fe) {
		return fmt.Sprintf("%q (line %d, offset %d)", err, fe.Line, fe.Offset)
	}
	return fmt.Sprintf("%v", err)
}

// plainRec is an iteration-1 record as Graph writes it: {u} and {r} are
// the principal and role, {x} the expiry.
const plainRec = `{"id":"{u}_{r}","userId":"{u}","roleId":"{r}","isElevated":true,"expirationDateTime":{x},"resultMessage":null}`

func rec(u, r, x string) string {
	return strings.NewReplacer("{u}", u, "{r}", r, "{x}", x).Replace(plainRec)
}

// page is a Graph page of the records given.
func page(recs ...string) string {
	return `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoleAssignments","value":[` +
		strings.Join(recs, ",") + `],"@odata.nextLink":"https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=x"}`
}

// TestPlainRecordsAsDecoder: whatever the records look like, the
// plain-record parser reads them as encoding/json does, or leaves them to
// it; errors after plain records name the same record, line and offset.
func TestPlainRecordsAsDecoder(t *testing.T) {
	a, b := rec(u1, ga, "null"), rec(u2, sec, `"2026-12-01T08:00:00Z"`)
	many := make([]string, 3000) // several read windows
	for i := range many {
		many[i] = rec(fmt.Sprintf("%08x-1111-1111-1111-111111111111", i), ga, "null")
	}
	// The reader refuses a NUL or invalid UTF-8 in the first KB before
	// parsing: these records put what follows them past it.
	pad := strings.Join(many[:20], ",\n")
	bad := make([]string, MaxRejected+1)
	for i := range bad {
		bad[i] = rec(u1, "not-a-guid", "null")
	}
	for _, tt := range []struct{ name, in string }{
		{"as Graph writes it", page(a, b, a)},
		{"bare array", "[" + a + ",\n" + b + "]"},
		{"many records", page(many...)},
		{"empty page", page()},
		{"empty array with white space", "[ \n\t ]"},
		{"white space between records", page(a, " \n\t"+b+"\r\n ")},
		{"more white space than a record", page(a, strings.Repeat(" ", 5000)+b)},
		{"pretty-printed", "[\n  {\n    \"id\": \"" + u1 + "_" + ga + "\",\n    \"userId\": \"" + u1 + "\",\n    \"roleId\": \"" + ga + "\",\n    \"isElevated\": false,\n    \"expirationDateTime\": null\n  }\n]"},
		{"fields in another order", page(a, `{"userId":"`+u2+`","id":"x","roleId":"`+ga+`","isElevated":false,"expirationDateTime":null}`, b)},
		{"no resultMessage", page(strings.Replace(a, `,"resultMessage":null`, "", 1), b)},
		{"resultMessage a string", page(strings.Replace(a, `"resultMessage":null`, `"resultMessage":"ok"`, 1))},
		{"unknown field", page(strings.Replace(a, `}`, `,"roleInfo":{"id":"x","displayName":"[a]"}}`, 1), b)},
		{"unknown field first", page(`{"extra":[1,2],`+a[1:], b)},
		{"escaped id", page(strings.Replace(a, `"id":"1`, `"id":"\u0031`, 1), b)},
		{"escaped slash", page(strings.Replace(a, `"resultMessage":null`, `"resultMessage":"a\/b\n\"c\""`, 1))},
		{"escaped GUID", page(strings.Replace(a, `"userId":"1`, `"userId":"\u0031`, 1))},
		{"unicode", page(strings.Replace(a, `"resultMessage":null`, `"resultMessage":"é 😀 \u2028 `+"\u2028"+`"`, 1))},
		{"invalid UTF-8", page(pad, strings.Replace(a, `"resultMessage":null`, "\"resultMessage\":\"\xff\xfe\"", 1), b)},
		{"invalid UTF-8 in the id", page(pad, strings.Replace(a, `"id":"`, "\"id\":\"\xc3", 1), b)},
		{"invalid UTF-8 in a GUID", page(pad, strings.Replace(b, `"roleId":"`, "\"roleId\":\"\xc3", 1))},
		{"control character in a string", page(pad, strings.Replace(b, `"id":"`, "\"id\":\"\t", 1))},
		{"null userId", page(a, strings.Replace(b, `"userId":"`+u2+`"`, `"userId":null`, 1))},
		{"null isElevated", page(strings.Replace(a, `"isElevated":true`, `"isElevated":null`, 1))},
		{"isElevated a string", page(strings.Replace(a, `"isElevated":true`, `"isElevated":"true"`, 1), b)},
		{"expiry a number", page(a, strings.Replace(b, `"expirationDateTime":"2026-12-01T08:00:00Z"`, `"expirationDateTime":5`, 1))},
		{"duplicate key", page(strings.Replace(a, `}`, `,"userId":"`+u2+`"}`, 1), b)},
		{"duplicate key, same place", page(strings.Replace(a, `"roleId":"`, `"userId":"`+u3+`","roleId":"`, 1))},
		{"keys in other case", page(strings.Replace(a, `"userId"`, `"UserId"`, 1), b)},
		{"a null element", page(a, "null", b)},
		{"a number element", page(a, "5", b)},
		{"an array element", page(a, "[1]", b)},
		{"not a GUID", page(a, rec(u2, "not-a-guid", "null"), b)},
		{"bad date", page(rec(u1, ga, `"yesterday"`), b)},
		{"a record over plainMax", page(a, strings.Replace(b, `"resultMessage":null`, `"resultMessage":"`+strings.Repeat("x", plainMax)+`"`, 1), a)},
		{"iteration 2 after plain", page(a, fill(`{"id":"x","resourceId":"{tenant}","roleDefinitionId":"{ga}","subjectId":"{u2}","assignmentState":"Eligible","memberType":"Direct"}`))},
		{"two pages", page(a, b) + "\n" + page(b)},
		{"missing comma after plain", strings.Replace(page(a, b, a), "},{", "}\n\n{", 2)},
		{"missing comma before many lines", "[" + a + ",\n" + b + "\n" + strings.Join(many, ",\n") + "]"},
		{"trailing comma", "[" + a + ",\n" + b + ",\n]"},
		{"truncated in a record", page(a, b)[:len(page(a))+40]},
		{"truncated after a record", "[" + a + ",\n" + b},
		{"truncated after a comma", "[" + a + ",\n" + b + ",\n"},
		{"NUL after plain records", "[" + pad + ",\n" + b + ",\n\x00" + a + "]"},
		{"NUL in a plain record", "[" + pad + ",\n" + strings.Replace(b, "_", "\x00", 1) + "]"},
		{"more after the array", "[" + a + "]\n[" + a + "]"},
		{"second value array", strings.TrimSuffix(page(a), "}") + `,"value":[` + b + "]}"},
		{"value before context", `{"value":[` + a + "," + b + `],"@odata.context":"x#governanceRoleAssignments"}`},
		{"too many rejected", page(bad...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkSameAsDecoder(t, []byte(fill(tt.in)))
		})
	}
}

// FuzzPlainRecords is FuzzReadJSON from pages of plain records, where the
// plain-record parser is at work.
func FuzzPlainRecords(f *testing.F) {
	a, b := rec(u1, ga, "null"), rec(u2, sec, `"2026-12-01T08:00:00Z"`)
	f.Add([]byte(page(a, b, a)))
	f.Add([]byte("[" + a + ",\n" + b + "]"))
	f.Add([]byte(page(a, strings.Replace(b, `"id":"`, `"id":"\u00e9[`, 1))))
	f.Fuzz(func(t *testing.T, data []byte) { checkAnyInput(t, data) })
}

// TestGate: the gate hands on what it reads, in order, never past a '['
// in one read, whatever the reads it is given.
func TestGate(t *testing.T) {
	in := []byte(`{"a":[[1,[2]],"[",` + strings.Repeat("[", 100) + `]}`)
	for _, tt := range []struct {
		name string
		r    func() io.Reader
		size int
	}{
		{"whole, large reads", func() io.Reader { return bytes.NewReader(in) }, 4096},
		{"whole, small reads", func() io.Reader { return bytes.NewReader(in) }, 3},
		{"a byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) }, 64},
		{"in halves", func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) }, 64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := &gate{r: tt.r()}
			var out []byte
			p := make([]byte, tt.size)
			for {
				n, err := g.Read(p)
				if i := bytes.IndexByte(p[:n], '['); i >= 0 && i != n-1 {
					t.Fatalf("read %q goes past a '['", p[:n])
				}
				out = append(out, p[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(out, in) {
				t.Errorf("handed on %q, want %q", out, in)
			}
		})
	}
}
