package graphsim

import (
	"sort"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// roleDef is a role definition merged over the catalogue.
type roleDef struct {
	id, templateID       migrate.GUID
	idStr, templateStr   string
	displayName, descr   string
	isBuiltIn, isEnabled bool
	actions              []string // a custom role's allowed resource actions
	seq                  uint64
}

// roleIndex resolves role ids: by id, else by template id.
type roleIndex struct {
	list       []*roleDef
	byID       map[migrate.GUID]*roleDef
	byTemplate map[migrate.GUID]*roleDef
}

// newRoleIndex merges the seed's role definitions over the built-in
// catalogue by id. The catalogue comes first (sorted by display name), then
// the seed's additions in seed order.
func newRoleIndex(defs []RoleDefinition) *roleIndex {
	ri := &roleIndex{byID: map[migrate.GUID]*roleDef{}, byTemplate: map[migrate.GUID]*roleDef{}}
	for _, d := range migrate.BuiltinCatalogue().RoleDefinitions() {
		r := &roleDef{id: d.ID, templateID: d.TemplateID, idStr: d.ID.String(), templateStr: d.TemplateID.String(),
			displayName: d.DisplayName, isBuiltIn: true, isEnabled: true}
		ri.list = append(ri.list, r)
		ri.byID[r.id] = r
	}
	for _, d := range defs {
		g, err := migrate.ParseGUID(d.ID)
		if err != nil {
			continue // Validate refuses it
		}
		r, ok := ri.byID[g]
		if !ok {
			r = &roleDef{id: g, templateID: g, idStr: d.ID, templateStr: d.ID, isEnabled: true}
			ri.list = append(ri.list, r)
			ri.byID[g] = r
		}
		if d.DisplayName != "" {
			r.displayName = d.DisplayName
		}
		if d.Description != "" {
			r.descr = d.Description
		}
		if d.IsBuiltIn != nil {
			r.isBuiltIn = *d.IsBuiltIn
		}
		if d.IsEnabled != nil {
			r.isEnabled = *d.IsEnabled
		}
		if d.AllowedResourceActions != nil {
			r.actions = d.AllowedResourceActions
		}
		if t, err := migrate.ParseGUID(d.TemplateID); err == nil {
			r.templateID, r.templateStr = t, d.TemplateID
		}
	}
	for _, r := range ri.list {
		if _, ok := ri.byTemplate[r.templateID]; !ok || r.id == r.templateID {
			ri.byTemplate[r.templateID] = r
		}
	}
	return ri
}

// lookup finds a role by its id or by its template id.
func (ri *roleIndex) lookup(g migrate.GUID) *roleDef {
	if r, ok := ri.byID[g]; ok {
		return r
	}
	return ri.byTemplate[g]
}

// canonical is the role's template id, so that a role referenced by
// template id and by directory-specific id compare equal.
func (ri *roleIndex) canonical(g migrate.GUID) migrate.GUID {
	if r := ri.lookup(g); r != nil {
		return r.templateID
	}
	return g
}

// Directory object kinds.
const (
	kindUser  = "user"
	kindGroup = "group"
	kindSP    = "servicePrincipal"
)

// dirObject is a user, group or service principal.
type dirObject struct {
	kind  string
	user  *User
	group *Group
	sp    *ServicePrincipal
}

func (o *dirObject) id() string {
	switch o.kind {
	case kindUser:
		return o.user.ID
	case kindGroup:
		return o.group.ID
	}
	return o.sp.ID
}

func (o *dirObject) displayName() string {
	switch o.kind {
	case kindUser:
		return o.user.DisplayName
	case kindGroup:
		return o.group.DisplayName
	}
	return o.sp.DisplayName
}

// entry is one stored record: its position in insertion order (seq, which
// paging keys on), when it was created (zero for seeded records, which are
// always visible) and the record.
type entry[T any] struct {
	seq     uint64
	created time.Time
	v       T
}

// coll is an insertion-ordered collection indexed by id: GUID ids in any
// case, opaque ids (exact, set) exactly.
type coll[T any] struct {
	list  []*entry[T]
	byID  map[string]*entry[T]
	exact bool
}

func newColl[T any]() coll[T] { return coll[T]{byID: map[string]*entry[T]{}} }

func (c *coll[T]) key(id string) string {
	if c.exact {
		return id
	}
	return strings.ToLower(id)
}

func (c *coll[T]) add(id string, e *entry[T]) {
	c.list = append(c.list, e)
	c.byID[c.key(id)] = e
}

func (c *coll[T]) get(id string) *entry[T] { return c.byID[c.key(id)] }

func (c *coll[T]) remove(id string) *entry[T] {
	e := c.byID[c.key(id)]
	if e == nil {
		return nil
	}
	delete(c.byID, c.key(id))
	i := sort.Search(len(c.list), func(i int) bool { return c.list[i].seq >= e.seq })
	if i < len(c.list) && c.list[i] == e {
		c.list = append(c.list[:i], c.list[i+1:]...)
	}
	return e
}

// scheduleRequest is a roleEligibilityScheduleRequest or
// roleAssignmentScheduleRequest as answered (a JSON object).
type scheduleRequest struct {
	id  string
	obj map[string]any
}

// state is the tenant as it is now.
type state struct {
	seq           uint64
	tenantID      string
	displayName   string
	pimRegistered bool
	seedRoleDefs  []RoleDefinition
	roles         *roleIndex

	users  []*User
	groups []*Group
	sps    []*ServicePrincipal
	dir    map[migrate.GUID]*dirObject
	upn    map[string]*dirObject
	caller string

	priv coll[PrivilegedRoleAssignment]
	gov  coll[GovernanceRoleAssignment]
	ra   coll[RoleAssignment]
	elig coll[Schedule]
	asch coll[Schedule]

	raKey   map[tripleKey]*entry[RoleAssignment]
	eligKey map[tripleKey]*entry[Schedule]
	aschKey map[tripleKey]*entry[Schedule]

	eligReq coll[scheduleRequest]
	asgReq  coll[scheduleRequest]

	legacyDisabled bool
	// privSettings are keyed by the role's template id.
	privSettings coll[PrivilegedRoleSettings]
	govSettings  coll[GovernanceRoleSetting]
	policies     coll[*rmPolicy]
	policyAsg    coll[RoleManagementPolicyAssignment]

	scopes scopeState
}

func (st *state) next() uint64 { st.seq++; return st.seq }

// newState builds the state from a (validated) seed; it keeps its own copy.
func newState(seed *Seed, callerID string) *state {
	s := seed.clone()
	st := &state{
		tenantID: s.TenantID, displayName: s.DisplayName, pimRegistered: s.Registered(),
		seedRoleDefs: s.RoleDefinitions, roles: newRoleIndex(s.RoleDefinitions),
		dir: map[migrate.GUID]*dirObject{}, upn: map[string]*dirObject{},
		priv: newColl[PrivilegedRoleAssignment](), gov: newColl[GovernanceRoleAssignment](),
		ra: newColl[RoleAssignment](), elig: newColl[Schedule](), asch: newColl[Schedule](),
		raKey: map[tripleKey]*entry[RoleAssignment]{}, eligKey: map[tripleKey]*entry[Schedule]{},
		aschKey: map[tripleKey]*entry[Schedule]{},
		eligReq: newColl[scheduleRequest](), asgReq: newColl[scheduleRequest](),
		legacyDisabled: s.LegacyDisabled, privSettings: newColl[PrivilegedRoleSettings](),
		govSettings: newColl[GovernanceRoleSetting](), policies: newColl[*rmPolicy](),
		policyAsg: newColl[RoleManagementPolicyAssignment](),
	}
	st.ra.exact = true // opaque, case-sensitive ids
	if st.displayName == "" {
		st.displayName = "graphsim tenant"
	}
	for _, r := range st.roles.list {
		r.seq = st.next()
	}
	for i := range s.Users {
		u := &s.Users[i]
		st.users = append(st.users, u)
		o := &dirObject{kind: kindUser, user: u}
		st.dir[migrate.MustGUID(u.ID)] = o
		if u.UserPrincipalName != "" {
			st.upn[strings.ToLower(u.UserPrincipalName)] = o
		}
	}
	for i := range s.Groups {
		st.groups = append(st.groups, &s.Groups[i])
		st.dir[migrate.MustGUID(s.Groups[i].ID)] = &dirObject{kind: kindGroup, group: &s.Groups[i]}
	}
	for i := range s.ServicePrincipals {
		st.sps = append(st.sps, &s.ServicePrincipals[i])
		st.dir[migrate.MustGUID(s.ServicePrincipals[i].ID)] = &dirObject{kind: kindSP, sp: &s.ServicePrincipals[i]}
	}
	st.caller = callerID
	if st.caller == "" && len(s.Users) > 0 {
		st.caller = s.Users[0].ID
	}
	for _, a := range s.PrivilegedRoleAssignments {
		st.priv.add(a.ID, &entry[PrivilegedRoleAssignment]{seq: st.next(), v: a})
	}
	for _, a := range s.GovernanceRoleAssignments {
		st.gov.add(a.ID, &entry[GovernanceRoleAssignment]{seq: st.next(), v: a})
	}
	for _, a := range s.RoleAssignments {
		st.addRoleAssignment(a, time.Time{})
	}
	for _, a := range s.RoleEligibilitySchedules {
		st.addSchedule(&st.elig, st.eligKey, a, time.Time{})
	}
	for _, rs := range s.PrivilegedRoleSettings {
		st.privSettings.add(st.roles.canonical(migrate.MustGUID(rs.ID)).String(), &entry[PrivilegedRoleSettings]{seq: st.next(), v: rs})
	}
	for _, rs := range s.GovernanceRoleSettings {
		st.govSettings.add(rs.ID, &entry[GovernanceRoleSetting]{seq: st.next(), v: rs})
	}
	st.addPolicies(s)
	st.addScopes(s)
	for _, a := range s.RoleAssignmentSchedules {
		e := st.addSchedule(&st.asch, st.aschKey, a, time.Time{})
		k := st.key(e.v.PrincipalID, e.v.RoleDefinitionID, e.v.DirectoryScopeID, e.v.AppScopeID)
		if st.raKey[k] == nil {
			st.addRoleAssignment(RoleAssignment{
				ID:          roleAssignmentID(k.principal, k.role, a.DirectoryScopeID, a.AppScopeID),
				PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleDefinitionID,
				DirectoryScopeID: a.DirectoryScopeID, AppScopeID: a.AppScopeID,
			}, time.Time{})
		}
	}
	return st
}

// key is the duplicate-detection key of an assignment or schedule.
func (st *state) key(principal, role, dirScope, appScope string) tripleKey {
	p, _ := migrate.ParseGUID(principal)
	r, _ := migrate.ParseGUID(role)
	return makeKey(p, st.roles.canonical(r), dirScope, appScope)
}

func (st *state) addRoleAssignment(a RoleAssignment, created time.Time) *entry[RoleAssignment] {
	e := &entry[RoleAssignment]{seq: st.next(), created: created, v: a}
	st.ra.add(a.ID, e)
	st.raKey[st.key(a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID, a.AppScopeID)] = e
	return e
}

func (st *state) removeRoleAssignment(e *entry[RoleAssignment]) {
	st.ra.remove(e.v.ID)
	delete(st.raKey, st.key(e.v.PrincipalID, e.v.RoleDefinitionID, e.v.DirectoryScopeID, e.v.AppScopeID))
}

func (st *state) addSchedule(c *coll[Schedule], keys map[tripleKey]*entry[Schedule], a Schedule, created time.Time) *entry[Schedule] {
	e := &entry[Schedule]{seq: st.next(), created: created, v: a}
	c.add(a.ID, e)
	keys[st.key(a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID, a.AppScopeID)] = e
	return e
}

func (st *state) removeSchedule(c *coll[Schedule], keys map[tripleKey]*entry[Schedule], e *entry[Schedule]) {
	c.remove(e.v.ID)
	delete(keys, st.key(e.v.PrincipalID, e.v.RoleDefinitionID, e.v.DirectoryScopeID, e.v.AppScopeID))
}

// principal finds a directory object by id (any case).
func (st *state) principal(id string) *dirObject {
	g, err := migrate.ParseGUID(id)
	if err != nil {
		return nil
	}
	return st.dir[g]
}

// toSeed is the state in the seed format (a deep copy). roleDefinitions
// are the seed's additions and overrides: the API cannot change them.
func (st *state) toSeed() *Seed {
	reg := st.pimRegistered
	s := &Seed{TenantID: st.tenantID, DisplayName: st.displayName, PIMRegistered: &reg, LegacyDisabled: st.legacyDisabled}
	for _, u := range st.users {
		s.Users = append(s.Users, *u)
	}
	for _, g := range st.groups {
		s.Groups = append(s.Groups, *g)
	}
	for _, sp := range st.sps {
		s.ServicePrincipals = append(s.ServicePrincipals, *sp)
	}
	s.RoleDefinitions = st.seedRoleDefs
	for _, e := range st.priv.list {
		s.PrivilegedRoleAssignments = append(s.PrivilegedRoleAssignments, e.v)
	}
	for _, e := range st.gov.list {
		s.GovernanceRoleAssignments = append(s.GovernanceRoleAssignments, e.v)
	}
	for _, e := range st.ra.list {
		s.RoleAssignments = append(s.RoleAssignments, e.v)
	}
	for _, e := range st.elig.list {
		s.RoleEligibilitySchedules = append(s.RoleEligibilitySchedules, e.v)
	}
	for _, e := range st.asch.list {
		s.RoleAssignmentSchedules = append(s.RoleAssignmentSchedules, e.v)
	}
	for _, e := range st.privSettings.list {
		s.PrivilegedRoleSettings = append(s.PrivilegedRoleSettings, e.v)
	}
	for _, e := range st.govSettings.list {
		s.GovernanceRoleSettings = append(s.GovernanceRoleSettings, e.v)
	}
	st.policiesToSeed(s)
	st.scopesToSeed(s)
	return s.clone()
}
