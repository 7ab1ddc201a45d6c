package graphsim

import (
	"net/http"
	"sort"
	"strings"
)

type handler func(c *call) *response

// route is a URL template and its handlers by method.
type route struct {
	pattern string // "/v1.0/roleManagement/directory/roleAssignments/{id}"
	segs    []string
	legacy  bool // a legacy PIM route: 403 unless the tenant is registered
	methods map[string]handler
	// readPOST marks a POST that only reads (getByIds) and $batch, whose
	// items count one by one: neither is a write.
	readPOST bool
	// commits marks $batch: not a write itself, but a fault may strike it
	// after its items took effect.
	commits bool
}

func (rt *route) isWrite(method string) bool {
	switch method {
	case http.MethodPost:
		return !rt.readPOST
	case http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func (rt *route) allow() string {
	var m []string
	for k := range rt.methods {
		m = append(m, k)
	}
	sort.Strings(m)
	return strings.Join(m, ", ")
}

type routeOpt func(*route)

var legacyRoute routeOpt = func(r *route) { r.legacy = true }
var readPOST routeOpt = func(r *route) { r.readPOST = true }
var batchRoute routeOpt = func(r *route) { r.readPOST, r.commits = true, true }

// table lists every Graph route graphsim serves. A literal segment is
// listed before a {parameter} at the same place ("my" before "{id}").
func table() []*route {
	const rm = "/v1.0/roleManagement/directory"
	var rs []*route
	add := func(pattern string, m map[string]handler, opts ...routeOpt) {
		r := &route{pattern: pattern, segs: splitPath(pattern), methods: m}
		for _, o := range opts {
			o(r)
		}
		rs = append(rs, r)
	}
	type h = map[string]handler
	const get, post, del, put, patch = http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch

	// Legacy PIM, iteration 1.
	add("/beta/privilegedRoleAssignments", h{get: (*call).listPrivileged, post: (*call).createPrivileged}, legacyRoute)
	add("/beta/privilegedRoleAssignments/my", h{get: (*call).myPrivileged}, legacyRoute)
	add("/beta/privilegedRoleAssignments/{id}", h{get: (*call).getPrivileged, del: (*call).deletePrivileged}, legacyRoute)
	add("/beta/privilegedRoleAssignments/{id}/makePermanent", h{post: (*call).makePermanent}, legacyRoute)
	add("/beta/privilegedRoleAssignments/{id}/makeEligible", h{post: (*call).makeEligible}, legacyRoute)
	add("/beta/privilegedRoles", h{get: (*call).listPrivilegedRoles}, legacyRoute)
	add("/beta/privilegedRoles/{id}", h{get: (*call).getPrivilegedRole}, legacyRoute)
	add("/beta/privilegedRoles/{id}/assignments", h{get: (*call).privilegedRoleAssignmentsOf}, legacyRoute)
	add("/beta/privilegedRoles/{id}/settings", h{get: (*call).getPrivilegedRoleSettings, put: (*call).putPrivilegedRoleSettings}, legacyRoute)

	// Legacy PIM, iteration 2.
	add("/beta/privilegedAccess/aadRoles/roleAssignments", h{get: (*call).listGovernance}, legacyRoute)
	add("/beta/privilegedAccess/aadRoles/resources/{id}/roleAssignments", h{get: (*call).listGovernanceOfResource}, legacyRoute)
	add("/beta/privilegedAccess/aadRoles/roleSettings", h{get: (*call).listRoleSettings}, legacyRoute)
	add("/beta/privilegedAccess/aadRoles/roleSettings/{id}", h{get: (*call).getRoleSetting}, legacyRoute)
	add("/beta/privilegedAccess/aadRoles/resources/{id}/roleSettings", h{get: (*call).listRoleSettingsOfResource}, legacyRoute)

	// Unified role management.
	add(rm+"/roleAssignments", h{get: (*call).listRoleAssignments, post: (*call).createRoleAssignment})
	add(rm+"/roleAssignments/{id}", h{get: (*call).getRoleAssignment, del: (*call).deleteRoleAssignment})
	add(rm+"/roleDefinitions", h{get: (*call).listRoleDefinitions})
	add(rm+"/roleDefinitions/{id}", h{get: (*call).getRoleDefinition})
	add(rm+"/roleEligibilityScheduleRequests", h{get: (*call).listEligibilityRequests, post: (*call).createEligibilityRequest})
	add(rm+"/roleEligibilityScheduleRequests/{id}", h{get: (*call).getEligibilityRequest})
	add(rm+"/roleAssignmentScheduleRequests", h{get: (*call).listAssignmentRequests, post: (*call).createAssignmentRequest})
	add(rm+"/roleAssignmentScheduleRequests/{id}", h{get: (*call).getAssignmentRequest})
	add(rm+"/roleEligibilitySchedules", h{get: (*call).listEligibilitySchedules})
	add(rm+"/roleEligibilitySchedules/{id}", h{get: (*call).getEligibilitySchedule})
	add(rm+"/roleAssignmentSchedules", h{get: (*call).listAssignmentSchedules})
	add(rm+"/roleAssignmentSchedules/{id}", h{get: (*call).getAssignmentSchedule})
	add(rm+"/roleEligibilityScheduleInstances", h{get: (*call).listEligibilityInstances})
	add(rm+"/roleAssignmentScheduleInstances", h{get: (*call).listAssignmentInstances})

	// Entitlement management provider.
	const em = "/v1.0/roleManagement/entitlementManagement"
	add(em+"/roleDefinitions", h{get: (*call).listEMRoleDefinitions})
	add(em+"/roleDefinitions/{id}", h{get: (*call).getEMRoleDefinition})
	add(em+"/roleAssignments", h{get: (*call).listEMRoleAssignments, post: (*call).createEMRoleAssignment})
	add(em+"/roleAssignments/{id}", h{get: (*call).getEMRoleAssignment, del: (*call).deleteEMRoleAssignment})

	// Role management policies.
	const pol = "/v1.0/policies"
	add(pol+"/roleManagementPolicyAssignments", h{get: (*call).listPolicyAssignments})
	add(pol+"/roleManagementPolicyAssignments/{id}", h{get: (*call).getPolicyAssignment})
	add(pol+"/roleManagementPolicies", h{get: (*call).listPolicies})
	add(pol+"/roleManagementPolicies/{id}", h{get: (*call).getPolicy})
	add(pol+"/roleManagementPolicies/{id}/rules", h{get: (*call).listRules})
	add(pol+"/roleManagementPolicies/{id}/rules/{ruleId}", h{get: (*call).getRule, patch: (*call).patchRule})

	// Directory.
	add("/v1.0/directoryObjects/getByIds", h{post: (*call).getByIDs}, readPOST)
	add("/v1.0/directoryObjects/{id}", h{get: (*call).getDirectoryObject})
	add("/v1.0/users", h{get: (*call).listUsers})
	add("/v1.0/users/{id}", h{get: (*call).getUser})
	add("/v1.0/groups", h{get: (*call).listGroups})
	add("/v1.0/groups/{id}", h{get: (*call).getGroup})
	add("/v1.0/servicePrincipals/{id}", h{get: (*call).getServicePrincipal})
	add("/v1.0/organization", h{get: (*call).listOrganization})
	add("/v1.0/groups/{id}/transitiveMembers", h{get: (*call).listTransitiveMembers})
	add("/v1.0/directory/administrativeUnits", h{get: (*call).listAdministrativeUnits})
	add("/v1.0/directory/administrativeUnits/{id}", h{get: (*call).getAdministrativeUnit})
	add("/v1.0/directory/attributeSets", h{get: (*call).listAttributeSets})
	add("/v1.0/directory/attributeSets/{id}", h{get: (*call).getAttributeSet})
	add("/v1.0/applications", h{get: (*call).listApplications})
	add("/v1.0/applications/{id}", h{get: (*call).getApplication})
	add("/v1.0/identityGovernance/entitlementManagement/catalogs", h{get: (*call).listCatalogs})
	add("/v1.0/identityGovernance/entitlementManagement/catalogs/{id}", h{get: (*call).getCatalog})

	add("/v1.0/$batch", h{post: (*call).batch}, batchRoute)
	return rs
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route of a path. Segments compare case-insensitively, as
// Graph's do. When no route matches, segment is the first segment no route
// knows, for Graph's "Resource not found for the segment" message.
func match(routes []*route, path string) (rt *route, params []string, segment string) {
	segs := splitPath(path)
	for _, r := range routes {
		if len(r.segs) != len(segs) {
			continue
		}
		var ps []string
		ok := true
		for i, s := range r.segs {
			if strings.HasPrefix(s, "{") {
				ps = append(ps, segs[i])
			} else if !strings.EqualFold(s, segs[i]) {
				ok = false
				break
			}
		}
		if ok {
			return r, ps, ""
		}
	}
	for i := range segs {
		known := false
		for _, r := range routes {
			if len(r.segs) <= i {
				continue
			}
			prefix := true
			for j := 0; j <= i; j++ {
				if !strings.HasPrefix(r.segs[j], "{") && !strings.EqualFold(r.segs[j], segs[j]) {
					prefix = false
					break
				}
			}
			if prefix {
				known = true
				break
			}
		}
		if !known {
			return nil, nil, segs[i]
		}
	}
	if len(segs) == 0 {
		return nil, nil, "/"
	}
	return nil, nil, segs[len(segs)-1]
}
