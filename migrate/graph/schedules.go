package graph

import (
	"context"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	rm "github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// AssignmentSchedules lists every active assignment schedule of the tenant
// (GET /roleManagement/directory/roleAssignmentSchedules): permanent and
// time-bound assignments ("Assigned") and PIM activations ("Activated"),
// each with its end (scheduleInfo.expiration).
func (c *Client) AssignmentSchedules(ctx context.Context) ([]migrate.AssignmentSchedule, error) {
	var out []migrate.AssignmentSchedule
	b := c.api.RoleManagement().Directory().RoleAssignmentSchedules()
	cfg := &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentSchedulesRequestBuilderGetQueryParameters{
		Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "assignmentType", "scheduleInfo"}, Top: &pageSize}}
	err := listAll(ctx, c, "list roleAssignmentSchedules", func(ctx context.Context, next string) (models.UnifiedRoleAssignmentScheduleCollectionResponseable, error) {
		if next != "" {
			return b.WithUrl(next).Get(ctx, nil)
		}
		return b.Get(ctx, cfg)
	}, func(s models.UnifiedRoleAssignmentScheduleable) {
		p, r, ok := principalRole(s.GetPrincipalId(), s.GetRoleDefinitionId())
		if !ok {
			return
		}
		typ := migrate.AssignmentTypeAssigned
		if strings.EqualFold(deref(s.GetAssignmentType()), migrate.AssignmentTypeActivated) {
			typ = migrate.AssignmentTypeActivated
		}
		out = append(out, migrate.AssignmentSchedule{ID: deref(s.GetId()), PrincipalID: p, RoleDefinitionID: r,
			DirectoryScopeID: deref(s.GetDirectoryScopeId()), AssignmentType: typ, EndDateTime: scheduleEnd(s.GetScheduleInfo())})
	})
	return out, err
}

// scheduleEnd is when a schedule ends: expiration.endDateTime, or the start
// plus expiration.duration; nil for noExpiration (or an end Graph did not
// give).
func scheduleEnd(info models.RequestScheduleable) *time.Time {
	if info == nil || info.GetExpiration() == nil {
		return nil
	}
	exp := info.GetExpiration()
	if typ := exp.GetTypeEscaped(); typ != nil && *typ == models.NOEXPIRATION_EXPIRATIONPATTERNTYPE {
		return nil
	}
	if end := exp.GetEndDateTime(); end != nil {
		e := end.UTC()
		return &e
	}
	if d, start := exp.GetDuration(), info.GetStartDateTime(); d != nil && start != nil {
		if dur, err := d.ToDuration(); err == nil && dur > 0 {
			e := start.Add(dur).UTC()
			return &e
		}
	}
	return nil
}
