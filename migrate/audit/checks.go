package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// key is a principal and a role (canonical id).
type key struct{ p, r migrate.GUID }

// scoped is a key at a directory scope.
type scoped struct {
	key
	scope string
}

// grantAt is a key at a scope (lower case) of a provider ("" for the
// directory): what a plan item targets.
type grantAt struct {
	provider string
	key
	scope string
}

// held is one unified grant, of either provider, as the checks see it.
type held struct {
	k        key
	provider string // migrate.ProviderEntitlement, or "" for the directory
	scope    string // directoryScopeId, or appScopeId for entitlement management
	grant    Grant
	id       string
	end      *time.Time
	role     Role
}

// text names the grant with its article: "a standing role assignment",
// "a standing entitlement-management role assignment".
func (h *held) text() string {
	if h.provider == migrate.ProviderEntitlement {
		return "a standing entitlement-management role assignment"
	}
	return grantText(h.grant)
}

// legacyGroup is the legacy records of one key, split at asOf.
type legacyGroup struct {
	live    []*migrate.Assignment
	classes []migrate.Class // of live, in order
	expired []*migrate.Assignment
}

type auditor struct {
	in          Input
	roles       *migrate.Roles
	principals  map[migrate.GUID]*migrate.Principal
	legacy      map[key]*legacyGroup
	legacyOrder []key
	// held is every unified grant in the tenant's order: role
	// assignments, eligibilities, entitlement-management role assignments;
	// byKey the directory ones of each key, at every scope.
	held      []held
	byKey     map[key][]*held
	schedules map[scoped][]*migrate.AssignmentSchedule
	protect   migrate.Protected
	// planned is Input.Plan's legacy items by principal and role; added
	// its items beyond legacy that it did not skip.
	planned map[key]Planned
	added   map[grantAt]Planned
	// scopeLabels are Finding.Scope by provider and scope id.
	scopeLabels map[string]string
	out         []Finding
	// settings are the roles' activation controls (Result.RoleSettings).
	settings []RoleSetting
}

func newAuditor(in Input) *auditor {
	t := in.Tenant
	a := &auditor{
		in: in, roles: migrate.NewRoles(t.RoleDefinitions, in.Catalogue),
		principals: map[migrate.GUID]*migrate.Principal{}, legacy: map[key]*legacyGroup{},
		byKey: map[key][]*held{}, schedules: map[scoped][]*migrate.AssignmentSchedule{},
		protect: migrate.NewProtected(in.Protect), planned: map[key]Planned{}, added: map[grantAt]Planned{},
		scopeLabels: map[string]string{},
	}
	for _, p := range in.Plan {
		k := a.grantKey(p.Provider, p.PrincipalID, p.RoleID, p.ScopeID)
		if p.Added != "" {
			// Directory Readers is no privileged role: no check reports it.
			if p.Action != migrate.ActionSkip && p.Added != migrate.AddedDirectoryReaders {
				a.added[k] = p
			}
		} else if _, dup := a.planned[k.key]; !dup {
			a.planned[k.key] = p
		}
	}
	for i := range t.Principals {
		a.principals[t.Principals[i].ID] = &t.Principals[i]
	}
	for i := range t.AssignmentSchedules {
		s := &t.AssignmentSchedules[i]
		k := a.scoped(s.PrincipalID, s.RoleDefinitionID, s.DirectoryScopeID)
		a.schedules[k] = append(a.schedules[k], s)
	}
	for i := range t.RoleAssignments {
		ra := &t.RoleAssignments[i]
		a.held = append(a.held, held{k: a.key(ra.PrincipalID, ra.RoleDefinitionID), scope: ra.DirectoryScopeID, grant: a.grantOf(ra),
			id: ra.ID, end: a.assignmentEnd(ra), role: a.role(ra.RoleDefinitionID)})
	}
	for i := range t.EligibilitySchedules {
		es := &t.EligibilitySchedules[i]
		a.held = append(a.held, held{k: a.key(es.PrincipalID, es.RoleDefinitionID), scope: es.DirectoryScopeID, grant: GrantEligible,
			id: es.ID, end: eligibilityEnd(es), role: a.role(es.RoleDefinitionID)})
	}
	for i := range t.EntitlementAssignments {
		ra := &t.EntitlementAssignments[i]
		id, role := a.entitlementRole(ra.RoleDefinitionID)
		a.held = append(a.held, held{k: key{ra.PrincipalID, id}, provider: migrate.ProviderEntitlement, scope: ra.AppScopeID,
			grant: GrantStanding, id: ra.ID, role: role})
	}
	for i := range a.held {
		if h := &a.held[i]; h.provider == "" {
			a.byKey[h.k] = append(a.byKey[h.k], h)
		}
	}
	for i := range in.Legacy.Assignments {
		l := &in.Legacy.Assignments[i]
		k := a.key(l.UserID, l.RoleID)
		g := a.legacy[k]
		if g == nil {
			g = &legacyGroup{}
			a.legacy[k] = g
			a.legacyOrder = append(a.legacyOrder, k)
		}
		if c := migrate.Classify(l, in.AsOf); c == migrate.ClassExpired {
			g.expired = append(g.expired, l)
		} else {
			g.live = append(g.live, l)
			g.classes = append(g.classes, c)
		}
	}

	return a
}

