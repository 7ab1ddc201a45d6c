package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The rules of a role management policy that legacy settings map to
// (learn.microsoft.com/graph/identity-governance-pim-rules-overview; see
// docs/graph.md).
const (
	RuleActivationExpiration  = "Expiration_EndUser_Assignment"
	RuleActivationEnablement  = "Enablement_EndUser_Assignment"
	RuleActivationApproval    = "Approval_EndUser_Assignment"
	RuleActivationAuthContext = "AuthenticationContext_EndUser_Assignment"
	RuleActivationNotifyUser  = "Notification_Requestor_EndUser_Assignment"
	RuleEligibleExpiration    = "Expiration_Admin_Eligibility"
	RuleEligibleEnablement    = "Enablement_Admin_Eligibility"
	RuleActiveExpiration      = "Expiration_Admin_Assignment"
	RuleActiveEnablement      = "Enablement_Admin_Assignment"
)

// The fields of a rule a control sets. Enablement rules hold a set of
// requirements: each is a field of its own.
const (
	FieldExpirationRequired = "isExpirationRequired"
	FieldMaximumDuration    = "maximumDuration"
	FieldMFA                = "MultiFactorAuthentication"
	FieldJustification      = "Justification"
	FieldTicketing          = "Ticketing"
	FieldApprovalRequired   = "isApprovalRequired"
	FieldApprovers          = "primaryApprovers"
	FieldAuthContext        = "claimValue"
	FieldNotifyDefault      = "isDefaultRecipientsEnabled"
)

// Approver is one approver of an approval rule: a user or a group.
type Approver struct {
	ID    GUID   `json:"id"`
	Group bool   `json:"group,omitempty"`
	Name  string `json:"name,omitempty"`
}

// rule is a role management policy rule as JSON, read and changed field by
// field; everything else in it (its @odata.type, id, target) is kept as it
// was, so the whole rule can be sent back.
type rule map[string]any

func parseRule(raw json.RawMessage) (rule, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return rule(m), nil
}

func (r rule) json() json.RawMessage {
	b, _ := json.Marshal(map[string]any(r)) // decoded JSON always encodes
	return b
}

func (r rule) clone() rule {
	c, _ := parseRule(r.json())
	return c
}

func (r rule) bool(name string) bool { b, _ := r[name].(bool); return b }

func (r rule) str(name string) string { s, _ := r[name].(string); return s }

func (r rule) duration() (time.Duration, bool) {
	d, err := ParseDuration(r.str(FieldMaximumDuration))
	return d, err == nil
}

