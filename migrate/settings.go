package migrate

import "encoding/json"

// Role settings: the rules for using a role (how long an activation lasts,
// whether it needs MFA, a justification, a ticket or approval, who is told).
// Legacy PIM kept them per role (iteration 1: privilegedRoleSettings;
// iteration 2: governanceRoleSetting); unified role management keeps them
// as the rules of each role's unifiedRoleManagementPolicy.

// LegacySettings is one role's legacy PIM settings as one record gave
// them. Fields a record does not set are nil or empty: nothing is
// defaulted here.
type LegacySettings struct {
	// RoleID is the role's template id, as legacy assignments name roles.
	RoleID GUID   `json:"roleId"`
	Origin Origin `json:"origin"`
	// Source is where the record came from ("file#record", or "beta#n").
	Source string `json:"source"`

	// Iteration 1 (privilegedRoleSettings). Durations are ISO 8601 as
	// recorded (e.g. "PT8H"). MaxElevationDuration is the API's
	// "maxElavationDuration" (sic).
	ElevationDuration             string `json:"elevationDuration,omitempty"`
	MaxElevationDuration          string `json:"maxElevationDuration,omitempty"`
	MinElevationDuration          string `json:"minElevationDuration,omitempty"`
	MFAOnElevation                *bool  `json:"mfaOnElevation,omitempty"`
	IsMFAOnElevationConfigurable  *bool  `json:"isMfaOnElevationConfigurable,omitempty"`
	TicketingInfoOnElevation      *bool  `json:"ticketingInfoOnElevation,omitempty"`
	ApprovalOnElevation           *bool  `json:"approvalOnElevation,omitempty"`
	ApproverIDs                   []GUID `json:"approverIds,omitempty"`
	NotificationToUserOnElevation *bool  `json:"notificationToUserOnElevation,omitempty"`
	LastGlobalAdmin               *bool  `json:"lastGlobalAdmin,omitempty"`

	// Iteration 2 (governanceRoleSetting): the four rule lists, each rule's
	// setting kept as the JSON string the API gave. IsDefault is the
	// record's isDefault.
	IsDefault             *bool        `json:"isDefault,omitempty"`
	AdminEligibleSettings []LegacyRule `json:"adminEligibleSettings,omitempty"`
	AdminMemberSettings   []LegacyRule `json:"adminMemberSettings,omitempty"`
	UserEligibleSettings  []LegacyRule `json:"userEligibleSettings,omitempty"`
	UserMemberSettings    []LegacyRule `json:"userMemberSettings,omitempty"`
}

// LegacyRule is one iteration-2 rule: its identifier (ExpirationRule,
// MfaRule, JustificationRule, ApprovalRule, TicketingRule, AcrsRule,
// AttributeConditionRule, NotificationRule, or one unknown, kept) and its
// setting, a JSON string.
type LegacyRule struct {
	RuleIdentifier string `json:"ruleIdentifier"`
	Setting        string `json:"setting"`
}

// RolePolicy is a role's unified role management policy as the tenant
// holds it: the policy's id (DirectoryRole_{tenant}_{guid}, not the role's)
// and its rules, by rule id, exactly as Graph returned them.
type RolePolicy struct {
	// RoleID is the role definition id of the policy's assignment (for
	// built-in roles, the template id).
	RoleID   GUID
	PolicyID string
	Rules    map[string]json.RawMessage
}

// ApproverIDs are the approvers the legacy settings name, to look up in
// the tenant with the principals.
func (l *Legacy) ApproverIDs() []GUID {
	var out []GUID
	seen := map[GUID]bool{}
	for i := range l.Settings {
		cs, _ := legacyControls(&l.Settings[i])
		for _, c := range cs {
			for _, a := range c.approvers {
				if !seen[a.ID] {
					seen[a.ID] = true
					out = append(out, a.ID)
				}
			}
		}
	}
	return out
}
