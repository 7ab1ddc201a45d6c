package tui

import (
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmigrate/pimmigrate/migrate"
)

const benchItems = 100_000

// BenchmarkOpen is opening a 100,000-item plan already read: indexing it
// and drawing the first screen at 120x40.
func BenchmarkOpen(b *testing.B) {
	p := testPlan(benchItems)
	b.ReportAllocs()
	for b.Loop() {
		m := newTestModel(p, 120, 40, "")
		_ = m.View()
	}
}

// BenchmarkOpenFile is what the reviewer waits for: reading and verifying
// plan.json (migrate.ReadPlanFile) of 100,000 items, then opening it.
func BenchmarkOpenFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "plan.json")
	if err := migrate.WritePlanFile(path, testPlan(benchItems)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := migrate.ReadPlanFile(path)
		if err != nil {
			b.Fatal(err)
		}
		m := newTestModel(p, 120, 40, "")
		_ = m.View()
	}
}

// BenchmarkKeypress is one keypress on a 100,000-item plan at 120x40:
// Update and the View the program draws after it. A frame is 16 ms.
func BenchmarkKeypress(b *testing.B) {
	p := testPlan(benchItems)
	open := func(b *testing.B) Model {
		b.Helper()
		for i := range p.Items {
			p.Items[i].Approved = nil
		}
		return newTestModel(p, 120, 40, "")
	}
	// step sends k and draws; when the cursor is at the end it starts over.
	step := func(m Model, k tea.KeyMsg) Model {
		if m.cur == len(m.vis)-1 {
			m.cur, m.top = 0, 0
		}
		nm, _ := m.Update(k)
		m = nm.(Model)
		_ = m.View()
		return m
	}
	for _, bc := range []struct {
		name string
		key  string
	}{
		{"j", "j"},
		{"pgdown", "pgdown"},
		{"tab", "tab"},
		{"space", "space"},
		{"enter-detail", "enter"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := open(b)
			k := keyMsg(bc.key)
			b.ReportAllocs()
			for b.Loop() {
				m = step(m, k)
				if m.mode == modeDetail {
					m.mode = modeList
				}
			}
		})
	}
	// Typing the first character scans all 100,000 search strings.
	b.Run("search-first-char", func(b *testing.B) {
		m := open(b)
		m, _ = press(b, m, "/")
		b.ReportAllocs()
		for b.Loop() {
			m = step(m, keyMsg("e"))
			b.StopTimer()
			m, _ = press(b, m, "backspace")
			b.StartTimer()
		}
	})
	// A character more refines the previous result.
	b.Run("search-next-char", func(b *testing.B) {
		m := open(b)
		m, _ = press(b, m, "/", "a")
		b.ReportAllocs()
		for b.Loop() {
			m = step(m, keyMsg("n"))
			b.StopTimer()
			m, _ = press(b, m, "backspace")
			b.StartTimer()
		}
	})
	// Deleting a character goes back to a result already computed.
	b.Run("search-backspace", func(b *testing.B) {
		m := open(b)
		m, _ = press(b, m, "/", "a")
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			m, _ = press(b, m, "n")
			b.StartTimer()
			m = step(m, keyMsg("backspace"))
		}
	})
	// esc after a search: the whole list again, at the item found.
	b.Run("search-esc", func(b *testing.B) {
		m := open(b)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			m, _ = press(b, m, "/", "irvin", "enter")
			b.StartTimer()
			m = step(m, keyMsg("esc"))
		}
	})
	// a and A on all 100,000 items: 60,000 creates change each time.
	b.Run("approve-all-shown", func(b *testing.B) {
		m := open(b)
		keys := []tea.KeyMsg{keyMsg("a"), keyMsg("A")}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m = step(m, keys[i%2])
			i++
		}
	})
}
