package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// PlanSchema is the schema tag of plan.json. Version 2 added role setting
// items (Item.Kind, Item.Setting); plans of version 1 (PlanSchemaV1) are
// refused with the command that makes them again.
const (
	PlanSchema   = "pimmigrate.plan/v2"
	PlanSchemaV1 = "pimmigrate.plan/v1"
)

// Plan is the content of plan.json: what apply will do, and what it was
// based on.
type Plan struct {
	Schema    string    `json:"schema"`
	TenantID  string    `json:"tenantId"`
	GraphURL  string    `json:"graphUrl"`
	CreatedAt time.Time `json:"createdAt"`
	AsOf      time.Time `json:"asOf"`
	// Offline plans were made without reading the tenant.
	Offline      bool   `json:"offline"`
	Policy       Policy `json:"policy"`
	LegacyDigest string `json:"legacyDigest"`
	// Notes are plan-wide remarks for the people reading it.
	Notes []string `json:"notes,omitempty"`
	// Items are sorted by key, each key once; plan.json holds one a line.
	Items []Item `json:"items"`
	// Rejected carries the export's rejected records so every report shows
	// them next to the items.
	Rejected []Rejected `json:"rejected"`
	Summary  Summary    `json:"summary"`
	// Digest is the sha256 of the file as written, with a placeholder in
	// place of the digest; apply refuses a plan whose digest does not match.
	Digest string `json:"digest"`
}

// Seal recomputes the summary and the digest. Call it after changing
// anything in the plan (review does, after approvals).
func (p *Plan) Seal() {
	p.Summary = p.Summarize()
	_, p.Digest, _ = writeSealed(io.Discard, p, p.each) // a hash takes any write
}

// writeSealed writes plan.json to w with the summary of the items each
// yields (p.Summary and p.Items are not looked at) and returns that summary
// and the digest, which it writes last. each yields p's items, or items
// made as they are written; they must come in key order, as ScanPlan
// requires.
func writeSealed(w io.Writer, p *Plan, each func(func(*Item) error) error) (Summary, string, error) {
	h := sha256.New()
	e := &planEncoder{w: io.MultiWriter(w, h)}
	s := newSummary(len(p.Rejected))
	if err := e.begin(p); err != nil {
		return s, "", err
	}
	err := each(func(it *Item) error {
		if s.Items > 0 && it.Key <= e.last {
			return fmt.Errorf("items[%d]: key %s follows %s: items are sorted by key, each once", s.Items, it.Key, e.last)
		}
		e.last = it.Key
		s.add(it)
		return e.item(it)
	})
	if err == nil {
		err = e.end(p, s)
	}
	if err != nil {
		return s, "", err
	}
	io.WriteString(h, digestTail(digestPlaceholder))
	digest := "sha256:" + hex.EncodeToString(h.Sum(nil))
	_, err = io.WriteString(w, digestTail(digest))
	return s, digest, err
}

