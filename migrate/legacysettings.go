package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Iteration-2 rule identifiers (governanceRuleSetting.ruleIdentifier). The
// first four are documented; the rest are seen in third-party exports.
const (
	RuleExpiration         = "ExpirationRule"
	RuleMfa                = "MfaRule"
	RuleJustification      = "JustificationRule"
	RuleApproval           = "ApprovalRule"
	RuleTicketing          = "TicketingRule"
	RuleAcrs               = "AcrsRule"
	RuleAttributeCondition = "AttributeConditionRule"
	RuleNotification       = "NotificationRule"
)

var knownRules = [...]string{RuleExpiration, RuleMfa, RuleJustification, RuleApproval,
	RuleTicketing, RuleAcrs, RuleAttributeCondition, RuleNotification}

// KnownRule returns the canonical spelling of a rule identifier pimmigrate
// knows, matched in any case, and whether it knows it.
func KnownRule(id string) (string, bool) {
	for _, k := range knownRules {
		if strings.EqualFold(k, strings.TrimSpace(id)) {
			return k, true
		}
	}
	return id, false
}

// The settings of the rules whose shape is known, as their JSON strings
// hold them. Names match in any case ({"Enabled":…} and {"enabled":…} are
// both seen); a member left out is nil. Members not listed are ignored.
type (
	// ExpirationRuleSetting: {"permanentAssignment":false,"maximumGrantPeriodInMinutes":480}.
	ExpirationRuleSetting struct {
		PermanentAssignment         *bool    `json:"permanentAssignment"`
		MaximumGrantPeriodInMinutes *float64 `json:"maximumGrantPeriodInMinutes"`
	}
	// MfaRuleSetting: {"mfaRequired":true}. Some tools wrote {"required":true}.
	MfaRuleSetting struct {
		MfaRequired *bool `json:"mfaRequired"`
		Required    *bool `json:"required"`
	}
	// JustificationRuleSetting: {"required":true}.
	JustificationRuleSetting struct {
		Required *bool `json:"required"`
	}
	// ApprovalRuleSetting: {"Enabled":true,"Approvers":[{"Id":…,"Type":"User"}]}.
	ApprovalRuleSetting struct {
		Enabled   *bool            `json:"Enabled"`
		Approvers []LegacyApprover `json:"Approvers"`
	}
	// TicketingRuleSetting: {"ticketingRequired":true}.
	TicketingRuleSetting struct {
		TicketingRequired *bool `json:"ticketingRequired"`
	}
	// AcrsRuleSetting: {"acrsRequired":true,"acrs":"c1"} (an authentication
	// context class reference).
	AcrsRuleSetting struct {
		AcrsRequired *bool  `json:"acrsRequired"`
		Acrs         string `json:"acrs"`
	}
)

// LegacyApprover is one approver of an iteration-2 ApprovalRule: a user or
// a group ("User", "Group"), as recorded.
type LegacyApprover struct {
	ID          GUID   `json:"Id"`
	Type        string `json:"Type"`
	DisplayName string `json:"DisplayName,omitempty"`
}

// ruleSetting is the setting type of a known rule, nil when its shape is
// not known (any JSON object is then accepted).
func ruleSetting(id string) any {
	switch id {
	case RuleExpiration:
		return new(ExpirationRuleSetting)
	case RuleMfa:
		return new(MfaRuleSetting)
	case RuleJustification:
		return new(JustificationRuleSetting)
	case RuleApproval:
		return new(ApprovalRuleSetting)
	case RuleTicketing:
		return new(TicketingRuleSetting)
	case RuleAcrs:
		return new(AcrsRuleSetting)
	}
	return nil
}

// DecodeSetting decodes the rule's setting into v (one of the *RuleSetting
// types above, or anything encoding/json fills).
func (r LegacyRule) DecodeSetting(v any) error {
	return json.Unmarshal([]byte(r.Setting), v)
}

