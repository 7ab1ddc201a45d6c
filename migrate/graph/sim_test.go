package graph

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
)

// testToken is the bearer token the tests sign in with; no output may show it.
const testToken = "s3cret-t0ken-never-printed"

// waits records the back-off sleeps a client asked for, without sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

// startSim serves seed with graphsim and returns a real SDK client for it.
func startSim(t *testing.T, seed *graphsim.Seed, opt graphsim.Options) (*graphsim.Server, *Client, *waits) {
	t.Helper()
	if opt.RequireToken == "" {
		opt.RequireToken = testToken
	}
	srv := graphsim.New(seed, opt)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	w := &waits{}
	c, err := New(Config{GraphURL: ts.URL, Auth: AuthToken, Token: testToken, Sleep: w.sleep})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, w
}

func demoSeed(t *testing.T) *graphsim.Seed {
	t.Helper()
	f, err := fixtures.FS.Open(fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := graphsim.LoadSeed(f, fixtures.DemoTenant)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// guidN makes the n-th GUID of a family, for generated seeds.
func guidN(family, n int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", family, n)
}

func bigSeed(users, legacy int) *graphsim.Seed {
	s := &graphsim.Seed{TenantID: "5b92d034-0000-4000-8000-00000000beef"}
	for i := 0; i < users; i++ {
		s.Users = append(s.Users, graphsim.User{ID: guidN(1, i), UserPrincipalName: fmt.Sprintf("u%d@contoso.example", i), DisplayName: fmt.Sprintf("User %d", i)})
	}
	for i := 0; i < legacy; i++ {
		u := guidN(1, i%max(users, 1))
		r := "62e90394-69f5-4237-9190-012177145e10"
		if i >= users {
			r = "194ae4cb-b126-40b2-bd5b-6091b380977d"
		}
		s.PrivilegedRoleAssignments = append(s.PrivilegedRoleAssignments, graphsim.PrivilegedRoleAssignment{ID: u + "_" + r, UserID: u, RoleID: r, IsElevated: i%2 == 0})
	}
	return s
}

func sprint(v any) string { return fmt.Sprintf("%v %+v %#v", v, v, v) }
