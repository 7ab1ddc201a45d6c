package migrate

import (
	"encoding/json"
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
		if d, err := ParseISODuration(s.ElevationDuration); err == nil {
			cs = append(cs,
				control{rule: RuleActivationExpiration, field: FieldExpirationRequired, on: true, source: src("elevationDuration"), value: s.ElevationDuration},
				control{rule: RuleActivationExpiration, field: FieldMaximumDuration, dur: d, source: src("elevationDuration"), value: s.ElevationDuration})
		} else {
			un = append(un, unmapped{"elevationDuration", s.ElevationDuration, src("elevationDuration"), whyUnreadable + ": " + err.Error()})
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
			map[string]bool{"ExpirationRule": true, "MfaRule": true, "JustificationRule": true, "TicketingRule": true, "ApprovalRule": true, "AcrsRule": true}},
		{"adminEligibleSettings", s.AdminEligibleSettings, RuleEligibleExpiration, RuleEligibleEnablement,
			map[string]bool{"ExpirationRule": true, "MfaRule": true}},
		{"adminMemberSettings", s.AdminMemberSettings, RuleActiveExpiration, RuleActiveEnablement,
			map[string]bool{"ExpirationRule": true, "MfaRule": true, "JustificationRule": true}},
		{"userEligibleSettings", s.UserEligibleSettings, "", "", nil},
	}
	for _, l := range lists {
		for _, lr := range l.rules {
			name := l.name + "." + lr.RuleIdentifier
			switch {
			case l.maps == nil:
				un = append(un, unmapped{name, lr.Setting, src(name), whyUnsupported})
				continue
			case !l.maps[lr.RuleIdentifier]:
				un = append(un, unmapped{name, lr.Setting, src(name), whyNoCounterpart})
				continue
			}
			var v iteration2Setting
			if err := json.Unmarshal([]byte(lr.Setting), &v); err != nil {
				un = append(un, unmapped{name, lr.Setting, src(name), whyUnreadable + ": " + err.Error()})
				continue
			}
			c := control{source: src(name), value: lr.Setting}
			switch lr.RuleIdentifier {
			case "ExpirationRule":
				c.rule = l.expiration
				req, dur := c, c
				req.field, req.on = FieldExpirationRequired, !v.PermanentAssignment
				cs = append(cs, req)
				if v.MaximumGrantPeriodInMinutes > 0 {
					dur.field, dur.dur = FieldMaximumDuration, time.Duration(v.MaximumGrantPeriodInMinutes)*time.Minute
					cs = append(cs, dur)
				}
				continue
			case "MfaRule":
				c.rule, c.field, c.on = l.enablement, FieldMFA, v.MfaRequired
			case "JustificationRule":
				c.rule, c.field, c.on = l.enablement, FieldJustification, v.Required
			case "TicketingRule":
				c.rule, c.field, c.on = l.enablement, FieldTicketing, v.TicketingRequired || v.Required
			case "ApprovalRule":
				c.rule, c.field, c.on = RuleActivationApproval, FieldApprovalRequired, v.Enabled
				for _, a := range v.Approvers {
					if id, err := ParseGUID(a.ID); err == nil {
						c.approvers = append(c.approvers, Approver{ID: id, Group: strings.EqualFold(a.Type, "Group")})
					}
				}
			case "AcrsRule":
				c.rule, c.field = RuleActivationAuthContext, FieldAuthContext
				if v.AcrsRequired {
					c.claim = v.Acrs
				}
			}
			cs = append(cs, c)
		}
	}
	return cs, un
}

// iteration2Setting is what the setting strings of iteration-2 rules hold
// (field names matched in any case, as the API's own casing varies).
type iteration2Setting struct {
	PermanentAssignment         bool  `json:"permanentAssignment"`
	MaximumGrantPeriodInMinutes int64 `json:"maximumGrantPeriodInMinutes"`
	MfaRequired                 bool  `json:"mfaRequired"`
	Required                    bool  `json:"required"`
	TicketingRequired           bool  `json:"ticketingRequired"`
	Enabled                     bool  `json:"enabled"`
	Approvers                   []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"approvers"`
	AcrsRequired bool   `json:"acrsRequired"`
	Acrs         string `json:"acrs"`
}

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
