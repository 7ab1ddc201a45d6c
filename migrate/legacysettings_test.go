package migrate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "PT8H", want: 8 * time.Hour},
		{in: "PT1H45M", want: 105 * time.Minute},
		{in: "P365D", want: 365 * 24 * time.Hour},
		{in: "P90D", want: 90 * 24 * time.Hour},
		{in: "P1Y", want: 365 * 24 * time.Hour},
		{in: "P1M", want: 30 * 24 * time.Hour},
		{in: "P2W", want: 14 * 24 * time.Hour},
		{in: "P1DT12H", want: 36 * time.Hour},
		{in: "PT0.5H", want: 30 * time.Minute},
		{in: "PT0S", want: 0},
		{in: "pt30m", want: 30 * time.Minute},
		{in: "", bad: true},
		{in: "P", bad: true},
		{in: "PT", bad: true},
		{in: "8h", bad: true},
		{in: "PT8", bad: true},
		{in: "P8H", bad: true},
		{in: "PT8D", bad: true},
		{in: "-PT8H", bad: true},
		{in: "2016-10-19T10:37:00Z", bad: true},
		{in: "PT1..5H", bad: true},
		{in: "PTT8H", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func it1Settings(src string) LegacySettings {
	return LegacySettings{RoleID: rGA, Origin: OriginIteration1, Source: src, ElevationDuration: "PT2H",
		MFAOnElevation: ptr(true), ApprovalOnElevation: ptr(true), ApproverIDs: []GUID{gAlice}}
}

func it2Settings(src string, rules ...LegacyRule) LegacySettings {
	return LegacySettings{RoleID: rGA, Origin: OriginIteration2, Source: src, IsDefault: ptr(false), UserMemberSettings: rules}
}

func TestLegacySettingsCheck(t *testing.T) {
	rule := func(id, setting string) LegacyRule { return LegacyRule{RuleIdentifier: id, Setting: setting} }
	tests := []struct {
		name string
		s    LegacySettings
		want string // part of the error; "" = valid
	}{
		{"iteration 1", it1Settings("a#1"), ""},
		{"iteration 2, every known rule and an unknown one", it2Settings("a#1",
			rule(RuleExpiration, `{"permanentAssignment":false,"maximumGrantPeriodInMinutes":480}`),
			rule(RuleMfa, `{"mfaRequired":true}`), rule(RuleMfa, `{"required":true}`),
			rule(RuleJustification, `{"required":true}`),
			rule(RuleApproval, `{"Enabled":true,"Approvers":[{"Id":"`+gAlice.String()+`","Type":"User"}]}`),
			rule(RuleApproval, `{"enabled":false,"approvers":null,"businessFlowId":null}`),
			rule(RuleTicketing, `{"ticketingRequired":true}`), rule(RuleAcrs, `{"acrsRequired":true,"acrs":"c1"}`),
			rule(RuleAttributeCondition, `{"condition":null,"enableEnforcement":false}`),
			rule(RuleNotification, `{"policies":[]}`), rule("FancyRule", `{"x":[1,2]}`)), ""},
		{"no role", LegacySettings{Origin: OriginIteration1, ElevationDuration: "PT1H"}, "roleId"},
		{"unknown origin", LegacySettings{RoleID: rGA, Origin: "iteration3"}, "origin"},
		{"iteration 1 with rule lists", func() LegacySettings {
			s := it1Settings("a#1")
			s.UserMemberSettings = []LegacyRule{rule(RuleMfa, `{}`)}
			return s
		}(), "rule lists"},
		{"iteration 2 with iteration-1 fields", func() LegacySettings {
			s := it2Settings("a#1")
			s.MFAOnElevation = ptr(true)
			return s
		}(), "iteration-1 fields"},
		{"duration a timestamp", func() LegacySettings {
			s := it1Settings("a#1")
			s.ElevationDuration = "2016-10-19T10:37:00Z"
			return s
		}(), "elevationDuration"},
		{"nil approver", func() LegacySettings {
			s := it1Settings("a#1")
			s.ApproverIDs = []GUID{{}}
			return s
		}(), "approverIds[0]"},
		{"rule without identifier", it2Settings("a#1", rule(" ", `{}`)), "userMemberSettings[0]"},
		{"setting not JSON", it2Settings("a#1", rule(RuleMfa, `{'mfaRequired'= true}`)), "not a JSON object"},
		{"setting not an object", it2Settings("a#1", rule("FancyRule", `[1]`)), "not a JSON object"},
		{"setting of the wrong shape", it2Settings("a#1", rule(RuleMfa, `{"mfaRequired":"yes"}`)), "mfaRequired"},
		{"negative period", it2Settings("a#1", rule(RuleExpiration, `{"maximumGrantPeriodInMinutes":-5}`)), "negative"},
		{"approver not a GUID", it2Settings("a#1", rule(RuleApproval, `{"Enabled":true,"Approvers":[{"Id":"alice","Type":"User"}]}`)), "ApprovalRule"},
		{"approver without id", it2Settings("a#1", rule(RuleApproval, `{"Enabled":true,"Approvers":[{"Type":"Group"}]}`)), "Approvers[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Check = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestUnknownRules(t *testing.T) {
	s := it2Settings("a#1", LegacyRule{RuleIdentifier: "mfarule", Setting: "{}"}, LegacyRule{RuleIdentifier: "FancyRule", Setting: "{}"})
	s.AdminEligibleSettings = []LegacyRule{{RuleIdentifier: "OtherRule", Setting: "{}"}}
	got := s.UnknownRules()
	want := []string{"adminEligibleSettings: OtherRule", "userMemberSettings: FancyRule"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UnknownRules = %q, want %q", got, want)
	}
	if k, ok := KnownRule(" mfarule"); !ok || k != RuleMfa {
		t.Errorf("KnownRule(mfarule) = %q, %v", k, ok)
	}
}

// TestBuilderSettingsIgnoreOrder: settings records are all kept, sorted by
// role, origin and source, whatever order they came in; one of another
// tenant is rejected.
func TestBuilderSettingsIgnoreOrder(t *testing.T) {
	const tenant = "3f1c2d4e-0000-4000-8000-00000000c0de"
	sec := it1Settings("")
	sec.RoleID = rSecReader
	stricter := it1Settings("")
	stricter.ElevationDuration = "PT1H"
	recs := []SettingsRecord{
		{Pos: Pos{File: "b.json", N: 10}, Settings: it1Settings("")},
		{Pos: Pos{File: "b.json", N: 9}, Settings: stricter},
		{Pos: Pos{File: "a.jsonl", N: 3, Line: true}, TenantID: tenant, Settings: it2Settings("")},
		{Pos: Pos{File: "a.json", N: 1}, Settings: sec},
		{Pos: Pos{File: "x.json", N: 1}, TenantID: "ffffffff-0000-4000-8000-000000000000", Settings: it2Settings("")},
	}
	want := []string{"a.json#1", "b.json#9", "b.json#10", "a.jsonl:3", "a.jsonl:3"}
	if rSecReader.Compare(rGA) > 0 {
		t.Fatal("test assumes Security Reader sorts before Global Administrator")
	}
	for _, order := range [][]int{{0, 1, 2, 3, 4, 2}, {2, 4, 3, 2, 1, 0}, {2, 0, 4, 1, 2, 3}} {
		b := NewBuilder(tenant)
		for _, i := range order {
			b.AddSettings(recs[i])
		}
		l := b.Legacy(asOf)
		var got []string
		for _, s := range l.Settings {
			got = append(got, s.Source)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("order %v: sources %q, want %q", order, got, want)
		}
		if len(l.Rejected) != 1 || l.Rejected[0].Reason != RejectTenantMismatch || l.Rejected[0].Source != "x.json#1" {
			t.Errorf("order %v: rejected %+v, want x.json#1 tenant-mismatch", order, l.Rejected)
		}
	}
}

// TestWriteLegacySettings: the streamed legacy.json carries the settings
// as Legacy marshals them, reads back, and a file without settings has no
// settings member at all.
func TestWriteLegacySettings(t *testing.T) {
	b := NewBuilder("")
	b.Add(r1("a.json", 1, gAlice, rGA, true, time.Time{}))
	b.AddSettings(SettingsRecord{Pos: Pos{File: "s.json", N: 2}, Settings: it1Settings("")})
	b.AddSettings(SettingsRecord{Pos: Pos{File: "s.json", N: 1}, Settings: it2Settings("",
		LegacyRule{RuleIdentifier: RuleApproval, Setting: `{"Enabled":true,"Approvers":[]}`})})
	var buf bytes.Buffer
	if err := b.WriteLegacy(&buf, asOf); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(b.Legacy(asOf))
	var a, w any
	json.Unmarshal(buf.Bytes(), &a)
	json.Unmarshal(want, &w)
	if !reflect.DeepEqual(a, w) {
		t.Errorf("streamed\n%s\nwant\n%s", buf.Bytes(), want)
	}
	l, err := ReadLegacy(bytes.NewReader(buf.Bytes()), "legacy.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Settings, b.Settings()) || len(l.Settings) != 2 || l.Settings[0].Source != "s.json#2" {
		t.Errorf("read back %+v", l.Settings)
	}

	buf.Reset()
	b = NewBuilder("")
	b.Add(r1("a.json", 1, gAlice, rGA, true, time.Time{}))
	if err := b.WriteLegacy(&buf, asOf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "settings") {
		t.Errorf("legacy.json without settings records has a settings member:\n%s", buf.Bytes())
	}
}

func TestReadLegacyRefusesBadSettings(t *testing.T) {
	head := `{"schema":"pimmigrate.legacy/v1","assignments":[],"rejected":[],"settings":[`
	tests := map[string]string{
		"bad duration":  `{"roleId":"` + roleG + `","origin":"iteration1","source":"s#1","elevationDuration":"8 hours"}`,
		"no role":       `{"origin":"iteration1","source":"s#1","mfaOnElevation":true}`,
		"bad rule":      `{"roleId":"` + roleG + `","origin":"iteration2","source":"s#1","userMemberSettings":[{"ruleIdentifier":"MfaRule","setting":"yes"}]}`,
		"mixed origins": `{"roleId":"` + roleG + `","origin":"iteration2","source":"s#1","mfaOnElevation":true}`,
		"bad guid":      `{"roleId":"GA","origin":"iteration1","source":"s#1"}`,
	}
	for name, rec := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ReadLegacy(strings.NewReader(head+rec+`]}`), "legacy.json")
			if err == nil || !strings.Contains(err.Error(), "legacy.json") {
				t.Fatalf("err = %v, want an error naming the file", err)
			}
		})
	}
}
