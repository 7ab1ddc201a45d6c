package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/internal/golden"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/xuri/excelize/v2"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate/audit"
	"github.com/pimmigrate/pimmigrate/report"
	"github.com/pimmigrate/pimmigrate/report/reporttest"
)

// The audit tenant's principals and roles.
const (
	auditTenant   = "a0d17000-0000-4000-8000-00000000cafe"
	auAlice       = "a11ce000-0000-4000-8000-0000000000a1" // legacy eligible Security Administrator, now standing
	auBob         = "b0b00000-0000-4000-8000-0000000000b2" // legacy eligible Security Reader, eligibility by directory id; activated Helpdesk
	auCarol       = "ca201000-0000-4000-8000-0000000000c3" // legacy permanent Security Administrator, missing
	auGina        = "91aa0000-0000-4000-8000-0000000000d4" // guest, eligible Global Administrator
	auDave        = "da7e0000-0000-4000-8000-0000000000e5" // disabled, standing Reports Reader
	userAdminRole = "fe930be7-5e62-47db-91af-98c3a49a38b1" // highly privileged to ScubaGear
	auErin        = "e1170000-0000-4000-8000-0000000000f6" // legacy expired; time-bound Intune Administrator
	auBreakglass  = "b2ea6000-0000-4000-8000-0000000000a7" // protected, the only standing Global Administrator
	auDeleted     = "de1e7ed0-0000-4000-8000-0000000000b8" // in no list: deleted
	auApp         = "5e2f1ce0-0000-4000-8000-0000000000c9" // standing Privileged Role Administrator at an AU
	roleSecAdmin  = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	roleSecReader = "5d6b6bb7-de71-4623-b4af-96380a352509"
	roleSecRdrDir = "60bd8a8e-0f70-4566-9cef-87a52f9758a6"
	roleHelpdesk  = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	roleRptReader = "4a5d8f65-41da-4de4-8968-e035b65339cf"
	roleUserAdmin = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	roleIntune    = "3a2c62db-5318-420d-8d74-23affee5d9d5"
	rolePRA       = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	auScope       = "/administrativeUnits/286d9a46-6a83-4386-a54a-978fc5022a5e"
	roleRetired   = "7e71000d-0000-4000-8000-0000000000d1" // a custom role, disabled
)

func tp(t time.Time) *time.Time { return &t }

