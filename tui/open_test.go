package tui

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// TestLoadingHandsOverTheKeys: the screen shows while the plan is read,
// and keys typed meanwhile reach the review once it takes over.
func TestLoadingHandsOverTheKeys(t *testing.T) {
	p := testPlan(50)
	var l tea.Model = loading{read: func() (*migrate.Plan, error) { return p, nil }, o: Options{Path: "/x/plan.json"}}
	if v := l.View(); !strings.Contains(v, "plan.json") {
		t.Fatalf("loading screen %q does not say what it reads", v)
	}
	load := l.Init()
	l, _ = l.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for _, k := range []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyRunes, Runes: []rune("j")}} {
		l, _ = l.Update(k)
	}
	m, _ := l.Update(load())
	rm, ok := m.(Model)
	if !ok {
		t.Fatalf("after loading the model is %T, want the review", m)
	}
	if rm.cur != 2 || rm.width != 120 || rm.height != 40 {
		t.Errorf("cursor %d, size %dx%d: want the two j's and the terminal's size applied", rm.cur, rm.width, rm.height)
	}
}

func TestLoadingFailureQuits(t *testing.T) {
	bad := errors.New("digest mismatch")
	var l tea.Model = loading{read: func() (*migrate.Plan, error) { return nil, bad }, o: Options{Path: "plan.json"}}
	m, cmd := l.Update(l.Init()())
	if lm, ok := m.(loading); !ok || !errors.Is(lm.err, bad) || cmd == nil {
		t.Fatalf("model %T, cmd %v: want loading with the error, quitting", m, cmd)
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("a failed read does not quit")
	}
}
