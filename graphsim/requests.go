package graphsim

import (
	"net/http"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Schedule requests: roleEligibilityScheduleRequests and
// roleAssignmentScheduleRequests, actions adminAssign and adminRemove
// (docs/graph.md, "Unified role management").

var requestFilter = fields(
	field{name: "id"},
	field{name: "principalId"},
	field{name: "roleDefinitionId", kind: fRole},
	field{name: "directoryScopeId"},
	field{name: "appScopeId"},
	field{name: "action"},
	field{name: "status"},
)

// scheduleRequestBody is a unifiedRoleEligibilityScheduleRequest or
// unifiedRoleAssignmentScheduleRequest as posted. Dates are strings so
// that a malformed one gets Graph's 400, not a decoding failure.
type scheduleRequestBody struct {
	Action           string  `json:"action"`
	PrincipalID      string  `json:"principalId"`
	RoleDefinitionID string  `json:"roleDefinitionId"`
	DirectoryScopeID *string `json:"directoryScopeId"`
	AppScopeID       *string `json:"appScopeId"`
	Justification    string  `json:"justification"`
	IsValidationOnly bool    `json:"isValidationOnly"`
	TicketInfo       *struct {
		TicketNumber string `json:"ticketNumber"`
		TicketSystem string `json:"ticketSystem"`
	} `json:"ticketInfo"`
	ScheduleInfo *struct {
		StartDateTime string `json:"startDateTime"`
		Expiration    *struct {
			Type        string `json:"type"`
			EndDateTime string `json:"endDateTime"`
			Duration    string `json:"duration"`
		} `json:"expiration"`
	} `json:"scheduleInfo"`
}

func parseGraphTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// scheduleInfo reads a request's scheduleInfo: start defaults to now,
// expiration to noExpiration (unconfirmed: Graph may apply the role's
// policy instead).
func (c *call) scheduleInfo(b *scheduleRequestBody) (ScheduleInfo, *response) {
	start := c.now.UTC()
	info := ScheduleInfo{Expiration: Expiration{Type: expNone}}
	bad := func(msg string) (ScheduleInfo, *response) {
		// Unconfirmed code for a malformed schedule.
		return ScheduleInfo{}, c.fail(http.StatusBadRequest, "BadRequest", msg)
	}
	if b.ScheduleInfo != nil {
		if s := b.ScheduleInfo.StartDateTime; s != "" {
			t, ok := parseGraphTime(s)
			if !ok {
				return bad("scheduleInfo.startDateTime '" + s + "' is not a date and time.")
			}
			start = t
		}
		if e := b.ScheduleInfo.Expiration; e != nil {
			switch strings.ToLower(e.Type) {
			case "", "noexpiration":
			case "afterdatetime":
				t, ok := parseGraphTime(e.EndDateTime)
				if !ok {
					return bad("scheduleInfo.expiration.endDateTime is required and must be a date and time for type afterDateTime.")
				}
				if !t.After(start) || !t.After(c.now) {
					return bad("scheduleInfo.expiration.endDateTime must be later than startDateTime and in the future.")
				}
				info.Expiration = Expiration{Type: expAfterDateTime, EndDateTime: &t}
			case "afterduration":
				d, err := migrate.ParseDuration(e.Duration)
				if err != nil || d <= 0 {
					return bad("scheduleInfo.expiration.duration '" + e.Duration + "' is not a positive ISO 8601 duration such as PT8H.")
				}
				info.Expiration = Expiration{Type: expAfterDuration, Duration: e.Duration}
			default:
				return bad("scheduleInfo.expiration.type '" + e.Type + "' is not noExpiration, afterDateTime or afterDuration.")
			}
		}
	}
	info.StartDateTime = &start
	return info, nil
}

func (c *call) createEligibilityRequest() *response { return c.scheduleRequest(false) }
func (c *call) createAssignmentRequest() *response  { return c.scheduleRequest(true) }

// scheduleRequest handles adminAssign (assignSchedule) and adminRemove
// (removeSchedule): eligible (active false) creates or removes a
// roleEligibilitySchedule; active creates or removes a
// roleAssignmentSchedule and the roleAssignment it grants. It parses the
// request and answers; the two do the work.
func (c *call) scheduleRequest(active bool) *response {
	resource := "UnifiedRoleEligibilityScheduleRequest"
	if active {
		resource = "UnifiedRoleAssignmentScheduleRequest"
	}
	var b scheduleRequestBody
	if r := c.decode(&b, false); r != nil {
		return r
	}
	var action string
	switch strings.ToLower(b.Action) {
	case "adminassign":
		action = "adminAssign"
	case "adminremove":
		action = "adminRemove"
	case "":
		return c.invalidProperty("action", resource)
	case "adminupdate", "adminextend", "adminrenew", "selfactivate", "selfdeactivate", "selfextend", "selfrenew":
		return c.fail(http.StatusBadRequest, "BadRequest",
			"graphsim implements only the actions adminAssign and adminRemove, not '"+b.Action+"'.")
	default:
		return c.invalidProperty("action", resource)
	}
	t, bad := c.parseTarget(b.PrincipalID, b.RoleDefinitionID, b.DirectoryScopeID, b.AppScopeID, resource)
	if bad != nil {
		return bad
	}
	var info *ScheduleInfo
	if action == "adminAssign" {
		si, bad := c.scheduleInfo(&b)
		if bad != nil {
			return bad
		}
		info = &si
	}
	reqID := c.s.newGUID()

	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	k := makeKey(t.principal, st.roles.canonical(t.role), t.dirScope, t.appScope)
	var status, targetID string
	if action == "adminAssign" {
		status, targetID, bad = "Provisioned", reqID, c.assignSchedule(t, k, active, &b, info, reqID)
	} else {
		status = "Revoked"
		targetID, bad = c.removeSchedule(k, active, b.IsValidationOnly)
	}
	if bad != nil {
		return bad
	}

	obj := map[string]any{
		"id":                reqID,
		"status":            status,
		"action":            action,
		"principalId":       t.principalText,
		"roleDefinitionId":  t.roleText,
		"directoryScopeId":  strOrNil(t.dirScope),
		"appScopeId":        strOrNil(t.appScope),
		"isValidationOnly":  b.IsValidationOnly,
		"targetScheduleId":  targetID,
		"justification":     strOrNil(b.Justification),
		"createdDateTime":   graphTime(c.now),
		"completedDateTime": graphTime(c.now),
		"approvalId":        nil,
		"customData":        nil,
		"createdBy":         map[string]any{"user": map[string]any{"id": strOrNil(st.caller)}},
		"scheduleInfo":      nil,
		"ticketInfo":        map[string]any{"ticketNumber": nil, "ticketSystem": nil},
	}
	if info != nil {
		obj["scheduleInfo"] = map[string]any{
			"startDateTime": timeOrNil(info.StartDateTime),
			"recurrence":    nil,
			"expiration":    expirationJSON(info.Expiration),
		}
	}
	if b.TicketInfo != nil {
		obj["ticketInfo"] = map[string]any{"ticketNumber": strOrNil(b.TicketInfo.TicketNumber), "ticketSystem": strOrNil(b.TicketInfo.TicketSystem)}
	}
	context := eligReqContext
	reqs := &st.eligReq
	if active {
		context, reqs = asgReqContext, &st.asgReq
	}
	if !b.IsValidationOnly {
		reqs.add(reqID, &entry[scheduleRequest]{seq: st.next(), created: c.now, v: scheduleRequest{id: reqID, obj: obj}})
	}
	return c.entity(http.StatusCreated, context, obj)
}

// assignSchedule makes the schedule an adminAssign request asks for (and,
// active, its role assignment), unless the request only validates. Call
// with the state locked.
func (c *call) assignSchedule(t *target, k tripleKey, active bool, b *scheduleRequestBody, info *ScheduleInfo, reqID string) *response {
	st := c.s.st
	_, role, bad := c.checkTarget(t, !active)
	if bad == nil {
		bad = c.checkDirectoryScope(t, role)
	}
	if bad != nil {
		return bad
	}
	var exists bool
	if active {
		st.expireActive(k, c.now)
		exists = st.raKey[k] != nil || st.aschKey[k] != nil
	} else {
		st.expireEligible(k, c.now)
		exists = st.eligKey[k] != nil
	}
	if exists {
		r := c.fail(http.StatusBadRequest, "RoleAssignmentExists", "The Role assignment already exists.")
		r.dupRefused = true
		return r
	}
	if bad := c.checkRequestPolicy(k.role, active, b, info); bad != nil {
		return bad
	}
	if b.IsValidationOnly {
		return nil
	}
	now := c.now.UTC()
	s := Schedule{
		ID: reqID, PrincipalID: t.principalText, RoleDefinitionID: t.roleText,
		DirectoryScopeID: t.dirScope, AppScopeID: t.appScope, MemberType: "Direct",
		Status: "Provisioned", CreatedUsing: reqID, CreatedDateTime: &now, ScheduleInfo: *info,
	}
	if !active {
		st.addSchedule(&st.elig, st.eligKey, s, c.now)
		return nil
	}
	s.AssignmentType = "Assigned"
	st.addSchedule(&st.asch, st.aschKey, s, c.now)
	st.addRoleAssignment(RoleAssignment{
		ID:          roleAssignmentID(t.principal, k.role, t.dirScope, t.appScope),
		PrincipalID: t.principalText, RoleDefinitionID: t.roleText,
		DirectoryScopeID: t.dirScope, AppScopeID: t.appScope,
	}, c.now)
	return nil
}

// removeSchedule ends the schedule an adminRemove request names (and,
// active, its role assignment), unless the request only validates, and
// says which it was. Call with the state locked.
func (c *call) removeSchedule(k tripleKey, active, validationOnly bool) (string, *response) {
	st := c.s.st
	if !active {
		st.expireEligible(k, c.now)
		s := st.eligKey[k]
		if s == nil {
			return "", c.notExists()
		}
		if !validationOnly {
			st.removeSchedule(&st.elig, st.eligKey, s)
		}
		return s.v.ID, nil
	}
	st.expireActive(k, c.now)
	ra, s := st.raKey[k], st.aschKey[k]
	if ra == nil && s == nil {
		return "", c.notExists()
	}
	targetID := ""
	if s != nil {
		targetID = s.v.ID
	} else {
		targetID = ra.v.ID
	}
	if !validationOnly {
		if s != nil {
			st.removeSchedule(&st.asch, st.aschKey, s)
		}
		if ra != nil {
			st.removeRoleAssignment(ra)
		}
	}
	return targetID, nil
}

func (c *call) notExists() *response {
	return c.fail(http.StatusBadRequest, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
}

func (c *call) listRequests(active bool) *response {
	context, reqs := eligReqContext, func(st *state) []*entry[scheduleRequest] { return st.eligReq.list }
	if active {
		context, reqs = asgReqContext, func(st *state) []*entry[scheduleRequest] { return st.asgReq.list }
	}
	return listEntries(c, requestFilter, nil, context, reqs, func(st *state, q *listQuery, e *entry[scheduleRequest]) map[string]any {
		m := make(map[string]any, len(e.v.obj)+2)
		for k, v := range e.v.obj {
			m[k] = v
		}
		expandRefs(m, e.v.obj["principalId"].(string), e.v.obj["roleDefinitionId"].(string), st, q.expand)
		return m
	})
}

func (c *call) getRequest(active bool) *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	reqs, context := &c.s.st.eligReq, eligReqContext
	if active {
		reqs, context = &c.s.st.asgReq, asgReqContext
	}
	e := reqs.get(c.params[0])
	if e == nil || !c.visible(e.created) {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, context, project(e.v.obj, c.selected(), nil))
}

func (c *call) listEligibilityRequests() *response { return c.listRequests(false) }
func (c *call) listAssignmentRequests() *response  { return c.listRequests(true) }
func (c *call) getEligibilityRequest() *response   { return c.getRequest(false) }
func (c *call) getAssignmentRequest() *response    { return c.getRequest(true) }
