package migrate

import (
	"fmt"
	"sort"
	"strings"
)

// Summary counts a plan's items.
type Summary struct {
	Items        int                `json:"items"`
	Create       int                `json:"create"`
	CreateByKind map[TargetKind]int `json:"createByKind"`
	// Update counts role setting items that change a rule; RoleSettings
	// all role setting items (Present and Skip count them with the rest).
	Update       int            `json:"update"`
	RoleSettings int            `json:"roleSettings"`
	Present      int            `json:"present"`
	Skip         int            `json:"skip"`
	SkipReasons  map[string]int `json:"skipReasons"`
	Warnings     map[string]int `json:"warnings"`
	Rejected     int            `json:"rejected"`
	Approved     int            `json:"approved"`
	Declined     int            `json:"declined"`
	// Added counts create items legacy did not hold (--add, Directory
	// Readers); Narrowed create items a scope rule put below "/".
	Added    int `json:"added,omitempty"`
	Narrowed int `json:"narrowed,omitempty"`
}

// summaryKindEntitlement counts entitlement-management creates in
// CreateByKind, apart from the directory's role assignments.
const summaryKindEntitlement TargetKind = "entitlementManagementRoleAssignment"

// Summarize counts the items.
func (p *Plan) Summarize() Summary {
	s := newSummary(len(p.Rejected))
	for i := range p.Items {
		s.add(&p.Items[i])
	}
	return s
}

func newSummary(rejected int) Summary {
	return Summary{CreateByKind: map[TargetKind]int{}, SkipReasons: map[string]int{}, Warnings: map[string]int{}, Rejected: rejected}
}

// add counts one more item.
func (s *Summary) add(it *Item) {
	s.Items++
	if it.Kind == KindRoleSetting {
		s.RoleSettings++
	}
	if it.Changes() && it.Approved != nil {
		if *it.Approved {
			s.Approved++
		} else {
			s.Declined++
		}
	}
	switch it.Action {
	case ActionCreate:
		s.Create++
		if it.Target.Provider == ProviderEntitlement {
			s.CreateByKind[summaryKindEntitlement]++
		} else {
			s.CreateByKind[it.Target.Kind]++
		}
		if it.Added != "" {
			s.Added++
		} else if it.Narrowed() {
			s.Narrowed++
		}
	case ActionUpdate:
		s.Update++
	case ActionPresent:
		s.Present++
	case ActionSkip:
		s.Skip++
		s.SkipReasons[it.Reason]++
	}
	for _, w := range it.Warnings {
		s.Warnings[w]++
	}
}

// Line is the one-line plan summary, Terraform style:
//
//	Plan: 28 to create (13 assignments, 15 eligibilities), 9 role settings to update, 7 already present, 6 skipped.
func (s Summary) Line() string {
	var kinds []string
	for _, k := range []struct {
		kind        TargetKind
		one, plural string
	}{
		{KindRoleAssignment, "assignment", "assignments"},
		{KindEligibilityRequest, "eligibility", "eligibilities"},
		{KindAssignmentScheduleRequest, "active schedule", "active schedules"},
		{summaryKindEntitlement, "entitlement-management assignment", "entitlement-management assignments"},
	} {
		if n := s.CreateByKind[k.kind]; n > 0 {
			kinds = append(kinds, Plural(n, k.one, k.plural))
		}
	}
	create := fmt.Sprintf("%d to create", s.Create)
	if len(kinds) > 0 {
		create += " (" + strings.Join(kinds, ", ") + ")"
	}
	var scoped []string
	if s.Narrowed > 0 {
		scoped = append(scoped, fmt.Sprintf("%d narrowed by scope rules", s.Narrowed))
	}
	if s.Added > 0 {
		scoped = append(scoped, fmt.Sprintf("%d added beyond legacy", s.Added))
	}
	if len(scoped) > 0 {
		create += "; " + strings.Join(scoped, ", ")
	}
	if s.RoleSettings > 0 {
		create += ", " + Plural(s.Update, "role setting", "role settings") + " to update"
	}
	return fmt.Sprintf("Plan: %s, %d already present, %d skipped.", create, s.Present, s.Skip)
}

// Text is the summary line followed by the skip reasons, warnings and
// rejected records with their counts, as plan prints it.
func (s Summary) Text() string {
	var b strings.Builder
	b.WriteString(s.Line())
	b.WriteByte('\n')
	writeCounts(&b, "Skipped", s.SkipReasons)
	writeCounts(&b, "Warnings", s.Warnings)
	if s.Rejected > 0 {
		fmt.Fprintf(&b, "Rejected at export: %s (listed in legacy.json, the plan and every report).\n", Plural(s.Rejected, "record", "records"))
	}
	return b.String()
}

func writeCounts(b *strings.Builder, title string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(b, "%s:\n", title)
	for _, k := range keys {
		fmt.Fprintf(b, "  %-38s %5d\n", Printable(k), counts[k])
	}
}

// Plural says "1 record" or "3 records".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
