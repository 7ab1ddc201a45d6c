package migrate

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// GUID is a 128-bit object id. Its text form is always the lower-case
// 8-4-4-4-12 form, so two GUIDs compare equal whatever case the input had.
type GUID [16]byte

// ErrMalformedGUID is wrapped by every GUID parse error.
var ErrMalformedGUID = errors.New("malformed GUID")

// ParseGUID accepts the 8-4-4-4-12 form in any case, optionally in braces
// (as Windows tools print it). Anything else is an error wrapping
// ErrMalformedGUID.
func ParseGUID(s string) (GUID, error) {
	g, ok := parseGUID(s)
	if !ok {
		return GUID{}, fmt.Errorf("%q: %w", s, ErrMalformedGUID)
	}
	return g, nil
}

func parseGUID[T string | []byte](t T) (GUID, bool) {
	var g GUID
	if len(t) == 38 && t[0] == '{' && t[37] == '}' {
		t = t[1:37]
	}
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return g, false
	}
	for j, i := range [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34} {
		hi, ok1 := unhex(t[i])
		lo, ok2 := unhex(t[i+1])
		if !ok1 || !ok2 {
			return GUID{}, false
		}
		g[j] = hi<<4 | lo
	}
	return g, true
}

// MustGUID parses a GUID known to be valid (tests, constants). It panics on a
// malformed one, so never call it on input.
func MustGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

func unhex(c byte) (byte, bool) {
	if d := c - '0'; d < 10 {
		return d, true
	}
	if l := c | 0x20 - 'a'; l < 6 { // either case
		return l + 10, true
	}
	return 0, false
}

// IsZero reports whether g is the all-zero GUID (the zero value).
func (g GUID) IsZero() bool { return g == GUID{} }

// String returns the lower-case 8-4-4-4-12 form.
func (g GUID) String() string { return string(g.AppendText(make([]byte, 0, 36))) }

// AppendText appends the lower-case 8-4-4-4-12 form to b.
func (g GUID) AppendText(b []byte) []byte {
	var buf [36]byte
	hex.Encode(buf[0:8], g[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], g[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], g[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], g[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], g[10:16])
	return append(b, buf[:]...)
}

// MarshalText implements encoding.TextMarshaler.
func (g GUID) MarshalText() ([]byte, error) { return g.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (g *GUID) UnmarshalText(b []byte) error {
	v, ok := parseGUID(b)
	if !ok {
		return fmt.Errorf("%q: %w", b, ErrMalformedGUID)
	}
	*g = v
	return nil
}

// Compare orders GUIDs by their text form (byte order of the lower-case
// string equals byte order of the 16 bytes).
func (g GUID) Compare(o GUID) int {
	for i := range g {
		if g[i] != o[i] {
			if g[i] < o[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
