package migrate

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
// another tenant, and writes legacy.json. Records with the same id that
// disagree are never settled by which came first: every one of them is
// rejected (see Add), so the order of the inputs never changes what is
// migrated. It keeps a compact entry per record (no per-record strings for
// iteration 1, entries in fixed-size chunks that never move) so a million
// records take about a hundred bytes each.
type Builder struct {
	tenantID string
	files    []string
	fileIdx  map[string]int32
	chunks   [][]entry
	n        int32
	// byIter1 finds an iteration-1 entry by a 64-bit hash of principal and
	// role (a third of the memory of a [32]byte key); the rare keys whose
	// hash is taken by another pair go to collide.
	byIter1  map[uint64]int32
	collide  map[[32]byte]int32
	byIter2  map[string]int32
	rejected []Rejected
	sources  []Source
	settings []settingsEntry
	folded   bool
	// conflicted lists the entries whose id other records disagree with.
	conflicted []int32
}

const chunkBits = 13 // 8,192 entries a chunk

type entry struct {
	user, role GUID
	exp        time.Time
	id         string // iteration 2 only
	extra      *entryExtra
	file       int32
	n          int32
	line       bool
	elevated   bool
	dead       bool // folded into another entry, or rejected at fold time
	origin     uint8
	ptype      uint8
}

// Compact codes of the entry's enumerations.
var (
	origins = [...]Origin{OriginIteration1, OriginIteration2}
	ptypes  = [...]PrincipalType{PrincipalUser, PrincipalGroup, PrincipalServicePrincipal}
)

func code[T comparable](all []T, v T) uint8 {
	for i, x := range all {
		if x == v {
			return uint8(i)
		}
	}
	return 0
}

type entryExtra struct {
	start         time.Time
	eligibleUntil *time.Time
	linked        string
	warnings      []string
	foldedFrom    []string
	// conflicts lists the records with the entry's id that disagree with
	// it on the fields in disputed.
	conflicts []string
	disputed  fields
}

// NewBuilder returns an empty builder. tenantID, if not empty, is the tenant
// the records must belong to; otherwise the first iteration-2 record that
// names a tenant sets it.
func NewBuilder(tenantID string) *Builder {
	return &Builder{
		tenantID: strings.ToLower(tenantID),
		fileIdx:  map[string]int32{},
		byIter1:  map[uint64]int32{},
		collide:  map[[32]byte]int32{},
		byIter2:  map[string]int32{},
	}
}

// TenantID is the tenant the records belong to, "" if none said.
func (b *Builder) TenantID() string { return b.tenantID }

// AddSource records an input once it has been read.
func (b *Builder) AddSource(s Source) { b.sources = append(b.sources, s) }

// Reject records an input record that cannot be used.
func (b *Builder) Reject(r Rejected) { b.rejected = append(b.rejected, r) }

