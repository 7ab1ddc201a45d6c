package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	page := fill(`{"value":[{"userId":"{u1}","roleId":"{ga}","isElevated":true},42],"@odata.nextLink":"https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=2"}`)
	csv := "\ufeff" + fill(psType+`"Id","ResourceId","RoleDefinitionId","SubjectId","AssignmentState","MemberType"`+"\r\n"+
		`"x","{tenant}","{sec}","{u2}","Eligible","Direct"`+"\r\n")
	files := map[string]string{"page.json": page, "ps.csv": csv}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := migrate.NewBuilder("")
	for _, name := range []string{"page.json", "ps.csv"} {
		if err := ReadFile(context.Background(), filepath.Join(dir, name), b); err != nil {
			t.Fatalf("ReadFile(%s): %v", name, err)
		}
	}
	l := b.Legacy(time.Unix(0, 0))
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	want := []migrate.Source{
		{Kind: KindIteration1Page, Path: filepath.Join(dir, "page.json"), SHA256: sum(page), Records: 2,
			NextLink: "https://graph.microsoft.com/beta/privilegedRoleAssignments?$skiptoken=2"},
		{Kind: KindIteration2CSV, Path: filepath.Join(dir, "ps.csv"), SHA256: sum(csv), Records: 1},
	}
	if got, want := asJSON(t, l.Sources), asJSON(t, want); got != want {
		t.Errorf("sources:\n got %s\nwant %s", got, want)
	}
	if len(l.Assignments) != 2 || l.Assignments[0].Source != filepath.Join(dir, "page.json")+"#1" ||
		l.Assignments[1].Source != filepath.Join(dir, "ps.csv")+":3" || l.TenantID != tenant {
		t.Errorf("assignments %s, tenant %s", asJSON(t, l.Assignments), l.TenantID)
	}
	checkRejected(t, l.Rejected, []wantRej{{filepath.Join(dir, "page.json") + "#2", migrate.RejectNotAnObject, "number"}})
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"value":[{"userId"`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		check      func(t *testing.T, err error)
	}{
		{"missing file", filepath.Join(dir, "nope.json"), func(t *testing.T, err error) {
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nope.json") {
				t.Errorf("err = %v, want a not-exist error naming the file", err)
			}
		}},
		{"a directory", dir, func(t *testing.T, err error) {
			if err == nil || errors.Is(err, ErrNotSnapshot) || !strings.Contains(err.Error(), dir) {
				t.Errorf("err = %v, want an I/O error naming the path", err)
			}
		}},
		{"truncated", bad, func(t *testing.T, err error) {
			fe := formatError(t, err)
			if fe.File != bad || fe.Offset != 19 {
				t.Errorf("err = %v, want %s at byte 19", err, bad)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := migrate.NewBuilder("")
			err := ReadFile(context.Background(), tt.path, b)
			tt.check(t, err)
			if n := len(b.Legacy(time.Unix(0, 0)).Sources); n != 0 {
				t.Errorf("a source was recorded for a file that failed")
			}
		})
	}
}

// failingReader fails after its content, as a disk or network read can.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestReadIOError(t *testing.T) {
	boom := errors.New("boom")
	for _, in := range []string{"", `[{"userId":`, fill(`{"userId":"{u1}","roleId":"{ga}","isElevated":true}` + "\n{"), "id,userId\n"} {
		_, err := Read(context.Background(), "f", &failingReader{strings.NewReader(in), boom}, migrate.NewBuilder(""))
		if !errors.Is(err, boom) || errors.Is(err, ErrNotSnapshot) {
			t.Errorf("Read(%q) = %v, want the I/O error, not a format error", in, err)
		}
	}
}

// TestAddRecord feeds the live export's elements one by one: an
// assignment, a rejection, role settings, a privilegedRole without
// settings (no record) and broken JSON (rejected, the export goes on).
func TestAddRecord(t *testing.T) {
	b := migrate.NewBuilder("")
	for i, tt := range []struct {
		raw    string
		record bool
	}{
		{`{"userId":"{u1}","roleId":"{ga}","isElevated":true}`, true},
		{`{"subjectId":"{u2}","roleDefinitionId":"{ga}","assignmentState":"Eligible","memberType":"Group"}`, true},
		{`{"id":"{ga}","name":"Global Administrator","settings":{"id":"{ga}","elevationDuration":"PT2H","mfaOnElevation":true}}`, true},
		{`{"id":"{sec}","name":"Security Administrator","settings":null}`, false},
		{`{"userId":`, true},
	} {
		if got := AddRecord(b, []byte(fill(tt.raw)), migrate.Pos{File: "beta", N: i + 1}); got != tt.record {
			t.Errorf("element %d: AddRecord = %v, want %v", i+1, got, tt.record)
		}
	}
	l := b.Legacy(time.Unix(0, 0))
	if len(l.Assignments) != 1 || l.Assignments[0].Source != "beta#1" || !l.Assignments[0].IsElevated {
		t.Errorf("assignments %+v", l.Assignments)
	}
	if len(l.Settings) != 1 || l.Settings[0].Source != "beta#3" || l.Settings[0].ElevationDuration != "PT2H" {
		t.Errorf("settings %+v", l.Settings)
	}
	checkRejected(t, l.Rejected, []wantRej{{"beta#2", migrate.RejectNotDirect, "Group"}, {"beta#5", migrate.RejectNotAnObject, "EOF"}})
}
