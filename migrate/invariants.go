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
//   - each target is for the principal and role of its key and its legacy
//     record, at the directory scope "/".
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
	t := &it.Target
	base, activation := strings.CutSuffix(it.Key, activationKeySuffix)
	switch {
	case it.Action != ActionCreate:
		return fmt.Errorf("action %q is not create", it.Action)
	case base != Key(t.PrincipalID, t.RoleDefinitionID):
		return fmt.Errorf("the target is for principal %s and role %s, not the key's", t.PrincipalID, t.RoleDefinitionID)
	case t.PrincipalID != it.Legacy.UserID:
		return fmt.Errorf("the target's principal %s is not the legacy record's %s", t.PrincipalID, it.Legacy.UserID)
	case t.DirectoryScopeID != DirectoryScopeRoot:
		return fmt.Errorf("directory scope %q: legacy access maps to %q only", t.DirectoryScopeID, DirectoryScopeRoot)
	case protect[t.PrincipalID.String()] || it.Principal.UserPrincipalName != "" && protect[strings.ToLower(it.Principal.UserPrincipalName)]:
		return fmt.Errorf("principal %s is protected (--protect)", t.PrincipalID)
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
