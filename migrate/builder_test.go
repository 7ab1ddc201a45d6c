package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func r1(file string, n int, user, role GUID, elevated bool, exp time.Time) Record {
	return Record{Pos: Pos{File: file, N: n}, Origin: OriginIteration1, PrincipalID: user, RoleID: role,
		PrincipalType: PrincipalUser, IsElevated: elevated, Expiration: exp}
}

func r2(n int, id string, user, role GUID, active bool, end time.Time, linked string) Record {
	return Record{Pos: Pos{File: "i2.csv", N: n, Line: true}, Origin: OriginIteration2, ID: id, PrincipalID: user,
		RoleID: role, PrincipalType: PrincipalUser, IsElevated: active, Expiration: end, LinkedEligibleID: linked,
		TenantID: "3f1c2d4e-0000-4000-8000-00000000c0de"}
}

func TestBuilder(t *testing.T) {
	exp := asOf.Add(time.Hour)
	tests := []struct {
		name     string
		records  []Record
		want     []Assignment
		rejected []Rejected
	}{
		{
			name:    "iteration 1 id is derived and lower case",
			records: []Record{r1("a.json", 1, MustGUID(strings.ToUpper(userA)), rGA, true, time.Time{})},
			want: []Assignment{{ID: userA + "_" + roleG, UserID: MustGUID(userA), RoleID: rGA, PrincipalType: PrincipalUser,
				IsElevated: true, State: StatePermanent, Origin: OriginIteration1, Source: "a.json#1"}},
		},
		{
			name: "exact duplicate folds with a warning",
			records: []Record{r1("a.json", 1, gAlice, rGA, false, exp), r1("b.csv", 7, gAlice, rGA, false, exp),
				r1("c.json", 2, gAlice, rGA, false, exp)},
			want: []Assignment{{ID: Key(gAlice, rGA), UserID: gAlice, RoleID: rGA, PrincipalType: PrincipalUser,
				ExpirationDateTime: &exp, State: StateTimeBoundEligible, Origin: OriginIteration1, Source: "a.json#1",
				Warnings: []string{WarnDuplicateRecord}, FoldedFrom: []string{"b.csv#7", "c.json#2"}}},
		},
		{
			name:     "conflicting duplicates are all rejected, none kept",
			records:  []Record{r1("a.json", 1, gAlice, rGA, false, time.Time{}), r1("a.json", 2, gAlice, rGA, true, time.Time{})},
			want:     []Assignment{},
			rejected: []Rejected{{Source: "a.json#1", Reason: RejectConflictingDuplicate}, {Source: "a.json#2", Reason: RejectConflictingDuplicate}},
		},
		{
			name: "iteration 2 activation folds into its eligibility",
			records: []Record{
				r2(2, "act-1", gAlice, rGA, true, exp, "elig-1"),
				r2(3, "elig-1", gAlice, rGA, false, asOf.Add(30*24*time.Hour), ""),
			},
			want: []Assignment{{ID: "elig-1", UserID: gAlice, RoleID: rGA, PrincipalType: PrincipalUser, IsElevated: true,
				ExpirationDateTime: &exp, State: StateActivated, Origin: OriginIteration2, Source: "i2.csv:3",
				EligibleUntil: at(30 * 24 * time.Hour), FoldedFrom: []string{"i2.csv:2"}}},
		},
		{
			name:    "iteration 2 active with an end and nothing to fold into ends its eligibility there",
			records: []Record{r2(2, "act-1", gAlice, rGA, true, exp, "")},
			want: []Assignment{{ID: "act-1", UserID: gAlice, RoleID: rGA, PrincipalType: PrincipalUser, IsElevated: true,
				ExpirationDateTime: &exp, State: StateActivated, Origin: OriginIteration2, Source: "i2.csv:2", EligibleUntil: &exp}},
		},
		{
			name: "activation of another principal's eligibility is rejected",
			records: []Record{
				r2(2, "elig-1", gAlice, rGA, false, time.Time{}, ""),
				r2(3, "act-1", gGuest, rGA, true, exp, "elig-1"),
			},
			want: []Assignment{{ID: "elig-1", UserID: gAlice, RoleID: rGA, PrincipalType: PrincipalUser,
				State: StateEligible, Origin: OriginIteration2, Source: "i2.csv:2"}},
			rejected: []Rejected{{Source: "i2.csv:3", Reason: RejectActivationOfOtherRole}},
		},
		{
			name: "records of another tenant are rejected",
			records: []Record{
				r2(2, "elig-1", gAlice, rGA, false, time.Time{}, ""),
				func() Record {
					r := r2(3, "elig-2", gGuest, rGA, false, time.Time{}, "")
					r.TenantID = "other"
					return r
				}(),
			},
			want: []Assignment{{ID: "elig-1", UserID: gAlice, RoleID: rGA, PrincipalType: PrincipalUser,
				State: StateEligible, Origin: OriginIteration2, Source: "i2.csv:2"}},
			rejected: []Rejected{{Source: "i2.csv:3", Reason: RejectTenantMismatch}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder("")
			for _, r := range tt.records {
				b.Add(r)
			}
			l := b.Legacy(asOf)
			if !reflect.DeepEqual(l.Assignments, tt.want) {
				gotJ, _ := json.MarshalIndent(l.Assignments, "", " ")
				wantJ, _ := json.MarshalIndent(tt.want, "", " ")
				t.Errorf("assignments:\n%s\nwant:\n%s", gotJ, wantJ)
			}
			if len(l.Rejected) != len(tt.rejected) {
				t.Fatalf("rejected %+v, want %+v", l.Rejected, tt.rejected)
			}
			for i, r := range tt.rejected {
				if l.Rejected[i].Source != r.Source || l.Rejected[i].Reason != r.Reason || l.Rejected[i].Detail == "" {
					t.Errorf("rejected[%d] = %+v, want %+v with a detail", i, l.Rejected[i], r)
				}
			}
		})
	}
}

