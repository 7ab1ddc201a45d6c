package wire

import (
	"encoding/json"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// MaxBatch is the most writes one Write sends: Graph's limit of requests
// in one JSON batch (docs/graph.md, "JSON batching").
const MaxBatch = 20

// OpKind says what one write does.
type OpKind string

// The writes apply and rollback make.
const (
	// OpCreateAssignment POSTs a unifiedRoleAssignment to
	// /roleManagement/directory/roleAssignments, or, for a Target of the
	// entitlement-management provider, to
	// /roleManagement/entitlementManagement/roleAssignments.
	OpCreateAssignment OpKind = "createRoleAssignment"
	// OpCreateEligibility POSTs an adminAssign
	// unifiedRoleEligibilityScheduleRequest.
	OpCreateEligibility OpKind = "createEligibility"
	// OpCreateActiveSchedule POSTs an adminAssign
	// unifiedRoleAssignmentScheduleRequest.
	OpCreateActiveSchedule OpKind = "createActiveSchedule"
	// OpDeleteAssignment DELETEs /roleManagement/directory/roleAssignments/{ObjectID}
	// (/roleManagement/entitlementManagement/roleAssignments/{ObjectID} for
	// a Target of that provider).
	OpDeleteAssignment OpKind = "deleteRoleAssignment"
	// OpRemoveEligibility POSTs an adminRemove eligibility schedule request.
	OpRemoveEligibility OpKind = "removeEligibility"
	// OpRemoveActiveSchedule POSTs an adminRemove assignment schedule request.
	OpRemoveActiveSchedule OpKind = "removeActiveSchedule"
	// OpUpdateRule PATCHes /policies/roleManagementPolicies/{PolicyID}/rules/{RuleID}
	// with Body, the rule's whole JSON (its @odata.type, id and target
	// included). Graph answers 204, or 200 with the rule.
	OpUpdateRule OpKind = "updateRule"
	// OpValidateEligibility and OpValidateActiveSchedule POST the adminAssign
	// schedule request of Target with isValidationOnly true: Graph checks
	// it against the role's policy and creates nothing (plan --preflight).
	OpValidateEligibility    OpKind = "validateEligibility"
	OpValidateActiveSchedule OpKind = "validateActiveSchedule"
)

// ValidateOp is the validation-only op of a plan target, and false for a
// unifiedRoleAssignment, which has no validation-only form.
func ValidateOp(t migrate.Target) (Op, bool) {
	switch t.Kind {
	case migrate.KindEligibilityRequest:
		return Op{Kind: OpValidateEligibility, Target: t}, true
	case migrate.KindAssignmentScheduleRequest:
		return Op{Kind: OpValidateActiveSchedule, Target: t}, true
	}
	return Op{}, false
}

// CreateOp is the op that creates a plan target.
func CreateOp(t migrate.Target) Op {
	switch t.Kind {
	case migrate.KindEligibilityRequest:
		return Op{Kind: OpCreateEligibility, Target: t}
	case migrate.KindAssignmentScheduleRequest:
		return Op{Kind: OpCreateActiveSchedule, Target: t}
	}
	return Op{Kind: OpCreateAssignment, Target: t}
}

// Op is one write.
type Op struct {
	Kind   OpKind
	Target migrate.Target
	// ObjectID is the roleAssignment to delete (OpDeleteAssignment).
	ObjectID string
	// PolicyID, RuleID and Body are the rule an OpUpdateRule writes.
	PolicyID, RuleID string
	Body             json.RawMessage
}

// Result is Graph's answer to one write of a batch.
//
// Status 0 means the batch answer held no response for the write: its
// outcome is unknown (it may have taken effect), as after a lost
// connection; reconcile with Find before sending it again.
type Result struct {
	Status     int // the item's HTTP status
	Code       string
	Message    string
	RequestID  string
	RetryAfter time.Duration
	// ObjectID is the id of what a create made: the roleAssignment, or the
	// schedule request.
	ObjectID string
	// TargetScheduleID is the schedule a schedule request created or
	// removed (requests are purged after about 45 days, schedules are not).
	TargetScheduleID string
	// RequestStatus is a schedule request's status: Provisioned for an
	// adminAssign that took effect, Revoked for an adminRemove; a 201 can
	// also carry PendingApproval, Failed, Denied … which grant nothing.
	RequestStatus string
	// Retryable says whether sending the same write again can help: 429,
	// 503 and 504 (honour RetryAfter, or back off when it is 0).
	Retryable bool
}

// Object is what Get reads back of a role assignment or schedule.
type Object struct {
	ID               string
	PrincipalID      migrate.GUID
	RoleDefinitionID migrate.GUID
	DirectoryScopeID string
	// AppScopeID is an entitlement-management assignment's scope.
	AppScopeID string
}

// ScopeID is the object's scope for its provider.
func (o Object) ScopeID(provider string) string {
	if provider == migrate.ProviderEntitlement {
		return o.AppScopeID
	}
	return o.DirectoryScopeID
}

// Probe asks whether an object is in the tenant: by its id when ID is set
// (a roleAssignment id, or a schedule id for the schedule kinds), otherwise
// by what it grants (Target's principal, role and directory scope).
type Probe struct {
	Kind   migrate.TargetKind
	ID     string
	Target migrate.Target
	// Rule, when set, asks for a role management policy rule instead:
	// GET /policies/roleManagementPolicies/{PolicyID}/rules/{RuleID}.
	Rule *RuleRef
}

// RuleRef names one rule of a role management policy.
type RuleRef struct {
	PolicyID, RuleID string
}

// Sighting is Graph's answer to one probe.
//
// Found false with Err nil means Graph answered that there is no such
// object now. Right after a write that is no proof (reads lag:
// docs/graph.md, "Eventual consistency"); the caller judges. Err is set when the answer says nothing either
// way (throttled, 5xx, an unreadable body): look again later.
type Sighting struct {
	Found  bool
	Object Object
	// Body is the rule as Graph returned it, for a Rule probe.
	Body json.RawMessage
	Err  *Error
}
