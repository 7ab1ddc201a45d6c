package graphsim

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

const (
	rm       = "/v1.0/roleManagement/directory"
	eligReqs = rm + "/roleEligibilityScheduleRequests"
	asgReqs  = rm + "/roleAssignmentScheduleRequests"
)

func schedReq(action, principal, role string, expiration map[string]any) map[string]any {
	b := map[string]any{
		"action": action, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/",
		"justification": "migrated from legacy PIM",
	}
	if expiration != nil {
		b["scheduleInfo"] = map[string]any{"startDateTime": "2026-11-22T12:00:00Z", "expiration": expiration}
	}
	return b
}

func TestEligibilityRequests(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	end := "2027-01-01T00:00:00Z"
	tests := []struct {
		name       string
		principal  string
		expiration map[string]any
		wantEnd    any // instance endDateTime
	}{
		{"noExpiration user", alice, map[string]any{"type": "noExpiration"}, nil},
		{"afterDateTime group", admins, map[string]any{"type": "afterDateTime", "endDateTime": end}, end},
		{"afterDuration user", carol, map[string]any{"type": "afterDuration", "duration": "PT8H"}, "2026-11-22T20:00:00Z"},
		{"no scheduleInfo", bob, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.must(201, "POST", eligReqs, schedReq("adminAssign", tt.principal, userAdmin, tt.expiration))
			if r.str("status") != "Provisioned" || r.str("action") != "adminAssign" || r.str("targetScheduleId") == "" ||
				r.str("principalId") != tt.principal || r.str("directoryScopeId") != "/" || r.str("justification") == "" ||
				r.str("createdDateTime") == "" || r.body["scheduleInfo"] == nil {
				t.Errorf("request %s", r.raw)
			}
			if _, err := migrate.ParseGUID(r.str("id")); err != nil {
				t.Errorf("request id %q", r.str("id"))
			}
			f := url.QueryEscape("principalId eq '" + tt.principal + "' and roleDefinitionId eq '" + userAdmin + "'")
			scheds := e.must(200, "GET", rm+"/roleEligibilitySchedules?$filter="+f, nil).values()
			if len(scheds) != 1 || scheds[0]["id"] != r.str("targetScheduleId") || scheds[0]["status"] != "Provisioned" {
				t.Fatalf("schedules %v", scheds)
			}
			inst := e.must(200, "GET", rm+"/roleEligibilityScheduleInstances?$filter="+f, nil).values()
			if len(inst) != 1 || inst[0]["endDateTime"] != tt.wantEnd || inst[0]["roleEligibilityScheduleId"] != scheds[0]["id"] {
				t.Errorf("instances %v, want end %v", inst, tt.wantEnd)
			}
			e.must(200, "GET", rm+"/roleEligibilitySchedules/"+scheds[0]["id"].(string), nil)
			e.must(200, "GET", eligReqs+"/"+r.str("id"), nil)
		})
	}
	if got := len(e.all(eligReqs)); got != len(tests) {
		t.Errorf("%d requests listed, want %d", got, len(tests))
	}
	// An eligibility is not an assignment.
	f := url.QueryEscape("principalId eq '" + carol + "'")
	if got := e.all(ras + "?$filter=" + f); len(got) != 0 {
		t.Errorf("eligibility made an assignment: %v", got)
	}
}