// TestBuilderConflictsIgnoreOrder: records with the same id that disagree
// are never settled by which came first. Every one of them is rejected
// conflicting-duplicate, naming them all, in whatever order they arrive:
// within a file, across files, with exact duplicates among them, and with
// an activation of the disputed eligibility.
func TestBuilderConflictsIgnoreOrder(t *testing.T) {
	exp := asOf.Add(time.Hour)
	other := func(r Record, file string) Record { r.Pos.File = file; return r }
	tests := []struct {
		name    string
		records []Record
		keep    []string // sources of the assignments that remain
	}{
		{name: "iteration 1, one file: permanent and eligible",
			records: []Record{r1("a.json", 1, gAlice, rGA, true, time.Time{}), r1("a.json", 2, gAlice, rGA, false, time.Time{})}},
		{name: "iteration 1, two files: permanent and eligible",
			records: []Record{r1("snapA.jsonl", 1, gAlice, rGA, true, time.Time{}), r1("snapB.jsonl", 1, gAlice, rGA, false, time.Time{})}},
		{name: "an exact duplicate of one side is rejected with it",
			records: []Record{r1("a.json", 1, gAlice, rGA, true, time.Time{}), r1("b.json", 1, gAlice, rGA, true, time.Time{}),
				r1("c.json", 1, gAlice, rGA, false, exp), r1("d.json", 5, gGuest, rGA, false, time.Time{})},
			keep: []string{"d.json#5"}},
		{name: "iteration 2, same id for another principal",
			records: []Record{r2(2, "elig-1", gAlice, rGA, false, time.Time{}, ""), other(r2(2, "elig-1", gGuest, rGA, false, time.Time{}, ""), "j.csv")}},
		{name: "iteration 2, an activation of a disputed eligibility",
			records: []Record{r2(2, "elig-1", gAlice, rGA, false, time.Time{}, ""), r2(3, "elig-1", gAlice, rGA, false, exp, ""),
				r2(4, "act-1", gAlice, rGA, true, exp, "elig-1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first string
			permute(tt.records, func(recs []Record) {
				b := NewBuilder("")
				for _, r := range recs {
					b.Add(r)
				}
				l := b.Legacy(asOf)
				var kept []string
				for _, a := range l.Assignments {
					kept = append(kept, a.Source)
				}
				if fmt.Sprint(kept) != fmt.Sprint(tt.keep) {
					t.Errorf("order %v: kept %v, want %v", sources(recs), kept, tt.keep)
				}
				if n := len(l.Rejected) + len(l.Assignments); n != len(recs) {
					t.Errorf("order %v: %d records accounted for, want %d: %+v", sources(recs), n, len(recs), l)
				}
				for _, r := range l.Rejected {
					if r.Reason != RejectConflictingDuplicate || !strings.Contains(r.Detail, "none of them is migrated") {
						t.Errorf("order %v: rejected %+v", sources(recs), r)
					}
				}
				sort.Slice(l.Rejected, func(i, j int) bool { return l.Rejected[i].Source < l.Rejected[j].Source })
				got, _ := json.Marshal(l.Rejected)
				if first == "" {
					first = string(got)
				} else if string(got) != first {
					t.Errorf("order %v: rejected\n%s\nother order:\n%s", sources(recs), got, first)
				}
			})
		})
	}
}

// TestBuilderDuplicatesIgnoreOrder: exact duplicates fold into the record
// first in file and record order, whichever was read first.
func TestBuilderDuplicatesIgnoreOrder(t *testing.T) {
	recs := []Record{r1("c.json", 2, gAlice, rGA, false, time.Time{}), r1("a.json", 10, gAlice, rGA, false, time.Time{}),
		r1("a.json", 9, gAlice, rGA, false, time.Time{})}
	var first string
	permute(recs, func(recs []Record) {
		b := NewBuilder("")
		for _, r := range recs {
			b.Add(r)
		}
		l := b.Legacy(asOf)
		if len(l.Assignments) != 1 || l.Assignments[0].Source != "a.json#9" {
			t.Fatalf("order %v: %+v, want one assignment from a.json#9", sources(recs), l.Assignments)
		}
		got, _ := json.Marshal(l.Assignments)
		if first == "" {
			first = string(got)
		} else if string(got) != first {
			t.Errorf("order %v:\n%s\nother order:\n%s", sources(recs), got, first)
		}
	})
}

// permute calls fn with every order of recs.
func permute(recs []Record, fn func([]Record)) {
	var walk func(k int)
	walk = func(k int) {
		if k == len(recs) {
			fn(append([]Record(nil), recs...))
			return
		}
		for i := k; i < len(recs); i++ {
			recs[k], recs[i] = recs[i], recs[k]
			walk(k + 1)
			recs[k], recs[i] = recs[i], recs[k]
		}
	}
	walk(0)
}

func sources(recs []Record) []string {
	var s []string
	for _, r := range recs {
		s = append(s, r.Pos.String())
	}
	return s
}

// TestWriteLegacyMatchesLegacy checks that the streaming writer and the
// in-memory form agree, and that ReadLegacy reads it back.
func TestWriteLegacyMatchesLegacy(t *testing.T) {
	b := NewBuilder("")
	b.AddSource(Source{Kind: "test", Path: "a.json", Records: 3})
	b.Add(r1("a.json", 1, gAlice, rGA, true, time.Time{}))
	b.Add(r1("a.json", 2, gGuest, rGA, false, asOf.Add(time.Hour)))
	b.Add(r1("a.json", 3, gGuest, rGA, false, asOf.Add(time.Hour)))
	b.Reject(Rejected{Source: "a.json#4", Reason: RejectMalformedGUID, Detail: "x"})
	var buf bytes.Buffer
	if err := b.WriteLegacy(&buf, asOf); err != nil {
		t.Fatal(err)
	}
	streamed, err := ReadLegacy(bytes.NewReader(buf.Bytes()), "legacy.json")
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if want := b.Legacy(asOf); !reflect.DeepEqual(streamed, want) {
		t.Errorf("streamed %+v\nwant %+v", streamed, want)
	}
}

func TestReadLegacyRefuses(t *testing.T) {
	tests := map[string]string{
		"truncated":       `{"schema":"pimmigrate.legacy/v1","assignments":[`,
		"other schema":    `{"schema":"pimmigrate.plan/v1"}`,
		"state mismatch":  `{"schema":"pimmigrate.legacy/v1","assignments":[{"id":"x","userId":"` + userA + `","roleId":"` + roleG + `","principalType":"user","isElevated":false,"expirationDateTime":null,"state":"permanent","origin":"iteration1","source":"a#1"}]}`,
		"bad guid":        `{"schema":"pimmigrate.legacy/v1","assignments":[{"userId":"nope"}]}`,
		"bad principal":   `{"schema":"pimmigrate.legacy/v1","assignments":[{"id":"x","userId":"` + userA + `","roleId":"` + roleG + `","principalType":"robot","isElevated":true,"state":"permanent","origin":"iteration1","source":"a#1"}]}`,
		"not json at all": `<html>`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ReadLegacy(strings.NewReader(in), "legacy.json")
			if err == nil || !strings.Contains(err.Error(), "legacy.json") {
				t.Fatalf("err = %v, want an error naming the file", err)
			}
		})
	}
}

