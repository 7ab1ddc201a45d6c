package graph

import (
	"context"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	rm "github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Objects lists every object of a target kind: role assignments, eligibility
// schedules, or active assignment schedules. Apply reads back what it
// created this way: a few large pages instead of one read per object.
func (c *Client) Objects(ctx context.Context, kind migrate.TargetKind) ([]Object, error) {
	switch kind {
	case migrate.KindRoleAssignment:
		ras, err := c.RoleAssignments(ctx)
		out := make([]Object, len(ras))
		for i, a := range ras {
			out[i] = Object{ID: a.ID, PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleDefinitionID, DirectoryScopeID: a.DirectoryScopeID}
		}
		return out, err
	case migrate.KindEligibilityRequest:
		ess, err := c.EligibilitySchedules(ctx)
		out := make([]Object, len(ess))
		for i, s := range ess {
			out[i] = Object{ID: s.ID, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, DirectoryScopeID: s.DirectoryScopeID}
		}
		return out, err
	case migrate.KindAssignmentScheduleRequest:
		return c.assignmentSchedules(ctx)
	}
	return nil, fmt.Errorf("list objects: unknown kind %q", kind)
}

func (c *Client) assignmentSchedules(ctx context.Context) ([]Object, error) {
	var out []Object
	b := c.api.RoleManagement().Directory().RoleAssignmentSchedules()
	cfg := &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetQueryParameters{
		Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}, Top: &pageSize}}
	for {
		var res models.UnifiedRoleAssignmentScheduleCollectionResponseable
		err := c.read(ctx, "list roleAssignmentSchedules", func(ctx context.Context) (err error) {
			res, err = b.Get(ctx, cfg)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, s := range res.GetValue() {
			p, ok1 := guid(s.GetPrincipalId())
			r, ok2 := guid(s.GetRoleDefinitionId())
			if ok1 && ok2 {
				out = append(out, Object{ID: deref(s.GetId()), PrincipalID: p, RoleDefinitionID: r, DirectoryScopeID: deref(s.GetDirectoryScopeId())})
			}
		}
		next := res.GetOdataNextLink()
		if next == nil || *next == "" {
			return out, nil
		}
		b, cfg = b.WithUrl(*next), nil
	}
}
