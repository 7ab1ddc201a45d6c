package graphsim

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Unified role management: roleAssignments and roleDefinitions
// (docs/graph.md, "Unified role management").

const (
	raContext      = "roleManagement/directory/roleAssignments"
	roleDefContext = "roleManagement/directory/roleDefinitions"
)

// assignmentFilter is what roleAssignments, schedules and instances filter
// on: eq and in, GUIDs in any case, a role by template or directory id.
var assignmentFilter = fields(assignmentFields...)

// assignmentFields are the fields every assignment-like object filters on.
var assignmentFields = []field{
	{name: "id"},
	{name: "principalId"},
	{name: "roleDefinitionId", kind: fRole},
	{name: "directoryScopeId"},
	{name: "appScopeId"},
}

func raJSON(a *RoleAssignment, st *state, expand map[string]bool) map[string]any {
	m := map[string]any{
		"id":               a.ID,
		"principalId":      a.PrincipalID,
		"roleDefinitionId": a.RoleDefinitionID,
		"directoryScopeId": strOrNil(a.DirectoryScopeID),
		"appScopeId":       strOrNil(a.AppScopeID),
	}
	expandRefs(m, a.PrincipalID, a.RoleDefinitionID, st, expand)
	return m
}

// expandRefs adds the principal and roleDefinition navigation properties
// when $expand asks for them.
func expandRefs(m map[string]any, principalID, roleID string, st *state, expand map[string]bool) {
	if expand["principal"] {
		m["principal"] = nil
		if o := st.principal(principalID); o != nil {
			m["principal"] = o.json(nil, true, true)
		}
	}
	if expand["roledefinition"] {
		m["roleDefinition"] = nil
		if g, err := migrate.ParseGUID(roleID); err == nil {
			if r := st.roles.lookup(g); r != nil {
				m["roleDefinition"] = roleDefJSON(r)
			}
		}
	}
}

