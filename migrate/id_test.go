package migrate

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

const (
	userA = "8f2b1c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d"
	roleG = "62e90394-69f5-4237-9190-012177145e10" // Global Administrator
)

func TestParseLegacyID(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{"lower", userA + "_" + roleG, userA + "_" + roleG, nil},
		{"upper", strings.ToUpper(userA + "_" + roleG), userA + "_" + roleG, nil},
		{"mixed", "8F2B1C3D-4e5f-4A6B-9c7d-0E1F2A3B4C5D_62E90394-69f5-4237-9190-012177145E10", userA + "_" + roleG, nil},
		{"braces", "{" + userA + "}_{" + roleG + "}", userA + "_" + roleG, nil},
		{"no underscore", userA + roleG, "", ErrMalformedID},
		{"two underscores", userA + "_" + roleG + "_x", "", ErrMalformedID},
		{"empty", "", "", ErrMalformedID},
		{"only underscore", "_", "", ErrMalformedGUID},
		{"user not hex", "8f2b1c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5z_" + roleG, "", ErrMalformedGUID},
		{"role too short", userA + "_62e90394-69f5-4237-9190-012177145e1", "", ErrMalformedGUID},
		{"hyphens moved", userA + "_62e9039-469f5-4237-9190-012177145e10", "", ErrMalformedGUID},
		{"no hyphens", userA + "_62e9039469f542379190012177145e10", "", ErrMalformedGUID},
		{"space", " " + userA + "_" + roleG, "", ErrMalformedGUID},
		{"unbalanced brace", "{" + userA + "_" + roleG, "", ErrMalformedGUID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseLegacyID(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseLegacyID(%q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLegacyID(%q): %v", tt.in, err)
			}
			if got := id.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGUIDCaseInsensitiveEquality(t *testing.T) {
	a := MustGUID(strings.ToUpper(userA))
	b := MustGUID(userA)
	if a != b || a.Compare(b) != 0 {
		t.Fatalf("%v != %v", a, b)
	}
	if got := Key(a, MustGUID(strings.ToUpper(roleG))); got != userA+"_"+roleG {
		t.Errorf("Key = %q, want lower case", got)
	}
}

func TestGUIDTextRoundTrip(t *testing.T) {
	var g GUID
	if err := g.UnmarshalText([]byte(strings.ToUpper(roleG))); err != nil {
		t.Fatal(err)
	}
	b, _ := g.MarshalText()
	if string(b) != roleG {
		t.Errorf("MarshalText = %s", b)
	}
	if err := g.UnmarshalText([]byte("nope")); !errors.Is(err, ErrMalformedGUID) {
		t.Errorf("UnmarshalText(nope) = %v", err)
	}
}

// FuzzParseLegacyID checks that the parser never panics, that whatever it
// accepts prints in canonical lower case and parses back to the same value,
// and that it accepts exactly two GUIDs around one underscore.
func FuzzParseLegacyID(f *testing.F) {
	f.Add(userA + "_" + roleG)
	f.Add(strings.ToUpper(userA + "_" + roleG))
	f.Add("{" + userA + "}_" + roleG)
	f.Add("_")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseLegacyID(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedID) && !errors.Is(err, ErrMalformedGUID) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			return
		}
		c := id.String()
		if c != strings.ToLower(c) || len(c) != 73 {
			t.Fatalf("canonical form %q", c)
		}
		back, err := ParseLegacyID(c)
		if err != nil || back != id {
			t.Fatalf("round trip %q -> %q: %v", s, c, err)
		}
		if strings.Count(s, "_") != 1 {
			t.Fatalf("accepted %q with %d underscores", s, strings.Count(s, "_"))
		}
	})
}

// TestUnhex holds unhex to strconv for every byte.
func TestUnhex(t *testing.T) {
	for c := range 256 {
		want, err := strconv.ParseUint(string(rune(c)), 16, 8)
		got, ok := unhex(byte(c))
		if ok != (err == nil) || ok && uint64(got) != want {
			t.Errorf("unhex(%#02x) = %d, %v; want %d, %v", c, got, ok, want, err == nil)
		}
	}
}
