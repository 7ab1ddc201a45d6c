package snapshot

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// stream is an endless input as far as a reader that stops where it should
// can tell: head, then body over and over, up to limit bytes in all (so a
// reader that does not stop still ends). read counts the bytes handed out;
// after reaching at, it calls at's func once.
type stream struct {
	head, body string
	limit      int64
	read       int64
	at         int64
	atFunc     func()
}

func (s *stream) Read(p []byte) (int, error) {
	if s.read >= s.limit {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.limit-s.read)]
	n := 0
	for n < len(p) {
		var src string
		if s.read < int64(len(s.head)) {
			src = s.head[s.read:]
		} else {
			src = s.body[(s.read-int64(len(s.head)))%int64(len(s.body)):]
		}
		c := copy(p[n:], src)
		n += c
		s.read += int64(c)
	}
	if s.atFunc != nil && s.read >= s.at {
		s.atFunc()
		s.atFunc = nil
	}
	return n, nil
}

// TestReadLimits feeds the readers endless inputs that would make them hold
// ever more: an unterminated string or quoted value, an endless line, white
// space without end, nesting without end, unusable records without end.
// Each stops with a FormatError at the start of what it could not finish,
// having read at most a few MiB past MaxRecordSize.
func TestReadLimits(t *testing.T) {
	const endless = 64 << 20
	rec := fill(`{"userId":"{u1}","roleId":"{ga}","isElevated":true}`)
	utf16Head := encodeUTF16(`{"value":[{"id":"`, false)
	tests := []struct {
		name, head, body string
		limit            int64 // 0: endless
		offset           int64
		line             int
		msg              string
	}{
		{"unterminated string in a page", `{"value":[{"id":"`, "a", 0, 10, 1, "more than 1 MiB"},
		{"unterminated key", `{"`, "a", 0, 1, 1, "more than 1 MiB"},
		{"unterminated string, UTF-16", utf16Head, "a\x00", 0, 10, 1, "more than 1 MiB"},
		{"white space in a page", "{\"value\":[\n", " ", 0, 10, 1, "more than 1 MiB"},
		{"white space after the page", `{"value":[]}`, "\n", 0, 12, 1, "more than 1 MiB"},
		{"blank lines after a JSON Lines record", rec, "\n", 0, int64(len(rec)), 1, "more than 1 MiB"},
		{"array nested without end", `{"value":[`, "[", 4 << 20, -2, 1, "broken JSON"},
		{"nesting without end in a member skipped", `{"x":`, "[", 4 << 20, -2, 1, "nested more than 10000 deep"},
		{"unusable records without end", `{"value":[`, "1,", 4 << 20, -2, 1, "more than 100000 records rejected"},
		{"unterminated rule setting in a settings page", fill(`{"value":[{"roleDefinitionId":"{ga}","userMemberSettings":[{"ruleIdentifier":"MfaRule","setting":"`), "a", 0, 10, 1, "more than 1 MiB"},
		{"unusable settings records without end", `[`, `{"elevationDuration":"PT1H"},`, 8 << 20, -2, 1, "more than 100000 records rejected"},
		{"endless CSV line", "userId,roleId,isElevated\n", "a", 0, 25, 2, "more than 1 MiB"},
		{"endless quoted CSV value", "userId,roleId,isElevated\n\"", "a\n", 0, 25, 2, "more than 1 MiB"},
		{"endless blank CSV lines", "userId,roleId,isElevated\n", "\r\n", 0, 25, 2, "more than 1 MiB"},
		{"endless #TYPE line", "#TYPE ", "x", 0, 0, 1, "more than 1 MiB"},
		{"unusable CSV rows without end", "userId,roleId,isElevated\n", "x,y,z\n", 4 << 20, -1, MaxRejected + 2, "more than 100000 records rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.limit
			if limit == 0 {
				limit = endless
			}
			in := &stream{head: tt.head, body: tt.body, limit: limit}
			_, err := Read(context.Background(), "big", in, migrate.NewBuilder(""))
			fe := formatError(t, err)
			if tt.offset != -2 && fe.Offset != tt.offset || fe.Line != tt.line || !strings.Contains(fe.Msg, tt.msg) || fe.Hint == "" {
				t.Errorf("got %v (offset %d, line %d), want offset %d, line %d and %q", err, fe.Offset, fe.Line, tt.offset, tt.line, tt.msg)
			}
			if max := int64(MaxRecordSize + 4<<20); in.read > max {
				t.Errorf("read %d MiB before stopping, want at most %d MiB", in.read>>20, max>>20)
			}
		})
	}
}

// TestReadStopsWhenCancelled: a reader in the middle of a long input stops
// soon after its context is cancelled, with the context's error.
func TestReadStopsWhenCancelled(t *testing.T) {
	rec := fill(`{"userId":"{u1}","roleId":"{ga}","isElevated":false}`)
	tests := []struct{ name, head, body string }{
		{"graph page", `{"value":[`, rec + ","},
		{"json lines", "", rec + "\n"},
		{"settings page", `{"value":[`, fill(`{"id":"{ga}","name":"Global Administrator","settings":{"id":"{ga}","elevationDuration":"PT2H"}},`)},
		{"csv", "userId,roleId,isElevated\n", fill("{u1},{ga},false\n")},
		{"UTF-16 csv", encodeUTF16("userId,roleId,isElevated\n", false), encodeUTF16(fill("{u1},{ga},false\n"), false)[2:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			const cancelAt = 1 << 20
			in := &stream{head: tt.head, body: tt.body, limit: 64 << 20, at: cancelAt, atFunc: cancel}
			_, err := Read(ctx, "big", in, migrate.NewBuilder(""))
			if !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotSnapshot) {
				t.Fatalf("err = %v, want the context's error", err)
			}
			if in.read > cancelAt+128<<10 {
				t.Errorf("read %d KiB past the cancel, want at most 128", (in.read-cancelAt)>>10)
			}
		})
	}
}
