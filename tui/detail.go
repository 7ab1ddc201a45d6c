package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// sideBySide is the narrowest screen that shows the legacy record and the
// request next to each other; narrower, they are stacked.
const sideBySide = 100

// layoutDetail sizes the detail pane and fills it with the selected item;
// top scrolls it back to its start (a new item).
func (m *Model) layoutDetail(top bool) {
	i := m.selected()
	if i < 0 {
		m.mode = modeList
		return
	}
	off := m.detail.YOffset
	m.detail.Width, m.detail.Height = m.width, m.bodyLines()
	m.detail.SetContent(m.detailContent(&m.plan.Items[i]))
	if top {
		m.detail.GotoTop()
	} else {
		m.detail.SetYOffset(off)
	}
}

func (m Model) detailContent(it *migrate.Item) string {
	if isSetting(it) {
		return m.settingDetail(it)
	}
	if m.width < sideBySide {
		lines := m.legacyLines(it, m.width)
		lines = append(lines, "")
		lines = append(lines, m.requestLines(it, m.width)...)
		return strings.Join(lines, "\n")
	}
	lw := (m.width - 3) / 2
	rw := m.width - 3 - lw
	left, right := m.legacyLines(it, lw), m.requestLines(it, rw)
	sep := m.styles.Dim.Render(" │ ")
	var b strings.Builder
	for i := 0; i < max(len(left), len(right)); i++ {
		l, r := "", ""
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fit(l, lw) + sep + r)
	}
	return b.String()
}

const labelWidth = 13

// legacyLines is the item's legacy record and what the plan made of it;
// for an item legacy did not hold (--add, Directory Readers), where it
// comes from instead of a legacy record.
func (m Model) legacyLines(it *migrate.Item, w int) []string {
	s := m.styles
	a := &it.Legacy
	title := "Legacy record"
	if it.Added != "" {
		title = "Added: not legacy access"
	}
	lines := []string{s.SectionHeader.Render(title), ""}
	field := func(label string, values ...string) {
		for i, v := range values {
			if v == "" {
				continue
			}
			for j, l := range wrap(v, w-labelWidth) {
				if i == 0 && j == 0 {
					lines = append(lines, s.Dim.Render(fmt.Sprintf("%-*s", labelWidth, label))+l)
					label = ""
				} else {
					lines = append(lines, strings.Repeat(" ", labelWidth)+l)
				}
			}
		}
	}
	p := it.Principal
	var pd []string
	if p.Type != "" {
		pd = append(pd, string(p.Type))
	}
	if p.AccountEnabled != nil {
		pd = append(pd, map[bool]string{true: "enabled", false: "disabled"}[*p.AccountEnabled])
	}
	privileged := ""
	if it.Role.Privileged {
		privileged = " (privileged)"
	}
	if it.Added != "" {
		name, _ := principalText(it)
		field("Principal", name, p.UserPrincipalName, strings.Join(pd, ", "), guidText(it.Target.PrincipalID))
		field("Role", roleText(it)+privileged, guidText(it.Target.RoleDefinitionID))
		field("Origin", it.OriginText()+" — not legacy access")
	} else {
		field("Principal", p.DisplayName, p.UserPrincipalName, strings.Join(pd, ", "), a.UserID.String())
		field("Role", it.Role.DisplayName+privileged, a.RoleID.String())
		field("Legacy id", a.ID)
		field("Source", fmt.Sprintf("%s (%s)", a.Source, a.Origin))
		field("State", fmt.Sprintf("%s (isElevated %v)", a.State, a.IsElevated))
		field("Expires", timeText(a.ExpirationDateTime, "never"))
		if a.StartDateTime != nil {
			field("Starts", timeText(a.StartDateTime, ""))
		}
		if a.EligibleUntil != nil {
			field("Eligible to", timeText(a.EligibleUntil, ""))
		}
		field("Merged from", strings.Join(it.MergedFrom, ", "))
		field("Folded from", strings.Join(a.FoldedFrom, ", "))
		if it.ScopeRule != "" {
			field("Origin", it.OriginText())
		}
	}
	lines = append(lines, "")
	field("Scope", scopeLines(it)...)
	if t := &it.Target; t.ProviderName() != migrate.ProviderDirectory {
		field("Provider", t.ProviderName())
	}
	field("Plan", fmt.Sprintf("%s: %s -> %s", it.Action, fromText(it), it.Target.Kind))
	field("Reason", it.Reason)
	for _, wn := range it.Warnings {
		field("Warning", "! "+wn+warningText(wn))
	}
	field("Review", reviewText(reviewOf(it)))
	field("Key", it.Key)
	return lines
}

// scopeLines are the item's scope id, then what it names: "Paris
// (administrative unit)"; "/" says it on its own line.
func scopeLines(it *migrate.Item) []string {
	t := &it.Target
	id := t.ScopeID()
	switch {
	case id == migrate.DirectoryScopeRoot && t.Provider == migrate.ProviderEntitlement:
		return []string{id + " (every access package catalog)"}
	case id == migrate.DirectoryScopeRoot:
		return []string{id + " (the tenant)"}
	}
	ref, err := migrate.ParseScopeRef(id, t.ProviderName())
	switch {
	case err != nil:
		return []string{id}
	case it.ScopeName == "":
		return []string{id, ref.Kind.String()}
	}
	return []string{id, it.ScopeName + " (" + ref.Kind.String() + ")"}
}

