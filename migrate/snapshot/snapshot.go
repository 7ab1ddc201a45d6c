package snapshot

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Kind values, recorded in migrate.Source.Kind: which legacy API the
// records come from and in which container.
const (
	KindIteration1Page  = "iteration1-graph-page" // {"@odata.context":..,"value":[...],"@odata.nextLink":..}
	KindIteration1Array = "iteration1-json-array" // [ {...}, ... ]
	KindIteration1Lines = "iteration1-json-lines" // one object per line
	KindIteration1CSV   = "iteration1-csv"        // CSV, iteration-1 columns

	KindIteration2Page  = "iteration2-graph-page"
	KindIteration2Array = "iteration2-json-array"
	KindIteration2Lines = "iteration2-json-lines"
	KindIteration2CSV   = "iteration2-csv" // Windows PowerShell Export-Csv

	// Role settings: iteration 1 (privilegedRoleSettings, or privilegedRoles
	// with their settings expanded) and iteration 2 (governanceRoleSetting).
	KindIteration1SettingsPage  = "iteration1-settings-graph-page"
	KindIteration1SettingsArray = "iteration1-settings-json-array"
	KindIteration1SettingsLines = "iteration1-settings-json-lines"
	KindIteration2SettingsPage  = "iteration2-settings-graph-page"
	KindIteration2SettingsArray = "iteration2-settings-json-array"
	KindIteration2SettingsLines = "iteration2-settings-json-lines"
)

// Info describes a snapshot once it has been read.
type Info struct {
	// Kind is one of the Kind constants. The iteration is that of the
	// file's first record (a file may mix both; each record keeps its own
	// origin), of the page's @odata.context or of the CSV's columns; a JSON
	// file with no record at all counts as iteration 1.
	Kind string
	// Records is how many records the file held, used or rejected.
	Records int
	// NextLink is a saved page's @odata.nextLink: a page of the collection is
	// missing from the snapshot. It is recorded, never followed.
	NextLink string
}

// sink takes the records read; *migrate.Builder is one.
type sink interface {
	Add(migrate.Record)
	AddSettings(migrate.SettingsRecord)
	Reject(migrate.Rejected)
}

// ReadFile reads the snapshot at path into b and records it as a source:
// its kind, its SHA-256 (of the raw bytes, hashed while reading), how many
// records it held and any @odata.nextLink. path is also the file name in
// every record's position. It stops with ctx's error once ctx is done.
func ReadFile(ctx context.Context, path string, b *migrate.Builder) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	tee := io.TeeReader(f, h)
	info, err := Read(ctx, path, tee, b)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // the readers stop at EOF; this is only a guard
		return fmt.Errorf("read %s: %w", path, err)
	}
	b.AddSource(migrate.Source{Kind: info.Kind, Path: path, SHA256: hex.EncodeToString(h.Sum(nil)),
		Records: info.Records, NextLink: info.NextLink})
	return nil
}

// Read detects the format of a snapshot from its content (never its name)
// and streams every record into b: b.Add for a usable record, b.Reject with
// the reason for any other. name is the file name used in positions
// ("name#N" in a JSON document, "name:L" in JSON Lines and CSV).
//
// The error is a *FormatError when the input is not a snapshot at all (see
// FormatError) or goes past a limit (MaxRecordSize, MaxRejected), an I/O
// error, or ctx's error (wrapped) once ctx is done: the input is read in
// blocks of at most 64 KiB, and ctx is checked before each. Whatever the
// error, the records read before it may already be in b.
func Read(ctx context.Context, name string, r io.Reader, b *migrate.Builder) (Info, error) {
	return read(ctx, name, r, b)
}

type container uint8

const (
	containerPage container = iota + 1
	containerArray
	containerLines
	containerCSV
)

// reader is the state shared by the format readers.
type reader struct {
	name      string
	sink      sink
	info      Info
	container container
	iter      iteration // of the first record, or the CSV's columns
	// base is the file offset where the parsers' input starts (after the
	// byte-order mark and leading white space), baseNL the newlines before.
	base     int64
	baseNL   int
	encoding string // "UTF-16LE", "UTF-16BE" or "" (UTF-8)
	pageIter iteration
	rejected int
	// decoderOnly sends every JSON record through encoding/json, never
	// the plain-record parser (fastjson.go): tests hold that parser to it.
	decoderOnly bool
}

func read(ctx context.Context, name string, r io.Reader, s sink) (Info, error) {
	return (&reader{name: name, sink: s}).read(ctx, r)
}

func (rd *reader) read(ctx context.Context, r io.Reader) (Info, error) {
	err := rd.run(ctxReader{ctx, r})
	rd.info.Kind = rd.kind()
	return rd.info, err
}

