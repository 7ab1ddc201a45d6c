package tui

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Open shows the review program at once and reads the plan (read) while
// it shows, then reviews it as Run does: a 100,000-item plan takes about
// a second to read and verify, and the reviewer sees the screen before
// that. It returns the plan read — nil when reading failed or the reviewer
// quit first — and read's error as it was.
func Open(ctx context.Context, path string, read func() (*migrate.Plan, error), in io.Reader, out io.Writer, o Options) (*migrate.Plan, Result, error) {
	o.Path = path
	l := loading{read: read, o: o, stamp: stampFile(path)}
	final, err := runProgram(ctx, l, in, out)
	switch m := final.(type) {
	case Model:
		if err != nil {
			return m.plan, m.Result(), fmt.Errorf("review: %w", err)
		}
		return m.plan, m.Result(), nil
	case loading:
		if m.err != nil {
			return nil, Result{}, m.err
		}
		if err != nil {
			return nil, Result{}, fmt.Errorf("review: %w", err)
		}
		return nil, Result{}, nil // quit while reading
	}
	return nil, Result{}, fmt.Errorf("review: %w", err)
}

// loading is the program until the plan is read. Keys typed meanwhile are
// kept and handed to the review when it takes over (but ctrl+c, which
// quits at once).
type loading struct {
	read    func() (*migrate.Plan, error)
	o       Options
	stamp   fileStamp
	err     error
	sized   bool
	pending []tea.Msg
}

// loadedMsg brings the plan, or why it could not be read.
type loadedMsg struct {
	plan *migrate.Plan
	err  error
}

func (l loading) Init() tea.Cmd {
	return func() tea.Msg {
		p, err := l.read()
		return loadedMsg{p, err}
	}
}

func (l loading) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		l.o.Width, l.o.Height, l.sized = msg.Width, msg.Height, true
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			return l, tea.Quit
		}
		l.pending = append(l.pending, msg)
	case loadedMsg:
		if msg.err != nil {
			l.err = msg.err
			return l, tea.Quit
		}
		m := New(msg.plan, l.o) // the review takes over from here
		m.stamp = l.stamp
		var model tea.Model = m
		var cmds []tea.Cmd
		if l.sized {
			l.pending = append([]tea.Msg{tea.WindowSizeMsg{Width: l.o.Width, Height: l.o.Height}}, l.pending...)
		}
		for _, k := range l.pending {
			var c tea.Cmd
			model, c = model.Update(k)
			cmds = append(cmds, c)
		}
		return model, tea.Batch(cmds...)
	}
	return l, nil
}

func (l loading) View() string {
	return fmt.Sprintf("Reading and verifying %s …\n\nctrl+c quits", migrate.Printable(filepath.Base(l.o.Path)))
}
