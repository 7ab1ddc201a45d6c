package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

const userAdmin = "fe930be7-5e62-47db-91af-98c3a49a38b1" // highly privileged, not Global Administrator

// withPolicies gives every highly privileged role Microsoft's default
// policy, then lets set change a role's rules.
func withPolicies(set func(role string, rules map[string]json.RawMessage)) func(*migrate.Tenant) {
	return func(t *migrate.Tenant) {
		t.Policies = []migrate.RolePolicy{}
		for _, id := range HighlyPrivileged {
			rules := migrate.DefaultPolicyRules()
			if set != nil {
				set(id.String(), rules)
			}
			t.Policies = append(t.Policies, migrate.RolePolicy{RoleID: id, PolicyID: "DirectoryRole_x_" + id.String(), Rules: rules})
		}
	}
}

// edit replaces old by new in rule id, or fails the test by a panic that
// names it: the default rules must hold what the test edits.
func edit(rules map[string]json.RawMessage, id, old, new string) {
	s := string(rules[id])
	if !strings.Contains(s, old) {
		panic(id + " lacks " + old)
	}
	rules[id] = json.RawMessage(strings.Replace(s, old, new, 1))
}

// compliant is a policy that meets every check of the baseline.
func compliant(role string, rules map[string]json.RawMessage) {
	edit(rules, migrate.RuleActivationApproval, `"isApprovalRequired":false`, `"isApprovalRequired":true`)
	for _, id := range []string{"Notification_Admin_Admin_Assignment", "Notification_Admin_Admin_Eligibility", "Notification_Admin_EndUser_Assignment"} {
		edit(rules, id, `"notificationRecipients":[]`, `"notificationRecipients":["soc@contoso.example"]`)
	}
}

func both(fs ...func(*migrate.Tenant)) func(*migrate.Tenant) {
	return func(t *migrate.Tenant) {
		for _, f := range fs {
			f(t)
		}
	}
}

func gas(ids ...string) func(*migrate.Tenant) {
	return func(t *migrate.Tenant) {
		for _, id := range ids {
			t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(id, ga, "/", nil))
		}
	}
}

func TestScubaPermanentActive(t *testing.T) {
	runCheck(t, CheckScubaPermanentActive, []checkCase{
		{name: "permanent Global Administrator", tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) },
			want: []string{"high scuba-permanent-active alice@contoso.example | Global Administrator | / | standing"}, detail: "MS.AAD.7.4v1"},
		{name: "permanent User Administrator in an administrative unit", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(bob, userAdmin, adminUnit))
		},
			want: []string{"high scuba-permanent-active bob@contoso.example | User Administrator | " + adminUnit + " | standing"}},
		{name: "break-glass is the baseline's exception", protect: []string{breakglass},
			tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(breakglass, ga, "/")) }},
		{name: "time-bound active", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/"))
			t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(alice, ga, "/", migrate.AssignmentTypeAssigned, at(30*day)))
		}},
		{name: "an activation", tenant: func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/"))
			t.AssignmentSchedules = append(t.AssignmentSchedules, schedule(alice, ga, "/", migrate.AssignmentTypeActivated, at(time.Hour)))
		}},
		{name: "Security Administrator is not highly privileged to CISA", tenant: func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, "/")) }},
	})
}

func TestScubaCloudOnly(t *testing.T) {
	synced := func(id string) func(*migrate.Tenant) {
		return func(t *migrate.Tenant) {
			for i := range t.Principals {
				if t.Principals[i].ID == migrate.MustGUID(id) {
					t.Principals[i].OnPremisesSynced = true
				}
			}
		}
	}
	runCheck(t, CheckScubaCloudOnly, []checkCase{
		{name: "a synchronized Global Administrator", tenant: both(synced(alice), gas(alice)),
			want: []string{"high scuba-cloud-only alice@contoso.example | Global Administrator | / | eligible"}, detail: "MS.AAD.7.3v1"},
		{name: "a synchronized User Administrator in an administrative unit, standing and eligible: once", tenant: both(synced(bob), func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(bob, userAdmin, adminUnit))
			t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(bob, userAdmin, "/", nil))
		}),
			want: []string{"high scuba-cloud-only bob@contoso.example | User Administrator | " + adminUnit + " | standing"}},
		{name: "break-glass accounts are not exempt", protect: []string{alice}, tenant: both(synced(alice), gas(alice)),
			want: []string{"high scuba-cloud-only alice@contoso.example | Global Administrator | / | eligible"}},
		{name: "a cloud-only Global Administrator", tenant: gas(alice)},
		{name: "a synchronized Security Administrator is not highly privileged to CISA", tenant: both(synced(alice), func(t *migrate.Tenant) {
			t.RoleAssignments = append(t.RoleAssignments, assign(alice, secAdmin, "/"))
		})},
	})
}