// check verifies a rule: an identifier, and a setting that is a JSON object
// of the rule's shape when the rule is known.
func (r LegacyRule) check() error {
	if strings.TrimSpace(r.RuleIdentifier) == "" {
		return errors.New("a rule without ruleIdentifier")
	}
	if s := bytes.TrimSpace([]byte(r.Setting)); len(s) == 0 || s[0] != '{' || !json.Valid(s) {
		return fmt.Errorf("%s: setting %s is not a JSON object", r.RuleIdentifier, quoteShort(r.Setting))
	}
	v := ruleSetting(r.RuleIdentifier)
	if v == nil {
		return nil
	}
	if err := r.DecodeSetting(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s: %s is a JSON %s, not what the rule takes", r.RuleIdentifier, te.Field, te.Value)
		}
		return fmt.Errorf("%s: %v", r.RuleIdentifier, err)
	}
	switch s := v.(type) {
	case *ExpirationRuleSetting:
		if m := s.MaximumGrantPeriodInMinutes; m != nil && *m < 0 {
			return fmt.Errorf("%s: maximumGrantPeriodInMinutes %v is negative", r.RuleIdentifier, *m)
		}
	case *ApprovalRuleSetting:
		for i, a := range s.Approvers {
			if a.ID.IsZero() {
				return fmt.Errorf("%s: Approvers[%d] has no Id", r.RuleIdentifier, i)
			}
		}
	}
	return nil
}

// quoteShort quotes a value for an error, cut short if it is long.
func quoteShort(s string) string {
	const max = 60
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

// SettingsRecord is one usable settings record as a snapshot reader parsed
// it.
type SettingsRecord struct {
	Pos Pos
	// TenantID is the iteration-2 resourceId, lower-case; "" when unknown.
	TenantID string
	// Settings has everything but Source, which the Builder sets from Pos.
	Settings LegacySettings
}

// Lists names the iteration-2 rule lists with their rules, in a fixed order.
func (s *LegacySettings) Lists() []RuleList {
	return []RuleList{
		{"adminEligibleSettings", s.AdminEligibleSettings},
		{"adminMemberSettings", s.AdminMemberSettings},
		{"userEligibleSettings", s.UserEligibleSettings},
		{"userMemberSettings", s.UserMemberSettings},
	}
}

// RuleList is one of the four rule lists of an iteration-2 record.
type RuleList struct {
	Name  string
	Rules []LegacyRule
}

// UnknownRules lists the rules of the record whose identifier pimmigrate
// does not know, as "list: identifier". They are kept in legacy.json and
// carried nowhere.
func (s *LegacySettings) UnknownRules() []string {
	var out []string
	for _, l := range s.Lists() {
		for _, r := range l.Rules {
			if _, ok := KnownRule(r.RuleIdentifier); !ok {
				out = append(out, l.Name+": "+r.RuleIdentifier)
			}
		}
	}
	return out
}

// Check verifies a settings record: a role, an origin, durations that are
// ISO 8601, approvers that are GUIDs, and rules with an identifier and a
// JSON object as setting (of the rule's shape when the rule is known).
// Iteration-1 fields and iteration-2 rule lists never share a record.
func (s *LegacySettings) Check() error {
	if s.RoleID.IsZero() {
		return errors.New("roleId is required")
	}
	it1 := s.ElevationDuration != "" || s.MaxElevationDuration != "" || s.MinElevationDuration != "" ||
		s.MFAOnElevation != nil || s.IsMFAOnElevationConfigurable != nil || s.TicketingInfoOnElevation != nil ||
		s.ApprovalOnElevation != nil || s.ApproverIDs != nil || s.NotificationToUserOnElevation != nil || s.LastGlobalAdmin != nil
	it2 := s.IsDefault != nil || s.AdminEligibleSettings != nil || s.AdminMemberSettings != nil ||
		s.UserEligibleSettings != nil || s.UserMemberSettings != nil
	switch {
	case s.Origin != OriginIteration1 && s.Origin != OriginIteration2:
		return fmt.Errorf("origin %q is not iteration1 or iteration2", s.Origin)
	case s.Origin == OriginIteration1 && it2:
		return errors.New("iteration-1 settings with iteration-2 rule lists")
	case s.Origin == OriginIteration2 && it1:
		return errors.New("iteration-2 settings with iteration-1 fields")
	}
	for _, d := range [...]struct{ name, v string }{
		{"elevationDuration", s.ElevationDuration},
		{"maxElavationDuration", s.MaxElevationDuration},
		{"minElevationDuration", s.MinElevationDuration},
	} {
		if d.v == "" {
			continue
		}
		if _, err := ParseDuration(d.v); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	for i, id := range s.ApproverIDs {
		if id.IsZero() {
			return fmt.Errorf("approverIds[%d] is the nil GUID", i)
		}
	}
	for _, l := range s.Lists() {
		for i, r := range l.Rules {
			if err := r.check(); err != nil {
				return fmt.Errorf("%s[%d]: %w", l.Name, i, err)
			}
		}
	}
	return nil
}
