package graph

import (
	"context"
	"fmt"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	rm "github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Look answers up to wire.MaxBatch probes with one JSON batch of GETs. It does
// not retry: a probe whose answer says nothing has Err set, and an error
// is returned only when the batch as a whole got no answer.
func (c *Client) Look(ctx context.Context, probes []wire.Probe) ([]wire.Sighting, error) {
	const op = "look up batch"
	switch {
	case len(probes) == 0:
		return nil, nil
	case len(probes) > wire.MaxBatch:
		return nil, fmt.Errorf("%s: %d probes; a batch holds at most %d", op, len(probes), wire.MaxBatch)
	}
	b := &batch{c: c}
	for i, p := range probes {
		ri, err := c.probeInfo(ctx, p)
		if err == nil {
			err = b.add(ri)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: probe %d (%s): %w", op, i+1, probeName(p), err)
		}
	}
	answers, err := b.send(ctx)
	if err != nil {
		return nil, convert(op, err)
	}
	out := make([]wire.Sighting, len(probes))
	for i := range out {
		a, ok := answers[i]
		if !ok {
			out[i].Err = &wire.Error{Op: op, Message: "Graph's batch answer has no response for this probe", Retryable: true}
			continue
		}
		out[i] = sighting(probes[i], &a)
	}
	return out, nil
}

// probeName names what a probe looks for, in errors.
func probeName(p wire.Probe) string {
	if p.Rule != nil {
		return "rule " + p.Rule.RuleID + " of policy " + p.Rule.PolicyID
	}
	return string(p.Kind)
}

// sighting reads one probe's answer: a 404 to a GET by id (a rule's
// included) and an empty list to a GET by filter are "not there"; any
// other failure says nothing.
func sighting(p wire.Probe, a *batchAnswer) wire.Sighting {
	op := "look up " + probeName(p)
	r := a.result()
	switch {
	case r.Status == 404 && (p.ID != "" || p.Rule != nil):
		return wire.Sighting{}
	case r.Status < 200 || r.Status >= 300:
		return wire.Sighting{Err: resultErr(op, r).(*wire.Error)}
	case p.Rule != nil:
		body, err := withoutMember(a.Body, "@odata.context")
		if err != nil {
			return wire.Sighting{Err: &wire.Error{Op: op, Status: r.Status, Message: "the rule is not a JSON object: " + err.Error(), Retryable: true}}
		}
		return wire.Sighting{Found: true, Body: body}
	}
	obj := a.object()
	if p.ID == "" {
		list, _ := field(obj, "value").([]any)
		if len(list) == 0 {
			return wire.Sighting{}
		}
		obj = asMap(list[0])
	}
	o, err := objectFromMap(obj)
	if err != nil {
		return wire.Sighting{Err: &wire.Error{Op: op, Status: r.Status, Message: err.Error(), Retryable: true}}
	}
	return wire.Sighting{Found: true, Object: o}
}

// objectFromMap reads id, principal, role and scope from a batch body.
func objectFromMap(m map[string]any) (wire.Object, error) {
	o := wire.Object{ID: asString(field(m, "id")), DirectoryScopeID: asString(field(m, "directoryScopeId")), AppScopeID: asString(field(m, "appScopeId"))}
	var err error
	if o.PrincipalID, err = migrate.ParseGUID(asString(field(m, "principalId"))); err != nil {
		return wire.Object{}, fmt.Errorf("principalId: %w", err)
	}
	if o.RoleDefinitionID, err = migrate.ParseGUID(asString(field(m, "roleDefinitionId"))); err != nil {
		return wire.Object{}, fmt.Errorf("roleDefinitionId: %w", err)
	}
	if o.ID == "" {
		return wire.Object{}, fmt.Errorf("no id")
	}
	return o, nil
}

// lookFields are the properties a probe reads.
var lookFields = []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}

// probeInfo is the GET of one probe, from the SDK's typed builders.
func (c *Client) probeInfo(ctx context.Context, p wire.Probe) (*abs.RequestInformation, error) {
	if p.Rule != nil {
		return ruleRequest(abs.GET, p.Rule.PolicyID, p.Rule.RuleID, nil)
	}
	if p.Target.Provider == migrate.ProviderEntitlement {
		return c.entitlementProbe(ctx, p)
	}
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

// entitlementProbe is the GET of a probe for an entitlement-management
// role assignment: by id, or by principal, role and app scope.
func (c *Client) entitlementProbe(ctx context.Context, p wire.Probe) (*abs.RequestInformation, error) {
	em := c.api.RoleManagement().EntitlementManagement().RoleAssignments()
	fields := []string{"id", "principalId", "roleDefinitionId", "appScopeId"}
	switch {
	case p.Kind != migrate.KindRoleAssignment:
		return nil, fmt.Errorf("the entitlement-management provider has role assignments only, not %s", p.Kind)
	case p.ID != "":
		return em.ByUnifiedRoleAssignmentId(p.ID).ToGetRequestInformation(ctx,
			&rm.EntitlementManagementRoleAssignmentsUnifiedRoleAssignmentItemRequestBuilderGetRequestConfiguration{QueryParameters: &rm.EntitlementManagementRoleAssignmentsUnifiedRoleAssignmentItemRequestBuilderGetQueryParameters{Select: fields}})
	case p.Target.PrincipalID.IsZero() || p.Target.RoleDefinitionID.IsZero() || p.Target.AppScopeID == "":
		return nil, fmt.Errorf("a probe by target needs a principal, a role and an app scope")
	}
	filter := targetFilter(p.Target)
	return em.ToGetRequestInformation(ctx, &rm.EntitlementManagementRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rm.EntitlementManagementRoleAssignmentsRequestBuilderGetQueryParameters{Filter: &filter, Select: fields}})
}

// targetFilter is the $filter matching t's principal, role and scope (its
// directoryScopeId, or appScopeId for entitlement management): GUIDs
// lower-case, quotes in the scope doubled as OData wants.
func targetFilter(t migrate.Target) string {
	scope := "directoryScopeId"
	if t.Provider == migrate.ProviderEntitlement {
		scope = "appScopeId"
	}
	return "principalId eq '" + t.PrincipalID.String() +
		"' and roleDefinitionId eq '" + t.RoleDefinitionID.String() +
		"' and " + scope + " eq '" + strings.ReplaceAll(t.ScopeID(), "'", "''") + "'"
}