// entitlementRole names an entitlement-management role, by the tenant's
// definitions (Tenant.EntitlementRoles) or the built-in ones, and returns
// the id it is keyed by: its template id when it has one.
func (a *auditor) entitlementRole(id migrate.GUID) (migrate.GUID, Role) {
	for _, d := range a.in.Tenant.EntitlementRoles {
		if d.ID == id || !id.IsZero() && d.TemplateID == id {
			if !d.TemplateID.IsZero() {
				id = d.TemplateID
			}
			return id, Role{ID: id.String(), DisplayName: d.DisplayName}
		}
	}
	if r, ok := migrate.FindEntitlementRole(id.String()); ok {
		return r.TemplateID, Role{ID: r.TemplateID.String(), DisplayName: r.DisplayName}
	}
	return id, Role{ID: id.String()}
}

// grantKey is where a plan item grants: its provider, key and scope
// ("" is "/").
func (a *auditor) grantKey(provider string, p, r migrate.GUID, scope string) grantAt {
	if scope == "" {
		scope = migrate.DirectoryScopeRoot
	}
	k := a.key(p, r)
	if provider == migrate.ProviderEntitlement {
		k.r, _ = a.entitlementRole(r)
	} else {
		provider = ""
	}
	return grantAt{provider, k, strings.ToLower(scope)}
}

// grantAt is a key's first directory grant of kind g at scope, nil when
// there is none.
func (a *auditor) grantAt(k key, g Grant, scope string) *held {
	for _, h := range a.byKey[k] {
		if h.grant == g && strings.EqualFold(h.scope, scope) {
			return h
		}
	}
	return nil
}

// atRoot reports whether the tenant holds a key at "/" as standing access
// or an eligibility.
func (a *auditor) atRoot(k key) bool {
	return a.grantAt(k, GrantStanding, migrate.DirectoryScopeRoot) != nil || a.grantAt(k, GrantEligible, migrate.DirectoryScopeRoot) != nil
}

// narrowScopes are the scopes other than "/" where the tenant holds a key
// as standing access or an eligibility (a PIM activation ends), sorted.
func (a *auditor) narrowScopes(k key) []string {
	var out []string
	for _, h := range a.byKey[k] {
		if h.grant != GrantActivated && h.scope != migrate.DirectoryScopeRoot && !slices.ContainsFunc(out, func(s string) bool { return strings.EqualFold(s, h.scope) }) {
			out = append(out, h.scope)
		}
	}
	slices.Sort(out)
	return out
}

