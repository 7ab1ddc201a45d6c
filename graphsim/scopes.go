package graphsim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The objects role scopes name — administrative units, attribute sets,
// applications (app registrations), access package catalogs — and group
// membership (docs/graph.md, "Scopes").

// AdministrativeUnit is a microsoft.graph.administrativeUnit.
type AdministrativeUnit struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
}

// AttributeSet is a microsoft.graph.attributeSet: its id is its name
// ("Engineering"), case-insensitive.
type AttributeSet struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
}

// Application is a microsoft.graph.application (an app registration).
type Application struct {
	ID          string `json:"id"`
	AppID       string `json:"appId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// AccessPackageCatalog is a microsoft.graph.accessPackageCatalog.
type AccessPackageCatalog struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
}

// maxAttributeSetID is the attributeSet id's documented length limit.
const maxAttributeSetID = 32

// normalizeScopes checks the scope objects and group membership of a
// seed. dir maps the directory ids seen so far (users, groups, service
// principals): administrative units and applications are directory
// objects too, so their ids may not repeat one.
func (s *Seed) normalizeScopes(dir map[migrate.GUID]string, roles *roleIndex) error {
	for i, au := range s.AdministrativeUnits {
		if err := addDirID(dir, "administrativeUnits", i, au.ID); err != nil {
			return err
		}
	}
	for i, a := range s.Applications {
		if err := addDirID(dir, "applications", i, a.ID); err != nil {
			return err
		}
		if _, err := checkGUID("applications", i, a.ID, "appId", a.AppID, false); err != nil {
			return err
		}
	}
	sets := map[string]int{}
	for i, a := range s.AttributeSets {
		switch {
		case a.ID == "":
			return seedProblem("attributeSets", i, "", "id is missing")
		case len(a.ID) > maxAttributeSetID || strings.ContainsAny(a.ID, " \t/\\'\"%#?"):
			return seedProblem("attributeSets", i, a.ID, "id: up to %d characters, no spaces or special characters", maxAttributeSetID)
		}
		if j, ok := sets[strings.ToLower(a.ID)]; ok {
			return seedProblem("attributeSets", i, a.ID, "duplicate id: attributeSets[%d] has the same id (ids are case-insensitive)", j)
		}
		sets[strings.ToLower(a.ID)] = i
	}
	catalogs := map[migrate.GUID]string{} // not directory objects: ids of their own
	for i, cat := range s.AccessPackageCatalogs {
		if err := addDirID(catalogs, "accessPackageCatalogs", i, cat.ID); err != nil {
			return err
		}
	}
	if err := s.normalizeGroupMembers(); err != nil {
		return err
	}
	return s.normalizeEntitlementAssignments(roles)
}

// addDirID checks an object's id: a GUID no other object in seen (the
// directory's, or a collection's own) has.
func addDirID(dir map[migrate.GUID]string, coll string, i int, id string) error {
	g, err := checkGUID(coll, i, id, "id", id, true)
	if err != nil {
		return err
	}
	if prev, ok := dir[g]; ok {
		return seedProblem(coll, i, id, "duplicate id: %s has the same object id", prev)
	}
	dir[g] = fmt.Sprintf("%s[%d]", coll, i)
	return nil
}

// normalizeGroupMembers checks groupMembers: each key a group of the seed,
// each member a user, group or service principal of the seed.
func (s *Seed) normalizeGroupMembers() error {
	kinds := map[migrate.GUID]string{}
	for _, u := range s.Users {
		kinds[migrate.MustGUID(u.ID)] = kindUser
	}
	for _, g := range s.Groups {
		kinds[migrate.MustGUID(g.ID)] = kindGroup
	}
	for _, sp := range s.ServicePrincipals {
		kinds[migrate.MustGUID(sp.ID)] = kindSP
	}
	keys := make([]string, 0, len(s.GroupMembers))
	for k := range s.GroupMembers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		where := fmt.Sprintf("groupMembers[%q]", k)
		g, err := migrate.ParseGUID(k)
		if err != nil {
			return &SeedError{Where: where, Err: fmt.Errorf("the key: %v", err)}
		}
		if kinds[g] != kindGroup {
			return &SeedError{Where: where, Err: fmt.Errorf("%s is not a group of the seed", k)}
		}
		for _, m := range s.GroupMembers[k] {
			mg, err := migrate.ParseGUID(m)
			if err != nil {
				return &SeedError{Where: where, Err: fmt.Errorf("member %q: %v", m, err)}
			}
			if kinds[mg] == "" {
				return &SeedError{Where: where, Err: fmt.Errorf("member %s is no user, group or service principal of the seed", m)}
			}
		}
	}
	return nil
}

// scopeState is the tenant's scope objects and memberships.
type scopeState struct {
	aus      []*AdministrativeUnit
	auByID   map[migrate.GUID]*AdministrativeUnit
	sets     []*AttributeSet
	setByID  map[string]*AttributeSet // lower-case id
	apps     []*Application
	appByID  map[migrate.GUID]*Application
	catalogs []*AccessPackageCatalog
	catByID  map[migrate.GUID]*AccessPackageCatalog
	// members are each group's direct members, in seed order.
	members map[migrate.GUID][]migrate.GUID

	em    coll[EntitlementRoleAssignment]
	emKey map[tripleKey]*entry[EntitlementRoleAssignment]
}

// addScopes fills the scope state from a (validated, copied) seed.
func (st *state) addScopes(s *Seed) {
	sc := &st.scopes
	sc.auByID, sc.setByID = map[migrate.GUID]*AdministrativeUnit{}, map[string]*AttributeSet{}
	sc.appByID, sc.catByID = map[migrate.GUID]*Application{}, map[migrate.GUID]*AccessPackageCatalog{}
	sc.members = map[migrate.GUID][]migrate.GUID{}
	sc.em, sc.emKey = newColl[EntitlementRoleAssignment](), map[tripleKey]*entry[EntitlementRoleAssignment]{}
	sc.em.exact = true // opaque ids, as the directory's
	for i := range s.AdministrativeUnits {
		au := &s.AdministrativeUnits[i]
		sc.aus = append(sc.aus, au)
		sc.auByID[migrate.MustGUID(au.ID)] = au
	}
	for i := range s.AttributeSets {
		a := &s.AttributeSets[i]
		sc.sets = append(sc.sets, a)
		sc.setByID[strings.ToLower(a.ID)] = a
	}
	for i := range s.Applications {
		a := &s.Applications[i]
		sc.apps = append(sc.apps, a)
		sc.appByID[migrate.MustGUID(a.ID)] = a
	}
	for i := range s.AccessPackageCatalogs {
		cat := &s.AccessPackageCatalogs[i]
		sc.catalogs = append(sc.catalogs, cat)
		sc.catByID[migrate.MustGUID(cat.ID)] = cat
	}
	for k, ms := range s.GroupMembers {
		g := migrate.MustGUID(k)
		for _, m := range ms {
			sc.members[g] = append(sc.members[g], migrate.MustGUID(m))
		}
	}
	for _, a := range s.EntitlementManagementRoleAssignments {
		st.addEMAssignment(a, zeroTime)
	}
}

// scopesToSeed writes the scope state into a seed (shared values: toSeed
// clones the result).
func (st *state) scopesToSeed(s *Seed) {
	sc := &st.scopes
	for _, au := range sc.aus {
		s.AdministrativeUnits = append(s.AdministrativeUnits, *au)
	}
	for _, a := range sc.sets {
		s.AttributeSets = append(s.AttributeSets, *a)
	}
	for _, a := range sc.apps {
		s.Applications = append(s.Applications, *a)
	}
	for _, cat := range sc.catalogs {
		s.AccessPackageCatalogs = append(s.AccessPackageCatalogs, *cat)
	}
	s.GroupMembers = map[string][]string{}
	for g, ms := range sc.members {
		for _, m := range ms {
			s.GroupMembers[g.String()] = append(s.GroupMembers[g.String()], m.String())
		}
	}
	for _, e := range sc.em.list {
		s.EntitlementManagementRoleAssignments = append(s.EntitlementManagementRoleAssignments, e.v)
	}
}

// cloneScopes deep-copies the scope collections of s into c.
func (s *Seed) cloneScopes(c *Seed) {
	c.AdministrativeUnits = cloneSlice(s.AdministrativeUnits)
	c.AttributeSets = cloneSlice(s.AttributeSets)
	c.Applications = cloneSlice(s.Applications)
	c.AccessPackageCatalogs = cloneSlice(s.AccessPackageCatalogs)
	c.EntitlementManagementRoleAssignments = cloneSlice(s.EntitlementManagementRoleAssignments)
	c.GroupMembers = make(map[string][]string, len(s.GroupMembers))
	for k, v := range s.GroupMembers {
		c.GroupMembers[k] = cloneSlice(v)
	}
}

// ---- lists and gets -------------------------------------------------------

var (
	auFilter      = fields(field{name: "id"}, field{name: "displayName"})
	attrSetFilter = fields(field{name: "id"})
	appFilter     = fields(field{name: "id"}, field{name: "appId"}, field{name: "displayName"})
	catalogFilter = fields(field{name: "id"}, field{name: "displayName"})
)

func auJSON(a *AdministrativeUnit) map[string]any {
	return map[string]any{"id": a.ID, "displayName": a.DisplayName, "description": nil, "visibility": nil}
}

func attrSetJSON(a *AttributeSet) map[string]any {
	return map[string]any{"id": a.ID, "description": strOrNil(a.Description), "maxAttributesPerSet": nil}
}

func appJSON(a *Application) map[string]any {
	return map[string]any{"id": a.ID, "appId": strOrNil(a.AppID), "displayName": a.DisplayName}
}

func catalogJSON(cat *AccessPackageCatalog) map[string]any {
	return map[string]any{"id": cat.ID, "displayName": cat.DisplayName, "description": nil,
		"catalogType": "userManaged", "state": "published", "isExternallyVisible": false}
}

// listFixed answers a list of objects that never change (seeded only):
// items gives their number and a builder for the i-th; the list is paged
// and filtered.
func (c *call) listFixed(filter map[string]field, fragment string, items func(sc *scopeState) (int, func(i int) map[string]any)) *response {
	q, bad := c.parseList(filter)
	if bad != nil {
		return bad
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	p := c.pager(q, c.s.st.roles)
	n, obj := items(&c.s.st.scopes)
	for i := 0; i < n; i++ {
		if !p.offer(uint64(i+1), zeroTime, func() map[string]any { return obj(i) }) {
			break
		}
	}
	return p.respond(fragment)
}

// getOne answers the object find finds by the path's id (nil: 404).
func (c *call) getOne(fragment string, find func(st *state, id string) map[string]any) *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	m := find(c.s.st, c.params[0])
	if m == nil {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, fragment, project(m, c.selected(), c.expanded()))
}

const (
	auContext      = "directory/administrativeUnits"
	attrSetContext = "directory/attributeSets"
	appContext     = "applications"
	catalogContext = "identityGovernance/entitlementManagement/catalogs"
)

func (c *call) listAdministrativeUnits() *response {
	return c.listFixed(auFilter, auContext, func(sc *scopeState) (int, func(int) map[string]any) {
		return len(sc.aus), func(i int) map[string]any { return auJSON(sc.aus[i]) }
	})
}

func (c *call) listAttributeSets() *response {
	return c.listFixed(attrSetFilter, attrSetContext, func(sc *scopeState) (int, func(int) map[string]any) {
		return len(sc.sets), func(i int) map[string]any { return attrSetJSON(sc.sets[i]) }
	})
}

func (c *call) listApplications() *response {
	return c.listFixed(appFilter, appContext, func(sc *scopeState) (int, func(int) map[string]any) {
		return len(sc.apps), func(i int) map[string]any { return appJSON(sc.apps[i]) }
	})
}

func (c *call) listCatalogs() *response {
	return c.listFixed(catalogFilter, catalogContext, func(sc *scopeState) (int, func(int) map[string]any) {
		return len(sc.catalogs), func(i int) map[string]any { return catalogJSON(sc.catalogs[i]) }
	})
}

func (c *call) getAdministrativeUnit() *response {
	return c.getOne(auContext, func(st *state, id string) map[string]any {
		if au := st.scopes.au(id); au != nil {
			return auJSON(au)
		}
		return nil
	})
}

func (c *call) getAttributeSet() *response {
	return c.getOne(attrSetContext, func(st *state, id string) map[string]any {
		if a := st.scopes.setByID[strings.ToLower(id)]; a != nil {
			return attrSetJSON(a)
		}
		return nil
	})
}

func (c *call) getApplication() *response {
	return c.getOne(appContext, func(st *state, id string) map[string]any {
		if a := st.scopes.app(id); a != nil {
			return appJSON(a)
		}
		return nil
	})
}

func (c *call) getCatalog() *response {
	return c.getOne(catalogContext, func(st *state, id string) map[string]any {
		if cat := st.scopes.catalog(id); cat != nil {
			return catalogJSON(cat)
		}
		return nil
	})
}

func (sc *scopeState) au(id string) *AdministrativeUnit {
	g, err := migrate.ParseGUID(id)
	if err != nil {
		return nil
	}
	return sc.auByID[g]
}

func (sc *scopeState) app(id string) *Application {
	g, err := migrate.ParseGUID(id)
	if err != nil {
		return nil
	}
	return sc.appByID[g]
}

func (sc *scopeState) catalog(id string) *AccessPackageCatalog {
	g, err := migrate.ParseGUID(id)
	if err != nil {
		return nil
	}
	return sc.catByID[g]
}

// transitive is every member of group g, nested groups' members included
// (and the nested groups themselves, as Graph lists them), each once, in
// breadth-first seed order.
func (sc *scopeState) transitive(g migrate.GUID) []migrate.GUID {
	seen := map[migrate.GUID]bool{g: true}
	var out []migrate.GUID
	queue := []migrate.GUID{g}
	for len(queue) > 0 {
		for _, m := range sc.members[queue[0]] {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
				queue = append(queue, m)
			}
		}
		queue = queue[1:]
	}
	return out
}

// listTransitiveMembers answers GET /groups/{id}/transitiveMembers: the
// members as directory objects with @odata.type.
func (c *call) listTransitiveMembers() *response {
	q, bad := c.parseList(fields(field{name: "id"}))
	if bad != nil {
		return bad
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	o := c.findObject(c.params[0], kindGroup)
	if o == nil {
		return c.notFound(c.params[0])
	}
	p := c.pager(q, st.roles)
	for i, m := range st.scopes.transitive(migrate.MustGUID(o.id())) {
		member := st.dir[m]
		if !p.offer(uint64(i+1), zeroTime, func() map[string]any { return member.json(nil, false, true) }) {
			break
		}
	}
	return p.respond("directoryObjects")
}

// ---- scope validation on create -------------------------------------------

// checkDirectoryScope checks a directory role assignment's
// directoryScopeId: the object it names exists, and the role can be
// assigned there (migrate.ScopeAllowed). Call with the state locked.
// Unconfirmed: the codes and messages. An unknown object answers like any
// unknown reference (404 Request_ResourceNotFound); a role that cannot take
// the scope 400 Request_BadRequest.
func (c *call) checkDirectoryScope(t *target, r *roleDef) *response {
	if t.dirScope == "" || t.dirScope == migrate.DirectoryScopeRoot {
		return nil // appScopeId on the directory provider: stored as given
	}
	sc := &c.s.st.scopes
	var s migrate.Scope
	rest := t.dirScope[1:]
	if id, ok := cutPrefixFold(t.dirScope, "/administrativeUnits/"); ok {
		au := sc.au(id)
		if au == nil {
			return c.notFound(id)
		}
		s = migrate.Scope{Kind: migrate.ScopeAdministrativeUnit, ObjectID: au.ID}
	} else if id, ok := cutPrefixFold(t.dirScope, "/attributeSets/"); ok {
		if sc.setByID[strings.ToLower(id)] == nil {
			return c.notFound(id)
		}
		s = migrate.Scope{Kind: migrate.ScopeAttributeSet, ObjectID: id}
	} else if _, err := migrate.ParseGUID(rest); err == nil {
		if sc.app(rest) == nil {
			return c.notFound(rest)
		}
		s = migrate.Scope{Kind: migrate.ScopeApplication, ObjectID: rest}
	} else {
		return c.invalidProperty("directoryScopeId", "UnifiedRoleAssignment")
	}
	if migrate.ScopeAllowed(migrate.ScopeRole{ID: r.templateID, BuiltIn: r.isBuiltIn, ResourceActions: r.actions}, s) != "" {
		return c.notScopable(t.roleText, t.dirScope)
	}
	return nil
}

// notScopable is graphsim's answer for a role that cannot be assigned at a
// scope. Unconfirmed: code and message.
func (c *call) notScopable(role, scope string) *response {
	return c.fail(http.StatusBadRequest, "Request_BadRequest",
		fmt.Sprintf("The role definition '%s' cannot be assigned at scope '%s'.", role, scope))
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}
