package snapshot

import (
	"bytes"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeBOM reads the byte-order mark src starts with and returns what
// follows it as UTF-8. UTF-16 (Windows PowerShell's Out-File and `>` write
// UTF-16LE with a BOM) is decoded as it is read; unpaired surrogates and a
// dangling odd byte become U+FFFD.
func decodeBOM(src io.Reader) io.Reader {
	return transform.NewReader(src, unicode.BOMOverride(transform.Nop))
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
