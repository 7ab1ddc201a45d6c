package migrate

import (
	"fmt"
	"sort"
	"strings"
)

// Line is the one-line plan summary, Terraform style:
//
//	Plan: 28 to create (13 assignments, 15 eligibilities), 7 already present, 6 skipped.
func (s Summary) Line() string {
	var kinds []string
	for _, k := range []struct {
		kind        TargetKind
		one, plural string
	}{
		{KindRoleAssignment, "assignment", "assignments"},
		{KindEligibilityRequest, "eligibility", "eligibilities"},
		{KindAssignmentScheduleRequest, "active schedule", "active schedules"},
	} {
		if n := s.CreateByKind[k.kind]; n > 0 {
			kinds = append(kinds, Plural(n, k.one, k.plural))
		}
	}
	create := fmt.Sprintf("%d to create", s.Create)
	if len(kinds) > 0 {
		create += " (" + strings.Join(kinds, ", ") + ")"
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
