package snapshot

import (
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Reader converts a UTF-16 stream (its byte-order mark already
// consumed) to UTF-8 as it is read. Windows PowerShell's Out-File and `>`
// write UTF-16LE with a BOM by default. Unpaired surrogates and a dangling
// odd byte become U+FFFD.
type utf16Reader struct {
	r         io.Reader
	bigEndian bool
	in        []byte // raw bytes, in[:inN] not yet converted
	inN       int
	outBuf    []byte
	out       []byte // converted, not yet returned
	err       error
}

func newUTF16Reader(r io.Reader, bigEndian bool) *utf16Reader {
	return &utf16Reader{r: r, bigEndian: bigEndian, in: make([]byte, 32<<10), outBuf: make([]byte, 0, 48<<10)}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n, err := u.r.Read(u.in[u.inN:])
		u.inN += n
		if err != nil {
			u.err = err
		}
		u.convert(err != nil)
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func (u *utf16Reader) unit(i int) uint16 {
	if u.bigEndian {
		return uint16(u.in[i])<<8 | uint16(u.in[i+1])
	}
	return uint16(u.in[i+1])<<8 | uint16(u.in[i])
}

// convert turns the complete code units of in into UTF-8 in out; final says
// no more input will come.
func (u *utf16Reader) convert(final bool) {
	out := u.outBuf[:0]
	i := 0
loop:
	for i+2 <= u.inN {
		c := rune(u.unit(i))
		switch {
		case !utf16.IsSurrogate(c):
			out = utf8.AppendRune(out, c)
			i += 2
		case c < 0xdc00 && i+4 <= u.inN: // high surrogate with a unit after it
			if r := utf16.DecodeRune(c, rune(u.unit(i+2))); r != utf8.RuneError {
				out = utf8.AppendRune(out, r)
				i += 4
			} else {
				out = utf8.AppendRune(out, utf8.RuneError)
				i += 2
			}
		case c < 0xdc00 && !final: // high surrogate at the end: wait for its pair
			break loop
		default:
			out = utf8.AppendRune(out, utf8.RuneError)
			i += 2
		}
	}
	if final && i < u.inN {
		out = utf8.AppendRune(out, utf8.RuneError)
		i = u.inN
	}
	u.inN = copy(u.in, u.in[i:u.inN])
	u.outBuf = out
	u.out = out
}

// countingReader counts the bytes and newlines the parser reads, so an
// offset the parser reports can be turned into a line. It refuses a NUL
// byte (errNUL, with its offset and the newlines before it in nulOff and
// nulNL) and, when start is set, more than MaxRecordSize bytes past the
// start of the record the parser is reading (errTooLarge): the parser never
// holds more than that. With track on it also keeps the offsets of
// newlines not yet passed, which gives records their line without
// rescanning. With capture on it keeps a copy of what was read (the first
// top-level object, until it is known to be a record or a page).
type countingReader struct {
	r   io.Reader
	n   int64 // bytes read
	nl  int64 // newlines read
	err error // the first read error other than io.EOF

	start         func() int64 // where the record being read starts; nil: no limit
	nulOff, nulNL int64
	eof           bool  // the input has ended
	last          byte  // the last byte read
	quotes        int64 // double quotes read

	track  bool
	nlPos  []int64 // offsets of newlines at or after the last query
	head   int
	passed int64 // newlines before the last queried offset

	capture  bool
	captured []byte
	overflow bool
}

// captureLimit bounds the copy of the first top-level object: an object
// this large can only be a page (a record that large is refused anyway).
const captureLimit = MaxRecordSize

func (c *countingReader) Read(p []byte) (int, error) {
	if c.err == nil && c.start != nil && c.n-c.start() > MaxRecordSize {
		c.err = errTooLarge
	}
	if c.err != nil { // every error is final: a parser that reads again gets it again
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.eof = err == io.EOF
	b := p[:n]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		c.nulOff, c.nulNL = c.n+int64(i), c.nl+int64(bytes.Count(b[:i], []byte{'\n'}))
		b, n, err = b[:i], i, errNUL
	}
	if err != nil && err != io.EOF {
		c.err = err
	}
	if n > 0 {
		c.last = b[n-1]
	}
	c.quotes += int64(bytes.Count(b, []byte{'"'}))
	if c.capture {
		if len(c.captured)+n > captureLimit {
			c.capture, c.captured, c.overflow = false, nil, true
		} else {
			c.captured = append(c.captured, b...)
		}
	}
	if c.track {
		for off := 0; ; {
			i := bytes.IndexByte(b[off:], '\n')
			if i < 0 {
				break
			}
			c.nlPos = append(c.nlPos, c.n+int64(off+i))
			c.nl++
			off += i + 1
		}
	} else {
		c.nl += int64(bytes.Count(b, []byte{'\n'}))
	}
	c.n += int64(n)
	return n, err
}

// linesBefore returns how many newlines come before off. Only with track on,
// and off must not decrease from one call to the next.
func (c *countingReader) linesBefore(off int64) int64 {
	for c.head < len(c.nlPos) && c.nlPos[c.head] < off {
		c.head++
		c.passed++
	}
	if c.head > 1024 && c.head*2 > len(c.nlPos) {
		c.nlPos = c.nlPos[:copy(c.nlPos, c.nlPos[c.head:])]
		c.head = 0
	}
	return c.passed
}

func (c *countingReader) stopTracking() { c.track, c.nlPos, c.head = false, nil, 0 }

func (c *countingReader) stopCapture() { c.capture, c.captured = false, nil }
