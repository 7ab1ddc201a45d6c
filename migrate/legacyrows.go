package migrate

import (
	"strconv"
	"strings"
	"time"
)

// legacyRows holds a snapshot's assignments compactly, so that a plan of a
// million of them fits in a few hundred megabytes: an iteration-1
// assignment as export writes it (its id made of principal and role, its
// source "file#N" or "file:N", nothing folded into it) is a row of 80
// bytes with the file name shared, in fixed-size chunks that never move;
// any other assignment is kept whole beside its row.
type legacyRows struct {
	chunks  [][]legacyRow
	n       int
	files   []string
	fileIdx map[string]uint32
}

type legacyRow struct {
	user, role GUID
	exp        time.Time // zero: none
	file, n    uint32    // the source: files[file], then '#' or ':' and n
	bits       uint8     // rowElevated, rowLine, principal type << rowTypeShift
	whole      *Assignment
}

const (
	rowElevated  = 1 << 0
	rowLine      = 1 << 1 // the source is "file:N", not "file#N"
	rowTypeShift = 2
)

func (r *legacyRows) len() int { return r.n }

func (r *legacyRows) row(i int) *legacyRow {
	return &r.chunks[i>>chunkBits][i&(1<<chunkBits-1)]
}

// add keeps a checked assignment.
func (r *legacyRows) add(a *Assignment) {
	if int(r.n>>chunkBits) == len(r.chunks) {
		r.chunks = append(r.chunks, make([]legacyRow, 0, 1<<chunkBits))
	}
	c := &r.chunks[len(r.chunks)-1]
	*c = append(*c, r.compact(a))
	r.n++
}

// compact makes a's row: all of it, or its ids and a copy of the whole.
func (r *legacyRows) compact(a *Assignment) legacyRow {
	row := legacyRow{user: a.UserID, role: a.RoleID}
	file, n, line, ok := splitSource(a.Source)
	var id [73]byte
	if !ok || a.Origin != OriginIteration1 || a.ID != string(LegacyID{a.UserID, a.RoleID}.appendText(id[:0])) ||
		a.ExpirationDateTime != nil && a.ExpirationDateTime.IsZero() ||
		a.StartDateTime != nil || a.EligibleUntil != nil || a.Warnings != nil || a.FoldedFrom != nil {
		whole := *a
		row.whole = &whole
		return row
	}
	if r.fileIdx == nil {
		r.fileIdx = map[string]uint32{}
	}
	fi, seen := r.fileIdx[file]
	if !seen {
		fi = uint32(len(r.files))
		r.files = append(r.files, file)
		r.fileIdx[file] = fi
	}
	row.file, row.n = fi, n
	row.bits = code(ptypes[:], a.PrincipalType) << rowTypeShift
	if a.IsElevated {
		row.bits |= rowElevated
	}
	if line {
		row.bits |= rowLine
	}
	if a.ExpirationDateTime != nil {
		row.exp = *a.ExpirationDateTime
	}
	return row
}

// assignment is the i-th assignment, as it was added.
func (r *legacyRows) assignment(i int) *Assignment {
	row := r.row(i)
	if row.whole != nil {
		return row.whole
	}
	sep := "#"
	if row.bits&rowLine != 0 {
		sep = ":"
	}
	a := &Assignment{
		ID:            Key(row.user, row.role),
		UserID:        row.user,
		RoleID:        row.role,
		PrincipalType: ptypes[row.bits>>rowTypeShift],
		IsElevated:    row.bits&rowElevated != 0,
		Origin:        OriginIteration1,
		Source:        r.files[row.file] + sep + strconv.FormatUint(uint64(row.n), 10),
	}
	if !row.exp.IsZero() {
		exp := row.exp
		a.ExpirationDateTime = &exp
	}
	a.State = DeriveState(a.IsElevated, a.ExpirationDateTime != nil)
	return a
}

// splitSource splits "file#N" or "file:N" where N is written as strconv
// writes it, so that joining the parts again gives s.
func splitSource(s string) (file string, n uint32, line, ok bool) {
	i := strings.LastIndexAny(s, "#:")
	if i < 0 {
		return "", 0, false, false
	}
	v, err := strconv.ParseUint(s[i+1:], 10, 32)
	if err != nil || strconv.FormatUint(v, 10) != s[i+1:] {
		return "", 0, false, false
	}
	return s[:i], uint32(v), s[i] == ':', true
}

// Len is the number of assignments, held in Assignments or compactly.
func (l *Legacy) Len() int {
	if l.compact != nil {
		return l.compact.len()
	}
	return len(l.Assignments)
}

// assignment is the i-th assignment. Held compactly, it is made anew at
// each call.
func (l *Legacy) assignment(i int) *Assignment {
	if l.compact != nil {
		return l.compact.assignment(i)
	}
	return &l.Assignments[i]
}

// ids are the principal and role of the i-th assignment.
func (l *Legacy) ids(i int) (principal, role GUID) {
	if l.compact != nil {
		row := l.compact.row(i)
		return row.user, row.role
	}
	return l.Assignments[i].UserID, l.Assignments[i].RoleID
}

// PrincipalIDs lists the assignments' principals, each once, in the order
// they first appear.
func (l *Legacy) PrincipalIDs() []GUID {
	seen := map[GUID]bool{}
	var ids []GUID
	for i := range l.Len() {
		if id, _ := l.ids(i); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}
