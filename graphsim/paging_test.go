package graphsim

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// bigSeed has n users, each eligible (legacy) for one role and assigned it
// (unified).
func bigSeed(n int) *Seed {
	s := &Seed{TenantID: tenantID}
	roles := []string{globalAdmin, securityAdmin, userAdmin, globalReader, exchangeAdmin}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		s.Users = append(s.Users, User{ID: id, DisplayName: fmt.Sprintf("user %d", i)})
		role := roles[i%len(roles)]
		s.PrivilegedRoleAssignments = append(s.PrivilegedRoleAssignments, PrivilegedRoleAssignment{UserID: id, RoleID: role, IsElevated: i%2 == 0})
		s.RoleAssignments = append(s.RoleAssignments, RoleAssignment{PrincipalID: id, RoleDefinitionID: role})
		s.RoleEligibilitySchedules = append(s.RoleEligibilitySchedules, Schedule{PrincipalID: id, RoleDefinitionID: role})
	}
	return s
}

func TestPagingReturnsEverythingOnce(t *testing.T) {
	const n = 257
	e := newEnv(t, bigSeed(n), Options{})
	tests := []struct {
		path string
		key  string
		want int
	}{
		{"/beta/privilegedRoleAssignments", "id", n},
		{"/beta/privilegedRoleAssignments?$top=10", "id", n},
		{"/beta/privilegedRoleAssignments?$top=999", "id", n},
		{"/beta/privilegedRoleAssignments?$filter=" + url.QueryEscape("isElevated eq true") + "&$top=7", "id", (n + 1) / 2},
		{ras + "?$top=13", "id", n},
		{ras + "?$filter=" + url.QueryEscape("roleDefinitionId eq '"+globalAdmin+"'") + "&$top=5&$select=principalId", "id", (n + 4) / 5},
		{rm + "/roleEligibilitySchedules?$top=50", "id", n},
		{rm + "/roleEligibilityScheduleInstances?$top=50", "id", n},
		{rm + "/roleAssignmentScheduleInstances?$top=50", "id", n},
		{rm + "/roleAssignmentSchedules?$top=50", "id", n},
		{"/v1.0/users?$top=20", "id", n},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			seen := map[string]bool{}
			pages := 0
			for next := tt.path; next != ""; pages++ {
				r := e.must(200, "GET", next, nil)
				for _, v := range r.values() {
					id := v[tt.key].(string)
					if seen[id] {
						t.Fatalf("%s returned twice", id)
					}
					seen[id] = true
				}
				next = r.str("@odata.nextLink")
				if next != "" && !strings.HasPrefix(next, e.ts.URL+"/") {
					t.Fatalf("nextLink %q is not on the test server %s", next, e.ts.URL)
				}
				if next != "" && strings.Contains(next, "graph.microsoft.com") {
					t.Fatalf("nextLink %q", next)
				}
			}
			if len(seen) != tt.want {
				t.Errorf("%d records over %d pages, want %d", len(seen), pages, tt.want)
			}
		})
	}
}

func TestPagingWhileWriting(t *testing.T) {
	e := newEnv(t, bigSeed(30), Options{})
	r := e.must(200, "GET", ras+"?$top=10", nil)
	first := r.values()
	// Delete a record already seen and one not yet seen; add one.
	e.must(204, "DELETE", ras+"/"+first[0]["id"].(string), nil)
	st := e.srv.State()
	e.must(204, "DELETE", ras+"/"+st.RoleAssignments[len(st.RoleAssignments)-1].ID, nil)
	e.must(201, "POST", ras, map[string]any{"principalId": st.Users[0].ID, "roleDefinitionId": privRoleAdmin, "directoryScopeId": "/"})
	seen := map[string]bool{}
	for _, v := range first {
		seen[v["id"].(string)] = true
	}
	for _, v := range e.all(r.str("@odata.nextLink")) {
		if seen[v["id"].(string)] {
			t.Fatalf("%v returned twice", v["id"])
		}
		seen[v["id"].(string)] = true
	}
	// 30 - 1 deleted unseen + 1 new = 30 distinct ids seen.
	if len(seen) != 30 {
		t.Errorf("%d records seen, want 30", len(seen))
	}
}

func TestPagingErrors(t *testing.T) {
	e := newEnv(t, bigSeed(3), Options{})
	for _, q := range []string{"$top=0", "$top=1000", "$top=x", "$skiptoken=garbage"} {
		wantError(t, e.do("GET", ras+"?"+q, nil), 400, "BadRequest", "")
	}
	// The nextLink keeps the other options.
	r := e.must(200, "GET", ras+"?$top=1&$filter="+url.QueryEscape("directoryScopeId eq '/'"), nil)
	next := r.str("@odata.nextLink")
	if !strings.Contains(next, "$top=1") || !strings.Contains(next, "$filter=directoryScopeId%20eq%20%27%2F%27") || !strings.Contains(next, "$skiptoken=") {
		t.Errorf("nextLink %q", next)
	}
	if !strings.Contains(string(r.raw), "&$skiptoken=") {
		t.Errorf("nextLink written with an escaped '&': %s", r.raw)
	}
}
