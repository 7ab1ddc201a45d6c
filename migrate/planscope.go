package migrate

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Scope rules and --add in the planner
// (docs/design.md, "Scopes and providers"). Without either, a plan is
// made a key at a time and never held; with them it is held, because an
// --add row or an offered Directory Readers item can fall anywhere in key
// order and must not repeat a key legacy already plans.

// Reasons and warnings of scoped and added items.
const (
	// ReasonDirectoryReaders is the reason of the Directory Readers item
	// offered to a service principal or guest given a role at an
	// administrative unit.
	ReasonDirectoryReaders = "needs-directory-readers"
	// WarnWiderGrantPresent: a scope rule narrows the grant, but the tenant
	// already holds the same role for the principal at "/"; pimmigrate
	// removes nothing, so the wider grant stays until an admin removes it.
	WarnWiderGrantPresent = "wider-grant-present"
	// WarnOtherScopeHeld: the tenant already holds the principal's role at
	// another administrative unit, attribute set or app than the item's
	// scope (an earlier run with other scope rules, or an admin's own);
	// pimmigrate removes nothing, so that grant stays too.
	WarnOtherScopeHeld = "held-at-other-scope"
	// AddedDirectoryReaders is Item.Added of an offered Directory Readers
	// item.
	AddedDirectoryReaders = "directory-readers"
	// ClassAdded is the class of an item that legacy did not hold.
	ClassAdded Class = "added"
)

// ruleScope is a scope rule's scope resolved against the tenant once:
// the scope, or the detail of why it is not found.
type ruleScope struct {
	scope    Scope
	notFound string // the error text when the tenant has no such object
}

// scoping is what the planner keeps for --scope-rules and --add.
type scoping struct {
	matcher  *RuleMatcher
	rules    *ScopeRules
	resolved map[int]ruleScope // by the rule's line
	skipped  map[int]int       // grants a rule's missing scope skipped
	// needsReaders are the principals planned a role at an administrative
	// unit that need Directory Readers at "/", with the first rule that
	// did so and whether any such item is standing access.
	needsReaders map[GUID]*readersNeed
	em           map[scopedKey]bool // entitlement-management assignments
	emRoles      []RoleDefinition
}

type readersNeed struct {
	rule     string
	standing bool
	pr       *Principal
}

// newScoping resolves the rules' scopes. A name two objects share is an
// error: the file must say which one it means.
func (pl *planner) newScoping() error {
	in, t := pl.in, pl.in.Tenant
	if in.ScopeRules == nil && len(in.Adds) == 0 {
		return nil
	}
	if t.Offline {
		return errors.New("plan: --scope-rules and --add resolve names and scopes against the tenant: run plan online")
	}
	sc := &scoping{resolved: map[int]ruleScope{}, skipped: map[int]int{}, needsReaders: map[GUID]*readersNeed{}, em: map[scopedKey]bool{}}
	if in.ScopeRules != nil {
		sc.rules = in.ScopeRules
		sc.matcher = NewRuleMatcher(in.ScopeRules, t.GroupMembers)
		for _, r := range in.ScopeRules.Rules {
			s, err := t.Scopes.Resolve(r.Scope)
			switch {
			case errors.Is(err, ErrScopeNotFound):
				sc.resolved[r.Pos.N] = ruleScope{notFound: err.Error()}
			case err != nil:
				return &CSVError{File: r.Pos.File, Line: r.Pos.N, Msg: err.Error(), Hint: "write the object id in the scope column"}
			default:
				sc.resolved[r.Pos.N] = ruleScope{scope: s}
			}
		}
	}
	for _, a := range t.EntitlementAssignments {
		sc.em[scopedKey{a.PrincipalID, a.RoleDefinitionID, strings.ToLower(a.AppScopeID)}] = true
	}
	sc.emRoles = t.EntitlementRoles
	if sc.emRoles == nil {
		for _, r := range EntitlementRoles() {
			sc.emRoles = append(sc.emRoles, RoleDefinition{ID: r.TemplateID, DisplayName: r.DisplayName, IsBuiltIn: true, IsEnabled: true, TemplateID: r.TemplateID})
		}
	}
	pl.scoping = sc
	return nil
}

