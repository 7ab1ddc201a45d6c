package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles are the program's colours, from one renderer: the renderer knows
// the terminal's colour profile (none under NO_COLOR) and background, and no
// style falls back to lipgloss's default renderer, which would query the
// terminal while the program owns it.
type Styles struct {
	Title, Dim, Bold                   lipgloss.Style
	Create, Present, Skip, Warn        lipgloss.Style
	Approved, Declined, Unreviewed     lipgloss.Style
	Selected                           lipgloss.Style
	ColumnHeader, Tab, ActiveTab       lipgloss.Style
	Info, Error, Prompt, SectionHeader lipgloss.Style
	Help                               help.Styles
}

// NewStyles makes the styles for r, with colours that adapt to a light or
// dark background.
func NewStyles(r *lipgloss.Renderer) Styles {
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	fg := func(col lipgloss.TerminalColor) lipgloss.Style { return r.NewStyle().Foreground(col) }
	green, blue, red, yellow := c("#1a7f37", "#3fb950"), c("#0969da", "#58a6ff"), c("#cf222e", "#f85149"), c("#9a6700", "#d29922")
	grey := c("#6e7781", "#8b949e")
	keyStyle := fg(c("#57606a", "#9da5ae"))
	descStyle := fg(c("#6e7781", "#7d8590"))
	sepStyle := fg(c("#afb8c1", "#484f58"))
	return Styles{
		Title:         r.NewStyle().Bold(true),
		Dim:           fg(grey),
		Bold:          r.NewStyle().Bold(true),
		Create:        fg(green),
		Present:       fg(blue),
		Skip:          fg(red),
		Warn:          fg(yellow).Bold(true),
		Approved:      fg(green).Bold(true),
		Declined:      fg(red).Bold(true),
		Unreviewed:    fg(grey),
		Selected:      r.NewStyle().Background(c("#ddf4ff", "#1f3a5f")).Bold(true),
		ColumnHeader:  fg(grey).Bold(true),
		Tab:           fg(grey),
		ActiveTab:     r.NewStyle().Bold(true).Underline(true),
		Info:          fg(blue),
		Error:         fg(red).Bold(true),
		Prompt:        fg(yellow).Bold(true),
		SectionHeader: r.NewStyle().Bold(true).Underline(true),
		Help: help.Styles{
			Ellipsis: sepStyle, ShortKey: keyStyle, ShortDesc: descStyle, ShortSeparator: sepStyle,
			FullKey: keyStyle, FullDesc: descStyle, FullSeparator: sepStyle,
		},
	}
}