// auditSeed is a tenant with at least one finding of every check at testNow.
func auditSeed() *graphsim.Seed {
	f := false
	user := func(id, upn, typ string) graphsim.User {
		return graphsim.User{ID: id, UserPrincipalName: upn, DisplayName: strings.Split(upn, "@")[0], UserType: typ}
	}
	dave := user(auDave, "dave@contoso.example", "")
	erin := user(auErin, "erin@contoso.example", "")
	erin.OnPremisesImmutableID = "k4TnN8oiVkGUCrVVmaZE3A==" // from on-premises, and eligible for User Administrator: scuba-cloud-only
	dave.AccountEnabled = &f
	after := func(end time.Time) graphsim.ScheduleInfo {
		return graphsim.ScheduleInfo{Expiration: graphsim.Expiration{Type: "afterDateTime", EndDateTime: &end}}
	}
	approval := true
	return &graphsim.Seed{
		TenantID: auditTenant,
		// Legacy required approval to activate Global Administrator; the
		// tenant's policy (Microsoft's default) does not: weaker-than-legacy.
		PrivilegedRoleSettings: []graphsim.PrivilegedRoleSettings{{ID: ga, ApprovalOnElevation: &approval}},
		Users: []graphsim.User{
			user(auAlice, "alice@contoso.example", ""), user(auBob, "bob@contoso.example", ""), user(auCarol, "carol@contoso.example", ""),
			user(auGina, "gina_fabrikam.example#EXT#@contoso.example", "Guest"), dave, erin,
			user(auBreakglass, "breakglass@contoso.example", ""),
		},
		ServicePrincipals: []graphsim.ServicePrincipal{{ID: auApp, AppID: "0a990000-0000-4000-8000-000000000001", DisplayName: "Contoso Automation"}},
		RoleDefinitions: []graphsim.RoleDefinition{{ID: roleSecRdrDir, DisplayName: "Security Reader", TemplateID: roleSecReader},
			{ID: roleRetired, DisplayName: "Retired Operators", IsBuiltIn: &f, IsEnabled: &f}},
		PrivilegedRoleAssignments: []graphsim.PrivilegedRoleAssignment{
			{UserID: auAlice, RoleID: roleSecAdmin},
			{UserID: auBob, RoleID: strings.ToUpper(roleSecReader)},
			{UserID: auBob, RoleID: roleHelpdesk, IsElevated: true, ExpirationDateTime: tp(testNow.Add(2 * time.Hour))},
			{UserID: auCarol, RoleID: roleSecAdmin, IsElevated: true},
			{UserID: auErin, RoleID: roleUserAdmin, ExpirationDateTime: tp(testNow.Add(-24 * time.Hour))},
			{UserID: auBreakglass, RoleID: ga, IsElevated: true},
			{UserID: auDeleted, RoleID: roleHelpdesk},                 // legacy-gone
			{UserID: auCarol, RoleID: roleRetired, IsElevated: true},  // legacy-skipped
			{UserID: auAlice, RoleID: roleHelpdesk, IsElevated: true}, // legacy-narrowed
		},
		GovernanceRoleAssignments: []graphsim.GovernanceRoleAssignment{ // legacy-needs-decision
			{ID: "9a0v-app-helpdesk", SubjectID: auApp, RoleDefinitionID: roleHelpdesk, AssignmentState: "Eligible", MemberType: "Direct"},
		},
		RoleAssignments: []graphsim.RoleAssignment{
			{PrincipalID: auAlice, RoleDefinitionID: roleSecAdmin},
			{PrincipalID: auDave, RoleDefinitionID: roleRptReader},
			{PrincipalID: auDeleted, RoleDefinitionID: roleSecAdmin},
			{PrincipalID: auBreakglass, RoleDefinitionID: ga},
			{PrincipalID: auApp, RoleDefinitionID: rolePRA, DirectoryScopeID: auScope},
			{PrincipalID: auAlice, RoleDefinitionID: roleHelpdesk, DirectoryScopeID: auScope},
		},
		RoleEligibilitySchedules: []graphsim.Schedule{
			{PrincipalID: strings.ToUpper(auBob), RoleDefinitionID: strings.ToUpper(roleSecRdrDir)},
			{PrincipalID: auBob, RoleDefinitionID: roleHelpdesk, ScheduleInfo: after(testNow.Add(30 * 24 * time.Hour))},
			{PrincipalID: auGina, RoleDefinitionID: ga},
			{PrincipalID: auErin, RoleDefinitionID: roleUserAdmin},
		},
		RoleAssignmentSchedules: []graphsim.Schedule{
			{PrincipalID: auBob, RoleDefinitionID: roleHelpdesk, AssignmentType: "Activated", ScheduleInfo: after(testNow.Add(2 * time.Hour))},
			{PrincipalID: auErin, RoleDefinitionID: roleIntune, ScheduleInfo: after(testNow.Add(10 * 24 * time.Hour))},
		},
	}
}

