package graphsim

import (
	"net/url"
	"sort"
	"strings"
	"testing"
)

const legacy = "/beta/privilegedRoleAssignments"

func TestLegacyList(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	tests := []struct {
		filter string
		want   []string // "user_role" prefixes: a=alice b=bob c=carol; GA SA UA EA
	}{
		{"", []string{"a-GA", "b-GA", "a-SA", "b-UA", "c-EA"}},
		{"isElevated eq true", []string{"a-GA", "a-SA"}},
		{"isElevated eq false", []string{"b-GA", "b-UA", "c-EA"}},
		{"expirationDateTime eq null", []string{"a-GA", "b-GA", "c-EA"}},
		{"expirationDateTime ne null", []string{"a-SA", "b-UA"}},
		{"isElevated eq true and expirationDateTime eq null", []string{"a-GA"}},
		{"isElevated eq false AND expirationDateTime ne null", []string{"b-UA"}},
	}
	names := map[string]string{alice: "a", bob: "b", carol: "c", globalAdmin: "GA", securityAdmin: "SA", userAdmin: "UA", exchangeAdmin: "EA"}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			path := legacy
			if tt.filter != "" {
				path += "?$filter=" + url.QueryEscape(tt.filter)
			}
			r := e.must(200, "GET", path, nil)
			if !strings.HasSuffix(r.str("@odata.context"), "/beta/$metadata#privilegedRoleAssignments") ||
				!strings.HasPrefix(r.str("@odata.context"), e.ts.URL) {
				t.Errorf("@odata.context %q", r.str("@odata.context"))
			}
			var got []string
			for _, v := range r.values() {
				got = append(got, names[strings.ToLower(v["userId"].(string))]+"-"+names[strings.ToLower(v["roleId"].(string))])
				if _, ok := v["expirationDateTime"]; !ok {
					t.Errorf("%v: expirationDateTime missing (Graph sends null)", v)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLegacyFilterRefused(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	for _, f := range []string{
		"roleId eq '" + globalAdmin + "'",
		"isElevated eq 'true'",
		"isElevated ne true",
		"expirationDateTime eq 2021-01-01T00:00:00Z",
		"isElevated eq true or expirationDateTime eq null",
		"isElevated eq",
		"isElevated eq true and",
		"startswith(userId,'a')",
	} {
		t.Run(f, func(t *testing.T) {
			r := e.do("GET", legacy+"?$filter="+url.QueryEscape(f), nil)
			wantError(t, r, 400, "BadRequest", "Invalid filter clause")
		})
	}
}

func TestLegacyGetAndWrite(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	id := alice + "_" + globalAdmin

	// Get is case-insensitive; the stored case is kept.
	r := e.must(200, "GET", legacy+"/"+strings.ToUpper(id), nil)
	if r.str("id") != id || r.body["isElevated"] != true || r.body["expirationDateTime"] != nil {
		t.Errorf("get: %s", r.raw)
	}
	if r := e.must(200, "GET", legacy+"/"+carol+"_"+exchangeAdmin, nil); r.str("id") != strings.ToUpper(carol)+"_"+strings.ToUpper(exchangeAdmin) {
		t.Errorf("get upper-case seed record: %s", r.raw)
	}
	wantError(t, e.do("GET", legacy+"/"+nobody+"_"+globalAdmin, nil), 404, "Request_ResourceNotFound", "does not exist")

	// Create: eligible, not elevated, no expiry.
	r = e.must(201, "POST", legacy, map[string]string{"userId": carol, "roleId": strings.ToUpper(globalReader)})
	if r.str("id") != carol+"_"+globalReader || r.body["isElevated"] != false || r.body["expirationDateTime"] != nil {
		t.Errorf("create: %s", r.raw)
	}
	if !strings.HasSuffix(r.str("@odata.context"), "#privilegedRoleAssignments/$entity") {
		t.Errorf("create context %q", r.str("@odata.context"))
	}
	wantError(t, e.do("POST", legacy, map[string]string{"userId": carol, "roleId": globalReader}), 400, "RoleAssignmentExists", "already exists")
	wantError(t, e.do("POST", legacy, map[string]string{"userId": nobody, "roleId": globalReader}), 404, "Request_ResourceNotFound", nobody)
	wantError(t, e.do("POST", legacy, map[string]string{"userId": admins, "roleId": globalReader}), 404, "Request_ResourceNotFound", admins)
	wantError(t, e.do("POST", legacy, map[string]string{"userId": carol, "roleId": noRole}), 404, "Request_ResourceNotFound", noRole)
	wantError(t, e.do("POST", legacy, map[string]string{"userId": "carol", "roleId": globalReader}), 400, "Request_BadRequest", "userId")
	if got := e.srv.Stats().DuplicatesRefused; got != 1 {
		t.Errorf("duplicatesRefused %d, want 1", got)
	}

	// makePermanent: elevated, no expiry; body optional.
	activated := alice + "_" + securityAdmin
	r = e.must(200, "POST", legacy+"/"+activated+"/makePermanent", map[string]string{"reason": "migration", "ticketNumber": "1", "ticketSystem": "x"})
	if r.body["isElevated"] != true || r.body["expirationDateTime"] != nil {
		t.Errorf("makePermanent: %s", r.raw)
	}
	e.must(200, "POST", legacy+"/"+bob+"_"+userAdmin+"/makePermanent", nil)

	// makeEligible: not elevated, no expiry; a no-op on an eligible one.
	r = e.must(200, "POST", legacy+"/"+activated+"/makeEligible", nil)
	if r.body["isElevated"] != false || r.body["expirationDateTime"] != nil {
		t.Errorf("makeEligible: %s", r.raw)
	}
	timeBound := e.srv.State().PrivilegedRoleAssignments[1] // bob GA, eligible
	r = e.must(200, "POST", legacy+"/"+timeBound.ID+"/makeEligible", nil)
	if r.body["isElevated"] != false {
		t.Errorf("makeEligible on eligible: %s", r.raw)
	}
	wantError(t, e.do("POST", legacy+"/"+nobody+"_"+globalAdmin+"/makeEligible", nil), 404, "Request_ResourceNotFound", "")

	// Delete.
	if r := e.do("DELETE", legacy+"/"+id, nil); r.status != 204 || len(r.raw) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	wantError(t, e.do("DELETE", legacy+"/"+id, nil), 404, "Request_ResourceNotFound", "")
	wantError(t, e.do("GET", legacy+"/"+id, nil), 404, "Request_ResourceNotFound", "")

	st := e.srv.State()
	if len(st.PrivilegedRoleAssignments) != 5 {
		t.Errorf("state has %d legacy assignments, want 5", len(st.PrivilegedRoleAssignments))
	}
}

func TestLegacyMy(t *testing.T) {
	for _, tt := range []struct {
		caller string
		want   int
	}{{"", 2}, {bob, 2}, {carol, 1}, {nobody, 0}} {
		e := newEnv(t, testSeed(), Options{CallerID: tt.caller})
		got := e.must(200, "GET", legacy+"/my", nil).values()
		if len(got) != tt.want {
			t.Errorf("caller %q: %d assignments, want %d", tt.caller, len(got), tt.want)
		}
	}
}

func TestPrivilegedRoles(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	roles := e.all("/beta/privilegedRoles")
	byID := map[string]string{}
	for _, r := range roles {
		byID[r["id"].(string)] = r["name"].(string)
	}
	if byID[globalAdmin] != "Global Administrator" || byID[customRole] != "Custom Auditor" || len(roles) < 100 {
		t.Errorf("%d roles; GA %q custom %q", len(roles), byID[globalAdmin], byID[customRole])
	}
	r := e.must(200, "GET", "/beta/privilegedRoles/"+strings.ToUpper(securityAdmin), nil)
	if r.str("id") != securityAdmin || r.str("name") != "Security Administrator" {
		t.Errorf("get role: %s", r.raw)
	}
	wantError(t, e.do("GET", "/beta/privilegedRoles/"+noRole, nil), 404, "Request_ResourceNotFound", noRole)
	got := ids(e.must(200, "GET", "/beta/privilegedRoles/"+globalAdmin+"/assignments", nil).values(), "userId")
	sort.Strings(got)
	if strings.Join(got, ",") != alice+","+bob {
		t.Errorf("GA assignments of %v", got)
	}
	wantError(t, e.do("GET", "/beta/privilegedRoles/"+noRole+"/assignments", nil), 404, "Request_ResourceNotFound", "")
	r = e.must(200, "GET", legacy+"/"+alice+"_"+globalAdmin+"?$expand=roleInfo", nil)
	if ri, _ := r.body["roleInfo"].(map[string]any); ri["name"] != "Global Administrator" {
		t.Errorf("roleInfo: %s", r.raw)
	}
}

func TestNotRegisteredToPIM(t *testing.T) {
	seed := testSeed()
	seed.PIMRegistered = ptr(false)
	e := newEnv(t, seed, Options{})
	for _, c := range []struct{ method, path string }{
		{"GET", legacy},
		{"POST", legacy},
		{"GET", legacy + "/my"},
		{"GET", legacy + "/" + alice + "_" + globalAdmin},
		{"DELETE", legacy + "/" + alice + "_" + globalAdmin},
		{"POST", legacy + "/" + alice + "_" + globalAdmin + "/makePermanent"},
		{"POST", legacy + "/" + alice + "_" + globalAdmin + "/makeEligible"},
		{"GET", "/beta/privilegedRoles"},
		{"GET", "/beta/privilegedRoles/" + globalAdmin},
		{"GET", "/beta/privilegedRoles/" + globalAdmin + "/assignments"},
		{"GET", "/beta/privilegedAccess/aadRoles/roleAssignments"},
		{"GET", "/beta/privilegedAccess/aadRoles/resources/" + tenantID + "/roleAssignments"},
	} {
		wantError(t, e.do(c.method, c.path, map[string]string{"userId": alice, "roleId": globalAdmin}), 403, "UnauthorizedAccessException", "not registered")
	}
	e.must(200, "GET", "/v1.0/roleManagement/directory/roleAssignments", nil)
	if len(e.srv.State().PrivilegedRoleAssignments) != 5 {
		t.Error("a refused legacy write changed the state")
	}
}

func TestGovernance(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	base := "/beta/privilegedAccess/aadRoles/roleAssignments"
	tests := []struct {
		filter string
		want   string
	}{
		{"", "gov-1 gov-2 gov-3 gov-4"},
		{"subjectId eq '" + strings.ToUpper(alice) + "'", "gov-1"},
		{"roleDefinitionId eq '" + securityAdmin + "'", "gov-2 gov-3 gov-4"},
		{"assignmentState eq 'Eligible'", "gov-2 gov-4"},
		{"assignmentState eq 'Eligible' and memberType eq 'Direct'", "gov-2"},
		{"subjectId in ('" + alice + "','" + robot + "')", "gov-1 gov-3"},
	}
	for _, tt := range tests {
		path := base
		if tt.filter != "" {
			path += "?$filter=" + url.QueryEscape(tt.filter)
		}
		if got := strings.Join(ids(e.all(path), "id"), " "); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.filter, got, tt.want)
		}
	}
	wantError(t, e.do("GET", base+"?$filter="+url.QueryEscape("status eq 'x'"), nil), 400, "BadRequest", "Invalid filter clause")

	vs := e.must(200, "GET", "/beta/privilegedAccess/aadRoles/resources/"+strings.ToUpper(tenantID)+"/roleAssignments?$expand=subject", nil).values()
	types := map[string]string{}
	for _, v := range vs {
		if v["resourceId"] != tenantID {
			t.Errorf("resourceId %v", v["resourceId"])
		}
		subj := v["subject"].(map[string]any)
		types[v["id"].(string)] = subj["type"].(string)
		if subj["id"] != v["subjectId"] {
			t.Errorf("subject %v of %v", subj, v["subjectId"])
		}
	}
	if types["gov-1"] != "User" || types["gov-2"] != "Group" || types["gov-3"] != "ServicePrincipal" {
		t.Errorf("subject types %v", types)
	}
	if vs[1]["endDateTime"] != "2026-11-24T12:00:00Z" || vs[0]["endDateTime"] != nil || vs[0]["linkedEligibleRoleAssignmentId"] != nil {
		t.Errorf("dates: %v / %v", vs[0], vs[1])
	}
	wantError(t, e.do("GET", "/beta/privilegedAccess/aadRoles/resources/"+nobody+"/roleAssignments", nil), 404, "Request_ResourceNotFound", "")
}