// legacyScope is the scope a legacy grant is planned at: the first
// matching scope rule's, else "/". reason is ReasonScopeNotFound or
// ReasonRoleNotScopable when the rule's scope cannot be used; id is then
// the scope as the rule wrote it.
func (pl *planner) legacyScope(principal, role GUID, pr *Principal) (s Scope, id, rule, reason string) {
	sc := pl.scoping
	if sc == nil || sc.matcher == nil {
		return TenantScope, DirectoryScopeRoot, "", ""
	}
	g := Grant{PrincipalID: principal, RoleIDs: []GUID{role}}
	if pr != nil {
		g.UPN = pr.UserPrincipalName
	}
	def := pl.roles.lookup(role)
	if def != nil {
		g.RoleIDs = append(g.RoleIDs, def.ID)
		g.RoleNames = append(g.RoleNames, def.DisplayName)
	}
	if c, ok := pl.roles.cat.Lookup(role); ok {
		g.RoleNames = append(append(g.RoleNames, c.DisplayName), c.FormerNames...)
	}
	r, ok := sc.matcher.Match(g)
	if !ok {
		return TenantScope, DirectoryScopeRoot, "", ""
	}
	rule = r.Pos.String()
	rs := sc.resolved[r.Pos.N]
	if rs.notFound != "" {
		sc.skipped[r.Pos.N]++
		return Scope{}, r.Scope.String(), rule, ReasonScopeNotFound
	}
	if def != nil && ScopeAllowed(ScopeRole{ID: pl.roles.Canonical(role), BuiltIn: def.IsBuiltIn, ResourceActions: def.AllowedResourceActions}, rs.scope) != "" {
		return rs.scope, rs.scope.ID(), rule, ReasonRoleNotScopable
	}
	return rs.scope, rs.scope.ID(), rule, ""
}

// noteReaders records that the item, planned at an administrative unit,
// needs Directory Readers at "/" for its principal, and warns on it when
// the tenant does not grant that yet.
func (pl *planner) noteReaders(it *Item, s Scope, pr *Principal, rule string) {
	if pr == nil || it.Action == ActionSkip || !NeedsDirectoryReaders(string(pr.Type), pr.UserType, s) {
		return
	}
	if !pl.holdsReaders(pr.ID) {
		it.Warnings = appendUnique(it.Warnings, WarnNeedsDirectoryReaders)
	}
	n := pl.scoping.needsReaders[pr.ID]
	if n == nil {
		n = &readersNeed{rule: rule, pr: pr}
		pl.scoping.needsReaders[pr.ID] = n
	}
	n.standing = n.standing || it.Target.Kind != KindEligibilityRequest || pr.Type == PrincipalServicePrincipal
}

// warnOtherScopes warns when the tenant grants the item's principal its
// role at an administrative unit, attribute set or app other than sk's.
func (pl *planner) warnOtherScopes(it *Item, sk scopedKey) {
	for _, s := range pl.narrow[[2]GUID{sk.principal, sk.role}] {
		if s != sk.scope {
			it.Warnings = appendUnique(it.Warnings, WarnOtherScopeHeld)
		}
	}
}

// holdsReaders reports whether the tenant grants the principal Directory
// Readers at "/", standing or eligible.
func (pl *planner) holdsReaders(id GUID) bool {
	k := scopedKey{id, DirectoryReadersRole, DirectoryScopeRoot}
	return pl.assigned[k] || pl.eligible[k]
}

