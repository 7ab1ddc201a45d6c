package migrate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Pos is where a record sits in its input: a record number (JSON documents,
// "file#N", 1-based) or a line number (JSON Lines and CSV, "file:N").
type Pos struct {
	File string
	N    int
	Line bool
}

func (p Pos) String() string {
	if p.Line {
		return p.File + ":" + strconv.Itoa(p.N)
	}
	return p.File + "#" + strconv.Itoa(p.N)
}

// Record is one usable record as a snapshot reader parsed it, before
// duplicates and iteration-2 activations are folded.
type Record struct {
	Pos    Pos
	Origin Origin
	// ID is the iteration-2 id; for iteration 1 it is derived from the
	// principal and role (a reader has already checked any id it was given).
	ID            string
	PrincipalID   GUID
	RoleID        GUID
	PrincipalType PrincipalType
	IsElevated    bool
	Expiration    time.Time // zero: none
	Start         time.Time // zero: none (iteration 2)
	// LinkedEligibleID is set on an iteration-2 activation.
	LinkedEligibleID string
	// TenantID is the iteration-2 resourceId, lower-case; "" when unknown.
	TenantID string
}

// Builder collects the records of an export, folds exact duplicates and
// iteration-2 activations, rejects conflicting duplicates and records from
// another tenant, and writes legacy.json. It keeps a compact entry per
// record (no per-record strings for iteration 1) so a million records fit
// in a few hundred megabytes.
type Builder struct {
	tenantID string
	files    []string
	fileIdx  map[string]int32
	entries  []entry
	byIter1  map[[32]byte]int32
	byIter2  map[string]int32
	rejected []Rejected
	sources  []Source
	folded   bool
}

type entry struct {
	user, role GUID
	exp        time.Time
	id         string // iteration 2 only
	extra      *entryExtra
	file       int32
	n          int32
	line       bool
	elevated   bool
	origin     Origin
	ptype      PrincipalType
	dead       bool // folded into another entry
}

type entryExtra struct {
	start         time.Time
	eligibleUntil *time.Time
	linked        string
	warnings      []string
	foldedFrom    []string
}

// NewBuilder returns an empty builder. tenantID, if not empty, is the tenant
// the records must belong to; otherwise the first iteration-2 record that
// names a tenant sets it.
func NewBuilder(tenantID string) *Builder {
	return &Builder{
		tenantID: strings.ToLower(tenantID),
		fileIdx:  map[string]int32{},
		byIter1:  map[[32]byte]int32{},
		byIter2:  map[string]int32{},
	}
}

// TenantID is the tenant the records belong to, "" if none said.
func (b *Builder) TenantID() string { return b.tenantID }

// AddSource records an input once it has been read.
func (b *Builder) AddSource(s Source) { b.sources = append(b.sources, s) }

// Reject records an input record that cannot be used.
func (b *Builder) Reject(r Rejected) { b.rejected = append(b.rejected, r) }

func (b *Builder) pos(e *entry) Pos {
	return Pos{File: b.files[e.file], N: int(e.n), Line: e.line}
}

// Add takes a parsed record.
func (b *Builder) Add(r Record) {
	if r.TenantID != "" {
		if b.tenantID == "" {
			b.tenantID = r.TenantID
		} else if r.TenantID != b.tenantID {
			b.Reject(Rejected{Source: r.Pos.String(), Reason: RejectTenantMismatch,
				Detail: fmt.Sprintf("resourceId %s is not tenant %s; export each tenant on its own", r.TenantID, b.tenantID)})
			return
		}
	}
	fi, ok := b.fileIdx[r.Pos.File]
	if !ok {
		fi = int32(len(b.files))
		b.files = append(b.files, r.Pos.File)
		b.fileIdx[r.Pos.File] = fi
	}
	e := entry{
		user: r.PrincipalID, role: r.RoleID, exp: r.Expiration, file: fi, n: int32(r.Pos.N),
		line: r.Pos.Line, elevated: r.IsElevated, origin: r.Origin, ptype: r.PrincipalType,
	}
	if r.Origin == OriginIteration2 {
		e.id = r.ID
		if !r.Start.IsZero() || r.LinkedEligibleID != "" {
			e.extra = &entryExtra{start: r.Start, linked: r.LinkedEligibleID}
		}
	}
	// Duplicates: the same legacy id seen again.
	var prev int32
	var seen bool
	var k [32]byte
	if r.Origin == OriginIteration2 {
		prev, seen = b.byIter2[e.id]
	} else {
		copy(k[:16], e.user[:])
		copy(k[16:], e.role[:])
		prev, seen = b.byIter1[k]
	}
	if seen {
		p := &b.entries[prev]
		if sameRecord(p, &e) {
			x := p.ensureExtra()
			if len(x.foldedFrom) == 0 {
				x.warnings = append(x.warnings, WarnDuplicateRecord)
			}
			x.foldedFrom = append(x.foldedFrom, r.Pos.String())
			return
		}
		b.Reject(Rejected{Source: r.Pos.String(), Reason: RejectConflictingDuplicate,
			Detail: fmt.Sprintf("same id as %s but different fields (%s); keep one of the two in the snapshot", b.pos(p), diffRecord(p, &e))})
		return
	}
	idx := int32(len(b.entries))
	b.entries = append(b.entries, e)
	if r.Origin == OriginIteration2 {
		b.byIter2[e.id] = idx
	} else {
		b.byIter1[k] = idx
	}
}

func (e *entry) ensureExtra() *entryExtra {
	if e.extra == nil {
		e.extra = &entryExtra{}
	}
	return e.extra
}

func (e *entry) start() time.Time {
	if e.extra == nil {
		return time.Time{}
	}
	return e.extra.start
}

func (e *entry) linked() string {
	if e.extra == nil {
		return ""
	}
	return e.extra.linked
}

func sameRecord(a, b *entry) bool {
	return diffRecord(a, b) == ""
}

// diffRecord names the fields two records with the same id disagree on.
func diffRecord(a, b *entry) string {
	var d []string
	if a.user != b.user {
		d = append(d, "principal")
	}
	if a.role != b.role {
		d = append(d, "role")
	}
	if a.ptype != b.ptype {
		d = append(d, "principal type")
	}
	if a.elevated != b.elevated {
		d = append(d, "isElevated")
	}
	if !a.exp.Equal(b.exp) {
		d = append(d, "expiration")
	}
	if !a.start().Equal(b.start()) {
		d = append(d, "start")
	}
	if a.linked() != b.linked() {
		d = append(d, "linked eligibility")
	}
	return strings.Join(d, ", ")
}

// fold folds iteration-2 activations into the eligibility they activate.
// An active iteration-2 assignment with an end and no eligibility in the
// snapshot to fold into keeps its end as the end of the eligibility it
// becomes: the principal never gets access past the date legacy PIM gave.
func (b *Builder) fold() {
	if b.folded {
		return
	}
	b.folded = true
	activated := map[int32]bool{}
	for i := range b.entries {
		a := &b.entries[i]
		if a.origin != OriginIteration2 || !a.elevated || activated[int32(i)] {
			continue // not an activation, or an eligibility already folded into
		}
		j, ok := b.byIter2[a.linked()]
		if a.linked() == "" || !ok || b.entries[j].elevated && !activated[j] {
			if !a.exp.IsZero() {
				end := a.exp
				a.ensureExtra().eligibleUntil = &end
			}
			continue
		}
		el := &b.entries[j]
		if el.user != a.user || el.role != a.role {
			a.dead = true
			b.Reject(Rejected{Source: b.pos(a).String(), Reason: RejectActivationOfOtherRole,
				Detail: fmt.Sprintf("activation of %s, which is for another principal or role; check the snapshot", b.pos(el))})
			continue
		}
		a.dead = true
		x := el.ensureExtra()
		x.foldedFrom = append(x.foldedFrom, b.pos(a).String())
		if a.exp.IsZero() {
			continue // an activation without an end adds nothing to keep
		}
		if !activated[j] {
			activated[j] = true
			if !el.exp.IsZero() {
				end := el.exp
				x.eligibleUntil = &end
			}
			el.elevated = true
			el.exp = a.exp
		} else if a.exp.After(el.exp) {
			el.exp = a.exp
		}
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (b *Builder) assignment(e *entry) Assignment {
	a := Assignment{
		ID:                 e.id,
		UserID:             e.user,
		RoleID:             e.role,
		PrincipalType:      e.ptype,
		IsElevated:         e.elevated,
		ExpirationDateTime: timePtr(e.exp),
		State:              DeriveState(e.elevated, !e.exp.IsZero()),
		Origin:             e.origin,
		Source:             b.pos(e).String(),
	}
	if e.origin == OriginIteration1 {
		a.ID = Key(e.user, e.role)
	}
	if x := e.extra; x != nil {
		a.StartDateTime = timePtr(x.start)
		a.EligibleUntil = x.eligibleUntil
		a.Warnings = x.warnings
		a.FoldedFrom = x.foldedFrom
	}
	return a
}

// Len is the number of assignments the export will hold.
func (b *Builder) Len() int {
	b.fold()
	n := 0
	for i := range b.entries {
		if !b.entries[i].dead {
			n++
		}
	}
	return n
}

// Legacy folds and returns the whole snapshot in memory.
func (b *Builder) Legacy(exportedAt time.Time) *Legacy {
	b.fold()
	l := &Legacy{Schema: LegacySchema, ExportedAt: exportedAt.UTC(), TenantID: b.tenantID,
		Sources: b.sourcesOrEmpty(), Assignments: make([]Assignment, 0, len(b.entries)), Rejected: b.rejectedOrEmpty()}
	for i := range b.entries {
		if !b.entries[i].dead {
			l.Assignments = append(l.Assignments, b.assignment(&b.entries[i]))
		}
	}
	return l
}

func (b *Builder) sourcesOrEmpty() []Source {
	if b.sources == nil {
		return []Source{}
	}
	return b.sources
}

func (b *Builder) rejectedOrEmpty() []Rejected {
	if b.rejected == nil {
		return []Rejected{}
	}
	return b.rejected
}

// WriteLegacy folds and streams legacy.json to w, one assignment at a time,
// in the same form Legacy would marshal to.
func (b *Builder) WriteLegacy(w io.Writer, exportedAt time.Time) error {
	b.fold()
	bw := bufio.NewWriterSize(w, 256<<10)
	head, err := json.Marshal(struct {
		Schema     string    `json:"schema"`
		ExportedAt time.Time `json:"exportedAt"`
		TenantID   string    `json:"tenantId"`
		Sources    []Source  `json:"sources"`
	}{LegacySchema, exportedAt.UTC(), b.tenantID, b.sourcesOrEmpty()})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1])
	bw.WriteString(",\n\"assignments\":[")
	enc := json.NewEncoder(bw)
	first := true
	for i := range b.entries {
		e := &b.entries[i]
		if e.dead {
			continue
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		a := b.assignment(e)
		if err := enc.Encode(&a); err != nil { // Encode ends each with a newline
			return err
		}
	}
	bw.WriteString("],\n\"rejected\":")
	rj, err := json.Marshal(b.rejectedOrEmpty())
	if err != nil {
		return err
	}
	bw.Write(rj)
	bw.WriteString("}\n")
	return bw.Flush()
}

// Sources returns the inputs read so far.
func (b *Builder) Sources() []Source { return b.sourcesOrEmpty() }

// Rejected returns the records rejected so far (after folding, which can
// reject an activation of another principal's eligibility).
func (b *Builder) Rejected() []Rejected {
	b.fold()
	return b.rejectedOrEmpty()
}

// Folded is the number of records folded into others: exact duplicates and
// iteration-2 activations.
func (b *Builder) Folded() int {
	b.fold()
	n := 0
	for i := range b.entries {
		if x := b.entries[i].extra; x != nil && !b.entries[i].dead {
			n += len(x.foldedFrom)
		}
	}
	return n
}
