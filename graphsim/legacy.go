package graphsim

import (
	"net/http"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Legacy PIM, iteration 1: /beta/privilegedRoleAssignments and
// /beta/privilegedRoles (docs/graph.md, "Legacy PIM, iteration 1").

const privContext = "privilegedRoleAssignments"

// privFilter is what the legacy list filters on: the two fields that make
// up the state (the list doc's examples). Nothing else.
var privFilter = fields(
	field{name: "isElevated", kind: fBool, ops: "eq"},
	field{name: "expirationDateTime", kind: fNullable, ops: "eq ne"},
)

func privJSON(a *PrivilegedRoleAssignment, st *state, expand map[string]bool) map[string]any {
	m := map[string]any{
		"id":                 a.ID,
		"userId":             a.UserID,
		"roleId":             a.RoleID,
		"isElevated":         a.IsElevated,
		"expirationDateTime": timeOrNil(a.ExpirationDateTime),
		"resultMessage":      nil,
	}
	if a.ResultMessage != nil {
		m["resultMessage"] = *a.ResultMessage
	}
	if expand["roleinfo"] {
		m["roleInfo"] = nil
		if g, err := migrate.ParseGUID(a.RoleID); err == nil {
			if r := st.roles.lookup(g); r != nil {
				m["roleInfo"] = privRoleJSON(r, st, nil)
			}
		}
	}
	return m
}

// privRoleJSON is a privilegedRole: {id: templateId, name: displayName},
// and its settings (null when it has none) when $expand asks for them.
func privRoleJSON(r *roleDef, st *state, expand map[string]bool) map[string]any {
	m := map[string]any{"id": r.templateStr, "name": r.displayName}
	if expand["settings"] {
		m["settings"] = nil
		if e := st.privSettingsOf(r); e != nil {
			m["settings"] = privSettingsJSON(&e.v)
		}
	}
	return m
}

// listPrivilegedWhere lists the legacy assignments that keep passes.
func (c *call) listPrivilegedWhere(keep func(*PrivilegedRoleAssignment) bool) *response {
	return listEntries(c, privFilter, nil, privContext, func(st *state) []*entry[PrivilegedRoleAssignment] { return st.priv.list },
		func(st *state, q *listQuery, e *entry[PrivilegedRoleAssignment]) map[string]any {
			if keep != nil && !keep(&e.v) {
				return nil
			}
			return privJSON(&e.v, st, q.expand)
		})
}

func (c *call) listPrivileged() *response { return c.listPrivilegedWhere(nil) }

// myPrivileged lists the caller's assignments: the caller is
// Options.CallerID or the seed's first user.
func (c *call) myPrivileged() *response {
	c.s.mu.RLock()
	caller := c.s.st.caller
	c.s.mu.RUnlock()
	return c.listPrivilegedWhere(func(a *PrivilegedRoleAssignment) bool {
		return caller != "" && strings.EqualFold(a.UserID, caller)
	})
}

// visiblePriv finds a legacy assignment by id (any case) if it can be read.
func (c *call) visiblePriv(id string) *entry[PrivilegedRoleAssignment] {
	e := c.s.st.priv.get(id)
	if e == nil || !c.visible(e.created) {
		return nil
	}
	return e
}

func (c *call) getPrivileged() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	e := c.visiblePriv(c.params[0])
	if e == nil {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, privContext, privJSON(&e.v, c.s.st, c.expanded()))
}

