package migrate

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Checking assignment items against the role management policy each role
// will have once the plan's own settings items are applied: the tenant's
// rule, or the rule a settings item sends in its place. Graph refuses a
// schedule request that breaks its role's policy with 400
// RoleAssignmentRequestPolicyValidationFailed
// (docs/graph.md, "Policy validation"); the planner makes each request fit, or skips it, first.

// Warnings and skip reasons of the policy check. They are part of the file
// formats and reports: never rename one.
const (
	// WarnExpirySetByPolicy: the policy requires the access to expire; the
	// target ends at asOf (or its scheduled start) plus the maximum.
	WarnExpirySetByPolicy = "expiry-set-by-policy"
	// WarnExpiryShortenedByPolicy: the target ended beyond the policy's
	// maximum and ends at the maximum.
	WarnExpiryShortenedByPolicy = "expiry-shortened-by-policy"
	// WarnDelegatedSignInRequired: the policy requires MFA of the admin who
	// assigns, and the plan was made for app-only sign-in: apply must run
	// with delegated sign-in (it refuses app-only for these items).
	WarnDelegatedSignInRequired = "delegated-sign-in-required"
	// ReasonPolicyRequiresExpiration: skip: the policy requires the access
	// to expire and the plan was made with --policy-expiry skip.
	ReasonPolicyRequiresExpiration = "policy-requires-expiration"
	// ReasonPolicyRequiresTicket: skip: the policy requires ticket
	// information on the assignment, which legacy records do not have.
	ReasonPolicyRequiresTicket = "policy-requires-ticket"
	// ReasonPolicyRequiresJustification: skip: the policy requires a
	// justification and the target has none.
	ReasonPolicyRequiresJustification = "policy-requires-justification"
	// ReasonPolicyValidationFailed: skip: plan --preflight sent the request
	// with isValidationOnly and Graph refused it; the item's policyRules
	// name the rules Graph said failed.
	ReasonPolicyValidationFailed = "policy-validation-failed"
	// EffectMFARequired marks an item whose role's policy requires MFA of
	// the admin who assigns: apply refuses to send it with app-only sign-in.
	EffectMFARequired = "mfa-required"
)

// PolicyExpiry says what the planner does with access that must expire
// under the role's policy but has no end (plan --policy-expiry).
type PolicyExpiry string

// The --policy-expiry choices; set, the default, gives the access an end.
const (
	PolicyExpirySet  PolicyExpiry = "set"
	PolicyExpirySkip PolicyExpiry = "skip"
)

// ParsePolicyExpiry checks a --policy-expiry value.
func ParsePolicyExpiry(s string) (PolicyExpiry, error) {
	return parseChoice("--policy-expiry", s, PolicyExpirySet, PolicyExpirySkip)
}

// The --policy-check choices: on (the default) checks assignment items
// against the roles' policies, off plans as if there were none.
const (
	PolicyCheckOn  = "on"
	PolicyCheckOff = "off"
)

// ParsePolicyCheck checks a --policy-check value.
func ParsePolicyCheck(s string) (string, error) {
	return parseChoice("--policy-check", s, PolicyCheckOn, PolicyCheckOff)
}

// parseChoice checks that s, the value of flag, is one of choices.
func parseChoice[T ~string](flag, s string, choices ...T) (T, error) {
	want := make([]string, len(choices))
	for i, c := range choices {
		if string(c) == s {
			return c, nil
		}
		want[i] = string(c)
	}
	return "", fmt.Errorf("%s %q: want %s", flag, s, strings.Join(want, " or "))
}

// Sign-in kinds a plan is made for (Policy.SignIn).
const (
	SignInDelegated = "delegated"
	SignInAppOnly   = "app-only"
)

// PolicyEffect is one thing a role's policy did to an assignment item, or
// says of it.
type PolicyEffect struct {
	// Rule is the policy rule (Expiration_Admin_Eligibility …) or, from
	// pre-flight, the rule Graph named (ExpirationRule …).
	Rule string `json:"rule"`
	// Field is the rule's field that decided it (isExpirationRequired,
	// maximumDuration, MultiFactorAuthentication, Ticketing, Justification).
	Field string `json:"field,omitempty"`
	// Effect is the warning, skip reason or mark (mfa-required) it gave.
	Effect string `json:"effect"`
	// Detail says it for people: the end before and after, or Graph's
	// message.
	Detail string `json:"detail,omitempty"`
}

// policyRules are the rules each role will have after the plan's settings
// items, by canonical role: the tenant's (offline: Microsoft's defaults),
// with the rule each update item sends in place of the tenant's.
func (pl *planner) policyRules(settings []Item) map[GUID]map[string]json.RawMessage {
	out := map[GUID]map[string]json.RawMessage{}
	for i := range pl.in.Tenant.Policies {
		p := &pl.in.Tenant.Policies[i]
		rules := make(map[string]json.RawMessage, len(p.Rules))
		for id, r := range p.Rules {
			rules[id] = r
		}
		out[pl.roles.Canonical(p.RoleID)] = rules
	}
	for i := range settings {
		it := &settings[i]
		if it.Action != ActionUpdate || it.Setting == nil {
			continue
		}
		role := pl.roles.Canonical(it.Setting.RoleID)
		if out[role] == nil {
			out[role] = DefaultPolicyRules() // offline
		}
		out[role][it.Setting.RuleID] = it.Setting.Send
	}
	return out
}