func TestEligibilityRequestErrors(t *testing.T) {
	tests := []struct {
		name          string
		body          map[string]any
		status        int
		code, message string
	}{
		{"duplicate", schedReq("adminAssign", bob, securityAdmin, nil), 400, "RoleAssignmentExists", "The Role assignment already exists."},
		{"service principal", schedReq("adminAssign", robot, securityAdmin, nil), 400, "PrincipalTypeNotSupported", "Service principals cannot be eligible"},
		{"group not role-assignable", schedReq("adminAssign", plain, securityAdmin, nil), 400, "Request_BadRequest", "role-assignable"},
		{"unknown principal", schedReq("adminAssign", nobody, securityAdmin, nil), 404, "Request_ResourceNotFound", "Resource '" + nobody + "' does not exist"},
		{"unknown role", schedReq("adminAssign", alice, noRole, nil), 404, "Request_ResourceNotFound", noRole},
		{"remove nothing", schedReq("adminRemove", alice, securityAdmin, nil), 400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist."},
		{"unsupported action", schedReq("adminExtend", bob, securityAdmin, nil), 400, "BadRequest", "adminExtend"},
		{"unknown action", schedReq("promote", bob, securityAdmin, nil), 400, "Request_BadRequest", "action"},
		{"no action", schedReq("", bob, securityAdmin, nil), 400, "Request_BadRequest", "action"},
		{"end in the past", schedReq("adminAssign", alice, securityAdmin, map[string]any{"type": "afterDateTime", "endDateTime": "2020-01-01T00:00:00Z"}), 400, "BadRequest", "endDateTime"},
		{"bad duration", schedReq("adminAssign", alice, securityAdmin, map[string]any{"type": "afterDuration", "duration": "8h"}), 400, "BadRequest", "duration"},
		{"bad type", schedReq("adminAssign", alice, securityAdmin, map[string]any{"type": "forever"}), 400, "BadRequest", "forever"},
		{"no scope", map[string]any{"action": "adminAssign", "principalId": alice, "roleDefinitionId": securityAdmin}, 400, "Request_BadRequest", "directoryScopeId"},
	}
	e := newEnv(t, testSeed(), Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.do("POST", eligReqs, tt.body), tt.status, tt.code, tt.message)
		})
	}
	if got := e.srv.Stats().DuplicatesRefused; got != 1 {
		t.Errorf("duplicatesRefused %d", got)
	}
	if got := len(e.srv.State().RoleEligibilitySchedules); got != 1 {
		t.Errorf("refused requests left %d schedules", got)
	}
}

func TestEligibilityRemove(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	id := e.srv.State().RoleEligibilitySchedules[0].ID
	// By the directory-specific id of the role, upper-case principal: the same eligibility.
	r := e.must(201, "POST", eligReqs, schedReq("adminRemove", strings.ToUpper(bob), securityAdmin, nil))
	if r.str("status") != "Revoked" || r.str("targetScheduleId") != id {
		t.Errorf("remove %s", r.raw)
	}
	if n := len(e.srv.State().RoleEligibilitySchedules); n != 0 {
		t.Errorf("%d schedules left", n)
	}
	wantError(t, e.do("GET", rm+"/roleEligibilitySchedules/"+id, nil), 404, "Request_ResourceNotFound", "")
	e.must(201, "POST", eligReqs, schedReq("adminAssign", bob, securityAdmin, nil))
}

func TestAssignmentScheduleRequests(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	// A service principal may be active.
	r := e.must(201, "POST", asgReqs, schedReq("adminAssign", robot, securityAdmin,
		map[string]any{"type": "afterDateTime", "endDateTime": "2026-11-23T12:00:00Z"}))
	if r.str("status") != "Provisioned" {
		t.Errorf("request %s", r.raw)
	}
	f := url.QueryEscape("principalId eq '" + robot + "'")
	got := e.must(200, "GET", ras+"?$filter="+f, nil).values()
	if len(got) != 1 || got[0]["roleDefinitionId"] != securityAdmin {
		t.Fatalf("the request made no role assignment: %v", got)
	}
	sched := e.must(200, "GET", rm+"/roleAssignmentSchedules?$filter="+f, nil).values()
	if len(sched) != 1 || sched[0]["id"] != r.str("targetScheduleId") || sched[0]["assignmentType"] != "Assigned" {
		t.Errorf("schedules %v", sched)
	}
	inst := e.must(200, "GET", rm+"/roleAssignmentScheduleInstances?$filter="+f, nil).values()
	if len(inst) != 1 || inst[0]["assignmentType"] != "Assigned" || inst[0]["endDateTime"] != "2026-11-23T12:00:00Z" ||
		inst[0]["roleAssignmentOriginId"] != got[0]["id"] {
		t.Errorf("instances %v", inst)
	}
	// Every assignment has a schedule and an instance, also those made directly.
	if n := len(e.all(rm + "/roleAssignmentSchedules")); n != 3 {
		t.Errorf("%d assignment schedules, want 3", n)
	}
	if n := len(e.all(rm + "/roleAssignmentScheduleInstances")); n != 3 {
		t.Errorf("%d assignment instances, want 3", n)
	}
	e.must(200, "GET", rm+"/roleAssignmentSchedules/"+r.str("targetScheduleId"), nil)

	// Duplicates: the same request, and an active request over a plain assignment.
	wantError(t, e.do("POST", asgReqs, schedReq("adminAssign", robot, securityAdmin, nil)), 400, "RoleAssignmentExists", "already exists")
	wantError(t, e.do("POST", asgReqs, schedReq("adminAssign", alice, globalAdmin, nil)), 400, "RoleAssignmentExists", "already exists")
	// ... and a plain assignment over a scheduled one.
	wantError(t, e.do("POST", ras, map[string]any{"principalId": robot, "roleDefinitionId": securityAdmin, "directoryScopeId": "/"}),
		400, "Request_BadRequest", "conflicting object")

	// adminRemove takes the assignment away too.
	r = e.must(201, "POST", asgReqs, schedReq("adminRemove", robot, securityAdmin, nil))
	if r.str("status") != "Revoked" {
		t.Errorf("remove %s", r.raw)
	}
	if got := e.must(200, "GET", ras+"?$filter="+f, nil).values(); len(got) != 0 {
		t.Errorf("assignment left after adminRemove: %v", got)
	}
	wantError(t, e.do("POST", asgReqs, schedReq("adminRemove", robot, securityAdmin, nil)), 400, "RoleAssignmentDoesNotExist", "does not exist")
	// adminRemove of a plain assignment.
	e.must(201, "POST", asgReqs, schedReq("adminRemove", bob, globalReader, nil))
	if n := len(e.srv.State().RoleAssignments); n != 1 {
		t.Errorf("%d assignments left, want 1", n)
	}
	if n := len(e.all(asgReqs)); n != 3 {
		t.Errorf("%d assignment requests listed, want 3", n)
	}
}

