package migrate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseScopeRules(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // the rules, one "role | principal | scope" a line; or the error
		err      bool
	}{
		{"rows", "role,principal,scope\nHelpdesk Administrator,alice@Contoso.example,/administrativeUnits/Europe\n*,group:Tier 1,/\n" +
			strings.ToUpper(rUserAdmin) + "," + strings.ToUpper(gAliceForScopes) + ",app:Payroll\n",
			"2 Helpdesk Administrator | alice@contoso.example | /administrativeUnits/Europe\n3 * | group:Tier 1 | /\n" +
				"4 " + rUserAdmin + " | " + gAliceForScopes + " | app:Payroll\n", false},
		{"BOM, CRLF, columns in another order and case, quotes",
			"\ufeffScope,ROLE,Principal\r\n\"/administrativeUnits/Europe, West\",\"User \"\"Admin\"\"\",group:" + strings.ToUpper(tAU) + "\r\n",
			"2 User \"Admin\" | group:" + tAU + " | /administrativeUnits/Europe, West\n", false},
		{"semicolons (Excel in many locales)", "role;principal;scope\nUser Administrator;bob@contoso.example;/\n",
			"2 User Administrator | bob@contoso.example | /\n", false},
		{"blank rows and comments skipped", "role,principal,scope\n,,\n# a note\n\nUser Administrator,bob@contoso.example,/\n",
			"5 User Administrator | bob@contoso.example | /\n", false},
		{"formula-looking cells are data", "role,principal,scope\n=1+1,group:@admins,/\n",
			"2 =1+1 | group:@admins | /\n", false},
		{"header only", "role,principal,scope\n", "", false},
		{"empty file", "", "rules.csv: the file is empty; the first row must name the columns: role,principal,scope", true},
		{"no header", "User Administrator,bob@contoso.example,/\n", `rules.csv:1: unknown column "User Administrator"`, true},
		{"missing column", "role,principal\nx,y\n", "rules.csv:1: no column scope; the first row of a scope rules file must name the columns role, principal, scope", true},
		{"column twice", "role,principal,scope,Role\n", `rules.csv:1: column "role" appears twice`, true},
		{"UTF-16", "\xff\xfer\x00o\x00", `rules.csv: the file is UTF-16 text; save it as "CSV UTF-8 (Comma delimited)"`, true},
		{"bad role", "role,principal,scope\n,bob@contoso.example,/\n", "rules.csv:2: role: empty; write a role's display name or id, or * for any role", true},
		{"bad principal", "role,principal,scope\nUser Administrator,bob,/\n",
			`rules.csv:2: principal: "bob" is not an object id (GUID) or a user principal name, group:<group id or display name>, or * for anyone`, true},
		{"group without a name", "role,principal,scope\nUser Administrator,group: ,/\n", `rules.csv:2: principal: "group:" names no group`, true},
		{"bad scope", "role,principal,scope\nx,bob@contoso.example,/\nUser Administrator,bob@contoso.example,/directory\n", `rules.csv:3: scope: not a scope: "/directory"; write one of`, true},
		{"catalog scope", "role,principal,scope\nx,bob@contoso.example,/AccessPackageCatalog/General\n", "provider entitlementManagement", true},
		{"too many fields", "role,principal,scope\nx,bob@contoso.example,/,extra\n", "rules.csv:2: the row has a different number of fields than the header; a value holding a comma must be in double quotes", true},
		{"stray quote", "role,principal,scope\nx,\"bob\"x,/\n", "rules.csv:2: column 7: extraneous or missing \" in quoted-field", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseScopeRules(strings.NewReader(tt.in), "rules.csv")
			if !wantCSVResult(t, err, tt.err, tt.want) {
				return
			}
			var b strings.Builder
			for _, r := range rs.Rules {
				fmt.Fprintf(&b, "%d %s | %s | %s\n", r.Pos.N, r.Role, r.Principal, r.Scope)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestRuleMatcher(t *testing.T) {
	const (
		alice = "a11ce000-0000-4000-8000-000000000001"
		bob   = "b0b00000-0000-4000-8000-000000000002"
		carol = "ca201000-0000-4000-8000-000000000003"
		tier1 = "96000000-0000-4000-8000-000000000001"
		dirID = "d1dd0000-0000-4000-8000-0000000000a1" // a directory-specific id of Helpdesk Administrator
	)
	const helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	file := "role,principal,scope\n" +
		"Helpdesk Administrator,alice@contoso.example,/administrativeUnits/Europe\n" + // 2
		helpdesk + ",group:" + tier1 + ",/administrativeUnits/Asia\n" + // 3
		"User Administrator,group:Tier 2,/administrativeUnits/Europe\n" + // 4
		"*," + carol + ",/administrativeUnits/Carol\n" + // 5
		"Global Administrator,bob@contoso.example,/\n" + // 6: never matches
		"*,alice@contoso.example,/administrativeUnits/Shadowed\n" // 7: only after row 2
	rs, err := ParseScopeRules(strings.NewReader(file), "rules.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rs.Groups(), ","); got != tier1+",Tier 2" {
		t.Errorf("groups %q", got)
	}
	m := NewRuleMatcher(rs, map[string][]GUID{
		strings.ToUpper(tier1): {MustGUID(bob), MustGUID(alice)},
		"tier 2":               {MustGUID(bob)},
	})
	helpdeskGrant := func(who, upn string) Grant {
		return Grant{PrincipalID: MustGUID(who), UPN: upn, RoleIDs: []GUID{MustGUID(helpdesk), MustGUID(dirID)}, RoleNames: []string{"Helpdesk Administrator"}}
	}
	ua := func(who, upn string) Grant {
		return Grant{PrincipalID: MustGUID(who), UPN: upn, RoleIDs: []GUID{MustGUID(rUserAdmin)}, RoleNames: []string{"User Administrator", "User Account Administrator"}}
	}
	tests := []struct {
		name string
		g    Grant
		line int // 0: no rule
	}{
		{"by UPN in another case, role by name", helpdeskGrant(alice, "Alice@Contoso.example"), 2},
		{"first match wins over a later group row", helpdeskGrant(alice, "alice@contoso.example"), 2},
		{"group by id, role by id", helpdeskGrant(bob, "bob@contoso.example"), 3},
		{"group by name, resolved in another case", ua(bob, "bob@contoso.example"), 4},
		{"role by a former name does not matter: by current", Grant{PrincipalID: MustGUID(bob), RoleIDs: []GUID{MustGUID(rUserAdmin)}, RoleNames: []string{"user administrator"}}, 4},
		{"any role, principal by id", ua(carol, ""), 5},
		{"any role for alice after row 2's role", ua(alice, "alice@contoso.example"), 7},
		{"no rule: stays at the tenant", Grant{PrincipalID: MustGUID(tier1), RoleIDs: []GUID{MustGUID(rGlobalAdmin)}, RoleNames: []string{"Global Administrator"}}, 0},
		{"UPN rule does not match a principal without UPN", Grant{PrincipalID: MustGUID(bob), RoleIDs: []GUID{MustGUID(rGlobalAdmin)}, RoleNames: []string{"Global Administrator"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := m.Match(tt.g)
			if ok != (tt.line != 0) || r.Pos.N != tt.line {
				t.Errorf("matched line %d (%v), want %d", r.Pos.N, ok, tt.line)
			}
		})
	}
	var unmatched []string
	for _, r := range m.Unmatched() {
		unmatched = append(unmatched, r.Pos.String())
	}
	if got := strings.Join(unmatched, " "); got != "rules.csv:6" {
		t.Errorf("unmatched %q, want rules.csv:6", got)
	}
}

// wantCSVResult checks a reader's error: a CSVError containing want when
// wantErr, none otherwise. It reports whether there is a result to check.
func wantCSVResult(t *testing.T, err error, wantErr bool, want string) bool {
	t.Helper()
	var ce *CSVError
	switch {
	case wantErr && (err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &ce)):
		t.Fatalf("got %v\nwant a CSVError containing %q", err, want)
	case !wantErr && err != nil:
		t.Fatal(err)
	}
	return !wantErr
}