// TestFoldKeepsDuplicatesOfActivations: an activation seen twice, then
// folded into its eligibility, must not lose the second sighting; nor may a
// rejected activation lose its duplicates.
func TestFoldKeepsDuplicatesOfActivations(t *testing.T) {
	exp := asOf.Add(time.Hour)
	b := NewBuilder("")
	b.Add(r2(2, "elig-1", gAlice, rGA, false, time.Time{}, ""))
	b.Add(r2(3, "act-1", gAlice, rGA, true, exp, "elig-1"))
	b.Add(r2(4, "act-1", gAlice, rGA, true, exp, "elig-1"))
	b.Add(r2(5, "elig-2", gGuest, rGA, false, time.Time{}, ""))
	b.Add(r2(6, "act-2", gAlice, rSecReader, true, exp, "elig-2"))
	b.Add(r2(7, "act-2", gAlice, rSecReader, true, exp, "elig-2"))
	l := b.Legacy(asOf)
	seen := map[string]bool{}
	for _, a := range l.Assignments {
		seen[a.Source] = true
		for _, s := range a.FoldedFrom {
			seen[s] = true
		}
	}
	for _, r := range l.Rejected {
		seen[r.Source] = true
	}
	for n := 2; n <= 7; n++ {
		if src := fmt.Sprintf("i2.csv:%d", n); !seen[src] {
			t.Errorf("%s is nowhere in the export: %+v", src, l)
		}
	}
}

