package migrate

import (
	"fmt"
	"io"
	"strings"
)

// RoleRef is a role as a CSV names it: any role (*), an id, or a display
// name, resolved at plan time.
type RoleRef struct {
	Any  bool
	ID   GUID   // when ByID
	Name string // as written, when neither Any nor ByID
	ByID bool
}

func (r RoleRef) String() string {
	switch {
	case r.Any:
		return "*"
	case r.ByID:
		return r.ID.String()
	}
	return r.Name
}

// parseRoleRef reads a role cell; anyOK allows "*".
func parseRoleRef(s string, anyOK bool) (RoleRef, error) {
	switch {
	case s == "" && anyOK:
		return RoleRef{}, fmt.Errorf("empty; write a role's display name or id, or * for any role")
	case s == "":
		return RoleRef{}, fmt.Errorf("empty; write a role's display name or id")
	case s == "*" && anyOK:
		return RoleRef{Any: true}, nil
	case s == "*":
		return RoleRef{}, fmt.Errorf("* (any role) is for scope rules; name one role")
	}
	if g, err := ParseGUID(s); err == nil {
		return RoleRef{ID: g, ByID: true}, nil
	}
	return RoleRef{Name: s}, nil
}

// Principal reference kinds.
const (
	RefByID  = "id"
	RefByUPN = "upn"
	RefGroup = "group" // the group's transitive members
	RefAny   = "any"   // "*" in a scope rule: every principal
)

// PrincipalRef is a principal as a CSV names it: an object id, a user
// principal name (lower case), or group:<id or display name> for the
// members of a group.
type PrincipalRef struct {
	Kind  string
	Value string // the id (lower case), the UPN (lower case), or the group's id or name as written
	// GroupByID is true when a group is named by id.
	GroupByID bool
}

func (p PrincipalRef) String() string {
	if p.Kind == RefGroup {
		return "group:" + p.Value
	}
	return p.Value
}

// parsePrincipalRef reads a principal cell; groupOK (scope rules) allows
// group: and "*" for any principal.
func parsePrincipalRef(s string, groupOK bool) (PrincipalRef, error) {
	if s == "*" && groupOK {
		return PrincipalRef{Kind: RefAny, Value: "*"}, nil
	}
	if rest, ok := cutFold(s, "group:"); ok {
		rest = strings.TrimSpace(rest)
		switch {
		case !groupOK:
			return PrincipalRef{}, fmt.Errorf("%q: group: (a group's members) is for scope rules; to assign a role-assignable group, give its object id", s)
		case rest == "":
			return PrincipalRef{}, fmt.Errorf("%q names no group; write group:<group id or display name>", s)
		}
		if g, err := ParseGUID(rest); err == nil {
			return PrincipalRef{Kind: RefGroup, Value: g.String(), GroupByID: true}, nil
		}
		return PrincipalRef{Kind: RefGroup, Value: rest}, nil
	}
	if g, err := ParseGUID(s); err == nil {
		return PrincipalRef{Kind: RefByID, Value: g.String()}, nil
	}
	if i := strings.IndexByte(s, '@'); i > 0 && i < len(s)-1 && !strings.ContainsAny(s, " \t,;") {
		return PrincipalRef{Kind: RefByUPN, Value: strings.ToLower(s)}, nil
	}
	forms := "an object id (GUID) or a user principal name"
	if groupOK {
		forms += ", group:<group id or display name>, or * for anyone"
	}
	return PrincipalRef{}, fmt.Errorf("%q is not %s", s, forms)
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// ScopeRule is one row of a --scope-rules file.
type ScopeRule struct {
	Pos       Pos
	Role      RoleRef
	Principal PrincipalRef
	Scope     ScopeRef
}

// ScopeRules is a --scope-rules file, rows in file order.
type ScopeRules struct {
	File  string
	Rules []ScopeRule
}

// Columns of a --scope-rules file.
var scopeRuleColumns = []string{"role", "principal", "scope"}

// ParseScopeRules reads a --scope-rules CSV (see readAdminCSV for the
// format): columns role (a display name, an id, or * for any role),
// principal (an object id, a UPN, or group:<id or display name>) and scope
// (ParseScopeRef, directory forms). A row that cannot be used is an error
// naming name:line, the column and what to write instead. Names are not
// resolved here: the planner does that against the tenant.
func ParseScopeRules(r io.Reader, name string) (*ScopeRules, error) {
	rows, err := readAdminCSV(r, name, "a scope rules file", scopeRuleColumns, nil)
	if err != nil {
		return nil, err
	}
	rs := &ScopeRules{File: name}
	for _, row := range rows {
		rule := ScopeRule{Pos: Pos{File: name, N: row.line, Line: true}}
		if rule.Role, err = parseRoleRef(row.get("role"), true); err != nil {
			return nil, rowError(name, row, "role", "%v", err)
		}
		if rule.Principal, err = parsePrincipalRef(row.get("principal"), true); err != nil {
			return nil, rowError(name, row, "principal", "%v", err)
		}
		if rule.Scope, err = ParseScopeRef(row.get("scope"), ProviderDirectory); err != nil {
			return nil, rowError(name, row, "scope", "%v", err)
		}
		rs.Rules = append(rs.Rules, rule)
	}
	return rs, nil
}

// Groups are the group references the rules name (as PrincipalRef.Value),
// each once, in file order: the planner reads their transitive members and
// passes them to NewRuleMatcher.
func (rs *ScopeRules) Groups() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs.Rules {
		k := groupKey(r.Principal.Value)
		if r.Principal.Kind == RefGroup && !seen[k] {
			seen[k] = true
			out = append(out, r.Principal.Value)
		}
	}
	return out
}