// checkPolicy fits a create item to its role's policy as it will be: an
// end where the policy requires one (or a skip, --policy-expiry skip), an
// end no later than the maximum, and a skip where the policy requires what
// the item cannot carry (a ticket). It marks items whose policy requires
// MFA of the assigning admin.
func (pl *planner) checkPolicy(it *Item) {
	if it.Action != ActionCreate || pl.in.Policy.PolicyCheck == PolicyCheckOff {
		return
	}
	rules := pl.rules[it.Target.RoleDefinitionID]
	if rules == nil && pl.in.Tenant.Offline {
		rules = pl.defaults
	}
	if rules == nil {
		return // the tenant has no policy for the role: nothing to check against
	}
	t := &it.Target
	expID, enID := RuleActiveExpiration, RuleActiveEnablement
	if t.Kind == KindEligibilityRequest {
		expID, enID = RuleEligibleExpiration, RuleEligibleEnablement
	}
	effect := func(rule, field, e, detail string) {
		it.PolicyRules = append(it.PolicyRules, PolicyEffect{Rule: rule, Field: field, Effect: e, Detail: detail})
	}
	skip := func(rule, field, reason, detail string) {
		it.Action, it.Reason = ActionSkip, reason
		effect(rule, field, reason, detail)
	}
	en, _ := parseRule(rules[enID])
	switch {
	case en.has(FieldTicketing):
		skip(enID, FieldTicketing, ReasonPolicyRequiresTicket, "the policy requires ticket information, which legacy assignments do not have")
		return
	case en.has(FieldJustification) && t.Justification == "" && t.Kind != KindRoleAssignment:
		skip(enID, FieldJustification, ReasonPolicyRequiresJustification, "the policy requires a justification")
		return
	}
	exp, _ := parseRule(rules[expID])
	if exp.bool(FieldExpirationRequired) {
		max, hasMax := exp.duration()
		base := pl.in.AsOf.UTC()
		if t.StartDateTime != nil && t.StartDateTime.After(base) {
			base = t.StartDateTime.UTC()
		}
		limit := base.Add(max)
		end, hasEnd := t.ends()
		switch {
		case !hasEnd && (pl.in.Policy.PolicyExpiry == PolicyExpirySkip || !hasMax || max <= 0):
			skip(expID, FieldExpirationRequired, ReasonPolicyRequiresExpiration,
				fmt.Sprintf("the policy requires an end (maximum %s); the legacy access has none", exp.str(FieldMaximumDuration)))
			return
		case !hasEnd:
			t.Expiration = expiration(&limit)
			if t.Kind == KindRoleAssignment {
				t.Kind = KindAssignmentScheduleRequest
			}
			it.Warnings = appendUnique(it.Warnings, WarnExpirySetByPolicy)
			effect(expID, FieldExpirationRequired, WarnExpirySetByPolicy,
				fmt.Sprintf("no end -> %s (%s + %s)", limit.Format(time.RFC3339), base.Format(time.RFC3339), exp.str(FieldMaximumDuration)))
		case hasMax && end.After(limit):
			t.Expiration = expiration(&limit)
			it.Warnings = appendUnique(it.Warnings, WarnExpiryShortenedByPolicy)
			effect(expID, FieldMaximumDuration, WarnExpiryShortenedByPolicy,
				fmt.Sprintf("%s -> %s (%s + %s)", end.UTC().Format(time.RFC3339), limit.Format(time.RFC3339), base.Format(time.RFC3339), exp.str(FieldMaximumDuration)))
		}
	}
	if en.has(FieldMFA) && t.Kind != KindRoleAssignment {
		effect(enID, FieldMFA, EffectMFARequired, "the policy requires MFA of the admin who assigns: apply needs delegated sign-in")
		if pl.in.Policy.SignIn == SignInAppOnly {
			it.Warnings = appendUnique(it.Warnings, WarnDelegatedSignInRequired)
		}
	}
}

// NeedsDelegatedSignIn lists the items whose role's policy requires MFA of
// the admin who assigns: Graph refuses them to an app-only caller (MfaRule).
func NeedsDelegatedSignIn(items []*Item) []*Item {
	var out []*Item
	for _, it := range items {
		for _, e := range it.PolicyRules {
			if e.Effect == EffectMFARequired {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// PreflightFailure is Graph's refusal of an item's validation-only request.
type PreflightFailure struct {
	Status        int
	Code, Message string
}

// FailedPolicyRules reads the rule names out of Graph's policy validation
// message, `The following policy rules failed: ["ExpirationRule"]`; nil
// when the message names none.
func FailedPolicyRules(message string) []string {
	_, list, ok := strings.Cut(message, "failed:")
	if !ok {
		return nil
	}
	list = strings.TrimSpace(list)
	if end := strings.IndexByte(list, ']'); end >= 0 {
		list = list[:end+1]
	}
	var names []string
	if json.Unmarshal([]byte(list), &names) != nil {
		return nil
	}
	return names
}

// ApplyPreflight skips, with reason policy-validation-failed, each item
// Graph refused in pre-flight (failures, by key), naming the rules Graph
// said failed, and reseals the plan. It returns how many it skipped.
func (p *Plan) ApplyPreflight(failures map[string]PreflightFailure) int {
	n := 0
	for i := range p.Items {
		it := &p.Items[i]
		f, ok := failures[it.Key]
		if !ok || it.Action != ActionCreate {
			continue
		}
		it.Action, it.Reason = ActionSkip, ReasonPolicyValidationFailed
		rules := FailedPolicyRules(f.Message)
		if len(rules) == 0 {
			rules = []string{f.Code}
		}
		for _, r := range rules {
			it.PolicyRules = append(it.PolicyRules, PolicyEffect{Rule: r, Effect: ReasonPolicyValidationFailed,
				Detail: fmt.Sprintf("pre-flight: %d %s: %s", f.Status, f.Code, f.Message)})
		}
		n++
	}
	p.Seal()
	return n
}
