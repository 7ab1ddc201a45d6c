package audit

import (
	"fmt"
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
	// standingRoot and eligibleRoot are the unified grants at "/".
	standingRoot map[key]*migrate.RoleAssignment
	eligibleRoot map[key]*migrate.EligibilitySchedule
	// scopes lists the scopes of every unified grant of a key.
	scopes    map[key][]string
	schedules map[scoped][]*migrate.AssignmentSchedule
	protect   migrate.Protected
	// planned is Input.Plan by principal and role.
	planned map[key]Planned
	out     []Finding
	// settings are the roles' activation controls (Result.RoleSettings).
	settings []RoleSetting
}

func newAuditor(in Input) *auditor {
	t := in.Tenant
	a := &auditor{
		in: in, roles: migrate.NewRoles(t.RoleDefinitions, in.Catalogue),
		principals: map[migrate.GUID]*migrate.Principal{}, legacy: map[key]*legacyGroup{},
		standingRoot: map[key]*migrate.RoleAssignment{}, eligibleRoot: map[key]*migrate.EligibilitySchedule{},
		scopes: map[key][]string{}, schedules: map[scoped][]*migrate.AssignmentSchedule{},
		protect: migrate.NewProtected(in.Protect), planned: map[key]Planned{},
	}
	for _, p := range in.Plan {
		k := a.key(p.PrincipalID, p.RoleID)
		if _, dup := a.planned[k]; !dup {
			a.planned[k] = p
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
		k := a.key(ra.PrincipalID, ra.RoleDefinitionID)
		a.scopes[k] = appendScope(a.scopes[k], ra.DirectoryScopeID)
		if ra.DirectoryScopeID == migrate.DirectoryScopeRoot && !a.activated(ra) && a.standingRoot[k] == nil {
			a.standingRoot[k] = ra
		}
	}
	for i := range t.EligibilitySchedules {
		es := &t.EligibilitySchedules[i]
		k := a.key(es.PrincipalID, es.RoleDefinitionID)
		a.scopes[k] = appendScope(a.scopes[k], es.DirectoryScopeID)
		if es.DirectoryScopeID == migrate.DirectoryScopeRoot && a.eligibleRoot[k] == nil {
			a.eligibleRoot[k] = es
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

func (a *auditor) add(f Finding) { a.out = append(a.out, f) }

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

// legacyChecks: legacy-missing and eligible-now-standing, per principal and
// role with at least one legacy record live at asOf.
func (a *auditor) legacyChecks() {
	for _, k := range a.legacyOrder {
		g := a.legacy[k]
		if len(g.live) == 0 {
			continue
		}
		first := g.live[0]
		standing, elig := a.standingRoot[k], a.eligibleRoot[k]
		base := Finding{Principal: a.principal(k.p, first.PrincipalType), Role: a.role(k.r), Scope: migrate.DirectoryScopeRoot, LegacySource: sources(g.live)}
		permanent := false
		for _, c := range g.classes {
			permanent = permanent || c == migrate.ClassPermanent
		}
		if standing == nil && elig == nil && !a.isProtected(k.p) {
			f := base
			f.Grant = GrantLegacy
			var why string
			f.Check, why = a.notMigrated(k, permanent)
			f.Severity = checkSeverity(f.Check)
			var notes []string
			if why != "" {
				notes = append(notes, why)
			}
			var other []string
			for _, sc := range a.scopes[k] {
				if sc == migrate.DirectoryScopeRoot { // only an activation can be there
					notes = append(notes, `the tenant has only a running PIM activation at "/", which ends`)
				} else {
					other = append(other, sc)
				}
			}
			if len(other) > 0 {
				notes = append(notes, fmt.Sprintf("the tenant grants it only at %s, which gives less", strings.Join(other, ", ")))
			}
			f.Detail = fmt.Sprintf("legacy %s has no unified role assignment or eligibility at \"/\"", describe(g))
			if len(notes) > 0 {
				f.Detail += "; " + strings.Join(notes, "; ")
			}
			a.add(f)
		}
		if !permanent && standing != nil {
			f := base
			f.Severity, f.Check, f.Grant, f.ObjectID = High, CheckEligibleNowStanding, GrantStanding, standing.ID
			f.EndDateTime = a.assignmentEnd(standing)
			until := ""
			if f.EndDateTime != nil {
				until = " (active until " + stamp(*f.EndDateTime) + ")"
			}
			if elig != nil {
				f.Detail = fmt.Sprintf("legacy %s; the tenant has both a standing role assignment%s and an eligibility at \"/\": the standing assignment makes the eligibility moot, remove it", describe(g), until)
			} else {
				f.Detail = fmt.Sprintf("legacy %s; the tenant has a standing role assignment%s at \"/\" and no eligibility: eligible access became standing access", describe(g), until)
			}
			a.add(f)
		}
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
		switch pl.Action {
		case migrate.ActionSkip:
			if c, ok := skipChecks[pl.Reason]; ok {
				return c, "the plan skipped it: " + pl.Reason
			}
		case migrate.ActionCreate:
			return CheckLegacyMissing, "the plan creates it: not applied yet, declined in review, failed, or removed since"
		case migrate.ActionPresent:
			return CheckLegacyMissing, "the plan found it in the tenant: removed since"
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
// record live at asOf. Protected principals are exempt.
func (a *auditor) standingNotInLegacy() {
	for i := range a.in.Tenant.RoleAssignments {
		ra := &a.in.Tenant.RoleAssignments[i]
		role := a.role(ra.RoleDefinitionID)
		if !role.Privileged || a.activated(ra) || a.isProtected(ra.PrincipalID) {
			continue
		}
		k := a.key(ra.PrincipalID, ra.RoleDefinitionID)
		g := a.legacy[k]
		if g != nil && len(g.live) > 0 {
			continue
		}
		f := Finding{Severity: Medium, Check: CheckStandingNotInLegacy, Principal: a.principal(ra.PrincipalID, ""), Role: role,
			Scope: ra.DirectoryScopeID, Grant: GrantStanding, ObjectID: ra.ID, EndDateTime: a.assignmentEnd(ra),
			Detail: "standing role assignment of a privileged role with no legacy PIM record for this principal and role"}
		if g != nil {
			f.Detail += "; the legacy record ended before asOf"
			f.LegacySource = sources(g.expired)
		}
		if f.EndDateTime != nil {
			f.Detail += "; active until " + stamp(*f.EndDateTime)
		}
		a.add(f)
	}
}

// principalChecks: deleted-principal, disabled-principal and
// guest-privileged over every unified role assignment (standing or
// activated) and eligibility, at any scope.
func (a *auditor) principalChecks() {
	t := a.in.Tenant
	for i := range t.RoleAssignments {
		ra := &t.RoleAssignments[i]
		a.principalCheck(ra.PrincipalID, ra.RoleDefinitionID, ra.DirectoryScopeID, a.grantOf(ra), ra.ID, a.assignmentEnd(ra))
	}
	for i := range t.EligibilitySchedules {
		es := &t.EligibilitySchedules[i]
		a.principalCheck(es.PrincipalID, es.RoleDefinitionID, es.DirectoryScopeID, GrantEligible, es.ID, eligibilityEnd(es))
	}
}

func (a *auditor) principalCheck(id, roleID migrate.GUID, scope string, grant Grant, objectID string, end *time.Time) {
	p := a.principals[id]
	base := Finding{Principal: a.principal(id, ""), Role: a.role(roleID), Scope: scope, Grant: grant, ObjectID: objectID,
		EndDateTime: end, LegacySource: a.legacySource(a.key(id, roleID))}
	switch {
	case p == nil:
		f := base
		f.Severity, f.Check = Medium, CheckDeletedPrincipal
		f.Detail = grantText(grant) + " of an object directoryObjects/getByIds does not return: deleted (or not a user, group or service principal)"
		a.add(f)
		return
	case p.AccountEnabled != nil && !*p.AccountEnabled:
		f := base
		f.Severity, f.Check = Medium, CheckDisabledPrincipal
		f.Detail = fmt.Sprintf("%s of a disabled %s (accountEnabled false)", grantText(grant), principalNoun(p.Type))
		a.add(f)
	}
	if p.Type == migrate.PrincipalUser && strings.EqualFold(p.UserType, "Guest") && base.Role.Privileged {
		f := base
		f.Severity, f.Check = Medium, CheckGuestPrivileged
		f.Detail = fmt.Sprintf("guest user (userType Guest) with %s of a privileged role", grantText(grant))
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
	a.add(Finding{Severity: Low, Check: CheckGlobalAdminCount, Role: a.role(GlobalAdministrator), Scope: migrate.DirectoryScopeRoot, Grant: GrantStanding,
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
	a.add(Finding{Severity: Low, Check: CheckExpiringSoon, Principal: a.principal(p, ""), Role: a.role(r), Scope: scope, Grant: g,
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
	t := a.in.Tenant
	for id := range ids {
		held := 0
		base := Finding{Severity: Info, Check: CheckProtectedPrincipal, Principal: a.principal(id, "")}
		for i := range t.RoleAssignments {
			ra := &t.RoleAssignments[i]
			if ra.PrincipalID != id {
				continue
			}
			f := base
			f.Role, f.Scope, f.Grant, f.ObjectID = a.role(ra.RoleDefinitionID), ra.DirectoryScopeID, a.grantOf(ra), ra.ID
			f.LegacySource, f.EndDateTime = a.legacySource(a.key(id, ra.RoleDefinitionID)), a.assignmentEnd(ra)
			f.Detail = "protected principal holds " + grantText(f.Grant)
			if f.EndDateTime != nil {
				f.Detail += " until " + stamp(*f.EndDateTime)
			}
			a.add(f)
			held++
		}
		for i := range t.EligibilitySchedules {
			es := &t.EligibilitySchedules[i]
			if es.PrincipalID != id {
				continue
			}
			f := base
			f.Role, f.Scope, f.Grant, f.ObjectID = a.role(es.RoleDefinitionID), es.DirectoryScopeID, GrantEligible, es.ID
			f.LegacySource, f.EndDateTime = a.legacySource(a.key(id, es.RoleDefinitionID)), eligibilityEnd(es)
			f.Detail = "protected principal holds an eligibility"
			if f.EndDateTime != nil {
				f.Detail += " until " + stamp(*f.EndDateTime)
			}
			a.add(f)
			held++
		}
		for _, k := range a.legacyOrder {
			g := a.legacy[k]
			if k.p != id || len(g.live) == 0 || a.standingRoot[k] != nil || a.eligibleRoot[k] != nil {
				continue
			}
			f := base
			f.Principal = a.principal(id, g.live[0].PrincipalType)
			f.Role, f.Scope, f.Grant, f.LegacySource = a.role(k.r), migrate.DirectoryScopeRoot, GrantLegacy, sources(g.live)
			f.Detail = fmt.Sprintf("protected principal holds legacy %s with no unified counterpart at \"/\" (plan never migrates protected principals)", describe(g))
			a.add(f)
			held++
		}
		if held == 0 {
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
