package graphsim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/pimmigrate/pimmigrate/graphsim"
)

// A tenant with one user, a role assignment made over HTTP, and the state
// and counters afterwards.
func ExampleNew() {
	seed := &graphsim.Seed{
		TenantID: "11111111-1111-4111-8111-111111111111",
		Users:    []graphsim.User{{ID: "a11ce000-0000-4000-8000-000000000001", DisplayName: "Alice"}},
	}
	srv := graphsim.New(seed, graphsim.Options{})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	body := `{"principalId":"a11ce000-0000-4000-8000-000000000001",` +
		`"roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/"}`
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("POST", ts.URL+"/v1.0/roleManagement/directory/roleAssignments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer any-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	st := srv.State()
	fmt.Println(st.RoleAssignments[0].ID)
	stats := srv.Stats()
	fmt.Println(stats.Writes, stats.DuplicatesRefused, stats.ByRoute["POST /v1.0/roleManagement/directory/roleAssignments"])
	// Output:
	// 201 Created
	// 400 Bad Request
	// lAPpYvVpN0KRkAEhdxReEADgHKEAAABAgAAAAAAAAAE-1
	// 2 1 2
}
