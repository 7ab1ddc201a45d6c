package migrate

import (
	"errors"
	"strings"
	"testing"
)

var (
	rHelpdesk = MustGUID("729827e3-9c14-49f7-bb1b-9608f156bbb8")
	rUserAdm  = MustGUID("fe930be7-5e62-47db-91af-98c3a49a38b1")
	rAttrAsg  = MustGUID("58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d")
	rAppAdm   = MustGUID("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3")
	auParis   = MustGUID("a0000000-0000-4000-8000-00000000a001")
	appPay    = MustGUID("a0000000-0000-4000-8000-00000000a002")
	catSales  = MustGUID("a0000000-0000-4000-8000-00000000a003")
)

func scopedTenant() *Tenant {
	t := testTenant()
	t.Scopes = ScopeObjects{
		AdministrativeUnits: []ScopeObject{{ID: auParis.String(), DisplayName: "Paris"}, {ID: "a0000000-0000-4000-8000-00000000a009", DisplayName: "Twin"}, {ID: "a0000000-0000-4000-8000-00000000a00a", DisplayName: "twin"}},
		AttributeSets:       []ScopeObject{{ID: "Engineering"}},
		Applications:        []ScopeObject{{ID: appPay.String(), AppID: "0000aaaa-0000-4000-8000-000000000001", DisplayName: "Payroll"}},
		Catalogs:            []ScopeObject{{ID: catSales.String(), DisplayName: "Sales"}},
	}
	t.GroupMembers = map[string][]GUID{"helpdesk team": {gAlice, gApp}}
	t.RoleAssignments = []RoleAssignment{{ID: "ra1", PrincipalID: gDisabled, RoleDefinitionID: rUserAdm, DirectoryScopeID: "/"}}
	t.EntitlementAssignments = []RoleAssignment{{ID: "em1", PrincipalID: gDisabled, RoleDefinitionID: CatalogReaderRole, AppScopeID: "/"}}
	return t
}

