package migrate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ItemKind is what a plan item changes.
type ItemKind string

// The kinds of plan items. A role assignment item has the empty kind (the
// only kind of plans before role settings).
const (
	KindAssignment  ItemKind = ""
	KindRoleSetting ItemKind = "roleSetting"
)

// ActionUpdate changes something that exists (a policy rule).
const ActionUpdate Action = "update"

// SettingsMode says how legacy settings become policy rules (plan
// --settings).
type SettingsMode string

// The --settings modes. tighten, the default, only ever makes a control
// stricter.
const (
	SettingsTighten SettingsMode = "tighten"
	SettingsMirror  SettingsMode = "mirror"
	SettingsOff     SettingsMode = "off"
)

// ParseSettingsMode checks a --settings value.
func ParseSettingsMode(s string) (SettingsMode, error) {
	switch m := SettingsMode(s); m {
	case SettingsTighten, SettingsMirror, SettingsOff:
		return m, nil
	}
	return "", fmt.Errorf("--settings %q: want tighten, mirror or off", s)
}

// Reasons and warnings of settings items. They are part of the file
// formats and reports: never rename one.
const (
	ReasonTenantStricter    = "tenant-stricter"     // present: the tenant's rule is already as strict or stricter
	ReasonSameAsLegacy      = "same-as-legacy"      // present: nothing to change
	ReasonNotCarriedOver    = "not-carried-over"    // skip: the legacy setting has no place in a policy
	ReasonPolicyNotFound    = "policy-not-found"    // skip: the tenant has no policy for the role
	ReasonRuleNotFound      = "rule-not-found"      // skip: the role's policy lacks the rule
	WarnApproversDiffer     = "approvers-differ"    // both require approval with different approvers: left alone
	WarnApproverNotFound    = "approver-not-found"  // a legacy approver resolves to no user or group
	WarnApproverUnverified  = "approver-unverified" // offline: approvers not looked up
	WarnLoosensControl      = "loosens-control"     // --settings mirror makes a control weaker
	WarnMFAReplacedByAuthCx = "mfa-replaced-by-auth-context"
	WarnAuthContextsDiffer  = "auth-contexts-differ"
	WarnPolicyUnverified    = "policy-unverified" // offline: compared with Microsoft's default rules
)

// SettingChange is what a role setting item does to one rule of a role's
// policy.
type SettingChange struct {
	RoleID   GUID   `json:"roleId"`
	PolicyID string `json:"policyId,omitempty"`
	RuleID   string `json:"ruleId,omitempty"`
	// Legacy are the legacy values behind the item, each with its source.
	Legacy []LegacyValue `json:"legacy"`
	// Current is the rule as the tenant held it when planned (offline:
	// Microsoft's default).
	Current json.RawMessage `json:"current,omitempty"`
	// Send is the whole rule apply PATCHes, for update items.
	Send json.RawMessage `json:"send,omitempty"`
	// Changes are the fields Send changes.
	Changes []FieldChange `json:"changes,omitempty"`
	// Stage orders a role's updates: an authentication context is turned
	// off (0) before MFA is turned on, and on (2) after MFA is off; the
	// rest are 1 (Graph refuses both at once: MfaAndAcrsConflict).
	Stage int `json:"stage"`
	// Note says why a skipped setting was not carried over.
	Note string `json:"note,omitempty"`
}

// LegacyValue is one legacy setting behind a settings item.
type LegacyValue struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// FieldChange is one field a settings item changes.
type FieldChange struct {
	Field  string `json:"field"`
	From   string `json:"from"`
	To     string `json:"to"`
	Looser bool   `json:"looser,omitempty"`
}

// SettingKey is the key of a role setting item: "setting:{role}:{rule}".
// A legacy setting not carried over has "~{field}" in place of the rule.
func SettingKey(role GUID, rule string) string { return "setting:" + role.String() + ":" + rule }

// settingItems plans the legacy settings of every role: one item per rule
// a role's settings touch, and one per setting not carried over.
func (pl *planner) settingItems() []Item {
	mode := pl.in.Policy.Settings
	if mode == "" {
		mode = SettingsTighten
	}
	if mode == SettingsOff || len(pl.in.Legacy.Settings) == 0 {
		return nil
	}
	byRole := map[GUID][]*LegacySettings{}
	var roles []GUID
	for i := range pl.in.Legacy.Settings {
		s := &pl.in.Legacy.Settings[i]
		r := pl.roles.Canonical(s.RoleID)
		if byRole[r] == nil {
			roles = append(roles, r)
		}
		byRole[r] = append(byRole[r], s)
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].Compare(roles[j]) < 0 })
	policies := map[GUID]*RolePolicy{}
	for i := range pl.in.Tenant.Policies {
		policies[pl.roles.Canonical(pl.in.Tenant.Policies[i].RoleID)] = &pl.in.Tenant.Policies[i]
	}
	var items []Item
	for _, role := range roles {
		items = append(items, pl.roleSettingItems(role, byRole[role], policies[role], mode)...)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Key < items[j].Key })
	return items
}

