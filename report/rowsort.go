package report

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The Assignments sheet lists items the way the review screen does: by
// principal name, then principal id, then role name (case-insensitively),
// then key; principals without a name (not found in the tenant) last, by
// UPN. Items come in key order, which keeps each principal's items
// together: rowSorter spills each row to a temporary file as it comes,
// remembers where each principal's rows start, and reads them back a
// principal at a time in name order. It holds one principal's rows and a
// few dozen bytes a principal, however large the plan.

// principalName is the first sort key of an item's row.
func principalName(it *migrate.Item) string {
	if it.Principal.DisplayName == "" {
		return "\xff" + strings.ToLower(it.Principal.UserPrincipalName) // after every name: no UTF-8 text starts with 0xff
	}
	return strings.ToLower(it.Principal.DisplayName)
}

// run is one principal's rows in the spill file: off and n locate them,
// name (in the sorter's names) is their sort key.
type run struct {
	id          migrate.GUID
	off         int64
	n           uint32
	name, nameN uint32
}

type rowSorter struct {
	f     *os.File
	w     *bufio.Writer
	off   int64
	runs  []run
	names []byte // every run's name, one after the other
	buf   []byte
}

// name is r's sort key.
func (s *rowSorter) name(r *run) []byte { return s.names[r.name : r.name+r.nameN] }

func newRowSorter() (*rowSorter, error) {
	f, err := os.CreateTemp("", "pimmigrate-rows-*")
	if err != nil {
		return nil, fmt.Errorf("report: sort the rows: %w", err)
	}
	return &rowSorter{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// close removes the spill file.
func (s *rowSorter) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// add spills it's row.
func (s *rowSorter) add(it *migrate.Item, row []Cell) error {
	name, id := principalName(it), it.Target.PrincipalID // an --add item has no legacy record
	if n := len(s.runs); n == 0 || string(s.name(&s.runs[n-1])) != name || s.runs[n-1].id != id {
		s.runs = append(s.runs, run{id: id, off: s.off, name: uint32(len(s.names)), nameN: uint32(len(name))})
		s.names = append(s.names, name...)
	}
	b := appendString(s.buf[:0], strings.ToLower(it.Role.DisplayName))
	b = appendString(b, it.Key)
	b = binary.AppendUvarint(b, uint64(len(row)))
	for _, c := range row {
		b = appendCell(b, c)
	}
	s.buf = b
	rec := binary.AppendUvarint(nil, uint64(len(b)))
	if _, err := s.w.Write(rec); err != nil {
		return err
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	s.off += int64(len(rec) + len(b))
	s.runs[len(s.runs)-1].n += uint32(len(rec) + len(b))
	return nil
}

// rows yields the spilled rows in order; it stops at yield's false and
// returns the first read error.
func (s *rowSorter) rows(yield func([]Cell) bool) error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	runs := s.runs
	slices.SortFunc(runs, func(a, b run) int {
		if c := bytes.Compare(s.name(&a), s.name(&b)); c != 0 {
			return c
		}
		if c := bytes.Compare(a.id[:], b.id[:]); c != 0 {
			return c
		}
		return int(a.off - b.off)
	})
	type rec struct {
		role, key string
		row       []Cell
	}
	var recs []rec
	var cells []Cell // the rows of one principal
	var b []byte
	for i := 0; i < len(runs); {
		recs, cells = recs[:0], cells[:0]
		// The runs of one principal and name are read together.
		for j := i; i < len(runs) && bytes.Equal(s.name(&runs[i]), s.name(&runs[j])) && runs[i].id == runs[j].id; i++ {
			b = slices.Grow(b[:0], int(runs[i].n))[:runs[i].n]
			if _, err := s.f.ReadAt(b, runs[i].off); err != nil {
				return fmt.Errorf("report: read back the sorted rows: %w", err)
			}
			for rest := b; len(rest) > 0; {
				n, k := binary.Uvarint(rest)
				r := reader{b: rest[k : k+int(n)]}
				role, key := r.string(), r.string()
				first := len(cells)
				for c := r.uvarint(); c > 0; c-- {
					cells = append(cells, r.cell())
				}
				recs = append(recs, rec{role, key, cells[first:len(cells):len(cells)]})
				rest = rest[k+int(n):]
			}
		}
		slices.SortFunc(recs, func(a, b rec) int {
			if c := strings.Compare(a.role, b.role); c != 0 {
				return c
			}
			return strings.Compare(a.key, b.key)
		})
		for _, r := range recs {
			if !yield(r.row) {
				return nil
			}
		}
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendCell(b []byte, c Cell) []byte {
	b = append(b, byte(c.Kind), byte(c.Tone), byte(c.Align))
	switch c.Kind {
	case KindText:
		b = appendString(b, c.Text)
	case KindInt:
		b = binary.AppendVarint(b, c.Int)
	case KindDate:
		b = binary.AppendVarint(b, c.Time.UnixNano())
	}
	return b
}

// reader decodes what the sorter spilled; the spill file is its own, so it
// trusts it.
type reader struct{ b []byte }

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) cell() Cell {
	c := Cell{Kind: Kind(r.b[0]), Tone: Tone(r.b[1]), Align: Align(r.b[2])}
	r.b = r.b[3:]
	switch c.Kind {
	case KindText:
		c.Text = r.string()
	case KindInt, KindDate:
		v, n := binary.Varint(r.b)
		r.b = r.b[n:]
		if c.Kind == KindInt {
			c.Int = v
		} else {
			c.Time = time.Unix(0, v).UTC()
		}
	}
	return c
}
