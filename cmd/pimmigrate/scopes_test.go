package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// The scoped tenant: principals, scope objects and legacy grants that
// cover every scope form, both providers, group: principals (nested),
// names and ids, and each reason a scope cannot be used.
const (
	scAlice   = "5c000000-0000-4000-8000-000000000001"
	scBob     = "5c000000-0000-4000-8000-000000000002"
	scCarol   = "5c000000-0000-4000-8000-000000000003"
	scDave    = "5c000000-0000-4000-8000-000000000004"
	scErin    = "5c000000-0000-4000-8000-000000000005"
	scFrank   = "5c000000-0000-4000-8000-000000000006"
	scGuest   = "5c000000-0000-4000-8000-000000000007"
	scApp     = "5c000000-0000-4000-8000-000000000008"
	scTeam    = "5c000000-0000-4000-8000-0000000000a1" // Helpdesk team: alice, and Tier 2
	scTier2   = "5c000000-0000-4000-8000-0000000000a2" // Tier 2: erin
	scParis   = "5c000000-0000-4000-8000-0000000000b1"
	scLyon    = "5c000000-0000-4000-8000-0000000000b2"
	scPayroll = "5c000000-0000-4000-8000-0000000000c1"
	scCRM     = "5c000000-0000-4000-8000-0000000000c2"
	scSales   = "5c000000-0000-4000-8000-0000000000d1"

	roleHelpdeskAdm = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	roleUserAdm     = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	roleAttrAssign  = "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d"
	roleAppAdm      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	roleCloudAppAdm = "158c047a-c907-4556-b7ef-446551a6b5f7"
	roleSecRdr      = "5d6b6bb7-de71-4623-b4af-96380a352509"
	roleGlobalAdm   = "62e90394-69f5-4237-9190-012177145e10"
	roleTier1       = "5c000000-0000-4000-8000-0000000000e1" // custom: user permissions, takes an AU
	roleAppReview   = "5c000000-0000-4000-8000-0000000000e2" // custom: application permissions only
)

func scopedSeed() *graphsim.Seed {
	no := false
	u := func(id, upn, typ string) graphsim.User {
		return graphsim.User{ID: id, UserPrincipalName: upn, DisplayName: strings.Split(upn, "@")[0], UserType: typ}
	}
	return &graphsim.Seed{
		TenantID: auditTenant,
		Users: []graphsim.User{u(scAlice, "alice@contoso.example", ""), u(scBob, "bob@contoso.example", ""), u(scCarol, "carol@contoso.example", ""),
			u(scDave, "dave@contoso.example", ""), u(scErin, "erin@contoso.example", ""), u(scFrank, "frank@contoso.example", ""),
			u(scGuest, "gina_fabrikam.example#EXT#@contoso.example", "Guest")},
		Groups:              []graphsim.Group{{ID: scTeam, DisplayName: "Helpdesk team"}, {ID: scTier2, DisplayName: "Tier 2"}},
		GroupMembers:        map[string][]string{scTeam: {scAlice, scTier2}, scTier2: {scErin}},
		ServicePrincipals:   []graphsim.ServicePrincipal{{ID: scApp, AppID: "0a990000-0000-4000-8000-000000000009", DisplayName: "Ticket bot"}},
		AdministrativeUnits: []graphsim.AdministrativeUnit{{ID: scParis, DisplayName: "Paris"}, {ID: scLyon, DisplayName: "Lyon"}},
		AttributeSets:       []graphsim.AttributeSet{{ID: "Engineering", Description: "Engineering attributes"}},
		Applications: []graphsim.Application{{ID: scPayroll, AppID: "0a990000-0000-4000-8000-0000000000c1", DisplayName: "Payroll"},
			{ID: scCRM, AppID: "0a990000-0000-4000-8000-0000000000c2", DisplayName: "CRM"}},
		AccessPackageCatalogs: []graphsim.AccessPackageCatalog{{ID: scSales, DisplayName: "Sales"}},
		RoleDefinitions: []graphsim.RoleDefinition{
			{ID: roleTier1, DisplayName: "Tier 1 User Support", IsBuiltIn: &no, AllowedResourceActions: []string{"microsoft.directory/users/password/update"}},
			{ID: roleAppReview, DisplayName: "App Reviewer", IsBuiltIn: &no, AllowedResourceActions: []string{"microsoft.directory/applications/basic/update"}},
		},
		PrivilegedRoleAssignments: []graphsim.PrivilegedRoleAssignment{
			{UserID: scAlice, RoleID: roleHelpdeskAdm},                   // group (direct member) → AU Paris by name
			{UserID: scErin, RoleID: roleUserAdm, IsElevated: true},      // group (nested member) → AU Lyon by id
			{UserID: scApp, RoleID: roleHelpdeskAdm, IsElevated: true},   // service principal → AU Paris, needs Directory Readers
			{UserID: scGuest, RoleID: roleAttrAssign},                    // → attribute set
			{UserID: scBob, RoleID: roleAppAdm, IsElevated: true},        // → app:Payroll (by name)
			{UserID: scCarol, RoleID: roleCloudAppAdm, IsElevated: true}, // → /{app object id}
			{UserID: scDave, RoleID: roleGlobalAdm},                      // → AU: role-not-scopable
			{UserID: scBob, RoleID: roleHelpdeskAdm},                     // → AU Nowhere: scope-not-found
			{UserID: scAlice, RoleID: roleSecRdr},                        // no rule: stays at "/"
			{UserID: scErin, RoleID: roleTier1},                          // custom role with user permissions → AU
			{UserID: scDave, RoleID: roleAppReview},                      // custom role without: role-not-scopable (the rule for any of dave's roles wins)
		},
	}
}

