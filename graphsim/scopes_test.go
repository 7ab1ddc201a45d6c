package graphsim

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// Scope objects of the test tenant.
const (
	auEurope   = "a0000000-0000-4000-8000-0000000000e1"
	auAsia     = "a0000000-0000-4000-8000-0000000000e2"
	appPayroll = "a9900000-0000-4000-8000-0000000000a1" // application object id
	appPayID   = "a9900000-0000-4000-8000-0000000000b1" // its appId
	catGeneral = "beedadfe-01d5-4025-910b-84abb9369997"
	tier1      = "96000000-0000-4000-8000-000000000003" // role-assignable, nested in admins' membership
	helpdesk   = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	attrAdmin  = "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d"
	appAdmin   = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	catOwner   = "ae79f266-94d4-4dab-b730-feca7e132178"
	catCreator = "ba92d953-d8e0-4e39-a797-0cbedb0a89e8"
	catReader  = "44272f93-9762-48e8-af59-1b5351b1d6b3"

	emRoleDefs = "/v1.0/roleManagement/entitlementManagement/roleDefinitions"
	emRAs      = "/v1.0/roleManagement/entitlementManagement/roleAssignments"
)

// scopeSeed is testSeed with scope objects, nested membership (with a
// cycle) and an entitlement-management assignment.
func scopeSeed() *Seed {
	s := testSeed()
	s.Groups = append(s.Groups, Group{ID: tier1, DisplayName: "Tier 1", IsAssignableToRole: true})
	s.AdministrativeUnits = []AdministrativeUnit{{ID: auEurope, DisplayName: "Europe"}, {ID: auAsia, DisplayName: "Asia"}}
	s.AttributeSets = []AttributeSet{{ID: "Engineering", Description: "Engineering attributes"}}
	s.Applications = []Application{{ID: appPayroll, AppID: appPayID, DisplayName: "Payroll"}}
	s.AccessPackageCatalogs = []AccessPackageCatalog{{ID: catGeneral, DisplayName: "General"}}
	s.GroupMembers = map[string][]string{
		admins: {alice, tier1},
		tier1:  {bob, robot, admins}, // a cycle back to admins
	}
	s.EntitlementManagementRoleAssignments = []EntitlementRoleAssignment{{PrincipalID: bob, RoleDefinitionID: catReader}}
	return s
}

