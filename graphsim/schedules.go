package graphsim

import (
	"net/http"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Unified role management with PIM: schedule requests, schedules and
// schedule instances (docs/graph.md, "Unified role management").

const (
	eligReqContext   = "roleManagement/directory/roleEligibilityScheduleRequests"
	asgReqContext    = "roleManagement/directory/roleAssignmentScheduleRequests"
	eligContext      = "roleManagement/directory/roleEligibilitySchedules"
	aschContext      = "roleManagement/directory/roleAssignmentSchedules"
	eligInstContext  = "roleManagement/directory/roleEligibilityScheduleInstances"
	asgInstContext   = "roleManagement/directory/roleAssignmentScheduleInstances"
	expNone          = "noExpiration"
	expAfterDateTime = "afterDateTime"
	expAfterDuration = "afterDuration"
)

var scheduleFilter = fields(append([]field{
	{name: "status"},
	{name: "memberType"},
	{name: "assignmentType"},
}, assignmentFields...)...)

// window is a schedule's start (zero if unknown) and end.
func window(s *Schedule) (start, end time.Time, hasEnd bool) {
	if s.ScheduleInfo.StartDateTime != nil {
		start = *s.ScheduleInfo.StartDateTime
	} else if s.CreatedDateTime != nil {
		start = *s.CreatedDateTime
	}
	e := s.ScheduleInfo.Expiration
	switch strings.ToLower(e.Type) {
	case "afterdatetime":
		if e.EndDateTime != nil {
			return start, *e.EndDateTime, true
		}
	case "afterduration":
		if d, err := migrate.ParseDuration(e.Duration); err == nil && !start.IsZero() {
			return start, start.Add(d), true
		}
	}
	return start, time.Time{}, false
}

// ended reports whether a schedule is over at now. Graph drops a schedule
// when it ends; graphsim hides it and removes it on the next write to the
// same principal, role and scope.
func ended(s *Schedule, now time.Time) bool {
	_, end, ok := window(s)
	return ok && !now.Before(end)
}

func started(s *Schedule, now time.Time) bool {
	start, _, _ := window(s)
	return start.IsZero() || !now.Before(start)
}

// raEnded reports whether an assignment's active schedule has ended.
func (st *state) raEnded(e *entry[RoleAssignment], now time.Time) bool {
	s := st.aschKey[st.key(e.v.PrincipalID, e.v.RoleDefinitionID, e.v.DirectoryScopeID, e.v.AppScopeID)]
	return s != nil && ended(&s.v, now)
}

// expireActive removes an ended active schedule under k and the
// assignment it granted.
func (st *state) expireActive(k tripleKey, now time.Time) {
	if s := st.aschKey[k]; s != nil && ended(&s.v, now) {
		st.removeSchedule(&st.asch, st.aschKey, s)
		if ra := st.raKey[k]; ra != nil {
			st.removeRoleAssignment(ra)
		}
	}
}

// expireEligible removes an ended eligibility under k.
func (st *state) expireEligible(k tripleKey, now time.Time) {
	if s := st.eligKey[k]; s != nil && ended(&s.v, now) {
		st.removeSchedule(&st.elig, st.eligKey, s)
	}
}

func expirationJSON(e Expiration) map[string]any {
	typ := e.Type
	if typ == "" {
		typ = expNone
	}
	return map[string]any{"type": typ, "endDateTime": timeOrNil(e.EndDateTime), "duration": strOrNil(e.Duration)}
}

func scheduleJSON(s *Schedule, st *state, expand map[string]bool, active bool) map[string]any {
	start, _, _ := window(s)
	var startV any
	if !start.IsZero() {
		startV = graphTime(start)
	}
	m := map[string]any{
		"id":               s.ID,
		"principalId":      s.PrincipalID,
		"roleDefinitionId": s.RoleDefinitionID,
		"directoryScopeId": strOrNil(s.DirectoryScopeID),
		"appScopeId":       strOrNil(s.AppScopeID),
		"createdUsing":     strOrNil(s.CreatedUsing),
		"createdDateTime":  timeOrNil(s.CreatedDateTime),
		"modifiedDateTime": nil,
		"status":           orDefault(s.Status, "Provisioned"),
		"memberType":       orDefault(s.MemberType, "Direct"),
		"scheduleInfo": map[string]any{
			"startDateTime": startV,
			"recurrence":    nil,
			"expiration":    expirationJSON(s.ScheduleInfo.Expiration),
		},
	}
	if active {
		m["assignmentType"] = orDefault(s.AssignmentType, "Assigned")
	}
	expandRefs(m, s.PrincipalID, s.RoleDefinitionID, st, expand)
	return m
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// listEligibilitySchedules lists eligibilities that have not ended.
func (c *call) listEligibilitySchedules() *response {
	return listEntries(c, scheduleFilter, nil, eligContext, func(st *state) []*entry[Schedule] { return st.elig.list },
		func(st *state, q *listQuery, e *entry[Schedule]) map[string]any {
			if ended(&e.v, c.now) {
				return nil
			}
			return scheduleJSON(&e.v, st, q.expand, false)
		})
}

func (c *call) getEligibilitySchedule() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	e := c.s.st.elig.get(c.params[0])
	if e == nil || !c.visible(e.created) || ended(&e.v, c.now) {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, eligContext, project(scheduleJSON(&e.v, c.s.st, c.expanded(), false), c.selected(), c.expanded()))
}

// activeSchedule is the schedule of an assignment: the one a
// roleAssignmentScheduleRequest created, or (like Graph, which gives every
// assignment a schedule) a permanent one named after the assignment.
func (st *state) activeSchedule(e *entry[RoleAssignment]) Schedule {
	if s := st.aschKey[st.key(e.v.PrincipalID, e.v.RoleDefinitionID, e.v.DirectoryScopeID, e.v.AppScopeID)]; s != nil {
		return s.v
	}
	return Schedule{
		ID: e.v.ID, PrincipalID: e.v.PrincipalID, RoleDefinitionID: e.v.RoleDefinitionID,
		DirectoryScopeID: e.v.DirectoryScopeID, AppScopeID: e.v.AppScopeID, CreatedUsing: e.v.ID,
		ScheduleInfo: ScheduleInfo{Expiration: Expiration{Type: expNone}},
	}
}

// listAssignmentSchedules lists the schedule of every readable assignment.
func (c *call) listAssignmentSchedules() *response {
	return listEntries(c, scheduleFilter, nil, aschContext, func(st *state) []*entry[RoleAssignment] { return st.ra.list },
		func(st *state, q *listQuery, e *entry[RoleAssignment]) map[string]any {
			if st.raEnded(e, c.now) {
				return nil
			}
			s := st.activeSchedule(e)
			return scheduleJSON(&s, st, q.expand, true)
		})
}

// getAssignmentSchedule finds a schedule by its id or its assignment's id.
func (c *call) getAssignmentSchedule() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	var ra *entry[RoleAssignment]
	if s := st.asch.get(c.params[0]); s != nil {
		ra = st.raKey[st.key(s.v.PrincipalID, s.v.RoleDefinitionID, s.v.DirectoryScopeID, s.v.AppScopeID)]
	} else {
		ra = st.ra.get(c.params[0])
	}
	if ra == nil || !c.raReadable(ra) {
		return c.notFound(c.params[0])
	}
	s := st.activeSchedule(ra)
	return c.entity(http.StatusOK, aschContext, project(scheduleJSON(&s, st, c.expanded(), true), c.selected(), c.expanded()))
}

