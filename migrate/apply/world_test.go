package apply

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/graph"
)

const (
	tenantID = "5b92d034-0000-4000-8000-00000000a991"
	token    = "apply-test-token"
	roleGA   = "62e90394-69f5-4237-9190-012177145e10"
	roleSec  = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	roleUser = "fe930be7-5e62-47db-91af-98c3a49a38b1"
)

// world is a graphsim tenant with a real SDK client signed in to it.
type world struct {
	srv  *graphsim.Server
	url  string
	c    *graph.Client
	seed *graphsim.Seed
}

func userID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", 0xa11, i) }

func newWorld(t testing.TB, users int, opt graphsim.Options) *world {
	t.Helper()
	seed := &graphsim.Seed{TenantID: tenantID}
	for i := 0; i < users; i++ {
		seed.Users = append(seed.Users, graphsim.User{ID: userID(i), UserPrincipalName: fmt.Sprintf("user%d@contoso.example", i), DisplayName: fmt.Sprintf("User %d", i)})
	}
	seed.ServicePrincipals = append(seed.ServicePrincipals, graphsim.ServicePrincipal{ID: userID(900000), DisplayName: "Automation"})
	opt.RequireToken = token
	srv := graphsim.New(seed, opt)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := graph.New(graph.Config{GraphURL: ts.URL, Auth: graph.AuthToken, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return &world{srv: srv, url: ts.URL, c: c, seed: seed}
}

// legacyFor makes n legacy records over the users: permanent, eligible,
// time-bound eligible and (with keep-activations) running activations.
func legacyFor(n int, now time.Time) []migrate.Assignment {
	var out []migrate.Assignment
	for i := 0; i < n; i++ {
		u := migrate.MustGUID(userID(i))
		role := migrate.MustGUID([]string{roleGA, roleSec, roleUser}[i%3])
		a := migrate.Assignment{UserID: u, RoleID: role, PrincipalType: migrate.PrincipalUser, Origin: migrate.OriginIteration1, Source: fmt.Sprintf("t.json#%d", i+1)}
		switch i % 4 {
		case 0:
			a.IsElevated = true
		case 2:
			end := now.Add(30 * 24 * time.Hour).Truncate(time.Second)
			a.ExpirationDateTime = &end
		case 3:
			end := now.Add(4 * time.Hour).Truncate(time.Second)
			a.IsElevated, a.ExpirationDateTime = true, &end
		}
		a.ID = migrate.Key(u, role)
		a.State = migrate.DeriveState(a.IsElevated, a.ExpirationDateTime != nil)
		out = append(out, a)
	}
	return out
}

// plan reads the tenant and plans legacy against it, keeping activations
// (so all three target kinds are sent).
func (w *world) plan(t testing.TB, legacy []migrate.Assignment) *migrate.Plan {
	t.Helper()
	var ids []migrate.GUID
	for _, a := range legacy {
		ids = append(ids, a.UserID)
	}
	ten, err := w.c.ReadTenant(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	p, err := migrate.BuildPlan(migrate.PlanInput{Legacy: &migrate.Legacy{Assignments: legacy}, Tenant: ten,
		Policy: migrate.Policy{EligibleAs: migrate.EligibleAsEligibility, KeepActivations: true}, Catalogue: migrate.BuiltinCatalogue(),
		GraphURL: w.url, AsOf: now, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func openJournal(t testing.TB) *Journal {
	t.Helper()
	j, err := OpenJournal(filepath.Join(t.TempDir(), "run.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

type triple struct{ p, r, s string }

// holdings counts what the tenant holds, by kind and principal/role/scope.
func (w *world) holdings() map[string]map[triple]int {
	st := w.srv.State()
	h := map[string]map[triple]int{"ra": {}, "elig": {}, "active": {}}
	for _, a := range st.RoleAssignments {
		h["ra"][triple{strings.ToLower(a.PrincipalID), strings.ToLower(a.RoleDefinitionID), a.DirectoryScopeID}]++
	}
	for _, s := range st.RoleEligibilitySchedules {
		h["elig"][triple{strings.ToLower(s.PrincipalID), strings.ToLower(s.RoleDefinitionID), s.DirectoryScopeID}]++
	}
	for _, s := range st.RoleAssignmentSchedules {
		h["active"][triple{strings.ToLower(s.PrincipalID), strings.ToLower(s.RoleDefinitionID), s.DirectoryScopeID}]++
	}
	return h
}

// checkExactlyPlanned fails unless the tenant holds every created item
// exactly once, in the kind the plan says, and no eligible item as
// standing access.
func (w *world) checkExactlyPlanned(t testing.TB, p *migrate.Plan, before map[string]map[triple]int) {
	t.Helper()
	h := w.holdings()
	want := map[string]map[triple]int{"ra": {}, "elig": {}, "active": {}}
	for k, m := range before {
		for tr, n := range m {
			want[k][tr] = n
		}
	}
	for _, it := range p.Items {
		if it.Action != migrate.ActionCreate {
			continue
		}
		tr := triple{it.Target.PrincipalID.String(), it.Target.RoleDefinitionID.String(), it.Target.DirectoryScopeID}
		switch it.Target.Kind {
		case migrate.KindRoleAssignment:
			want["ra"][tr]++
		case migrate.KindEligibilityRequest:
			want["elig"][tr]++
		case migrate.KindAssignmentScheduleRequest:
			want["active"][tr]++
			want["ra"][tr]++ // an active schedule grants a role assignment
		}
	}
	for kind, m := range want {
		for tr, n := range m {
			if h[kind][tr] != n {
				t.Errorf("%s %v: tenant holds %d, want %d", kind, tr, h[kind][tr], n)
			}
		}
		for tr, n := range h[kind] {
			if m[tr] == 0 {
				t.Errorf("%s %v: tenant holds %d the plan never asked for", kind, tr, n)
			}
		}
	}
}