func scopeRules(t *testing.T, csv string) *ScopeRules {
	t.Helper()
	rs, err := ParseScopeRules(strings.NewReader(csv), "rules.csv")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func addRows(t *testing.T, csv string) []AddRow {
	t.Helper()
	rows, err := ParseAddFile(strings.NewReader(csv), "add.csv")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPlanScopeRulesAndAdds(t *testing.T) {
	legacy := []Assignment{
		rec(gAlice, rHelpdesk, false, nil),                                   // group rule → AU Paris, eligible
		withType(rec(gApp, rHelpdesk, true, nil), PrincipalServicePrincipal), // group rule → AU, a service principal: Directory Readers
		rec(gGuest, rAttrAsg, true, nil),                                     // attribute set
		rec(gDisabled, rUserAdm, true, nil),                                  // rule by UPN; tenant holds it at "/"
		rec(gBreak, rGA, true, nil),                                          // Global Administrator at an AU: not scopable
		rec(gAlice, rAppAdm, true, nil),                                      // app: by name
		rec(gGuest, rSecReader, false, nil),                                  // no rule: stays at "/"
		rec(gAlice, rUserAdm, false, nil),                                    // rule names a missing AU
	}
	rules := scopeRules(t, "role,principal,scope\n"+
		"Helpdesk Administrator,group:Helpdesk team,/administrativeUnits/Paris\n"+
		"Attribute Assignment Administrator,*,/attributeSets/engineering\n"+
		"User Administrator,dis@contoso.example,/administrativeUnits/"+auParis.String()+"\n"+
		"Global Administrator,*,/administrativeUnits/Paris\n"+
		"Application Administrator,"+gAlice.String()+",app:Payroll\n"+
		"Password Administrator,*,/administrativeUnits/Paris\n"+
		"User Administrator,*,/administrativeUnits/Lyon\n")
	adds := addRows(t, "principal,role,scope,kind,end,provider\n"+
		"alice@contoso.example,Catalog owner,/AccessPackageCatalog/Sales,active,,entitlementManagement\n"+
		gGuest.String()+","+rAttrAsg.String()+",/attributeSets/Engineering,eligible,2027-01-31,\n"+
		"dis@contoso.example,Catalog reader,/,active,,entitlementManagement\n"+
		"alice@contoso.example,Catalog creator,/AccessPackageCatalog/Sales,active,,entitlementManagement\n"+
		"alice@contoso.example,Helpdesk Administrator,/administrativeUnits/Nowhere,eligible,,\n"+
		"alice@contoso.example,Helpdesk Administrator,/administrativeUnits/Paris,eligible,,\n")
	p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: legacy}, Tenant: scopedTenant(), Policy: DefaultPolicy(),
		Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf, ScopeRules: rules, Adds: adds})
	if err != nil {
		t.Fatal(err)
	}
	au := "/administrativeUnits/" + auParis.String()
	type want struct {
		action Action
		reason string
		scope  string
		name   string
		extra  string // a warning, or the Added mark
	}
	wants := map[string]want{
		ScopedKey(gAlice, rHelpdesk, ProviderDirectory, au):                                                    {ActionCreate, "eligible", au, "Paris", ""},
		ScopedKey(gApp, rHelpdesk, ProviderDirectory, au):                                                      {ActionCreate, "permanent", au, "Paris", WarnNeedsDirectoryReaders},
		Key(gApp, DirectoryReadersRole):                                                                        {ActionCreate, ReasonDirectoryReaders, "/", "", AddedDirectoryReaders},
		ScopedKey(gGuest, rAttrAsg, ProviderDirectory, "/attributeSets/Engineering"):                           {ActionCreate, "permanent", "/attributeSets/Engineering", "Engineering", ""},
		ScopedKey(gDisabled, rUserAdm, ProviderDirectory, au):                                                  {ActionCreate, "permanent", au, "Paris", WarnWiderGrantPresent},
		ScopedKey(gBreak, rGA, ProviderDirectory, au):                                                          {ActionSkip, ReasonRoleNotScopable, au, "Paris", ""},
		ScopedKey(gAlice, rAppAdm, ProviderDirectory, "/"+appPay.String()):                                     {ActionCreate, "permanent", "/" + appPay.String(), "Payroll", ""},
		Key(gGuest, rSecReader):                                                                                {ActionCreate, "eligible", "/", "", ""},
		ScopedKey(gAlice, rUserAdm, ProviderDirectory, "/administrativeUnits/Lyon"):                            {ActionSkip, ReasonScopeNotFound, "/administrativeUnits/Lyon", "", ""},
		ScopedKey(gAlice, CatalogOwnerRole, ProviderEntitlement, "/AccessPackageCatalog/"+catSales.String()):   {ActionCreate, "added", "/AccessPackageCatalog/" + catSales.String(), "Sales", "add.csv:2"},
		ScopedKey(gDisabled, CatalogReaderRole, ProviderEntitlement, "/"):                                      {ActionPresent, ReasonAlreadyAssigned, "/", "", "add.csv:4"},
		ScopedKey(gAlice, CatalogCreatorRole, ProviderEntitlement, "/AccessPackageCatalog/"+catSales.String()): {ActionSkip, ReasonRoleNotScopable, "/AccessPackageCatalog/" + catSales.String(), "Sales", "add.csv:5"},
		ScopedKey(gAlice, rHelpdesk, ProviderDirectory, "/administrativeUnits/Nowhere"):                        {ActionSkip, ReasonScopeNotFound, "/administrativeUnits/Nowhere", "", "add.csv:6"},
	}
	got := map[string]*Item{}
	for i := range p.Items {
		got[p.Items[i].Key] = &p.Items[i]
		if i > 0 && p.Items[i-1].Key >= p.Items[i].Key {
			t.Errorf("items out of key order: %s before %s", p.Items[i-1].Key, p.Items[i].Key)
		}
	}
	for k, w := range wants {
		it := got[k]
		if it == nil {
			t.Errorf("no item %s (have %v)", k, keysOf(got))
			continue
		}
		if it.Action != w.action || it.Reason != w.reason || it.Target.ScopeID() != w.scope || it.ScopeName != w.name {
			t.Errorf("%s: %s %s at %q (%q), want %s %s at %q (%q)", k, it.Action, it.Reason, it.Target.ScopeID(), it.ScopeName, w.action, w.reason, w.scope, w.name)
		}
		if w.extra != "" && it.Added != w.extra && !contains(it.Warnings, w.extra) {
			t.Errorf("%s: added %q, warnings %v; want %q", k, it.Added, it.Warnings, w.extra)
		}
		if it.Action == ActionCreate {
			if err := CheckSendable(p, []*Item{it}); err != nil {
				t.Errorf("%s: %v", k, err)
			}
		}
	}
	// The guest's added eligibility at the attribute set is the same key as
	// the legacy grant the rule narrowed: the legacy item is kept, the row noted.
	if len(got) != len(wants) {
		for k := range got {
			if _, ok := wants[k]; !ok {
				t.Errorf("unexpected item %s", k)
			}
		}
	}
	em := got[ScopedKey(gAlice, CatalogOwnerRole, ProviderEntitlement, "/AccessPackageCatalog/"+catSales.String())]
	if body := em.Target.RequestBody(); body["appScopeId"] != "/AccessPackageCatalog/"+catSales.String() || body["directoryScopeId"] != nil {
		t.Errorf("entitlement body %v", body)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, n := range []string{"add.csv:3: the plan already has item", "rules.csv:8: ", "the 1 grant it matched cannot go there (scope-not-found", "rules.csv:7: the rule", "matched no legacy grant"} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes lack %q:\n%s", n, notes)
		}
	}
	if s := p.Summary.Line(); !strings.Contains(s, "narrowed by scope rules") || !strings.Contains(s, "added beyond legacy") || !strings.Contains(s, "1 entitlement-management assignment") {
		t.Errorf("summary %q", s)
	}

	// The plan file reads back the same.
	var buf strings.Builder
	if err := WritePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPlan(strings.NewReader(buf.String()), "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range back.Items {
		a, b := &p.Items[i], &back.Items[i]
		if a.Key != b.Key || a.ScopeName != b.ScopeName || a.ScopeRule != b.ScopeRule || a.Added != b.Added || a.Target.Provider != b.Target.Provider || a.Target.AppScopeID != b.Target.AppScopeID {
			t.Errorf("item %d read back as %+v, want %+v", i, b, a)
		}
	}
}

