package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// hostile is text anyone can put in a display name: printed raw it
// retitles the terminal, clears the screen, paints a fake summary in red,
// sends a C1 CSI and reverses what follows.
const hostile = "\x1b]0;PWNED\a\x1b[2J\x1b[31mfake: Applied 0, 0 failed\u009b2J\u202e"

const (
	hoUser  = "e1170000-0000-4000-8000-000000000001"
	hoGroup = "e1170000-0000-4000-8000-000000000002"
	hoApp   = "e1170000-0000-4000-8000-000000000003"
	hoRole  = "e1170000-0000-4000-8000-0000000000a1"
	hoAU    = "e1170000-0000-4000-8000-0000000000b1"
)

// hostileSeed names every principal and a custom role with hostile text.
func hostileSeed() *graphsim.Seed {
	return &graphsim.Seed{
		TenantID:            auditTenant,
		Users:               []graphsim.User{{ID: hoUser, UserPrincipalName: "evil" + hostile + "@contoso.example", DisplayName: hostile + "user"}},
		Groups:              []graphsim.Group{{ID: hoGroup, DisplayName: hostile + "group", IsAssignableToRole: true}},
		ServicePrincipals:   []graphsim.ServicePrincipal{{ID: hoApp, AppID: "0a990000-0000-4000-8000-000000000002", DisplayName: hostile + "app"}},
		RoleDefinitions:     []graphsim.RoleDefinition{{ID: hoRole, DisplayName: hostile + "role", AllowedResourceActions: []string{"microsoft.directory/users/basic/update"}}},
		AdministrativeUnits: []graphsim.AdministrativeUnit{{ID: hoAU, DisplayName: hostile + "unit"}},
		PrivilegedRoleAssignments: []graphsim.PrivilegedRoleAssignment{
			{UserID: hoUser, RoleID: ga, IsElevated: true},
			{UserID: hoUser, RoleID: hoRole},
			{UserID: hoGroup, RoleID: sec, IsElevated: true},
			{UserID: hoApp, RoleID: sec},
		},
	}
}

// hostileErrors puts hostile text in every error message Graph sends,
// batch items' included.
func hostileErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		quoted, _ := json.Marshal(hostile)
		body = bytes.ReplaceAll(body, []byte(`"message":"`), append([]byte(`"message":`), quoted[:len(quoted)-1]...))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// TestHostileTextNeverReachesTheTerminal drives every command's text output
// with hostile display names, UPNs, role names, file names and Graph error
// messages: no control character, bidi control or invalid byte but newlines
// reaches stdout or stderr.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	srv, url := startAuditSim(t, hostileSeed(), hostileErrors)
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	snapshot := writeFile(t, dir, hostile+"page.json", `{"value":[{"userId":"not-a-guid","roleId":"`+ga+`","isElevated":true}]}`)
	protectTypo := writeFile(t, dir, "protect.txt", "break\x1b[2J\x1b[31m\a\u009b2J\u202eglass@contoso.example\n")
	live := func(args ...string) []string { return append([]string{"--graph-url", url, "--auth", "token"}, args...) }
	// Scope rules that put a grant at the unit with a hostile name, and
	// name a unit that does not exist with hostile text (a note).
	rules := writeFile(t, dir, "rules.csv", "role,principal,scope\n"+hoRole+",*,/administrativeUnits/"+hoAU+"\n"+
		"*,*,\"/administrativeUnits/"+strings.ReplaceAll(hostile, "\"", "")+"nowhere\"\n")

	steps := []struct {
		name string
		args []string
		code int
		// before runs ahead of the step: make the plan send what Graph refuses.
		before func(t *testing.T)
	}{
		{name: "export", args: live("export", "--source", "beta", "--source", snapshot, "--out", path("legacy.json"))},
		{name: "plan", args: live("-v", "plan", "--legacy", path("legacy.json"), "--out", path("plan.json"))},
		{name: "plan with a protect typo", args: live("plan", "--legacy", path("legacy.json"), "--out", path("typo.json"), "--protect", protectTypo), code: exitError},
		{name: "plan with scope rules", args: live("plan", "--legacy", path("legacy.json"), "--out", path("scoped.json"), "--scope-rules", rules)},
		{name: "apply dry run of the scoped plan", args: live("apply", path("scoped.json"), "--dry-run"), before: func(t *testing.T) {
			p, err := migrate.ReadPlanFile(path("scoped.json"))
			if err != nil {
				t.Fatal(err)
			}
			scoped := 0
			for _, it := range p.Items {
				if it.ScopeName == hostile+"unit" && it.Action == migrate.ActionCreate {
					scoped++
				}
			}
			if scoped == 0 || len(p.Notes) == 0 {
				t.Fatalf("the scoped plan has %d create items at the hostile unit and notes %q: the scope text is not driven", scoped, p.Notes)
			}
		}},
		{name: "offline plan", args: []string{"plan", "--offline", "--legacy", path("legacy.json"), "--out", path("offline.json"), "--protect", protectTypo}},
		{name: "apply dry run", args: live("apply", path("plan.json"), "--dry-run"), before: func(t *testing.T) {
			p, err := migrate.ReadPlanFile(path("plan.json"))
			if err != nil {
				t.Fatal(err)
			}
			for i := range p.Items {
				if p.Items[i].Reason == migrate.ReasonServicePrincipalEligible {
					p.Items[i].Action = migrate.ActionCreate // Graph refuses it
				}
			}
			if err := migrate.WritePlanFile(path("plan.json"), p); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "apply with a failure", args: live("apply", path("plan.json"), "--yes"), code: exitFailedItems},
		{name: "report", args: live("report", "--plan", path("plan.json"), "--journal", path("run.jsonl"), "--csv", path(hostile+"report.csv"))},
		{name: "audit", args: live("audit", "--legacy", path("legacy.json"))},
		{name: "rollback", args: live("rollback", "--journal", path("run.jsonl"), "--yes")},
		{name: "review without a terminal", args: []string{"review", path("plan.json")}, code: exitError},
		{name: "an error quoting a file name", args: []string{"plan", "--offline", "--legacy", path(hostile + "missing.json"), "--out", path("x.json")}, code: exitError},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t)
			}
			r := runSession(t, session{env: liveEnv}, st.args...)
			if r.code != st.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, st.code, r.stdout, r.stderr)
			}
			for stream, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
				for i, l := range strings.Split(out, "\n") {
					if at := migrate.UnprintableAt(l); at >= 0 {
						t.Errorf("%s line %d is unsafe at byte %d: %q", stream, i+1, at, l)
					}
				}
			}
		})
	}
	if srv.Stats().Writes == 0 {
		t.Error("apply sent nothing: the failure path was not driven")
	}
}
