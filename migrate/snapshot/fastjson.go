package snapshot

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The records of an array (a Graph page's value, or a bare array) are read
// without encoding/json while they are iteration-1 records in the form
// Graph writes them (see objectDecoder.plain): its scanner and reflection were most
// of the time of an export. Every other form, and anything after the last
// such record (the array's end, broken JSON, a read error), is left to the
// decoder, which reads on as if it had read those records itself.
//
// For that the decoder reads through a gate that never hands it bytes past
// a '[': when it has just read an array's '[' it holds nothing after it.
// fastElements reads on from there (what the gate holds, then the file)
// and gives the gate back what it read past its last record, after an
// empty string that brings the decoder to where an array element has just
// been read. jsonReader.skipped counts the bytes the decoder never saw,
// less those of the empty string: offset adds it to the decoder's.

// gate hands r's bytes to the decoder, never past a '[' in one read.
type gate struct {
	r       io.Reader
	pending []byte // read from r, not handed on yet
	err     error  // r's, once pending is handed on
	buf     []byte // holds pending
}

func (g *gate) Read(p []byte) (int, error) {
	if len(g.pending) > 0 {
		end := min(len(p), len(g.pending))
		if i := bytes.IndexByte(g.pending[:end], '['); i >= 0 {
			end = i + 1
		}
		n := copy(p, g.pending[:end])
		g.pending = g.pending[n:]
		return n, nil
	}
	if g.err != nil {
		err := g.err
		g.err = nil
		return 0, err
	}
	n, err := g.r.Read(p)
	if i := bytes.IndexByte(p[:n], '['); i >= 0 && i+1 < n {
		g.buf = append(g.buf[:0], p[i+1:n]...)
		g.pending, g.err = g.buf, err
		return i + 1, nil
	}
	return n, err
}

// newlines is how many newlines the gate holds: read from the file, not
// yet by the decoder.
func (g *gate) newlines() int64 { return int64(bytes.Count(g.pending, []byte{'\n'})) }

// offset is the decoder's offset in its input, counting the bytes read
// without it.
func (j *jsonReader) offset() int64 { return j.skipped + j.dec.InputOffset() }

// plainMax bounds a plain record with the separator before it.
const plainMax = 4 << 10

// fastElements reads the elements after the '[' the decoder has just read
// while they are plain records, numbering them on from *n. It gives the
// decoder back the input after the last one it read, and returns emit's
// error after doing so.
func (j *jsonReader) fastElements(n *int) error {
	var one [1]byte
	if k, _ := j.dec.Buffered().Read(one[:]); k > 0 || j.decoderOnly {
		return nil // the decoder holds more than the '[': leave it to it
	}
	g := j.gate
	buf := append(make([]byte, 0, 64<<10), g.pending...)
	g.pending = nil
	pos, read := 0, 0 // buf[pos:] is not consumed; read counts the records read
	var err error
	for {
		end, ok := j.obj.plain(buf[pos:], read > 0)
		if !ok && len(buf)-pos < plainMax && g.err == nil {
			// Too little to tell: read more, keeping what is not consumed.
			buf = buf[:copy(buf, buf[pos:])]
			pos = 0
			for len(buf) < plainMax && g.err == nil {
				var k int
				k, g.err = j.cr.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+k]
			}
			continue
		}
		if !ok {
			break
		}
		*n++
		read++
		pos += end
		j.skipped += int64(end)
		if err = j.emit(j.obj.finish(migrate.Pos{File: j.name, N: *n})); err != nil {
			break
		}
	}
	g.pending = buf[pos:]
	if read > 0 {
		// The decoder reads an empty string where the records were.
		g.pending = append([]byte(`""`), g.pending...)
		var s string
		if derr := j.dec.Decode(&s); derr != nil {
			return derr
		}
		j.skipped -= 2
	}
	return err
}

// plain parses b as the separator before an element ("," in white space,
// when after is set) and a plain record: an iteration-1 record exactly as
// Graph writes it,
//
//	{"id":"…","userId":"…","roleId":"…","isElevated":true,"expirationDateTime":null,"resultMessage":null}
//
// with strings of valid UTF-8 without escapes or control characters,
// expirationDateTime and resultMessage each a string or null, resultMessage
// optional. It sets d.w as encoding/json would and returns the length of
// the separator and the record; not ok, it leaves d.w alone.
func (d *objectDecoder) plain(b []byte, after bool) (int, bool) {
	p := plainParser{in: b, b: b, ok: true}
	p.space()
	if after {
		p.lit(",")
		p.space()
	}
	p.lit(`{"id":`)
	id := p.str()
	p.lit(`,"userId":`)
	user := p.str()
	p.lit(`,"roleId":`)
	role := p.str()
	p.lit(`,"isElevated":`)
	elevated := p.opt("true")
	if !elevated {
		p.lit("false")
	}
	p.lit(`,"expirationDateTime":`)
	exp := p.strOrNull()
	if p.opt(`,"resultMessage":`) {
		p.strOrNull()
	}
	p.lit("}")
	end := p.off()
	if !p.ok || end > plainMax {
		return 0, false
	}
	// One string holds the record's strings, each once: the id is
	// usually "{userId}_{roleId}".
	d.buf = append(d.buf[:0], b[id.from:id.to]...)
	place := func(r span) span {
		v := b[r.from:r.to]
		if i := bytes.Index(d.buf, v); i >= 0 {
			return span{i, i + len(v)}
		}
		d.buf = append(d.buf, v...)
		return span{len(d.buf) - len(v), len(d.buf)}
	}
	user, role, exp = place(user), place(role), place(exp) // null: empty, as encoding/json leaves a string
	s := string(d.buf)
	d.elevated = elevated
	d.w = wire{ID: s[:id.to-id.from], UserID: s[user.from:user.to], RoleID: s[role.from:role.to],
		IsElevated: &d.elevated, ExpirationDateTime: s[exp.from:exp.to]}
	return end, true
}

// span is where a string's content lies in the parser's input; null is
// the zero span, empty.
type span struct{ from, to int }

// plainParser parses in, from where b starts, while ok.
type plainParser struct {
	in, b []byte
	ok    bool
}

func (p *plainParser) off() int { return len(p.in) - len(p.b) }

func (p *plainParser) opt(s string) bool {
	if p.ok && len(p.b) >= len(s) && string(p.b[:len(s)]) == s {
		p.b = p.b[len(s):]
		return true
	}
	return false
}

func (p *plainParser) lit(s string) {
	if !p.opt(s) {
		p.ok = false
	}
}

func (p *plainParser) space() {
	for len(p.b) > 0 && (p.b[0] == ' ' || p.b[0] == '\t' || p.b[0] == '\r' || p.b[0] == '\n') {
		p.b = p.b[1:]
	}
}

func (p *plainParser) strOrNull() span {
	if p.opt("null") {
		return span{}
	}
	return p.str()
}

// str consumes a string of valid UTF-8 without escapes or control
// characters and returns where its content lies.
func (p *plainParser) str() span {
	if !p.ok || len(p.b) == 0 || p.b[0] != '"' {
		p.ok = false
		return span{}
	}
	q := bytes.IndexByte(p.b[1:], '"')
	if q < 0 {
		p.ok = false
		return span{}
	}
	s := p.b[1 : 1+q]
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			p.ok = false
			return span{}
		}
	}
	if !utf8.Valid(s) {
		p.ok = false
		return span{}
	}
	from := p.off() + 1
	p.b = p.b[2+q:]
	return span{from, from + q}
}