const scopeRulesCSV = `role,principal,scope
Helpdesk Administrator,bob@contoso.example,/administrativeUnits/Nowhere
Helpdesk Administrator,group:Helpdesk team,/administrativeUnits/Paris
User Administrator,group:` + scTeam + `,/administrativeUnits/` + scLyon + `
Helpdesk Administrator,` + scApp + `,/administrativeUnits/Paris
Attribute Assignment Administrator,*,/attributeSets/Engineering
Application Administrator,*,app:Payroll
` + roleCloudAppAdm + `,carol@contoso.example,/` + scPayroll + `
*,dave@contoso.example,/administrativeUnits/Paris
Password Administrator,*,/administrativeUnits/Paris
Tier 1 User Support,*,/administrativeUnits/Paris
App Reviewer,*,/administrativeUnits/Paris
`

const addCSV = `principal,role,scope,kind,end,provider
frank@contoso.example,Catalog owner,/AccessPackageCatalog/Sales,active,,entitlementManagement
` + scFrank + `,Catalog reader,/,active,,entitlementManagement
carol@contoso.example,Attribute Assignment Reader,/attributeSets/Engineering,eligible,2030-01-31,
carol@contoso.example,Catalog creator,/AccessPackageCatalog/Sales,active,,entitlementManagement
bob@contoso.example,License Administrator,/administrativeUnits/Ghost,active,,
gina_fabrikam.example#EXT#@contoso.example,Helpdesk Administrator,/administrativeUnits/` + scParis + `,eligible,,
carol@contoso.example,Application Administrator,app:0a990000-0000-4000-8000-0000000000c2,active,,
`

// TestScopesPlanApplyVerifyRollback is issue 13's "done when": one run of
// plan → apply → verify → rollback against graphsim covering every scope
// form (tenant, administrative unit, attribute set, app registration by
// object id, by name and by appId, catalog), both providers, group:
// principals (nested), names and ids, and each invalid-scope reason. Each
// object ends in the tenant with exactly its planned scope, exactly once,
// and rollback leaves the tenant as it was.
// The run is made twice: on an ideal tenant, and on one whose reads lag a
// second behind its writes and that fails a fifth of its requests.
func TestScopesPlanApplyVerifyRollback(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  graphsim.Options
	}{
		{"ideal", graphsim.Options{}},
		{"lag and faults", graphsim.Options{ConsistencyLag: time.Second, FaultRate: 0.2, Seed: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			scopesRun(t, tc.opt)
		})
	}
}

