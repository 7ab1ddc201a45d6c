package graphsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"
)

const batchURL = "/v1.0/$batch"

type item = map[string]any

func postItem(id, url string, body any, dependsOn ...string) item {
	it := item{"id": id, "method": "POST", "url": url, "body": body, "headers": map[string]string{"Content-Type": "application/json"}}
	if len(dependsOn) > 0 {
		it["dependsOn"] = dependsOn
	}
	return it
}

func raBody(principal, role string) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/"}
}

// batchResponses posts a batch and returns its responses by id, and the
// order they came in.
func (e *env) batch(items ...item) (map[string]map[string]any, []string) {
	e.t.Helper()
	r := e.must(200, "POST", batchURL, map[string]any{"requests": items})
	byID := map[string]map[string]any{}
	var order []string
	for _, x := range r.body["responses"].([]any) {
		m := x.(map[string]any)
		byID[m["id"].(string)] = m
		order = append(order, m["id"].(string))
	}
	if len(byID) != len(items) {
		e.t.Fatalf("%d responses for %d requests: %s", len(byID), len(items), r.raw)
	}
	return byID, order
}

func status(m map[string]any) int { return int(m["status"].(float64)) }

func TestBatchRefused(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	var many []item
	for i := 0; i < 21; i++ {
		many = append(many, item{"id": fmt.Sprint(i), "method": "GET", "url": "/organization"})
	}
	tests := []struct {
		name    string
		items   []item
		message string
	}{
		{"21 requests", many, "21"},
		{"duplicate ids", []item{{"id": "1", "method": "GET", "url": "/organization"}, {"id": "1", "method": "GET", "url": "/organization"}}, "unique"},
		{"body without Content-Type", []item{{"id": "1", "method": "POST", "url": "/roleManagement/directory/roleAssignments", "body": raBody(robot, userAdmin)}}, "Content-Type"},
		{"absolute url", []item{{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/organization"}}, "relative"},
		{"unknown dependsOn", []item{{"id": "1", "method": "GET", "url": "/organization", "dependsOn": []string{"9"}}}, "'9'"},
		{"dependsOn cycle", []item{{"id": "1", "method": "GET", "url": "/organization", "dependsOn": []string{"2"}},
			{"id": "2", "method": "GET", "url": "/organization", "dependsOn": []string{"1"}}}, "cycle"},
		{"empty", []item{}, "at least one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.do("POST", batchURL, map[string]any{"requests": tt.items}), 400, "BadRequest", tt.message)
		})
	}
	if n := len(e.srv.State().RoleAssignments); n != 2 {
		t.Errorf("a refused batch wrote: %d assignments", n)
	}
}

func TestBatchItems(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	items := []item{
		postItem("create", "/roleManagement/directory/roleAssignments", raBody(robot, userAdmin)),
		postItem("dup", "/roleManagement/directory/roleAssignments", raBody(alice, globalAdmin)),
		{"id": "get", "method": "GET", "url": "/roleManagement/directory/roleAssignments?$filter=principalId eq '" + alice + "'"},
		postItem("eligible", "roleManagement/directory/roleEligibilityScheduleRequests", schedReq("adminAssign", carol, userAdmin, nil)),
		{"id": "missing", "method": "GET", "url": "/users/" + nobody},
		{"id": "legacy", "method": "GET", "url": "/privilegedRoleAssignments"}, // relative to v1.0: unknown
		{"id": "nested", "method": "POST", "url": "/$batch", "body": map[string]any{"requests": []any{}}, "headers": map[string]string{"Content-Type": "application/json"}},
	}
	got, _ := e.batch(items...)
	want := map[string]int{"create": 201, "dup": 400, "get": 200, "eligible": 201, "missing": 404, "legacy": 404, "nested": 400}
	for id, st := range want {
		if status(got[id]) != st {
			t.Errorf("%s: status %d, want %d: %v", id, status(got[id]), st, got[id])
		}
	}
	hdrs := got["create"]["headers"].(map[string]any)
	if ct, ok := hdrs["Content-Type"].(string); !ok || ct == "" {
		t.Errorf("item headers %v: want Content-Type with that exact case", hdrs)
	}
	body := got["create"]["body"].(map[string]any)
	if body["principalId"] != robot || !graphLikeID.MatchString(body["id"].(string)) {
		t.Errorf("created %v", body)
	}
	if err := got["dup"]["body"].(map[string]any)["error"].(map[string]any); err["code"] != "Request_BadRequest" {
		t.Errorf("dup error %v", err)
	}
	if vs := got["get"]["body"].(map[string]any)["value"].([]any); len(vs) != 1 {
		t.Errorf("get %v", vs)
	}
	if n := len(e.srv.State().RoleAssignments); n != 3 {
		t.Errorf("%d assignments after the batch, want 3", n)
	}
	s := e.srv.Stats()
	if s.Batches != 1 || s.Requests != 8 || s.Writes != 3 || s.DuplicatesRefused != 1 || s.ByRoute["POST /v1.0/$batch"] != 1 ||
		s.ByRoute["POST /v1.0/roleManagement/directory/roleAssignments"] != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestBatchShuffledOrder(t *testing.T) {
	e := newEnv(t, bigSeed(20), Options{})
	var items []item
	want := map[string]string{}
	for i, u := range e.srv.State().Users {
		id := fmt.Sprintf("r%02d", i)
		items = append(items, postItem(id, "/roleManagement/directory/roleAssignments", raBody(u.ID, privRoleAdmin)))
		want[id] = u.ID
	}
	got, order := e.batch(items...)
	inOrder := true
	for i, id := range order {
		inOrder = inOrder && id == fmt.Sprintf("r%02d", i)
	}
	if inOrder {
		t.Error("responses came back in request order; Graph's come in any order")
	}
	for id, principal := range want {
		if status(got[id]) != 201 || got[id]["body"].(map[string]any)["principalId"] != principal {
			t.Errorf("%s: %v, want principal %s", id, got[id], principal)
		}
	}
}

func TestBatchThrottledItems(t *testing.T) {
	e := newEnv(t, testSeed(), Options{ThrottleWrites: 1, ThrottleBurst: 2})
	var items []item
	for i, u := range []string{alice, bob, admins, robot, carol} {
		items = append(items, postItem(fmt.Sprint(i), "/roleManagement/directory/roleAssignments", raBody(u, exchangeAdmin)))
	}
	items = append(items, item{"id": "read", "method": "GET", "url": "/organization"})
	got, _ := e.batch(items...)
	created, throttled := 0, 0
	frac := regexp.MustCompile(`^\d+\.\d{3}$`)
	for id, m := range got {
		switch status(m) {
		case 201:
			created++
		case 429:
			throttled++
			ra, _ := m["headers"].(map[string]any)["Retry-After"].(string)
			if !frac.MatchString(ra) {
				t.Errorf("item %s Retry-After %q, want fractional seconds", id, ra)
			}
			if m["body"].(map[string]any)["error"].(map[string]any)["code"] != "TooManyRequests" {
				t.Errorf("item %s: %v", id, m)
			}
		case 200:
		default:
			t.Errorf("item %s: %v", id, m)
		}
	}
	if created != 2 || throttled != 3 || status(got["read"]) != 200 {
		t.Errorf("%d created, %d throttled; want 2 and 3 (burst 2)", created, throttled)
	}
	if n := len(e.srv.State().RoleAssignments); n != 4 {
		t.Errorf("%d assignments, want the seed's 2 + 2", n)
	}
	// Retry the throttled ones once tokens are back.
	e.clock.Advance(3 * time.Second)
	var retry []item
	for _, it := range items[:5] {
		if status(got[it["id"].(string)]) == 429 {
			retry = append(retry, it)
		}
	}
	got, _ = e.batch(retry...)
	n := 0
	for _, m := range got {
		if status(m) == 201 {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d of 3 retried items created after 3 s at 1/s with burst 2, want 2", n)
	}
}

func TestBatchDependsOn(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	got, _ := e.batch(
		postItem("dup", "/roleManagement/directory/roleAssignments", raBody(alice, globalAdmin)),
		postItem("child", "/roleManagement/directory/roleAssignments", raBody(robot, userAdmin), "dup"),
		postItem("grandchild", "/roleManagement/directory/roleAssignments", raBody(robot, securityAdmin), "child"),
		postItem("ok", "/roleManagement/directory/roleAssignments", raBody(robot, globalReader)),
		postItem("after-ok", "/roleManagement/directory/roleAssignments", raBody(robot, exchangeAdmin), "ok"),
	)
	want := map[string]int{"dup": 400, "child": 424, "grandchild": 424, "ok": 201, "after-ok": 201}
	for id, st := range want {
		if status(got[id]) != st {
			t.Errorf("%s: %d, want %d", id, status(got[id]), st)
		}
	}
	if n := len(e.srv.State().RoleAssignments); n != 4 {
		t.Errorf("%d assignments, want 4: a 424 item must not run", n)
	}
}

func TestBatchResponseIsJSONForSDK(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	r := e.must(200, "POST", batchURL, map[string]any{"requests": []item{{"id": "1", "method": "DELETE", "url": "/roleManagement/directory/roleAssignments/nope"}}})
	var resp struct {
		Responses []struct {
			ID      string            `json:"id"`
			Status  int32             `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(r.raw, &resp); err != nil || len(resp.Responses) != 1 || resp.Responses[0].Status != 404 {
		t.Fatalf("%v %s", err, r.raw)
	}
}
