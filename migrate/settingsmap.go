package migrate

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// control is one legacy setting, mapped to a field of a policy rule.
type control struct {
	rule, field string
	on          bool          // a requirement (and enablement members)
	dur         time.Duration // maximumDuration
	claim       string        // an authentication context's claim, "" off
	approvers   []Approver    // primaryApprovers, unresolved
	source      string        // "file#record field"
	value       string        // as the legacy record gave it
}

// unmapped is a legacy setting with no place in a policy: reported, never
// dropped in silence.
type unmapped struct {
	field, value, source, why string
}

// The reasons a legacy setting is not carried over.
const (
	whyNoMinimum     = "unified role management has no minimum activation length"
	whyOneMaximum    = "unified role management keeps one maximum activation length; elevationDuration is the one carried over"
	whyConfigurable  = "whether MFA on activation may be changed is not a setting of unified role management"
	whyLastGA        = "a read-only fact of the legacy API, not a setting"
	whyUnsupported   = "userEligibleSettings was never supported by the legacy API and has no counterpart"
	whyNoCounterpart = "no rule of a role management policy holds it"
	whyUnreadable    = "its value could not be read"
)

// legacyControls maps one role's legacy settings record to controls (the
// mapping table of the README), and lists what has no target.
func legacyControls(s *LegacySettings) ([]control, []unmapped) {
	var cs []control
	var un []unmapped
	src := func(field string) string { return s.Source + " " + field }
	boolean := func(rule, field, name string, v *bool) {
		if v != nil {
			cs = append(cs, control{rule: rule, field: field, on: *v, source: src(name), value: fmt.Sprint(*v)})
		}
	}
	if s.ElevationDuration != "" {
		if d, err := ParseDuration(s.ElevationDuration); err == nil && d > 0 {
			cs = append(cs,
				control{rule: RuleActivationExpiration, field: FieldExpirationRequired, on: true, source: src("elevationDuration"), value: s.ElevationDuration},
				control{rule: RuleActivationExpiration, field: FieldMaximumDuration, dur: d, source: src("elevationDuration"), value: s.ElevationDuration})
		} else {
			un = append(un, unmapped{"elevationDuration", s.ElevationDuration, src("elevationDuration"), whyUnreadable + ": not a positive ISO 8601 duration"})
		}
	}
	if s.MaxElevationDuration != "" {
		un = append(un, unmapped{"maxElavationDuration", s.MaxElevationDuration, src("maxElavationDuration"), whyOneMaximum})
	}
	if s.MinElevationDuration != "" {
		un = append(un, unmapped{"minElevationDuration", s.MinElevationDuration, src("minElevationDuration"), whyNoMinimum})
	}
	boolean(RuleActivationEnablement, FieldMFA, "mfaOnElevation", s.MFAOnElevation)
	if s.IsMFAOnElevationConfigurable != nil {
		un = append(un, unmapped{"isMfaOnElevationConfigurable", fmt.Sprint(*s.IsMFAOnElevationConfigurable), src("isMfaOnElevationConfigurable"), whyConfigurable})
	}
	boolean(RuleActivationEnablement, FieldTicketing, "ticketingInfoOnElevation", s.TicketingInfoOnElevation)
	if s.ApprovalOnElevation != nil {
		c := control{rule: RuleActivationApproval, field: FieldApprovalRequired, on: *s.ApprovalOnElevation, source: src("approvalOnElevation"), value: fmt.Sprint(*s.ApprovalOnElevation)}
		for _, id := range s.ApproverIDs {
			c.approvers = append(c.approvers, Approver{ID: id})
		}
		cs = append(cs, c)
	} else if len(s.ApproverIDs) > 0 {
		un = append(un, unmapped{"approverIds", fmt.Sprint(s.ApproverIDs), src("approverIds"), "approvers without approvalOnElevation"})
	}
	boolean(RuleActivationNotifyUser, FieldNotifyDefault, "notificationToUserOnElevation", s.NotificationToUserOnElevation)
	if s.LastGlobalAdmin != nil {
		un = append(un, unmapped{"lastGlobalAdmin", fmt.Sprint(*s.LastGlobalAdmin), src("lastGlobalAdmin"), whyLastGA})
	}

	lists := []struct {
		name  string
		rules []LegacyRule
		// the policy rules this list's expiration and enablement rules map to
		expiration, enablement string
		// which rule identifiers map at all
		maps map[string]bool
	}{
		{"userMemberSettings", s.UserMemberSettings, RuleActivationExpiration, RuleActivationEnablement,
			map[string]bool{RuleExpiration: true, RuleMfa: true, RuleJustification: true, RuleTicketing: true, RuleApproval: true, RuleAcrs: true}},
		{"adminEligibleSettings", s.AdminEligibleSettings, RuleEligibleExpiration, RuleEligibleEnablement,
			map[string]bool{RuleExpiration: true, RuleMfa: true}},
		{"adminMemberSettings", s.AdminMemberSettings, RuleActiveExpiration, RuleActiveEnablement,
			map[string]bool{RuleExpiration: true, RuleMfa: true, RuleJustification: true}},
		{"userEligibleSettings", s.UserEligibleSettings, "", "", nil},
	}
	for _, l := range lists {
		for _, lr := range l.rules {
			lr.RuleIdentifier, _ = KnownRule(lr.RuleIdentifier)
			name := l.name + "." + lr.RuleIdentifier
			switch {
			case l.maps == nil:
				un = append(un, unmapped{name, lr.Setting, src(name), whyUnsupported})
				continue
			case !l.maps[lr.RuleIdentifier]:
				un = append(un, unmapped{name, lr.Setting, src(name), whyNoCounterpart})
				continue
			}
			c := control{source: src(name), value: lr.Setting}
			var err error
			switch lr.RuleIdentifier {
			case RuleExpiration:
				var v ExpirationRuleSetting
				if err = lr.DecodeSetting(&v); err == nil {
					c.rule = l.expiration
					req := c
					req.field, req.on = FieldExpirationRequired, v.PermanentAssignment == nil || !*v.PermanentAssignment
					cs = append(cs, req)
					if v.MaximumGrantPeriodInMinutes != nil && *v.MaximumGrantPeriodInMinutes > 0 {
						c.field, c.dur = FieldMaximumDuration, time.Duration(*v.MaximumGrantPeriodInMinutes*float64(time.Minute))
						cs = append(cs, c)
					}
					continue
				}
			case RuleMfa:
				var v MfaRuleSetting
				if err = lr.DecodeSetting(&v); err == nil {
					c.rule, c.field, c.on = l.enablement, FieldMFA, isTrue(v.MfaRequired) || isTrue(v.Required)
				}
			case RuleJustification:
				var v JustificationRuleSetting
				if err = lr.DecodeSetting(&v); err == nil {
					c.rule, c.field, c.on = l.enablement, FieldJustification, isTrue(v.Required)
				}
			case RuleTicketing:
				var v TicketingRuleSetting
				if err = lr.DecodeSetting(&v); err == nil {
					c.rule, c.field, c.on = l.enablement, FieldTicketing, isTrue(v.TicketingRequired)
				}
			case RuleApproval:
				var v ApprovalRuleSetting
				if err = lr.DecodeSetting(&v); err == nil {
					c.rule, c.field, c.on = RuleActivationApproval, FieldApprovalRequired, isTrue(v.Enabled)
					for _, a := range v.Approvers {
						c.approvers = append(c.approvers, Approver{ID: a.ID, Group: strings.EqualFold(a.Type, "Group")})
					}
				}
			case RuleAcrs:
				var v AcrsRuleSetting
				if err = lr.DecodeSetting(&v); err == nil {
					c.rule, c.field = RuleActivationAuthContext, FieldAuthContext
					if isTrue(v.AcrsRequired) {
						c.claim = v.Acrs
					}
				}
			}
			if err != nil {
				un = append(un, unmapped{name, lr.Setting, src(name), whyUnreadable + ": " + err.Error()})
				continue
			}
			cs = append(cs, c)
		}
	}
	return cs, un
}

