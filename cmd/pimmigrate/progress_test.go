package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// TestProgressCountsThisRun: the bar's count, rate and ETA are this run's
// own: items earlier runs finished (counted while the journal is
// reconciled) are neither in the rate nor in what is left.
func TestProgressCountsThisRun(t *testing.T) {
	tests := []struct {
		name    string
		earlier int // done before this run's writes
		sent    int // answered in the 10 s after the first write
		want    []string
	}{
		{"fresh run", 0, 200, []string{" 200/3000 ", " 20/s ", "ETA 2m20s"}},
		{"resumed after 688", 688, 200, []string{" 200/2312 ", " 20/s ", "ETA 1m46s"}},
		{"nothing answered yet", 688, 0, []string{" 0/2312 ", " 0/s ", "ETA --"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := testNow
			var errb bytes.Buffer
			a := &app{stderr: &errb, stderrTTY: true, now: func() time.Time { return clock }}
			b := newProgressBar(a, "apply")
			p := apply.Progress{Phase: "reconcile", Total: 3000}
			b.update(p)
			clock = clock.Add(3 * time.Second) // reading the tenant
			p.Done = tt.earlier
			b.update(p)
			p.Phase = "write"
			b.update(p)
			clock = clock.Add(10 * time.Second)
			p.Done += tt.sent
			b.update(p)
			line := b.line(clock)
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("%q lacks %q", line, w)
				}
			}
		})
	}
}

// TestProgressLastLine: the bar's last line says how the run ended; a run
// stopped (Ctrl-C) before every item was done is not "done".
func TestProgressLastLine(t *testing.T) {
	tests := []struct {
		name      string
		done      int
		want, not string
	}{
		{"finished", 3000, "apply done ", "stopped"},
		{"interrupted at 688", 688, "apply stopped ", "done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := testNow
			var errb bytes.Buffer
			a := &app{stderr: &errb, stderrTTY: true, now: func() time.Time { return clock }}
			b := newProgressBar(a, "apply")
			clock = clock.Add(time.Second)
			b.update(apply.Progress{Phase: "write", Total: 3000, Done: 1})
			b.update(apply.Progress{Phase: "done", Total: 3000, Done: tt.done})
			b.close()
			lines := strings.Split(strings.TrimSpace(errb.String()), "\r\033[K")
			last := lines[len(lines)-1]
			if !strings.Contains(last, tt.want) || strings.Contains(last, tt.not) {
				t.Errorf("last line %q, want %q (all: %q)", last, tt.want, errb.String())
			}
		})
	}
}
