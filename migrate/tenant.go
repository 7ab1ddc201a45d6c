package migrate

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
}

// RoleAssignment is a unifiedRoleAssignment: standing (or currently active)
// access. Its id is opaque: never parse it.
type RoleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      GUID   `json:"principalId"`
	RoleDefinitionID GUID   `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
}

// EligibilitySchedule is a unifiedRoleEligibilitySchedule.
type EligibilitySchedule struct {
	ID               string `json:"id"`
	PrincipalID      GUID   `json:"principalId"`
	RoleDefinitionID GUID   `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
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
}

// Tenant is the state of the target tenant the planner compares against.
type Tenant struct {
	TenantID             string
	RoleDefinitions      []RoleDefinition
	RoleAssignments      []RoleAssignment
	EligibilitySchedules []EligibilitySchedule
	Principals           []Principal
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