func isTrue(b *bool) bool { return b != nil && *b }

// merged is what the legacy records of one role ask of one rule field:
// the strictest of their values, with every source that asked for it.
type merged struct {
	control
	sources []string
	// conflict is set when two records asked for different authentication
	// contexts; the one kept is the first by source.
	conflict bool
}

// mergeControls takes the strictest value of each rule field over a role's
// records: a requirement set by either, the shorter duration, approval by
// either with the approvers of all, an authentication context over none.
// Input order never matters.
func mergeControls(cs []control) map[string]map[string]*merged {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].source < cs[j].source })
	out := map[string]map[string]*merged{}
	for _, c := range cs {
		if out[c.rule] == nil {
			out[c.rule] = map[string]*merged{}
		}
		m := out[c.rule][c.field]
		if m == nil {
			out[c.rule][c.field] = &merged{control: c, sources: []string{c.source}}
			continue
		}
		stricter := false
		switch c.field {
		case FieldMaximumDuration:
			stricter = c.dur < m.dur
		case FieldAuthContext:
			if c.claim != "" && m.claim != "" && c.claim != m.claim {
				m.conflict = true
			}
			stricter = m.claim == "" && c.claim != ""
		default:
			stricter = c.on && !m.on
			if c.field == FieldApprovalRequired {
				m.approvers = unionApprovers(m.approvers, c.approvers)
			}
		}
		if stricter {
			approvers := m.approvers
			m.control = c
			if c.field == FieldApprovalRequired {
				m.approvers = unionApprovers(approvers, c.approvers)
			}
			m.sources = append([]string{c.source}, m.sources...)
		} else {
			m.sources = append(m.sources, c.source)
		}
	}
	return out
}

func unionApprovers(a, b []Approver) []Approver {
	out := append([]Approver{}, a...)
	for _, x := range b {
		found := false
		for i := range out {
			if out[i].ID == x.ID {
				found, out[i].Group = true, out[i].Group || x.Group
			}
		}
		if !found {
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.Compare(out[j].ID) < 0 })
	return out
}
