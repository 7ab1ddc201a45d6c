package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Write sends 1 to wire.MaxBatch writes as one JSON batch and returns Graph's
// answer to each, in the order of ops. A write refused by Graph is not an
// error of Write: its wire.Result carries the status, code, message, request id
// and Retry-After.
//
// Write does not retry. When the batch as a whole fails (throttled, 503,
// 504, a lost connection) it returns a *wire.Error saying whether trying again
// can help; any of the writes may have taken effect. Retries and back-off
// are the caller's: Graph throttles each item of a batch on its own, and the
// SDK retries none of them (docs/sdk.md, "Batches").
func (c *Client) Write(ctx context.Context, ops []wire.Op) ([]wire.Result, error) {
	const op = "write batch"
	switch {
	case len(ops) == 0:
		return nil, nil
	case len(ops) > wire.MaxBatch:
		return nil, fmt.Errorf("%s: %d writes; a batch holds at most %d", op, len(ops), wire.MaxBatch)
	}
	b := &batch{c: c}
	for i, o := range ops {
		ri, err := c.requestInfo(ctx, o)
		if err == nil {
			err = b.add(ri)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: write %d (%s): %w", op, i+1, o.Kind, err)
		}
	}
	answers, err := b.send(ctx)
	if err != nil {
		return nil, convert(op, err)
	}
	results := make([]wire.Result, len(ops))
	for i := range results {
		a, ok := answers[i]
		if !ok {
			results[i] = wire.Result{Message: "Graph's batch answer has no response for this write; it may or may not have taken effect"}
			continue
		}
		results[i] = a.result()
	}
	return results, nil
}

// Err is the result as an error, nil for a success (2xx): a *wire.Error with
// the write's operation, status, code, message and request id.
func resultErr(op string, r wire.Result) error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	return &wire.Error{Op: op, Status: r.Status, Code: r.Code, Message: r.Message, RequestID: r.RequestID,
		RetryAfter: r.RetryAfter, Retryable: r.Retryable, Hint: hint(r.Status, r.Code)}
}

