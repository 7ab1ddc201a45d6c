package migrate

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// Action is what apply does with a plan item.
type Action string

// Plan item actions.
const (
	ActionCreate  Action = "create"
	ActionPresent Action = "present"
	ActionSkip    Action = "skip"
)

// Reasons a plan item is skipped or present. They are part of plan.json and
// the reports: never rename one.
const (
	ReasonExpired                  = "expired"
	ReasonPrincipalNotFound        = "principal-not-found"
	ReasonRoleNotFound             = "role-not-found"
	ReasonRoleDisabled             = "role-disabled"
	ReasonServicePrincipalEligible = "service-principal-cannot-be-eligible"
	ReasonProtected                = "protected"
	ReasonEligibleAsSkip           = "eligible-as-skip"
	ReasonConflictingRecords       = "conflicting-records"
	ReasonGroupNotRoleAssignable   = "group-not-role-assignable"
	ReasonAlreadyAssigned          = "already-assigned"
	ReasonAlreadyEligible          = "already-eligible"
	activationKeySuffix            = "#activation"
	justificationPrefix            = "pimmigrate: migrated from legacy PIM"
	maxJustificationLen            = 500
	userTypeGuest                  = "guest"
)

// PrincipalInfo names an item's principal for people.
type PrincipalInfo struct {
	DisplayName       string        `json:"displayName"`
	UserPrincipalName string        `json:"userPrincipalName,omitempty"`
	Type              PrincipalType `json:"type"`
	AccountEnabled    *bool         `json:"accountEnabled,omitempty"`
}

// RoleInfo names an item's role for people.
type RoleInfo struct {
	DisplayName string `json:"displayName"`
	Privileged  bool   `json:"privileged,omitempty"`
}

// Item is one planned change (or non-change): of a role assignment for one
// principal and role (Kind empty), or of one rule of a role's policy (Kind
// roleSetting). Every kind shares the key, role, action, reason, warnings
// and approval; the rest belongs to one kind, and plan.json holds only
// that kind's members (a role setting item has no legacy, principal or
// target).
type Item struct {
	// Key is the lower-case "{principalId}_{roleDefinitionId}"; the item that
	// recreates a running activation (--keep-activations) has the same key
	// with "#activation" appended. A role setting item's key is SettingKey.
	Key    string     `json:"key"`
	Kind   ItemKind   `json:"kind,omitempty"`
	Legacy Assignment `json:"legacy"`
	// MergedFrom lists the sources of other legacy records with the same key
	// (the same assignment seen in iteration 1 and iteration 2, say).
	MergedFrom []string      `json:"mergedFrom,omitempty"`
	Class      Class         `json:"class"`
	Principal  PrincipalInfo `json:"principal"`
	Role       RoleInfo      `json:"role"`
	Action     Action        `json:"action"`
	Reason     string        `json:"reason"`
	Warnings   []string      `json:"warnings"`
	Target     Target        `json:"target"`
	// PolicyRules say what the role's policy did to the item (an end set
	// or shortened, a skip) or says of it (MFA required), each with the
	// rule that caused it; pre-flight adds the rules Graph said failed.
	PolicyRules []PolicyEffect `json:"policyRules,omitempty"`
	// ScopeName names the target's scope object for people (an attribute
	// set's id, which is its name); empty at the tenant "/".
	ScopeName string `json:"scopeName,omitempty"`
	// ScopeRule is the --scope-rules row ("rules.csv:3") that narrowed the
	// legacy grant's scope, or that a Directory Readers item is offered
	// for.
	ScopeRule string `json:"scopeRule,omitempty"`
	// Added is the --add row ("assignments.csv:4") an item comes from, or
	// "directory-readers" for the Directory Readers item the planner offers
	// a service principal or guest given a role at an administrative unit.
	// Such an item is access beyond legacy: its Legacy is empty.
	Added string `json:"added,omitempty"`
	// Setting is what a role setting item does.
	Setting *SettingChange `json:"setting,omitempty"`
	// Approved is absent until review sets it. apply sends create items that
	// are approved, and — once the user confirms — those never reviewed.
	Approved *bool `json:"approved,omitempty"`
}

// Changes reports whether the item is one apply sends: a create, or an
// update of a rule.
func (it *Item) Changes() bool {
	return it.Action == ActionCreate || it.Action == ActionUpdate
}