// TestWriteLegacyEscapes feeds the hand-written encoder the awkward parts:
// iteration-2 ids and file names with quotes, backslashes, control
// characters, non-ASCII and invalid UTF-8, plus every optional field.
func TestWriteLegacyEscapes(t *testing.T) {
	exp := asOf.Add(time.Hour)
	b := NewBuilder("")
	weird := "C:\\snap\"shots\"\\día\t\x01\xff.json"
	e := r2(2, "id \"with\" \\ <tricks> & \u2028", gAlice, rGA, false, exp, "")
	e.Pos.File, e.Start = weird, asOf.Add(-time.Hour)
	b.Add(e)
	e.Pos.N = 9
	b.Add(e) // a duplicate: warnings and foldedFrom
	b.Add(r2(3, "act", gAlice, rGA, true, asOf.Add(time.Minute), e.ID))
	var buf bytes.Buffer
	if err := b.WriteLegacy(&buf, asOf); err != nil {
		t.Fatal(err)
	}
	streamed, err := ReadLegacy(bytes.NewReader(buf.Bytes()), "legacy.json")
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	want := b.Legacy(asOf)
	// encoding/json turns invalid UTF-8 into U+FFFD on the way out as well.
	wantJ, _ := json.Marshal(want)
	var roundTripped Legacy
	json.Unmarshal(wantJ, &roundTripped)
	if !reflect.DeepEqual(streamed, &roundTripped) {
		gotJ, _ := json.Marshal(streamed)
		t.Errorf("streamed\n%s\nwant\n%s", gotJ, wantJ)
	}
}

// TestBuilderHashCollision forces two different principal/role pairs into
// the same hash slot: neither may be taken for a duplicate of the other.
func TestBuilderHashCollision(t *testing.T) {
	b := NewBuilder("")
	b.Add(r1("a.json", 1, gAlice, rGA, true, time.Time{}))
	var k [32]byte
	copy(k[:16], gGuest[:])
	copy(k[16:], rGA[:])
	b.byIter1[hash64(&k)] = 0 // pretend guest's key hashes to alice's entry
	b.Add(r1("a.json", 2, gGuest, rGA, false, time.Time{}))
	b.Add(r1("a.json", 3, gGuest, rGA, false, time.Time{})) // a real duplicate, found through collide
	l := b.Legacy(asOf)
	if len(l.Assignments) != 2 || len(l.Rejected) != 0 || len(l.Assignments[1].FoldedFrom) != 1 {
		t.Fatalf("%+v", l)
	}
}