// TestScopeSeedNames: a seed file with the documented field names loads,
// and /_sim/state gives it back in the same names.
func TestScopeSeedNames(t *testing.T) {
	file := `{"tenantId": "` + tenantID + `",
	 "users": [{"id": "` + alice + `"}], "groups": [{"id": "` + admins + `", "isAssignableToRole": true}],
	 "administrativeUnits": [{"id": "` + auEurope + `", "displayName": "Europe"}],
	 "attributeSets": [{"id": "Engineering", "description": "Engineering attributes"}],
	 "applications": [{"id": "` + appPayroll + `", "appId": "` + appPayID + `", "displayName": "Payroll"}],
	 "accessPackageCatalogs": [{"id": "` + catGeneral + `", "displayName": "General"}],
	 "entitlementManagementRoleAssignments": [{"id": "em-1", "principalId": "` + alice + `", "roleDefinitionId": "` + catOwner + `", "appScopeId": "/AccessPackageCatalog/` + catGeneral + `"}],
	 "groupMembers": {"` + admins + `": ["` + alice + `"]}}`
	seed, err := LoadSeed(strings.NewReader(file), "tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, seed, Options{})
	r := e.must(200, "GET", "/_sim/state", nil)
	for _, k := range []string{"administrativeUnits", "attributeSets", "applications", "accessPackageCatalogs", "entitlementManagementRoleAssignments", "groupMembers"} {
		var want, got any
		json.Unmarshal([]byte(file), &want)
		if got = r.body[k]; !reflect.DeepEqual(got, want.(map[string]any)[k]) {
			t.Errorf("%s: state %v, seed %v", k, got, want.(map[string]any)[k])
		}
	}
}

func TestScopeSeedErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *Seed)
		want string
	}{
		{"AU id not a GUID", func(s *Seed) { s.AdministrativeUnits[0].ID = "europe" }, `administrativeUnits[0] (id "europe"): id:`},
		{"AU id of a user", func(s *Seed) { s.AdministrativeUnits[0].ID = alice }, "duplicate id: users[0] has the same object id"},
		{"application appId not a GUID", func(s *Seed) { s.Applications[0].AppID = "payroll" }, "applications[0]"},
		{"attribute set id with a space", func(s *Seed) { s.AttributeSets[0].ID = "Human Resources" }, "no spaces or special characters"},
		{"attribute set twice in other case", func(s *Seed) {
			s.AttributeSets = append(s.AttributeSets, AttributeSet{ID: "ENGINEERING"})
		}, "ids are case-insensitive"},
		{"catalog twice", func(s *Seed) { s.AccessPackageCatalogs = append(s.AccessPackageCatalogs, s.AccessPackageCatalogs[0]) }, "accessPackageCatalogs[1]"},
		{"members of a user", func(s *Seed) { s.GroupMembers[alice] = []string{bob} }, "is not a group of the seed"},
		{"unknown member", func(s *Seed) { s.GroupMembers[admins] = []string{nobody} }, "member " + nobody + " is no user, group or service principal"},
		{"em assignment twice", func(s *Seed) {
			s.EntitlementManagementRoleAssignments = append(s.EntitlementManagementRoleAssignments, EntitlementRoleAssignment{PrincipalID: bob, RoleDefinitionID: catReader, AppScopeID: "/"})
		}, "duplicate assignment"},
		{"em assignment without role", func(s *Seed) { s.EntitlementManagementRoleAssignments[0].RoleDefinitionID = "" }, "roleDefinitionId is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scopeSeed()
			tt.edit(s)
			err := s.Validate()
			var se *SeedError
			if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a SeedError containing %q", err, tt.want)
			}
		})
	}
	if err := scopeSeed().Validate(); err != nil {
		t.Fatalf("the valid seed: %v", err)
	}
}

