package migrate

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseAddFile(t *testing.T) {
	const head = "principal,role,scope,kind,start,end,provider\n"
	tests := []struct {
		name, in string
		want     string // one row a line, or the error
		err      bool
	}{
		{"directory and entitlement rows",
			head + "Alice@Contoso.example,Attribute Assignment Administrator,/attributeSets/Engineering,eligible,2026-01-31,2026-12-31 17:00,\n" +
				strings.ToUpper(gAliceForScopes) + ",Catalog owner,/AccessPackageCatalog/General,ACTIVE,,,entitlementManagement\n" +
				"bob@contoso.example,User Administrator,/,active,2026-01-31T08:00:00+01:00,,directory\n",
			"2 directory eligible alice@contoso.example Attribute Assignment Administrator /attributeSets/Engineering 2026-01-31T00:00:00Z 2026-12-31T17:00:00Z\n" +
				"3 entitlementManagement active " + gAliceForScopes + " Catalog owner /AccessPackageCatalog/General - -\n" +
				"4 directory active bob@contoso.example User Administrator / 2026-01-31T07:00:00Z -\n", false},
		{"optional columns left out", "kind,scope,role,principal\r\nactive,app:Payroll,Application Administrator,bob@contoso.example\r\n",
			"2 directory active bob@contoso.example Application Administrator app:Payroll - -\n", false},
		{"missing kind column", "principal,role,scope\n", "add.csv:1: no column kind", true},
		{"unknown column", "principal,role,scope,kind,expiry\n", `add.csv:1: unknown column "expiry"`, true},
		{"group: principal", head + "group:Admins,User Administrator,/,active,,,\n", "add.csv:2: principal: \"group:Admins\": group: (a group's members) is for scope rules", true},
		{"any role", head + "bob@contoso.example,*,/,active,,,\n", "add.csv:2: role: * (any role) is for scope rules", true},
		{"bad kind", head + "bob@contoso.example,User Administrator,/,permanent,,,\n", `add.csv:2: kind: "permanent" is not eligible or active`, true},
		{"bad provider", head + "bob@contoso.example,User Administrator,/,active,,,azure\n", `add.csv:2: provider: "azure" is not directory or entitlementManagement`, true},
		{"bad date", head + "bob@contoso.example,User Administrator,/,active,31/01/2026,,\n", `add.csv:2: start: "31/01/2026" is not a date`, true},
		{"end before start", head + "bob@contoso.example,User Administrator,/,active,2026-02-01,2026-01-01,\n", "add.csv:2: end: 2026-01-01T00:00:00Z is not after start", true},
		{"catalog scope on the directory", head + "bob@contoso.example,Catalog owner,/AccessPackageCatalog/General,active,,,\n", "add.csv:2: scope:", true},
		{"AU on entitlement management", head + "bob@contoso.example,Catalog owner,/administrativeUnits/Europe,active,,,entitlementManagement\n", "add.csv:2: scope:", true},
		{"eligible entitlement role", head + "bob@contoso.example,Catalog owner,/,eligible,,,entitlementManagement\n", "add.csv:2: kind: entitlement-management roles cannot be eligible", true},
		{"entitlement role with an end", head + "bob@contoso.example,Catalog owner,/,active,,2026-01-01,entitlementManagement\n", "add.csv:2: start/end: entitlement-management role assignments have no schedule", true},
		{"the same row twice", head + "bob@contoso.example,User Administrator,/,active,,,\nBOB@contoso.example,user administrator,/,eligible,,,directory\n",
			"add.csv:3: the same principal, role, scope and provider as line 2; keep one of the two rows", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ParseAddFile(strings.NewReader(tt.in), "add.csv")
			if !wantCSVResult(t, err, tt.err, tt.want) {
				return
			}
			var b strings.Builder
			for _, a := range rows {
				fmt.Fprintf(&b, "%d %s %s %s %s %s %s %s\n", a.Pos.N, a.Provider, a.Kind, a.Principal, a.Role, a.Scope, fmtTime(a.Start), fmtTime(a.End))
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
