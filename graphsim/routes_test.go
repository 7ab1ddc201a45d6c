package graphsim

import (
	"strings"
	"testing"
)

// TestEveryRouteAnswers calls every route of the table with each of its
// methods: none may fall through to "unknown route" or 405, or fail
// with a 5xx.
func TestEveryRouteAnswers(t *testing.T) {
	e := newEnv(t, testSeed(), Options{})
	params := map[string]string{
		"/beta/privilegedRoles/{id}":                     globalAdmin,
		"/beta/privilegedAccess/aadRoles/resources/{id}": tenantID,
		"/v1.0/users/{id}":                               alice,
		"/v1.0/groups/{id}":                              admins,
		"/v1.0/servicePrincipals/{id}":                   robot,
		"/v1.0/directoryObjects/{id}":                    alice,
		rm + "/roleDefinitions/{id}":                     globalAdmin,
		"/beta/privilegedRoleAssignments/{id}":           alice + "_" + globalAdmin,
	}
	for _, rt := range table() {
		path := rt.pattern
		for prefix, v := range params {
			if strings.HasPrefix(path, prefix) {
				path = strings.Replace(path, "{id}", v, 1)
			}
		}
		path = strings.ReplaceAll(path, "{id}", "unknown-id")
		for method := range rt.methods {
			t.Run(method+" "+rt.pattern, func(t *testing.T) {
				r := e.do(method, path, map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/organization"}}, "ids": []string{alice}})
				if r.status == 405 || r.status >= 500 || (r.status == 404 && r.errCode() == "BadRequest") {
					t.Errorf("%s %s: %d %s", method, path, r.status, r.raw)
				}
			})
		}
	}
	if got := len(e.srv.Stats().ByRoute); got < len(table()) {
		t.Errorf("stats name %d routes, the table has %d", got, len(table()))
	}
}
