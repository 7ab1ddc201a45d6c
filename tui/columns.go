package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The list's columns after the row prefix, and their headers.
const (
	headPrincipal = "PRINCIPAL"
	headRole      = "ROLE"
	headScope     = "SCOPE"
	headMapping   = "LEGACY -> TARGET"
	headReason    = "REASON / WARNINGS"
	// minColumn is the narrowest a column gets on a narrow screen.
	minColumn = 8
	// maxMapping is the widest short mapping of the known states and
	// kinds, "time-bound→eligibility": narrower, a mapping gives way only
	// when it is wider (a state the plan's snapshot made up).
	maxMapping = 22
	// minScope is the narrowest the scope column gives way to while
	// another column is wider: room for the kind and a name's start,
	// "attr set En…".
	minScope = 12
)

// contentWidths are the widths of the plan's widest cells, measured once:
// the columns are laid out from the content, not from fixed shares.
// scope is 0 when every item is at "/" of the directory: the list then
// has no scope column.
type contentWidths struct {
	name, upn, role, scope, mapping, mappingShort, reason int
	// scopeStarts holds, for each first word of a scope name, a name that
	// starts with it; sharedStarts the first words two names share.
	scopeStarts  map[string]string
	sharedStarts map[string]bool
}

// measure widens w to hold item it's cells. It measures without building
// the cells' text: it runs over every item of the plan as it opens.
func (w *contentWidths) measure(it *migrate.Item) {
	name, upn := principalText(it)
	w.name = max(w.name, cellWidth(name))
	w.upn = max(w.upn, cellWidth(upn))
	if it.Role.DisplayName == "" {
		w.role = max(w.role, len(migrate.GUID{}.String()))
	} else {
		w.role = max(w.role, cellWidth(it.Role.DisplayName))
	}
	if isSetting(it) {
		m := cellWidth(settingMapping(it))
		w.mapping, w.mappingShort = max(w.mapping, m), max(w.mappingShort, m)
	} else {
		if s := scopeText(it); s != migrate.DirectoryScopeRoot {
			w.scope = max(w.scope, cellWidth(s))
			w.noteScopeName(it.ScopeName)
		}
		mapping := cellWidth(fromText(it)) + cellWidth(kindText(it.Target.Kind))
		w.mapping = max(w.mapping, mapping+len(" -> "))
		w.mappingShort = max(w.mappingShort, mapping+1) // "→" is one cell
	}
	reason := 0
	if it.Action != migrate.ActionCreate {
		reason = cellWidth(it.Reason)
	}
	if len(it.Warnings) > 0 {
		reason += len(" ! ") + len(it.Warnings) - 1
		for _, wn := range it.Warnings {
			reason += cellWidth(wn)
		}
	}
	w.reason = max(w.reason, reason)
}

// noteScopeName records the first word of a scope name, and whether
// another name starts with it too.
func (w *contentWidths) noteScopeName(name string) {
	first, _, ok := strings.Cut(name, " ")
	if !ok {
		return
	}
	if w.scopeStarts == nil {
		w.scopeStarts, w.sharedStarts = map[string]string{}, map[string]bool{}
	}
	switch seen, ok := w.scopeStarts[first]; {
	case !ok:
		w.scopeStarts[first] = name
	case seen != name:
		w.sharedStarts[first] = true
	}
}

// cellWidth is the width s takes on screen once made inert, without
// measuring plain ASCII (most of a plan) the slow way.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(migrate.Printable(s))
		}
	}
	return len(s)
}

// columns are the widths of a row's cells after the prefix. When upn is
// not 0, the principal cell has room for every UPN: the name takes name
// cells, the UPN upn after a gap. short says the mapping uses the short
// arrow.
// scope is 0 when the list has no scope column.
type columns struct {
	principal, role, scope, mapping, reason int
	name, upn                               int
	short                                   bool
	// sharedStarts are the first words scope names share (fitScope).
	sharedStarts map[string]bool
}

// layout fits the columns into width from the content's widths: each as
// wide as its widest cell when all fit (the spare room stays at the end of
// the row); narrower, the principal drops the UPN and the mapping its
// spaced arrow; narrower still, the widest column gives way, a cell at a
// time, down to minColumn (the mapping only down to maxMapping, the scope
// to minScope).
func layout(width int, w contentWidths) columns {
	avail := max(0, width-prefixWidth-3*gap)
	c := columns{principal: w.name, role: max(w.role, len(headRole)),
		mapping: max(w.mapping, len(headMapping)), reason: max(w.reason, len(headReason)), name: w.name, upn: w.upn,
		sharedStarts: w.sharedStarts}
	if w.scope > 0 {
		c.scope = max(w.scope, len(headScope))
		avail = max(0, avail-gap)
	}
	if w.upn > 0 {
		c.principal += gap + w.upn
	}
	c.principal = max(c.principal, len(headPrincipal))
	sum := func() int { return c.principal + c.role + c.scope + c.mapping + c.reason }
	if sum() <= avail {
		return c
	}
	c.upn, c.short = 0, true
	c.principal, c.mapping = max(w.name, len(headPrincipal)), max(w.mappingShort, minColumn)
	for sum() > avail {
		widest := &c.principal
		for _, p := range []*int{&c.role, &c.reason, &c.scope, &c.mapping} {
			if *p > *widest && (p != &c.mapping || *p > maxMapping) && (p != &c.scope || *p > minScope) {
				widest = p
			}
		}
		if *widest <= minColumn {
			break
		}
		*widest--
	}
	return c
}

