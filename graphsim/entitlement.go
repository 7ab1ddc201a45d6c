package graphsim

import (
	"net/http"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The entitlement management provider of unified role management:
// /roleManagement/entitlementManagement/roleDefinitions (the built-in
// catalog roles, migrate.EntitlementRoles) and roleAssignments (list with
// $filter, get, create, delete), scoped by appScopeId "/" or
// "/AccessPackageCatalog/{catalogId}" (docs/graph.md, "Scopes").

// EntitlementRoleAssignment is a unifiedRoleAssignment of the entitlement
// management provider. Its id is opaque; LoadSeed gives one when absent.
type EntitlementRoleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	AppScopeID       string `json:"appScopeId,omitempty"` // "/" when empty
}

const (
	emRoleDefContext = "roleManagement/entitlementManagement/roleDefinitions"
	emRAContext      = "roleManagement/entitlementManagement/roleAssignments"
	emResource       = "UnifiedRoleAssignment"
)

// normalizeEntitlementAssignments checks the seed's entitlement-management
// role assignments and gives missing ids and scopes. Like roleAssignments,
// references are not looked up.
func (s *Seed) normalizeEntitlementAssignments(roles *roleIndex) error {
	const coll = "entitlementManagementRoleAssignments"
	keys, ids := map[tripleKey]int{}, map[string]int{}
	for i := range s.EntitlementManagementRoleAssignments {
		a := &s.EntitlementManagementRoleAssignments[i]
		p, r, err := checkTargetIDs(coll, i, a.ID, a.PrincipalID, a.RoleDefinitionID)
		if err != nil {
			return err
		}
		if a.AppScopeID == "" {
			a.AppScopeID = migrate.DirectoryScopeRoot
		}
		k := makeKey(p, r, "", a.AppScopeID)
		if j, ok := keys[k]; ok {
			return seedProblem(coll, i, a.ID, "duplicate assignment: %s[%d] has the same principal, role and scope", coll, j)
		}
		keys[k] = i
		if a.ID == "" {
			a.ID = roleAssignmentID(p, r, "", a.AppScopeID)
		}
		if j, ok := ids[a.ID]; ok {
			return seedProblem(coll, i, a.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		ids[a.ID] = i
	}
	return nil
}

func emKey(a *EntitlementRoleAssignment) tripleKey {
	p, _ := migrate.ParseGUID(a.PrincipalID)
	r, _ := migrate.ParseGUID(a.RoleDefinitionID)
	return makeKey(p, r, "", a.AppScopeID)
}

func (st *state) addEMAssignment(a EntitlementRoleAssignment, created time.Time) {
	e := &entry[EntitlementRoleAssignment]{seq: st.next(), created: created, v: a}
	st.scopes.em.add(a.ID, e)
	st.scopes.emKey[emKey(&a)] = e
}

// emRole finds an entitlement-management role definition by id.
func emRole(id string) (migrate.BuiltinRole, bool) {
	if _, err := migrate.ParseGUID(id); err != nil {
		return migrate.BuiltinRole{}, false
	}
	return migrate.FindEntitlementRole(id)
}

func emRoleDefJSON(r migrate.BuiltinRole) map[string]any {
	return map[string]any{
		"id": r.TemplateID.String(), "displayName": r.DisplayName, "description": r.DisplayName,
		"isBuiltIn": true, "isEnabled": true, "templateId": r.TemplateID.String(), "version": "1.0",
	}
}

func (c *call) listEMRoleDefinitions() *response {
	return c.listFixed(roleDefFilter, emRoleDefContext, func(*scopeState) (int, func(int) map[string]any) {
		roles := migrate.EntitlementRoles()
		return len(roles), func(i int) map[string]any { return emRoleDefJSON(roles[i]) }
	})
}

func (c *call) getEMRoleDefinition() *response {
	r, ok := emRole(c.params[0])
	if !ok {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, emRoleDefContext, project(emRoleDefJSON(r), c.selected(), nil))
}

func emRAJSON(a *EntitlementRoleAssignment, st *state, expand map[string]bool) map[string]any {
	m := map[string]any{
		"id": a.ID, "principalId": a.PrincipalID, "roleDefinitionId": a.RoleDefinitionID,
		"directoryScopeId": nil, "appScopeId": a.AppScopeID,
	}
	expandRefs(m, a.PrincipalID, "", st, map[string]bool{"principal": expand["principal"]})
	if expand["roledefinition"] {
		m["roleDefinition"] = nil
		if r, ok := emRole(a.RoleDefinitionID); ok {
			m["roleDefinition"] = emRoleDefJSON(r)
		}
	}
	return m
}

var emRAFilter = fields(field{name: "id"}, field{name: "principalId"}, field{name: "roleDefinitionId"}, field{name: "appScopeId"})

func (c *call) listEMRoleAssignments() *response {
	return listEntries(c, emRAFilter, nil, emRAContext, func(st *state) []*entry[EntitlementRoleAssignment] { return st.scopes.em.list },
		func(st *state, q *listQuery, e *entry[EntitlementRoleAssignment]) map[string]any {
			return emRAJSON(&e.v, st, q.expand)
		})
}

// visibleEM is the assignment with this id, if it exists and is visible.
// Call with the state locked.
func (c *call) visibleEM(id string) *entry[EntitlementRoleAssignment] {
	if e := c.s.st.scopes.em.get(id); e != nil && c.visible(e.created) {
		return e
	}
	return nil
}

func (c *call) getEMRoleAssignment() *response {
	expand := c.expanded()
	return c.getOne(emRAContext, func(st *state, id string) map[string]any {
		if e := c.visibleEM(id); e != nil {
			return emRAJSON(&e.v, st, expand)
		}
		return nil
	})
}

func (c *call) deleteEMRoleAssignment() *response {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	sc := &c.s.st.scopes
	e := c.visibleEM(c.params[0])
	if e == nil {
		return c.notFound(c.params[0])
	}
	sc.em.remove(e.v.ID)
	delete(sc.emKey, emKey(&e.v))
	return c.noContent()
}

// createEMRoleAssignment answers POST
// /roleManagement/entitlementManagement/roleAssignments {principalId,
// roleDefinitionId, appScopeId}. Unconfirmed: the codes and messages of
// its refusals; graphsim answers like the directory provider: 400
// Request_BadRequest for a missing or malformed property, a
// directoryScopeId (this provider's scopes are app scopes), a role the
// scope cannot take (Catalog creator at a catalog) and a duplicate; 404
// Request_ResourceNotFound for an unknown principal, role or catalog. Any
// user, group or service principal can hold these roles (Unconfirmed:
// groups need not be role-assignable).
func (c *call) createEMRoleAssignment() *response {
	var b struct {
		PrincipalID      string  `json:"principalId"`
		RoleDefinitionID string  `json:"roleDefinitionId"`
		DirectoryScopeID *string `json:"directoryScopeId"`
		AppScopeID       *string `json:"appScopeId"`
	}
	if r := c.decode(&b, false); r != nil {
		return r
	}
	principal, err := migrate.ParseGUID(b.PrincipalID)
	if err != nil {
		return c.invalidProperty("principalId", emResource)
	}
	role, err := migrate.ParseGUID(b.RoleDefinitionID)
	if err != nil {
		return c.invalidProperty("roleDefinitionId", emResource)
	}
	switch {
	case b.DirectoryScopeID != nil && *b.DirectoryScopeID != "":
		return c.fail(http.StatusBadRequest, "Request_BadRequest",
			"directoryScopeId is not supported by the entitlement management provider; use appScopeId.")
	case b.AppScopeID == nil || *b.AppScopeID == "":
		return c.fail(http.StatusBadRequest, "Request_BadRequest",
			"One of directoryScopeId or appScopeId must be specified.")
	}
	scope := *b.AppScopeID
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	s := migrate.TenantScope
	if scope != migrate.DirectoryScopeRoot {
		id, ok := cutPrefixFold(scope, "/AccessPackageCatalog/")
		if !ok {
			return c.invalidProperty("appScopeId", emResource)
		}
		cat := st.scopes.catalog(id)
		if cat == nil {
			return c.notFound(id)
		}
		s = migrate.Scope{Kind: migrate.ScopeCatalog, ObjectID: cat.ID}
	}
	if st.dir[principal] == nil {
		return c.notFound(principal.String())
	}
	r, ok := emRole(role.String())
	if !ok {
		return c.notFound(role.String())
	}
	if migrate.ScopeAllowed(migrate.ScopeRole{ID: r.TemplateID, BuiltIn: true, Provider: migrate.ProviderEntitlement}, s) != "" {
		return c.notScopable(role.String(), scope)
	}
	a := EntitlementRoleAssignment{PrincipalID: principal.String(), RoleDefinitionID: role.String(), AppScopeID: scope}
	if st.scopes.emKey[emKey(&a)] != nil {
		return c.conflict()
	}
	a.ID = roleAssignmentID(principal, role, "", scope)
	st.addEMAssignment(a, c.now)
	return c.entity(http.StatusCreated, emRAContext, emRAJSON(&a, st, nil))
}
