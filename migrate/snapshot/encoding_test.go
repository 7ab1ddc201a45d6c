package snapshot

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// encodeUTF16 encodes s as Windows PowerShell's Out-File does: UTF-16 with a
// byte-order mark.
func encodeUTF16(s string, bigEndian bool) string {
	var b bytes.Buffer
	units := append([]uint16{0xfeff}, utf16.Encode([]rune(s))...)
	for _, u := range units {
		if bigEndian {
			b.WriteByte(byte(u >> 8))
			b.WriteByte(byte(u))
		} else {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
	}
	return b.String()
}

func TestReadEncodings(t *testing.T) {
	page := fill("{\r\n  \"value\": [\r\n    {\"userId\":\"{u1}\",\"roleId\":\"{ga}\",\"isElevated\":true,\"resultMessage\":\"ok 😀 ü\"}\r\n  ]\r\n}\r\n")
	lines := fill("{\"userId\":\"{u1}\",\"roleId\":\"{ga}\",\"isElevated\":true}\r\n\r\n{\"userId\":\"{u2}\",\"roleId\":\"{ga}\",\"isElevated\":false}\r\n")
	csv := fill(psType + "\"Id\",\"UserId\",\"RoleId\",\"IsElevated\",\"ExpirationDateTime\",\"ResultMessage\"\r\n" +
		"\"{u1}_{ga}\",\"{u1}\",\"{ga}\",\"True\",\"\",\"Grüße 😀\"\r\n\"{u2}_{ga}\",\"{u2}\",\"{ga}\",\"False\",\"\",\"\"\r\n")
	tests := []struct {
		name, file, in string
		want           func(t *testing.T) wantRead
	}{{
		name: "UTF-8 BOM, page", file: "b.json", in: "\ufeff" + page,
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Page, records: 1, assignments: []migrate.Assignment{it1(t, "b.json#1", u1, ga, true, "")}}
		},
	}, {
		name: "UTF-8 BOM, csv", file: "b.csv", in: "\ufeff" + csv,
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1CSV, records: 2, assignments: []migrate.Assignment{
				it1(t, "b.csv:3", u1, ga, true, ""), it1(t, "b.csv:4", u2, ga, false, "")}}
		},
	}, {
		name: "UTF-16LE BOM, page (Out-File)", file: "le.json", in: encodeUTF16(page, false),
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Page, records: 1, assignments: []migrate.Assignment{it1(t, "le.json#1", u1, ga, true, "")}}
		},
	}, {
		name: "UTF-16LE BOM, json lines", file: "le.jsonl", in: encodeUTF16(lines, false),
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1Lines, records: 2, assignments: []migrate.Assignment{
				it1(t, "le.jsonl:1", u1, ga, true, ""), it1(t, "le.jsonl:3", u2, ga, false, "")}}
		},
	}, {
		name: "UTF-16LE BOM, csv without a final line end", file: "le.csv", in: encodeUTF16(strings.TrimSuffix(csv, "\r\n"), false),
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1CSV, records: 2, assignments: []migrate.Assignment{
				it1(t, "le.csv:3", u1, ga, true, ""), it1(t, "le.csv:4", u2, ga, false, "")}}
		},
	}, {
		name: "UTF-16BE BOM, csv", file: "be.csv", in: encodeUTF16(csv, true),
		want: func(t *testing.T) wantRead {
			return wantRead{kind: KindIteration1CSV, records: 2, assignments: []migrate.Assignment{
				it1(t, "be.csv:3", u1, ga, true, ""), it1(t, "be.csv:4", u2, ga, false, "")}}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRead(t, tt.file, fill(tt.in), tt.want(t))
		})
	}
}

// oneByte hands out its input a byte at a time, to split UTF-16 code units
// and surrogate pairs across reads.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestDecodeBOM(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"UTF-8", "\ufeffabc\r\n", "abc\r\n"},
		{"ascii", encodeUTF16("abc\r\n", false), "abc\r\n"},
		{"surrogate pair", encodeUTF16("x😀y", false), "x😀y"},
		{"big endian", encodeUTF16("ü😀", true), "ü😀"},
		{"lone high surrogate at the end", "\xff\xfe\x3d\xd8", "\ufffd"},
		{"lone low surrogate", "\xff\xfe\x00\xdcA\x00", "\ufffdA"},
		{"high surrogate then a letter", "\xff\xfe\x3d\xd8A\x00", "\ufffdA"},
		{"two low surrogates", "\xff\xfe\x00\xdc\x00\xdcA\x00", "\ufffdA"},
		{"odd byte", "\xff\xfeA\x00B", "A\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.in), oneByte{strings.NewReader(tt.in)}} {
				got, err := io.ReadAll(decodeBOM(r))
				if err != nil || string(got) != tt.want {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
			}
		})
	}
}
