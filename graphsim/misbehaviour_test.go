package graphsim

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

var fractional = regexp.MustCompile(`^\d+\.\d{3}$`)

func TestThrottling(t *testing.T) {
	e := newEnv(t, testSeed(), Options{ThrottleWrites: 10, ThrottleBurst: 2})
	create := func(principal string) *result {
		return e.do("POST", ras, raBody(principal, exchangeAdmin))
	}
	e.must(201, "POST", ras, raBody(alice, exchangeAdmin))
	if r := create(bob); r.status != 201 {
		t.Fatalf("second write within the burst: %d", r.status)
	}
	r := create(carol)
	wantError(t, r, 429, "TooManyRequests", "")
	ra := r.header.Get("Retry-After")
	if !fractional.MatchString(ra) || ra != "0.100" {
		t.Errorf("Retry-After %q, want 0.100 (one token at 10/s)", ra)
	}
	if r.header.Get("x-ms-throttle-scope") == "" || r.header.Get("x-ms-throttle-limit-percentage") == "" {
		t.Errorf("throttle headers missing: %v", r.header)
	}
	if n := len(e.srv.State().RoleAssignments); n != 4 {
		t.Errorf("a throttled write changed the state: %d assignments", n)
	}
	// Reads, getByIds and the batch envelope are not writes.
	e.must(200, "GET", ras, nil)
	e.must(200, "POST", "/v1.0/directoryObjects/getByIds", map[string]any{"ids": []string{alice}})
	// Half the wait is not enough; the whole wait is.
	e.clock.Advance(50 * time.Millisecond)
	r = create(carol)
	if r.status != 429 || r.header.Get("Retry-After") != "0.050" {
		t.Errorf("after half the wait: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	secs, _ := strconv.ParseFloat(r.header.Get("Retry-After"), 64)
	e.clock.Advance(time.Duration(secs * float64(time.Second)))
	e.must(201, "POST", ras, raBody(carol, exchangeAdmin))
	s := e.srv.Stats()
	if s.Throttled != 2 || s.Writes != 5 || s.WritesCommitted != 3 || s.ByStatus["429"] != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestThrottleSmallWait(t *testing.T) {
	if got := retryAfter(0); got != "0.001" {
		t.Errorf("retryAfter(0) = %q", got)
	}
	if got := retryAfter(347*time.Millisecond + 100*time.Microsecond); got != "0.348" {
		t.Errorf("retryAfter = %q", got)
	}
	if got := retryAfter(2128 * time.Millisecond); got != "2.128" {
		t.Errorf("retryAfter = %q", got)
	}
}

// TestThrottlingRealClock waits for real: small numbers, no assertion on
// how long anything took.
func TestThrottlingRealClock(t *testing.T) {
	e := newEnv(t, bigSeed(6), Options{ThrottleWrites: 50, ThrottleBurst: 1, Now: time.Now})
	users := e.srv.State().Users
	for _, u := range users {
		for {
			r := e.do("POST", ras, raBody(u.ID, privRoleAdmin))
			if r.status == 201 {
				break
			}
			if r.status != 429 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			secs, err := strconv.ParseFloat(r.header.Get("Retry-After"), 64)
			if err != nil || secs <= 0 {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
			time.Sleep(time.Duration(secs * float64(time.Second)))
		}
	}
	if n := len(e.srv.State().RoleAssignments); n != 12 {
		t.Errorf("%d assignments, want 12", n)
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, bigSeed(200), Options{FaultRate: 1, Seed: 7})
	kinds := map[string]int{}
	for _, u := range e.srv.State().Users {
		body := []byte(fmt.Sprintf(`{"principalId":%q,"roleDefinitionId":%q,"directoryScopeId":"/"}`, u.ID, privRoleAdmin))
		req, _ := http.NewRequest("POST", e.ts.URL+ras, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.hc.Do(req)
		if err != nil {
			kinds["drop"]++
			continue
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "":
			kinds["503-retry-after"]++
		case resp.StatusCode == 503:
			kinds["503"]++
		case resp.StatusCode == 504:
			kinds["504"]++
		default:
			t.Fatalf("status %d at fault rate 1", resp.StatusCode)
		}
	}
	s := e.srv.Stats()
	for _, k := range []string{Fault503, Fault503RetryAfter, Fault504, FaultDrop} {
		if kinds[k] == 0 || int64(kinds[k]) != s.FaultsByKind[k] {
			t.Errorf("%s: client saw %d, stats say %d", k, kinds[k], s.FaultsByKind[k])
		}
	}
	created := int64(len(e.srv.State().RoleAssignments) - 200)
	if s.Faults != 200 || s.FaultsAfterCommit == 0 || s.FaultsAfterCommit == 200 || created != s.FaultsAfterCommit || s.WritesCommitted != created {
		t.Errorf("faults %d, after commit %d, committed %d, assignments created %d", s.Faults, s.FaultsAfterCommit, s.WritesCommitted, created)
	}
	// Reads fail too.
	if r, err := e.try("GET", ras, nil); err == nil && r.status < 500 {
		t.Errorf("read at fault rate 1: %d", r.status)
	}
}

func TestFaultsInBatch(t *testing.T) {
	e := newEnv(t, bigSeed(20), Options{FaultRate: 0.5, Seed: 3})
	users := e.srv.State().Users
	roles := migrate.BuiltinCatalogue().Roles()
	seen := map[int]bool{}
	for attempt := 0; attempt < 50 && !(seen[201] && seen[503] && seen[504]); attempt++ {
		// A new role each time: no duplicates from earlier attempts.
		var items []item
		for i, u := range users {
			items = append(items, postItem(fmt.Sprint(i), "/roleManagement/directory/roleAssignments", raBody(u.ID, roles[attempt].TemplateID.String())))
		}
		r, err := e.try("POST", batchURL, map[string]any{"requests": items})
		if err != nil || r.status != 200 {
			continue // the envelope itself failed
		}
		for _, x := range r.body["responses"].([]any) {
			seen[status(x.(map[string]any))] = true
		}
	}
	if !seen[201] || !seen[503] || !seen[504] || len(seen) != 3 {
		t.Errorf("item statuses seen: %v", seen)
	}
}

func TestConsistencyLag(t *testing.T) {
	e := newEnv(t, testSeed(), Options{ConsistencyLag: 2 * time.Second})
	id := e.must(201, "POST", ras, raBody(robot, exchangeAdmin)).str("id")
	el := e.must(201, "POST", eligReqs, schedReq("adminAssign", alice, userAdmin, nil)).str("targetScheduleId")
	leg := e.must(201, "POST", legacy, map[string]string{"userId": carol, "roleId": globalAdmin}).str("id")

	wantError(t, e.do("GET", ras+"/"+id, nil), 404, "Request_ResourceNotFound", id)
	wantError(t, e.do("GET", rm+"/roleEligibilitySchedules/"+el, nil), 404, "Request_ResourceNotFound", el)
	wantError(t, e.do("GET", legacy+"/"+leg, nil), 404, "Request_ResourceNotFound", leg)
	if n := len(e.all(ras)); n != 2 {
		t.Errorf("list shows %d assignments during the lag, want the seed's 2", n)
	}
	if n := len(e.all(rm + "/roleEligibilitySchedules")); n != 1 {
		t.Errorf("list shows %d eligibilities during the lag, want 1", n)
	}
	// Still a duplicate while invisible.
	wantError(t, e.do("POST", ras, raBody(robot, exchangeAdmin)), 400, "Request_BadRequest", "conflicting object")
	wantError(t, e.do("POST", eligReqs, schedReq("adminAssign", alice, userAdmin, nil)), 400, "RoleAssignmentExists", "")

	e.clock.Advance(2 * time.Second)
	e.must(200, "GET", ras+"/"+id, nil)
	e.must(200, "GET", rm+"/roleEligibilitySchedules/"+el, nil)
	e.must(200, "GET", legacy+"/"+leg, nil)
	if n := len(e.all(ras)); n != 3 {
		t.Errorf("list shows %d assignments after the lag, want 3", n)
	}
}

// TestConcurrentClients runs writers and readers at once; with -race it
// checks the locking.
func TestConcurrentClients(t *testing.T) {
	e := newEnv(t, bigSeed(80), Options{ThrottleWrites: 100000, Latency: time.Millisecond, Now: time.Now})
	users := e.srv.State().Users
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(users); i += 4 {
				if r := e.do("POST", ras, raBody(users[i].ID, privRoleAdmin)); r.status != 201 {
					t.Errorf("create: %d", r.status)
				}
				e.do("GET", ras+"?$top=50", nil)
			}
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			e.srv.Stats()
			e.srv.State()
		}
	}()
	wg.Wait()
	if n := len(e.srv.State().RoleAssignments); n != 160 {
		t.Errorf("%d assignments, want 160", n)
	}
}
