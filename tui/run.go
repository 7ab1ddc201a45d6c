package tui

import (
	"context"
	"fmt"
	"io"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Run reviews p on a terminal: in reads the keys, out shows the program (in
// the alternate screen). It returns when the reviewer quits, with how the
// review stands; the approvals are in p, and in the plan file if saved. A
// cancelled ctx ends the review without saving.
func Run(ctx context.Context, p *migrate.Plan, in io.Reader, out io.Writer, o Options) (Result, error) {
	m := New(p, o)
	if o.Path != "" {
		m.stamp = stampFile(o.Path) // to notice another reviewer's save
	}
	final, err := runProgram(ctx, m, in, out)
	m, ok := final.(Model)
	if !ok {
		return Result{}, fmt.Errorf("review: %w", err)
	}
	if err != nil {
		r := m.Result()
		return r, fmt.Errorf("review: %w", err)
	}
	return m.Result(), nil
}

// runProgram runs a model on the terminal, in the alternate screen, until it
// quits or ctx ends.
func runProgram(ctx context.Context, m tea.Model, in io.Reader, out io.Writer) (tea.Model, error) {
	prog := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
		tea.WithAltScreen(), tea.WithoutSignalHandler())
	return prog.Run()
}