// scopedPlan completes a held plan: the --add items and the offered
// Directory Readers items join the legacy ones (which each made in key
// order), where no legacy item has their key, in key order; notes say
// what the rules and rows did not do.
func (pl *planner) scopedPlan(items []Item) ([]Item, []string) {
	sc := pl.scoping
	var extra []Item
	for _, a := range pl.in.Adds {
		extra = append(extra, pl.addItem(a))
	}
	ids := make([]GUID, 0, len(sc.needsReaders))
	for id := range sc.needsReaders {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, GUID.Compare)
	for _, id := range ids {
		extra = append(extra, pl.readersItem(sc.needsReaders[id]))
	}
	have := make(map[string]bool, len(extra))
	for i := range extra {
		have[extra[i].Key] = false
	}
	for i := range items {
		if _, ok := have[items[i].Key]; ok {
			have[items[i].Key] = true
		}
	}
	var notes []string
	kept := extra[:0]
	for i, it := range extra {
		switch {
		case !have[it.Key]:
			have[it.Key] = true
			kept = append(kept, it)
		case it.Added != AddedDirectoryReaders:
			notes = append(notes, fmt.Sprintf("%s: the plan already has item %s (from legacy or an earlier row); the row adds nothing", pl.in.Adds[i].Pos, it.Key))
		}
	}
	slices.SortStableFunc(kept, func(a, b Item) int { return strings.Compare(a.Key, b.Key) })
	items = mergeByKey(items, kept)
	if sc.rules != nil {
		for _, r := range sc.rules.Rules {
			if n := sc.skipped[r.Pos.N]; n > 0 {
				notes = append(notes, fmt.Sprintf("%s: %s; the %s it matched cannot go there (%s, unless skipped for another reason first)",
					r.Pos, sc.resolved[r.Pos.N].notFound, Plural(n, "grant", "grants"), ReasonScopeNotFound))
			}
		}
		for _, r := range sc.matcher.Unmatched() {
			notes = append(notes, fmt.Sprintf("%s: the rule (role %s, principal %s, scope %s) matched no legacy grant", r.Pos, r.Role, r.Principal, r.Scope))
		}
	}
	return items, notes
}

// readersItem is the Directory Readers item offered for n: standing when
// any of the scoped items is, else eligible, so it never grants standing
// access the principal did not have.
func (pl *planner) readersItem(n *readersNeed) Item {
	pr := n.pr
	kind := KindEligibilityRequest
	if n.standing {
		kind = KindRoleAssignment
	}
	it := Item{
		Key: Key(pr.ID, DirectoryReadersRole), Class: ClassAdded, Role: pl.roles.Info(DirectoryReadersRole),
		Principal: principalInfo(pr, pr.Type), Action: ActionCreate, Reason: ReasonDirectoryReaders, Warnings: []string{},
		ScopeRule: n.rule, Added: AddedDirectoryReaders,
		Target: Target{Kind: kind, PrincipalID: pr.ID, RoleDefinitionID: DirectoryReadersRole, DirectoryScopeID: DirectoryScopeRoot,
			Justification: "pimmigrate: Directory Readers for a role scoped to an administrative unit (" + n.rule + ")"},
	}
	if kind == KindEligibilityRequest {
		it.Target.Expiration = expiration(nil)
	}
	k := scopedKey{pr.ID, DirectoryReadersRole, DirectoryScopeRoot}
	switch {
	case pl.assigned[k]:
		it.Action, it.Reason = ActionPresent, ReasonAlreadyAssigned
	case pl.eligible[k]:
		it.Action, it.Reason = ActionPresent, ReasonAlreadyEligible
	}
	pl.checkPolicy(&it)
	return it
}

func principalInfo(pr *Principal, typ PrincipalType) PrincipalInfo {
	if pr == nil {
		return PrincipalInfo{Type: typ}
	}
	return PrincipalInfo{DisplayName: pr.DisplayName, UserPrincipalName: pr.UserPrincipalName, Type: pr.Type, AccountEnabled: pr.AccountEnabled}
}

