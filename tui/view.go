package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The screen: three header lines (plan, counts, filter), the body (column
// header and rows, the detail pane or the full help), the status line (up to
// maxStatusLines when a message is long) and the help bar.
const (
	headerLines = 3
	// prefixWidth is the cursor, action and warning glyphs and approval
	// mark at the start of a row: "› +! ✓ ".
	prefixWidth = 7
	gap         = 2
)

func (m Model) bodyLines() int { return max(1, m.height-headerLines-len(m.statusLines())-1) }

// tableRows is how many item rows fit under the column header.
func (m Model) tableRows() int { return max(1, m.bodyLines()-1) }

// View renders the screen: only the rows in the window, so its cost does not
// grow with the plan.
func (m Model) View() string {
	if m.quitting {
		return ""
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.titleLine(), m.countsLine(), m.filterLine())
	var body []string
	switch m.mode {
	case modeDetail:
		body = strings.Split(m.detail.View(), "\n")
	case modeHelp:
		body = m.fullHelp()
	default:
		body = m.table()
	}
	n := m.bodyLines()
	for i := 0; i < n; i++ {
		if i < len(body) {
			lines = append(lines, body[i])
		} else {
			lines = append(lines, "")
		}
	}
	lines = append(lines, m.statusLines()...)
	lines = append(lines, m.helpBar())
	for i, l := range lines {
		if ansi.StringWidth(l) > m.width {
			lines[i] = ansi.Truncate(l, m.width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

func (m Model) titleLine() string {
	s := m.styles
	p := m.plan
	made := "plan made " + age(m.now().Sub(p.CreatedAt))
	madeStyle := s.Dim
	if m.now().Sub(p.CreatedAt) > 24*time.Hour {
		madeStyle = s.Warn
	}
	parts := []string{s.Title.Render("tenant " + migrate.Printable(p.TenantID)), madeStyle.Render(made), s.Dim.Render(m.fileName())}
	if p.Offline {
		parts = append(parts, s.Warn.Render("OFFLINE plan: apply refuses it"))
	}
	return strings.Join(parts, s.Dim.Render(" · "))
}

// age says how long ago t was, for people.
func age(d time.Duration) string {
	switch {
	case d < -time.Minute:
		return "in the future (check the clock)"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm ago", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh ago", int(d.Hours())/24, int(d.Hours())%24)
}

func (m Model) countsLine() string {
	s, c := m.styles, m.counts
	long := []string{
		s.Create.Render(fmt.Sprintf("+ %d to create", c.create)+updates(c, ", ~ %d settings to update")) + " (" +
			s.Approved.Render(fmt.Sprintf("✓ %d approved", c.approved)) + ", " +
			s.Declined.Render(fmt.Sprintf("✗ %d declined", c.declined)) + ", " +
			s.Unreviewed.Render(fmt.Sprintf("· %d not reviewed", c.unreviewed())) + ")",
		s.Present.Render(fmt.Sprintf("= %d present", c.present)),
		s.Skip.Render(fmt.Sprintf("- %d skipped", c.skip)),
		s.Warn.Render(fmt.Sprintf("! %d with warnings", c.warnings)),
	}
	line := strings.Join(long, "   ")
	if ansi.StringWidth(line) <= m.width {
		return line
	}
	short := []string{
		s.Create.Render(fmt.Sprintf("+%d create", c.create)+updates(c, " ~%d settings")) + " (" +
			s.Approved.Render(fmt.Sprintf("✓%d", c.approved)) + " " +
			s.Declined.Render(fmt.Sprintf("✗%d", c.declined)) + " " +
			s.Unreviewed.Render(fmt.Sprintf("·%d", c.unreviewed())) + ")",
		s.Present.Render(fmt.Sprintf("=%d present", c.present)),
		s.Skip.Render(fmt.Sprintf("-%d skipped", c.skip)),
		s.Warn.Render(fmt.Sprintf("!%d warned", c.warnings)),
	}
	return strings.Join(short, "  ")
}

// updates is format with the count of settings to update, or "" when the
// plan updates none (a plan without role settings reads as before).
func updates(c counts, format string) string {
	if c.update == 0 {
		return ""
	}
	return fmt.Sprintf(format, c.update)
}

func (m Model) filterLine() string {
	s := m.styles
	var b strings.Builder
	b.WriteString(s.Dim.Render("filter "))
	for f := filterAll; f < numFilters; f++ {
		if f == m.filter {
			b.WriteString(s.ActiveTab.Render("[" + f.String() + "]"))
		} else {
			b.WriteString(s.Tab.Render(" " + f.String() + " "))
		}
		b.WriteByte(' ')
	}
	query := migrate.Printable(m.query)
	switch {
	case m.mode == modeSearch:
		b.WriteString(" " + s.Bold.Render("/"+query) + s.Selected.Render(" "))
	case m.query != "":
		b.WriteString(" " + s.Dim.Render("/") + s.Bold.Render(query))
	}
	left := b.String()

	var right []string
	if m.changed > 0 {
		right = append(right, s.Prompt.Render(fmt.Sprintf("● %d unsaved", m.changed)))
	}
	if len(m.vis) == 0 {
		right = append(right, s.Dim.Render("no rows"))
	} else {
		right = append(right, s.Dim.Render(fmt.Sprintf("row %d of %d", m.cur+1, len(m.vis))))
	}
	r := strings.Join(right, "  ")
	pad := m.width - ansi.StringWidth(left) - ansi.StringWidth(r)
	if pad < 1 {
		return left + " " + r
	}
	return left + strings.Repeat(" ", pad) + r
}

func (m Model) table() []string {
	s := m.styles
	c := layout(m.width, m.x.widths)
	sp := strings.Repeat(" ", gap)
	head := strings.Repeat(" ", prefixWidth) + fit(headPrincipal, c.principal) + sp + fit(headRole, c.role) + sp
	if c.scope > 0 {
		head += fit(headScope, c.scope) + sp
	}
	head += fit(headMapping, c.mapping) + sp + fit(headReason, c.reason)
	lines := []string{s.ColumnHeader.Render(head)}
	if len(m.vis) == 0 {
		what := "No " + m.filter.String() + " items"
		if m.filter == filterAll {
			what = "No items"
		}
		if m.query != "" {
			what += fmt.Sprintf(" match %q", m.query)
		}
		return append(lines, "", "  "+s.Dim.Render(what+"."))
	}
	rows, top := m.tableRows(), m.top
	if m.cur >= top+rows { // a message took a row since the cursor moved
		top = m.cur - rows + 1
	}
	end := min(len(m.vis), top+rows)
	for pos := top; pos < end; pos++ {
		lines = append(lines, m.row(&m.plan.Items[m.vis[pos]], c, pos == m.cur))
	}
	return lines
}

// row renders one item; the glyphs keep their meaning without colour.
func (m Model) row(it *migrate.Item, c columns, selected bool) string {
	s := m.styles
	text, glyph := s.Skip, "-"
	switch it.Action {
	case migrate.ActionCreate:
		text, glyph = s.Create, "+"
	case migrate.ActionUpdate:
		text, glyph = s.Create, "~"
	case migrate.ActionPresent:
		text, glyph = s.Present, "="
	}
	warn := " "
	if len(it.Warnings) > 0 {
		warn = "!"
	}
	markStyle, mark := s.Dim, " "
	switch reviewOf(it) {
	case approved:
		markStyle, mark = s.Approved, "✓"
	case declined:
		markStyle, mark = s.Declined, "✗"
	case unreviewed:
		markStyle, mark = s.Unreviewed, "·"
	}
	cursor := " "
	glyphStyle, warnStyle := text, s.Warn
	if selected {
		cursor = "›"
		sel := s.Selected
		text, glyphStyle, warnStyle, markStyle = text.Inherit(sel), glyphStyle.Inherit(sel), warnStyle.Inherit(sel), markStyle.Inherit(sel)
	}
	sp := strings.Repeat(" ", gap)
	// The plan's text is the tenant's and the snapshots': inert before it
	// is measured and shown.
	cell := func(text string, w int) string { return fit(migrate.Printable(text), w) }
	cells := fit(principalCell(it, c), c.principal) + sp + cell(roleText(it), c.role) + sp
	if c.scope > 0 {
		cells += fitScope(migrate.Printable(scopeText(it)), c.scope, c.sharedStarts) + sp
	}
	cells += cell(mappingText(it, c.short), c.mapping) + sp + cell(reasonText(it), c.reason)
	return text.Render(cursor+" ") + glyphStyle.Render(glyph) + warnStyle.Render(warn) + text.Render(" ") +
		markStyle.Render(mark) + text.Render(" "+cells)
}

// maxStatusLines is how many lines a long message may take from the body.
const maxStatusLines = 3

// statusLines is the status line: a message wraps (at spaces, never in an
// id) onto up to maxStatusLines lines rather than being cut.
func (m Model) statusLines() []string {
	text, style := m.status()
	lines := wrap(text, m.width)
	if len(lines) > maxStatusLines {
		lines = lines[:maxStatusLines]
	}
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}

// status is the status line's text, inert, and its style.
func (m Model) status() (string, lipgloss.Style) {
	s := m.styles
	switch {
	case m.prompt:
		return fmt.Sprintf("%s not saved. Quit without saving? y quit · n stay · w save and quit",
			migrate.Plural(m.changed, "change is", "changes are")), s.Prompt
	case m.msg != "" && m.msgKind == msgError:
		return m.msg, s.Error
	case m.msg != "":
		return m.msg, s.Info
	case m.mode == modeSearch:
		return fmt.Sprintf("search name, UPN, role and scope: %s match", migrate.Plural(len(m.vis), "item", "items")), s.Dim
	case m.mode == modeDetail && m.detail.TotalLineCount() > m.detail.Height:
		first := m.detail.YOffset + 1
		last := min(m.detail.YOffset+m.detail.Height, m.detail.TotalLineCount())
		return fmt.Sprintf("lines %d-%d of %d · ↑/↓ pgup/pgdn scroll · ←/→ previous/next item", first, last, m.detail.TotalLineCount()), s.Dim
	case m.mode == modeDetail:
		return "←/→ previous/next item", s.Dim
	case m.query != "":
		return fmt.Sprintf("%s match %q · / edits the search · esc clears it", migrate.Plural(len(m.vis), "item", "items"), m.query), s.Dim
	case m.counts.update > 0:
		return "+ create  ~ update  = present  - skip  ! warnings  ✓ approved  ✗ declined  · new", s.Dim
	}
	return "+ create  = present  - skip  ! warnings   ✓ approved  ✗ declined  · not reviewed", s.Dim
}

func (m Model) helpBar() string {
	h := m.help
	h.Width = m.width
	var k help.KeyMap = m.keys
	switch {
	case m.prompt:
		k = m.keys.promptHelp()
	case m.mode == modeSearch:
		k = m.keys.searchHelp()
	case m.mode == modeDetail:
		k = m.keys.detailHelp()
	case m.mode == modeHelp:
		k = m.keys.helpHelp()
	}
	return fitHelp(h, k.ShortHelp(), m.keys, m.width)
}

// fitHelp is the help bar of bindings in width: it drops bindings from the
// end until the rest fit, but keeps quit and help, so that "? help" always
// shows the way to every key.
func fitHelp(h help.Model, bindings []key.Binding, keys KeyMap, width int) string {
	h.Width = 0 // measure, do not cut
	for {
		v := h.ShortHelpView(bindings)
		if ansi.StringWidth(v) <= width {
			return v
		}
		drop := -1
		for i := len(bindings) - 1; i >= 0; i-- {
			if k := bindings[i].Keys(); !slices.Equal(k, keys.Quit.Keys()) && !slices.Equal(k, keys.Help.Keys()) {
				drop = i
				break
			}
		}
		if drop < 0 {
			return ansi.Truncate(v, width, "…")
		}
		bindings = slices.Delete(slices.Clone(bindings), drop, drop+1)
	}
}

// approvalHelp documents the approval semantics in the full help. Lines
// stay within 80 columns.
const approvalHelp = `Approval, of create items only (present = and skipped - items are never sent):
  space  approves a not reviewed item (·), then switches approved ✓ / declined ✗
  u      makes it not reviewed again;  a / A  approve / decline every create
         item the filter and the search show
  apply sends the approved, the not reviewed only once you confirm (yes or
  --yes), the declined never. w writes the approvals into the plan file.
Search: name, UPN, role and scope as you type; several words must all match.
  enter keeps it, esc clears it and stays on the item found.
  Detail: ←/→ (h/l) steps.`

func (m Model) fullHelp() []string {
	h := m.help
	h.Width = m.width
	s := m.styles
	lines := []string{s.SectionHeader.Render("Keys"), ""}
	lines = append(lines, strings.Split(h.FullHelpView(m.keys.FullHelp()), "\n")...)
	lines = append(lines, "")
	for _, l := range strings.Split(approvalHelp, "\n") {
		lines = append(lines, strings.Split(ansi.Wrap(l, m.width, ""), "\n")...)
	}
	return lines
}