// guidText is g, or "" for the zero GUID: the id of a principal or a role
// an --add row named that the tenant does not have.
func guidText(g migrate.GUID) string {
	if g.IsZero() {
		return ""
	}
	return g.String()
}

func timeText(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

func warningText(w string) string {
	switch w {
	case migrate.WarnDuplicateRecord:
		return ": more than one legacy record gives this assignment"
	case migrate.WarnPrincipalDisabled:
		return ": the principal's account is disabled"
	case migrate.WarnGuestUser:
		return ": the principal is a guest user"
	case migrate.WarnUnifiedGrantsMore:
		return ": the tenant already gives standing access to this role"
	case migrate.WarnPrincipalUnverified:
		return ": planned offline, the principal was not looked up"
	case migrate.WarnEligibleMadeActive:
		return ": eligible access becomes standing access (--eligible-as assignment)"
	case migrate.WarnNeedsDirectoryReaders:
		return ": a service principal or guest with a role at an administrative unit also needs Directory Readers at /; the plan offers it as an item of its own"
	case migrate.WarnOtherScopeHeld:
		return ": the tenant already grants this role at another scope (see audit); pimmigrate removes nothing, so that grant stays until an admin removes it"
	case migrate.WarnWiderGrantPresent:
		return ": the tenant already grants this role at /; pimmigrate removes nothing, so that wider grant stays until an admin removes it"
	}
	return ""
}

func reviewText(r review) string {
	switch r {
	case approved:
		return "✓ approved: apply sends it"
	case declined:
		return "✗ declined: apply never sends it"
	case unreviewed:
		return "· not reviewed: apply sends it once you confirm (yes or --yes)"
	}
	return "not a create item: nothing to review"
}

// endpoint is where apply POSTs the target.
func endpoint(t *migrate.Target) string {
	if t.Provider == migrate.ProviderEntitlement {
		return "/v1.0/roleManagement/entitlementManagement/roleAssignments"
	}
	switch t.Kind {
	case migrate.KindRoleAssignment:
		return "/v1.0/roleManagement/directory/roleAssignments"
	case migrate.KindEligibilityRequest:
		return "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests"
	case migrate.KindAssignmentScheduleRequest:
		return "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests"
	}
	return "?"
}

// requestLines is the exact request apply sends for the item:
// Target.RequestBody, indented.
func (m Model) requestLines(it *migrate.Item, w int) []string {
	s := m.styles
	lines := []string{s.SectionHeader.Render("Request apply sends"), ""}
	add := func(st func(...string) string, text string) {
		for _, l := range wrap(text, w) {
			lines = append(lines, st(l))
		}
	}
	switch reviewOf(it) {
	case notCreate:
		if it.Action == migrate.ActionPresent {
			add(s.Present.Render, fmt.Sprintf("None: already in the tenant (%s).", it.Reason))
		} else {
			add(s.Skip.Render, fmt.Sprintf("None: skipped (%s).", it.Reason))
		}
		return lines
	case declined:
		add(s.Declined.Render, "Not sent: declined. This is what approving it sends:")
	case unreviewed:
		add(s.Unreviewed.Render, "Sent once you confirm apply (not reviewed):")
	case approved:
		add(s.Approved.Render, "Sent by apply (approved):")
	}
	lines = append(lines, "")
	for _, l := range strings.Split(ansi.Wrap("POST "+endpoint(&it.Target), w, "/"), "\n") {
		lines = append(lines, s.Bold.Render(l))
	}
	body, err := json.MarshalIndent(it.Target.RequestBody(), "", "  ")
	if err != nil {
		add(s.Error.Render, err.Error())
		return lines
	}
	for _, l := range strings.Split(string(body), "\n") {
		indent := len(l) - len(strings.TrimLeft(l, " "))
		for j, part := range wrap(l[indent:], w-indent-2) {
			if j == 0 {
				lines = append(lines, l[:indent]+part)
			} else {
				lines = append(lines, l[:indent]+"  "+part)
			}
		}
	}
	if m.plan.GraphURL != "" {
		lines = append(lines, "")
		add(s.Dim.Render, "in a JSON $batch to "+m.plan.GraphURL)
	}
	return lines
}

// wrap breaks plain text into lines of at most w cells, made inert first:
// every value the detail pane and the status line show passes here. It
// breaks at spaces, after "_" (between the two ids of a key), before "@"
// (a key's scope) and after "/" (within a scope), never at a GUID's
// hyphens; only a word longer than a line is cut.
func wrap(s string, w int) []string {
	s = migrate.Printable(s)
	w = max(w, 8)
	if ansi.StringWidth(s) <= w {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, word := range words(s) {
		if ansi.StringWidth(strings.TrimRight(line+word, " ")) <= w {
			line += word
			continue
		}
		if line != "" {
			lines = append(lines, strings.TrimRight(line, " "))
		}
		for ansi.StringWidth(strings.TrimRight(word, " ")) > w {
			lines = append(lines, ansi.Truncate(word, w, ""))
			word = ansi.TruncateLeft(word, w, "")
		}
		line = word
	}
	if line = strings.TrimRight(line, " "); line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// words splits s after each run of spaces, after each "_" and each "/"
// but the one of "@/", and before each "@", keeping every character.
func words(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		next := byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		end := s[i] == '_' || s[i] == '/' && (i == 0 || s[i-1] != '@') || next == '@' || s[i] == ' ' && next != ' '
		if end {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