func TestPlanScopeRulesRefuseAmbiguousNamesAndOffline(t *testing.T) {
	rules := scopeRules(t, "role,principal,scope\n*,*,/administrativeUnits/twin\n")
	_, err := BuildPlan(PlanInput{Legacy: &Legacy{}, Tenant: scopedTenant(), Policy: DefaultPolicy(), Catalogue: BuiltinCatalogue(), AsOf: asOf, ScopeRules: rules})
	var ce *CSVError
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(err.Error(), "write the object id") {
		t.Errorf("ambiguous name: err = %v", err)
	}
	_, err = BuildPlan(PlanInput{Legacy: &Legacy{}, Tenant: OfflineTenant(BuiltinCatalogue(), ""), Policy: DefaultPolicy(), Catalogue: BuiltinCatalogue(), AsOf: asOf, ScopeRules: rules})
	if err == nil || !strings.Contains(err.Error(), "run plan online") {
		t.Errorf("offline: err = %v", err)
	}
}

func withType(a Assignment, typ PrincipalType) Assignment {
	a.PrincipalType = typ
	return a
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func keysOf(m map[string]*Item) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestPlanAddRowsNamingNobody: --add rows whose principal or role the
// tenant does not have are each an item of their own, skipped, keyed by
// the row, and keep the name the row wrote.
func TestPlanAddRowsNamingNobody(t *testing.T) {
	adds := addRows(t, "principal,role,scope,kind\n"+
		"nobody@contoso.example,Helpdesk Administrator,/,eligible\n"+
		"noone@contoso.example,Helpdesk Administrator,/,eligible\n"+
		"alice@contoso.example,Helpdesk Admin,/,eligible\n")
	p, err := BuildPlan(PlanInput{Legacy: &Legacy{}, Tenant: scopedTenant(), Policy: DefaultPolicy(), Catalogue: BuiltinCatalogue(), AsOf: asOf, Adds: adds})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]string{
		"add:add.csv:2": {ReasonPrincipalNotFound, "nobody@contoso.example", "Helpdesk Administrator"},
		"add:add.csv:3": {ReasonPrincipalNotFound, "noone@contoso.example", "Helpdesk Administrator"},
		"add:add.csv:4": {ReasonRoleNotFound, "alice@contoso.example", "Helpdesk Admin"},
	}
	if len(p.Items) != len(want) || len(p.Notes) != 0 {
		t.Fatalf("%d items, notes %v; want %d items", len(p.Items), p.Notes, len(want))
	}
	for _, it := range p.Items {
		w, ok := want[it.Key]
		if !ok || it.Action != ActionSkip || it.Reason != w[0] || it.Principal.UserPrincipalName != w[1] || it.Role.DisplayName != w[2] {
			t.Errorf("%s: %s %s, %q as %q; want %v", it.Key, it.Action, it.Reason, it.Principal.UserPrincipalName, it.Role.DisplayName, w)
		}
	}
}
