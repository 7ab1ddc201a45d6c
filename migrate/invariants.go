package migrate

import (
	"errors"
	"fmt"
	"strings"
)

// ErrPlanUnsafe is wrapped when a plan asks for something the mapping
// rules never produce. The plan's digest is a checksum, not a signature:
// anyone who can write plan.json can reseal it. So apply re-checks these
// rules on every item it would send, and sends nothing if one fails.
var ErrPlanUnsafe = errors.New("the plan breaks a safety rule")

// CheckSendable checks the items apply would send against the rules the
// planner follows, reading the legacy record each carries and the policy
// the plan records:
//   - access that legacy did not hold as permanent never becomes standing
//     access (a roleAssignment, or an active schedule that is not the
//     recreation of a running activation), unless the policy says
//     --eligible-as assignment;
//   - a principal the policy protects (--protect) is never sent;
//   - each target is for the principal, role, scope and provider of its
//     key and the principal of its legacy record, at "/" unless a scope
//     rule narrowed it; an item legacy did not hold (--add, or an offered
//     Directory Readers) says where it comes from and is class "added";
//   - a role setting item changes only the fields its rule maps legacy
//     settings to, keeps the rule's type, id and whole target, and makes
//     no control weaker unless the policy says --settings mirror.
func CheckSendable(p *Plan, items []*Item) error {
	protect := map[string]bool{}
	for _, s := range p.Policy.Protect {
		protect[strings.ToLower(s)] = true
	}
	var errs []error
	for _, it := range items {
		if err := checkItem(p, it, protect); err != nil {
			errs = append(errs, fmt.Errorf("item %s: %w", it.Key, err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	const show = 5
	msg := make([]string, 0, show+1)
	for i, e := range errs {
		if i == show {
			msg = append(msg, fmt.Sprintf("and %d more", len(errs)-show))
			break
		}
		msg = append(msg, e.Error())
	}
	return fmt.Errorf("%w: %s; nothing was sent. The plan was changed after it was made: make it again with pimmigrate plan", ErrPlanUnsafe, strings.Join(msg, "; "))
}

func checkItem(p *Plan, it *Item, protect map[string]bool) error {
	if it.Kind != KindAssignment {
		return checkSetting(p, it)
	}
	t := &it.Target
	base, activation := strings.CutSuffix(it.Key, activationKeySuffix)
	switch {
	case it.Action != ActionCreate:
		return fmt.Errorf("action %q is not create", it.Action)
	case base != ScopedKey(t.PrincipalID, t.RoleDefinitionID, t.Provider, t.ScopeID()):
		return fmt.Errorf("the target is for principal %s, role %s and scope %q, not the key's", t.PrincipalID, t.RoleDefinitionID, t.ScopeID())
	case protect[t.PrincipalID.String()] || it.Principal.UserPrincipalName != "" && protect[strings.ToLower(it.Principal.UserPrincipalName)]:
		return fmt.Errorf("principal %s is protected (--protect)", t.PrincipalID)
	}
	if err := checkScope(it); err != nil {
		return err
	}
	if it.Added != "" {
		return checkAdded(it)
	}
	if t.PrincipalID != it.Legacy.UserID {
		return fmt.Errorf("the target's principal %s is not the legacy record's %s", t.PrincipalID, it.Legacy.UserID)
	}
	class := Classify(&it.Legacy, p.AsOf)
	if class != it.Class {
		return fmt.Errorf("class %q, but its legacy record is %q at %s", it.Class, class, p.AsOf.Format("2006-01-02T15:04:05Z"))
	}
	if class == ClassPermanent || t.Kind == KindEligibilityRequest || p.Policy.EligibleAs == EligibleAsAssignment {
		return nil
	}
	// Legacy eligible access planned as active access: only a running
	// activation recreated (--keep-activations), time-bound, and ending no
	// later than the activation did.
	if t.Kind == KindAssignmentScheduleRequest && activation && p.Policy.KeepActivations && class == ClassActivated {
		if end, ok := t.ends(); ok && it.Legacy.ExpirationDateTime != nil && !end.After(*it.Legacy.ExpirationDateTime) {
			return nil
		}
	}
	return fmt.Errorf("legacy %s access planned as standing %s, but the plan's policy is --eligible-as %s", class, t.Kind, p.Policy.EligibleAs)
}

// checkScope: legacy access lands at "/" unless a scope rule narrowed it;
// any other scope is one of the forms Graph takes for the provider.
func checkScope(it *Item) error {
	t := &it.Target
	scope := t.ScopeID()
	if scope == DirectoryScopeRoot {
		return nil
	}
	if it.ScopeRule == "" && it.Added == "" {
		return fmt.Errorf("scope %q: legacy access maps to %q unless a scope rule narrows it", scope, DirectoryScopeRoot)
	}
	ref, err := ParseScopeRef(scope, t.ProviderName())
	if err != nil || !ref.ByID {
		return fmt.Errorf("scope %q is not a scope Graph takes by id", scope)
	}
	return nil
}

// checkAdded checks an item legacy did not hold: one --add asked for, or
// the Directory Readers item offered with a scoped role. The admin's file
// asked for it, so standing access is allowed; the provider's kinds are.
func checkAdded(it *Item) error {
	t := &it.Target
	switch {
	case it.Class != ClassAdded:
		return fmt.Errorf("added by %s, but class %q", it.Added, it.Class)
	case !it.Legacy.UserID.IsZero():
		return fmt.Errorf("added by %s, but it carries a legacy record", it.Added)
	case t.Provider != "" && t.Provider != ProviderEntitlement:
		return fmt.Errorf("provider %q is not one apply knows", t.Provider)
	case t.Provider == ProviderEntitlement && (t.Kind != KindRoleAssignment || t.DirectoryScopeID != ""):
		return fmt.Errorf("an entitlement-management target is a role assignment at an app scope, not %s at %q", t.Kind, t.DirectoryScopeID)
	case it.Added == AddedDirectoryReaders && (t.RoleDefinitionID != DirectoryReadersRole || t.DirectoryScopeID != DirectoryScopeRoot):
		return fmt.Errorf("a Directory Readers item grants Directory Readers at %q, not role %s at %q", DirectoryScopeRoot, t.RoleDefinitionID, t.DirectoryScopeID)
	}
	return nil
}

// checkSetting checks a role setting item: the rule it sends is the rule it
// read with only the mapped fields changed, and (unless --settings mirror)
// none of them made weaker.
func checkSetting(p *Plan, it *Item) error {
	sc := it.Setting
	switch {
	case it.Kind != KindRoleSetting || sc == nil:
		return fmt.Errorf("kind %q is not one apply knows", it.Kind)
	case it.Action != ActionUpdate:
		return fmt.Errorf("action %q is not update", it.Action)
	case ruleFields[sc.RuleID] == nil:
		return fmt.Errorf("rule %q is not one legacy settings map to", sc.RuleID)
	case it.Key != SettingKey(sc.RoleID, sc.RuleID):
		return fmt.Errorf("the setting is for role %s and rule %s, not the key's", sc.RoleID, sc.RuleID)
	case sc.PolicyID == "":
		return fmt.Errorf("no policy id")
	}
	cur, err := parseRule(sc.Current)
	if err != nil {
		return fmt.Errorf("current rule: %w", err)
	}
	send, err := parseRule(sc.Send)
	if err != nil {
		return fmt.Errorf("rule to send: %w", err)
	}
	if send.str("id") != sc.RuleID || send.str("@odata.type") != cur.str("@odata.type") {
		return fmt.Errorf("the rule to send is %s %q, not the rule read (%s %q)", send.str("@odata.type"), send.str("id"), cur.str("@odata.type"), sc.RuleID)
	}
	target, _ := send["target"].(map[string]any)
	for _, k := range []string{"caller", "operations", "level", "inheritableSettings", "enforcedSettings"} {
		if _, ok := target[k]; !ok {
			return fmt.Errorf("the rule to send lacks target.%s: Graph needs the whole target", k)
		}
	}
	if want := withMappedFields(cur, send); string(want.json()) != string(send.json()) {
		return fmt.Errorf("the rule to send changes more than the fields legacy settings map to")
	}
	if p.Policy.Settings != SettingsMirror {
		for _, c := range ruleChanges(sc.RuleID, cur, send) {
			if c.Looser && !replacedByContext(sc.RuleID, c.Field, p.finalContext(sc.RoleID)) {
				return fmt.Errorf("%s %s goes from %s to %s, weaker, but the plan's policy is --settings %s", sc.RuleID, c.Field, c.From, c.To, cmpOr(p.Policy.Settings, SettingsTighten))
			}
		}
	}
	return nil
}

func cmpOr(m, def SettingsMode) SettingsMode {
	if m == "" {
		return def
	}
	return m
}
