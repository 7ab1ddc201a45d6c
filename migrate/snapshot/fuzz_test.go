package snapshot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The fuzz targets share one property: Read never panics, and either fails
// with a *FormatError that names a position inside the input, or accounts
// for every record it read (Info.Records == records added + rejected); and
// it reads as encoding/json alone does (checkSameAsDecoder). Seed corpora
// live in testdata/fuzz/<target>/.

func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(fill(`{"value":[{"userId":"{u1}","roleId":"{ga}","isElevated":true}]}`)))
	f.Fuzz(func(t *testing.T, data []byte) { checkAnyInput(t, data) })
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(fill("id,userId,roleId,isElevated,expirationDateTime\n{u1}_{ga},{u1},{ga},true,\n")))
	f.Fuzz(func(t *testing.T, data []byte) { checkAnyInput(t, data) })
}

// FuzzReadPowerShellCSV fuzzes the rows of a Windows PowerShell Export-Csv
// file under a fixed #TYPE line and header, where the dates are.
func FuzzReadPowerShellCSV(f *testing.F) {
	f.Add([]byte(fill(`"p1","{tenant}","{ga}","{u1}","","","11/20/2025 8:00:00 AM","20.11.2026 08:00:00","Eligible","Direct"` + "\r\n")))
	f.Fuzz(func(t *testing.T, rows []byte) {
		head := psType + `"Id","ResourceId","RoleDefinitionId","SubjectId","LinkedEligibleRoleAssignmentId","ExternalId","StartDateTime","EndDateTime","AssignmentState","MemberType"` + "\r\n"
		checkAnyInput(t, append([]byte(head), rows...))
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-20T08:00:00.0000000Z", "11/20/2026 8:00:00 AM", "20.11.2026 08:00:00", "/Date(1795161600000)/", "20/11/2026 08:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, p := parseDate(s)
		if p == dateOK && (d.IsZero() || d.Location() != time.UTC) {
			t.Errorf("parseDate(%q) = %v, ok, want a non-zero UTC time", s, d)
		}
		if p != dateOK && !d.IsZero() {
			t.Errorf("parseDate(%q) = %v with problem %d", s, d, p)
		}
	})
}

func checkAnyInput(t *testing.T, data []byte) {
	checkSameAsDecoder(t, data)
	s := &countingSink{t: t}
	info, err := read(context.Background(), "fuzz", bytes.NewReader(data), s)
	if info.Records != s.added+s.rejected {
		t.Fatalf("Info.Records = %d, but %d added + %d rejected", info.Records, s.added, s.rejected)
	}
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("error %v (%T) is not a *FormatError", err, err)
		}
		if fe.File != "fuzz" || fe.Msg == "" || fe.Hint == "" || fe.Line < 0 || fe.Offset < -1 {
			t.Fatalf("incomplete FormatError %+v", fe)
		}
		// UTF-16 turns 2 bytes into at most 3 of UTF-8.
		if limit := int64(len(data)); fe.Offset > limit && (fe.Encoding == "" || fe.Offset > limit*3/2) {
			t.Fatalf("offset %d past the end of %d bytes: %v", fe.Offset, len(data), err)
		}
		return
	}
	if info.Kind == "" {
		t.Fatalf("no kind for a snapshot that was read")
	}
	// The same through a real Builder, down to legacy.json.
	b := migrate.NewBuilder("")
	if _, err := Read(context.Background(), "fuzz", bytes.NewReader(data), b); err != nil {
		t.Fatalf("second read failed: %v", err)
	}
	if err := b.WriteLegacy(io.Discard, time.Unix(0, 0)); err != nil {
		t.Fatalf("WriteLegacy: %v", err)
	}
}