func (pl *planner) roleSettingItems(role GUID, recs []*LegacySettings, pol *RolePolicy, mode SettingsMode) []Item {
	var cs []control
	var un []unmapped
	for _, s := range recs {
		c, u := legacyControls(s)
		cs, un = append(cs, c...), append(un, u...)
	}
	info := pl.roles.Info(role)
	def := pl.roles.lookup(role)
	base := func(key string) Item {
		return Item{Key: key, Kind: KindRoleSetting, Role: info, Warnings: []string{}, Setting: &SettingChange{RoleID: role, Legacy: []LegacyValue{}}}
	}
	var items []Item
	for _, u := range un {
		it := base(SettingKey(role, "~"+u.field))
		it.Action, it.Reason = ActionSkip, ReasonNotCarriedOver
		it.Setting.Legacy = []LegacyValue{{Field: u.field, Value: u.value, Source: u.source}}
		it.Setting.Note = u.why
		items = append(items, it)
	}
	rules := mergeControls(cs)
	offline := pl.in.Tenant.Offline
	current := map[string]json.RawMessage{}
	switch {
	case pol != nil:
		current = pol.Rules
	case offline:
		current = DefaultPolicyRules()
	}
	// The authentication context the role ends with decides MFA on
	// activation: Graph refuses both at once, and the context wins.
	finalContext := ""
	if cur, err := parseRule(current[RuleActivationAuthContext]); err == nil {
		finalContext = cur.authContext()
	}
	if m := rules[RuleActivationAuthContext][FieldAuthContext]; m != nil && (mode == SettingsMirror || finalContext == "") {
		finalContext = m.claim
	}
	if cur, err := parseRule(current[RuleActivationEnablement]); err == nil && finalContext != "" && cur.has(FieldMFA) && rules[RuleActivationEnablement] == nil {
		rules[RuleActivationEnablement] = map[string]*merged{} // MFA must go
	}
	ruleIDs := make([]string, 0, len(rules))
	for id := range rules {
		ruleIDs = append(ruleIDs, id)
	}
	sort.Strings(ruleIDs)
	for _, id := range ruleIDs {
		it := base(SettingKey(role, id))
		sc := it.Setting
		sc.RuleID = id
		fields := rules[id]
		for _, f := range ruleFields[id] {
			if m := fields[f]; m != nil {
				for _, s := range m.sources {
					sc.Legacy = append(sc.Legacy, LegacyValue{Field: f, Value: m.value, Source: s})
				}
			}
		}
		switch {
		case def == nil:
			it.Action, it.Reason = ActionSkip, ReasonRoleNotFound
		case !def.IsEnabled:
			it.Action, it.Reason = ActionSkip, ReasonRoleDisabled
		case pol == nil && !offline:
			it.Action, it.Reason = ActionSkip, ReasonPolicyNotFound
		case current[id] == nil:
			it.Action, it.Reason = ActionSkip, ReasonRuleNotFound
		default:
			if pol != nil {
				sc.PolicyID = pol.PolicyID
			}
			pl.planRule(&it, current[id], fields, mode, finalContext)
		}
		if offline {
			it.Warnings = appendUnique(it.Warnings, WarnPolicyUnverified)
		}
		sort.Strings(it.Warnings)
		items = append(items, it)
	}
	return items
}

