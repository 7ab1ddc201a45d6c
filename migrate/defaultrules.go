package migrate

import (
	"encoding/json"
	"strings"
)

// DefaultPolicyRules are the 17 rules of a directory role's policy as
// Microsoft documents them for a role nobody has configured (v1.0 "List
// rules" example; docs/graph.md): an activation of at most 8 hours needing
// MFA and a justification, no approval, no authentication context,
// eligibility and active assignment allowed without end (their maximum
// 365 and 180 days), a justification for active assignment, and e-mail
// notifications to the default recipients. graphsim serves them to a
// tenant seeded without policies, and an offline plan compares against
// them. Keyed by rule id.
func DefaultPolicyRules() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	add := func(typ, id string, fields map[string]any) {
		// Kind_Caller_Level, or Notification_Recipient_Caller_Level
		parts := strings.Split(id, "_")
		caller, level := parts[len(parts)-2], parts[len(parts)-1]
		r := map[string]any{
			"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicy" + typ + "Rule",
			"id":          id,
			"target": map[string]any{
				"caller": caller, "operations": []string{"all"}, "level": level,
				"inheritableSettings": []string{}, "enforcedSettings": []string{},
			},
		}
		for k, v := range fields {
			r[k] = v
		}
		b, _ := json.Marshal(r) // plain values always encode
		out[id] = b
	}
	expiration := func(required bool, max string) map[string]any {
		return map[string]any{"isExpirationRequired": required, "maximumDuration": max}
	}
	enablement := func(rules ...string) map[string]any {
		return map[string]any{"enabledRules": append([]string{}, rules...)}
	}
	add("Expiration", RuleEligibleExpiration, expiration(false, "P365D"))
	add("Enablement", RuleEligibleEnablement, enablement())
	add("Expiration", RuleActiveExpiration, expiration(false, "P180D"))
	add("Enablement", RuleActiveEnablement, enablement("Justification"))
	add("Expiration", RuleActivationExpiration, expiration(true, "PT8H"))
	add("Enablement", RuleActivationEnablement, enablement("MultiFactorAuthentication", "Justification"))
	add("Approval", RuleActivationApproval, map[string]any{"setting": map[string]any{
		"isApprovalRequired": false, "isApprovalRequiredForExtension": false, "isRequestorJustificationRequired": true,
		"approvalMode": "SingleStage", "approvalStages": []any{map[string]any{
			"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true, "escalationTimeInMinutes": 0,
			"isEscalationEnabled": false, "primaryApprovers": []any{}, "escalationApprovers": []any{},
		}},
	}})
	add("AuthenticationContext", RuleActivationAuthContext, map[string]any{"isEnabled": false, "claimValue": nil})
	for _, recipient := range []string{"Admin", "Requestor", "Approver"} {
		for _, level := range []string{"Admin_Eligibility", "Admin_Assignment", "EndUser_Assignment"} {
			add("Notification", "Notification_"+recipient+"_"+level, map[string]any{
				"notificationType": "Email", "recipientType": recipient, "notificationLevel": "All",
				"isDefaultRecipientsEnabled": true, "notificationRecipients": []string{},
			})
		}
	}
	return out
}
