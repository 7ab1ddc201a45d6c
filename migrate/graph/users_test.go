package graph

import (
	"testing"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// TestUsersByPrincipalName looks break-glass accounts up by user principal
// name: found in any case (a guest's #EXT# name too), and a name nobody has
// is absent, not an error.
func TestUsersByPrincipalName(t *testing.T) {
	const (
		vault = "0a017000-0000-4000-8000-000000000001"
		guest = "0a017000-0000-4000-8000-000000000002"
	)
	f, tr := false, true
	seed := &graphsim.Seed{Users: []graphsim.User{
		{ID: vault, UserPrincipalName: "vault@contoso.example", DisplayName: "Break glass", AccountEnabled: &f},
		{ID: guest, UserPrincipalName: "gina_fabrikam.example#EXT#@contoso.example", UserType: "Guest"},
	}}
	srv, c, _ := startSim(t, seed, graphsim.Options{})
	got, err := c.UsersByPrincipalName(ctx, []string{"Vault@Contoso.example", "nobody@contoso.example", "gina_fabrikam.example#ext#@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	want := []migrate.Principal{
		{ID: migrate.MustGUID(vault), Type: migrate.PrincipalUser, DisplayName: "Break glass", UserPrincipalName: "vault@contoso.example", AccountEnabled: &f, UserType: "Member"},
		{ID: migrate.MustGUID(guest), Type: migrate.PrincipalUser, UserPrincipalName: "gina_fabrikam.example#EXT#@contoso.example", AccountEnabled: &tr, UserType: "Guest"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d users, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Type != w.Type || g.DisplayName != w.DisplayName || g.UserPrincipalName != w.UserPrincipalName ||
			g.UserType != w.UserType || g.AccountEnabled == nil || *g.AccountEnabled != *w.AccountEnabled {
			t.Errorf("user %d: got %+v, want %+v", i, g, w)
		}
	}
	if n := srv.Stats().ByRoute["GET /v1.0/users/{id}"]; n != 3 {
		t.Errorf("%d user look-ups, want one per name (3)", n)
	}
}
