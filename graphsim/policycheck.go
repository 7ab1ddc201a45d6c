package graphsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Policy validation of schedule requests
// (docs/graph.md, "Policy validation"). Graph checks an adminAssign request against the role's
// policy and refuses one that breaks it with 400
// RoleAssignmentRequestPolicyValidationFailed, "The following policy rules
// failed: ["ExpirationRule"]" (terraform-provider-azuread issue 1450,
// azure-docs issue 80426; the rule names from iteration 2's
// statusDetails). graphsim checks:
//   - ExpirationRule: Expiration_Admin_Eligibility (eligibility requests)
//     or Expiration_Admin_Assignment (assignment requests) requires an
//     end, and the end lies at most maximumDuration after the start.
//     Unconfirmed: that the maximum counts only where an end is required
//     (the portal hides it when permanent assignment is allowed).
//   - JustificationRule: the Enablement_Admin_* rule requires a
//     justification and the request has none.
//   - MfaRule: the Enablement_Admin_* rule requires MultiFactorAuthentication
//     and the caller is app-only (EasyPIM issue 113); graphsim takes a
//     delegated caller to have signed in with MFA.
//   - TicketingRule: the Enablement_Admin_* rule requires Ticketing and the
//     request has no ticketInfo.ticketNumber. Unconfirmed: the rule name.
//
// A request with isValidationOnly is checked the same way and, valid,
// answered 201 without creating anything. Unconfirmed: whether Graph
// applies the policy to a direct POST of a unifiedRoleAssignment; graphsim
// does not (Microsoft's default policy requires a justification on admin
// assignment, which a unifiedRoleAssignment has no property for).

// AppOnlyTokenPrefix marks a bearer token as an app-only caller's
// (client credentials, managed identity): "app-only." followed by the
// token, which --require-token then compares without the prefix.
const AppOnlyTokenPrefix = "app-only."

// policyFor finds the policy of a role at scope "/". Call with the state
// locked.
func (st *state) policyFor(role migrate.GUID) *rmPolicy {
	for _, e := range st.policyAsg.list {
		a := e.v
		g, err := migrate.ParseGUID(a.RoleDefinitionID)
		if err != nil || a.ScopeID != migrate.DirectoryScopeRoot || !strings.EqualFold(a.ScopeType, scopeDirectoryRole) || st.roles.canonical(g) != role {
			continue
		}
		if p := st.policies.get(a.PolicyID); p != nil {
			return p.v
		}
	}
	return nil
}

// checkRequestPolicy checks an adminAssign request for role against its
// policy and answers 400 naming the rules it fails, nil when it passes.
// Call with the state locked.
func (c *call) checkRequestPolicy(role migrate.GUID, active bool, b *scheduleRequestBody, info *ScheduleInfo) *response {
	p := c.s.st.policyFor(role)
	if p == nil {
		return nil
	}
	expID, enID := "Expiration_Admin_Eligibility", "Enablement_Admin_Eligibility"
	if active {
		expID, enID = "Expiration_Admin_Assignment", "Enablement_Admin_Assignment"
	}
	var exp struct {
		IsExpirationRequired bool   `json:"isExpirationRequired"`
		MaximumDuration      string `json:"maximumDuration"`
	}
	var en struct {
		EnabledRules []string `json:"enabledRules"`
	}
	if r := p.rule(expID); r != nil {
		json.Unmarshal(r.body, &exp)
	}
	if r := p.rule(enID); r != nil {
		json.Unmarshal(r.body, &en)
	}
	requires := func(what string) bool {
		for _, e := range en.EnabledRules {
			if strings.EqualFold(e, what) {
				return true
			}
		}
		return false
	}
	var failed []string
	if exp.IsExpirationRequired && !withinMaximum(info, exp.MaximumDuration) {
		failed = append(failed, "ExpirationRule")
	}
	if requires("Justification") && strings.TrimSpace(b.Justification) == "" {
		failed = append(failed, "JustificationRule")
	}
	if requires("MultiFactorAuthentication") && c.appOnly {
		failed = append(failed, "MfaRule")
	}
	if requires("Ticketing") && (b.TicketInfo == nil || strings.TrimSpace(b.TicketInfo.TicketNumber) == "") {
		failed = append(failed, "TicketingRule")
	}
	if len(failed) == 0 {
		return nil
	}
	names, _ := json.Marshal(failed)
	return c.fail(http.StatusBadRequest, "RoleAssignmentRequestPolicyValidationFailed", "The following policy rules failed: "+string(names))
}

// withinMaximum reports whether a schedule ends, and at most max (an ISO
// 8601 duration) after it starts. An unreadable max allows no end at all.
func withinMaximum(info *ScheduleInfo, max string) bool {
	limit, err := migrate.ParseDuration(max)
	if err != nil {
		return false
	}
	var d time.Duration
	switch e := info.Expiration; e.Type {
	case expAfterDateTime:
		d = e.EndDateTime.Sub(*info.StartDateTime)
	case expAfterDuration:
		if d, err = migrate.ParseDuration(e.Duration); err != nil {
			return false
		}
	default:
		return false
	}
	return d <= limit
}