func (b *Builder) at(i int32) *entry { return &b.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (b *Builder) push(e entry) int32 {
	if int(b.n>>chunkBits) == len(b.chunks) {
		b.chunks = append(b.chunks, make([]entry, 0, 1<<chunkBits))
	}
	c := &b.chunks[len(b.chunks)-1]
	*c = append(*c, e)
	b.n++
	return b.n - 1
}

func (b *Builder) pos(e *entry) Pos {
	return Pos{File: b.files[e.file], N: int(e.n), Line: e.line}
}

// Add takes a parsed record. A record with the id of one added before is
// folded into it when the two agree on every field (a duplicate-record
// warning); when they disagree, every record with that id — in whatever
// order they came, from whichever file — is rejected conflicting-duplicate
// and none is migrated: an admin decides which is right.
func (b *Builder) Add(r Record) {
	if !b.sameTenant(r.TenantID, r.Pos) {
		return
	}
	fi, ok := b.fileIdx[r.Pos.File]
	if !ok {
		fi = int32(len(b.files))
		b.files = append(b.files, r.Pos.File)
		b.fileIdx[r.Pos.File] = fi
	}
	e := entry{
		user: r.PrincipalID, role: r.RoleID, file: fi, n: int32(r.Pos.N), line: r.Pos.Line,
		elevated: r.IsElevated, origin: code(origins[:], r.Origin), ptype: code(ptypes[:], r.PrincipalType),
	}
	if !r.Expiration.IsZero() {
		e.exp = r.Expiration.UTC()
	}
	if r.Origin == OriginIteration2 {
		e.id = r.ID
		if !r.Start.IsZero() || r.LinkedEligibleID != "" {
			e.extra = &entryExtra{linked: r.LinkedEligibleID}
			if !r.Start.IsZero() {
				e.extra.start = r.Start.UTC()
			}
		}
	}
	// Duplicates: the same legacy id seen again.
	var prev int32
	var seen bool
	var k [32]byte
	var h uint64
	if r.Origin == OriginIteration2 {
		prev, seen = b.byIter2[e.id]
	} else {
		copy(k[:16], e.user[:])
		copy(k[16:], e.role[:])
		h = hash64(&k)
		if i, ok := b.byIter1[h]; ok {
			if p := b.at(i); p.user == e.user && p.role == e.role {
				prev, seen = i, true
			} else {
				prev, seen = b.collide[k]
			}
		}
	}
	if seen {
		p := b.at(prev)
		if d := diffRecord(p, &e); d != 0 {
			x := p.ensureExtra()
			if x.conflicts == nil {
				b.conflicted = append(b.conflicted, prev)
			}
			x.conflicts = append(x.conflicts, r.Pos.String())
			x.disputed |= d
			return
		}
		if b.before(r.Pos, p) {
			// The source shown is the first in file and record order, not
			// the first read: the order of --source changes nothing.
			p.addFolded(b.pos(p).String())
			p.file, p.n, p.line = fi, int32(r.Pos.N), r.Pos.Line
		} else {
			p.addFolded(r.Pos.String())
		}
		return
	}
	idx := b.push(e)
	switch _, taken := b.byIter1[h]; {
	case r.Origin == OriginIteration2:
		b.byIter2[e.id] = idx
	case taken:
		b.collide[k] = idx
	default:
		b.byIter1[h] = idx
	}
}

// sameTenant checks a record's tenant (resourceId, "" when unknown)
// against the export's: the first record to name one sets it, a record of
// another tenant is rejected.
func (b *Builder) sameTenant(tenantID string, pos Pos) bool {
	switch {
	case tenantID == "":
	case b.tenantID == "":
		b.tenantID = tenantID
	case tenantID != b.tenantID:
		b.Reject(Rejected{Source: pos.String(), Reason: RejectTenantMismatch,
			Detail: fmt.Sprintf("resourceId %s is not tenant %s; export each tenant on its own", tenantID, b.tenantID)})
		return false
	}
	return true
}

// AddSettings takes a parsed role settings record. Every record is kept,
// even several for one role from the same origin that disagree: the
// mapping reads them all (the stricter wins), so no input order decides.
func (b *Builder) AddSettings(r SettingsRecord) {
	if !b.sameTenant(r.TenantID, r.Pos) {
		return
	}
	s := r.Settings
	s.Source = r.Pos.String()
	b.settings = append(b.settings, settingsEntry{r.Pos, s})
}

type settingsEntry struct {
	pos Pos
	s   LegacySettings
}

// Settings returns the role settings records, sorted by role, then origin,
// then source (file name, then record or line number).
func (b *Builder) Settings() []LegacySettings {
	if len(b.settings) == 0 {
		return nil
	}
	es := slices.Clone(b.settings)
	slices.SortStableFunc(es, func(x, y settingsEntry) int {
		return cmp.Or(x.s.RoleID.Compare(y.s.RoleID), cmp.Compare(x.s.Origin, y.s.Origin),
			cmp.Compare(x.pos.File, y.pos.File), cmp.Compare(x.pos.N, y.pos.N))
	})
	out := make([]LegacySettings, len(es))
	for i, e := range es {
		out[i] = e.s
	}
	return out
}

// before reports whether position q sorts before e's: by file name, then
// record or line number.
func (b *Builder) before(q Pos, e *entry) bool {
	return cmp.Or(cmp.Compare(q.File, b.files[e.file]), cmp.Compare(q.N, int(e.n))) < 0
}

// hash64 is FNV-1a over a principal and role.
func hash64(k *[32]byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range k {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func (e *entry) ensureExtra() *entryExtra {
	if e.extra == nil {
		e.extra = &entryExtra{}
	}
	return e.extra
}

// addFolded records that the records at srcs were folded into e as exact
// duplicates of it.
func (e *entry) addFolded(srcs ...string) {
	if len(srcs) == 0 {
		return
	}
	x := e.ensureExtra()
	x.warnings = appendUnique(x.warnings, WarnDuplicateRecord)
	x.foldedFrom = append(x.foldedFrom, srcs...)
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

func (e *entry) folded() []string {
	if e.extra == nil {
		return nil
	}
	return e.extra.foldedFrom
}

// fields is a set of the fields records with the same id can disagree on.
type fields uint8

var fieldNames = [...]string{"principal", "role", "principal type", "isElevated", "expiration", "start", "linked eligibility"}

// String names the fields, in a fixed order.
func (f fields) String() string {
	var d []string
	for i, name := range fieldNames {
		if f&(1<<i) != 0 {
			d = append(d, name)
		}
	}
	return strings.Join(d, ", ")
}

// diffRecord returns the fields two records with the same id disagree on.
// Over a group of records, the union of each one's difference from the
// first is the set of fields on which they do not all agree, whichever
// record came first.
func diffRecord(a, b *entry) fields {
	var d fields
	for i, differ := range [len(fieldNames)]bool{
		a.user != b.user, a.role != b.role, a.ptype != b.ptype, a.elevated != b.elevated,
		!a.exp.Equal(b.exp), !a.start().Equal(b.start()), a.linked() != b.linked(),
	} {
		if differ {
			d |= 1 << i
		}
	}
	return d
}

// namedConflicts is how many records a conflicting-duplicate detail names.
const namedConflicts = 5

// rejectConflicts rejects every record of each disputed id: the entry, its
// exact duplicates and the records that disagree with it. Each gets the
// same detail, naming the first few records in sorted order, so the
// rejections do not depend on the order the records came in.
func (b *Builder) rejectConflicts() {
	for _, i := range b.conflicted {
		e := b.at(i)
		e.dead = true
		srcs := append(append([]string{b.pos(e).String()}, e.extra.foldedFrom...), e.extra.conflicts...)
		slices.Sort(srcs)
		named := strings.Join(srcs[:min(len(srcs), namedConflicts)], ", ")
		if len(srcs) > namedConflicts {
			named += fmt.Sprintf(" and %d more", len(srcs)-namedConflicts)
		}
		detail := fmt.Sprintf("%d records with the same id disagree on %s (%s); none of them is migrated: keep the right one in the snapshot and export again",
			len(srcs), e.extra.disputed, named)
		for _, src := range srcs {
			b.Reject(Rejected{Source: src, Reason: RejectConflictingDuplicate, Detail: detail})
		}
	}
}

func (e *entry) disputed() bool { return e.extra != nil && e.extra.conflicts != nil }

// fold folds iteration-2 activations into the eligibility they activate.
// An active iteration-2 assignment with an end and no eligibility in the
// snapshot to fold into keeps its end as the end of the eligibility it
// becomes: the principal never gets access past the date legacy PIM gave.
// Whatever was folded into an activation (its exact duplicates) goes with
// it, so no record is lost.
func (b *Builder) fold() {
	if b.folded {
		return
	}
	b.folded = true
	b.rejectConflicts()
	activated := map[int32]bool{}
	for i := int32(0); i < b.n; i++ {
		a := b.at(i)
		if a.dead || origins[a.origin] != OriginIteration2 || !a.elevated || activated[i] {
			continue // rejected, not an activation, or an eligibility already folded into
		}
		j, ok := b.byIter2[a.linked()]
		if ok && b.at(j).disputed() {
			// The eligibility it activates is disputed: nothing of it migrates.
			a.dead = true
			b.rejectWithFolded(a, RejectConflictingDuplicate, fmt.Sprintf(
				"activation of the eligibility %q, whose records disagree; none of them is migrated: keep the right one in the snapshot and export again", a.linked()))
			continue
		}
		if a.linked() == "" || !ok || b.at(j).elevated && !activated[j] {
			if !a.exp.IsZero() {
				end := a.exp
				a.ensureExtra().eligibleUntil = &end
			}
			continue
		}
		el := b.at(j)
		a.dead = true
		if el.user != a.user || el.role != a.role {
			b.rejectWithFolded(a, RejectActivationOfOtherRole,
				fmt.Sprintf("activation of %s, which is for another principal or role; check the snapshot", b.pos(el)))
			continue
		}
		x := el.ensureExtra()
		x.foldedFrom = append(x.foldedFrom, b.pos(a).String())
		el.addFolded(a.folded()...)
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
	for i := int32(0); i < b.n; i++ { // in an order that does not depend on the inputs'
		if x := b.at(i).extra; x != nil {
			slices.Sort(x.foldedFrom)
		}
	}
}

// rejectWithFolded rejects e's record and the exact duplicates folded into it.
func (b *Builder) rejectWithFolded(e *entry, reason, detail string) {
	b.Reject(Rejected{Source: b.pos(e).String(), Reason: reason, Detail: detail})
	for _, src := range e.folded() {
		b.Reject(Rejected{Source: src, Reason: reason, Detail: detail})
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
		PrincipalType:      ptypes[e.ptype],
		IsElevated:         e.elevated,
		ExpirationDateTime: timePtr(e.exp),
		State:              DeriveState(e.elevated, !e.exp.IsZero()),
		Origin:             origins[e.origin],
		Source:             b.pos(e).String(),
	}
	if a.Origin == OriginIteration1 {
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

// each calls fn for every entry that becomes an assignment, in input order.
func (b *Builder) each(fn func(e *entry) error) error {
	b.fold()
	for i := int32(0); i < b.n; i++ {
		if e := b.at(i); !e.dead {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Len is the number of assignments the export will hold.
func (b *Builder) Len() int {
	n := 0
	b.each(func(*entry) error { n++; return nil })
	return n
}

// Folded is the number of records folded into others: exact duplicates and
// iteration-2 activations.
func (b *Builder) Folded() int {
	n := 0
	b.each(func(e *entry) error { n += len(e.folded()); return nil })
	return n
}

// Sources returns the inputs read so far.
func (b *Builder) Sources() []Source { return b.sourcesOrEmpty() }

// Rejected returns the records rejected so far (after folding, which can
// reject an activation of another principal's eligibility).
func (b *Builder) Rejected() []Rejected {
	b.fold()
	return b.rejectedOrEmpty()
}

// Legacy folds and returns the whole snapshot in memory.
func (b *Builder) Legacy(exportedAt time.Time) *Legacy {
	l := &Legacy{Schema: LegacySchema, ExportedAt: exportedAt.UTC(), TenantID: b.tenantID,
		Sources: b.sourcesOrEmpty(), Assignments: []Assignment{}}
	b.each(func(e *entry) error { l.Assignments = append(l.Assignments, b.assignment(e)); return nil })
	l.Settings = b.Settings()
	l.Rejected = b.rejectedOrEmpty()
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
// in the form Legacy marshals to (a test holds the two to each other). The
// assignments are encoded by hand: reflection was a fifth of an export's
// time.
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
	buf := make([]byte, 0, 512)
	first := true
	err = b.each(func(e *entry) error {
		buf = buf[:0]
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = b.appendAssignment(buf, e)
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("]")
	if settings := b.Settings(); settings != nil {
		js, err := json.Marshal(settings)
		if err != nil {
			return err
		}
		bw.WriteString(",\n\"settings\":")
		bw.Write(js)
	}
	bw.WriteString(",\n\"rejected\":")
	rj, err := json.Marshal(b.rejectedOrEmpty())
	if err != nil {
		return err
	}
	bw.Write(rj)
	bw.WriteString("}\n")
	return bw.Flush()
}

// appendAssignment appends the JSON of e's assignment and a newline.
func (b *Builder) appendAssignment(buf []byte, e *entry) []byte {
	buf = append(buf, `{"id":"`...)
	if origins[e.origin] == OriginIteration1 {
		buf = e.user.AppendText(buf)
		buf = append(buf, '_')
		buf = e.role.AppendText(buf)
		buf = append(buf, '"')
	} else {
		buf = appendJSONString(buf[:len(buf)-1], e.id)
	}
	buf = append(buf, `,"userId":"`...)
	buf = e.user.AppendText(buf)
	buf = append(buf, `","roleId":"`...)
	buf = e.role.AppendText(buf)
	buf = append(buf, `","principalType":"`...)
	buf = append(buf, ptypes[e.ptype]...)
	buf = append(buf, `","isElevated":`...)
	buf = strconv.AppendBool(buf, e.elevated)
	buf = append(buf, `,"expirationDateTime":`...)
	buf = appendJSONTime(buf, e.exp)
	buf = append(buf, `,"state":"`...)
	buf = append(buf, DeriveState(e.elevated, !e.exp.IsZero())...)
	buf = append(buf, `","origin":"`...)
	buf = append(buf, origins[e.origin]...)
	buf = append(buf, `","source":`...)
	buf = appendJSONString(buf, b.files[e.file])
	buf = buf[:len(buf)-1]
	if e.line {
		buf = append(buf, ':')
	} else {
		buf = append(buf, '#')
	}
	buf = strconv.AppendInt(buf, int64(e.n), 10)
	buf = append(buf, '"')
	if x := e.extra; x != nil {
		if !x.start.IsZero() {
			buf = append(buf, `,"startDateTime":`...)
			buf = appendJSONTime(buf, x.start)
		}
		if x.eligibleUntil != nil {
			buf = append(buf, `,"eligibleUntil":`...)
			buf = appendJSONTime(buf, *x.eligibleUntil)
		}
		buf = appendJSONStrings(buf, "warnings", x.warnings)
		buf = appendJSONStrings(buf, "foldedFrom", x.foldedFrom)
	}
	return append(buf, "}\n"...)
}

func appendJSONTime(buf []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(buf, "null"...)
	}
	buf = append(buf, '"')
	buf = t.AppendFormat(buf, time.RFC3339Nano)
	return append(buf, '"')
}

func appendJSONStrings(buf []byte, name string, ss []string) []byte {
	if len(ss) == 0 {
		return buf
	}
	buf = append(buf, `,"`...)
	buf = append(buf, name...)
	buf = append(buf, `":[`...)
	for i, s := range ss {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, s)
	}
	return append(buf, ']')
}

// appendJSONString appends s as a JSON string, escaping as encoding/json
// does what JSON requires (quotes, backslashes, control characters) and
// replacing invalid UTF-8 with U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, `\n`...)
			case c == '\r':
				buf = append(buf, `\r`...)
			case c == '\t':
				buf = append(buf, `\t`...)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