// each calls fn for each item in order.
func (p *Plan) each(fn func(*Item) error) error {
	for i := range p.Items {
		if err := fn(&p.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

// ErrPlanFile is wrapped by errors about a plan.json that cannot be used.
var ErrPlanFile = errors.New("not a usable plan")

// ErrPlanDigest is wrapped when a plan was changed after it was made.
var ErrPlanDigest = errors.New("plan digest mismatch")

// WritePlan encodes a sealed plan as it is: its summary and digest are
// written as Seal left them.
func WritePlan(w io.Writer, p *Plan) error {
	e := &planEncoder{w: w}
	if err := e.begin(p); err != nil {
		return err
	}
	if err := p.each(e.item); err != nil {
		return err
	}
	if err := e.end(p, p.Summary); err != nil {
		return err
	}
	_, err := io.WriteString(w, digestTail(p.Digest))
	return err
}

// WritePlanFile seals the plan and writes it atomically, in one pass.
func WritePlanFile(path string, p *Plan) error {
	return WriteFileAtomic(path, func(w io.Writer) (err error) {
		p.Summary, p.Digest, err = writeSealed(w, p, p.each)
		return err
	})
}

// ReadPlan decodes plan.json and verifies its schema, digest and keys. name
// is used in errors.
func ReadPlan(r io.Reader, name string) (*Plan, error) {
	return readPlan(r, name, 0)
}

// readPlan is ReadPlan decoding each item in place into a slice with room
// for n items. Items past those are decoded into chunks and copied once
// into a slice of the right size: growing one slice copied each item
// several times over, and a copy of items, which hold pointers, costs as
// much as decoding them while the garbage collector runs.
func readPlan(r io.Reader, name string, n int) (*Plan, error) {
	items := make([]Item, 0, n)
	var chunks [][]Item
	slot := func() *Item {
		if len(items) < cap(items) {
			items = items[:len(items)+1]
			return &items[len(items)-1]
		}
		if len(chunks) == 0 || len(chunks[len(chunks)-1]) == readChunk {
			chunks = append(chunks, make([]Item, 0, readChunk))
		}
		c := &chunks[len(chunks)-1]
		*c = (*c)[:len(*c)+1]
		return &(*c)[len(*c)-1]
	}
	p, err := scanPlan(r, name, slot, func(*Item) error { return nil })
	if err != nil {
		return nil, err
	}
	if p.Items == nil { // "items": null
		return p, nil
	}
	p.Items = items
	if len(chunks) > 0 {
		p.Items = make([]Item, 0, p.Summary.Items)
		p.Items = append(p.Items, items...)
		for i := range chunks {
			p.Items = append(p.Items, chunks[i]...)
			chunks[i] = nil
		}
	}
	return p, nil
}

// readChunk is how many items ReadPlan gathers in one allocation.
const readChunk = 4096

// ReadPlanFile opens and reads plan.json. The number of items its summary
// gives, at the end of the file, sizes the slice the items are decoded
// into.
func ReadPlanFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readPlan(f, path, summaryItems(f))
}

// summaryItems is the number of items the summary at the end of plan.json
// gives, as WritePlan writes it, or 0. It is a guess, not verified until
// the file is read: a number no file of this size can hold is refused.
func summaryItems(f *os.File) int {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	size := st.Size()
	tail := make([]byte, min(size, summaryTail))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil {
		return 0
	}
	const member = `"summary": {"items":`
	i := bytes.LastIndex(tail, []byte(member))
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range tail[i+len(member):] {
		if c < '0' || c > '9' {
			break
		}
		if n = n*10 + int(c-'0'); int64(n) > size/minItemSize {
			return 0
		}
	}
	return n
}

const (
	// summaryTail is how much of the end of plan.json summaryItems reads:
	// the summary and the digest, with room to spare.
	summaryTail = 16 << 10
	// minItemSize is fewer bytes than any item takes in plan.json.
	minItemSize = 100
)

// ScanPlanFile is ScanPlan of the file at path.
func ScanPlanFile(path string, fn func(*Item) error) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ScanPlan(f, path, fn)
}

// ScanPlan reads plan.json an item at a time, calling fn for each in
// order, and returns the plan without its items (Items is empty but not
// nil when the file has an items array) and with the summary of the items
// read. A plan of any size takes the memory of one item. The item passed
// to fn is overwritten after fn returns: copy what you keep. An error
// from fn stops the scan and is returned.
//
// The schema, the order of the keys (ascending, each once) and, once the
// file has been read to its end, the digest are verified: until ScanPlan
// returns nil, treat what fn saw as unverified.
func ScanPlan(r io.Reader, name string, fn func(*Item) error) (*Plan, error) {
	var it Item
	return scanPlan(r, name, func() *Item { it = Item{}; return &it }, fn)
}

// scanPlan is ScanPlan decoding each item into the Item slot returns,
// which is the zero Item.
func scanPlan(r io.Reader, name string, slot func() *Item, fn func(*Item) error) (*Plan, error) {
	fail := func(err error, format string, args ...any) error {
		return fmt.Errorf("read %s: %w: %s; make a plan with `pimmigrate plan`", name, err, fmt.Sprintf(format, args...))
	}
	tr := newTailHasher(r)
	defer tr.h.Close()
	j := newJSONReader(tr)
	var p Plan
	s := newSummary(0)
	var d itemDecoder
	prev, hasItems := "", false
	item := func(i int) error {
		it := slot()
		if err := d.read(j, it); err != nil {
			return fmt.Errorf("items[%d]: %w", i, err)
		}
		if i > 0 && it.Key <= prev {
			if it.Key == prev {
				return fmt.Errorf("items[%d]: key %s appears twice", i, it.Key)
			}
			return fmt.Errorf("items[%d]: key %s follows %s: items are sorted by key", i, it.Key, prev)
		}
		prev = it.Key
		s.add(it)
		if err := fn(it); err != nil {
			return callerError{err}
		}
		return nil
	}
	err := j.object(func(member string) error {
		switch member {
		case "schema":
			if err := j.decodeSchema(&p.Schema, PlanSchema); err != nil && p.Schema != PlanSchemaV1 {
				return err
			}
			if p.Schema == PlanSchemaV1 {
				return callerError{fmt.Errorf("read %s: %w: it was made by an earlier pimmigrate (schema %s, without role settings); make it again: pimmigrate plan --legacy legacy.json --out %s", name, ErrPlanFile, p.Schema, name)}
			}
			return nil
		case "items":
			c, err := j.peek()
			hasItems = err == nil && c == '['
			return j.array(item)
		}
		return j.decode(p.member(member))
	})
	if err == nil {
		err = j.end() // what follows the object is part of the digest
	}
	if ce := (callerError{}); errors.As(err, &ce) {
		return nil, ce.error
	}
	if err != nil {
		return nil, fail(ErrPlanFile, "%v (byte %d)", err, j.offset())
	}
	if p.Schema != PlanSchema {
		return nil, fail(ErrPlanFile, "schema %q, want %q", p.Schema, PlanSchema)
	}
	if hasItems {
		p.Items = []Item{}
	}
	if got := tr.digest(p.Digest); got != p.Digest {
		// The digest the content would need is not printed: it is a
		// checksum, not a signature, and apply re-checks what it sends.
		return nil, fmt.Errorf("read %s: %w: the file was changed after it was made", name, ErrPlanDigest)
	}
	s.Rejected = len(p.Rejected)
	p.Summary = s
	return &p, nil
}

// callerError carries an error of ScanPlan's caller through the scan.
type callerError struct{ error }

// member is where the plan member of this name decodes to; the items are
// read by ScanPlan, and what pimmigrate does not write is skipped.
func (p *Plan) member(name string) any {
	switch name {
	case "tenantId":
		return &p.TenantID
	case "graphUrl":
		return &p.GraphURL
	case "createdAt":
		return &p.CreatedAt
	case "asOf":
		return &p.AsOf
	case "offline":
		return &p.Offline
	case "policy":
		return &p.Policy
	case "legacyDigest":
		return &p.LegacyDigest
	case "notes":
		return &p.Notes
	case "rejected":
		return &p.Rejected
	case "summary":
		return new(Summary) // checked for form; ScanPlan counts the items itself
	case "digest":
		return &p.Digest
	}
	return new(json.RawMessage)
}