func TestScubaGlobalAdmins(t *testing.T) {
	runCheck(t, CheckScubaGlobalAdminCount, []checkCase{
		{name: "one", tenant: gas(alice), want: []string{"medium scuba-global-admin-count  | Global Administrator | / | "}, detail: "MS.AAD.7.1v1: 1 principals"},
		{name: "two eligible count", tenant: gas(alice, bob)},
		{name: "eight", tenant: gas(alice, bob, carol, guest, disabled, app, group, breakglass)},
		{name: "nine", tenant: gas(alice, bob, carol, guest, disabled, app, group, breakglass, deleted), want: []string{"medium scuba-global-admin-count  | Global Administrator | / | "}},
		{name: "eligible and active count once", tenant: both(gas(alice, bob), func(t *migrate.Tenant) { t.RoleAssignments = append(t.RoleAssignments, assign(alice, ga, "/")) })},
	})
	others := func(ids ...string) func(*migrate.Tenant) {
		return func(t *migrate.Tenant) {
			for _, id := range ids {
				t.EligibilitySchedules = append(t.EligibilitySchedules, eligible(id, userAdmin, "/", nil))
			}
		}
	}
	runCheck(t, CheckScubaGlobalAdminRatio, []checkCase{
		{name: "more Global Administrators than others", tenant: both(gas(alice, bob), others(carol)), want: []string{"medium scuba-global-admin-ratio  | Global Administrator | / | "}, detail: "2 principals hold Global Administrator and 1"},
		{name: "as many", tenant: both(gas(alice, bob), others(carol, guest))},
		{name: "one holding both counts as a Global Administrator", tenant: both(gas(alice, bob), others(alice, carol)), want: []string{"medium scuba-global-admin-ratio  | Global Administrator | / | "}},
	})
}

func TestScubaPolicyChecks(t *testing.T) {
	noApproval := withPolicies(func(role string, rules map[string]json.RawMessage) {
		compliant(role, rules)
		if role == ga {
			edit(rules, migrate.RuleActivationApproval, `"isApprovalRequired":true`, `"isApprovalRequired":false`)
		}
	})
	runCheck(t, CheckScubaGAApproval, []checkCase{
		{name: "Microsoft's default", tenant: withPolicies(nil), want: []string{"high scuba-ga-approval  | Global Administrator | / | "}, detail: "MS.AAD.7.6v1"},
		{name: "approval off for Global Administrator only", tenant: noApproval, want: []string{"high scuba-ga-approval  | Global Administrator | / | "}},
		{name: "compliant", tenant: withPolicies(compliant)},
		{name: "policies not read", tenant: nil},
	})
	quietUserAdmin := withPolicies(func(role string, rules map[string]json.RawMessage) {
		compliant(role, rules)
		if role == userAdmin {
			edit(rules, "Notification_Admin_Admin_Eligibility", `"notificationRecipients":["soc@contoso.example"]`, `"notificationRecipients":[]`)
			edit(rules, "Notification_Admin_EndUser_Assignment", `"notificationRecipients":["soc@contoso.example"]`, `"notificationRecipients":[]`)
		}
	})
	runCheck(t, CheckScubaAssignmentAlerts, []checkCase{
		{name: "one role without an eligibility alert", tenant: quietUserAdmin, want: []string{"medium scuba-assignment-alerts  | User Administrator | / | "}, detail: "MS.AAD.7.7v1: assigning this role alerts no additional recipient (Notification_Admin_Admin_Eligibility)"},
		{name: "compliant", tenant: withPolicies(compliant)},
	})
	runCheck(t, CheckScubaActivationAlerts, []checkCase{
		{name: "one role without an activation alert", tenant: quietUserAdmin, want: []string{"low scuba-activation-alerts  | User Administrator | / | "}, detail: "MS.AAD.7.9v1"},
		{name: "compliant", tenant: withPolicies(compliant)},
	})
	runCheck(t, CheckScubaGAActivation, []checkCase{
		{name: "Microsoft's default", tenant: withPolicies(nil), want: []string{"medium scuba-ga-activation-alert  | Global Administrator | / | "}, detail: "MS.AAD.7.8v1"},
		{name: "compliant", tenant: withPolicies(compliant)},
	})
	runCheck(t, CheckScubaNotRead, []checkCase{
		{name: "not read", want: []string{"info scuba-policies-not-read  |  |  | "}},
		{name: "read", tenant: withPolicies(nil)},
	})
}