func groupKey(ref string) string { return strings.ToLower(ref) }

// Grant is what a rule is matched against: a principal and a role.
type Grant struct {
	PrincipalID GUID
	UPN         string // users only
	// RoleIDs are the role's ids (template and directory-specific) and
	// RoleNames its display names (current and former).
	RoleIDs   []GUID
	RoleNames []string
}

// RuleMatcher matches grants to scope rules: the first matching row wins.
// It counts the grants each row decided, for the report of rows that
// decided none.
type RuleMatcher struct {
	rules   []ScopeRule
	members map[string]map[GUID]bool
	won     []int
}

// NewRuleMatcher prepares rs. members holds, for each of rs.Groups(), the
// ids of the group's transitive members; a group without an entry has
// none.
func NewRuleMatcher(rs *ScopeRules, members map[string][]GUID) *RuleMatcher {
	m := &RuleMatcher{rules: rs.Rules, members: map[string]map[GUID]bool{}, won: make([]int, len(rs.Rules))}
	for k, ids := range members {
		set := map[GUID]bool{}
		for _, id := range ids {
			set[id] = true
		}
		m.members[groupKey(k)] = set
	}
	return m
}

// Match returns the first rule matching g, and false when none does (the
// grant stays at the tenant scope).
func (m *RuleMatcher) Match(g Grant) (ScopeRule, bool) {
	for i, r := range m.rules {
		if r.matchesRole(g) && m.matchesPrincipal(r.Principal, g) {
			m.won[i]++
			return r, true
		}
	}
	return ScopeRule{}, false
}

// Unmatched are the rules that decided no grant so far: nothing matched
// them, or an earlier row always won.
func (m *RuleMatcher) Unmatched() []ScopeRule {
	var out []ScopeRule
	for i, n := range m.won {
		if n == 0 {
			out = append(out, m.rules[i])
		}
	}
	return out
}

func (r ScopeRule) matchesRole(g Grant) bool {
	switch {
	case r.Role.Any:
		return true
	case r.Role.ByID:
		for _, id := range g.RoleIDs {
			if id == r.Role.ID {
				return true
			}
		}
		return false
	}
	for _, n := range g.RoleNames {
		if strings.EqualFold(n, r.Role.Name) {
			return true
		}
	}
	return false
}

func (m *RuleMatcher) matchesPrincipal(p PrincipalRef, g Grant) bool {
	switch p.Kind {
	case RefAny:
		return true
	case RefByID:
		return g.PrincipalID.String() == p.Value
	case RefByUPN:
		return g.UPN != "" && strings.EqualFold(g.UPN, p.Value)
	}
	return m.members[groupKey(p.Value)][g.PrincipalID]
}
