package migrate

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
)

// scanObject reads a JSON object from dec a member at a time: fn is called
// with each member's name and must read its value.
func scanObject(dec *json.Decoder, fn func(name string) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if err := fn(tok.(string)); err != nil { // a member's name is a string
			return err
		}
	}
	return expectDelim(dec, '}')
}

// scanArray reads a JSON array (or null) from dec an element at a time: fn
// is called with each element's index and must read it.
func scanArray(dec *json.Decoder, fn func(i int) error) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("%v where an array belongs", tok)
	}
	for i := 0; dec.More(); i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%v where %v belongs", tok, want)
	}
	return nil
}

// trailingSpace reads r to its end and fails on anything but white space.
func trailingSpace(r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, tailSize+1))
	if err != nil {
		return err
	}
	if len(bytes.TrimLeft(b, " \t\r\n")) > 0 {
		return errors.New("data after the plan object")
	}
	return nil
}

// tailSize is how many bytes at the end of a plan file tailHasher holds
// back: the digest member and the closing brace, with room to spare.
const tailSize = 256

// tailHasher hashes what is read through it, but for the last tailSize
// bytes, which it holds until digest puts the placeholder in place of the
// digest they end with.
type tailHasher struct {
	r    io.Reader
	h    hash.Hash
	tail []byte
}

func (t *tailHasher) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n >= tailSize {
		t.h.Write(t.tail)
		t.h.Write(p[:n-tailSize])
		t.tail = append(t.tail[:0], p[n-tailSize:n]...)
		return n, err
	}
	t.tail = append(t.tail, p[:n]...)
	if over := len(t.tail) - tailSize; over > 0 {
		t.h.Write(t.tail[:over])
		t.tail = append(t.tail[:0], t.tail[over:]...)
	}
	return n, err
}

// digest is the digest of everything read, with the placeholder in place of
// the digest member holding d.
func (t *tailHasher) digest(d string) string {
	field := []byte(digestField(d))
	i := bytes.LastIndex(t.tail, field)
	if i < 0 || len(d) != len(digestPlaceholder) {
		return "(no digest field as pimmigrate writes it)"
	}
	t.h.Write(t.tail[:i])
	io.WriteString(t.h, digestField(digestPlaceholder))
	t.h.Write(t.tail[i+len(field):])
	return "sha256:" + hex.EncodeToString(t.h.Sum(nil))
}

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