// startAuditSim serves seed at testNow, requiring liveToken; wrap, when
// set, stands between the client and graphsim.
func startAuditSim(t *testing.T, seed *graphsim.Seed, wrap func(http.Handler) http.Handler) (*graphsim.Server, string) {
	t.Helper()
	srv := graphsim.New(seed, graphsim.Options{RequireToken: liveToken, Now: func() time.Time { return testNow }})
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

var liveEnv = map[string]string{tokenEnv: liveToken}

// auditExport exports the tenant's legacy records, plus extra snapshot
// files, to dir/legacy.json.
func auditExport(t *testing.T, url, dir string, extra ...string) string {
	t.Helper()
	legacy := filepath.Join(dir, "legacy.json")
	args := []string{"--graph-url", url, "--auth", "token", "export", "--source", "beta", "--out", legacy}
	for _, e := range extra {
		args = append(args, "--source", e)
	}
	if r := runCLIEnv(t, liveEnv, args...); r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	return legacy
}

func auditCLI(t *testing.T, url string, args ...string) result {
	t.Helper()
	return runCLIEnv(t, liveEnv, append([]string{"--graph-url", url, "--auth", "token", "audit"}, args...)...)
}

// TestAuditFindsEveryKind is issue 5's "done when": audit finds each kind
// of finding on a tenant seeded to have it, writes the XLSX and the CSV,
// and reads without writing.
func TestAuditFindsEveryKind(t *testing.T) {
	srv, url := startAuditSim(t, auditSeed(), nil)
	dir := t.TempDir()
	bad := writeFile(t, dir, "saved-page.json", `{"value":[{"userId":"not-a-guid","roleId":"`+ga+`","isElevated":true}]}`)
	legacy := auditExport(t, url, dir, bad)
	protect := writeFile(t, dir, "protect.txt", "# break glass\nBreakGlass@contoso.example\n")
	xlsx, csvPath := filepath.Join(dir, "audit.xlsx"), filepath.Join(dir, "audit.csv")
	writesBefore := srv.Stats().Writes

	r := auditCLI(t, url, "--output", "json", "--legacy", legacy, "--protect", protect, "--xlsx", xlsx, "--csv", csvPath)
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if w := srv.Stats().Writes - writesBefore; w != 0 {
		t.Errorf("audit made %d writes; it only reads", w)
	}
	var out auditResult
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--output json: %v\n%s", err, r.stdout)
	}
	want := map[string]audit.Severity{}
	for _, c := range audit.Checks() {
		want[c.ID] = c.Severity
	}
	seen := map[string]int{}
	for _, f := range out.Findings {
		seen[f.Check]++
		if f.Severity != want[f.Check] {
			t.Errorf("%s has severity %s, want %s", f.Check, f.Severity, want[f.Check])
		}
	}
	// Three checks are left to migrate/audit's tests: the policies are read
	// here (so scuba-policies-not-read cannot show), this tenant's Global
	// Administrators are within the baseline's 2 to 8, and added-by-plan
	// needs a plan with --add items.
	for id := range want {
		if id == audit.CheckScubaNotRead || id == audit.CheckScubaGlobalAdminCount || id == audit.CheckAddedByPlan {
			continue
		}
		if seen[id] == 0 {
			t.Errorf("no %s finding; findings: %v", id, seen)
		}
	}
	if out.Summary.Findings != len(out.Findings) || out.TenantID != auditTenant || !out.AsOf.Equal(testNow) {
		t.Errorf("summary %+v, tenant %s, asOf %s", out.Summary, out.TenantID, out.AsOf)
	}

	sheets, err := reporttest.DumpXLSXFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 3 || sheets[0].Name != "Summary" || sheets[1].Name != "Findings" || sheets[2].Name != "Role settings" {
		t.Fatalf("sheets %v, want Summary, Findings and Role settings", sheets)
	}
	// Summary: a title and 9 fields, a blank row, the severity table (a
	// heading and 4 rows), a blank row, the check table (a heading and a
	// row per check).
	if n, want := lines(sheets[0].TSV), 10+1+5+1+1+len(audit.Checks()); n != want {
		t.Errorf("Summary has %d rows, want %d:\n%s", n, want, sheets[0].TSV)
	}
	if n := lines(sheets[1].TSV); n != 1+len(out.Findings) {
		t.Errorf("Findings has %d rows, want a header and %d findings", n, len(out.Findings))
	}
	// legacy.json records the temporary paths it was exported from, so its
	// digest changes from run to run.
	digest := regexp.MustCompile(`sha256:[0-9a-f]{64}`)
	clean := func(s string) string {
		s = strings.ReplaceAll(s, dir+string(filepath.Separator), "")
		s = digest.ReplaceAllString(s, "sha256:DIGEST")
		return strings.ReplaceAll(s, url, "GRAPH_URL")
	}
	golden.Check(t, "summary.tsv", clean(sheets[0].TSV))
	golden.Check(t, "findings.tsv", clean(sheets[1].TSV))
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "audit.csv", clean(string(b)))

	// Text output: the counts, and where the files went.
	r = auditCLI(t, url, "--legacy", legacy, "--protect", protect, "--xlsx", xlsx)
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	golden.Check(t, "stdout.txt", clean(r.stdout))
	// Without files the findings are printed.
	r = auditCLI(t, url, "--legacy", legacy, "--protect", protect)
	if r.code != 0 || !strings.Contains(r.stdout, "Findings:\n") || !strings.Contains(r.stdout, "legacy-missing") {
		t.Errorf("exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

func lines(s string) int { return strings.Count(s, "\n") }

// lowOnlySeed has one low finding and nothing above: two eligible Global
// Administrators and two eligible User Administrators, as in legacy, so no
// standing Global Administrator (global-admin-count, low); and policies
// that meet the ScubaGear baseline for every highly privileged role.
func lowOnlySeed() *graphsim.Seed {
	s := &graphsim.Seed{TenantID: auditTenant}
	for i, grant := range []struct{ id, upn, role string }{
		{auAlice, "alice@contoso.example", ga}, {auBob, "bob@contoso.example", ga},
		{auCarol, "carol@contoso.example", userAdminRole}, {auDave, "dave@contoso.example", userAdminRole},
	} {
		s.Users = append(s.Users, graphsim.User{ID: grant.id, UserPrincipalName: grant.upn, DisplayName: grant.upn})
		s.PrivilegedRoleAssignments = append(s.PrivilegedRoleAssignments, graphsim.PrivilegedRoleAssignment{UserID: grant.id, RoleID: grant.role})
		s.RoleEligibilitySchedules = append(s.RoleEligibilitySchedules, graphsim.Schedule{ID: fmt.Sprintf("elig-%d", i), PrincipalID: grant.id, RoleDefinitionID: grant.role})
	}
	notify := func(id string) json.RawMessage {
		return json.RawMessage(`{"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyNotificationRule","id":"` + id +
			`","notificationType":"Email","recipientType":"Admin","notificationLevel":"All","isDefaultRecipientsEnabled":true,"notificationRecipients":["soc@contoso.example"]}`)
	}
	for _, role := range audit.HighlyPrivileged {
		approval := migrate.DefaultPolicyRules()[migrate.RuleActivationApproval]
		approval = json.RawMessage(strings.Replace(string(approval), `"isApprovalRequired":false`, `"isApprovalRequired":true`, 1))
		pid := "DirectoryRole_" + auditTenant + "_" + role.String()
		s.RoleManagementPolicies = append(s.RoleManagementPolicies, graphsim.RoleManagementPolicy{ID: pid, Rules: []json.RawMessage{approval,
			notify("Notification_Admin_Admin_Assignment"), notify("Notification_Admin_Admin_Eligibility"), notify("Notification_Admin_EndUser_Assignment")}})
		s.RoleManagementPolicyAssignments = append(s.RoleManagementPolicyAssignments, graphsim.RoleManagementPolicyAssignment{
			ID: pid + "_" + role.String(), PolicyID: pid, RoleDefinitionID: role.String()})
	}
	return s
}

func TestAuditFailOn(t *testing.T) {
	for _, tt := range []struct {
		name   string
		seed   func() *graphsim.Seed
		failOn string
		code   int
	}{
		{"every kind, no --fail-on", auditSeed, "", exitOK},
		{"every kind, high", auditSeed, "high", exitFailedItems},
		{"every kind, medium", auditSeed, "medium", exitFailedItems},
		{"every kind, low", auditSeed, "low", exitFailedItems},
		{"low only, high", lowOnlySeed, "high", exitOK},
		{"low only, medium", lowOnlySeed, "MEDIUM", exitOK},
		{"low only, low", lowOnlySeed, "low", exitFailedItems},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, url := startAuditSim(t, tt.seed(), nil)
			dir := t.TempDir()
			legacy := auditExport(t, url, dir)
			args := []string{"--legacy", legacy, "--csv", filepath.Join(dir, "audit.csv")}
			if tt.failOn != "" {
				args = append(args, "--fail-on", tt.failOn)
			}
			r := auditCLI(t, url, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if tt.code == exitFailedItems && !strings.Contains(r.stderr, "--fail-on "+tt.failOn) {
				t.Errorf("stderr does not say why: %s", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "audit.csv")); err != nil {
				t.Errorf("the CSV is written whatever the exit code: %v", err)
			}
		})
	}
}

func TestAuditUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no legacy", []string{"audit"}, "--legacy is required"},
		{"bad fail-on", []string{"audit", "--legacy", "l.json", "--fail-on", "critical"}, "--fail-on"},
		{"fail-on info", []string{"audit", "--legacy", "l.json", "--fail-on", "info"}, "--fail-on"},
		{"bad as-of", []string{"audit", "--legacy", "l.json", "--as-of", "tomorrow"}, "--as-of"},
		{"same file twice", []string{"audit", "--legacy", "l.json", "--xlsx", filepath.Join(dir, "a"), "--csv", filepath.Join(dir, "a")}, "same file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestAuditForbidden: a 403 names the read permissions audit needs, and
// nothing more.
func TestAuditForbidden(t *testing.T) {
	forbid := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/roleAssignmentSchedules") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	_, url := startAuditSim(t, auditSeed(), forbid)
	dir := t.TempDir()
	legacy := auditExport(t, url, dir)
	r := auditCLI(t, url, "--legacy", legacy, "--xlsx", filepath.Join(dir, "audit.xlsx"))
	if r.code != exitError || !strings.Contains(r.stderr, "403") || !strings.Contains(r.stderr, "RoleManagement.Read.Directory") ||
		!strings.Contains(r.stderr, "Directory.Read.All") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "audit.xlsx")); !os.IsNotExist(err) {
		t.Errorf("audit.xlsx written after a failed read")
	}
}