// createPrivileged makes userId eligible for roleId. Unconfirmed: what the
// legacy API created exactly; graphsim creates an eligible, not elevated,
// permanent-eligibility assignment, the safest reading (never standing
// access).
func (c *call) createPrivileged() *response {
	var b struct {
		UserID string `json:"userId"`
		RoleID string `json:"roleId"`
	}
	if r := c.decode(&b, false); r != nil {
		return r
	}
	u, err := migrate.ParseGUID(b.UserID)
	if err != nil {
		return c.invalidProperty("userId", "PrivilegedRoleAssignment")
	}
	rl, err := migrate.ParseGUID(b.RoleID)
	if err != nil {
		return c.invalidProperty("roleId", "PrivilegedRoleAssignment")
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	if o := st.dir[u]; o == nil || o.kind != kindUser {
		return c.notFound(b.UserID)
	}
	role := st.roles.lookup(rl)
	if role == nil {
		return c.notFound(b.RoleID)
	}
	id := migrate.Key(u, role.templateID)
	if st.priv.get(id) != nil {
		// Unconfirmed: the legacy API's code for an existing assignment.
		r := c.fail(http.StatusBadRequest, "RoleAssignmentExists", "The Role assignment already exists.")
		r.dupRefused = true
		return r
	}
	a := PrivilegedRoleAssignment{ID: id, UserID: u.String(), RoleID: role.templateStr}
	st.priv.add(id, &entry[PrivilegedRoleAssignment]{seq: st.next(), created: c.now, v: a})
	return c.entity(http.StatusCreated, privContext, privJSON(&a, st, nil))
}

func (c *call) deletePrivileged() *response {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	e := c.visiblePriv(c.params[0])
	if e == nil {
		return c.notFound(c.params[0])
	}
	c.s.st.priv.remove(e.v.ID)
	return c.noContent()
}

// makePermanent makes the assignment standing: elevated, no expiry. The
// optional body (reason, ticketNumber, ticketSystem) is accepted and
// ignored.
func (c *call) makePermanent() *response {
	var b struct {
		Reason       string `json:"reason"`
		TicketNumber string `json:"ticketNumber"`
		TicketSystem string `json:"ticketSystem"`
	}
	if r := c.decode(&b, true); r != nil {
		return r
	}
	return c.changePrivileged(func(a *PrivilegedRoleAssignment) {
		a.IsElevated = true
		a.ExpirationDateTime = nil
	})
}

// makeEligible makes the assignment eligible; an eligible one (not
// elevated) is left as it is.
func (c *call) makeEligible() *response {
	return c.changePrivileged(func(a *PrivilegedRoleAssignment) {
		if a.IsElevated {
			a.IsElevated = false
			a.ExpirationDateTime = nil
		}
	})
}

func (c *call) changePrivileged(change func(*PrivilegedRoleAssignment)) *response {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	e := c.visiblePriv(c.params[0])
	if e == nil {
		return c.notFound(c.params[0])
	}
	change(&e.v)
	return c.entity(http.StatusOK, privContext, privJSON(&e.v, c.s.st, nil))
}

// listPrivilegedRoles lists the roles: the role definitions as {id:
// templateId, name: displayName}, each template once (a directory-specific
// definition of a built-in role is the same privilegedRole).
func (c *call) listPrivilegedRoles() *response {
	q, bad := c.parseList(nil)
	if bad != nil {
		return bad
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	p := c.pager(q, st.roles)
	for _, r := range st.roles.list {
		if st.roles.byTemplate[r.templateID] != r {
			continue
		}
		if !p.offer(r.seq, zeroTime, func() map[string]any { return privRoleJSON(r, st, q.expand) }) {
			break
		}
	}
	return p.respond("privilegedRoles")
}

func (c *call) privilegedRole() *roleDef {
	g, err := migrate.ParseGUID(c.params[0])
	if err != nil {
		return nil
	}
	return c.s.st.roles.lookup(g)
}

func (c *call) getPrivilegedRole() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	r := c.privilegedRole()
	if r == nil {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, "privilegedRoles", privRoleJSON(r, c.s.st, c.expanded()))
}

// privilegedRoleAssignmentsOf lists the legacy assignments of one role.
func (c *call) privilegedRoleAssignmentsOf() *response {
	c.s.mu.RLock()
	r := c.privilegedRole()
	c.s.mu.RUnlock()
	if r == nil {
		return c.notFound(c.params[0])
	}
	return c.listPrivilegedWhere(func(a *PrivilegedRoleAssignment) bool {
		g, err := migrate.ParseGUID(a.RoleID)
		return err == nil && c.s.st.roles.canonical(g) == r.templateID
	})
}
