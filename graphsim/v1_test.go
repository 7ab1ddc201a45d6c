package graphsim

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const ras = "/v1.0/roleManagement/directory/roleAssignments"

func TestRoleAssignmentsFilter(t *testing.T) {
	seed := testSeed()
	seed.RoleAssignments = append(seed.RoleAssignments,
		RoleAssignment{PrincipalID: admins, RoleDefinitionID: securityAdmin, DirectoryScopeID: "/administrativeUnits/" + nobody},
		RoleAssignment{PrincipalID: robot, RoleDefinitionID: exchangeAdmin, AppScopeID: "/AccessPackageCatalog/x"},
	)
	e := newEnv(t, seed, Options{})
	who := map[string]string{alice: "alice", bob: "bob", admins: "admins", robot: "robot"}
	tests := []struct {
		filter string
		want   string
	}{
		{"", "alice bob admins robot"},
		{"principalId eq '" + strings.ToUpper(alice) + "'", "alice"},
		{"principalId in ('" + bob + "', '" + strings.ToUpper(admins) + "')", "bob admins"},
		{"roleDefinitionId eq '" + globalReader + "'", "bob"}, // stored as the directory-specific id
		{"roleDefinitionId eq '" + readerDirID + "'", "bob"},  // the same role
		{"roleDefinitionId in ('" + globalAdmin + "','" + exchangeAdmin + "')", "alice robot"},
		{"directoryScopeId eq '/'", "alice bob"},
		{"directoryScopeId eq '/' and principalId eq '" + bob + "'", "bob"},
		{"directoryScopeId eq '/' and principalId eq '" + admins + "'", ""},
		{"appScopeId eq '/AccessPackageCatalog/x'", "robot"},
		{"appScopeId eq null and roleDefinitionId eq '" + securityAdmin + "'", "admins"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			path := ras
			if tt.filter != "" {
				path += "?$filter=" + url.QueryEscape(tt.filter)
			}
			var got []string
			for _, v := range e.all(path) {
				got = append(got, who[v["principalId"].(string)])
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
	for _, f := range []string{"principalId eq " + alice, "displayName eq 'x'", "principalId gt 'a'", "principalId in '" + alice + "'", "principalId in ('a' 'b')"} {
		wantError(t, e.do("GET", ras+"?$filter="+url.QueryEscape(f), nil), 400, "BadRequest", "Invalid filter clause")
	}
}

func TestRoleAssignmentsExpandSelect(t *testing.T) {
	seed := testSeed()
	seed.RoleAssignments = append(seed.RoleAssignments, RoleAssignment{PrincipalID: robot, RoleDefinitionID: exchangeAdmin, DirectoryScopeID: "/"},
		RoleAssignment{PrincipalID: admins, RoleDefinitionID: exchangeAdmin, DirectoryScopeID: "/"})
	e := newEnv(t, seed, Options{})
	vs := e.must(200, "GET", ras+"?$expand=principal", nil).values()
	types := []string{}
	for _, v := range vs {
		p := v["principal"].(map[string]any)
		if p["id"] != v["principalId"] {
			t.Errorf("principal %v of %v", p, v)
		}
		types = append(types, p["@odata.type"].(string))
	}
	want := "#microsoft.graph.user #microsoft.graph.user #microsoft.graph.servicePrincipal #microsoft.graph.group"
	if strings.Join(types, " ") != want {
		t.Errorf("types %v", types)
	}
	vs = e.must(200, "GET", ras+"?$select=principalId,roleDefinitionId", nil).values()
	keys := []string{}
	for k := range vs[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "id,principalId,roleDefinitionId" {
		t.Errorf("$select kept %v", keys)
	}
}

var graphLikeID = regexp.MustCompile(`^[A-Za-z0-9_-]{43}-1$`)

func TestCreateRoleAssignment(t *testing.T) {
	e := newEnv(t, scopeSeed(), Options{})
	r := e.must(201, "POST", ras, map[string]any{
		"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "principalId": strings.ToUpper(robot),
		"roleDefinitionId": exchangeAdmin, "directoryScopeId": "/"})
	id := r.str("id")
	if !graphLikeID.MatchString(id) || r.str("principalId") != robot || r.str("directoryScopeId") != "/" || r.body["appScopeId"] != nil {
		t.Errorf("created %s", r.raw)
	}
	if !strings.HasSuffix(r.str("@odata.context"), "/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity") {
		t.Errorf("context %q", r.str("@odata.context"))
	}
	got := e.must(200, "GET", ras+"/"+id, nil)
	if got.str("id") != id || got.str("roleDefinitionId") != exchangeAdmin {
		t.Errorf("get %s", got.raw)
	}
	// An administrative-unit scope and a group.
	r = e.must(201, "POST", ras, map[string]any{"principalId": admins, "roleDefinitionId": userAdmin, "directoryScopeId": "/administrativeUnits/" + auEurope})
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}-1-[A-Za-z0-9_-]{8}$`).MatchString(r.str("id")) {
		t.Errorf("second id %q", r.str("id"))
	}
	// Entitlement-management style app scope.
	e.must(201, "POST", ras, map[string]any{"principalId": alice, "roleDefinitionId": customRole, "appScopeId": "/AccessPackageCatalog/c1"})

	e.must(204, "DELETE", ras+"/"+id, nil)
	wantError(t, e.do("GET", ras+"/"+id, nil), 404, "Request_ResourceNotFound", id)
	wantError(t, e.do("DELETE", ras+"/"+id, nil), 404, "Request_ResourceNotFound", id)
	// Made again, it gets the same id (Graph's ids derive from role and principal).
	if again := e.must(201, "POST", ras, map[string]any{"principalId": robot, "roleDefinitionId": exchangeAdmin, "directoryScopeId": "/"}); again.str("id") != id {
		t.Errorf("recreated with id %q, first %q", again.str("id"), id)
	}
}

func TestCreateRoleAssignmentErrors(t *testing.T) {
	conflict := "A conflicting object with one or more of the specified property values is present in the directory."
	tests := []struct {
		name          string
		body          map[string]any
		status        int
		code, message string
	}{
		{"duplicate", map[string]any{"principalId": alice, "roleDefinitionId": globalAdmin, "directoryScopeId": "/"}, 400, "Request_BadRequest", conflict},
		{"duplicate, other case", map[string]any{"principalId": strings.ToUpper(alice), "roleDefinitionId": strings.ToUpper(globalAdmin), "directoryScopeId": "/"}, 400, "Request_BadRequest", conflict},
		{"duplicate by directory-specific role id", map[string]any{"principalId": bob, "roleDefinitionId": globalReader, "directoryScopeId": "/"}, 400, "Request_BadRequest", conflict},
		{"unknown principal", map[string]any{"principalId": nobody, "roleDefinitionId": globalAdmin, "directoryScopeId": "/"}, 404, "Request_ResourceNotFound",
			"Resource '" + nobody + "' does not exist or one of its queried reference-property objects are not present."},
		{"unknown role", map[string]any{"principalId": alice, "roleDefinitionId": noRole, "directoryScopeId": "/"}, 404, "Request_ResourceNotFound", "Resource '" + noRole + "' does not exist"},
		{"group not role-assignable", map[string]any{"principalId": plain, "roleDefinitionId": globalReader, "directoryScopeId": "/"}, 400, "Request_BadRequest", "role-assignable"},
		{"disabled role", map[string]any{"principalId": alice, "roleDefinitionId": disabledRole, "directoryScopeId": "/"}, 400, "Request_BadRequest", "disabled"},
		{"no scope", map[string]any{"principalId": alice, "roleDefinitionId": userAdmin}, 400, "Request_BadRequest", "directoryScopeId or appScopeId"},
		{"both scopes", map[string]any{"principalId": alice, "roleDefinitionId": userAdmin, "directoryScopeId": "/", "appScopeId": "/"}, 400, "Request_BadRequest", "Only one"},
		{"relative scope", map[string]any{"principalId": alice, "roleDefinitionId": userAdmin, "directoryScopeId": "administrativeUnits/x"}, 400, "Request_BadRequest", "directoryScopeId"},
		{"principal not a GUID", map[string]any{"principalId": "alice", "roleDefinitionId": userAdmin, "directoryScopeId": "/"}, 400, "Request_BadRequest", "principalId"},
		{"no role", map[string]any{"principalId": alice, "directoryScopeId": "/"}, 400, "Request_BadRequest", "roleDefinitionId"},
	}
	e := newEnv(t, testSeed(), Options{})
	dups := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.do("POST", ras, tt.body), tt.status, tt.code, tt.message)
		})
		if tt.message == conflict {
			dups++
		}
	}
	if got := e.srv.Stats().DuplicatesRefused; got != int64(dups) {
		t.Errorf("duplicatesRefused %d, want %d", got, dups)
	}
	if got := len(e.srv.State().RoleAssignments); got != 2 {
		t.Errorf("refused creates left %d assignments, want 2", got)
	}
}

func TestRoleDefinitions(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	const rd = "/v1.0/roleManagement/directory/roleDefinitions"
	all := e.all(rd)
	first := e.must(200, "GET", rd, nil)
	if len(first.values()) != 100 || first.str("@odata.nextLink") == "" {
		t.Errorf("first page %d items, nextLink %q: want 100 and a link", len(first.values()), first.str("@odata.nextLink"))
	}
	byID := map[string]map[string]any{}
	for _, d := range all {
		byID[d["id"].(string)] = d
	}
	if d := byID[globalAdmin]; d["templateId"] != globalAdmin || d["isBuiltIn"] != true || d["isEnabled"] != true || d["displayName"] != "Global Administrator" {
		t.Errorf("GA %v", d)
	}
	if d := byID[customRole]; d["templateId"] != customRole || d["isBuiltIn"] != false || d["description"] != "reads audit logs" {
		t.Errorf("custom %v", d)
	}
	if d := byID[disabledRole]; d["isEnabled"] != false {
		t.Errorf("disabled %v", d)
	}
	if d := byID[readerDirID]; d["templateId"] != globalReader {
		t.Errorf("directory-specific %v", d)
	}
	for _, tt := range []struct {
		filter string
		want   int
	}{
		{"displayName eq 'global administrator'", 1},
		{"id eq '" + strings.ToUpper(customRole) + "'", 1},
		{"isBuiltIn eq false", 2},
		{"templateId eq '" + globalReader + "'", 2},
		{"isBuiltIn eq true and isEnabled eq true and displayName eq 'Security Administrator'", 1},
	} {
		if got := len(e.all(rd + "?$filter=" + url.QueryEscape(tt.filter))); got != tt.want {
			t.Errorf("%q: %d, want %d", tt.filter, got, tt.want)
		}
	}
	if r := e.must(200, "GET", rd+"/"+readerDirID, nil); r.str("id") != readerDirID {
		t.Errorf("get %s", r.raw)
	}
	wantError(t, e.do("GET", rd+"/"+noRole, nil), 404, "Request_ResourceNotFound", noRole)
}

func TestDirectory(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	const gbi = "/v1.0/directoryObjects/getByIds"
	r := e.must(200, "POST", gbi+"?$select=id,displayName,userPrincipalName,accountEnabled",
		map[string]any{"ids": []string{alice, nobody, strings.ToUpper(admins), robot, carol}, "types": []string{"user", "group", "servicePrincipal"}})
	vs := r.values()
	if got := strings.Join(ids(vs, "@odata.type"), " "); got != "#microsoft.graph.user #microsoft.graph.group #microsoft.graph.servicePrincipal #microsoft.graph.user" {
		t.Errorf("types %s", got)
	}
	if vs[0]["userPrincipalName"] != "alice@contoso.example" || vs[3]["accountEnabled"] != false || vs[0]["userType"] != nil {
		t.Errorf("selected user properties: %v / %v", vs[0], vs[3])
	}
	if got := r.header.Get("x-ms-resource-unit"); got != "2" {
		t.Errorf("resource units %q, want 3-1", got)
	}
	vs = e.must(200, "POST", gbi, map[string]any{"ids": []string{alice, admins}, "types": []string{"group"}}).values()
	if len(vs) != 1 || vs[0]["isAssignableToRole"] != true {
		t.Errorf("types filter: %v", vs)
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	wantError(t, e.do("POST", gbi, map[string]any{"ids": many}), 400, "Request_BadRequest", "1000")
	if vs := e.must(200, "POST", gbi, map[string]any{"ids": many[:1000]}).values(); len(vs) != 0 {
		t.Errorf("unknown ids found: %v", vs)
	}
	wantError(t, e.do("POST", gbi, map[string]any{"ids": []string{alice}, "types": []string{"printer"}}), 400, "Request_BadRequest", "printer")
	wantError(t, e.do("POST", gbi, map[string]any{}), 400, "Request_BadRequest", "ids")

	// users/{id} by id and UPN; v1.0's default properties unless $select.
	u := e.must(200, "GET", "/v1.0/users/"+strings.ToUpper(carol), nil)
	if u.str("displayName") != "Carol" || u.body["accountEnabled"] != nil {
		t.Errorf("user default properties: %s", u.raw)
	}
	u = e.must(200, "GET", "/v1.0/users/carol_ext%23EXT%23@contoso.example?$select=accountEnabled,userType", nil)
	if u.body["accountEnabled"] != false || u.str("userType") != "Guest" || u.str("id") != carol || u.body["displayName"] != nil {
		t.Errorf("user selected properties: %s", u.raw)
	}
	wantError(t, e.do("GET", "/v1.0/users/"+admins, nil), 404, "Request_ResourceNotFound", admins)
	e.must(200, "GET", "/v1.0/groups/"+admins, nil)
	e.must(200, "GET", "/v1.0/servicePrincipals/"+robot, nil)
	if r := e.must(200, "GET", "/v1.0/directoryObjects/"+robot, nil); r.str("@odata.type") != "#microsoft.graph.servicePrincipal" {
		t.Errorf("directoryObject %s", r.raw)
	}
	if got := len(e.all("/v1.0/users?$filter=" + url.QueryEscape("accountEnabled eq true") + "&$top=1")); got != 2 {
		t.Errorf("enabled users %d", got)
	}
	org := e.must(200, "GET", "/v1.0/organization", nil).values()
	if len(org) != 1 || org[0]["id"] != tenantID || org[0]["displayName"] != "Contoso" {
		t.Errorf("organization %v", org)
	}
}
