package migrate

import (
	"bytes"
	"crypto/sha256"
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
	h    *asyncHash
	tail []byte
}

func newTailHasher(r io.Reader) *tailHasher {
	return &tailHasher{r: r, h: newAsyncHash(sha256.New())}
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

// asyncHash hashes what is written to it in a goroutine of its own, a
// copy of hashBlock bytes at a time: reading plan.json then waits for the
// hash only where it has no core to spare. The goroutine starts with the
// first full block; Sum or Close ends it.
type asyncHash struct {
	h     hash.Hash
	block []byte      // being filled
	made  int         // blocks allocated
	full  chan []byte // to hash; nil until the goroutine starts
	free  chan []byte // hashed
	done  chan struct{}
}

const (
	hashBlock  = 256 << 10
	hashBlocks = 4
)

func newAsyncHash(h hash.Hash) *asyncHash { return &asyncHash{h: h} }

// Write copies p for the goroutine to hash. It never fails.
func (a *asyncHash) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if a.block == nil {
			a.block = a.newBlock()
		}
		k := copy(a.block[len(a.block):cap(a.block)], p)
		a.block, p = a.block[:len(a.block)+k], p[k:]
		if len(a.block) == cap(a.block) {
			a.send()
		}
	}
	return n, nil
}

// newBlock is a block hashed already, or a new one while there are fewer
// than hashBlocks.
func (a *asyncHash) newBlock() []byte {
	select {
	case b := <-a.free: // never ready while nil
		return b
	default:
	}
	if a.made < hashBlocks {
		a.made++
		return make([]byte, 0, hashBlock)
	}
	return <-a.free
}

// send hands the block to the goroutine, which it starts the first time.
func (a *asyncHash) send() {
	if a.full == nil {
		a.full, a.free, a.done = make(chan []byte, hashBlocks), make(chan []byte, hashBlocks), make(chan struct{})
		go func() {
			defer close(a.done)
			for b := range a.full {
				a.h.Write(b)
				a.free <- b[:0]
			}
		}()
	}
	a.full <- a.block
	a.block = nil
}

// Sum appends the hash of all that was written to b. Nothing may be
// written after.
func (a *asyncHash) Sum(b []byte) []byte {
	a.Close()
	a.h.Write(a.block) // what did not fill a block
	a.block = nil
	return a.h.Sum(b)
}

// Close ends the goroutine, once it has hashed the blocks sent, and waits
// for it. It may be called more than once.
func (a *asyncHash) Close() {
	if a.full != nil {
		close(a.full)
		<-a.done
		a.full = nil
	}
}