// listEligibilityInstances lists the eligibilities in effect now.
func (c *call) listEligibilityInstances() *response {
	return listEntries(c, scheduleFilter, nil, eligInstContext, func(st *state) []*entry[Schedule] { return st.elig.list },
		func(st *state, q *listQuery, e *entry[Schedule]) map[string]any {
			if ended(&e.v, c.now) || !started(&e.v, c.now) {
				return nil
			}
			m := instanceJSON(&e.v, st, q.expand)
			m["roleEligibilityScheduleId"] = e.v.ID
			return m
		})
}

// listAssignmentInstances lists the active assignments in effect now, all
// with assignmentType "Assigned" (graphsim has no activations).
func (c *call) listAssignmentInstances() *response {
	return listEntries(c, scheduleFilter, nil, asgInstContext, func(st *state) []*entry[RoleAssignment] { return st.ra.list },
		func(st *state, q *listQuery, e *entry[RoleAssignment]) map[string]any {
			s := st.activeSchedule(e)
			if ended(&s, c.now) || !started(&s, c.now) {
				return nil
			}
			m := instanceJSON(&s, st, q.expand)
			m["id"] = e.v.ID
			m["assignmentType"] = "Assigned"
			m["roleAssignmentOriginId"] = e.v.ID
			m["roleAssignmentScheduleId"] = s.ID
			return m
		})
}

func instanceJSON(s *Schedule, st *state, expand map[string]bool) map[string]any {
	start, end, hasEnd := window(s)
	m := map[string]any{
		"id":               s.ID,
		"principalId":      s.PrincipalID,
		"roleDefinitionId": s.RoleDefinitionID,
		"directoryScopeId": strOrNil(s.DirectoryScopeID),
		"appScopeId":       strOrNil(s.AppScopeID),
		"startDateTime":    nil,
		"endDateTime":      nil,
		"memberType":       orDefault(s.MemberType, "Direct"),
	}
	if !start.IsZero() {
		m["startDateTime"] = graphTime(start)
	}
	if hasEnd {
		m["endDateTime"] = graphTime(end)
	}
	expandRefs(m, s.PrincipalID, s.RoleDefinitionID, st, expand)
	return m
}
