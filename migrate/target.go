package migrate

import "time"

// TargetKind is what a plan item creates in unified role management.
type TargetKind string

// Target kinds, spelled as plan.json spells them.
const (
	// KindRoleAssignment is a unifiedRoleAssignment: standing access.
	KindRoleAssignment TargetKind = "roleAssignment"
	// KindEligibilityRequest is a unifiedRoleEligibilityScheduleRequest
	// (action adminAssign): eligible access, activated through PIM.
	KindEligibilityRequest TargetKind = "roleEligibilityScheduleRequest"
	// KindAssignmentScheduleRequest is a unifiedRoleAssignmentScheduleRequest
	// (action adminAssign): active access with a schedule (an end date).
	KindAssignmentScheduleRequest TargetKind = "roleAssignmentScheduleRequest"
)

// Expiration types of a schedule request's scheduleInfo.expiration.
const (
	ExpirationNone  = "noExpiration"
	ExpirationAfter = "afterDateTime"
)

// Expiration is scheduleInfo.expiration of a schedule request.
type Expiration struct {
	Type        string     `json:"type"`
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
}

// Target is what apply will create for a plan item.
type Target struct {
	Kind             TargetKind `json:"kind"`
	PrincipalID      GUID       `json:"principalId"`
	RoleDefinitionID GUID       `json:"roleDefinitionId"`
	// DirectoryScopeID is the directory provider's scope: "/", an
	// administrative unit, an attribute set or an app registration
	// (docs/design.md, "Scopes and providers"); empty for entitlement
	// management, whose scope is AppScopeID.
	DirectoryScopeID string `json:"directoryScopeId"`
	// Provider is ProviderEntitlement for an entitlement-management role
	// assignment, empty for the directory.
	Provider string `json:"provider,omitempty"`
	// AppScopeID is an entitlement-management assignment's scope: "/" or
	// "/AccessPackageCatalog/{id}".
	AppScopeID string `json:"appScopeId,omitempty"`
	// StartDateTime is set when the legacy assignment starts after asOf.
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	// Expiration is set for schedule requests, nil for a roleAssignment.
	Expiration    *Expiration `json:"expiration,omitempty"`
	Justification string      `json:"justification,omitempty"`
}

// ends returns the target's end and whether it has one.
func (t *Target) ends() (time.Time, bool) {
	if t.Expiration == nil || t.Expiration.EndDateTime == nil {
		return time.Time{}, false
	}
	return *t.Expiration.EndDateTime, true
}

// ScopeID is the target's scope, whichever the provider.
func (t *Target) ScopeID() string {
	if t.Provider == ProviderEntitlement {
		return t.AppScopeID
	}
	return t.DirectoryScopeID
}

// ProviderName is the target's provider, ProviderDirectory when empty.
func (t *Target) ProviderName() string {
	if t.Provider == "" {
		return ProviderDirectory
	}
	return t.Provider
}

// RequestBody is the exact JSON body apply POSTs for the target (to
// /roleManagement/directory/roleAssignments, roleEligibilityScheduleRequests
// or roleAssignmentScheduleRequests; an entitlement-management assignment
// to /roleManagement/entitlementManagement/roleAssignments). Review shows
// it; apply sends it.
func (t *Target) RequestBody() map[string]any {
	if t.Kind == KindRoleAssignment {
		body := map[string]any{
			"@odata.type":      "#microsoft.graph.unifiedRoleAssignment",
			"principalId":      t.PrincipalID.String(),
			"roleDefinitionId": t.RoleDefinitionID.String(),
		}
		if t.Provider == ProviderEntitlement {
			body["appScopeId"] = t.AppScopeID
		} else {
			body["directoryScopeId"] = t.DirectoryScopeID
		}
		return body
	}
	exp := map[string]any{"type": ExpirationNone}
	if t.Expiration != nil {
		exp["type"] = t.Expiration.Type
		if t.Expiration.EndDateTime != nil {
			exp["endDateTime"] = t.Expiration.EndDateTime.UTC().Format(time.RFC3339)
		}
	}
	sched := map[string]any{"expiration": exp}
	if t.StartDateTime != nil {
		sched["startDateTime"] = t.StartDateTime.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"action":           "adminAssign",
		"principalId":      t.PrincipalID.String(),
		"roleDefinitionId": t.RoleDefinitionID.String(),
		"directoryScopeId": t.DirectoryScopeID,
		"justification":    t.Justification,
		"scheduleInfo":     sched,
	}
}