// scopeLabel is Finding.Scope: the scope id and, when Tenant.Scopes has
// the object it names, the object's display name in parentheses.
func (a *auditor) scopeLabel(provider, id string) string {
	if id == migrate.DirectoryScopeRoot {
		return id
	}
	if l, ok := a.scopeLabels[provider+" "+id]; ok {
		return l
	}
	l, p := id, provider
	if p == "" {
		p = migrate.ProviderDirectory
	}
	if ref, err := migrate.ParseScopeRef(id, p); err == nil && ref.ByID {
		if s, err := a.in.Tenant.Scopes.Resolve(ref); err == nil && s.DisplayName() != "" && !strings.EqualFold(s.DisplayName(), s.ObjectID) {
			l += " (" + s.DisplayName() + ")"
		}
	}
	a.scopeLabels[provider+" "+id] = l
	return l
}

// scopeList names directory scopes for a detail, e.g.
// "/administrativeUnits/{id} (Sales), /attributeSets/Engineering".
func (a *auditor) scopeList(scopes []string) string {
	ls := make([]string, len(scopes))
	for i, s := range scopes {
		ls[i] = a.scopeLabel("", s)
	}
	return strings.Join(ls, ", ")
}

func appendScope(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (a *auditor) key(p, r migrate.GUID) key { return key{p, a.roles.Canonical(r)} }

func (a *auditor) scoped(p, r migrate.GUID, scope string) scoped {
	return scoped{a.key(p, r), scope}
}

// activated reports whether a role assignment is a PIM activation: its
// assignment schedule says Activated (and none says Assigned).
func (a *auditor) activated(ra *migrate.RoleAssignment) bool {
	act := false
	for _, s := range a.schedules[a.scoped(ra.PrincipalID, ra.RoleDefinitionID, ra.DirectoryScopeID)] {
		if s.AssignmentType != migrate.AssignmentTypeActivated {
			return false
		}
		act = true
	}
	return act
}

func (a *auditor) grantOf(ra *migrate.RoleAssignment) Grant {
	if a.activated(ra) {
		return GrantActivated
	}
	return GrantStanding
}

// assignmentEnd is when a role assignment ends (its schedule's end), nil
// when it does not.
func (a *auditor) assignmentEnd(ra *migrate.RoleAssignment) *time.Time {
	for _, s := range a.schedules[a.scoped(ra.PrincipalID, ra.RoleDefinitionID, ra.DirectoryScopeID)] {
		if s.EndDateTime != nil {
			e := s.EndDateTime.UTC()
			return &e
		}
	}
	return nil
}

func eligibilityEnd(es *migrate.EligibilitySchedule) *time.Time {
	if es.EndDateTime == nil {
		return nil
	}
	e := es.EndDateTime.UTC()
	return &e
}

func (a *auditor) principal(id migrate.GUID, fallback migrate.PrincipalType) Principal {
	if p := a.principals[id]; p != nil {
		return Principal{ID: id.String(), DisplayName: p.DisplayName, UserPrincipalName: p.UserPrincipalName, Type: p.Type}
	}
	return Principal{ID: id.String(), Type: fallback}
}

func (a *auditor) role(id migrate.GUID) Role {
	c := a.roles.Canonical(id)
	info := a.roles.Info(c)
	return Role{ID: c.String(), DisplayName: info.DisplayName, Privileged: info.Privileged}
}

func (a *auditor) isProtected(id migrate.GUID) bool {
	upn := ""
	if p := a.principals[id]; p != nil {
		upn = p.UserPrincipalName
	}
	return a.protect.Has(id, upn)
}

// add records a finding, naming its scope for people (Finding.Scope).
func (a *auditor) add(f Finding) {
	if f.ScopeID != "" {
		f.Scope = a.scopeLabel(f.Provider, f.ScopeID)
	}
	a.out = append(a.out, f)
}

// finding is a finding about a unified grant, its check, severity and
// detail left to fill.
func (a *auditor) finding(h *held) Finding {
	return Finding{Principal: a.principal(h.k.p, ""), Role: h.role, ScopeID: h.scope, Provider: h.provider, Grant: h.grant,
		ObjectID: h.id, EndDateTime: h.end, LegacySource: a.legacySource(h.k)}
}

// addedByPlan reports a standing grant a plan --add row made as
// added-by-plan, and whether it did.
func (a *auditor) addedByPlan(h *held) bool {
	p, ok := a.added[grantAt{h.provider, h.k, strings.ToLower(h.scope)}]
	if !ok {
		return false
	}
	f := a.finding(h)
	f.Severity, f.Check = Info, CheckAddedByPlan
	f.Detail = fmt.Sprintf("%s the plan added beyond legacy, by %s (plan --add): not migrated from legacy", h.text(), p.Added)
	a.add(f)
	return true
}

// legacySource lists the sources of a key's live legacy records.
func (a *auditor) legacySource(k key) string {
	if g := a.legacy[k]; g != nil {
		return sources(g.live)
	}
	return ""
}

func sources(recs []*migrate.Assignment) string {
	s := make([]string, len(recs))
	for i, r := range recs {
		s[i] = r.Source
	}
	return strings.Join(s, "; ")
}

// describe says what the live legacy records of a group are, e.g.
// "eligible" or "time-bound-eligible until 2026-12-31T23:59:59Z".
func describe(g *legacyGroup) string {
	var parts []string
	for i, c := range g.classes {
		s := string(c)
		if c == migrate.ClassTimeBoundEligible {
			s += " until " + stamp(*g.live[i].ExpirationDateTime)
		}
		parts = appendScope(parts, s)
	}
	return strings.Join(parts, " and ")
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// grantText names a kind of grant with its article: "a standing role
// assignment", "an eligibility".
func grantText(g Grant) string {
	switch g {
	case GrantStanding:
		return "a standing role assignment"
	case GrantActivated:
		return "an activated role assignment (PIM activation)"
	case GrantEligible:
		return "an eligibility"
	}
	return "a legacy record"
}

// legacyChecks: legacy-missing (and the checks that explain a grant
// away), legacy-narrowed and eligible-now-standing, per principal and role
// with at least one legacy record live at asOf.
func (a *auditor) legacyChecks() {
	for _, k := range a.legacyOrder {
		g := a.legacy[k]
		if len(g.live) == 0 {
			continue
		}
		base := Finding{Principal: a.principal(k.p, g.live[0].PrincipalType), Role: a.role(k.r), ScopeID: migrate.DirectoryScopeRoot, LegacySource: sources(g.live)}
		permanent := slices.Contains(g.classes, migrate.ClassPermanent)
		if !a.atRoot(k) && !a.isProtected(k.p) {
			a.notAtRoot(k, g, base, permanent)
		}
		if !permanent {
			a.eligibleNowStanding(k, g, base)
		}
	}
}

// notAtRoot judges a live legacy grant with no unified grant at "/":
// narrowed when the tenant holds it at a narrower scope (with a plan, the
// scope its item chose), else missing unless something explains it.
func (a *auditor) notAtRoot(k key, g *legacyGroup, base Finding, permanent bool) {
	f := base
	f.Grant = GrantLegacy
	narrow := a.narrowScopes(k)
	pl, planned := a.planned[k]
	at := slices.IndexFunc(narrow, func(s string) bool { return strings.EqualFold(s, pl.ScopeID) })
	if len(narrow) > 0 && (!planned || at >= 0) {
		f.Severity, f.Check, f.ScopeID = checkSeverity(CheckLegacyNarrowed), CheckLegacyNarrowed, narrow[max(at, 0)]
		f.Detail = fmt.Sprintf("legacy %s has no unified role assignment or eligibility at \"/\"; the tenant holds it at a narrower scope, %s: less access, not none", describe(g), a.scopeList(narrow))
		switch {
		case pl.ScopeRule != "":
			f.Detail += "; narrowed by " + pl.ScopeRule + " (plan --scope-rules)"
		case a.in.Plan != nil:
			f.Detail += "; the plan (--plan) has no item for it: check that the narrowing was meant"
		default:
			f.Detail += "; check that the narrowing was meant (audit --plan names the scope rule that chose it)"
		}
		a.add(f)
		return
	}
	var why string
	f.Check, why = a.notMigrated(k, permanent)
	f.Severity = checkSeverity(f.Check)
	var notes []string
	if why != "" {
		notes = append(notes, why)
	}
	var other []string
	activation := false // only an activation can be at "/" here
	for _, h := range a.byKey[k] {
		if h.scope == migrate.DirectoryScopeRoot {
			activation = true
		} else {
			other = appendScope(other, h.scope)
		}
	}
	if activation {
		notes = append(notes, `the tenant has only a running PIM activation at "/", which ends`)
	}
	if len(other) > 0 {
		notes = append(notes, fmt.Sprintf("the tenant grants it only at %s, which gives less", a.scopeList(other)))
	}
	f.Detail = fmt.Sprintf("legacy %s has no unified role assignment or eligibility at \"/\"", describe(g))
	if len(notes) > 0 {
		f.Detail += "; " + strings.Join(notes, "; ")
	}
	a.add(f)
}

// eligibleNowStanding reports each scope where the tenant holds a key that
// legacy held only as eligible as a standing role assignment.
func (a *auditor) eligibleNowStanding(k key, g *legacyGroup, base Finding) {
	var seen []string
	for _, h := range a.byKey[k] {
		scope := strings.ToLower(h.scope)
		if h.grant != GrantStanding || slices.Contains(seen, scope) {
			continue
		}
		seen = append(seen, scope)
		if h.scope != migrate.DirectoryScopeRoot && a.addedByPlan(h) {
			continue
		}
		f := base
		f.Severity, f.Check, f.ScopeID, f.Grant, f.ObjectID, f.EndDateTime = High, CheckEligibleNowStanding, h.scope, GrantStanding, h.id, h.end
		until := ""
		if f.EndDateTime != nil {
			until = " (active until " + stamp(*f.EndDateTime) + ")"
		}
		where, none := `"/"`, "no eligibility"
		if h.scope != migrate.DirectoryScopeRoot {
			where, none = a.scopeLabel("", h.scope), "no eligibility there"
		}
		if a.grantAt(k, GrantEligible, h.scope) != nil {
			f.Detail = fmt.Sprintf("legacy %s; the tenant has both a standing role assignment%s and an eligibility at %s: the standing assignment makes the eligibility moot, remove it", describe(g), until, where)
		} else {
			f.Detail = fmt.Sprintf("legacy %s; the tenant has a standing role assignment%s at %s and %s: eligible access became standing access", describe(g), until, where, none)
		}
		a.add(f)
	}
}

// skipChecks is the check for a live legacy grant the plan skipped, by the
// plan's reason.
var skipChecks = map[string]string{
	migrate.ReasonPrincipalNotFound:        CheckLegacyGone,
	migrate.ReasonRoleNotFound:             CheckLegacyGone,
	migrate.ReasonServicePrincipalEligible: CheckLegacyNeedsDecision,
	migrate.ReasonGroupNotRoleAssignable:   CheckLegacyNeedsDecision,
	migrate.ReasonConflictingRecords:       CheckLegacyNeedsDecision,
	migrate.ReasonScopeNotFound:            CheckLegacyNeedsDecision,
	migrate.ReasonRoleNotScopable:          CheckLegacyNeedsDecision,
	migrate.ReasonRoleDisabled:             CheckLegacySkipped,
	migrate.ReasonEligibleAsSkip:           CheckLegacySkipped,
	migrate.ReasonProtected:                CheckLegacySkipped,
	migrate.ReasonExpired:                  CheckLegacySkipped,
}

// notMigrated judges a live legacy grant with no unified grant at "/", and
// says why. Access is missing (legacy-missing) unless the plan skipped the
// grant for a reason, or — without a plan item for it — the tenant shows
// one: a deleted principal or role is no missing access (legacy-gone); a
// grant the tenant cannot hold as legacy did needs a decision; one of a
// disabled role is skipped.
func (a *auditor) notMigrated(k key, permanent bool) (check, why string) {
	if pl, ok := a.planned[k]; ok {
		where := ""
		if pl.ScopeRule != "" {
			where = fmt.Sprintf(" at %s (%s)", a.scopeLabel("", pl.ScopeID), pl.ScopeRule)
		}
		switch pl.Action {
		case migrate.ActionSkip:
			if c, ok := skipChecks[pl.Reason]; ok {
				return c, "the plan skipped it: " + pl.Reason + where
			}
		case migrate.ActionCreate:
			return CheckLegacyMissing, "the plan creates it" + where + ": not applied yet, declined in review, failed, or removed since"
		case migrate.ActionPresent:
			return CheckLegacyMissing, "the plan found it in the tenant" + where + ": removed since"
		}
	}
	p := a.principals[k.p]
	d, roleExists := a.roles.Definition(k.r)
	switch {
	case p == nil:
		return CheckLegacyGone, "the principal was not found in the tenant (deleted?)"
	case !roleExists:
		return CheckLegacyGone, "the role does not exist in the tenant"
	case p.Type == migrate.PrincipalServicePrincipal && !permanent:
		return CheckLegacyNeedsDecision, "a service principal cannot be eligible, only active"
	case p.Type == migrate.PrincipalGroup && p.IsAssignableToRole != nil && !*p.IsAssignableToRole:
		return CheckLegacyNeedsDecision, "the group is not role-assignable"
	case !d.IsEnabled:
		return CheckLegacySkipped, "the role is disabled in the tenant"
	}
	return CheckLegacyMissing, ""
}

// checkSeverity is a check's severity (Checks).
func checkSeverity(id string) Severity {
	for _, c := range Checks() {
		if c.ID == id {
			return c.Severity
		}
	}
	return High
}

// standingNotInLegacy: standing role assignments, at any scope, to roles
// the catalogue labels privileged, for a principal and role with no legacy
// record live at asOf; and every entitlement-management role assignment,
// which legacy never held. Protected principals are exempt; what the plan
// added is added-by-plan.
func (a *auditor) standingNotInLegacy() {
	for i := range a.held {
		h := &a.held[i]
		em := h.provider == migrate.ProviderEntitlement
		if h.grant != GrantStanding || !h.role.Privileged && !em || a.isProtected(h.k.p) {
			continue
		}
		g := a.legacy[h.k]
		if !em && g != nil && len(g.live) > 0 {
			continue
		}
		if a.addedByPlan(h) {
			continue
		}
		f := a.finding(h)
		f.Severity, f.Check = Medium, CheckStandingNotInLegacy
		switch {
		case em:
			f.Detail = "entitlement-management role assignment: legacy PIM held no entitlement-management roles, so no legacy record accounts for it"
		default:
			f.Detail = "standing role assignment of a privileged role with no legacy PIM record for this principal and role"
			if g != nil {
				f.Detail += "; the legacy record ended before asOf"
				f.LegacySource = sources(g.expired)
			}
		}
		if f.EndDateTime != nil {
			f.Detail += "; active until " + stamp(*f.EndDateTime)
		}
		a.add(f)
	}
}

// principalChecks: deleted-principal, disabled-principal and
// guest-privileged over every unified role assignment (standing or
// activated, of either provider) and eligibility, at any scope.
func (a *auditor) principalChecks() {
	for i := range a.held {
		a.principalCheck(&a.held[i])
	}
}

func (a *auditor) principalCheck(h *held) {
	p := a.principals[h.k.p]
	base := a.finding(h)
	switch {
	case p == nil:
		f := base
		f.Severity, f.Check = Medium, CheckDeletedPrincipal
		f.Detail = h.text() + " of an object directoryObjects/getByIds does not return: deleted (or not a user, group or service principal)"
		a.add(f)
		return
	case p.AccountEnabled != nil && !*p.AccountEnabled:
		f := base
		f.Severity, f.Check = Medium, CheckDisabledPrincipal
		f.Detail = fmt.Sprintf("%s of a disabled %s (accountEnabled false)", h.text(), principalNoun(p.Type))
		a.add(f)
	}
	if p.Type == migrate.PrincipalUser && strings.EqualFold(p.UserType, "Guest") && base.Role.Privileged {
		f := base
		f.Severity, f.Check = Medium, CheckGuestPrivileged
		f.Detail = fmt.Sprintf("guest user (userType Guest) with %s of a privileged role", grantText(h.grant))
		a.add(f)
	}
}

func principalNoun(t migrate.PrincipalType) string {
	switch t {
	case migrate.PrincipalServicePrincipal:
		return "service principal"
	case migrate.PrincipalGroup:
		return "group"
	}
	return "user"
}

// globalAdminCount: the distinct principals holding a standing role
// assignment (not a PIM activation) of Global Administrator at "/". A group
// counts once (its members are not expanded); eligible Global
// Administrators are not counted; disabled and protected principals are.
func (a *auditor) globalAdminCount() {
	holders := map[migrate.GUID]bool{}
	for i := range a.in.Tenant.RoleAssignments {
		ra := &a.in.Tenant.RoleAssignments[i]
		if ra.DirectoryScopeID == migrate.DirectoryScopeRoot && a.roles.Canonical(ra.RoleDefinitionID) == GlobalAdministrator && !a.activated(ra) {
			holders[ra.PrincipalID] = true
		}
	}
	n := len(holders)
	if n >= MinGlobalAdmins && n <= MaxGlobalAdmins {
		return
	}
	names := make([]string, 0, n)
	for id := range holders {
		names = append(names, label(a.principal(id, "")))
	}
	sort.Strings(names)
	const show = 10
	list := strings.Join(names[:min(len(names), show)], ", ")
	if len(names) > show {
		list += fmt.Sprintf(" and %d more", len(names)-show)
	}
	var what string
	switch {
	case n == 0:
		what = "no principal holds standing Global Administrator at \"/\""
	case n == 1:
		what = "1 principal holds standing Global Administrator at \"/\" (" + list + ")"
	default:
		what = fmt.Sprintf("%d principals hold standing Global Administrator at \"/\" (%s)", n, list)
	}
	a.add(Finding{Severity: Low, Check: CheckGlobalAdminCount, Role: a.role(GlobalAdministrator), ScopeID: migrate.DirectoryScopeRoot, Grant: GrantStanding,
		Detail: fmt.Sprintf("%s; Microsoft recommends %d to %d. Counted: distinct principals with a role assignment that is not a PIM activation; "+
			"a group counts once, members not expanded; eligible Global Administrators not counted", what, MinGlobalAdmins, MaxGlobalAdmins)})
}

func label(p Principal) string {
	switch {
	case p.UserPrincipalName != "":
		return p.UserPrincipalName
	case p.DisplayName != "":
		return p.DisplayName
	}
	return p.ID + " (not found)"
}

// expiringSoon: eligibilities and active assignments (not PIM activations,
// which are short by design) whose end is after asOf and at most
// ExpiryWindow after it.
func (a *auditor) expiringSoon() {
	asOf, limit := a.in.AsOf, a.in.AsOf.Add(a.in.ExpiryWindow)
	soon := func(end *time.Time) bool { return end != nil && end.After(asOf) && !end.After(limit) }
	for i := range a.in.Tenant.EligibilitySchedules {
		es := &a.in.Tenant.EligibilitySchedules[i]
		if soon(es.EndDateTime) {
			a.expiring(es.PrincipalID, es.RoleDefinitionID, es.DirectoryScopeID, GrantEligible, es.ID, *es.EndDateTime)
		}
	}
	for i := range a.in.Tenant.AssignmentSchedules {
		s := &a.in.Tenant.AssignmentSchedules[i]
		if s.AssignmentType != migrate.AssignmentTypeActivated && soon(s.EndDateTime) {
			a.expiring(s.PrincipalID, s.RoleDefinitionID, s.DirectoryScopeID, GrantStanding, s.ID, *s.EndDateTime)
		}
	}
}

func (a *auditor) expiring(p, r migrate.GUID, scope string, g Grant, id string, end time.Time) {
	what := "eligibility"
	if g == GrantStanding {
		what = "active role assignment"
	}
	e := end.UTC()
	a.add(Finding{Severity: Low, Check: CheckExpiringSoon, Principal: a.principal(p, ""), Role: a.role(r), ScopeID: scope, Grant: g,
		ObjectID: id, EndDateTime: &e, LegacySource: a.legacySource(a.key(p, r)),
		Detail: fmt.Sprintf("%s ends %s, %s after asOf", what, stamp(e), span(end.Sub(a.in.AsOf)))})
}

// span writes a positive duration in days and hours, e.g. "29 days 6 hours".
func span(d time.Duration) string {
	h := int((d + 30*time.Minute) / time.Hour)
	days, hours := h/24, h%24
	switch {
	case days == 0 && hours == 0:
		return "less than an hour"
	case days == 0:
		return migrate.Plural(hours, "hour", "hours")
	case hours == 0:
		return migrate.Plural(days, "day", "days")
	}
	return migrate.Plural(days, "day", "days") + " " + migrate.Plural(hours, "hour", "hours")
}

// protected lists what each --protect principal holds: every unified role
// assignment and eligibility, and every live legacy record with no unified
// grant at "/" (the plan never migrates them).
func (a *auditor) protected() {
	if a.protect.Empty() {
		return
	}
	ids := map[migrate.GUID]bool{}
	for id := range a.protect.IDs {
		ids[id] = true
	}
	for upn := range a.protect.UPNs {
		found := false
		for id, p := range a.principals {
			if strings.EqualFold(p.UserPrincipalName, upn) {
				ids[id], found = true, true
			}
		}
		if !found {
			a.add(Finding{Severity: Info, Check: CheckProtectedPrincipal, Principal: Principal{UserPrincipalName: upn},
				Detail: "listed in --protect, but no principal read from the tenant has this user principal name " +
					"(audit reads the principals that hold a role or appear in legacy.json): it holds no role"})
		}
	}
	for id := range ids {
		holds := 0
		base := Finding{Severity: Info, Check: CheckProtectedPrincipal, Principal: a.principal(id, "")}
		for i := range a.held {
			h := &a.held[i]
			if h.k.p != id {
				continue
			}
			f := a.finding(h)
			f.Severity, f.Check = Info, CheckProtectedPrincipal
			f.Detail = "protected principal holds " + h.text()
			if f.EndDateTime != nil {
				f.Detail += " until " + stamp(*f.EndDateTime)
			}
			a.add(f)
			holds++
		}
		for _, k := range a.legacyOrder {
			g := a.legacy[k]
			if k.p != id || len(g.live) == 0 || a.atRoot(k) {
				continue
			}
			f := base
			f.Principal = a.principal(id, g.live[0].PrincipalType)
			f.Role, f.ScopeID, f.Grant, f.LegacySource = a.role(k.r), migrate.DirectoryScopeRoot, GrantLegacy, sources(g.live)
			f.Detail = fmt.Sprintf("protected principal holds legacy %s with no unified counterpart at \"/\" (plan never migrates protected principals)", describe(g))
			a.add(f)
			holds++
		}
		if holds == 0 {
			f := base
			f.Detail = "protected principal holds no unified role assignment or eligibility and no live legacy record"
			if a.principals[id] == nil {
				f.Detail = "listed in --protect, but not found in the tenant: it holds no unified role assignment or eligibility and no live legacy record"
			}
			a.add(f)
		}
	}
}

// rejected lists the records export could not use, so the audit report
// shows them too.
func (a *auditor) rejected() {
	for _, r := range a.in.Legacy.Rejected {
		d := "rejected at export: " + r.Reason
		if r.Detail != "" {
			d += ": " + r.Detail
		}
		a.add(Finding{Severity: Info, Check: CheckLegacyRejected, Grant: GrantLegacy, LegacySource: r.Source, Detail: d})
	}
}