// addItem plans one --add row.
func (pl *planner) addItem(a AddRow) Item {
	it := Item{Class: ClassAdded, Added: a.Pos.String(), Warnings: []string{}}
	pr := pl.addPrincipal(a.Principal)
	it.Principal = principalInfo(pr, "")
	if pr == nil && a.Principal.Kind == RefByUPN {
		it.Principal.UserPrincipalName = a.Principal.Value // as the row names it
	}
	var principal GUID
	if pr != nil {
		principal = pr.ID
	} else if a.Principal.Kind == RefByID {
		principal = MustGUID(a.Principal.Value)
	}
	t := &it.Target
	t.PrincipalID = principal
	t.Justification = "pimmigrate: added by " + a.Pos.String()
	if a.Provider == ProviderEntitlement {
		return pl.addEntitlement(&it, a, pr)
	}
	skip := func(reason string) Item { return skipped(&it, reason, a) }
	role, found := pl.addRole(a.Role)
	t.RoleDefinitionID = role
	it.Role = pl.roles.Info(role)
	if !found {
		it.Role = RoleInfo{DisplayName: a.Role.String()} // as the row names it
	}
	switch {
	case a.Kind == AddEligible:
		t.Kind = KindEligibilityRequest
	case a.Start == nil && a.End == nil:
		t.Kind = KindRoleAssignment
	default:
		t.Kind = KindAssignmentScheduleRequest
	}
	if t.Kind != KindRoleAssignment {
		t.StartDateTime = a.Start
		t.Expiration = expiration(a.End)
	}
	def := pl.roles.lookup(role)
	s, err := pl.in.Tenant.Scopes.Resolve(a.Scope)
	t.DirectoryScopeID = s.ID()
	if err != nil {
		t.DirectoryScopeID = a.Scope.String()
	}
	it.ScopeName = s.DisplayName()
	it.Key = ScopedKey(principal, role, ProviderDirectory, t.DirectoryScopeID)
	sk := scopedKey{principal, role, strings.ToLower(t.DirectoryScopeID)}
	pl.warnOtherScopes(&it, sk)
	switch {
	case pl.protected(principal, pr):
		return skip(ReasonProtected)
	case !found:
		return skip(ReasonRoleNotFound)
	case !def.IsEnabled:
		return skip(ReasonRoleDisabled)
	case pr == nil:
		return skip(ReasonPrincipalNotFound)
	case err != nil:
		return skip(ReasonScopeNotFound)
	case ScopeAllowed(ScopeRole{ID: role, BuiltIn: def.IsBuiltIn, ResourceActions: def.AllowedResourceActions}, s) != "":
		return skip(ReasonRoleNotScopable)
	case pr.Type == PrincipalServicePrincipal && t.Kind == KindEligibilityRequest:
		return skip(ReasonServicePrincipalEligible)
	case pr.Type == PrincipalGroup && pr.IsAssignableToRole != nil && !*pr.IsAssignableToRole:
		return skip(ReasonGroupNotRoleAssignable)
	case t.Kind == KindEligibilityRequest && pl.eligible[sk]:
		it.Action, it.Reason = ActionPresent, ReasonAlreadyEligible
	case t.Kind != KindEligibilityRequest && pl.assigned[sk]:
		it.Action, it.Reason = ActionPresent, ReasonAlreadyAssigned
	case a.End != nil && !a.End.After(pl.in.AsOf):
		return skip(ReasonExpired)
	default:
		it.Action, it.Reason = ActionCreate, string(ClassAdded)
	}
	pl.noteReaders(&it, s, pr, a.Pos.String())
	pl.checkPolicy(&it)
	sortWarnings(&it)
	return it
}