// Sendable reports whether apply may send the item: a create that no
// reviewer declined. unreviewedOK is the user's confirmation (yes/--yes).
func (it *Item) Sendable(unreviewedOK bool) bool {
	if !it.Changes() {
		return false
	}
	if it.Approved == nil {
		return unreviewedOK
	}
	return *it.Approved
}

// PlanInput is everything the planner needs; it reads nothing else.
type PlanInput struct {
	Legacy       *Legacy
	LegacyDigest string
	Tenant       *Tenant
	Policy       Policy
	Catalogue    *Catalogue
	GraphURL     string
	AsOf         time.Time
	CreatedAt    time.Time
	// Notes are plan-wide remarks to record in the plan, as they are.
	Notes []string
	// ScopeRules (plan --scope-rules) narrow legacy grants' scopes; Adds
	// (plan --add) are assignments wanted beyond legacy. Both need an
	// online tenant with Scopes (and GroupMembers for the rules' groups).
	ScopeRules *ScopeRules
	Adds       []AddRow
}

// BuildPlan compares the legacy assignments with the tenant and gives every
// legacy assignment an item with its action, reason and warnings, as the
// mapping section of docs/design.md says. Items are sorted by key.
func BuildPlan(in PlanInput) (*Plan, error) {
	p, each, err := planItems(in)
	if err != nil {
		return nil, err
	}
	p.Items = make([]Item, 0, in.Legacy.Len())
	_ = each(func(it *Item) error { // fails only when fn does
		p.Items = append(p.Items, *it)
		return nil
	})
	p.Seal()
	return p, nil
}

