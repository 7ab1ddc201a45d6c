package snapshot

import (
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate"
)

func bp(b bool) *bool { return &b }

// s1 is an expected iteration-1 settings record.
func s1(src, role, duration string, mfa, approval bool, approvers ...string) migrate.LegacySettings {
	s := migrate.LegacySettings{RoleID: migrate.MustGUID(role), Origin: migrate.OriginIteration1, Source: src,
		ElevationDuration: duration, MFAOnElevation: bp(mfa), ApprovalOnElevation: bp(approval)}
	for _, a := range approvers {
		s.ApproverIDs = append(s.ApproverIDs, migrate.MustGUID(a))
	}
	return s
}

// s2 is an expected iteration-2 settings record with user member rules.
func s2(src, role string, rules ...string) migrate.LegacySettings {
	s := migrate.LegacySettings{RoleID: migrate.MustGUID(role), Origin: migrate.OriginIteration2, Source: src, IsDefault: bp(false)}
	for i := 0; i+1 < len(rules); i += 2 {
		s.UserMemberSettings = append(s.UserMemberSettings, migrate.LegacyRule{RuleIdentifier: rules[i], Setting: rules[i+1]})
	}
	return s
}

func TestReadSettings(t *testing.T) {
	it1 := func(role, extra string) string {
		return fill(`{"id":"` + role + `","elevationDuration":"PT2H","mfaOnElevation":true,"approvalOnElevation":false` + extra + `}`)
	}
	it2 := func(role, rules string) string {
		return fill(`{"id":"rs-` + role[:4] + `","resourceId":"{tenant}","roleDefinitionId":"` + role + `","isDefault":false,` +
			`"lastUpdatedDateTime":"2020-03-26T21:21:43.113Z","lastUpdatedBy":"Alex Wilber",` +
			`"adminEligibleSettings":[],"adminMemberSettings":[],"userEligibleSettings":[],"userMemberSettings":[` + rules + `]}`)
	}
	withLists := func(s migrate.LegacySettings) migrate.LegacySettings {
		empty := []migrate.LegacyRule{}
		s.AdminEligibleSettings, s.AdminMemberSettings, s.UserEligibleSettings = empty, empty, empty
		if s.UserMemberSettings == nil {
			s.UserMemberSettings = empty
		}
		return s
	}
	mfa := `{"ruleIdentifier":"MfaRule","setting":"{\"mfaRequired\":true}"}`
	tests := []struct {
		name, file, in string
		want           wantRead
	}{{
		name: "iteration 1 page of privilegedRoles with settings expanded, nulls hold no record",
		file: "roles.json",
		in: fill(`{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedRoles(settings())","value":[
  {"id":"{ga}","name":"Global Administrator","settings":` + it1("{ga}", `,"approverIds":["{u1}","{grp}"]`) + `},
  {"id":"{sec}","name":"Security Administrator","settings":null},
  {"id":"{sec}","name":"Security Administrator","settings":{"elevationDuration":"PT30M","mfaOnElevation":false,"approvalOnElevation":false}}
],"@odata.nextLink":"https://graph.microsoft.com/beta/privilegedRoles?$expand=settings&$skiptoken=2"}`),
		want: wantRead{kind: KindIteration1SettingsPage, records: 2,
			nextLink: "https://graph.microsoft.com/beta/privilegedRoles?$expand=settings&$skiptoken=2",
			settings: []migrate.LegacySettings{
				s1("roles.json#3", sec, "PT30M", false, false),
				s1("roles.json#1", ga, "PT2H", true, false, u1, grp),
			}},
	}, {
		name: "iteration 1 array of privilegedRoleSettings, every field",
		file: "settings.json",
		in: `[` + it1("{ga}", `,"maxElavationDuration":"PT0S","minElevationDuration":"PT0S","isMfaOnElevationConfigurable":true,`+
			`"ticketingInfoOnElevation":true,"notificationToUserOnElevation":true,"lastGlobalAdmin":false,"approverIds":[]`) + `]`,
		want: wantRead{kind: KindIteration1SettingsArray, records: 1, settings: []migrate.LegacySettings{func() migrate.LegacySettings {
			s := s1("settings.json#1", ga, "PT2H", true, false)
			s.MaxElevationDuration, s.MinElevationDuration = "PT0S", "PT0S"
			s.IsMFAOnElevationConfigurable, s.TicketingInfoOnElevation, s.NotificationToUserOnElevation, s.LastGlobalAdmin = bp(true), bp(true), bp(true), bp(false)
			s.ApproverIDs = []migrate.GUID{}
			return s
		}()}},
	}, {
		name: "iteration 1 JSON Lines, @odata.type on one",
		file: "s.jsonl",
		in:   it1("{ga}", "") + "\n" + fill(`{"@odata.type":"#microsoft.graph.privilegedRoleSettings","id":"{sec}","elevationDuration":"PT1H","mfaOnElevation":false,"approvalOnElevation":true,"approverIds":["{u2}"]}`) + "\n",
		want: wantRead{kind: KindIteration1SettingsLines, records: 2, settings: []migrate.LegacySettings{
			s1("s.jsonl:2", sec, "PT1H", false, true, u2),
			s1("s.jsonl:1", ga, "PT2H", true, false),
		}},
	}, {
		name: "iteration 2 page: settings as JSON strings, an unknown rule kept, a known one in another case",
		file: "rs.json",
		in: `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#governanceRoleSettings","value":[` +
			it2("{ga}", mfa+`,{"ruleIdentifier":"mfarule","setting":"{}"},{"ruleIdentifier":"FancyRule","setting":"{\"x\":1}"}`) + `]}`,
		want: wantRead{kind: KindIteration2SettingsPage, records: 1, tenantID: tenant, settings: []migrate.LegacySettings{
			withLists(s2("rs.json#1", ga, migrate.RuleMfa, `{"mfaRequired":true}`, migrate.RuleMfa, `{}`, "FancyRule", `{"x":1}`)),
		}},
	}, {
		name: "iteration 2 array as PowerShell's ConvertTo-Json wrote it: PascalCase, settings parsed into objects",
		file: "ps.json",
		in: fill(`[{"Id":"x","ResourceId":"{tenant}","RoleDefinitionId":"{sec}","IsDefault":false,
  "UserMemberSettings":[{"RuleIdentifier":"ApprovalRule","Setting":{"Enabled":true, "Approvers":[{"Id":"{u1}","Type":"User"}]}}]}]`),
		want: wantRead{kind: KindIteration2SettingsArray, records: 1, tenantID: tenant, settings: []migrate.LegacySettings{
			s2("ps.json#1", sec, migrate.RuleApproval, fill(`{"Enabled":true,"Approvers":[{"Id":"{u1}","Type":"User"}]}`)),
		}},
	}, {
		name: "iteration 2 JSON Lines",
		file: "rs.jsonl",
		in:   it2("{ga}", mfa) + "\n",
		want: wantRead{kind: KindIteration2SettingsLines, records: 1, tenantID: tenant, settings: []migrate.LegacySettings{
			withLists(s2("rs.jsonl:1", ga, migrate.RuleMfa, `{"mfaRequired":true}`)),
		}},
	}, {
		name: "empty pages tell their kind by their context",
		file: "empty.json",
		in:   `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#privilegedAccess('aadRoles')/roleSettings","value":[]}`,
		want: wantRead{kind: KindIteration2SettingsPage},
	}, {
		name: "assignments and settings in one file",
		file: "mixed.json",
		in:   fill(`[{"userId":"{u1}","roleId":"{ga}","isElevated":true},`) + it1("{ga}", "") + `]`,
		want: wantRead{kind: KindIteration1Array, records: 2,
			assignments: []migrate.Assignment{it1Assignment("mixed.json#1")},
			settings:    []migrate.LegacySettings{s1("mixed.json#2", ga, "PT2H", true, false)}},
	}, {
		name: "rejections",
		file: "bad.json",
		in: `[` + strings.Join([]string{
			it2("{ga}", ""),
			it1("{ga}", `,"approverIds":["alice"]`),
			fill(`{"id":"{ga}","elevationDuration":"2016-10-19T10:37:00Z"}`),
			fill(`{"id":"{ga}","mfaOnElevation":"yes"}`),
			`{"elevationDuration":"PT1H"}`,
			fill(`{"id":"{ga}","name":"GA","settings":{"id":"{sec}","mfaOnElevation":true}}`),
			fill(`{"id":"{ga}","name":"GA","settings":"PT1H"}`),
			fill(`{"id":"{ga}","userId":"{u1}","mfaOnElevation":true}`),
			it2("{ga}", `{"ruleIdentifier":"MfaRule","setting":"{mfaRequired: true}"}`),
			it2("{ga}", `{"ruleIdentifier":"ExpirationRule","setting":"{\"maximumGrantPeriodInMinutes\":\"forever\"}"}`),
			it2("{ga}", `{"ruleIdentifier":"MfaRule","setting":null}`),
			it2("{ga}", `{"ruleIdentifier":"","setting":"{}"}`),
			it2("{ga}", `{"ruleIdentifier":"MfaRule","setting":42}`),
			fill(`{"isDefault":true,"userMemberSettings":[]}`),
			strings.Replace(it2("{ga}", mfa), tenant, other, 1),
			fill(`{"roleDefinitionId":"{ga}","mfaOnElevation":true,"userMemberSettings":[]}`),
		}, ",") + `]`,
		want: wantRead{kind: KindIteration2SettingsArray, records: 16, tenantID: tenant,
			settings: []migrate.LegacySettings{withLists(s2("bad.json#1", ga))}, rejected: []wantRej{
				{"bad.json#2", migrate.RejectMalformedGUID, `approverIds[0] "alice"`},
				{"bad.json#3", migrate.RejectMalformedSetting, "elevationDuration"},
				{"bad.json#4", migrate.RejectWrongType, "mfaOnElevation is a JSON string"},
				{"bad.json#5", migrate.RejectMissingField, "id (the role's template id)"},
				{"bad.json#6", migrate.RejectIDMismatch, "has settings with id"},
				{"bad.json#7", migrate.RejectWrongType, "settings is not an object"},
				{"bad.json#8", migrate.RejectWrongType, "role assignment field userId"},
				{"bad.json#9", migrate.RejectMalformedSetting, "userMemberSettings[0]: MfaRule: setting"},
				{"bad.json#10", migrate.RejectMalformedSetting, "maximumGrantPeriodInMinutes"},
				{"bad.json#11", migrate.RejectMalformedSetting, "setting is missing"},
				{"bad.json#12", migrate.RejectMalformedSetting, "without ruleIdentifier"},
				{"bad.json#13", migrate.RejectMalformedSetting, "neither a JSON string nor an object"},
				{"bad.json#14", migrate.RejectMissingField, "roleDefinitionId is missing"},
				{"bad.json#15", migrate.RejectTenantMismatch, "export each tenant on its own"},
				{"bad.json#16", migrate.RejectMalformedSetting, "iteration-2 settings with iteration-1 fields"},
			}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRead(t, tt.file, tt.in, tt.want)
		})
	}
}

func it1Assignment(src string) migrate.Assignment {
	return migrate.Assignment{ID: u1 + "_" + ga, UserID: migrate.MustGUID(u1), RoleID: migrate.MustGUID(ga),
		PrincipalType: migrate.PrincipalUser, IsElevated: true, State: migrate.StatePermanent, Origin: migrate.OriginIteration1, Source: src}
}
