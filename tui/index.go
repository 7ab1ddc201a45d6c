package tui

import (
	"bytes"
	"slices"
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
// each filter shows, in the order rows are listed, one lower-case string per
// item to search in, and the widths of the widest cells.
type index struct {
	// byFilter lists each filter's items in row order: by principal name,
	// then principal id, then role name (case-insensitively), then key, so
	// that names read in order and a principal's roles are listed together.
	byFilter [numFilters][]int32
	// rank is each item's place in row order.
	rank []int32
	// hay holds every item's search text (display name, UPN, role name and
	// a scope other than "/" — or a setting's rule —, lower case, each ended
	// by NUL); item i's is hay[off[i]:off[i+1]], its UPN starts at upnAt[i],
	// its role name at roleAt[i].
	hay           string
	off           []int32
	upnAt, roleAt []int32
	widths        contentWidths
}

func newIndex(items []migrate.Item) *index {
	x := &index{off: make([]int32, len(items)+1), upnAt: make([]int32, len(items)), roleAt: make([]int32, len(items))}
	all := make([]int32, len(items))
	var sb strings.Builder
	size := 0
	for i := range items {
		it := &items[i]
		size += len(it.Principal.DisplayName) + len(it.Principal.UserPrincipalName) + len(it.Role.DisplayName) + 3
		size += len(searchScope(it)) + 1
		if it.Setting != nil {
			size += len(it.Setting.RuleID) + 1
		}
	}
	sb.Grow(size)
	var n [numFilters]int
	for i := range items {
		it := &items[i]
		all[i] = int32(i)
		x.widths.measure(it)
		x.off[i] = int32(sb.Len())
		writeLower(&sb, it.Principal.DisplayName)
		sb.WriteByte(0)
		x.upnAt[i] = int32(sb.Len())
		writeLower(&sb, it.Principal.UserPrincipalName)
		sb.WriteByte(0)
		x.roleAt[i] = int32(sb.Len())
		writeLower(&sb, it.Role.DisplayName)
		sb.WriteByte(0)
		if scope := searchScope(it); scope != "" {
			writeLower(&sb, scope)
			sb.WriteByte(0)
		}
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
	x.sortRows(items, all)
	x.rank = make([]int32, len(items))
	for r, i := range all {
		x.rank[i] = int32(r)
	}
	x.byFilter[filterAll] = all
	for f := filterCreate; f < numFilters; f++ {
		x.byFilter[f] = make([]int32, 0, n[f])
	}
	for _, i := range all {
		it := &items[i]
		f := actionFilter(it.Action)
		x.byFilter[f] = append(x.byFilter[f], i)
		if isSetting(it) && f != filterSettings {
			x.byFilter[filterSettings] = append(x.byFilter[filterSettings], i)
		}
		if len(it.Warnings) > 0 {
			x.byFilter[filterWarnings] = append(x.byFilter[filterWarnings], i)
		}
	}
	return x
}

// sortRows puts all (every item, in plan.json's key order) in row order:
// by principal name (principals without a name, not found in the tenant,
// last, by UPN), then principal id, then role name, names lower case (the
// search text's), then key. Key order keeps each principal's items
// together, so it sorts runs of items of one principal and name, then the
// few items of each principal.
func (x *index) sortRows(items []migrate.Item, all []int32) {
	type run struct {
		name       string
		id         migrate.GUID
		start, end int32
	}
	var runs []run
	for i := range all {
		id := items[i].Target.PrincipalID // an --add item has no legacy record
		name := x.hay[x.off[i] : x.upnAt[i]-1]
		if name == "" {
			name = "\xff" + x.hay[x.upnAt[i]:x.roleAt[i]-1] // the UPN, after every name: no UTF-8 text starts with 0xff
		}
		if n := len(runs); n > 0 && runs[n-1].id == id && runs[n-1].name == name {
			runs[n-1].end++
			continue
		}
		runs = append(runs, run{name, id, int32(i), int32(i) + 1})
	}
	slices.SortFunc(runs, func(a, b run) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := bytes.Compare(a.id[:], b.id[:]); c != 0 {
			return c
		}
		return int(a.start - b.start)
	})
	out := all[:0:0]
	for r := 0; r < len(runs); {
		first := len(out)
		p := runs[r]
		for ; r < len(runs) && runs[r].name == p.name && runs[r].id == p.id; r++ {
			for i := runs[r].start; i < runs[r].end; i++ {
				out = append(out, i)
			}
		}
		slices.SortFunc(out[first:], func(a, b int32) int {
			if c := strings.Compare(x.role(a), x.role(b)); c != 0 {
				return c
			}
			return int(a - b)
		})
	}
	copy(all, out)
}

// searchScope is the item's scope as the list shows it, to search in; ""
// at "/" of the directory (most items) and for a role setting.
func searchScope(it *migrate.Item) string {
	if s := scopeText(it); s != migrate.DirectoryScopeRoot {
		return s
	}
	return ""
}

// role is item i's role name (and scope), lower case.
func (x *index) role(i int32) string { return x.hay[x.roleAt[i] : x.off[i+1]-1] }

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
// name, UPN, role or scope holds every word.
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

// position is where item sits in vis (in row order), or where it would.
func (x *index) position(vis []int32, item int32) int {
	return sort.Search(len(vis), func(i int) bool { return x.rank[vis[i]] >= x.rank[item] })
}