func TestScopeObjectLists(t *testing.T) {
	e := newEnv(t, scopeSeed(), Options{})
	tests := []struct {
		name, path, want string // want: the ids listed, or the error code
	}{
		{"administrative units", "/v1.0/directory/administrativeUnits", auEurope + " " + auAsia},
		{"administrative unit by name", "/v1.0/directory/administrativeUnits?$filter=" + url.QueryEscape("displayName eq 'asia'"), auAsia},
		{"attribute sets", "/v1.0/directory/attributeSets", "Engineering"},
		{"applications by appId", "/v1.0/applications?$filter=" + url.QueryEscape("appId eq '"+strings.ToUpper(appPayID)+"'"), appPayroll},
		{"applications by name, none", "/v1.0/applications?$filter=" + url.QueryEscape("displayName eq 'HR'"), ""},
		{"catalogs", "/v1.0/identityGovernance/entitlementManagement/catalogs", catGeneral},
		{"catalog by name", "/v1.0/identityGovernance/entitlementManagement/catalogs?$filter=" + url.QueryEscape("displayName eq 'General'"), catGeneral},
		{"transitive members, nested, cycle", "/v1.0/groups/" + admins + "/transitiveMembers", alice + " " + tier1 + " " + bob + " " + robot},
		{"transitive members of a nested group", "/v1.0/groups/" + tier1 + "/transitiveMembers", bob + " " + robot + " " + admins + " " + alice},
		{"transitive members of a group without any", "/v1.0/groups/" + plain + "/transitiveMembers", ""},
		{"em role definitions", emRoleDefs, catOwner + " " + catReader + " 7f480852-ebdc-47d4-87de-0d8498384a83 " + catCreator + " e2182095-804a-4656-ae11-64734e9b7ae5"},
		{"em role definition by name", emRoleDefs + "?$filter=" + url.QueryEscape("displayName eq 'catalog owner'"), catOwner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(ids(e.all(tt.path), "id"), " "); got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	gets := []struct {
		path, want string // want: displayName or description; "" for 404
	}{
		{"/v1.0/directory/administrativeUnits/" + strings.ToUpper(auEurope), "Europe"},
		{"/v1.0/directory/administrativeUnits/" + nobody, ""},
		{"/v1.0/directory/attributeSets/engineering", "Engineering attributes"},
		{"/v1.0/directory/attributeSets/Finance", ""},
		{"/v1.0/applications/" + appPayroll, "Payroll"},
		{"/v1.0/applications/" + appPayID, ""}, // an appId is not the object id
		{"/v1.0/identityGovernance/entitlementManagement/catalogs/" + catGeneral, "General"},
		{emRoleDefs + "/" + catOwner, "Catalog owner"},
		{emRoleDefs + "/" + globalAdmin, ""},
		{"/v1.0/groups/" + alice + "/transitiveMembers", ""},
	}
	for _, g := range gets {
		r := e.do("GET", g.path, nil)
		if g.want == "" {
			wantError(t, r, 404, "Request_ResourceNotFound", "does not exist")
			continue
		}
		if r.status != 200 || (r.str("displayName") != g.want && r.str("description") != g.want) {
			t.Errorf("GET %s: %d %s", g.path, r.status, r.raw)
		}
	}
	if vs := e.all("/v1.0/groups/" + admins + "/transitiveMembers"); vs[0]["@odata.type"] != "#microsoft.graph.user" || vs[1]["@odata.type"] != "#microsoft.graph.group" {
		t.Errorf("members' types: %v", vs)
	}
}

// TestDirectoryScopeValidation: directory role assignments at an
// administrative unit, an attribute set and an app registration: the
// object must exist and the role must be one that can take the scope.
func TestDirectoryScopeValidation(t *testing.T) {
	tests := []struct {
		name, role, scope string
		status            int
		code, msg         string
	}{
		{"User Administrator at an AU", userAdmin, "/administrativeUnits/" + auEurope, 201, "", ""},
		{"Helpdesk at an AU, upper case", helpdesk, "/administrativeUnits/" + strings.ToUpper(auAsia), 201, "", ""},
		{"custom role at an AU", customRole, "/administrativeUnits/" + auEurope, 201, "", ""},
		{"attribute role at an attribute set, other case", attrAdmin, "/attributeSets/engineering", 201, "", ""},
		{"Application Administrator at an app registration", appAdmin, "/" + appPayroll, 201, "", ""},
		{"unknown AU", userAdmin, "/administrativeUnits/" + nobody, 404, "Request_ResourceNotFound", "Resource '" + nobody + "' does not exist"},
		{"AU by name", userAdmin, "/administrativeUnits/Europe", 404, "Request_ResourceNotFound", "Resource 'Europe' does not exist"},
		{"unknown attribute set", attrAdmin, "/attributeSets/Finance", 404, "Request_ResourceNotFound", "Resource 'Finance'"},
		{"unknown app registration", appAdmin, "/" + nobody, 404, "Request_ResourceNotFound", nobody},
		{"a user is not an app registration", appAdmin, "/" + alice, 404, "Request_ResourceNotFound", alice},
		{"an appId is not the object id", appAdmin, "/" + appPayID, 404, "Request_ResourceNotFound", appPayID},
		{"Global Administrator at an AU", globalAdmin, "/administrativeUnits/" + auEurope, 400, "Request_BadRequest", "cannot be assigned at scope '/administrativeUnits/" + auEurope + "'"},
		{"User Administrator at an attribute set", userAdmin, "/attributeSets/Engineering", 400, "Request_BadRequest", "cannot be assigned at scope"},
		{"attribute role at an AU", attrAdmin, "/administrativeUnits/" + auEurope, 400, "Request_BadRequest", "cannot be assigned at scope"},
		{"User Administrator at an app registration", userAdmin, "/" + appPayroll, 400, "Request_BadRequest", "cannot be assigned at scope"},
		{"a path graphsim does not know", userAdmin, "/directory/x", 400, "Request_BadRequest", "directoryScopeId"},
	}
	e := newEnv(t, scopeSeed(), Options{})
	created := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", ras, map[string]any{"principalId": alice, "roleDefinitionId": tt.role, "directoryScopeId": tt.scope})
			if tt.status == 201 {
				if r.status != 201 || r.str("directoryScopeId") != tt.scope {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				created++
				return
			}
			wantError(t, r, tt.status, tt.code, tt.msg)
		})
	}
	if got := len(e.srv.State().RoleAssignments); got != 2+created {
		t.Errorf("%d role assignments, want the 2 seeded and %d created", got, created)
	}
}