// addEntitlement plans an --add row of the entitlement-management
// provider: an active unifiedRoleAssignment at "/" or a catalog.
func (pl *planner) addEntitlement(it *Item, a AddRow, pr *Principal) Item {
	t := &it.Target
	skip := func(reason string) Item { return skipped(it, reason, a) }
	t.Kind, t.Provider = KindRoleAssignment, ProviderEntitlement
	def := pl.scoping.entitlementRole(a.Role)
	if def == nil {
		t.RoleDefinitionID, t.AppScopeID = a.Role.ID, a.Scope.String()
		it.Role = RoleInfo{DisplayName: a.Role.String()}
		return skip(ReasonRoleNotFound) // keyed by the row
	}
	t.RoleDefinitionID = def.ID
	it.Role = RoleInfo{DisplayName: def.DisplayName}
	s, err := pl.in.Tenant.Scopes.Resolve(a.Scope)
	t.AppScopeID, it.ScopeName = s.ID(), s.DisplayName()
	if err != nil {
		t.AppScopeID = a.Scope.String()
	}
	it.Key = ScopedKey(t.PrincipalID, t.RoleDefinitionID, ProviderEntitlement, t.AppScopeID)
	switch {
	case pl.protected(t.PrincipalID, pr):
		return skip(ReasonProtected)
	case pr == nil:
		return skip(ReasonPrincipalNotFound)
	case err != nil:
		return skip(ReasonScopeNotFound)
	case ScopeAllowed(ScopeRole{ID: def.ID, BuiltIn: true, Provider: ProviderEntitlement}, s) != "":
		return skip(ReasonRoleNotScopable)
	case pl.scoping.em[scopedKey{t.PrincipalID, t.RoleDefinitionID, strings.ToLower(t.AppScopeID)}]:
		it.Action, it.Reason = ActionPresent, ReasonAlreadyAssigned
	default:
		it.Action, it.Reason = ActionCreate, string(ClassAdded)
	}
	return *it
}

// skipped skips an --add row's item. A row whose principal or role is not
// found has no ids to key it by: its key is "add:" and the row's position,
// so that two such rows never share one.
func skipped(it *Item, reason string, a AddRow) Item {
	it.Action, it.Reason = ActionSkip, reason
	if reason == ReasonPrincipalNotFound || reason == ReasonRoleNotFound {
		it.Key = addedKeyPrefix + a.Pos.String()
	}
	return *it
}

// addedKeyPrefix starts the key of an --add row that names no principal
// or role of the tenant.
const addedKeyPrefix = "add:"

// entitlementRole finds an --add row's role among the
// entitlement-management provider's definitions: by id or template id, or
// by a name FindEntitlementRole knows.
func (sc *scoping) entitlementRole(ref RoleRef) *RoleDefinition {
	known, ok := FindEntitlementRole(ref.Name)
	for i := range sc.emRoles {
		d := &sc.emRoles[i]
		if ref.ByID && (d.ID == ref.ID || d.TemplateID == ref.ID) ||
			!ref.ByID && ok && (d.ID == known.TemplateID || strings.EqualFold(d.DisplayName, ref.Name)) {
			return d
		}
	}
	return nil
}

// addPrincipal finds an --add row's principal: by id, or a user by UPN.
func (pl *planner) addPrincipal(ref PrincipalRef) *Principal {
	if ref.Kind == RefByID {
		return pl.principals[MustGUID(ref.Value)]
	}
	for i := range pl.in.Tenant.Principals {
		if p := &pl.in.Tenant.Principals[i]; p.UserPrincipalName != "" && strings.EqualFold(p.UserPrincipalName, ref.Value) {
			return p
		}
	}
	return nil
}

// addRole finds a directory role by id or template id, or by its display
// name (the tenant's, or a former name the catalogue knows).
func (pl *planner) addRole(ref RoleRef) (GUID, bool) {
	if ref.ByID {
		return pl.roles.Canonical(ref.ID), pl.roles.lookup(ref.ID) != nil
	}
	for _, d := range pl.in.Tenant.RoleDefinitions {
		if strings.EqualFold(d.DisplayName, ref.Name) {
			return pl.roles.Canonical(d.ID), true
		}
	}
	for _, c := range pl.roles.cat.Roles() {
		if c.hasName(ref.Name) && pl.roles.lookup(c.TemplateID) != nil {
			return c.TemplateID, true
		}
	}
	return GUID{}, false
}

func sortWarnings(it *Item) { slices.Sort(it.Warnings) }

// mergeByKey merges two lists of items, each in key order, into one.
func mergeByKey(a, b []Item) []Item {
	if len(b) == 0 {
		return a
	}
	out := make([]Item, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].Key <= b[0].Key {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