func scopesRun(t *testing.T, opt graphsim.Options) {
	clock := runningClock()
	opt.RequireToken, opt.Now = liveToken, clock
	srv := graphsim.New(scopedSeed(), opt)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	url := ts.URL
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	pim := func(args ...string) result {
		t.Helper()
		var out, errb bytes.Buffer
		a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return liveEnv[k] }, now: clock}
		r := result{run(context.Background(), append([]string{"--graph-url", url, "--auth", "token"}, args...), a), out.String(), errb.String()}
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		return r
	}
	before := holdingsOf(srv.State())
	beforeJSON := unifiedState(t, srv.State())
	pim("export", "--source", "beta", "--out", path("legacy.json"))
	rules, add := writeFile(t, dir, "rules.csv", scopeRulesCSV), writeFile(t, dir, "assignments.csv", addCSV)
	out := pim("plan", "--legacy", path("legacy.json"), "--out", path("plan.json"), "--scope-rules", rules, "--add", add, "--settings", "off", "--as-of", testNow.Format("2006-01-02T15:04:05Z"))
	p, err := migrate.ReadPlanFile(path("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(p.Summary.Line())
	au := func(id string) string { return "/administrativeUnits/" + id }
	g := migrate.MustGUID
	dirKey := func(p, r, s string) string { return migrate.ScopedKey(g(p), g(r), migrate.ProviderDirectory, s) }
	emKey := func(p, r, s string) string { return migrate.ScopedKey(g(p), g(r), migrate.ProviderEntitlement, s) }
	cat := "/AccessPackageCatalog/" + scSales
	type want struct {
		action    migrate.Action
		reason    string
		scopeName string
		origin    string // ScopeRule or Added, "" for neither
	}
	wants := map[string]want{
		dirKey(scAlice, roleHelpdeskAdm, au(scParis)):                                         {migrate.ActionCreate, "eligible", "Paris", rules + ":3"},
		dirKey(scErin, roleUserAdm, au(scLyon)):                                               {migrate.ActionCreate, "permanent", "Lyon", rules + ":4"},
		dirKey(scApp, roleHelpdeskAdm, au(scParis)):                                           {migrate.ActionCreate, "permanent", "Paris", rules + ":5"},
		dirKey(scApp, migrate.DirectoryReadersRole.String(), "/"):                             {migrate.ActionCreate, migrate.ReasonDirectoryReaders, "", migrate.AddedDirectoryReaders},
		dirKey(scGuest, roleAttrAssign, "/attributeSets/Engineering"):                         {migrate.ActionCreate, "eligible", "Engineering", rules + ":6"},
		dirKey(scBob, roleAppAdm, "/"+scPayroll):                                              {migrate.ActionCreate, "permanent", "Payroll", rules + ":7"},
		dirKey(scCarol, roleCloudAppAdm, "/"+scPayroll):                                       {migrate.ActionCreate, "permanent", "Payroll", rules + ":8"},
		dirKey(scDave, roleGlobalAdm, au(scParis)):                                            {migrate.ActionSkip, migrate.ReasonRoleNotScopable, "Paris", rules + ":9"},
		dirKey(scBob, roleHelpdeskAdm, "/administrativeUnits/Nowhere"):                        {migrate.ActionSkip, migrate.ReasonScopeNotFound, "", rules + ":2"},
		dirKey(scAlice, roleSecRdr, "/"):                                                      {migrate.ActionCreate, "eligible", "", ""},
		dirKey(scErin, roleTier1, au(scParis)):                                                {migrate.ActionCreate, "eligible", "Paris", rules + ":11"},
		dirKey(scDave, roleAppReview, au(scParis)):                                            {migrate.ActionSkip, migrate.ReasonRoleNotScopable, "Paris", rules + ":9"},
		emKey(scFrank, migrate.CatalogOwnerRole.String(), cat):                                {migrate.ActionCreate, "added", "Sales", add + ":2"},
		emKey(scFrank, migrate.CatalogReaderRole.String(), "/"):                               {migrate.ActionCreate, "added", "", add + ":3"},
		dirKey(scCarol, "ffd52fa5-98dc-465c-991d-fc073eb59f8f", "/attributeSets/Engineering"): {migrate.ActionCreate, "added", "Engineering", add + ":4"},
		emKey(scCarol, migrate.CatalogCreatorRole.String(), cat):                              {migrate.ActionSkip, migrate.ReasonRoleNotScopable, "Sales", add + ":5"},
		dirKey(scBob, "4d6ac14f-3453-41d0-bef9-a3e0c569773a", "/administrativeUnits/Ghost"):   {migrate.ActionSkip, migrate.ReasonScopeNotFound, "", add + ":6"},
		dirKey(scGuest, roleHelpdeskAdm, au(scParis)):                                         {migrate.ActionCreate, "added", "Paris", add + ":7"},
		dirKey(scGuest, migrate.DirectoryReadersRole.String(), "/"):                           {migrate.ActionCreate, migrate.ReasonDirectoryReaders, "", migrate.AddedDirectoryReaders},
		dirKey(scCarol, roleAppAdm, "/"+scCRM):                                                {migrate.ActionCreate, "added", "CRM", add + ":8"},
	}
	got := map[string]*migrate.Item{}
	for i := range p.Items {
		got[p.Items[i].Key] = &p.Items[i]
	}
	for k, w := range wants {
		it := got[k]
		if it == nil {
			t.Errorf("the plan has no item %s", k)
			continue
		}
		origin := it.Added
		if origin == "" {
			origin = it.ScopeRule
		}
		if it.Action != w.action || it.Reason != w.reason || it.ScopeName != w.scopeName || origin != w.origin {
			t.Errorf("%s: %s %s, scope name %q, from %q; want %s %s, %q, from %q", k, it.Action, it.Reason, it.ScopeName, origin, w.action, w.reason, w.scopeName, w.origin)
		}
	}
	for k := range got {
		if _, ok := wants[k]; !ok {
			t.Errorf("unexpected item %s", k)
		}
	}
	for _, s := range []string{"narrowed by scope rules", "added beyond legacy", "2 entitlement-management assignments"} {
		if !strings.Contains(out.stdout, s) {
			t.Errorf("plan printed\n%s\nwant %q", out.stdout, s)
		}
	}
	if !strings.Contains(out.stderr, rules+":10: the rule") {
		t.Errorf("plan did not name the rule that matched nothing:\n%s", out.stderr)
	}

	pim("apply", path("plan.json"), "--yes")
	sameHoldings(t, "after apply", holdingsOf(srv.State()), plannedHoldings(before, p, func(*migrate.Item) bool { return true }))
	lines := journalLines(t, path("run.jsonl"))
	if lines["outcome:created"]+lines["outcome:exists"] != p.Summary.Create || lines["verified"] != p.Summary.Create {
		t.Errorf("journal: %d created, %d verified; want %d of each (%v)", lines["outcome:created"], lines["verified"], p.Summary.Create, lines)
	}
	writes := srv.Stats().Writes
	again := pim("apply", path("plan.json"), "--yes")
	if srv.Stats().Writes != writes || !strings.Contains(again.stdout, fmt.Sprintf("all %d create items were already applied", p.Summary.Create)) {
		t.Errorf("a second apply wrote %d times:\n%s", srv.Stats().Writes-writes, again.stdout)
	}
	// Re-planned, everything applied is present at its scope.
	pim("plan", "--legacy", path("legacy.json"), "--out", path("plan2.json"), "--scope-rules", rules, "--add", add, "--settings", "off", "--as-of", testNow.Format("2006-01-02T15:04:05Z"))
	p2, err := migrate.ReadPlanFile(path("plan2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p2.Summary.Create != 0 || p2.Summary.Present != p.Summary.Create {
		t.Errorf("re-plan: %s; want all %d present", p2.Summary.Line(), p.Summary.Create)
	}
	// Rules changed after apply: the Helpdesk team now goes to Lyon. The
	// grant at Paris stays (pimmigrate removes nothing), and the item says so.
	moved := writeFile(t, dir, "rules-moved.csv", strings.Replace(scopeRulesCSV, "group:Helpdesk team,/administrativeUnits/Paris", "group:Helpdesk team,/administrativeUnits/Lyon", 1))
	pim("plan", "--legacy", path("legacy.json"), "--out", path("plan3.json"), "--scope-rules", moved, "--add", add, "--settings", "off", "--as-of", testNow.Format("2006-01-02T15:04:05Z"))
	p3, err := migrate.ReadPlanFile(path("plan3.json"))
	if err != nil {
		t.Fatal(err)
	}
	if it := findItem(p3, dirKey(scAlice, roleHelpdeskAdm, au(scLyon))); it == nil || it.Action != migrate.ActionCreate || !slices.Contains(it.Warnings, migrate.WarnOtherScopeHeld) {
		t.Errorf("the moved grant: %+v; want a create at Lyon warning %s", it, migrate.WarnOtherScopeHeld)
	}
	nothing := pim("apply", path("plan2.json"), "--yes", "--journal", path("run2.jsonl"))
	if want := fmt.Sprintf("No changes: the plan has nothing to send (%d already present, %d skipped).", p2.Summary.Present, p2.Summary.Skip); !strings.Contains(nothing.stdout, want) {
		t.Errorf("apply of a plan with nothing to send printed\n%s\nwant %q", nothing.stdout, want)
	}

	pim("rollback", "--journal", path("run.jsonl"), "--yes")
	if got := unifiedState(t, srv.State()); got != beforeJSON {
		t.Errorf("rollback did not restore the tenant:\n%s\nwant\n%s", got, beforeJSON)
	}
}

// TestScopeFilesRefusedWithTheirLine: a rules or --add file that cannot be
// used stops the plan before anything is written, naming the file, the
// line and what to do.
func TestScopeFilesRefusedWithTheirLine(t *testing.T) {
	seed := scopedSeed()
	seed.AdministrativeUnits = append(seed.AdministrativeUnits, graphsim.AdministrativeUnit{ID: "5c000000-0000-4000-8000-0000000000b3", DisplayName: "paris"})
	_, url := startAuditSim(t, seed, nil)
	dir := t.TempDir()
	legacy := auditExport(t, url, dir)
	tests := []struct {
		name, rules, add string
		offline          bool
		code             int
		want             string
	}{
		{"bad scope", "role,principal,scope\nHelpdesk Administrator,*,/directory/x\n", "", false, exitError, "rules.csv:2: scope:"},
		{"no such group", "role,principal,scope\nHelpdesk Administrator,group:Nobody,/\n", "", false, exitError, `no group called "Nobody"`},
		{"ambiguous AU", "role,principal,scope\nHelpdesk Administrator,*,/administrativeUnits/Paris\n", "", false, exitError, "rules.csv:2: "},
		{"eligible catalog role", "", "principal,role,scope,kind,provider\nfrank@contoso.example,Catalog owner,/,eligible,entitlementManagement\n", false, exitError, "assignments.csv:2: kind: entitlement-management roles cannot be eligible"},
		{"offline", "role,principal,scope\n*,*,/\n", "", true, exitUsage, "--offline does not read it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			out := filepath.Join(d, "plan.json")
			args := []string{"--graph-url", url, "--auth", "token", "plan", "--legacy", legacy, "--out", out}
			if tt.rules != "" {
				args = append(args, "--scope-rules", writeFile(t, d, "rules.csv", tt.rules))
			}
			if tt.add != "" {
				args = append(args, "--add", writeFile(t, d, "assignments.csv", tt.add))
			}
			if tt.offline {
				args = append(args, "--offline")
			}
			r := runCLIEnv(t, liveEnv, args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, tt.code, tt.want, r.stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// TestScopedApplyKilledWhileReadsLag is the hardening round's kill test on
// the demo's scoped plan: items at an administrative unit, an attribute
// set and a catalog, and the Directory Readers item. Apply is killed with
// requests in flight while reads lag; the next apply finishes, every
// object is in the tenant at its planned scope exactly once, and rollback
// leaves the tenant as it was.
func TestScopedApplyKilledWhileReadsLag(t *testing.T) {
	files := extract(t, t.TempDir(), fixtures.DemoScopeRules, fixtures.DemoAdd)
	w := newSimWorldPlan(t, []string{"--scope-rules", files[0], "--add", files[1], "--settings", "off"}, "--latency", "300ms", "--consistency-lag", "3s")
	if w.p.Summary.Narrowed == 0 || w.p.Summary.Added == 0 {
		t.Fatalf("the demo's scoped plan narrows %d and adds %d", w.p.Summary.Narrowed, w.p.Summary.Added)
	}
	cmd, _ := w.start("apply", w.plan, "--yes")
	w.waitForIntent()
	time.Sleep(200 * time.Millisecond)
	stopAndKill(cmd, time.Second)

	w.must("apply", w.plan, "--yes", "--replication-wait", "20s")
	w.applied("after the second apply")
	w.must("rollback", "--journal", w.journal, "--yes", "--replication-wait", "20s")
	w.restored("after rollback")
}

func findItem(p *migrate.Plan, key string) *migrate.Item {
	for i := range p.Items {
		if p.Items[i].Key == key {
			return &p.Items[i]
		}
	}
	return nil
}
