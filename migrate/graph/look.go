package graph

import (
	"context"
	"fmt"

	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	rm "github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Probe asks whether an object is in the tenant: by its id when ID is set
// (a roleAssignment id, or a schedule id for the schedule kinds), otherwise
// by what it grants (Target's principal, role and directory scope).
type Probe struct {
	Kind   migrate.TargetKind
	ID     string
	Target migrate.Target
}

// Sighting is Graph's answer to one probe.
//
// Found false with Err nil means Graph answered that there is no such
// object now. Right after a write that is no proof (docs/graph.md, "Eventual consistency": reads
// lag); the caller judges. Err is set when the answer says nothing either
// way (throttled, 5xx, an unreadable body): look again later.
type Sighting struct {
	Found  bool
	Object Object
	Err    *Error
}

// Look answers up to MaxBatch probes with one JSON batch of GETs. It does
// not retry: a probe whose answer says nothing has Err set, and an error
// is returned only when the batch as a whole got no answer.
func (c *Client) Look(ctx context.Context, probes []Probe) ([]Sighting, error) {
	const op = "look up batch"
	switch {
	case len(probes) == 0:
		return nil, nil
	case len(probes) > MaxBatch:
		return nil, fmt.Errorf("%s: %d probes; a batch holds at most %d", op, len(probes), MaxBatch)
	}
	batch := msgraphcore.NewBatchRequest(c.adapter)
	index := make(map[string]int, len(probes))
	for i, p := range probes {
		ri, err := c.probeInfo(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("%s: probe %d (%s): %w", op, i+1, p.Kind, err)
		}
		item, err := batch.AddBatchRequestStep(*ri)
		if err != nil {
			return nil, fmt.Errorf("%s: probe %d (%s): %w", op, i+1, p.Kind, err)
		}
		index[deref(item.GetId())] = i
	}
	resp, err := c.sendBatch(ctx, batch)
	if err != nil {
		return nil, convert(op, err)
	}
	out := make([]Sighting, len(probes))
	answered := make([]bool, len(probes))
	for _, item := range resp.GetResponses() {
		if item == nil {
			continue
		}
		i, ok := index[deref(item.GetId())]
		if !ok || answered[i] {
			continue
		}
		answered[i] = true
		out[i] = sighting(probes[i], itemResult(item), asMap(map[string]any(item.GetBody())))
	}
	for i := range out {
		if !answered[i] {
			out[i].Err = &Error{Op: op, Message: "Graph's batch answer has no response for this probe", Retryable: true}
		}
	}
	return out, nil
}

// sighting reads one probe's answer: a 404 to a GET by id and an empty
// list to a GET by filter are "not there"; any other failure says nothing.
func sighting(p Probe, r Result, body map[string]any) Sighting {
	op := "look up " + string(p.Kind)
	switch {
	case r.Status == 404 && p.ID != "":
		return Sighting{}
	case r.Status < 200 || r.Status >= 300:
		e := r.Err(op).(*Error)
		return Sighting{Err: e}
	}
	obj := body
	if p.ID == "" {
		list, _ := field(body, "value").([]any)
		if len(list) == 0 {
			return Sighting{}
		}
		obj = asMap(list[0])
	}
	o, err := objectFromMap(obj)
	if err != nil {
		return Sighting{Err: &Error{Op: op, Status: r.Status, Message: err.Error(), Retryable: true}}
	}
	return Sighting{Found: true, Object: o}
}

// objectFromMap reads id, principal, role and scope from a batch body.
func objectFromMap(m map[string]any) (Object, error) {
	o := Object{ID: asString(field(m, "id")), DirectoryScopeID: asString(field(m, "directoryScopeId"))}
	var err error
	if o.PrincipalID, err = migrate.ParseGUID(asString(field(m, "principalId"))); err != nil {
		return Object{}, fmt.Errorf("principalId: %w", err)
	}
	if o.RoleDefinitionID, err = migrate.ParseGUID(asString(field(m, "roleDefinitionId"))); err != nil {
		return Object{}, fmt.Errorf("roleDefinitionId: %w", err)
	}
	if o.ID == "" {
		return Object{}, fmt.Errorf("no id")
	}
	return o, nil
}

// lookFields are the properties a probe reads.
var lookFields = []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}

// probeInfo is the GET of one probe, from the SDK's typed builders.
func (c *Client) probeInfo(ctx context.Context, p Probe) (*abs.RequestInformation, error) {
	dir := c.api.RoleManagement().Directory()
	if p.ID != "" {
		switch p.Kind {
		case migrate.KindRoleAssignment:
			return dir.RoleAssignments().ByUnifiedRoleAssignmentId(p.ID).ToGetRequestInformation(ctx,
				&rm.DirectoryRoleAssignmentsUnifiedRoleAssignmentItemRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentsUnifiedRoleAssignmentItemRequestBuilderGetQueryParameters{Select: lookFields}})
		case migrate.KindEligibilityRequest:
			return dir.RoleEligibilitySchedules().ByUnifiedRoleEligibilityScheduleId(p.ID).ToGetRequestInformation(ctx,
				&rm.DirectoryRoleEligibilitySchedulesUnifiedRoleEligibilityScheduleItemRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleEligibilitySchedulesUnifiedRoleEligibilityScheduleItemRequestBuilderGetQueryParameters{Select: lookFields}})
		case migrate.KindAssignmentScheduleRequest:
			return dir.RoleAssignmentSchedules().ByUnifiedRoleAssignmentScheduleId(p.ID).ToGetRequestInformation(ctx,
				&rm.DirectoryRoleAssignmentSchedulesUnifiedRoleAssignmentScheduleItemRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentSchedulesUnifiedRoleAssignmentScheduleItemRequestBuilderGetQueryParameters{Select: lookFields}})
		}
		return nil, fmt.Errorf("unknown target kind %q", p.Kind)
	}
	if p.Target.PrincipalID.IsZero() || p.Target.RoleDefinitionID.IsZero() || p.Target.DirectoryScopeID == "" {
		return nil, fmt.Errorf("a probe by target needs a principal, a role and a directory scope")
	}
	filter := targetFilter(p.Target)
	switch p.Kind {
	case migrate.KindRoleAssignment:
		return dir.RoleAssignments().ToGetRequestInformation(ctx, &rm.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
			QueryParameters: &rm.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{Filter: &filter, Select: lookFields}})
	case migrate.KindEligibilityRequest:
		return dir.RoleEligibilitySchedules().ToGetRequestInformation(ctx, &rm.DirectoryRoleEligibilitySchedulesRequestBuilderGetRequestConfiguration{
			QueryParameters: &rm.DirectoryRoleEligibilitySchedulesRequestBuilderGetQueryParameters{Filter: &filter, Select: lookFields}})
	case migrate.KindAssignmentScheduleRequest:
		return dir.RoleAssignmentSchedules().ToGetRequestInformation(ctx, &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetRequestConfiguration{
			QueryParameters: &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetQueryParameters{Filter: &filter, Select: lookFields}})
	}
	return nil, fmt.Errorf("unknown target kind %q", p.Kind)
}
