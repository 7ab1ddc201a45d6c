package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	rm "github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Find returns the id of what grants target t in the tenant now, or "" when
// nothing does: the roleAssignment (KindRoleAssignment), the
// roleEligibilitySchedule (KindEligibilityRequest) or the
// roleAssignmentSchedule (KindAssignmentScheduleRequest) with t's
// principal, role and directory scope. Graph lists every role assignment
// as an assignment schedule too, so a standing assignment also answers for
// KindAssignmentScheduleRequest.
//
// Right after a write Graph may not list the new object yet (docs/graph.md, "Eventual consistency"):
// "" is what the tenant shows now, not proof that a write failed.
func (c *Client) Find(ctx context.Context, t migrate.Target) (string, error) {
	filter := targetFilter(t)
	dir := c.api.RoleManagement().Directory()
	var id string
	switch t.Kind {
	case migrate.KindRoleAssignment:
		cfg := &rm.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id"}}}
		err := c.read(ctx, "find roleAssignment", func(ctx context.Context) error {
			res, err := dir.RoleAssignments().Get(ctx, cfg)
			if err == nil && res != nil {
				id = firstID(res.GetValue())
			}
			return err
		})
		return id, err
	case migrate.KindEligibilityRequest:
		cfg := &rm.DirectoryRoleEligibilitySchedulesRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleEligibilitySchedulesRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id"}}}
		err := c.read(ctx, "find roleEligibilitySchedule", func(ctx context.Context) error {
			res, err := dir.RoleEligibilitySchedules().Get(ctx, cfg)
			if err == nil && res != nil {
				id = firstID(res.GetValue())
			}
			return err
		})
		return id, err
	case migrate.KindAssignmentScheduleRequest:
		cfg := &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id"}}}
		err := c.read(ctx, "find roleAssignmentSchedule", func(ctx context.Context) error {
			res, err := dir.RoleAssignmentSchedules().Get(ctx, cfg)
			if err == nil && res != nil {
				id = firstID(res.GetValue())
			}
			return err
		})
		return id, err
	}
	return "", fmt.Errorf("find: unknown target kind %q", t.Kind)
}

// targetFilter is the $filter matching t's principal, role and scope:
// GUIDs lower-case, quotes in the scope doubled as OData wants.
func targetFilter(t migrate.Target) string {
	return "principalId eq '" + t.PrincipalID.String() +
		"' and roleDefinitionId eq '" + t.RoleDefinitionID.String() +
		"' and directoryScopeId eq '" + strings.ReplaceAll(t.DirectoryScopeID, "'", "''") + "'"
}

func firstID[T interface{ GetId() *string }](v []T) string {
	for _, e := range v {
		if id := deref(e.GetId()); id != "" {
			return id
		}
	}
	return ""
}

// grant is what role assignments and schedules share.
type grant interface {
	GetId() *string
	GetPrincipalId() *string
	GetRoleDefinitionId() *string
	GetDirectoryScopeId() *string
}

// Get reads back one object by id: a roleAssignment (KindRoleAssignment),
// a roleEligibilitySchedule (KindEligibilityRequest) or a
// roleAssignmentSchedule (KindAssignmentScheduleRequest). Throttling, 503,
// 504 and lost connections are retried; a 404 is not: it comes back at
// once as a *Error with Status 404 (IsNotFound), since right after a create
// it may mean only that Graph has not caught up yet, which the caller
// judges.
func (c *Client) Get(ctx context.Context, kind migrate.TargetKind, id string) (Object, error) {
	if id == "" {
		return Object{}, fmt.Errorf("get %s: no id", kind)
	}
	dir := c.api.RoleManagement().Directory()
	var g grant
	var op string
	var err error
	// c.read retries only Retryable errors; a 404 is not one.
	switch kind {
	case migrate.KindRoleAssignment:
		op = "get roleAssignment " + id
		cfg := &rm.DirectoryRoleAssignmentsUnifiedRoleAssignmentItemRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentsUnifiedRoleAssignmentItemRequestBuilderGetQueryParameters{
			Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}}}
		err = c.read(ctx, op, func(ctx context.Context) error {
			v, err := dir.RoleAssignments().ByUnifiedRoleAssignmentId(id).Get(ctx, cfg)
			if v != nil {
				g = v
			}
			return err
		})
	case migrate.KindEligibilityRequest:
		op = "get roleEligibilitySchedule " + id
		cfg := &rm.DirectoryRoleEligibilitySchedulesUnifiedRoleEligibilityScheduleItemRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleEligibilitySchedulesUnifiedRoleEligibilityScheduleItemRequestBuilderGetQueryParameters{
			Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}}}
		err = c.read(ctx, op, func(ctx context.Context) error {
			v, err := dir.RoleEligibilitySchedules().ByUnifiedRoleEligibilityScheduleId(id).Get(ctx, cfg)
			if v != nil {
				g = v
			}
			return err
		})
	case migrate.KindAssignmentScheduleRequest:
		op = "get roleAssignmentSchedule " + id
		cfg := &rm.DirectoryRoleAssignmentSchedulesUnifiedRoleAssignmentScheduleItemRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentSchedulesUnifiedRoleAssignmentScheduleItemRequestBuilderGetQueryParameters{
			Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}}}
		err = c.read(ctx, op, func(ctx context.Context) error {
			v, err := dir.RoleAssignmentSchedules().ByUnifiedRoleAssignmentScheduleId(id).Get(ctx, cfg)
			if v != nil {
				g = v
			}
			return err
		})
	default:
		return Object{}, fmt.Errorf("get %s: unknown target kind", kind)
	}
	if err != nil {
		return Object{}, err
	}
	if g == nil {
		return Object{}, fmt.Errorf("%s: Graph answered with no object", op)
	}
	return object(op, g)
}

func object(op string, g grant) (Object, error) {
	o := Object{ID: deref(g.GetId()), DirectoryScopeID: deref(g.GetDirectoryScopeId())}
	var errs []error
	var err error
	if o.PrincipalID, err = migrate.ParseGUID(deref(g.GetPrincipalId())); err != nil {
		errs = append(errs, fmt.Errorf("principalId: %w", err))
	}
	if o.RoleDefinitionID, err = migrate.ParseGUID(deref(g.GetRoleDefinitionId())); err != nil {
		errs = append(errs, fmt.Errorf("roleDefinitionId: %w", err))
	}
	if len(errs) > 0 {
		return Object{}, fmt.Errorf("%s: %w", op, errors.Join(errs...))
	}
	return o, nil
}

// Compile-time checks that the SDK types read here are grants.
var (
	_ grant = (models.UnifiedRoleAssignmentable)(nil)
	_ grant = (models.UnifiedRoleEligibilityScheduleable)(nil)
	_ grant = (models.UnifiedRoleAssignmentScheduleable)(nil)
)
