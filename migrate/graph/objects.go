package graph

import (
	"context"
	"fmt"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Objects lists every object of a target kind of a provider: role
// assignments, eligibility schedules, or active assignment schedules of
// the directory; role assignments of entitlement management. Apply reads
// back what it created this way: a few large pages instead of one read
// per object.
func (c *Client) Objects(ctx context.Context, provider string, kind migrate.TargetKind) ([]wire.Object, error) {
	if provider == migrate.ProviderEntitlement {
		if kind != migrate.KindRoleAssignment {
			return nil, fmt.Errorf("list objects: entitlement management has no %q", kind)
		}
		ras, err := c.EntitlementAssignments(ctx)
		out := make([]wire.Object, len(ras))
		for i, a := range ras {
			out[i] = wire.Object{ID: a.ID, PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleDefinitionID, AppScopeID: a.AppScopeID}
		}
		return out, err
	}
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