func (r rule) enabled() []string {
	var out []string
	if list, ok := r["enabledRules"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func (r rule) has(req string) bool { return slices.Contains(r.enabled(), req) }

func (r rule) setHas(req string, on bool) {
	var out []any
	for _, s := range r.enabled() {
		if s != req {
			out = append(out, s)
		}
	}
	if on {
		out = append(out, req)
	}
	if out == nil {
		out = []any{}
	}
	r["enabledRules"] = out
}

func (r rule) setting() map[string]any {
	s, _ := r["setting"].(map[string]any)
	return s
}

func (r rule) approvalRequired() bool {
	b, _ := r.setting()[FieldApprovalRequired].(bool)
	return b
}

// approvers are the primary approvers of the first approval stage.
func (r rule) approvers() []Approver {
	var out []Approver
	stages, _ := r.setting()["approvalStages"].([]any)
	if len(stages) == 0 {
		return nil
	}
	st, _ := stages[0].(map[string]any)
	list, _ := st["primaryApprovers"].([]any)
	for _, v := range list {
		m, _ := v.(map[string]any)
		typ, _ := m["@odata.type"].(string)
		switch {
		case strings.EqualFold(typ, "#microsoft.graph.singleUser"):
			if g, err := ParseGUID(fmt.Sprint(m["userId"])); err == nil {
				out = append(out, Approver{ID: g, Name: description(m)})
			}
		case strings.EqualFold(typ, "#microsoft.graph.groupMembers"):
			if g, err := ParseGUID(fmt.Sprint(m["groupId"])); err == nil {
				out = append(out, Approver{ID: g, Group: true, Name: description(m)})
			}
		}
	}
	return out
}

func description(m map[string]any) string { s, _ := m["description"].(string); return s }

// setApproval makes approval required (or not) with these approvers in
// the first stage, keeping the rest of the setting as it was.
func (r rule) setApproval(required bool, approvers []Approver) {
	s := r.setting()
	if s == nil {
		s = map[string]any{}
		r["setting"] = s
	}
	s[FieldApprovalRequired] = required
	stages, _ := s["approvalStages"].([]any)
	if len(stages) == 0 {
		stages = []any{map[string]any{"approvalStageTimeOutInDays": json.Number("1"), "isApproverJustificationRequired": true,
			"escalationTimeInMinutes": json.Number("0"), "isEscalationEnabled": false, "escalationApprovers": []any{}}}
		s["approvalStages"] = stages
	}
	st, _ := stages[0].(map[string]any)
	list := []any{}
	for _, a := range approvers {
		if a.Group {
			list = append(list, map[string]any{"@odata.type": "#microsoft.graph.groupMembers", "groupId": a.ID.String(), "description": a.Name})
		} else {
			list = append(list, map[string]any{"@odata.type": "#microsoft.graph.singleUser", "userId": a.ID.String(), "description": a.Name})
		}
	}
	st["primaryApprovers"] = list
}

// authContext is the claim value of an enabled authentication context
// rule, "" when it is off.
func (r rule) authContext() string {
	if !r.bool("isEnabled") {
		return ""
	}
	return r.str(FieldAuthContext)
}

func (r rule) setAuthContext(claim string) {
	r["isEnabled"] = claim != ""
	if claim == "" {
		r[FieldAuthContext] = nil
	} else {
		r[FieldAuthContext] = claim
	}
}

// value is a rule field's value as the plan shows it.
func (r rule) value(field string) string {
	switch field {
	case FieldExpirationRequired, FieldNotifyDefault:
		return fmt.Sprint(r.bool(field))
	case FieldMaximumDuration:
		return r.str(field)
	case FieldMFA, FieldJustification, FieldTicketing:
		return fmt.Sprint(r.has(field))
	case FieldApprovalRequired:
		return fmt.Sprint(r.approvalRequired())
	case FieldApprovers:
		return approverList(r.approvers())
	case FieldAuthContext:
		if c := r.authContext(); c != "" {
			return c
		}
		return "off"
	}
	return ""
}

func approverList(as []Approver) string {
	if len(as) == 0 {
		return "(none)"
	}
	s := make([]string, len(as))
	for i, a := range as {
		kind := "user"
		if a.Group {
			kind = "group"
		}
		s[i] = kind + " " + a.ID.String()
		if a.Name != "" {
			s[i] += " (" + a.Name + ")"
		}
	}
	return strings.Join(s, ", ")
}

func sameApprovers(a, b []Approver) bool {
	ids := func(as []Approver) []string {
		s := make([]string, len(as))
		for i, x := range as {
			s[i] = x.ID.String()
		}
		slices.Sort(s)
		return slices.Compact(s)
	}
	return slices.Equal(ids(a), ids(b))
}

// ruleFields are the fields each rule's controls set, in the order the
// plan shows them.
var ruleFields = map[string][]string{
	RuleActivationExpiration:  {FieldExpirationRequired, FieldMaximumDuration},
	RuleActivationEnablement:  {FieldMFA, FieldJustification, FieldTicketing},
	RuleActivationApproval:    {FieldApprovalRequired, FieldApprovers},
	RuleActivationAuthContext: {FieldAuthContext},
	RuleActivationNotifyUser:  {FieldNotifyDefault},
	RuleEligibleExpiration:    {FieldExpirationRequired, FieldMaximumDuration},
	RuleEligibleEnablement:    {FieldMFA, FieldJustification},
	RuleActiveExpiration:      {FieldExpirationRequired, FieldMaximumDuration},
	RuleActiveEnablement:      {FieldMFA, FieldJustification},
}

// looser reports whether to, in place of from, weakens field: a longer
// maximum, a requirement dropped, approval or a context turned off.
func looser(field string, from, to rule) bool {
	switch field {
	case FieldExpirationRequired, FieldNotifyDefault:
		return from.bool(field) && !to.bool(field)
	case FieldMaximumDuration:
		f, ok1 := from.duration()
		t, ok2 := to.duration()
		return from.bool(FieldExpirationRequired) && ok1 && ok2 && t > f
	case FieldMFA, FieldJustification, FieldTicketing:
		return from.has(field) && !to.has(field)
	case FieldApprovalRequired:
		return from.approvalRequired() && !to.approvalRequired()
	case FieldAuthContext:
		return from.authContext() != "" && to.authContext() == ""
	}
	return false
}

// withMappedFields is from with the fields legacy settings map to taken
// from to: what to must be if it changes nothing else.
func withMappedFields(from, to rule) rule {
	out := from.clone()
	for k, v := range to {
		switch k {
		case FieldExpirationRequired, FieldMaximumDuration, FieldNotifyDefault, "enabledRules", "isEnabled", FieldAuthContext:
			out[k] = v
		}
	}
	if s := to.setting(); s != nil {
		out.setApproval(to.approvalRequired(), to.approvers())
		stages, _ := s["approvalStages"].([]any)
		os, _ := out.setting()["approvalStages"].([]any)
		if len(stages) > 0 && len(os) > 0 {
			st, _ := stages[0].(map[string]any)
			ost, _ := os[0].(map[string]any)
			ost["primaryApprovers"] = st["primaryApprovers"]
		}
	}
	return out
}

// SameRule reports whether two versions of rule id agree on every field
// legacy settings map to (what a change sets, verification checks and
// rollback restores). Other fields, and how Graph spells the JSON, do not
// count.
func SameRule(id string, a, b json.RawMessage) (bool, error) {
	ra, err := parseRule(a)
	if err != nil {
		return false, err
	}
	rb, err := parseRule(b)
	if err != nil {
		return false, err
	}
	return len(ruleChanges(id, ra, rb)) == 0, nil
}
