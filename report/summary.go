package report

import (
	"cmp"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// summarySheet is the report's first sheet: what the report is of, counts
// by action, outcome, legacy state, skip reason and warning, and outcomes by
// role with a chart of them. It has no header row: a list of sections, each
// with a heading row.
func summarySheet(in *MigrationInput) Sheet {
	p := in.Plan
	c, err := count(in)
	var rows [][]Cell
	add := func(cells ...Cell) { rows = append(rows, cells) }
	field := func(name string, v Cell) { add(Text(name), v) }
	// heading is a section's heading row: a name, then counts, their
	// headings right-aligned over their numbers.
	heading := func(names ...string) {
		cells := make([]Cell, len(names))
		for i, n := range names {
			cells[i] = Text(n).WithTone(ToneHeading)
			if i > 0 {
				cells[i] = cells[i].Right()
			}
		}
		add(cells...)
	}

	add(Text("Migration report").WithTone(ToneHeading), Cell{}.WithTone(ToneHeading))
	field("Tenant", Text(p.TenantID))
	field("Graph URL", Text(p.GraphURL))
	field("Plan file", Text(in.PlanFile))
	field("Plan digest", Text(p.Digest))
	field("Legacy snapshot digest", Text(p.LegacyDigest))
	field("Planned at (UTC)", Date(p.CreatedAt))
	field("As of (UTC)", Date(p.AsOf))
	field("Offline plan", Text(yesNo(&p.Offline)))
	field("Eligible access becomes", Text(string(p.Policy.EligibleAs)))
	field("Keep activations", Text(yesNo(&p.Policy.KeepActivations)))
	field("Protected principals", Int(len(p.Policy.Protect)))
	field("Policy check", Text(cmp.Or(p.Policy.PolicyCheck, migrate.PolicyCheckOn)))
	field("Access the policy requires to expire", Text(string(cmp.Or(p.Policy.PolicyExpiry, migrate.PolicyExpirySet))))
	if p.Policy.SignIn != "" {
		field("Planned sign-in", Text(p.Policy.SignIn))
	}
	if r := in.Run; r != nil {
		field("Journal", Text(r.Journal))
		field("Applied from (UTC)", Date(r.Started))
		field("Last journal line (UTC)", Date(r.Finished))
		field("Apply runs", Int(r.ApplyRuns))
		field("Rollback runs", Int(r.RollbackRuns))
	} else {
		field("Journal", Text("none: this report shows what apply would do"))
	}
	field("Report made at (UTC)", Date(in.MadeAt))
	field("Tool version", Text("pimmigrate "+in.ToolVersion))
	field("Items", Int(c.items))
	field("Rejected records", Int(len(p.Rejected)))
	for _, n := range p.Notes {
		field("Note", Text(n))
	}

	section := func(title string, keys []string, n map[string]int, tone func(string) Tone) {
		add()
		heading(title, "Items")
		for _, k := range keys {
			add(Text(k).WithTone(tone(k)), Int(n[k]))
		}
	}
	plain := func(string) Tone { return TonePlain }
	section("Action", []string{string(migrate.ActionCreate), string(migrate.ActionPresent), string(migrate.ActionSkip)}, c.action, plain)
	var outcomes []string
	for _, l := range in.labels() {
		outcomes = append(outcomes, l.name)
	}
	section("Outcome", outcomes, c.outcome, toneOf)
	if c.origin[originLegacy] < c.assignments {
		section("Origin", origins, c.origin, plain)
	}
	section("Legacy state", sortedKeys(c.state, stateOrder), c.state, plain)
	if len(c.reason) > 0 {
		section("Skip reason", sortedKeys(c.reason, nil), c.reason, plain)
	}
	if len(c.warning) > 0 {
		section("Warning", sortedKeys(c.warning, nil), c.warning, plain)
	}

	// Outcomes by role: a column per outcome that occurs, and the chart.
	var shown []label
	for _, l := range in.labels() {
		if c.outcome[l.name] > 0 {
			shown = append(shown, l)
		}
	}
	add()
	names := []string{"Role", "Items"}
	for _, l := range shown {
		names = append(names, l.name)
	}
	heading(names...)
	nameRow := len(rows)
	for _, role := range c.roleOrder {
		cells := []Cell{Text(role), Int(c.roleItems[role])}
		for _, l := range shown {
			cells = append(cells, Int(c.byRole[role][l.name]))
		}
		add(cells...)
	}
	// The first column holds the labels and the role names: as wide as the
	// longest role name (an unknown role's is long), within reason.
	first := 34
	for _, role := range c.roleOrder {
		first = max(first, min(len(role)+2, maxWidth))
	}
	cols := []Column{{Width: float64(first)}, {Width: 50}}
	for range shown {
		cols = append(cols, Column{Width: 16})
	}
	s := Sheet{Name: "Summary", Columns: cols, Rows: RowsOf(rows), Err: func() error { return err }}
	if len(c.roleOrder) > 0 && len(shown) > 0 {
		ch := Chart{Title: "Outcomes by role", NameRow: nameRow, FirstRow: nameRow + 1, LastRow: len(rows), Category: 1}
		for i, l := range shown {
			ch.Series = append(ch.Series, Series{Column: 3 + i, Tone: l.tone, Color: l.chart})
		}
		// Below the table it draws: printed, the page is as wide as the
		// tables, not tables and chart side by side.
		ch.At, _ = excelize.CoordinatesToCellName(1, len(rows)+3)
		ch.NewPage = true
		s.Charts = []Chart{ch}
	}
	return s
}

type counts struct {
	items, assignments                              int
	action, outcome, state, origin, reason, warning map[string]int
	roleItems                                       map[string]int
	byRole                                          map[string]map[string]int
	roleOrder                                       []string
}

// count counts the items: one pass over them. The error is the one that
// ended the pass early, if any.
func count(in *MigrationInput) (*counts, error) {
	c := &counts{action: map[string]int{}, outcome: map[string]int{}, state: map[string]int{}, origin: map[string]int{}, reason: map[string]int{},
		warning: map[string]int{}, roleItems: map[string]int{}, byRole: map[string]map[string]int{}}
	err := in.each(func(it *migrate.Item) error {
		c.items++
		l, _ := in.outcome(it)
		c.action[string(it.Action)]++
		c.outcome[l]++
		if it.Legacy.State != "" { // an added item has no legacy record
			c.state[string(it.Legacy.State)]++
		}
		if it.Kind == migrate.KindAssignment {
			c.assignments++
			c.origin[originOf(it)]++
		}
		if it.Action == migrate.ActionSkip {
			c.reason[it.Reason]++
		}
		for _, w := range it.Warnings {
			c.warning[w]++
		}
		role := roleName(it)
		if c.byRole[role] == nil {
			c.byRole[role] = map[string]int{}
			c.roleOrder = append(c.roleOrder, role)
		}
		c.roleItems[role]++
		c.byRole[role][l]++
		return nil
	})
	sort.Slice(c.roleOrder, func(i, j int) bool {
		a, b := strings.ToLower(c.roleOrder[i]), strings.ToLower(c.roleOrder[j])
		if a != b {
			return a < b
		}
		return c.roleOrder[i] < c.roleOrder[j]
	})
	return c, err
}

// The rows of the Origin section, which the Summary shows when a scope
// rule or --add had a say in the plan.
const (
	originLegacy   = "legacy"
	originNarrowed = "legacy, narrowed by a scope rule"
	originAdded    = "added by --add"
	originReaders  = "added: Directory Readers"
)

var origins = []string{originLegacy, originNarrowed, originAdded, originReaders}

// originOf is the Origin row that counts the item.
func originOf(it *migrate.Item) string {
	switch {
	case it.Added == migrate.AddedDirectoryReaders:
		return originReaders
	case it.Added != "":
		return originAdded
	case it.Narrowed():
		return originNarrowed
	}
	return originLegacy
}

var stateOrder = []string{string(migrate.StatePermanent), string(migrate.StateEligible), string(migrate.StateActivated), string(migrate.StateTimeBoundEligible)}

// sortedKeys returns first (each, counted or not), then n's other keys
// sorted.
func sortedKeys(n map[string]int, first []string) []string {
	keys := append([]string(nil), first...)
	var rest []string
	seen := map[string]bool{}
	for _, k := range first {
		seen[k] = true
	}
	for k := range n {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}