func TestAuditRefusesAnotherTenantsSnapshot(t *testing.T) {
	_, url := startAuditSim(t, auditSeed(), nil)
	dir := t.TempDir()
	legacy := writeFile(t, dir, "legacy.json", `{"schema":"pimmigrate.legacy/v1","tenantId":"11111111-2222-4333-8444-555555555555","sources":[],"assignments":[],"rejected":[]}`)
	r := auditCLI(t, url, "--legacy", legacy)
	if r.code != exitError || !strings.Contains(r.stderr, "11111111-2222-4333-8444-555555555555") || !strings.Contains(r.stderr, auditTenant) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestAuditHelp(t *testing.T) {
	r := runCLI(t, "audit", "--help")
	for _, want := range []string{"Examples:", "RoleManagement.Read.Directory", "Directory.Read.All", "--fail-on", "exit", "legacy-missing", "global-admin-count"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("audit --help does not mention %q:\n%s", want, r.stdout)
		}
	}
}

// TestAuditAfterACleanRun: after a flawless apply of the demo plan, audit
// reports no high legacy-missing, with --plan or without: the grants the
// plan skipped on purpose are accounted for, each at a severity that fits
// its reason. What stays high is what a compliance officer must act on.
func TestAuditAfterACleanRun(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	d.mustRun(t, session{}, "apply", d.plan, "--yes")
	protect := filepath.Join(d.dir, "protect.txt")
	for _, tt := range []struct {
		name string
		plan []string
		want map[string]int // findings by check
	}{
		{"with --plan", []string{"--plan", d.plan}, map[string]int{audit.CheckLegacyMissing: 0, audit.CheckLegacyGone: 6,
			audit.CheckLegacyNeedsDecision: 4, audit.CheckLegacySkipped: 3, audit.CheckEligibleNowStanding: 3}},
		{"without --plan", nil, map[string]int{audit.CheckLegacyMissing: 0, audit.CheckLegacyGone: 6,
			audit.CheckLegacyNeedsDecision: 4, audit.CheckLegacySkipped: 3, audit.CheckEligibleNowStanding: 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--output", "json", "audit", "--legacy", d.legacy, "--protect", protect}, tt.plan...)
			r := d.mustRun(t, session{}, args...)
			var res auditResult
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
				t.Fatal(err)
			}
			for check, n := range tt.want {
				if got := res.Summary.ByCheck[check]; got != n {
					t.Errorf("%s: %d findings, want %d", check, got, n)
				}
			}
			// What stays high is for a compliance officer to act on: the
			// standing access legacy held as eligible, the demo's permanent
			// highly privileged assignments (ScubaGear MS.AAD.7.4v1), and —
			// this demo plan was made with --settings off — the role
			// settings legacy had and the tenant still lacks.
			actOn := map[string]bool{audit.CheckEligibleNowStanding: true, audit.CheckScubaPermanentActive: true,
				audit.CheckWeakerThanLegacy: true, audit.CheckScubaGAApproval: true}
			for _, f := range res.Findings {
				if f.Severity == audit.High && !actOn[f.Check] {
					t.Errorf("high finding after a clean run: %s %s: %s", f.Check, f.Principal.UserPrincipalName, f.Detail)
				}
				if tt.plan != nil && strings.HasPrefix(f.Check, "legacy-") && f.Check != audit.CheckLegacyRejected && !strings.Contains(f.Detail, "the plan skipped it: ") {
					t.Errorf("%s does not give the plan's reason: %s", f.Check, f.Detail)
				}
			}
		})
	}
}

