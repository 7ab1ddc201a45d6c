package graphsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate"
)

func TestLoadSeedDerivesIDs(t *testing.T) {
	in := `{
	  "_comment": "comments are fine",
	  "tenantId": "` + tenantID + `",
	  "users": [{"id": "` + alice + `", "userPrincipalName": "alice@x", "displayName": "Alice", "accountEnabled": true, "userType": "Member"}],
	  "privilegedRoleAssignments": [{"userId": "` + alice + `", "roleId": "` + globalAdmin + `", "isElevated": true, "expirationDateTime": null}],
	  "roleAssignments": [{"principalId": "` + alice + `", "roleDefinitionId": "` + globalAdmin + `"}],
	  "roleEligibilitySchedules": [{"principalId": "` + alice + `", "roleDefinitionId": "` + securityAdmin + `", "directoryScopeId": "/",
	     "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P30D"}}}]
	}`
	s, err := LoadSeed(strings.NewReader(in), "t.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.PrivilegedRoleAssignments[0].ID, alice+"_"+globalAdmin; got != want {
		t.Errorf("legacy id %q, want %q", got, want)
	}
	ra := s.RoleAssignments[0]
	if ra.DirectoryScopeID != "/" || !strings.HasSuffix(ra.ID, "-1") || len(ra.ID) != 45 {
		t.Errorf("role assignment %+v: want scope / and a 43+2 character id", ra)
	}
	if _, err := migrate.ParseGUID(s.RoleEligibilitySchedules[0].ID); err != nil {
		t.Errorf("schedule id %q: %v", s.RoleEligibilitySchedules[0].ID, err)
	}
}

func TestLoadSeedErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"malformed JSON", "{\n  \"tenantId\": \"x\",\n  oops\n}", []string{"bad.json", "line 3", "malformed JSON"}},
		{"truncated", `{"users": [`, []string{"bad.json", "truncated"}},
		{"not an object", `[1,2]`, []string{"bad.json"}},
		{"unknown field", `{"tenantId": "` + tenantID + `", "usres": []}`, []string{"bad.json", `unknown field "usres"`}},
		{"wrong type", `{"users": [{"id": "` + alice + `", "accountEnabled": "yes"}]}`, []string{"bad.json", "line 1", "accountEnabled"}},
		{"bad tenant", `{"tenantId": "contoso"}`, []string{"tenantId", "malformed GUID"}},
		{"bad user GUID", `{"users": [{"id": "alice"}]}`, []string{"users[0]", "malformed GUID"}},
		{"missing id", `{"groups": [{"displayName": "x"}]}`, []string{"groups[0]", "id is missing"}},
		{"duplicate object id", `{"users": [{"id": "` + alice + `"}], "servicePrincipals": [{"id": "` + strings.ToUpper(alice) + `"}]}`,
			[]string{"servicePrincipals[0]", "duplicate id", "users[0]"}},
		{"bad roleId", `{"privilegedRoleAssignments": [{"userId": "` + alice + `", "roleId": "GA"}]}`,
			[]string{"privilegedRoleAssignments[0]", "roleId", "malformed GUID"}},
		{"legacy id mismatch", `{"privilegedRoleAssignments": [{"id": "x_y", "userId": "` + alice + `", "roleId": "` + globalAdmin + `"}]}`,
			[]string{"privilegedRoleAssignments[0]", "{userId}_{roleId}"}},
		{"duplicate legacy id", `{"privilegedRoleAssignments": [{"userId": "` + alice + `", "roleId": "` + globalAdmin + `"},
			{"userId": "` + strings.ToUpper(alice) + `", "roleId": "` + globalAdmin + `"}]}`,
			[]string{"privilegedRoleAssignments[1]", "duplicate id"}},
		{"duplicate governance id", `{"governanceRoleAssignments": [{"id": "g", "subjectId": "` + alice + `", "roleDefinitionId": "` + globalAdmin + `"},
			{"id": "G", "subjectId": "` + bob + `", "roleDefinitionId": "` + globalAdmin + `"}]}`,
			[]string{"governanceRoleAssignments[1]", "duplicate id"}},
		{"duplicate assignment", `{"roleAssignments": [{"principalId": "` + alice + `", "roleDefinitionId": "` + globalReader + `"},
			{"principalId": "` + alice + `", "roleDefinitionId": "` + readerDirID + `"}],
			"roleDefinitions": [{"id": "` + readerDirID + `", "templateId": "` + globalReader + `", "displayName": "Global Reader"}]}`,
			[]string{"roleAssignments[1]", "duplicate assignment"}},
		{"new role without name", `{"roleDefinitions": [{"id": "` + customRole + `"}]}`, []string{"roleDefinitions[0]", "displayName"}},
		{"bad expiration", `{"roleEligibilitySchedules": [{"principalId": "` + alice + `", "roleDefinitionId": "` + globalAdmin + `",
			"scheduleInfo": {"expiration": {"type": "afterDateTime"}}}]}`, []string{"roleEligibilitySchedules[0]", "endDateTime"}},
		{"bad duration", `{"roleEligibilitySchedules": [{"principalId": "` + alice + `", "roleDefinitionId": "` + globalAdmin + `",
			"scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "8 hours"}}}]}`, []string{"duration", "ISO 8601"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSeed(strings.NewReader(tt.in), "bad.json")
			if err == nil {
				t.Fatal("no error")
			}
			var se *SeedError
			if !errors.As(err, &se) || se.File != "bad.json" {
				t.Errorf("error %v is not a SeedError naming the file", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestStateRoundTrip(t *testing.T) {
	srv := New(testSeed(), Options{Now: newClock().Now})
	st := srv.State()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadSeed(bytes.NewReader(data), "state.json")
	if err != nil {
		t.Fatalf("state does not load as a seed: %v\n%s", err, data)
	}
	if !reflect.DeepEqual(again, st) {
		t.Errorf("state changed on reload:\n%+v\n%+v", again, st)
	}
	// State is a copy: changing it changes nothing.
	st.RoleAssignments = nil
	if len(srv.State().RoleAssignments) != 2 {
		t.Error("State returned the server's own slices")
	}
}

func TestNewPanicsOnInvalidSeed(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	New(&Seed{Users: []User{{ID: "x"}}}, Options{})
}

// TestDemoTenant serves the demo seed that fixtures/ carries.
func TestDemoTenant(t *testing.T) {
	f, err := os.Open("../fixtures/demo-tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seed, err := LoadSeed(f, "demo-tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, seed, Options{})
	org := e.must(200, "GET", "/v1.0/organization", nil).values()
	if len(org) != 1 || !strings.EqualFold(org[0]["id"].(string), seed.TenantID) {
		t.Errorf("organization %v, want tenant %s", org, seed.TenantID)
	}
	if seed.Registered() {
		if got := len(e.all("/beta/privilegedRoleAssignments?$top=7")); got != len(seed.PrivilegedRoleAssignments) {
			t.Errorf("listed %d legacy assignments, seed has %d", got, len(seed.PrivilegedRoleAssignments))
		}
	}
	if got, most := len(e.all("/v1.0/roleManagement/directory/roleAssignments")), len(seed.RoleAssignments)+len(seed.RoleAssignmentSchedules); got > most {
		t.Errorf("listed %d role assignments, seed has at most %d", got, most)
	}
}
