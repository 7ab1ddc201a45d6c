package migrate

import (
	"bytes"
	"encoding/hex"
	"hash"
	"io"
)

// digestPlaceholder stands in for the digest while it is computed: the
// digest is the sha256 of the plan file's bytes as WritePlan writes them,
// with this in place of the digest itself. The digest is the file's last
// member, so writing and checking it take one pass over the bytes and no
// re-encoding: any edit — a value, an approval, a space — is caught, and a
// plan of a million items verifies as it is read.
const digestPlaceholder = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// digestTail is how plan.json ends: the digest member and the closing
// brace. The digest covers the file with the placeholder in its place.
func digestTail(digest string) string { return ",\n \"digest\": \"" + digest + "\"\n}\n" }

// digestField is the digest member as digestTail writes it, looked for at
// the end of a file to check.
func digestField(digest string) string { return `"digest": "` + digest + `"` }

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
