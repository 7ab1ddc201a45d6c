package graph

import (
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// TestReadAuditTenantSchedules reads schedule ends of every expiration type,
// activations, and the principals of every grant (a deleted one is absent).
func TestReadAuditTenantSchedules(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) // graphsim hides ended schedules at its real clock
	seed := bigSeed(4, 0)
	u := func(i int) string { return guidN(1, i) }
	gone := guidN(9, 9)
	seed.RoleAssignments = []graphsim.RoleAssignment{{PrincipalID: u(0), RoleDefinitionID: roleGA}}
	seed.RoleAssignmentSchedules = []graphsim.Schedule{
		{PrincipalID: u(1), RoleDefinitionID: roleSec, AssignmentType: "Activated",
			ScheduleInfo: graphsim.ScheduleInfo{StartDateTime: &start, Expiration: graphsim.Expiration{Type: "afterDateTime", EndDateTime: &far}}},
		{PrincipalID: gone, RoleDefinitionID: roleSec,
			ScheduleInfo: graphsim.ScheduleInfo{StartDateTime: &far, Expiration: graphsim.Expiration{Type: "afterDuration", Duration: "P30D"}}},
	}
	seed.RoleEligibilitySchedules = []graphsim.Schedule{
		{PrincipalID: u(2), RoleDefinitionID: roleGA, ScheduleInfo: graphsim.ScheduleInfo{Expiration: graphsim.Expiration{Type: "afterDateTime", EndDateTime: &far}}},
		{PrincipalID: u(3), RoleDefinitionID: roleGA},
	}
	_, c, _ := startSim(t, seed, graphsim.Options{})
	ten, err := c.ReadAuditTenant(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ends := map[string]*time.Time{}
	types := map[string]string{}
	for _, s := range ten.AssignmentSchedules {
		ends[s.PrincipalID.String()] = s.EndDateTime
		types[s.PrincipalID.String()] = s.AssignmentType
	}
	if len(ten.AssignmentSchedules) != 3 || types[u(0)] != migrate.AssignmentTypeAssigned || ends[u(0)] != nil ||
		types[u(1)] != migrate.AssignmentTypeActivated || ends[u(1)] == nil || !ends[u(1)].Equal(far) ||
		ends[gone] == nil || !ends[gone].Equal(far.Add(30*24*time.Hour)) {
		t.Errorf("assignment schedules %+v", ten.AssignmentSchedules)
	}
	eEnds := map[string]*time.Time{}
	for _, s := range ten.EligibilitySchedules {
		eEnds[s.PrincipalID.String()] = s.EndDateTime
	}
	if len(eEnds) != 2 || eEnds[u(2)] == nil || !eEnds[u(2)].Equal(far) || eEnds[u(3)] != nil {
		t.Errorf("eligibility schedules %+v", ten.EligibilitySchedules)
	}
	found := map[string]bool{}
	for _, p := range ten.Principals {
		found[p.ID.String()] = true
	}
	if len(found) != 4 || found[gone] {
		t.Errorf("principals %v: want the 4 users, not the deleted %s", found, gone)
	}
	// ReadTenant (plan) reads no assignment schedules.
	plain, err := c.ReadTenant(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain.AssignmentSchedules != nil {
		t.Errorf("ReadTenant read %d assignment schedules", len(plain.AssignmentSchedules))
	}
}
