package tui

import (
	"sort"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// filter selects items by action (or by having warnings).
type filter int

const (
	filterAll filter = iota
	filterCreate
	filterPresent
	filterSkip
	filterWarnings
	filterSettings // role setting items, whatever their action
	numFilters
)

func (f filter) String() string {
	return [...]string{"all", "create", "present", "skip", "warnings", "settings"}[f]
}

// index is what the model precomputes over the plan once: the item numbers
// each filter shows and one lower-case string per item to search in.
type index struct {
	byFilter [numFilters][]int32
	// hay holds every item's search text (display name, UPN and role name,
	// lower case, separated by NUL); item i's is hay[off[i]:off[i+1]].
	hay string
	off []int32
}

func newIndex(items []migrate.Item) *index {
	x := &index{off: make([]int32, len(items)+1)}
	all := make([]int32, len(items))
	var sb strings.Builder
	size := 0
	for i := range items {
		it := &items[i]
		size += len(it.Principal.DisplayName) + len(it.Principal.UserPrincipalName) + len(it.Role.DisplayName) + 3
		if it.Setting != nil {
			size += len(it.Setting.RuleID) + 1
		}
	}
	sb.Grow(size)
	var n [numFilters]int
	for i := range items {
		it := &items[i]
		all[i] = int32(i)
		x.off[i] = int32(sb.Len())
		writeLower(&sb, it.Principal.DisplayName)
		sb.WriteByte(0)
		writeLower(&sb, it.Principal.UserPrincipalName)
		sb.WriteByte(0)
		writeLower(&sb, it.Role.DisplayName)
		sb.WriteByte(0)
		if it.Setting != nil {
			writeLower(&sb, it.Setting.RuleID)
			sb.WriteByte(0)
		}
		n[actionFilter(it.Action)]++
		if isSetting(it) && actionFilter(it.Action) != filterSettings {
			n[filterSettings]++
		}
		if len(it.Warnings) > 0 {
			n[filterWarnings]++
		}
	}
	x.off[len(items)] = int32(sb.Len())
	x.hay = sb.String()
	x.byFilter[filterAll] = all
	for f := filterCreate; f < numFilters; f++ {
		x.byFilter[f] = make([]int32, 0, n[f])
	}
	for i := range items {
		it := &items[i]
		f := actionFilter(it.Action)
		x.byFilter[f] = append(x.byFilter[f], int32(i))
		if isSetting(it) && f != filterSettings {
			x.byFilter[filterSettings] = append(x.byFilter[filterSettings], int32(i))
		}
		if len(it.Warnings) > 0 {
			x.byFilter[filterWarnings] = append(x.byFilter[filterWarnings], int32(i))
		}
	}
	return x
}

// actionFilter is the filter that shows items of action a.
func actionFilter(a migrate.Action) filter {
	switch a {
	case migrate.ActionCreate:
		return filterCreate
	case migrate.ActionPresent:
		return filterPresent
	case migrate.ActionUpdate:
		return filterSettings // an update is only ever a role setting's
	}
	return filterSkip
}

// writeLower writes s in lower case, without allocating for ASCII.
func writeLower(sb *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			sb.WriteString(strings.ToLower(s[i:]))
			return
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		sb.WriteByte(c)
	}
}

// text is item i's search text.
func (x *index) text(i int32) string { return x.hay[x.off[i]:x.off[i+1]] }

// match keeps the items of from whose search text holds every term.
func (x *index) match(from []int32, terms []string) []int32 {
	out := make([]int32, 0, min(len(from), 1024))
	for _, i := range from {
		s := x.text(i)
		ok := true
		for _, t := range terms {
			if !strings.Contains(s, t) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// searchTerms splits a query into lower-case words; an item matches when its
// name, UPN or role holds every word.
func searchTerms(q string) []string { return strings.Fields(strings.ToLower(q)) }

// search is an incremental search over one filter's items. Each query typed
// so far keeps its result on a stack: a query that extends the previous one
// refines that result (every item it matches, the shorter query matched), and
// deleting characters pops back to a result already computed.
type search struct {
	base  []int32
	steps []searchStep
}

type searchStep struct {
	query string
	items []int32
}

// result returns the items of base that match q.
func (s *search) result(x *index, q string) []int32 {
	if len(searchTerms(q)) == 0 {
		s.steps = s.steps[:0]
		return s.base
	}
	for len(s.steps) > 0 && !strings.HasPrefix(q, s.steps[len(s.steps)-1].query) {
		s.steps = s.steps[:len(s.steps)-1]
	}
	from := s.base
	if n := len(s.steps); n > 0 {
		if s.steps[n-1].query == q {
			return s.steps[n-1].items
		}
		from = s.steps[n-1].items
	}
	items := x.match(from, searchTerms(q))
	s.steps = append(s.steps, searchStep{q, items})
	return items
}

// position is where item sits in vis (sorted ascending), or where it would.
func position(vis []int32, item int32) int {
	return sort.Search(len(vis), func(i int) bool { return vis[i] >= item })
}