// TestAuditRefusesAnotherPlan: --plan must be the plan of --legacy.
func TestAuditRefusesAnotherPlan(t *testing.T) {
	d := newDemo(t, graphsim.Options{})
	other := filepath.Join(d.dir, "other-legacy.json")
	b, err := os.ReadFile(d.legacy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, append(b, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	r := d.cli(t, session{}, "audit", "--legacy", other, "--plan", d.plan)
	if r.code != exitError || !strings.Contains(r.stderr, "was made from another legacy snapshot") {
		t.Errorf("exit %d, want %d refusing the plan\n%s", r.code, exitError, r.stderr)
	}
}

// TestAuditWorkbookReads: the Findings sheet wraps its long Detail column,
// names a role the tenant does not have as the migration report does, and
// right-aligns the headings of counts.
func TestAuditWorkbookReads(t *testing.T) {
	const gone = "2af1eea7-0dec-4f83-a1fe-621b6bacb6a0"
	res := &audit.Result{TenantID: auditTenant, AsOf: testNow, Findings: []audit.Finding{{Severity: audit.Info, Check: audit.CheckLegacyGone,
		Principal: audit.Principal{ID: auAlice, DisplayName: "alice"}, Role: audit.Role{ID: gone}, Scope: "/", Grant: audit.GrantLegacy,
		Detail: strings.Repeat("a detail long enough to need more than one line on paper ", 4)}}}
	res.Summary.ByCheck = map[string]int{audit.CheckLegacyGone: 1}
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, report.Audit(res, report.AuditMeta{Legacy: "legacy.json"})); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cell := func(sheet, header string, row int) string {
		t.Helper()
		heads, _ := f.GetRows(sheet)
		col := slices.Index(heads[0], header)
		if col < 0 {
			t.Fatalf("%s has no column %q: %q", sheet, header, heads[0])
		}
		name, _ := excelize.CoordinatesToCellName(col+1, row)
		return name
	}
	if got, _ := f.GetCellValue("Findings", cell("Findings", "Role", 2)); got != report.RoleName("", gone) {
		t.Errorf("the unknown role is named %q, want %q as in the migration report", got, report.RoleName("", gone))
	}
	id, _ := f.GetCellStyle("Findings", cell("Findings", "Detail", 2))
	if st, _ := f.GetStyle(id); st.Alignment == nil || !st.Alignment.WrapText {
		t.Error("the Detail column does not wrap")
	}
	rows, _ := f.GetRows("Summary")
	for r, row := range rows {
		for c, v := range row {
			if v != "Findings" || c == 0 {
				continue
			}
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			id, _ := f.GetCellStyle("Summary", name)
			if st, _ := f.GetStyle(id); st.Alignment == nil || st.Alignment.Horizontal != "right" {
				t.Errorf("Summary!%s (Findings, over counts) is not right-aligned", name)
			}
		}
	}
}
