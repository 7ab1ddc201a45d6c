package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Test principals, roles and tenant. Placeholders {u1}, {ga}... in test
// inputs are replaced by these.
const (
	u1     = "11111111-1111-1111-1111-111111111111"
	u2     = "22222222-2222-2222-2222-222222222222"
	u3     = "33333333-3333-3333-3333-333333333333"
	grp    = "44444444-4444-4444-4444-444444444444"
	sp     = "55555555-5555-5555-5555-555555555555"
	ga     = "62e90394-69f5-4237-9190-012177145e10" // Global Administrator
	sec    = "194ae4cb-b126-40b2-bd5b-6091b380977d" // Security Administrator
	tenant = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	other  = "ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee"
)

// fill replaces the placeholders of a test input.
func fill(s string) string {
	return strings.NewReplacer(
		"{u1}", u1, "{u2}", u2, "{u3}", u3, "{grp}", grp, "{sp}", sp,
		"{ga}", ga, "{sec}", sec, "{tenant}", tenant, "{other}", other,
		"{U1}", strings.ToUpper(u1), "{GA}", strings.ToUpper(ga),
	).Replace(s)
}

func ts(t *testing.T, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	v = v.UTC()
	return &v
}

// it1 is an expected iteration-1 assignment.
func it1(t *testing.T, src, user, role string, elevated bool, exp string) migrate.Assignment {
	t.Helper()
	a := migrate.Assignment{ID: user + "_" + role, UserID: migrate.MustGUID(user), RoleID: migrate.MustGUID(role),
		PrincipalType: migrate.PrincipalUser, IsElevated: elevated, Origin: migrate.OriginIteration1, Source: src}
	if exp != "" {
		a.ExpirationDateTime = ts(t, exp)
	}
	a.State = migrate.DeriveState(elevated, exp != "")
	return a
}

// it2 is an expected iteration-2 assignment.
func it2(t *testing.T, src, id, subject, role string, pt migrate.PrincipalType, elevated bool, start, end string) migrate.Assignment {
	t.Helper()
	a := migrate.Assignment{ID: id, UserID: migrate.MustGUID(subject), RoleID: migrate.MustGUID(role),
		PrincipalType: pt, IsElevated: elevated, Origin: migrate.OriginIteration2, Source: src}
	if end != "" {
		a.ExpirationDateTime = ts(t, end)
	}
	if start != "" {
		a.StartDateTime = ts(t, start)
	}
	a.State = migrate.DeriveState(elevated, end != "")
	return a
}

type wantRej struct {
	source, reason string
	detail         string // a part of the detail
}

type wantRead struct {
	kind        string
	records     int
	nextLink    string
	tenantID    string
	assignments []migrate.Assignment
	settings    []migrate.LegacySettings
	rejected    []wantRej
}

// readString reads in as a snapshot named name into a new Builder.
func readString(t *testing.T, name, in string) (Info, *migrate.Legacy, error) {
	t.Helper()
	b := migrate.NewBuilder("")
	info, err := Read(context.Background(), name, strings.NewReader(in), b)
	return info, b.Legacy(time.Unix(0, 0)), err
}

func checkRead(t *testing.T, name, in string, w wantRead) {
	t.Helper()
	info, l, err := readString(t, name, in)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if info.Kind != w.kind || info.Records != w.records || info.NextLink != w.nextLink {
		t.Errorf("Info = %+v, want kind %s, records %d, nextLink %q", info, w.kind, w.records, w.nextLink)
	}
	if l.TenantID != w.tenantID {
		t.Errorf("tenantId = %q, want %q", l.TenantID, w.tenantID)
	}
	if w.assignments == nil {
		w.assignments = []migrate.Assignment{}
	}
	if got, want := asJSON(t, l.Assignments), asJSON(t, w.assignments); got != want {
		t.Errorf("assignments:\n got %s\nwant %s", got, want)
	}
	if got, want := asJSON(t, l.Settings), asJSON(t, w.settings); got != want {
		t.Errorf("settings:\n got %s\nwant %s", got, want)
	}
	checkRejected(t, l.Rejected, w.rejected)
	if n := countRecords(l); n != info.Records {
		t.Errorf("records: Info says %d, the legacy snapshot accounts for %d", info.Records, n)
	}
}

func checkRejected(t *testing.T, got []migrate.Rejected, want []wantRej) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("rejected: got %d, want %d:\n%s", len(got), len(want), asJSON(t, got))
		return
	}
	for i, w := range want {
		g := got[i]
		if g.Source != w.source || g.Reason != w.reason {
			t.Errorf("rejected[%d] = %s %s (%s), want %s %s", i, g.Source, g.Reason, g.Detail, w.source, w.reason)
		}
		if g.Detail == "" || !strings.Contains(g.Detail, w.detail) {
			t.Errorf("rejected[%d] detail %q, want it to contain %q", i, g.Detail, w.detail)
		}
	}
}

// countRecords is how many input records a legacy snapshot accounts for:
// each is an assignment, folded into one, role settings, or rejected.
func countRecords(l *migrate.Legacy) int {
	n := len(l.Assignments) + len(l.Settings) + len(l.Rejected)
	for _, a := range l.Assignments {
		n += len(a.FoldedFrom)
	}
	return n
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// formatError asserts err is a *FormatError.
func formatError(t *testing.T, err error) *FormatError {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FormatError", err, err)
	}
	if !errors.Is(err, ErrNotSnapshot) {
		t.Errorf("errors.Is(%v, ErrNotSnapshot) = false", err)
	}
	return fe
}

// countingSink counts what a reader passes on, and checks each record.
type countingSink struct {
	t        testing.TB
	added    int
	rejected int
}

func (s *countingSink) Add(r migrate.Record) {
	s.added++
	if r.PrincipalID.IsZero() || r.RoleID.IsZero() || !r.PrincipalType.Valid() || r.Pos.N < 1 || r.Pos.File == "" {
		s.t.Errorf("added an incomplete record %+v", r)
	}
	if r.Origin != migrate.OriginIteration1 && (r.Origin != migrate.OriginIteration2 || r.ID == "") {
		s.t.Errorf("added a record with origin %q and id %q", r.Origin, r.ID)
	}
}

func (s *countingSink) AddSettings(r migrate.SettingsRecord) {
	s.added++
	if r.Settings.RoleID.IsZero() || r.Pos.N < 1 || r.Pos.File == "" || r.Settings.Check() != nil {
		s.t.Errorf("added an incomplete settings record %+v", r)
	}
}

func (s *countingSink) Reject(r migrate.Rejected) {
	s.rejected++
	if r.Source == "" || r.Reason == "" || r.Detail == "" {
		s.t.Errorf("rejection without source, reason or detail: %+v", r)
	}
}