func TestEntitlementRoleAssignments(t *testing.T) {
	e := newEnv(t, scopeSeed(), Options{})
	catScope := "/AccessPackageCatalog/" + catGeneral
	owner := e.must(201, "POST", emRAs, map[string]any{"principalId": strings.ToUpper(alice), "roleDefinitionId": catOwner, "appScopeId": catScope})
	if owner.str("principalId") != alice || owner.str("appScopeId") != catScope || owner.body["directoryScopeId"] != nil ||
		!strings.HasSuffix(owner.str("@odata.context"), "#roleManagement/entitlementManagement/roleAssignments/$entity") {
		t.Errorf("created %s", owner.raw)
	}
	e.must(201, "POST", emRAs, map[string]any{"principalId": plain, "roleDefinitionId": catCreator, "appScopeId": "/"})

	filter := func(f string) string {
		return strings.Join(ids(e.all(emRAs+"?$filter="+url.QueryEscape(f)), "principalId"), " ")
	}
	for f, want := range map[string]string{
		"":                                 bob + " " + alice + " " + plain,
		"appScopeId eq '" + catScope + "'": alice,
		"roleDefinitionId eq '" + catReader + "' and appScopeId eq '/'":     bob,
		"principalId in ('" + strings.ToUpper(alice) + "','" + plain + "')": alice + " " + plain,
	} {
		if f == "" {
			if got := strings.Join(ids(e.all(emRAs), "principalId"), " "); got != want {
				t.Errorf("all: %q, want %q", got, want)
			}
			continue
		}
		if got := filter(f); got != want {
			t.Errorf("%s: %q, want %q", f, got, want)
		}
	}
	got := e.must(200, "GET", emRAs+"/"+owner.str("id")+"?$expand=principal,roleDefinition", nil)
	if p, _ := got.body["principal"].(map[string]any); p["id"] != alice {
		t.Errorf("expanded principal %s", got.raw)
	}
	if d, _ := got.body["roleDefinition"].(map[string]any); d["displayName"] != "Catalog owner" {
		t.Errorf("expanded role %s", got.raw)
	}
	// A directory role assignment is not an entitlement one, and back.
	wantError(t, e.do("GET", ras+"/"+owner.str("id"), nil), 404, "Request_ResourceNotFound", owner.str("id"))

	e.must(204, "DELETE", emRAs+"/"+owner.str("id"), nil)
	wantError(t, e.do("GET", emRAs+"/"+owner.str("id"), nil), 404, "Request_ResourceNotFound", owner.str("id"))
	wantError(t, e.do("DELETE", emRAs+"/"+owner.str("id"), nil), 404, "Request_ResourceNotFound", owner.str("id"))
	again := e.must(201, "POST", emRAs, map[string]any{"principalId": alice, "roleDefinitionId": catOwner, "appScopeId": catScope})
	if again.str("id") != owner.str("id") {
		t.Errorf("recreated with id %q, first %q", again.str("id"), owner.str("id"))
	}
	st := e.srv.State()
	if n := len(st.EntitlementManagementRoleAssignments); n != 3 {
		t.Errorf("state has %d entitlement assignments, want 3", n)
	}
	if n := len(st.RoleAssignments); n != 2 {
		t.Errorf("state has %d directory assignments, want the 2 seeded", n)
	}
}

