package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// scanObject reads a JSON object from dec a member at a time: fn is called
// with each member's name and must read its value. A name seen twice is an
// error: encoding/json would keep the last, and a streaming reader may
// already have used the first.
func scanObject(dec *json.Decoder, fn func(name string) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string) // a member's name is a string
		if seen[name] {
			return fmt.Errorf("member %q appears twice", name)
		}
		seen[name] = true
		if err := fn(name); err != nil {
			return err
		}
	}
	return expectDelim(dec, '}')
}

// errSchema is wrapped when a file is not of the schema being read.
var errSchema = errors.New("schema")

// decodeSchema reads a schema member into dst and checks it is want.
func decodeSchema(dec *json.Decoder, dst *string, want string) error {
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if *dst != want {
		return fmt.Errorf("%w %q, want %q", errSchema, *dst, want)
	}
	return nil
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
		return errors.New("data after the object")
	}
	return nil
}