func TestSchedulesEnd(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	e.must(201, "POST", asgReqs, schedReq("adminAssign", carol, userAdmin, map[string]any{"type": "afterDuration", "duration": "PT1H"}))
	e.must(201, "POST", eligReqs, schedReq("adminAssign", carol, userAdmin, map[string]any{"type": "afterDuration", "duration": "PT2H"}))
	f := url.QueryEscape("principalId eq '" + carol + "'")
	count := func(path string) int { return len(e.must(200, "GET", path+"?$filter="+f, nil).values()) }
	if count(ras) != 1 || count(rm+"/roleEligibilitySchedules") != 1 || count(rm+"/roleEligibilityScheduleInstances") != 1 {
		t.Fatal("not there to begin with")
	}
	e.clock.Advance(90 * time.Minute)
	if count(ras) != 0 || count(rm+"/roleAssignmentScheduleInstances") != 0 || count(rm+"/roleEligibilitySchedules") != 1 {
		t.Error("the active assignment outlived its schedule")
	}
	e.clock.Advance(time.Hour)
	if count(rm+"/roleEligibilitySchedules") != 0 || count(rm+"/roleEligibilityScheduleInstances") != 0 {
		t.Error("the eligibility outlived its schedule")
	}
	// Ended ones are no duplicates.
	e.must(201, "POST", asgReqs, schedReq("adminAssign", carol, userAdmin, nil))
	e.must(201, "POST", eligReqs, schedReq("adminAssign", carol, userAdmin, nil))
}

func TestScheduleFilters(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	e.must(201, "POST", eligReqs, schedReq("adminAssign", alice, userAdmin, nil))
	e.must(201, "POST", eligReqs, schedReq("adminAssign", admins, securityAdmin, nil))
	for _, tt := range []struct {
		filter string
		want   int
	}{
		{"roleDefinitionId eq '" + securityAdmin + "'", 2},
		{"principalId in ('" + strings.ToUpper(alice) + "','" + admins + "')", 2},
		{"directoryScopeId eq '/' and principalId eq '" + bob + "'", 1},
	} {
		if got := len(e.all(rm + "/roleEligibilitySchedules?$filter=" + url.QueryEscape(tt.filter))); got != tt.want {
			t.Errorf("%q: %d, want %d", tt.filter, got, tt.want)
		}
	}
	vs := e.must(200, "GET", rm+"/roleEligibilitySchedules?$expand=principal&$select=principalId", nil).values()
	if len(vs) != 3 || vs[2]["principal"].(map[string]any)["@odata.type"] != "#microsoft.graph.group" || vs[2]["scheduleInfo"] != nil {
		t.Errorf("expand and select: %v", vs)
	}
}
