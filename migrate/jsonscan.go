package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jsonReader reads a JSON document a value at a time, handing each value
// over as its raw bytes so the caller chooses how to decode it: a file of
// any size is read through a window of the largest value in it.
type jsonReader struct {
	r    io.Reader
	data []byte // read from r; data[pos:] is not consumed yet
	pos  int
	base int64 // the offset of data[0] in the document
	err  error // r's, once it has no more to give
}

const jsonReadSize = 256 << 10

func newJSONReader(r io.Reader) *jsonReader {
	return &jsonReader{r: r, data: make([]byte, 0, jsonReadSize)}
}

// offset is how many bytes of the document have been consumed.
func (j *jsonReader) offset() int64 { return j.base + int64(j.pos) }

// fill reads more of the document after what is not consumed yet, and
// reports whether it got any.
func (j *jsonReader) fill() bool {
	if j.pos > 0 {
		n := copy(j.data, j.data[j.pos:])
		j.base += int64(j.pos)
		j.data, j.pos = j.data[:n], 0
	}
	if cap(j.data)-len(j.data) < jsonReadSize/2 {
		j.data = append(make([]byte, 0, 2*cap(j.data)), j.data...)
	}
	for j.err == nil {
		n, err := j.r.Read(j.data[len(j.data):cap(j.data)])
		j.data = j.data[:len(j.data)+n]
		j.err = err
		if n > 0 {
			return true
		}
	}
	return false
}

// eof is the error for a document that ends where it may not.
func (j *jsonReader) eof() error {
	if j.err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return j.err
}

// peek skips white space and returns the next byte, not consuming it.
func (j *jsonReader) peek() (byte, error) {
	for {
		for ; j.pos < len(j.data); j.pos++ {
			switch c := j.data[j.pos]; c {
			case ' ', '\t', '\r', '\n':
			default:
				return c, nil
			}
		}
		if !j.fill() {
			return 0, j.eof()
		}
	}
}

// expect consumes the next byte after white space, which must be c.
func (j *jsonReader) expect(c byte) error {
	got, err := j.peek()
	if err != nil {
		return err
	}
	if got != c {
		return fmt.Errorf("%q where %q belongs", got, c)
	}
	j.pos++
	return nil
}

// value consumes the next value and returns its bytes, which stay valid
// until the next call. It checks only where the value ends (strings and
// nesting): encoding/json, or a parser as strict, checks the rest.
func (j *jsonReader) value() ([]byte, error) {
	first, err := j.peek()
	if err != nil {
		return nil, err
	}
	scalar := first != '"' && first != '{' && first != '['
	depth, inString, escaped := 0, false, false
	i := j.pos
	for {
		if i == len(j.data) {
			at := i - j.pos
			if !j.fill() {
				if scalar && j.err == io.EOF {
					break
				}
				return nil, j.eof()
			}
			i = j.pos + at
			continue
		}
		c := j.data[i]
		if inString {
			if !escaped && c != '"' && c != '\\' {
				// Skip to the next quote or backslash, or to the end of what
				// has been read.
				rest := j.data[i:]
				q := bytes.IndexByte(rest, '"')
				if q < 0 {
					q = len(rest)
				}
				if b := bytes.IndexByte(rest[:q], '\\'); b >= 0 {
					q = b
				}
				i += q
				continue
			}
			i++
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					goto done
				}
			}
			continue
		}
		if scalar {
			if strings.IndexByte(",:}] \t\r\n", c) >= 0 {
				break
			}
			i++
			continue
		}
		i++
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				goto done
			}
		}
	}
done:
	v := j.data[j.pos:i]
	j.pos = i
	return v, nil
}

// decode consumes the next value into v with encoding/json.
func (j *jsonReader) decode(v any) error {
	raw, err := j.value()
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// object consumes an object a member at a time: fn is called with each
// member's name and must consume its value. A name seen twice is an error:
// encoding/json would keep the last, and a streaming reader may already
// have used the first.
func (j *jsonReader) object(fn func(name string) error) error {
	if err := j.expect('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	return j.elements('}', func(int) error {
		var name string
		if err := j.decode(&name); err != nil {
			return fmt.Errorf("member name: %w", err)
		}
		if seen[name] {
			return fmt.Errorf("member %q appears twice", name)
		}
		seen[name] = true
		if err := j.expect(':'); err != nil {
			return err
		}
		return fn(name)
	})
}

// array consumes an array (or null) an element at a time: fn is called with
// each element's index and must consume it.
func (j *jsonReader) array(fn func(i int) error) error {
	c, err := j.peek()
	if err != nil {
		return err
	}
	if c == 'n' {
		return j.decode(new(struct{})) // null, or an error
	}
	if err := j.expect('['); err != nil {
		return err
	}
	return j.elements(']', fn)
}

// elements calls fn for each comma-separated element up to end.
func (j *jsonReader) elements(end byte, fn func(i int) error) error {
	c, err := j.peek()
	if err != nil {
		return err
	}
	if c == end {
		j.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := fn(i); err != nil {
			return err
		}
		if c, err = j.peek(); err != nil {
			return err
		}
		j.pos++
		switch c {
		case ',':
		case end:
			return nil
		default:
			return fmt.Errorf("%q where %q or %q belongs", c, ',', end)
		}
	}
}

// end reads the rest of the document, which may hold only white space.
func (j *jsonReader) end() error {
	if _, err := j.peek(); err != io.ErrUnexpectedEOF {
		if err == nil {
			err = errors.New("data after the object")
		}
		return err
	}
	return nil
}

// errSchema is wrapped when a file is not of the schema being read.
var errSchema = errors.New("schema")

// decodeSchema consumes a schema member into dst and checks it is want.
func (j *jsonReader) decodeSchema(dst *string, want string) error {
	if err := j.decode(dst); err != nil {
		return err
	}
	if *dst != want {
		return fmt.Errorf("%w %q, want %q", errSchema, *dst, want)
	}
	return nil
}