// headerFold finds a header of a batch item by name in any case.
func headerFold(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// field finds a property by name, in any case when not exactly (Graph
// spells innerError also innererror).
func field(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// requestInfo is the request of one write, from the SDK's typed builders.
func (c *Client) requestInfo(ctx context.Context, o wire.Op) (*abs.RequestInformation, error) {
	dir := c.api.RoleManagement().Directory()
	t := o.Target
	if t.Provider == migrate.ProviderEntitlement {
		return c.entitlementRequest(ctx, o)
	}
	switch o.Kind {
	case wire.OpDeleteAssignment:
		if o.ObjectID == "" {
			return nil, errors.New("no roleAssignment id to delete")
		}
		return dir.RoleAssignments().ByUnifiedRoleAssignmentId(o.ObjectID).ToDeleteRequestInformation(ctx, nil)
	case wire.OpCreateAssignment, wire.OpCreateEligibility, wire.OpCreateActiveSchedule:
		// The op and the target must agree: a write never turns an
		// eligible target into standing access (docs/design.md, "Safety rules").
		if want := createKind(o.Kind); t.Kind != want {
			return nil, fmt.Errorf("target kind %q, want %q", t.Kind, want)
		}
	case wire.OpRemoveEligibility, wire.OpRemoveActiveSchedule:
	case wire.OpValidateEligibility, wire.OpValidateActiveSchedule:
		if want := createKind(o.Kind); t.Kind != want {
			return nil, fmt.Errorf("target kind %q, want %q", t.Kind, want)
		}
	case wire.OpUpdateRule:
		return ruleRequest(abs.PATCH, o.PolicyID, o.RuleID, o.Body)
	default:
		return nil, fmt.Errorf("unknown write kind %q", o.Kind)
	}
	if t.PrincipalID.IsZero() || t.RoleDefinitionID.IsZero() || t.DirectoryScopeID == "" {
		return nil, errors.New("the target needs a principal, a role and a directory scope")
	}
	switch o.Kind {
	case wire.OpCreateAssignment:
		return dir.RoleAssignments().ToPostRequestInformation(ctx, assignmentBody(t), nil)
	case wire.OpCreateEligibility, wire.OpRemoveEligibility, wire.OpValidateEligibility:
		body := models.NewUnifiedRoleEligibilityScheduleRequest()
		if err := fillScheduleRequest(body, t, o.Kind != wire.OpRemoveEligibility); err != nil {
			return nil, err
		}
		if o.Kind == wire.OpValidateEligibility {
			body.SetIsValidationOnly(ptr(true))
		}
		return dir.RoleEligibilityScheduleRequests().ToPostRequestInformation(ctx, body, nil)
	default: // wire.OpCreateActiveSchedule, wire.OpRemoveActiveSchedule, wire.OpValidateActiveSchedule
		body := models.NewUnifiedRoleAssignmentScheduleRequest()
		if err := fillScheduleRequest(body, t, o.Kind != wire.OpRemoveActiveSchedule); err != nil {
			return nil, err
		}
		if o.Kind == wire.OpValidateActiveSchedule {
			body.SetIsValidationOnly(ptr(true))
		}
		return dir.RoleAssignmentScheduleRequests().ToPostRequestInformation(ctx, body, nil)
	}
}

// entitlementRequest is a write of the entitlement-management provider:
// a unifiedRoleAssignment created at an app scope, or deleted by id.
// Nothing else exists there (no schedules, no validation-only form).
func (c *Client) entitlementRequest(ctx context.Context, o wire.Op) (*abs.RequestInformation, error) {
	em := c.api.RoleManagement().EntitlementManagement().RoleAssignments()
	t := o.Target
	switch {
	case o.Kind == wire.OpDeleteAssignment && o.ObjectID != "":
		return em.ByUnifiedRoleAssignmentId(o.ObjectID).ToDeleteRequestInformation(ctx, nil)
	case o.Kind == wire.OpDeleteAssignment:
		return nil, errors.New("no roleAssignment id to delete")
	case o.Kind != wire.OpCreateAssignment || t.Kind != migrate.KindRoleAssignment:
		return nil, fmt.Errorf("the entitlement-management provider has role assignments only, not %s of %s", o.Kind, t.Kind)
	case t.PrincipalID.IsZero() || t.RoleDefinitionID.IsZero() || t.AppScopeID == "":
		return nil, errors.New("the target needs a principal, a role and an app scope")
	}
	return em.ToPostRequestInformation(ctx, assignmentBody(t), nil)
}

// createKind is the target kind a create (or its validation) writes.
func createKind(k wire.OpKind) migrate.TargetKind {
	switch k {
	case wire.OpCreateEligibility, wire.OpValidateEligibility:
		return migrate.KindEligibilityRequest
	case wire.OpCreateActiveSchedule, wire.OpValidateActiveSchedule:
		return migrate.KindAssignmentScheduleRequest
	}
	return migrate.KindRoleAssignment
}

// assignmentBody is the unifiedRoleAssignment of t, at its directory
// scope or, for entitlement management, its app scope; it serializes to
// t.RequestBody().
func assignmentBody(t migrate.Target) models.UnifiedRoleAssignmentable {
	b := models.NewUnifiedRoleAssignment()
	b.SetOdataType(ptr("#microsoft.graph.unifiedRoleAssignment"))
	b.SetPrincipalId(ptr(t.PrincipalID.String()))
	b.SetRoleDefinitionId(ptr(t.RoleDefinitionID.String()))
	if t.Provider == migrate.ProviderEntitlement {
		b.SetAppScopeId(ptr(t.AppScopeID))
	} else {
		b.SetDirectoryScopeId(ptr(t.DirectoryScopeID))
	}
	return b
}

// scheduleRequest is what eligibility and assignment schedule requests
// have in common.
type scheduleRequest interface {
	SetAction(*models.UnifiedRoleScheduleRequestActions)
	SetPrincipalId(*string)
	SetRoleDefinitionId(*string)
	SetDirectoryScopeId(*string)
	SetJustification(*string)
	SetScheduleInfo(models.RequestScheduleable)
}

// fillScheduleRequest makes b an adminAssign of t that serializes to
// t.RequestBody(), or an adminRemove of t's principal, role and scope.
func fillScheduleRequest(b scheduleRequest, t migrate.Target, assign bool) error {
	action := models.ADMINREMOVE_UNIFIEDROLESCHEDULEREQUESTACTIONS
	if assign {
		action = models.ADMINASSIGN_UNIFIEDROLESCHEDULEREQUESTACTIONS
	}
	b.SetAction(&action)
	b.SetPrincipalId(ptr(t.PrincipalID.String()))
	b.SetRoleDefinitionId(ptr(t.RoleDefinitionID.String()))
	b.SetDirectoryScopeId(ptr(t.DirectoryScopeID))
	if !assign {
		if t.Justification != "" {
			b.SetJustification(ptr(t.Justification))
		}
		return nil
	}
	b.SetJustification(ptr(t.Justification)) // RequestBody sends it even when empty
	typ := migrate.ExpirationNone
	var end *time.Time
	if t.Expiration != nil {
		typ, end = t.Expiration.Type, t.Expiration.EndDateTime
	}
	pt, _ := models.ParseExpirationPatternType(typ)
	et, ok := pt.(*models.ExpirationPatternType)
	if !ok {
		return fmt.Errorf("expiration type %q is not one Graph knows", typ)
	}
	exp := models.NewExpirationPattern()
	exp.SetTypeEscaped(et)
	if end != nil {
		exp.SetEndDateTime(ptr(end.UTC()))
	}
	info := models.NewRequestSchedule()
	info.SetExpiration(exp)
	if t.StartDateTime != nil {
		info.SetStartDateTime(ptr(t.StartDateTime.UTC()))
	}
	b.SetScheduleInfo(info)
	return nil
}

func ptr[T any](v T) *T { return &v }