func roleDefJSON(r *roleDef) map[string]any {
	return map[string]any{
		"id":              r.idStr,
		"displayName":     r.displayName,
		"description":     strOrNil(r.descr),
		"isBuiltIn":       r.isBuiltIn,
		"isEnabled":       r.isEnabled,
		"templateId":      r.templateStr,
		"resourceScopes":  []string{"/"},
		"version":         "1",
		"rolePermissions": []map[string]any{{"allowedResourceActions": nonNilStrings(r.actions), "condition": nil}},
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// raReadable reports whether an assignment can be read now: past the
// consistency lag and not ended (an active schedule with an end).
func (c *call) raReadable(e *entry[RoleAssignment]) bool {
	return c.visible(e.created) && !c.s.st.raEnded(e, c.now)
}

func (c *call) listRoleAssignments() *response {
	return listEntries(c, assignmentFilter, nil, raContext, func(st *state) []*entry[RoleAssignment] { return st.ra.list },
		func(st *state, q *listQuery, e *entry[RoleAssignment]) map[string]any {
			if st.raEnded(e, c.now) {
				return nil
			}
			return raJSON(&e.v, st, q.expand)
		})
}

func (c *call) getRoleAssignment() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	e := c.s.st.ra.get(c.params[0])
	if e == nil || !c.raReadable(e) {
		return c.notFound(c.params[0])
	}
	m := project(raJSON(&e.v, c.s.st, c.expanded()), c.selected(), c.expanded())
	return c.entity(http.StatusOK, raContext, m)
}

// deleteRoleAssignment removes the assignment and the active schedule that
// granted it, if any.
func (c *call) deleteRoleAssignment() *response {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	e := st.ra.get(c.params[0])
	if e == nil || !c.raReadable(e) {
		return c.notFound(c.params[0])
	}
	st.removeRoleAssignment(e)
	if s := st.aschKey[st.key(e.v.PrincipalID, e.v.RoleDefinitionID, e.v.DirectoryScopeID, e.v.AppScopeID)]; s != nil {
		st.removeSchedule(&st.asch, st.aschKey, s)
	}
	return c.noContent()
}

// target is a validated principal, role and scope of a create.
type target struct {
	principal     migrate.GUID
	role          migrate.GUID
	principalText string
	roleText      string
	dirScope      string
	appScope      string
}

// parseTarget checks the ids and the scope of a create body. resource
// names the type in Graph's messages.
func (c *call) parseTarget(principalID, roleID string, dirScope, appScope *string, resource string) (*target, *response) {
	t := &target{}
	var err error
	if t.role, err = migrate.ParseGUID(roleID); err != nil {
		return nil, c.invalidProperty("roleDefinitionId", resource)
	}
	if t.principal, err = migrate.ParseGUID(principalID); err != nil {
		return nil, c.invalidProperty("principalId", resource)
	}
	t.principalText, t.roleText = t.principal.String(), t.role.String()
	if dirScope != nil {
		t.dirScope = *dirScope
	}
	if appScope != nil {
		t.appScope = *appScope
	}
	switch {
	case t.dirScope == "" && t.appScope == "":
		return nil, c.fail(http.StatusBadRequest, "Request_BadRequest",
			"One of directoryScopeId or appScopeId must be specified.")
	case t.dirScope != "" && t.appScope != "":
		// Unconfirmed: whether Graph accepts both; graphsim refuses.
		return nil, c.fail(http.StatusBadRequest, "Request_BadRequest",
			"Only one of directoryScopeId or appScopeId may be specified.")
	case t.dirScope != "" && !strings.HasPrefix(t.dirScope, "/"):
		return nil, c.invalidProperty("directoryScopeId", resource)
	case t.appScope != "" && !strings.HasPrefix(t.appScope, "/"):
		return nil, c.invalidProperty("appScopeId", resource)
	}
	return t, nil
}

// checkTarget looks the principal and role up: 404 for an unknown one, 400
// for a group that is not role-assignable, a disabled role, or (eligible)
// a service principal. Call with the state locked.
func (c *call) checkTarget(t *target, eligible bool) (*dirObject, *roleDef, *response) {
	st := c.s.st
	o := st.dir[t.principal]
	if o == nil {
		return nil, nil, c.notFound(t.principalText)
	}
	r := st.roles.lookup(t.role)
	if r == nil {
		return nil, nil, c.notFound(t.roleText)
	}
	if o.kind == kindGroup && !o.group.IsAssignableToRole {
		// Unconfirmed message; Entra roles can be assigned only to
		// role-assignable groups.
		return nil, nil, c.fail(http.StatusBadRequest, "Request_BadRequest",
			fmt.Sprintf("Group '%s' is not role-assignable: only groups created with isAssignableToRole true can be assigned a directory role.", t.principalText))
	}
	if eligible && o.kind == kindSP {
		// Unconfirmed code and message; documented: only users and
		// role-assignable groups can be eligible.
		return nil, nil, c.fail(http.StatusBadRequest, "PrincipalTypeNotSupported",
			"Service principals cannot be eligible for a directory role; assign the role to them as active instead.")
	}
	if !r.isEnabled {
		// Unconfirmed: what Graph answers for a disabled (custom) role.
		return nil, nil, c.fail(http.StatusBadRequest, "Request_BadRequest",
			fmt.Sprintf("Role definition '%s' is disabled.", t.roleText))
	}
	return o, r, nil
}

// conflict is Graph's answer to a duplicate role assignment.
func (c *call) conflict() *response {
	r := c.fail(http.StatusBadRequest, "Request_BadRequest",
		"A conflicting object with one or more of the specified property values is present in the directory.")
	r.dupRefused = true
	return r
}

func (c *call) createRoleAssignment() *response {
	var b struct {
		ODataType        string  `json:"@odata.type"`
		PrincipalID      string  `json:"principalId"`
		RoleDefinitionID string  `json:"roleDefinitionId"`
		DirectoryScopeID *string `json:"directoryScopeId"`
		AppScopeID       *string `json:"appScopeId"`
	}
	if r := c.decode(&b, false); r != nil {
		return r
	}
	t, bad := c.parseTarget(b.PrincipalID, b.RoleDefinitionID, b.DirectoryScopeID, b.AppScopeID, "UnifiedRoleAssignment")
	if bad != nil {
		return bad
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	_, role, bad := c.checkTarget(t, false)
	if bad == nil {
		bad = c.checkDirectoryScope(t, role)
	}
	if bad != nil {
		return bad
	}
	k := makeKey(t.principal, st.roles.canonical(t.role), t.dirScope, t.appScope)
	st.expireActive(k, c.now)
	if st.raKey[k] != nil {
		return c.conflict()
	}
	a := RoleAssignment{
		ID:          roleAssignmentID(t.principal, k.role, t.dirScope, t.appScope),
		PrincipalID: t.principalText, RoleDefinitionID: t.roleText,
		DirectoryScopeID: t.dirScope, AppScopeID: t.appScope,
	}
	st.addRoleAssignment(a, c.now)
	return c.entity(http.StatusCreated, raContext, raJSON(&a, st, nil))
}

var roleDefFilter = fields(
	field{name: "id"},
	field{name: "templateId"},
	field{name: "displayName"},
	field{name: "isBuiltIn", kind: fBool, ops: "eq ne"},
	field{name: "isEnabled", kind: fBool, ops: "eq ne"},
)

func (c *call) listRoleDefinitions() *response {
	q, bad := c.parseList(roleDefFilter)
	if bad != nil {
		return bad
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	p := c.pager(q, st.roles)
	for _, r := range st.roles.list {
		if !p.offer(r.seq, zeroTime, func() map[string]any { return roleDefJSON(r) }) {
			break
		}
	}
	return p.respond(roleDefContext)
}

// getRoleDefinition finds a role by id or template id.
func (c *call) getRoleDefinition() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	g, err := migrate.ParseGUID(c.params[0])
	var r *roleDef
	if err == nil {
		r = c.s.st.roles.lookup(g)
	}
	if r == nil {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, roleDefContext, project(roleDefJSON(r), c.selected(), nil))
}
