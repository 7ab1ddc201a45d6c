package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	gGhost = MustGUID("00000000-aaaa-4000-8000-0000000000ff")
)

func it1(role GUID, src string, f func(s *LegacySettings)) LegacySettings {
	s := LegacySettings{RoleID: role, Origin: OriginIteration1, Source: src}
	f(&s)
	return s
}

func it2(role GUID, src string, lists map[string][]LegacyRule) LegacySettings {
	return LegacySettings{RoleID: role, Origin: OriginIteration2, Source: src,
		UserMemberSettings: lists["userMember"], AdminEligibleSettings: lists["adminEligible"],
		AdminMemberSettings: lists["adminMember"], UserEligibleSettings: lists["userEligible"]}
}

func lr(id, setting string) LegacyRule { return LegacyRule{RuleIdentifier: id, Setting: setting} }

// settingsPlan plans legacy settings (and no assignments) against the test
// tenant, whose policies are Microsoft's defaults unless tenant says.
func settingsPlan(t *testing.T, settings []LegacySettings, mode SettingsMode, tenant func(*Tenant)) *Plan {
	t.Helper()
	ten := testTenant()
	for _, d := range ten.RoleDefinitions {
		if d.IsEnabled {
			ten.Policies = append(ten.Policies, RolePolicy{RoleID: d.ID, PolicyID: "DirectoryRole_t_" + d.ID.String(), Rules: DefaultPolicyRules()})
		}
	}
	if tenant != nil {
		tenant(ten)
	}
	asOf := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	p, err := BuildPlan(PlanInput{Legacy: &Legacy{Settings: settings}, Tenant: ten, Policy: Policy{EligibleAs: EligibleAsEligibility, Settings: mode},
		Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// settingRow is what a test expects of one settings item.
type settingRow struct {
	key      string
	action   Action
	reason   string
	changes  string // "field:from>to; ..." of the changes
	warnings string
}

func rowsOf(p *Plan) []settingRow {
	var out []settingRow
	for _, it := range p.Items {
		if it.Kind != KindRoleSetting {
			continue
		}
		var ch []string
		for _, c := range it.Setting.Changes {
			ch = append(ch, c.Field+":"+c.From+">"+c.To)
		}
		out = append(out, settingRow{it.Key, it.Action, it.Reason, strings.Join(ch, "; "), strings.Join(it.Warnings, ",")})
	}
	return out
}

func TestSettingsMapping(t *testing.T) {
	ga, sec := rGA, rSecReader
	key := SettingKey
	tests := []struct {
		name     string
		settings []LegacySettings
		mode     SettingsMode
		tenant   func(*Tenant)
		want     []settingRow
	}{
		{"iteration 1: every field, tightening the defaults", []LegacySettings{it1(ga, "s1.json#1", func(s *LegacySettings) {
			s.ElevationDuration, s.MaxElevationDuration, s.MinElevationDuration = "PT4H", "PT10H", "PT30M"
			s.MFAOnElevation, s.IsMFAOnElevationConfigurable, s.TicketingInfoOnElevation = ptr(true), ptr(false), ptr(true)
			s.ApprovalOnElevation, s.ApproverIDs = ptr(true), []GUID{gAlice, gGroup, gGhost}
			s.NotificationToUserOnElevation, s.LastGlobalAdmin = ptr(false), ptr(true)
		})}, "", nil, []settingRow{
			{key(ga, RuleActivationApproval), ActionUpdate, "legacy-tighten",
				"isApprovalRequired:false>true; primaryApprovers:(none)>user " + gAlice.String() + " (Alice), group " + gGroup.String() + " (Tier 0 admins)", WarnApproverNotFound},
			{key(ga, RuleActivationEnablement), ActionUpdate, "legacy-tighten", "Ticketing:false>true", ""},
			{key(ga, RuleActivationExpiration), ActionUpdate, "legacy-tighten", "maximumDuration:PT8H>PT4H", ""},
			{key(ga, RuleActivationNotifyUser), ActionPresent, ReasonTenantStricter, "", ""},
			{key(ga, "~isMfaOnElevationConfigurable"), ActionSkip, ReasonNotCarriedOver, "", ""},
			{key(ga, "~lastGlobalAdmin"), ActionSkip, ReasonNotCarriedOver, "", ""},
			{key(ga, "~maxElavationDuration"), ActionSkip, ReasonNotCarriedOver, "", ""},
			{key(ga, "~minElevationDuration"), ActionSkip, ReasonNotCarriedOver, "", ""},
		}},
		{"iteration 2: every list and rule kind", []LegacySettings{it2(sec, "s2.json#1", map[string][]LegacyRule{
			"userMember": {lr("ExpirationRule", `{"permanentAssignment":false,"maximumGrantPeriodInMinutes":120}`), lr("MfaRule", `{"mfaRequired":true}`),
				lr("JustificationRule", `{"required":true}`), lr("TicketingRule", `{"ticketingRequired":true}`),
				lr("ApprovalRule", `{"Enabled":true,"Approvers":[{"Id":"`+gGroup.String()+`","Type":"Group"}]}`),
				lr("AcrsRule", `{"acrsRequired":true,"acrs":"c1"}`), lr("AttributeConditionRule", `{"x":1}`), lr("NotificationRule", `{}`), lr("FutureRule", `{}`)},
			"adminEligible": {lr("ExpirationRule", `{"permanentAssignment":false,"maximumGrantPeriodInMinutes":129600}`), lr("MfaRule", `{"mfaRequired":true}`)},
			"adminMember":   {lr("ExpirationRule", `{"permanentAssignment":true,"maximumGrantPeriodInMinutes":0}`), lr("MfaRule", `{"mfaRequired":true}`), lr("JustificationRule", `{"required":true}`)},
			"userEligible":  {lr("ExpirationRule", `{}`)},
		})}, "", nil, []settingRow{
			{key(sec, RuleActivationApproval), ActionUpdate, "legacy-tighten", "isApprovalRequired:false>true; primaryApprovers:(none)>group " + gGroup.String() + " (Tier 0 admins)", ""},
			{key(sec, RuleActivationAuthContext), ActionUpdate, "legacy-tighten", "claimValue:off>c1", ""},
			{key(sec, RuleActiveEnablement), ActionUpdate, "legacy-tighten", "MultiFactorAuthentication:false>true", ""},
			{key(sec, RuleEligibleEnablement), ActionUpdate, "legacy-tighten", "MultiFactorAuthentication:false>true", ""},
			{key(sec, RuleActivationEnablement), ActionUpdate, "legacy-tighten", "MultiFactorAuthentication:true>false; Ticketing:false>true", WarnMFAReplacedByAuthCx},
			{key(sec, RuleActiveExpiration), ActionPresent, ReasonSameAsLegacy, "", ""},
			{key(sec, RuleEligibleExpiration), ActionUpdate, "legacy-tighten", "isExpirationRequired:false>true; maximumDuration:P365D>P90D", ""},
			{key(sec, RuleActivationExpiration), ActionUpdate, "legacy-tighten", "maximumDuration:PT8H>PT2H", ""},
			{key(sec, "~userEligibleSettings.ExpirationRule"), ActionSkip, ReasonNotCarriedOver, "", ""},
			{key(sec, "~userMemberSettings.AttributeConditionRule"), ActionSkip, ReasonNotCarriedOver, "", ""},
			{key(sec, "~userMemberSettings.FutureRule"), ActionSkip, ReasonNotCarriedOver, "", ""},
			{key(sec, "~userMemberSettings.NotificationRule"), ActionSkip, ReasonNotCarriedOver, "", ""},
		}},
		{"both iterations: the stricter wins", []LegacySettings{
			it2(ga, "b.json#1", map[string][]LegacyRule{"userMember": {lr("ExpirationRule", `{"maximumGrantPeriodInMinutes":240}`), lr("MfaRule", `{"mfaRequired":false}`)}}),
			it1(ga, "a.json#1", func(s *LegacySettings) { s.ElevationDuration, s.TicketingInfoOnElevation = "PT1H", ptr(true) }),
		}, "", nil, []settingRow{
			{key(ga, RuleActivationEnablement), ActionUpdate, "legacy-tighten", "Ticketing:false>true", ""},
			{key(ga, RuleActivationExpiration), ActionUpdate, "legacy-tighten", "maximumDuration:PT8H>PT1H", ""},
		}},
		{"the tenant is stricter already", []LegacySettings{it1(ga, "a.json#1", func(s *LegacySettings) {
			s.ElevationDuration, s.MFAOnElevation = "PT9H", ptr(false)
		})}, "", nil, []settingRow{
			{key(ga, RuleActivationEnablement), ActionPresent, ReasonTenantStricter, "", ""},
			{key(ga, RuleActivationExpiration), ActionPresent, ReasonTenantStricter, "", ""},
		}},
		{"mirror loosens, with a warning", []LegacySettings{it1(ga, "a.json#1", func(s *LegacySettings) {
			s.ElevationDuration, s.MFAOnElevation = "PT9H", ptr(false)
		})}, SettingsMirror, nil, []settingRow{
			{key(ga, RuleActivationEnablement), ActionUpdate, "legacy-mirror", "MultiFactorAuthentication:true>false", WarnLoosensControl},
			{key(ga, RuleActivationExpiration), ActionUpdate, "legacy-mirror", "maximumDuration:PT8H>PT9H", WarnLoosensControl},
		}},
		{"off plans no settings", []LegacySettings{it1(ga, "a.json#1", func(s *LegacySettings) { s.ElevationDuration = "PT1H" })}, SettingsOff, nil, nil},
		{"approvers differ: left alone", []LegacySettings{it1(ga, "a.json#1", func(s *LegacySettings) {
			s.ApprovalOnElevation, s.ApproverIDs = ptr(true), []GUID{gAlice}
		})}, "", func(ten *Tenant) {
			for i := range ten.Policies {
				r, _ := parseRule(ten.Policies[i].Rules[RuleActivationApproval])
				r.setApproval(true, []Approver{{ID: gBreak}})
				ten.Policies[i].Rules = cloneRules(ten.Policies[i].Rules)
				ten.Policies[i].Rules[RuleActivationApproval] = r.json()
			}
		}, []settingRow{{key(ga, RuleActivationApproval), ActionPresent, ReasonSameAsLegacy, "", WarnApproversDiffer}}},
		{"no policy for the role", []LegacySettings{it1(ga, "a.json#1", func(s *LegacySettings) { s.ElevationDuration = "PT1H" })}, "",
			func(ten *Tenant) { ten.Policies = nil },
			[]settingRow{{key(ga, RuleActivationExpiration), ActionSkip, ReasonPolicyNotFound, "", ""}}},
		{"an unknown role", []LegacySettings{it1(rUnknown, "a.json#1", func(s *LegacySettings) { s.ElevationDuration = "PT1H" })}, "", nil,
			[]settingRow{{key(rUnknown, RuleActivationExpiration), ActionSkip, ReasonRoleNotFound, "", ""}}},
		{"a duration that is not one", []LegacySettings{it1(ga, "a.json#1", func(s *LegacySettings) { s.ElevationDuration = "8 hours" })}, "", nil,
			[]settingRow{{key(ga, "~elevationDuration"), ActionSkip, ReasonNotCarriedOver, "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := settingsPlan(t, tt.settings, tt.mode, tt.tenant)
			got := rowsOf(p)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items:\n%s\nwant:\n%s", fmtRows(got), fmtRows(tt.want))
			}
			// Apply's own check passes what the planner plans.
			var send []*Item
			for i := range p.Items {
				if p.Items[i].Action == ActionUpdate {
					send = append(send, &p.Items[i])
				}
			}
			if err := CheckSendable(p, send); err != nil {
				t.Errorf("CheckSendable: %v", err)
			}
			// Reversed input gives the same plan.
			rev := append([]LegacySettings{}, tt.settings...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			if p2 := settingsPlan(t, rev, tt.mode, tt.tenant); p2.Digest != p.Digest {
				t.Error("the plan depends on the order of the legacy settings")
			}
		})
	}
}

func cloneRules(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func fmtRows(rows []settingRow) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  %+v\n", r)
	}
	return b.String()
}

// TestSettingSendBody: the rule sent is the tenant's whole rule with only
// the mapped fields changed.
func TestSettingSendBody(t *testing.T) {
	p := settingsPlan(t, []LegacySettings{it1(rGA, "a.json#1", func(s *LegacySettings) { s.ElevationDuration = "PT2H" })}, "", nil)
	it := p.Items[0]
	var cur, send map[string]any
	json.Unmarshal(it.Setting.Current, &cur)
	json.Unmarshal(it.Setting.Send, &send)
	if send["maximumDuration"] != "PT2H" || !reflect.DeepEqual(send["target"], cur["target"]) || send["@odata.type"] != cur["@odata.type"] || send["id"] != RuleActivationExpiration {
		t.Errorf("sent %s\nfrom %s", it.Setting.Send, it.Setting.Current)
	}
	if it.Setting.PolicyID != "DirectoryRole_t_"+rGA.String() || it.Setting.Stage != 1 {
		t.Errorf("policy %q, stage %d", it.Setting.PolicyID, it.Setting.Stage)
	}
}

// TestCheckSendableSettings: a resealed plan whose setting items loosen a
// control, change a field legacy settings do not map to, or send a partial
// target is refused.
func TestCheckSendableSettings(t *testing.T) {
	edit := func(f func(r rule)) func(it *Item) {
		return func(it *Item) {
			r, _ := parseRule(it.Setting.Send)
			f(r)
			it.Setting.Send = r.json()
		}
	}
	tests := []struct {
		name string
		edit func(it *Item)
		want string
	}{
		{"as planned", func(*Item) {}, ""},
		{"made weaker", edit(func(r rule) { r[FieldMaximumDuration] = "P30D" }), "weaker"},
		{"an unmapped field", edit(func(r rule) { r["somethingElse"] = true }), "changes more than"},
		{"a partial target", edit(func(r rule) { r["target"] = map[string]any{"caller": "EndUser"} }), "lacks target"},
		{"another rule", edit(func(r rule) { r["id"] = RuleActivationApproval }), "not the rule read"},
		{"another role", func(it *Item) { it.Setting.RoleID = rSecReader }, "not the key's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := settingsPlan(t, []LegacySettings{it1(rGA, "a.json#1", func(s *LegacySettings) { s.ElevationDuration = "PT2H" })}, "", nil)
			it := &p.Items[0]
			tt.edit(it)
			err := CheckSendable(p, []*Item{it})
			if tt.want == "" && err != nil || tt.want != "" && (!errors.Is(err, ErrPlanUnsafe) || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFormatISODuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{8 * time.Hour, "PT8H"}, {90 * 24 * time.Hour, "P90D"}, {90 * time.Minute, "PT1H30M"}, {36 * time.Hour, "P1DT12H"}, {14 * 24 * time.Hour, "P14D"},
	} {
		back, err := ParseDuration(FormatISODuration(tt.d))
		if got := FormatISODuration(tt.d); got != tt.want || err != nil || back != tt.d {
			t.Errorf("%v: %s (reads back %v, %v), want %s", tt.d, got, back, err, tt.want)
		}
	}
}