// planRule works out the rule to send: every legacy control applied to
// the tenant's rule as the mode says.
func (pl *planner) planRule(it *Item, raw json.RawMessage, fields map[string]*merged, mode SettingsMode, finalContext string) {
	sc := it.Setting
	sc.Current = raw
	cur, err := parseRule(raw)
	if err != nil {
		it.Action, it.Reason = ActionSkip, ReasonRuleNotFound
		sc.Note = "the tenant's rule could not be read: " + err.Error()
		return
	}
	send := cur.clone()
	stricter := false
	warn := func(w string) { it.Warnings = appendUnique(it.Warnings, w) }
	for _, f := range ruleFields[sc.RuleID] {
		m := fields[f]
		if m == nil {
			continue
		}
		switch f {
		case FieldExpirationRequired:
			switch have := cur.bool(f); {
			case mode == SettingsMirror || m.on && !have:
				send[f] = m.on
			case have && !m.on:
				stricter = true
			}
		case FieldMaximumDuration:
			have, ok := cur.duration()
			required := send.bool(FieldExpirationRequired)
			switch {
			case mode == SettingsMirror || !ok || m.dur < have:
				send[f] = FormatISODuration(m.dur)
			case m.dur > have && (required || cur.bool(FieldExpirationRequired)):
				stricter = true
			}
		case FieldMFA, FieldJustification, FieldTicketing:
			switch have := cur.has(f); {
			case mode == SettingsMirror || m.on && !have:
				send.setHas(f, m.on)
			case have && !m.on:
				stricter = true
			}
		case FieldApprovalRequired:
			approvers, missing := pl.resolveApprovers(m.approvers)
			for range missing {
				warn(WarnApproverNotFound)
			}
			if pl.in.Tenant.Offline && len(m.approvers) > 0 {
				warn(WarnApproverUnverified)
			}
			have := cur.approvalRequired()
			switch {
			case mode == SettingsMirror:
				send.setApproval(m.on, approvers)
			case m.on && !have:
				send.setApproval(true, approvers)
			case m.on && have && len(approvers) > 0 && !sameApprovers(approvers, cur.approvers()):
				warn(WarnApproversDiffer) // leave the tenant's approvers alone
			case have && !m.on:
				stricter = true
			}
		case FieldAuthContext:
			if m.conflict {
				warn(WarnAuthContextsDiffer)
			}
			have := cur.authContext()
			switch {
			case mode == SettingsMirror || m.claim != "" && have == "":
				send.setAuthContext(m.claim)
			case m.claim != "" && have != m.claim:
				warn(WarnAuthContextsDiffer)
			case have != "" && m.claim == "":
				stricter = true
			}
		case FieldNotifyDefault:
			switch have := cur.bool(f); {
			case mode == SettingsMirror || m.on && !have:
				send[f] = m.on
			case have && !m.on:
				stricter = true
			}
		}
	}
	if sc.RuleID == RuleActivationEnablement && finalContext != "" && send.has(FieldMFA) {
		send.setHas(FieldMFA, false) // the context stands in for MFA
		warn(WarnMFAReplacedByAuthCx)
	}
	sc.Changes = ruleChanges(sc.RuleID, cur, send)
	for i, c := range sc.Changes {
		if replacedByContext(sc.RuleID, c.Field, finalContext) {
			sc.Changes[i].Looser = false // the context is the stronger control
		}
		if sc.Changes[i].Looser {
			warn(WarnLoosensControl)
		}
	}
	switch {
	case len(sc.Changes) > 0:
		it.Action, it.Reason = ActionUpdate, "legacy-"+string(mode)
		sc.Send = send.json()
		sc.Stage = 1
		if sc.RuleID == RuleActivationAuthContext {
			sc.Stage = 2
			if send.authContext() == "" {
				sc.Stage = 0
			}
		}
	case stricter:
		it.Action, it.Reason = ActionPresent, ReasonTenantStricter
	default:
		it.Action, it.Reason = ActionPresent, ReasonSameAsLegacy
	}
}

// ruleChanges lists the fields of rule id that differ between from and to.
func ruleChanges(id string, from, to rule) []FieldChange {
	var out []FieldChange
	for _, f := range ruleFields[id] {
		a, b := from.value(f), to.value(f)
		if f == FieldMaximumDuration {
			da, ok1 := from.duration()
			db, ok2 := to.duration()
			if ok1 && ok2 && da == db {
				continue
			}
		}
		if a != b {
			out = append(out, FieldChange{Field: f, From: a, To: b, Looser: looser(f, from, to)})
		}
	}
	return out
}

// resolveApprovers looks legacy approvers up among the tenant's principals:
// users and groups, named. Offline, they are kept unresolved, as users.
func (pl *planner) resolveApprovers(as []Approver) (found []Approver, missing []GUID) {
	for _, a := range as {
		p := pl.principals[a.ID]
		switch {
		case pl.in.Tenant.Offline:
			found = append(found, a)
		case p == nil || p.Type == PrincipalServicePrincipal:
			missing = append(missing, a.ID)
		default:
			found = append(found, Approver{ID: a.ID, Group: p.Type == PrincipalGroup, Name: strings.TrimSpace(p.DisplayName)})
		}
	}
	return found, missing
}

// replacedByContext reports whether MFA on activation goes because an
// authentication context takes its place: not a weaker control.
func replacedByContext(rule, field, context string) bool {
	return rule == RuleActivationEnablement && field == FieldMFA && context != ""
}

// finalContext is the authentication context a plan leaves a role with:
// what its authentication context item sends, or what the tenant has.
func (p *Plan) finalContext(role GUID) string {
	key := SettingKey(role, RuleActivationAuthContext)
	for i := range p.Items {
		it := &p.Items[i]
		if it.Key != key || it.Setting == nil {
			continue
		}
		raw := it.Setting.Current
		if it.Action == ActionUpdate {
			raw = it.Setting.Send
		}
		if r, err := parseRule(raw); err == nil {
			return r.authContext()
		}
	}
	return ""
}