// principalText is the display name and the UPN (when it is not the name);
// the UPN, or else the principal's id, as the name when the tenant gave no
// name; notFound when the plan has no id either.
func principalText(it *migrate.Item) (name, upn string) {
	p := it.Principal
	switch {
	case isSetting(it):
		return settingName(it), ""
	case p.DisplayName == "" && p.UserPrincipalName == "" && it.Target.PrincipalID.IsZero():
		return notFound, ""
	case p.DisplayName == "" && p.UserPrincipalName == "":
		return it.Target.PrincipalID.String(), ""
	case p.DisplayName == "":
		return p.UserPrincipalName, ""
	case p.UserPrincipalName == p.DisplayName:
		return p.DisplayName, ""
	}
	return p.DisplayName, p.UserPrincipalName
}

// principalCell is the principal's cell text: the name, and the UPN in its
// own place when the columns have room for it.
func principalCell(it *migrate.Item, c columns) string {
	name, upn := principalText(it)
	if c.upn == 0 || upn == "" {
		return migrate.Printable(name)
	}
	return fit(migrate.Printable(name), c.name) + strings.Repeat(" ", gap) + migrate.Printable(upn)
}

// notFound names a principal an --add row named that the tenant does not
// have: the plan has no id for it.
const notFound = "(not found)"

// roleText is the role's name, or its id when the tenant has no such role;
// "(unknown role)" for a role an --add row named by a name the tenant does
// not have (no id either).
func roleText(it *migrate.Item) string {
	switch {
	case it.Role.DisplayName != "":
		return it.Role.DisplayName
	case it.Target.RoleDefinitionID.IsZero():
		return "(unknown role)"
	}
	return it.Target.RoleDefinitionID.String()
}

// scopeText is the item's scope in a few words (migrate.ScopeLabel): "/",
// "all catalogs", "AU Paris", "attr set Engineering", "app Payroll",
// "catalog Sales"; "" for a role setting.
func scopeText(it *migrate.Item) string {
	if isSetting(it) {
		return ""
	}
	return migrate.ScopeLabel(&it.Target, it.ScopeName)
}

// fromText is the legacy side of the mapping: the legacy state, or
// "added" for an item legacy did not hold.
func fromText(it *migrate.Item) string {
	if it.Added != "" {
		return "added"
	}
	return stateText(it.Legacy.State)
}

// mappingText is "legacy state -> target kind", with a shorter arrow when
// short.
func mappingText(it *migrate.Item, short bool) string {
	switch {
	case isSetting(it):
		return settingMapping(it)
	case short:
		return fromText(it) + "→" + kindText(it.Target.Kind)
	}
	return fromText(it) + " -> " + kindText(it.Target.Kind)
}

func stateText(s migrate.State) string {
	if s == migrate.StateTimeBoundEligible {
		return "time-bound"
	}
	return string(s)
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

// reasonText is why an item is present or skipped, and its warnings. A
// create item's reason is its legacy state, which the mapping shows
// already: its cell holds only the warnings.
func reasonText(it *migrate.Item) string {
	reason := it.Reason
	if it.Action == migrate.ActionCreate {
		reason = ""
	}
	if len(it.Warnings) == 0 {
		return reason
	}
	return strings.TrimPrefix(reason+" ! "+strings.Join(it.Warnings, ","), " ")
}

// fitScope fits a scope label ("AU Contoso Europe") to w cells. Too wide,
// a name whose first word another scope name of the plan shares keeps the
// kind and its last words that fit ("AU …Europe", telling it from
// "Contoso Americas"); any other label is cut at its end, as any cell.
func fitScope(s string, w int, shared map[string]bool) string {
	if ansi.StringWidth(s) <= w {
		return fit(s, w)
	}
	for _, kind := range []string{"AU ", "attr set ", "app ", "catalog "} {
		name, ok := strings.CutPrefix(s, kind)
		if first, _, _ := strings.Cut(name, " "); !ok || !shared[first] {
			continue
		}
		room := w - ansi.StringWidth(kind) - 1 // "…"
		words := strings.Fields(name)
		tail := ""
		for i := len(words) - 1; i > 0; i-- {
			t := strings.Join(words[i:], " ")
			if ansi.StringWidth(t) > room {
				break
			}
			tail = t
		}
		if tail != "" {
			return fit(kind+"…"+tail, w)
		}
	}
	return fit(s, w)
}

// fit pads or truncates s to exactly w cells.
func fit(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}
