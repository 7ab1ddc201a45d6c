package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// progressBar shows a run's progress on stderr: a live bar on a terminal,
// a plain line every few seconds when piped, nothing for --output json.
type progressBar struct {
	a    *app
	verb string
	mu   sync.Mutex
	last time.Time
	p    apply.Progress
	// writing is when this run's writes began, and earlier how many items
	// were done by then (by earlier runs): the count, rate and ETA shown
	// are this run's own.
	writing time.Time
	earlier int
	drawn   bool
}

const pipedEvery = 5 * time.Second

func newProgressBar(a *app, verb string) *progressBar {
	now := a.now()
	return &progressBar{a: a, verb: verb, last: now}
}

func (b *progressBar) update(p apply.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.p = p
	now := b.a.now()
	if b.writing.IsZero() && p.Phase != "reconcile" {
		b.writing, b.earlier = now, p.Done
	}
	if b.a.jsonOutput() {
		return
	}
	switch {
	case b.a.stderrTTY:
		if now.Sub(b.last) < 100*time.Millisecond && p.Done < p.Total {
			return
		}
		fmt.Fprintf(b.a.stderr, "\r\033[K%s", b.line(now))
		b.drawn = true
	case now.Sub(b.last) >= pipedEvery:
		fmt.Fprintln(b.a.stderr, b.line(now))
	default:
		return
	}
	b.last = now
}

func (b *progressBar) line(now time.Time) string {
	p := b.p
	done, total := p.Done-b.earlier, p.Total-b.earlier
	rate := 0.0
	if elapsed := now.Sub(b.writing); !b.writing.IsZero() && elapsed > 0 {
		rate = float64(done) / elapsed.Seconds()
	}
	eta := "--"
	if rate > 0 && total > done {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	const width = 30
	filled := 0
	if total > 0 {
		filled = done * width / total
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	phase := p.Phase
	switch {
	case p.Checking > 0 && p.Done >= p.Total:
		phase = "verify"
	case phase == "done" && p.Done < p.Total:
		phase = "stopped" // interrupted, or an error: not every item is done
	}
	line := fmt.Sprintf("%s %s [%s] %d/%d  %.0f/s  throttled %d  ETA %s", b.verb, phase, bar, done, total, rate, p.Throttled, eta)
	if p.Checking > 0 {
		line += fmt.Sprintf("  reading back %d", p.Checking)
	}
	return line
}

func (b *progressBar) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintf(b.a.stderr, "\r\033[K%s\n", b.line(b.a.now()))
	}
}