func TestCreateEntitlementRoleAssignmentErrors(t *testing.T) {
	catScope := "/AccessPackageCatalog/" + catGeneral
	body := func(principal, role string, scopes ...string) map[string]any {
		m := map[string]any{"principalId": principal, "roleDefinitionId": role}
		for i := 0; i+1 < len(scopes); i += 2 {
			m[scopes[i]] = scopes[i+1]
		}
		return m
	}
	tests := []struct {
		name      string
		body      any
		status    int
		code, msg string
	}{
		{"duplicate of the seeded one", body(bob, catReader, "appScopeId", "/"), 400, "Request_BadRequest", "A conflicting object"},
		{"unknown catalog", body(alice, catOwner, "appScopeId", "/AccessPackageCatalog/"+nobody), 404, "Request_ResourceNotFound", "Resource '" + nobody + "'"},
		{"catalog by name", body(alice, catOwner, "appScopeId", "/AccessPackageCatalog/General"), 404, "Request_ResourceNotFound", "Resource 'General'"},
		{"Catalog creator at a catalog", body(alice, catCreator, "appScopeId", catScope), 400, "Request_BadRequest", "cannot be assigned at scope"},
		{"a directory role", body(alice, globalAdmin, "appScopeId", "/"), 404, "Request_ResourceNotFound", "Resource '" + globalAdmin + "'"},
		{"unknown principal", body(nobody, catOwner, "appScopeId", "/"), 404, "Request_ResourceNotFound", "Resource '" + nobody + "'"},
		{"a directory scope", body(alice, catOwner, "directoryScopeId", "/"), 400, "Request_BadRequest", "use appScopeId"},
		{"no scope", body(alice, catOwner), 400, "Request_BadRequest", "One of directoryScopeId or appScopeId"},
		{"an AU as app scope", body(alice, catOwner, "appScopeId", "/administrativeUnits/"+auEurope), 400, "Request_BadRequest", "appScopeId"},
		{"principal not a GUID", body("alice", catOwner, "appScopeId", "/"), 400, "Request_BadRequest", "principalId"},
		{"role not a GUID", body(alice, "Catalog owner", "appScopeId", "/"), 400, "Request_BadRequest", "roleDefinitionId"},
		{"not JSON", []byte("{"), 400, "BadRequest", "Unable to read JSON"},
	}
	e := newEnv(t, scopeSeed(), Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.do("POST", emRAs, tt.body), tt.status, tt.code, tt.msg)
		})
	}
	if n := len(e.srv.State().EntitlementManagementRoleAssignments); n != 1 {
		t.Errorf("refused creates left %d assignments, want the 1 seeded", n)
	}
}

// TestScheduleRequestScopeValidation: schedule requests are held to the
// same scopes as role assignments.
func TestScheduleRequestScopeValidation(t *testing.T) {
	e := newEnv(t, scopeSeed(), Options{})
	for _, tt := range []struct {
		name, path, role, scope string
		status                  int
		code                    string
	}{
		{"eligible User Administrator at an AU", eligReqs, userAdmin, "/administrativeUnits/" + auEurope, 201, ""},
		{"eligible at an unknown AU", eligReqs, userAdmin, "/administrativeUnits/" + nobody, 404, "Request_ResourceNotFound"},
		{"eligible Global Administrator at an AU", eligReqs, globalAdmin, "/administrativeUnits/" + auEurope, 400, "Request_BadRequest"},
		{"active User Administrator at an app registration", asgReqs, userAdmin, "/" + appPayroll, 400, "Request_BadRequest"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := schedReq("adminAssign", alice, tt.role, map[string]any{"type": "noExpiration"})
			b["directoryScopeId"] = tt.scope
			r := e.do("POST", tt.path, b)
			if tt.status == 201 {
				if r.status != 201 {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				return
			}
			wantError(t, r, tt.status, tt.code, "")
		})
	}
}
