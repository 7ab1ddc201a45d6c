package graphsim

import (
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Legacy PIM, iteration 2: governanceRoleAssignments of the aadRoles
// provider (docs/graph.md, "Legacy PIM, iteration 2"). Read-only.

var govFilter = fields(
	field{name: "subjectId"},
	field{name: "roleDefinitionId", kind: fRole},
	field{name: "assignmentState"},
	field{name: "memberType"},
	field{name: "resourceId"},
)

func govJSON(a *GovernanceRoleAssignment, st *state, expand map[string]bool) map[string]any {
	res := a.ResourceID
	if res == "" {
		res = st.tenantID
	}
	m := map[string]any{
		"id":                             a.ID,
		"resourceId":                     res,
		"roleDefinitionId":               a.RoleDefinitionID,
		"subjectId":                      a.SubjectID,
		"linkedEligibleRoleAssignmentId": strOrNil(a.LinkedEligibleRoleAssignmentID),
		"externalId":                     strOrNil(a.ExternalID),
		"startDateTime":                  timeOrNil(a.StartDateTime),
		"endDateTime":                    timeOrNil(a.EndDateTime),
		"assignmentState":                strOrNil(a.AssignmentState),
		"memberType":                     strOrNil(a.MemberType),
		"status":                         strOrNil(a.Status),
	}
	if expand["subject"] {
		m["subject"] = nil
		if o := st.principal(a.SubjectID); o != nil {
			subj := map[string]any{"id": o.id(), "displayName": o.displayName(), "principalName": nil, "email": nil}
			switch o.kind {
			case kindUser:
				subj["type"] = "User"
				subj["principalName"] = strOrNil(o.user.UserPrincipalName)
			case kindGroup:
				subj["type"] = "Group"
			default:
				subj["type"] = "ServicePrincipal"
				subj["principalName"] = strOrNil(o.sp.AppID)
			}
			m["subject"] = subj
		}
	}
	if expand["roledefinition"] {
		m["roleDefinition"] = nil
		if g, err := migrate.ParseGUID(a.RoleDefinitionID); err == nil {
			if r := st.roles.lookup(g); r != nil {
				typ := "BuiltInRole"
				if !r.isBuiltIn {
					typ = "CustomRole"
				}
				m["roleDefinition"] = map[string]any{
					"id": a.RoleDefinitionID, "resourceId": res, "externalId": r.templateStr,
					"templateId": r.templateStr, "displayName": r.displayName, "type": typ,
				}
			}
		}
	}
	return m
}

func (c *call) listGovernance() *response { return c.governance() }

// listGovernanceOfResource lists one resource's assignments: for aadRoles
// the only resource is the tenant.
func (c *call) listGovernanceOfResource() *response { return c.ofTenant(c.governance) }

// ofTenant answers list for the aadRoles resource named by the route's
// parameter, which must be the tenant (404 otherwise).
func (c *call) ofTenant(list func() *response) *response {
	c.s.mu.RLock()
	tenant := c.s.st.tenantID
	c.s.mu.RUnlock()
	if !strings.EqualFold(c.params[0], tenant) {
		return c.notFound(c.params[0])
	}
	return list()
}

func (c *call) governance() *response {
	return listEntries(c, govFilter, nil, "governanceRoleAssignments", func(st *state) []*entry[GovernanceRoleAssignment] { return st.gov.list },
		func(st *state, q *listQuery, e *entry[GovernanceRoleAssignment]) map[string]any {
			return govJSON(&e.v, st, q.expand)
		})
}