func TestWeakerThanLegacy(t *testing.T) {
	approval := migrate.LegacySettings{RoleID: g(ga), Origin: migrate.OriginIteration1, Source: "s.json#1", ApprovalOnElevation: yes}
	mfaUser := migrate.LegacySettings{RoleID: g(userAdmin), Origin: migrate.OriginIteration1, Source: "s.json#2", MFAOnElevation: yes}
	reportsMFA := migrate.LegacySettings{RoleID: g(rptReader), Origin: migrate.OriginIteration1, Source: "s.json#3", ElevationDuration: "PT2H"}
	cases := []struct {
		name     string
		settings []migrate.LegacySettings
		tenant   func(*migrate.Tenant)
		want     []string
	}{
		{"approval lost on Global Administrator", []migrate.LegacySettings{approval}, withPolicies(nil),
			[]string{"high | Global Administrator | isApprovalRequired is false, legacy asked true | s.json#1 approvalOnElevation"}},
		{"approval kept", []migrate.LegacySettings{approval}, withPolicies(compliant), nil},
		{"MFA lost", []migrate.LegacySettings{mfaUser}, withPolicies(func(role string, rules map[string]json.RawMessage) {
			edit(rules, migrate.RuleActivationEnablement, `"MultiFactorAuthentication",`, ``)
		}), []string{"high | User Administrator | MultiFactorAuthentication is false, legacy asked true | s.json#2 mfaOnElevation"}},
		{"a longer activation on a role that is not privileged", []migrate.LegacySettings{reportsMFA}, func(t *migrate.Tenant) {
			t.Policies = []migrate.RolePolicy{{RoleID: g(rptReader), PolicyID: "DirectoryRole_x_r", Rules: migrate.DefaultPolicyRules()}}
		}, []string{"medium | Reports Reader | maximumDuration is PT8H, legacy asked PT2H | s.json#3 elevationDuration"}},
		{"policies not read", []migrate.LegacySettings{approval}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ten := baseTenant()
			if tc.tenant != nil {
				tc.tenant(ten)
			}
			res, err := Run(Input{Legacy: &migrate.Legacy{Settings: tc.settings}, Tenant: ten, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				if f.Check == CheckWeakerThanLegacy {
					_, change, _ := strings.Cut(f.Detail, ": ")
					got = append(got, strings.Join([]string{f.Severity.String(), f.Role.DisplayName, change, f.LegacySource}, " | "))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("weaker-than-legacy\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestRoleSettingsRows: the workbook's Role settings are the highly
// privileged roles and the roles with legacy settings, each with its
// controls and what is weaker than legacy.
func TestRoleSettingsRows(t *testing.T) {
	ten := baseTenant()
	withPolicies(nil)(ten)
	ten.Policies = append(ten.Policies, migrate.RolePolicy{RoleID: g(rptReader), PolicyID: "DirectoryRole_x_r", Rules: migrate.DefaultPolicyRules()})
	settings := []migrate.LegacySettings{{RoleID: g(ga), Origin: migrate.OriginIteration1, Source: "s.json#1", ApprovalOnElevation: yes},
		{RoleID: g(rptReader), Origin: migrate.OriginIteration1, Source: "s.json#2", ElevationDuration: "PT8H"}}
	res, err := Run(Input{Legacy: &migrate.Legacy{Settings: settings}, Tenant: ten, Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.RoleSettings) != len(HighlyPrivileged)+1 {
		t.Fatalf("%d role settings rows, want the %d highly privileged roles and Reports Reader", len(res.RoleSettings), len(HighlyPrivileged))
	}
	first, last := res.RoleSettings[0], res.RoleSettings[len(res.RoleSettings)-1]
	if first.Role.DisplayName != "Application Administrator" || !first.HighlyPrivileged || last.Role.DisplayName != "Reports Reader" || last.HighlyPrivileged {
		t.Errorf("order: first %s, last %s", first.Role.DisplayName, last.Role.DisplayName)
	}
	for _, s := range res.RoleSettings {
		if s.Role.DisplayName == "Global Administrator" && (s.Approval || !s.MFA || s.MaxActivation != "PT8H" || strings.Join(s.Weaker, ",") != "isApprovalRequired") {
			t.Errorf("Global Administrator: %+v", s)
		}
		if s.Role.DisplayName == "Reports Reader" && len(s.Weaker) != 0 {
			t.Errorf("Reports Reader asked for what the tenant has: %+v", s)
		}
	}
	if res, _ := Run(Input{Legacy: &migrate.Legacy{}, Tenant: baseTenant(), Catalogue: migrate.BuiltinCatalogue(), AsOf: asOf}); res.RoleSettings != nil {
		t.Errorf("policies not read, yet %d role settings rows", len(res.RoleSettings))
	}
}
