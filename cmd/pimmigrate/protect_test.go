package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

const (
	bgUser    = "b2ea6000-0000-4000-8000-000000000002" // break glass, legacy permanent Global Administrator
	bgVault   = "b2ea6000-0000-4000-8000-000000000003" // break glass, no legacy record, no role
	bgTypoID  = "b2ea6000-0000-4000-8000-000000000004" // nobody
	bgAliceID = "a11ce000-0000-4000-8000-000000000001"
)

// protectSeed is a tenant with two break-glass accounts, one holding a
// legacy Global Administrator role, and Alice.
func protectSeed() *graphsim.Seed {
	return &graphsim.Seed{
		TenantID: auditTenant,
		Users: []graphsim.User{
			{ID: bgAliceID, UserPrincipalName: "alice@contoso.example", DisplayName: "Alice"},
			{ID: bgUser, UserPrincipalName: "breakglass2@contoso.example", DisplayName: "Break Glass 2"},
			{ID: bgVault, UserPrincipalName: "vault@contoso.example", DisplayName: "Vault"},
		},
		PrivilegedRoleAssignments: []graphsim.PrivilegedRoleAssignment{
			{UserID: bgAliceID, RoleID: ga, IsElevated: true},
			{UserID: bgUser, RoleID: ga, IsElevated: true},
		},
	}
}

// TestProtectEntryThatMatchesNobody: a break-glass list entry that names no
// principal of the tenant (a typo) stops plan and audit with its file and
// line, instead of leaving the account it meant unprotected; an entry naming
// a real account that holds nothing is no typo.
func TestProtectEntryThatMatchesNobody(t *testing.T) {
	_, url := startAuditSim(t, protectSeed(), nil)
	dir := t.TempDir()
	legacy := auditExport(t, url, dir)
	tests := []struct {
		name    string
		protect string
		want    []string // in stderr; none: plan and audit succeed
	}{
		{name: "typo in a user principal name", protect: "# break glass\nbreakglass2@contoso.exampel\n",
			want: []string{"protect.txt:2: breakglass2@contoso.exampel: no user of tenant " + auditTenant, "fix each entry or remove it"}},
		{name: "typo in an object id", protect: bgVault + "\n" + bgTypoID + "\n",
			want: []string{"protect.txt:2: object id " + bgTypoID + ": no user, group or service principal of tenant " + auditTenant}},
		{name: "accounts with and without legacy records", protect: "BreakGlass2@contoso.example\nvault@contoso.example\n" + bgVault + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			protect := writeFile(t, t.TempDir(), "protect.txt", tt.protect)
			plan := filepath.Join(t.TempDir(), "plan.json")
			live := func(args ...string) result {
				return runCLIEnv(t, liveEnv, append([]string{"--graph-url", url, "--auth", "token"}, args...)...)
			}
			for _, r := range []result{
				live("plan", "--legacy", legacy, "--out", plan, "--protect", protect),
				live("audit", "--legacy", legacy, "--protect", protect),
			} {
				if len(tt.want) == 0 {
					if r.code != 0 {
						t.Fatalf("exit %d\n%s", r.code, r.stderr)
					}
					continue
				}
				if r.code != exitError {
					t.Errorf("exit %d, want %d\n%s%s", r.code, exitError, r.stdout, r.stderr)
				}
				for _, w := range tt.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
					}
				}
			}
			if len(tt.want) > 0 {
				if _, err := os.Stat(plan); !os.IsNotExist(err) {
					t.Errorf("plan.json written: %v", err)
				}
				return
			}
			p, err := migrate.ReadPlanFile(plan)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				if it.Legacy.UserID.String() == bgUser && it.Reason != migrate.ReasonProtected {
					t.Errorf("break glass item %s: %s %s, want skip protected", it.Key, it.Action, it.Reason)
				}
			}
		})
	}
}

// TestProtectOfflineNotes: offline, an entry by user principal name protects
// nobody and an object id that no legacy record has may be a typo: each is a
// note in the plan and on stderr naming its file and line.
func TestProtectOfflineNotes(t *testing.T) {
	_, url := startAuditSim(t, protectSeed(), nil)
	dir := t.TempDir()
	legacy := auditExport(t, url, dir)
	protect := writeFile(t, dir, "protect.txt", "breakglass2@contoso.example\n"+bgVault+"\n"+bgUser+"\n")
	plan := filepath.Join(dir, "plan.json")
	r := runCLI(t, "plan", "--offline", "--legacy", legacy, "--out", plan, "--protect", protect)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	p, err := migrate.ReadPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		protect + ":1: breakglass2@contoso.example is NOT protected by this offline plan",
		protect + ":2: object id " + bgVault + " matches no principal of legacy.json",
	}
	if len(p.Notes) != len(want) {
		t.Fatalf("notes %q, want %d", p.Notes, len(want))
	}
	for i, w := range want {
		if !strings.Contains(p.Notes[i], w) {
			t.Errorf("note %q lacks %q", p.Notes[i], w)
		}
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
}