// ctxReader fails every read once ctx is done, so that an export stops on
// Ctrl-C wherever it is in a file.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// emit passes a record on. It fails with errTooRejected, passing nothing
// on, once the file has had more than MaxRejected records rejected.
func (r *reader) emit(d decoded) error {
	if d.none {
		return nil
	}
	r.info.Records++
	if r.iter == iterUnknown {
		r.iter = d.it
	}
	if d.rj != nil {
		if r.rejected++; r.rejected > MaxRejected {
			return errTooRejected
		}
	}
	d.pass(r.sink)
	return nil
}

func (r *reader) kind() string {
	it := r.iter
	if it == iterUnknown {
		it = r.pageIter
	}
	var kinds [4]string // page, array, lines, CSV
	switch it {
	case iter2:
		kinds = [4]string{KindIteration2Page, KindIteration2Array, KindIteration2Lines, KindIteration2CSV}
	case iter1Settings, iterRole:
		kinds = [4]string{KindIteration1SettingsPage, KindIteration1SettingsArray, KindIteration1SettingsLines, ""}
	case iter2Settings:
		kinds = [4]string{KindIteration2SettingsPage, KindIteration2SettingsArray, KindIteration2SettingsLines, ""}
	default:
		kinds = [4]string{KindIteration1Page, KindIteration1Array, KindIteration1Lines, KindIteration1CSV}
	}
	if r.container == 0 {
		return ""
	}
	return kinds[r.container-1]
}

// sniffLen is how much of the start is checked for binary content.
const sniffLen = 1024

func (r *reader) run(src io.Reader) error {
	br := bufio.NewReaderSize(src, 64<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF {
		return fmt.Errorf("read %s: %w", r.name, err)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		r.base = 3
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		r.encoding = "UTF-16LE"
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		r.encoding = "UTF-16BE"
	}
	if r.base > 0 || r.encoding != "" {
		br = bufio.NewReaderSize(decodeBOM(br), 64<<10)
	}
	if err := r.sniff(br); err != nil {
		return err
	}
	// Skip leading white space.
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			msg := "the file is empty"
			if r.base > 0 || r.baseNL > 0 || r.encoding != "" {
				msg = "the file holds nothing but white space"
			}
			return &FormatError{File: r.name, Offset: r.base, Line: r.baseNL + 1, Msg: msg, Encoding: r.encoding,
				Hint: "the export that wrote it failed or was interrupted: " + hintExportAgain}
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", r.name, err)
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			r.base++
			if c == '\n' {
				r.baseNL++
			}
			continue
		}
		br.UnreadByte()
		switch c {
		case '{', '[':
			return r.readJSON(br, c)
		case '<':
			return &FormatError{File: r.name, Offset: r.base, Line: r.baseNL + 1, Encoding: r.encoding,
				Msg:  "an HTML or XML page, not a snapshot (most likely a sign-in or error page saved instead of the API response)",
				Hint: "save the JSON body of the Graph response, or " + hintExportAgain}
		}
		return r.readCSV(br)
	}
}

// sniff refuses binary files: a NUL byte or invalid UTF-8 in the first KB.
func (r *reader) sniff(br *bufio.Reader) error {
	win, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("read %s: %w", r.name, err)
	}
	fail := func(off int, msg, hint string) error {
		return &FormatError{File: r.name, Offset: r.base + int64(off), Line: bytes.Count(win[:off], []byte{'\n'}) + 1,
			Msg: msg, Hint: hint, Encoding: r.encoding}
	}
	switch {
	case bytes.HasPrefix(win, []byte("PK\x03\x04")):
		return fail(0, "a ZIP archive (an Excel workbook?), not a snapshot",
			"open it in Excel and save it as \"CSV UTF-8\", or export the snapshot as JSON or CSV")
	case bytes.HasPrefix(win, []byte{0x1f, 0x8b}):
		return fail(0, "a gzip-compressed file, not a snapshot", "decompress it first (gunzip) and pass the result")
	}
	if i := bytes.IndexByte(win, 0); i >= 0 {
		return fail(i, msgNUL, hintNUL)
	}
	valid := win
	if len(win) == sniffLen { // the window may end inside a character
		for i := 1; i < utf8.UTFMax && i <= len(win); i++ {
			if utf8.RuneStart(win[len(win)-i]) {
				if !utf8.FullRune(win[len(win)-i:]) {
					valid = win[:len(win)-i]
				}
				break
			}
		}
	}
	if !utf8.Valid(valid) {
		i := 0
		for i < len(valid) {
			c, size := utf8.DecodeRune(valid[i:])
			if c == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return fail(i, "not UTF-8 text (binary data, or text in a legacy code page)",
			"save the snapshot as UTF-8 (Export-Csv -Encoding UTF8, Out-File -Encoding utf8) and pass it again")
	}
	return nil
}
