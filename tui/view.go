package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/x/ansi"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The screen: three header lines (plan, counts, filter), the body (column
// header and rows, the detail pane or the full help), a status line and the
// help bar.
const (
	headerLines = 3
	footerLines = 2
	// prefixWidth is the cursor, action and warning glyphs and approval
	// mark at the start of a row: "› +! ✓ ".
	prefixWidth = 7
	gap         = 2
)

func (m Model) bodyLines() int { return max(1, m.height-headerLines-footerLines) }

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
	lines = append(lines, m.statusLine(), m.helpBar())
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

// columns are the widths of a row's cells after the prefix.
type columns struct{ principal, role, mapping, reason int }

func layout(width int) columns {
	rem := max(0, width-prefixWidth-3*gap)
	var c columns
	c.mapping = min(max(rem/3, 12), 25)
	c.reason = min(max(rem/5, 10), 24)
	c.role = min(max((rem-c.mapping-c.reason)*45/100, 14), 30)
	c.principal = max(8, rem-c.mapping-c.reason-c.role)
	return c
}

func (m Model) table() []string {
	s := m.styles
	c := layout(m.width)
	sp := strings.Repeat(" ", gap)
	head := strings.Repeat(" ", prefixWidth) + fit("PRINCIPAL", c.principal) + sp + fit("ROLE", c.role) + sp +
		fit("LEGACY -> TARGET", c.mapping) + sp + fit("REASON / WARNINGS", c.reason)
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
	end := min(len(m.vis), m.top+m.tableRows())
	for pos := m.top; pos < end; pos++ {
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
	cells := cell(principalText(it, c.principal), c.principal) + sp + cell(roleText(it), c.role) + sp +
		cell(mappingText(it, c.mapping), c.mapping) + sp + cell(reasonText(it), c.reason)
	return text.Render(cursor+" ") + glyphStyle.Render(glyph) + warnStyle.Render(warn) + text.Render(" ") +
		markStyle.Render(mark) + text.Render(" "+cells)
}

// principalText is the display name and UPN, or the name alone when the
// column is narrow.
func principalText(it *migrate.Item, w int) string {
	p := it.Principal
	switch {
	case isSetting(it):
		return settingName(it)
	case w < 30 && p.DisplayName != "":
		return p.DisplayName
	case p.DisplayName == "" && p.UserPrincipalName == "":
		return it.Legacy.UserID.String()
	case p.UserPrincipalName == "" || p.UserPrincipalName == p.DisplayName:
		return p.DisplayName
	case p.DisplayName == "":
		return p.UserPrincipalName
	}
	return p.DisplayName + "  " + p.UserPrincipalName
}

func roleText(it *migrate.Item) string {
	if it.Role.DisplayName == "" {
		return it.Legacy.RoleID.String()
	}
	return it.Role.DisplayName
}

// mappingText is "legacy state -> target kind", with a shorter arrow when
// the column is narrow.
func mappingText(it *migrate.Item, w int) string {
	if isSetting(it) {
		return settingMapping(it)
	}
	state := string(it.Legacy.State)
	if it.Legacy.State == migrate.StateTimeBoundEligible {
		state = "time-bound"
	}
	kind := kindText(it.Target.Kind)
	if len(state)+len(kind)+4 > w {
		return state + "→" + kind
	}
	return state + " -> " + kind
}

func kindText(k migrate.TargetKind) string {
	switch k {
	case migrate.KindRoleAssignment:
		return "assignment"
	case migrate.KindEligibilityRequest:
		return "eligibility"
	case migrate.KindAssignmentScheduleRequest:
		return "active"
	}
	return string(k)
}

func reasonText(it *migrate.Item) string {
	if len(it.Warnings) == 0 {
		return it.Reason
	}
	return it.Reason + " ! " + strings.Join(it.Warnings, ",")
}

// fit pads or truncates s to exactly w cells.
func fit(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

func (m Model) statusLine() string {
	s := m.styles
	switch {
	case m.prompt:
		return s.Prompt.Render(fmt.Sprintf("%s not saved. Quit without saving? y quit · n stay · w save and quit",
			migrate.Plural(m.changed, "change is", "changes are")))
	case m.msg != "":
		msg := migrate.Printable(m.msg)
		if m.msgKind == msgError {
			return s.Error.Render(msg)
		}
		return s.Info.Render(msg)
	case m.mode == modeSearch:
		return s.Dim.Render(fmt.Sprintf("search name, UPN and role: %s match", migrate.Plural(len(m.vis), "item", "items")))
	case m.mode == modeDetail && m.detail.TotalLineCount() > m.detail.Height:
		first := m.detail.YOffset + 1
		last := min(m.detail.YOffset+m.detail.Height, m.detail.TotalLineCount())
		return s.Dim.Render(fmt.Sprintf("lines %d-%d of %d · ↑/↓ pgup/pgdn scroll · ←/→ previous/next item", first, last, m.detail.TotalLineCount()))
	case m.mode == modeDetail:
		return s.Dim.Render("←/→ previous/next item")
	case m.query != "":
		return s.Dim.Render(fmt.Sprintf("%s match %q · / edits the search · esc clears it", migrate.Plural(len(m.vis), "item", "items"), m.query))
	case m.counts.update > 0:
		return s.Dim.Render("+ create  ~ update  = present  - skip  ! warnings  ✓ approved  ✗ declined  · new")
	}
	return s.Dim.Render("+ create  = present  - skip  ! warnings   ✓ approved  ✗ declined  · not reviewed")
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
	return h.ShortHelpView(k.ShortHelp())
}

// approvalHelp documents the approval semantics in the full help. Lines
// stay within 80 columns.
const approvalHelp = `Approval, of create items only (present = and skipped - items are never sent):
  space  approves a not reviewed item (·), then switches approved ✓ / declined ✗
  u      makes it not reviewed again;  a / A  approve / decline every create
         item the filter and the search show
  apply sends the approved, the not reviewed only once you confirm (yes or
  --yes), the declined never. w writes the approvals into the plan file.
Search: name, UPN and role as you type; several words must all match. enter
  keeps it, esc clears it and stays on the item found. Detail: ←/→ (h/l) steps.`

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
