package graphsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

var zeroTime time.Time

// maxGetByIDs is getByIds' limit on ids.
const maxGetByIDs = 1000

// odataType is a directory object's @odata.type.
func (o *dirObject) odataType() string { return "#microsoft.graph." + o.kind }

// json renders a directory object. Without $select a user has only
// Graph v1.0's default properties (no accountEnabled, no userType: ask for
// them with $select); full gives every property graphsim models, as
// $expand does.
func (o *dirObject) json(sel map[string]bool, full, withType bool) map[string]any {
	all := map[string]any{"id": o.id(), "displayName": o.displayName()}
	defaults := map[string]bool{"id": true, "displayname": true}
	switch o.kind {
	case kindUser:
		u := o.user
		enabled := u.AccountEnabled == nil || *u.AccountEnabled
		typ := u.UserType
		if typ == "" {
			typ = "Member"
		}
		all["userPrincipalName"] = u.UserPrincipalName
		all["accountEnabled"] = enabled
		all["userType"] = typ
		all["onPremisesSyncEnabled"] = u.OnPremisesSyncEnabled
		all["onPremisesImmutableId"] = strOrNil(u.OnPremisesImmutableID)
		all["mail"] = nil
		defaults["userprincipalname"] = true
		defaults["mail"] = true
	case kindGroup:
		all["isAssignableToRole"] = o.group.IsAssignableToRole
		all["securityEnabled"] = true
		all["mailEnabled"] = false
		all["groupTypes"] = []string{}
		for k := range all {
			defaults[strings.ToLower(k)] = true
		}
	case kindSP:
		all["appId"] = o.sp.AppID
		all["accountEnabled"] = true
		all["servicePrincipalType"] = "Application"
		for k := range all {
			defaults[strings.ToLower(k)] = true
		}
	}
	out := map[string]any{}
	if withType {
		out["@odata.type"] = o.odataType()
	}
	for k, v := range all {
		lk := strings.ToLower(k)
		switch {
		case sel != nil:
			if sel[lk] || lk == "id" {
				out[k] = v
			}
		case full || defaults[lk]:
			out[k] = v
		}
	}
	return out
}

// getByIDs answers POST /directoryObjects/getByIds {ids, types}: the
// objects found, in the order asked; unknown ids are simply absent.
func (c *call) getByIDs() *response {
	var b struct {
		IDs   []string `json:"ids"`
		Types []string `json:"types"`
	}
	if r := c.decode(&b, false); r != nil {
		return r
	}
	if len(b.IDs) == 0 {
		return c.invalidProperty("ids", "GetByIds")
	}
	if len(b.IDs) > maxGetByIDs {
		// Unconfirmed message; the limit of 1000 is documented.
		return c.fail(http.StatusBadRequest, "Request_BadRequest",
			fmt.Sprintf("Too many ids: %d. At most %d ids can be requested at once.", len(b.IDs), maxGetByIDs))
	}
	types := map[string]bool{}
	for _, t := range b.Types {
		lt := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(t, "#"), "microsoft.graph."))
		switch lt {
		case "user", "group", "serviceprincipal":
			types[lt] = true
		case "device", "application", "orgcontact", "directoryrole", "administrativeunit":
			types[lt] = true // valid types graphsim has none of
		default:
			return c.fail(http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid type '%s' in 'types'.", t))
		}
	}
	sel := c.selected()
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	value := []map[string]any{}
	for _, id := range b.IDs {
		o := c.s.st.principal(id)
		if o == nil || (len(types) > 0 && !types[strings.ToLower(o.kind)]) {
			continue
		}
		value = append(value, o.json(sel, false, true))
	}
	return c.ok(map[string]any{"@odata.context": c.context("directoryObjects"), "value": value})
}

// findObject finds a directory object by id, or a user by UPN.
func (c *call) findObject(key, kind string) *dirObject {
	st := c.s.st
	o := st.principal(key)
	if o == nil && kind == kindUser {
		o = st.upn[strings.ToLower(key)]
	}
	if o == nil || (kind != "" && o.kind != kind) {
		return nil
	}
	return o
}

func (c *call) getObject(kind, context string) *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	o := c.findObject(c.params[0], kind)
	if o == nil {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, context, o.json(c.selected(), false, kind == ""))
}

func (c *call) getUser() *response             { return c.getObject(kindUser, "users") }
func (c *call) getGroup() *response            { return c.getObject(kindGroup, "groups") }
func (c *call) getServicePrincipal() *response { return c.getObject(kindSP, "servicePrincipals") }
func (c *call) getDirectoryObject() *response  { return c.getObject("", "directoryObjects") }

var groupFilter = fields(field{name: "id"}, field{name: "displayName"})

// listGroups lists groups (filter on id and displayName): how a scope
// rule's group:<display name> is found.
func (c *call) listGroups() *response {
	q, bad := c.parseList(groupFilter)
	if bad != nil {
		return bad
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	groups := c.s.st.groups
	return c.pageDirectory(q, len(groups), func(i int) string { return groups[i].ID }).respond("groups")
}

// pageDirectory pages the n directory objects whose ids id gives, in that
// order. Call with the state locked.
func (c *call) pageDirectory(q *listQuery, n int, id func(int) string) *pager {
	st := c.s.st
	p := c.pager(q, st.roles)
	for i := range n {
		o := st.dir[migrate.MustGUID(id(i))]
		if !p.offer(uint64(i+1), zeroTime, func() map[string]any { return o.json(nil, true, false) }) {
			break
		}
	}
	return p
}

var userFilter = fields(
	field{name: "id"},
	field{name: "userPrincipalName"},
	field{name: "displayName"},
	field{name: "accountEnabled", kind: fBool, ops: "eq ne"},
	field{name: "userType"},
)

// listUsers lists users (filter on id, userPrincipalName, displayName,
// accountEnabled, userType).
func (c *call) listUsers() *response {
	q, bad := c.parseList(userFilter)
	if bad != nil {
		return bad
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	users := c.s.st.users
	p := c.pageDirectory(q, len(users), func(i int) string { return users[i].ID })
	if q.sel == nil {
		// Filter on every property, answer v1.0's default ones.
		p.shape = func(m map[string]any) map[string]any {
			delete(m, "accountEnabled")
			delete(m, "userType")
			return m
		}
	}
	return p.respond("users")
}

func (c *call) listOrganization() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	org := map[string]any{"id": st.tenantID, "displayName": st.displayName}
	return c.ok(map[string]any{"@odata.context": c.context("organization"), "value": []any{org}})
}
