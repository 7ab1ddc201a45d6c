package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/internal/golden"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// withSettings adds role setting items to p as plan makes them: an update
// (approval turned on), one the tenant is stricter on, one not carried
// over.
func withSettings(p *migrate.Plan) *migrate.Plan {
	ga := migrate.MustGUID("62e90394-69f5-4237-9190-012177145e10")
	policy := "DirectoryRole_" + testTenant + "_" + "b3b1c5f4-2d3a-4c1e-9a7f-0c6d1e2f3a4b"
	approval := func(on bool, approvers string) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyApprovalRule","id":"Approval_EndUser_Assignment",`+
			`"target":{"caller":"EndUser","operations":["All"],"level":"Assignment","inheritableSettings":[],"enforcedSettings":[]},`+
			`"setting":{"isApprovalRequired":%v,"isApprovalRequiredForExtension":false,"isRequestorJustificationRequired":true,"approvalMode":"SingleStage",`+
			`"approvalStages":[{"approvalStageTimeOutInDays":1,"isApproverJustificationRequired":true,"escalationTimeInMinutes":0,"isEscalationEnabled":false,`+
			`"primaryApprovers":[%s],"escalationApprovers":[]}]}}`, on, approvers))
	}
	expiry := json.RawMessage(`{"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyExpirationRule","id":"Expiration_EndUser_Assignment",` +
		`"isExpirationRequired":true,"maximumDuration":"PT4H","target":{"caller":"EndUser","operations":["All"],"level":"Assignment","inheritableSettings":[],"enforcedSettings":[]}}`)
	group := `{"@odata.type":"#microsoft.graph.groupMembers","groupId":"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9","description":"PIM Approvers"}`
	role := migrate.RoleInfo{DisplayName: "Global Administrator", Privileged: true}
	p.Items = append(p.Items,
		migrate.Item{Key: migrate.SettingKey(ga, migrate.RuleActivationApproval), Kind: migrate.KindRoleSetting, Role: role,
			Action: migrate.ActionUpdate, Reason: "legacy-tighten", Warnings: []string{migrate.WarnApproverNotFound},
			Setting: &migrate.SettingChange{RoleID: ga, PolicyID: policy, RuleID: migrate.RuleActivationApproval,
				Legacy: []migrate.LegacyValue{
					{Field: "approvalOnElevation", Value: "true", Source: "settings-iteration1.json#1 approvalOnElevation"},
					{Field: "userMemberSettings.ApprovalRule", Value: `{"enabled":true,"approvers":[{"id":"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9","type":"Group"}]}`, Source: "settings-iteration2.json#1 userMemberSettings.ApprovalRule"}},
				Current: approval(false, ""), Send: approval(true, group), Stage: 1,
				Changes: []migrate.FieldChange{{Field: migrate.FieldApprovalRequired, From: "false", To: "true"},
					{Field: migrate.FieldApprovers, From: "(none)", To: "group 0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9 (PIM Approvers)"}}}},
		migrate.Item{Key: migrate.SettingKey(ga, migrate.RuleActivationExpiration), Kind: migrate.KindRoleSetting, Role: role,
			Action: migrate.ActionPresent, Reason: migrate.ReasonTenantStricter, Warnings: []string{},
			Setting: &migrate.SettingChange{RoleID: ga, PolicyID: policy, RuleID: migrate.RuleActivationExpiration,
				Legacy:  []migrate.LegacyValue{{Field: "elevationDuration", Value: "PT8H", Source: "settings-iteration1.json#1 elevationDuration"}},
				Current: expiry}},
		migrate.Item{Key: migrate.SettingKey(ga, "~minElevationDuration"), Kind: migrate.KindRoleSetting, Role: role,
			Action: migrate.ActionSkip, Reason: migrate.ReasonNotCarriedOver, Warnings: []string{},
			Setting: &migrate.SettingChange{RoleID: ga,
				Legacy: []migrate.LegacyValue{{Field: "minElevationDuration", Value: "PT30M", Source: "settings-iteration1.json#1 minElevationDuration"}},
				Note:   "unified role management has no minimum activation length"}},
	)
	p.Seal()
	return p
}

// TestSettingsInReview: role setting items have their own filter, rows that
// name the rule and the change, a detail pane with legacy, now and after
// apply side by side, and are approved and declined like creates.
func TestSettingsInReview(t *testing.T) {
	settingsTab := []string{"tab", "tab", "tab", "tab", "tab"}
	cases := []struct {
		name string
		keys []string
		want []string
	}{
		{"filter", settingsTab, []string{"[settings]", "~", "rule Approval_EndUser", "isApprovalRequired false", "tenant-stricter", "legacy minElevation", "~1 settings"}},
		{"detail", append(settingsTab, "j", "enter"), []string{"Legacy settings", "Tenant now", "After apply", "* isApprovalRequired", "PIM Approvers", "approvalOnElevation = true", "PATCH /v1.0/policies/roleManagementPolicies/"}},
		{"detail-not-carried", append(settingsTab, "enter"), []string{"minElevationDuration = PT30M", "no minimum", "No change: skip (not-carried-over)"}},
		{"approved", append(settingsTab, "j", "space"), []string{"✓1 ✗0 ·8"}},
	}
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(withSettings(testPlan(12)), size[0], size[1], t.TempDir()+"/plan.json")
				m, _ = press(t, m, tc.keys...)
				got := screen(m)
				checkFrame(t, got, size[0], size[1])
				flat := strings.Join(strings.Fields(got), " ")
				for _, w := range tc.want {
					if size[0] >= 120 && !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
						t.Errorf("screen lacks %q:\n%s", w, got)
					}
				}
				golden.Check(t, "settings-"+name, got)
			})
		}
	}
	m := newTestModel(withSettings(testPlan(12)), 120, 40, "")
	m, _ = press(t, m, append(settingsTab, "j", "space", "space")...)
	it := &m.plan.Items[m.selected()]
	if it.Action != migrate.ActionUpdate || reviewOf(it) != declined {
		t.Errorf("%s: review %v after approve then decline", it.Key, reviewOf(it))
	}
	if it.Sendable(true) {
		t.Errorf("a declined settings update must not be sendable")
	}
	m, _ = press(t, m, "j", "space")
	if !strings.Contains(m.msg, "Nothing to approve") {
		t.Errorf("space on a present setting: %q", m.msg)
	}
}
