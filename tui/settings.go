package tui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Role setting items (Item.Kind == migrate.KindRoleSetting) change one
// rule of a role's policy. Their rows name the rule where an assignment's
// name the principal, and their detail pane shows the legacy values, the
// tenant's rule now and the rule after apply side by side.

func isSetting(it *migrate.Item) bool { return it.Kind == migrate.KindRoleSetting }

// settingName is a settings row's principal cell: the rule, or the legacy
// field not carried over.
func settingName(it *migrate.Item) string {
	sc := it.Setting
	if sc == nil {
		return "role setting"
	}
	if sc.RuleID != "" {
		return "rule " + sc.RuleID
	}
	if len(sc.Legacy) > 0 {
		return "legacy " + sc.Legacy[0].Field
	}
	return "role setting"
}

// settingMapping is a settings row's mapping cell: what changes.
func settingMapping(it *migrate.Item) string {
	sc := it.Setting
	switch {
	case sc == nil:
		return ""
	case len(sc.Changes) == 0 && it.Action == migrate.ActionSkip:
		return "not carried over"
	case len(sc.Changes) == 0:
		return "no change"
	}
	parts := make([]string, len(sc.Changes))
	for i, c := range sc.Changes {
		parts[i] = c.Field + " " + c.From + "->" + c.To
	}
	return strings.Join(parts, "; ")
}

// settingColumns are the three sides of a settings item's detail pane.
func (m Model) settingColumns(it *migrate.Item, w int) (legacy, now, after []string) {
	s := m.styles
	sc := it.Setting
	legacy = []string{s.SectionHeader.Render("Legacy settings"), ""}
	for _, v := range sc.Legacy {
		for j, l := range wrap(v.Field+" = "+v.Value, w-2) {
			if j > 0 {
				l = "  " + l
			}
			legacy = append(legacy, l)
		}
		for _, l := range wrap("from "+v.Source, w-2) {
			legacy = append(legacy, "  "+s.Dim.Render(l))
		}
	}
	if sc.Note != "" {
		legacy = append(legacy, "")
		for _, l := range wrap(sc.Note, w) {
			legacy = append(legacy, s.Skip.Render(l))
		}
	}
	changed := map[string]migrate.FieldChange{}
	for _, c := range sc.Changes {
		changed[c.Field] = c
	}
	values := func(title string, raw json.RawMessage, mark bool) []string {
		lines := []string{s.SectionHeader.Render(title), ""}
		if len(raw) == 0 {
			return append(lines, s.Dim.Render("(none)"))
		}
		fv, err := migrate.RuleValues(sc.RuleID, raw)
		if err != nil {
			return append(lines, s.Error.Render("unreadable: "+err.Error()))
		}
		for _, f := range fv {
			style, prefix := s.Dim, "  "
			if c, ok := changed[f.Field]; ok && mark {
				style, prefix = s.Create, "* "
				if c.Looser {
					style, prefix = s.Warn, "! "
				}
			}
			lines = append(lines, style.Render(prefix+f.Field))
			for _, l := range wrap(f.Value, w-4) {
				lines = append(lines, "    "+l)
			}
		}
		return lines
	}
	now = values("Tenant now", sc.Current, false)
	switch {
	case it.Action == migrate.ActionUpdate:
		after = values("After apply", sc.Send, true)
		after = append(after, "", s.Dim.Render("* changed"))
		for _, c := range sc.Changes {
			if c.Looser {
				after = append(after, s.Warn.Render("! looser than now"))
				break
			}
		}
	default:
		after = []string{s.SectionHeader.Render("After apply"), ""}
		for _, l := range wrap(fmt.Sprintf("No change: %s (%s).", it.Action, it.Reason), w) {
			after = append(after, s.Dim.Render(l))
		}
	}
	return legacy, now, after
}

// settingDetail is a settings item's detail pane: what the item is, then
// legacy, now and after apply side by side (stacked on a narrow screen).
func (m Model) settingDetail(it *migrate.Item) string {
	s := m.styles
	sc := it.Setting
	var head []string
	field := func(label, v string) {
		if v == "" {
			return
		}
		for j, l := range wrap(v, m.width-labelWidth) {
			if j == 0 {
				head = append(head, s.Dim.Render(fmt.Sprintf("%-*s", labelWidth, label))+l)
			} else {
				head = append(head, strings.Repeat(" ", labelWidth)+l)
			}
		}
	}
	role := it.Role.DisplayName
	if it.Role.Privileged {
		role += " (privileged)"
	}
	head = append(head, s.SectionHeader.Render("Role setting"), "")
	field("Role", role+"  "+sc.RoleID.String())
	field("Rule", sc.RuleID)
	field("Policy", sc.PolicyID)
	field("Plan", fmt.Sprintf("%s (%s)", it.Action, it.Reason))
	for _, wn := range it.Warnings {
		field("Warning", "! "+wn)
	}
	if r := reviewOf(it); r == notCreate {
		field("Review", "apply changes nothing here: nothing to review")
	} else {
		field("Review", reviewText(r))
	}
	field("Key", it.Key)
	if it.Action == migrate.ActionUpdate && m.plan.GraphURL != "" {
		field("Request", "PATCH /v1.0/policies/roleManagementPolicies/"+sc.PolicyID+"/rules/"+sc.RuleID+" (the whole rule)")
	}
	head = append(head, "")
	if m.width < sideBySide {
		l, n, a := m.settingColumns(it, m.width)
		cols := append(append(append(head, l...), append([]string{""}, n...)...), append([]string{""}, a...)...)
		return strings.Join(cols, "\n")
	}
	w := (m.width - 6) / 3
	l, n, a := m.settingColumns(it, w)
	sep := s.Dim.Render(" │ ")
	lines := head
	for i := 0; i < max(len(l), len(n), len(a)); i++ {
		cell := func(c []string) string {
			if i < len(c) {
				return c[i]
			}
			return ""
		}
		lines = append(lines, fit(cell(l), w)+sep+fit(cell(n), w)+sep+cell(a))
	}
	return strings.Join(lines, "\n")
}
