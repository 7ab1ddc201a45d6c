package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
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
	batch := msgraphcore.NewBatchRequest(c.adapter)
	index := make(map[string]int, len(ops))
	for i, o := range ops {
		ri, err := c.requestInfo(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("%s: write %d (%s): %w", op, i+1, o.Kind, err)
		}
		item, err := batch.AddBatchRequestStep(*ri)
		if err != nil {
			return nil, fmt.Errorf("%s: write %d (%s): %w", op, i+1, o.Kind, err)
		}
		index[deref(item.GetId())] = i
	}
	resp, err := c.sendBatch(ctx, batch)
	if err != nil {
		return nil, convert(op, err)
	}
	results := make([]wire.Result, len(ops))
	answered := make([]bool, len(ops))
	for _, item := range resp.GetResponses() {
		if item == nil {
			continue
		}
		i, ok := index[deref(item.GetId())]
		if !ok || answered[i] {
			continue
		}
		answered[i] = true
		results[i] = itemResult(item)
	}
	for i := range results {
		if !answered[i] {
			results[i] = wire.Result{Message: "Graph's batch answer has no response for this write; it may or may not have taken effect"}
		}
	}
	return results, nil
}

// sendBatch posts the batch. It does what BatchRequest.Send does, but with
// Graph's error mapping, so a failed envelope carries Graph's code, message
// and request id (Send registers none and yields a bare ApiError). The SDK
// panics on some malformed answers (an item header that is not a string, an
// item without id or status in GetStatusCodes); a panic while reading the
// answer becomes an error.
func (c *Client) sendBatch(ctx context.Context, batch msgraphcore.BatchRequest) (resp msgraphcore.BatchResponse, err error) {
	ri := abs.NewRequestInformation()
	ri.Method = abs.POST
	ri.UrlTemplate = "{+baseurl}/$batch"
	if err := ri.SetContentFromParsable(ctx, c.adapter, "application/json", batch); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("the $batch answer could not be read: %v", p)
		}
	}()
	res, err := c.adapter.Send(ctx, ri, msgraphcore.CreateBatchResponseDiscriminator, errorMapping)
	if err != nil {
		return nil, err
	}
	br, ok := res.(msgraphcore.BatchResponse)
	if !ok || br == nil {
		return nil, errors.New("the $batch answer has no body")
	}
	return br, nil
}

// itemResult reads one response of a batch. The SDK hands an item's body
// over as a map whose strings are *string and whose objects are nested
// maps; header names keep the case the server sent.
func itemResult(item msgraphcore.BatchItem) wire.Result {
	var r wire.Result
	if s := item.GetStatus(); s != nil {
		r.Status = int(*s)
	}
	h := item.GetHeaders()
	body := asMap(map[string]any(item.GetBody()))
	r.RequestID = headerFold(h, "request-id")
	switch {
	case r.Status >= 200 && r.Status < 300:
		r.ObjectID = asString(field(body, "id"))
		r.TargetScheduleID = asString(field(body, "targetScheduleId"))
		r.RequestStatus = asString(field(body, "status"))
		return r
	case r.Status == 0:
		r.Message = "Graph's batch answer has no status for this write; it may or may not have taken effect"
		return r
	}
	e := asMap(field(body, "error"))
	r.Code = asString(field(e, "code"))
	r.Message = asString(field(e, "message"))
	if id := asString(field(asMap(field(e, "innerError")), "request-id")); id != "" {
		r.RequestID = id
	}
	if r.Message == "" {
		r.Message = http.StatusText(r.Status)
	}
	r.RetryAfter = parseRetryAfter(headerFold(h, "Retry-After"))
	r.Retryable = retryableStatus(r.Status)
	return r
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
	switch m := v.(type) {
	case map[string]any:
		return m
	case msgraphcore.RequestBody:
		return m
	}
	return nil
}

func asString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case *string:
		return deref(s)
	}
	return ""
}

// requestInfo is the request of one write, from the SDK's typed builders.
func (c *Client) requestInfo(ctx context.Context, o wire.Op) (*abs.RequestInformation, error) {
	dir := c.api.RoleManagement().Directory()
	t := o.Target
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
	default:
		return nil, fmt.Errorf("unknown write kind %q", o.Kind)
	}
	if t.PrincipalID.IsZero() || t.RoleDefinitionID.IsZero() || t.DirectoryScopeID == "" {
		return nil, errors.New("the target needs a principal, a role and a directory scope")
	}
	switch o.Kind {
	case wire.OpCreateAssignment:
		return dir.RoleAssignments().ToPostRequestInformation(ctx, assignmentBody(t), nil)
	case wire.OpCreateEligibility, wire.OpRemoveEligibility:
		body := models.NewUnifiedRoleEligibilityScheduleRequest()
		if err := fillScheduleRequest(body, t, o.Kind == wire.OpCreateEligibility); err != nil {
			return nil, err
		}
		return dir.RoleEligibilityScheduleRequests().ToPostRequestInformation(ctx, body, nil)
	default: // wire.OpCreateActiveSchedule, wire.OpRemoveActiveSchedule
		body := models.NewUnifiedRoleAssignmentScheduleRequest()
		if err := fillScheduleRequest(body, t, o.Kind == wire.OpCreateActiveSchedule); err != nil {
			return nil, err
		}
		return dir.RoleAssignmentScheduleRequests().ToPostRequestInformation(ctx, body, nil)
	}
}

// createKind is the target kind a create writes.
func createKind(k wire.OpKind) migrate.TargetKind {
	switch k {
	case wire.OpCreateEligibility:
		return migrate.KindEligibilityRequest
	case wire.OpCreateActiveSchedule:
		return migrate.KindAssignmentScheduleRequest
	}
	return migrate.KindRoleAssignment
}

// assignmentBody is the unifiedRoleAssignment of t; it serializes to
// t.RequestBody().
func assignmentBody(t migrate.Target) models.UnifiedRoleAssignmentable {
	b := models.NewUnifiedRoleAssignment()
	b.SetOdataType(ptr("#microsoft.graph.unifiedRoleAssignment"))
	b.SetPrincipalId(ptr(t.PrincipalID.String()))
	b.SetRoleDefinitionId(ptr(t.RoleDefinitionID.String()))
	b.SetDirectoryScopeId(ptr(t.DirectoryScopeID))
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