// BuildPlanFile is BuildPlan writing the plan to path (atomically, as
// WritePlanFile does) as its items are made, without holding them: the
// plan it returns has no items, only what the file says of them (summary
// and digest). The memory it takes beyond the input is a few bytes per
// legacy assignment.
func BuildPlanFile(path string, in PlanInput) (*Plan, error) {
	p, each, err := planItems(in)
	if err != nil {
		return nil, err
	}
	err = WriteFileAtomic(path, func(w io.Writer) (err error) {
		p.Summary, p.Digest, err = writeSealed(w, p, each)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return p, nil
}

// planItems checks the input and returns the plan without its items, and
// each, which makes the items one key at a time, in key order, and passes
// them to fn.
func planItems(in PlanInput) (*Plan, func(fn func(*Item) error) error, error) {
	switch {
	case in.Legacy == nil, in.Tenant == nil, in.Catalogue == nil:
		return nil, nil, errors.New("plan: legacy snapshot, tenant and catalogue are required")
	case in.AsOf.IsZero():
		return nil, nil, errors.New("plan: asOf is required")
	}
	if _, err := ParseEligibleAs(string(in.Policy.EligibleAs)); err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	pl := &planner{in: in, roles: NewRoles(in.Tenant.RoleDefinitions, in.Catalogue)}
	pl.indexTenant()
	if err := pl.newScoping(); err != nil {
		return nil, nil, err
	}
	pl.settings = pl.settingItems()
	pl.rules = pl.policyRules(pl.settings)
	if in.Tenant.Offline {
		pl.defaults = DefaultPolicyRules()
	}
	p := &Plan{
		Schema:       PlanSchema,
		TenantID:     strings.ToLower(in.Tenant.TenantID),
		GraphURL:     in.GraphURL,
		CreatedAt:    in.CreatedAt.UTC(),
		AsOf:         in.AsOf.UTC(),
		Offline:      in.Tenant.Offline,
		Policy:       in.Policy,
		LegacyDigest: in.LegacyDigest,
		Rejected:     in.Legacy.Rejected,
	}
	if p.Rejected == nil {
		p.Rejected = []Rejected{}
	}
	p.Notes = append(p.Notes, in.Notes...)
	if pl.scoping == nil {
		return p, pl.each, nil
	}
	items := make([]Item, 0, in.Legacy.Len()+len(pl.settings)+len(in.Adds))
	_ = pl.each(func(it *Item) error { // fails only when fn does
		items = append(items, *it)
		return nil
	})
	items, notes := pl.scopedPlan(items)
	p.Notes = append(p.Notes, notes...)
	return p, func(fn func(*Item) error) error {
		for i := range items {
			if err := fn(&items[i]); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// each plans the legacy records a key at a time, in key order, and passes
// the items to fn. The records of a key are in input order. A key is
// "{principal}_{role}" in lower-case hex of fixed width, so ordering by
// principal then role bytes is ordering by key, and the "#activation" item
// of a key comes right after the key's own.
func (pl *planner) each(fn func(*Item) error) error {
	l := pl.in.Legacy
	order := make([]int32, l.Len())
	for i := range order {
		order[i] = int32(i)
	}
	key := func(i int32) (GUID, GUID) {
		principal, role := l.ids(int(i))
		return principal, pl.roles.Canonical(role)
	}
	slices.SortFunc(order, func(i, j int32) int {
		pi, ri := l.ids(int(i))
		pj, rj := l.ids(int(j))
		if c := pi.Compare(pj); c != 0 {
			return c
		}
		if c := pl.roles.Canonical(ri).Compare(pl.roles.Canonical(rj)); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	var group []*Assignment
	for start := 0; start < len(order); {
		principal, role := key(order[start])
		group = group[:0]
		end := start
		for ; end < len(order); end++ {
			if p, r := key(order[end]); p != principal || r != role {
				break
			}
			group = append(group, l.assignment(int(order[end])))
		}
		for _, it := range pl.item(Key(principal, role), group) {
			if err := fn(&it); err != nil {
				return err
			}
		}
		start = end
	}
	// Role setting keys ("setting:…") sort after every assignment key.
	for _, it := range pl.settings {
		if err := fn(&it); err != nil {
			return err
		}
	}
	return nil
}

// scopedKey is a grant: principal, role (canonical) and scope (lower case).
type scopedKey struct {
	principal, role GUID
	scope           string
}

type planner struct {
	in       PlanInput
	roles    *Roles
	assigned map[scopedKey]bool // standing access, at every scope
	eligible map[scopedKey]bool // eligibility, at every scope
	// narrow are the scopes below "/" where the tenant grants a principal
	// a role, standing or eligible.
	narrow     map[[2]GUID][]string
	principals map[GUID]*Principal
	protect    Protected
	// settings are the role setting items, planned first: the assignment
	// items are checked against the policies as they leave each role.
	settings []Item
	// rules are each role's policy rules once settings apply (policyRules);
	// defaults stand in for a role's policy offline.
	rules    map[GUID]map[string]json.RawMessage
	defaults map[string]json.RawMessage
	// scoping is --scope-rules and --add; nil without them.
	scoping *scoping
}

func (pl *planner) indexTenant() {
	t := pl.in.Tenant
	pl.assigned = map[scopedKey]bool{}
	pl.eligible = map[scopedKey]bool{}
	pl.narrow = map[[2]GUID][]string{}
	index := func(m map[scopedKey]bool, p, r GUID, scope string) {
		k := scopedKey{p, pl.roles.Canonical(r), strings.ToLower(scope)}
		m[k] = true
		if k.scope != DirectoryScopeRoot {
			pr := [2]GUID{k.principal, k.role}
			pl.narrow[pr] = appendUnique(pl.narrow[pr], k.scope)
		}
	}
	for _, ra := range t.RoleAssignments {
		index(pl.assigned, ra.PrincipalID, ra.RoleDefinitionID, ra.DirectoryScopeID)
	}
	for _, es := range t.EligibilitySchedules {
		index(pl.eligible, es.PrincipalID, es.RoleDefinitionID, es.DirectoryScopeID)
	}
	pl.principals = map[GUID]*Principal{}
	for i := range t.Principals {
		pl.principals[t.Principals[i].ID] = &t.Principals[i]
	}
	pl.protect = NewProtected(pl.in.Policy.Protect)

}

// item plans one key: the legacy records that share it, merged. Records
// that disagree on the access (standing or eligible, or whether to skip)
// are never settled: the item is skipped conflicting-records and names
// them all. The records are taken iteration 1 first, then by source, never
// in input order, so the order of export's --source files cannot change an
// item.
func (pl *planner) item(key string, recs []*Assignment) []Item {
	m := pl.merge(recs)
	a, d := m.primary, m.decision
	role := pl.roles.Canonical(a.RoleID)
	pr := pl.principals[a.UserID]
	scope, scopeID, rule, scopeSkip := pl.legacyScope(a.UserID, role, pr)
	if rule != "" {
		key = ScopedKey(a.UserID, role, ProviderDirectory, scopeID)
	}
	it := Item{Key: key, Legacy: *a, Class: d.class, MergedFrom: m.mergedFrom, Role: pl.roles.Info(role),
		Principal: principalInfo(pr, a.PrincipalType), Warnings: m.warnings, ScopeName: scope.DisplayName(), ScopeRule: rule}
	it.Target = Target{
		Kind: d.kind, PrincipalID: a.UserID, RoleDefinitionID: role, DirectoryScopeID: scopeID,
		StartDateTime: d.start, Justification: justification(a),
	}
	if d.kind != KindRoleAssignment {
		it.Target.Expiration = expiration(d.end)
	}
	sk := scopedKey{a.UserID, role, strings.ToLower(scopeID)}
	it.Warnings = pl.warnings(it.Warnings, d, pr, sk)
	it.Action, it.Reason = pl.action(a, d, m.conflict, pr, sk, scopeSkip)
	pl.warnOtherScopes(&it, sk)
	if rule != "" {
		root := scopedKey{a.UserID, role, DirectoryScopeRoot}
		if scopeID != DirectoryScopeRoot && (pl.assigned[root] || pl.eligible[root]) {
			it.Warnings = appendUnique(it.Warnings, WarnWiderGrantPresent)
		}
		pl.noteReaders(&it, scope, pr, rule)
	}
	sort.Strings(it.Warnings)
	items := []Item{it}

	if d.activationEnd != nil && it.Action != ActionSkip {
		act := it
		act.Key = key + activationKeySuffix
		act.MergedFrom = nil
		act.Warnings = append([]string{}, it.Warnings...)
		act.Target.Kind = KindAssignmentScheduleRequest
		act.Target.Expiration = expiration(d.activationEnd)
		act.Action, act.Reason = ActionCreate, string(ClassActivated)
		if pl.assigned[sk] {
			act.Action, act.Reason = ActionPresent, ReasonAlreadyAssigned
		}
		items = append(items, act)
	}
	for i := range items {
		pl.checkPolicy(&items[i])
		sort.Strings(items[i].Warnings)
	}
	if len(items) == 2 && items[0].Action == ActionSkip {
		items = items[:1] // no activation without the eligibility behind it
	}
	return items
}

// mergedRecords is what the legacy records of one key say together: the
// primary record (the first still live), its decision widened by the
// others that agree with it, whether some disagree, and their warnings.
type mergedRecords struct {
	primary    *Assignment
	decision   decision
	mergedFrom []string
	warnings   []string
	conflict   bool
}

// merge folds the records of one key, in an order that does not depend on
// the input's: iteration 1 first, then by source.
func (pl *planner) merge(recs []*Assignment) mergedRecords {
	slices.SortStableFunc(recs, func(a, b *Assignment) int {
		return cmp.Or(cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.Source, b.Source))
	})
	decs := make([]decision, len(recs))
	live := 0 // records not expired
	for i, a := range recs {
		decs[i] = decide(a, pl.in.Policy, pl.in.AsOf)
		if decs[i].class != ClassExpired {
			live++
		}
	}
	// The primary record is the first one still live (expired records of a
	// key that also has live ones add nothing); the others are merged.
	primary := 0
	for i := range recs {
		if live == 0 || decs[i].class != ClassExpired {
			primary = i
			break
		}
	}
	m := mergedRecords{primary: recs[primary], decision: decs[primary], warnings: []string{}}
	d := &m.decision
	m.warnings = appendUnique(m.warnings, m.primary.Warnings...)
	m.warnings = appendUnique(m.warnings, d.warnings...)
	for i, o := range recs {
		if i == primary {
			continue
		}
		m.mergedFrom = append(m.mergedFrom, o.Source)
		m.warnings = appendUnique(m.warnings, WarnDuplicateRecord)
		if live > 0 && decs[i].class == ClassExpired {
			continue
		}
		m.warnings = appendUnique(m.warnings, o.Warnings...)
		m.warnings = appendUnique(m.warnings, decs[i].warnings...)
		if decs[i].kind != d.kind || decs[i].skip != d.skip {
			m.conflict = true
			continue
		}
		d.end = laterEnd(d.end, decs[i].end)
		d.start = earlierStart(d.start, decs[i].start)
		d.activationEnd = laterActivation(d.activationEnd, decs[i].activationEnd)
	}
	return m
}

// warnings adds what a reviewer should see whatever the action.
func (pl *planner) warnings(w []string, d decision, pr *Principal, sk scopedKey) []string {
	if pl.in.Tenant.Offline {
		w = appendUnique(w, WarnPrincipalUnverified)
	}
	if pr != nil && pr.AccountEnabled != nil && !*pr.AccountEnabled {
		w = appendUnique(w, WarnPrincipalDisabled)
	}
	if pr != nil && strings.EqualFold(pr.UserType, userTypeGuest) {
		w = appendUnique(w, WarnGuestUser)
	}
	if d.kind == KindEligibilityRequest && pl.assigned[sk] {
		w = appendUnique(w, WarnUnifiedGrantsMore)
	}
	return w
}

// action is the item's action and reason: the first skip that applies, in
// this order (the README lists it), else present or create.
func (pl *planner) action(a *Assignment, d decision, conflict bool, pr *Principal, sk scopedKey, scopeSkip string) (Action, string) {
	def := pl.roles.lookup(a.RoleID)
	online := !pl.in.Tenant.Offline
	switch {
	case pl.protected(a.UserID, pr):
		return ActionSkip, ReasonProtected
	case conflict:
		return ActionSkip, ReasonConflictingRecords
	case d.skip != "":
		return ActionSkip, d.skip
	case def == nil:
		return ActionSkip, ReasonRoleNotFound
	case !def.IsEnabled:
		return ActionSkip, ReasonRoleDisabled
	case online && pr == nil:
		return ActionSkip, ReasonPrincipalNotFound
	case (pr == nil && a.PrincipalType == PrincipalServicePrincipal || pr != nil && pr.Type == PrincipalServicePrincipal) && d.kind == KindEligibilityRequest:
		return ActionSkip, ReasonServicePrincipalEligible
	case pr != nil && pr.Type == PrincipalGroup && pr.IsAssignableToRole != nil && !*pr.IsAssignableToRole:
		return ActionSkip, ReasonGroupNotRoleAssignable
	case scopeSkip != "":
		return ActionSkip, scopeSkip
	case d.kind == KindEligibilityRequest && pl.eligible[sk]:
		return ActionPresent, ReasonAlreadyEligible
	case d.kind != KindEligibilityRequest && pl.assigned[sk]:
		return ActionPresent, ReasonAlreadyAssigned
	}
	return ActionCreate, string(d.class)
}

func (pl *planner) protected(id GUID, pr *Principal) bool {
	upn := ""
	if pr != nil {
		upn = pr.UserPrincipalName
	}
	return pl.protect.Has(id, upn)
}

func justification(a *Assignment) string {
	s := fmt.Sprintf("%s %s assignment %s", justificationPrefix, a.Origin, a.ID)
	if len(s) > maxJustificationLen {
		s = s[:maxJustificationLen]
	}
	return s
}

func expiration(end *time.Time) *Expiration {
	if end == nil {
		return &Expiration{Type: ExpirationNone}
	}
	e := end.UTC()
	return &Expiration{Type: ExpirationAfter, EndDateTime: &e}
}

// laterEnd merges two ends of access; nil (no end) is the latest.
func laterEnd(a, b *time.Time) *time.Time {
	if a == nil || b == nil {
		return nil
	}
	if b.After(*a) {
		return b
	}
	return a
}

func earlierStart(a, b *time.Time) *time.Time {
	if a == nil || b == nil {
		return nil
	}
	if b.Before(*a) {
		return b
	}
	return a
}

func laterActivation(a, b *time.Time) *time.Time {
	if a == nil {
		return b
	}
	if b != nil && b.After(*a) {
		return b
	}
	return a
}

func appendUnique(dst []string, src ...string) []string {
next:
	for _, s := range src {
		for _, d := range dst {
			if d == s {
				continue next
			}
		}
		dst = append(dst, s)
	}
	return dst
}
