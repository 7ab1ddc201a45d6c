package migrate

import "time"

// DirectoryScopeRoot is the tenant-wide directory scope, where every legacy
// PIM assignment lands.
const DirectoryScopeRoot = "/"

// RoleDefinition is a unifiedRoleDefinition (the fields the planner uses).
type RoleDefinition struct {
	ID          GUID   `json:"id"`
	DisplayName string `json:"displayName"`
	IsBuiltIn   bool   `json:"isBuiltIn"`
	IsEnabled   bool   `json:"isEnabled"`
	TemplateID  GUID   `json:"templateId"`
	// AllowedResourceActions are a custom role's permissions, which decide
	// the scopes it takes (ScopeAllowed); nil when not read.
	AllowedResourceActions []string `json:"allowedResourceActions,omitempty"`
}

// RoleAssignment is a unifiedRoleAssignment: standing (or currently active)
// access. Its id is opaque: never parse it.
type RoleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      GUID   `json:"principalId"`
	RoleDefinitionID GUID   `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
	// AppScopeID is an entitlement-management assignment's scope ("/" or
	// "/AccessPackageCatalog/{id}"); empty for the directory's.
	AppScopeID string `json:"appScopeId,omitempty"`
}

// EligibilitySchedule is a unifiedRoleEligibilitySchedule.
type EligibilitySchedule struct {
	ID               string `json:"id"`
	PrincipalID      GUID   `json:"principalId"`
	RoleDefinitionID GUID   `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
	// EndDateTime is when the eligibility ends (scheduleInfo.expiration:
	// endDateTime, or start + duration); nil when it does not end.
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
}

// Assignment types of a unifiedRoleAssignmentSchedule.
const (
	AssignmentTypeAssigned  = "Assigned"  // active access granted by an admin
	AssignmentTypeActivated = "Activated" // an eligibility activated through PIM
)

// AssignmentSchedule is a unifiedRoleAssignmentSchedule: the schedule behind
// a role assignment, permanent, time-bound or a PIM activation.
type AssignmentSchedule struct {
	ID               string `json:"id"`
	PrincipalID      GUID   `json:"principalId"`
	RoleDefinitionID GUID   `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
	// AssignmentType is AssignmentTypeAssigned or AssignmentTypeActivated.
	AssignmentType string `json:"assignmentType"`
	// EndDateTime is when the active access ends; nil when it does not end.
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
}

// Principal is a user, group or service principal as the planner needs it.
type Principal struct {
	ID                 GUID          `json:"id"`
	Type               PrincipalType `json:"type"`
	DisplayName        string        `json:"displayName"`
	UserPrincipalName  string        `json:"userPrincipalName,omitempty"`
	AccountEnabled     *bool         `json:"accountEnabled,omitempty"`
	UserType           string        `json:"userType,omitempty"`
	IsAssignableToRole *bool         `json:"isAssignableToRole,omitempty"`
	// OnPremisesSynced is true for a user whose account comes from an
	// on-premises directory or a federated identity provider
	// (onPremisesSyncEnabled, or an onPremisesImmutableId): not a
	// cloud-only account.
	OnPremisesSynced bool `json:"onPremisesSynced,omitempty"`
}

// Tenant is the state of the target tenant the planner compares against.
type Tenant struct {
	TenantID             string
	RoleDefinitions      []RoleDefinition
	RoleAssignments      []RoleAssignment
	EligibilitySchedules []EligibilitySchedule
	// AssignmentSchedules are read for audit only; nil when not read.
	AssignmentSchedules []AssignmentSchedule
	Principals          []Principal
	// Policies are the roles' role management policies; nil when not read.
	Policies []RolePolicy
	// Scopes are the objects scopes name and GroupMembers the transitive
	// members of the groups --scope-rules names (by the group reference as
	// the rules write it); read only for --scope-rules and --add.
	Scopes       ScopeObjects
	GroupMembers map[string][]GUID
	// EntitlementRoles and EntitlementAssignments are the
	// entitlement-management provider's role definitions and role
	// assignments; nil when not read (the planner then knows the built-in
	// roles, migrate.EntitlementRoles).
	EntitlementRoles       []RoleDefinition
	EntitlementAssignments []RoleAssignment
	// Offline is true when the tenant was not read: roles are the built-in
	// catalogue, principals are unknown and kept with a
	// principal-unverified warning, and nothing is found present.
	Offline bool
}

// OfflineTenant is the tenant an offline plan assumes: the built-in roles and
// nothing else known.
func OfflineTenant(c *Catalogue, tenantID string) *Tenant {
	return &Tenant{TenantID: tenantID, RoleDefinitions: c.RoleDefinitions(), Offline: true}
}

// Roles resolves a role referenced by template id or by directory-specific
// id to one definition, the way the planner and audit match roles.
type Roles struct {
	byID map[GUID]*RoleDefinition
	cat  *Catalogue
}

// NewRoles indexes a tenant's role definitions; cat supplies built-in names
// and the privileged label.
func NewRoles(defs []RoleDefinition, cat *Catalogue) *Roles {
	r := &Roles{byID: map[GUID]*RoleDefinition{}, cat: cat}
	for i := range defs {
		d := &defs[i]
		r.byID[d.ID] = d
	}
	for i := range defs { // a template id never shadows a definition's own id
		d := &defs[i]
		if _, taken := r.byID[d.TemplateID]; !d.TemplateID.IsZero() && !taken {
			r.byID[d.TemplateID] = d
		}
	}
	return r
}

func (r *Roles) lookup(id GUID) *RoleDefinition { return r.byID[id] }

// Canonical is the id a role is keyed and assigned by: its template id
// when it has one (Graph accepts a built-in role's template id as
// roleDefinitionId), else its own id.
func (r *Roles) Canonical(id GUID) GUID {
	if d := r.byID[id]; d != nil && !d.TemplateID.IsZero() {
		return d.TemplateID
	}
	return id
}

// Definition returns the role definition with this id or template id.
func (r *Roles) Definition(id GUID) (RoleDefinition, bool) {
	d := r.lookup(id)
	if d == nil {
		return RoleDefinition{}, false
	}
	return *d, true
}

// Info names the role for people and says whether the built-in catalogue
// labels it privileged.
func (r *Roles) Info(id GUID) RoleInfo {
	id = r.Canonical(id)
	var info RoleInfo
	if d := r.byID[id]; d != nil {
		info.DisplayName = d.DisplayName
	}
	if c, ok := r.cat.Lookup(id); ok {
		info.Privileged = c.Privileged
		if info.DisplayName == "" {
			info.DisplayName = c.DisplayName
		}
	}
	return info
}
