package graph

import (
	"context"
	"fmt"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Objects lists every object of a target kind: role assignments, eligibility
// schedules, or active assignment schedules. Apply reads back what it
// created this way: a few large pages instead of one read per object.
func (c *Client) Objects(ctx context.Context, kind migrate.TargetKind) ([]wire.Object, error) {
	switch kind {
	case migrate.KindRoleAssignment:
		ras, err := c.RoleAssignments(ctx)
		out := make([]wire.Object, len(ras))
		for i, a := range ras {
			out[i] = wire.Object{ID: a.ID, PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleDefinitionID, DirectoryScopeID: a.DirectoryScopeID}
		}
		return out, err
	case migrate.KindEligibilityRequest:
		ess, err := c.EligibilitySchedules(ctx)
		out := make([]wire.Object, len(ess))
		for i, s := range ess {
			out[i] = wire.Object{ID: s.ID, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, DirectoryScopeID: s.DirectoryScopeID}
		}
		return out, err
	case migrate.KindAssignmentScheduleRequest:
		ass, err := c.AssignmentSchedules(ctx)
		out := make([]wire.Object, len(ass))
		for i, s := range ass {
			out[i] = wire.Object{ID: s.ID, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, DirectoryScopeID: s.DirectoryScopeID}
		}
		return out, err
	}
	return nil, fmt.Errorf("list objects: unknown kind %q", kind)
}
