package migrate

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

const (
	tAU      = "5b1c0000-0000-4000-8000-0000000000a1"
	tAU2     = "5b1c0000-0000-4000-8000-0000000000a2"
	tApp     = "a9900000-0000-4000-8000-0000000000b1"
	tAppID   = "a9900000-0000-4000-8000-0000000000c1"
	tCatalog = "beedadfe-01d5-4025-910b-84abb9369997"
)

func TestParseScopeRef(t *testing.T) {
	tests := []struct {
		name, in, provider string
		want               ScopeRef
		err                string // part of the error; "" for none
	}{
		{"tenant", "/", ProviderDirectory, ScopeRef{Kind: ScopeTenant, ByID: true}, ""},
		{"tenant, entitlement", " / ", ProviderEntitlement, ScopeRef{Kind: ScopeTenant, ByID: true}, ""},
		{"AU by id, upper case", "/administrativeUnits/" + strings.ToUpper(tAU), ProviderDirectory, ScopeRef{Kind: ScopeAdministrativeUnit, Ref: tAU, ByID: true}, ""},
		{"AU by name, prefix in any case", "/ADMINISTRATIVEUNITS/Europe West", ProviderDirectory, ScopeRef{Kind: ScopeAdministrativeUnit, Ref: "Europe West"}, ""},
		{"attribute set", "/attributeSets/Engineering", ProviderDirectory, ScopeRef{Kind: ScopeAttributeSet, Ref: "Engineering", ByID: true}, ""},
		{"application object id", "/" + tApp, ProviderDirectory, ScopeRef{Kind: ScopeApplication, Ref: tApp, ByID: true}, ""},
		{"app: by appId", "app:" + tAppID, ProviderDirectory, ScopeRef{Kind: ScopeApplication, Ref: tAppID, ByID: true, AppForm: true}, ""},
		{"app: by name", "App: Payroll", ProviderDirectory, ScopeRef{Kind: ScopeApplication, Ref: "Payroll", AppForm: true}, ""},
		{"catalog by id", "/AccessPackageCatalog/" + tCatalog, ProviderEntitlement, ScopeRef{Kind: ScopeCatalog, Ref: tCatalog, ByID: true}, ""},
		{"catalog by name", "/accesspackagecatalog/General", ProviderEntitlement, ScopeRef{Kind: ScopeCatalog, Ref: "General"}, ""},
		{"empty", "", ProviderDirectory, ScopeRef{}, "write one of"},
		{"AU without object", "/administrativeUnits/", ProviderDirectory, ScopeRef{}, "names no administrative unit"},
		{"attribute set with a space", "/attributeSets/Human Resources", ProviderDirectory, ScopeRef{}, "no spaces"},
		{"catalog on the directory", "/AccessPackageCatalog/" + tCatalog, ProviderDirectory, ScopeRef{}, "provider entitlementManagement"},
		{"AU on entitlement management", "/administrativeUnits/" + tAU, ProviderEntitlement, ScopeRef{}, "an entitlement-management scope is"},
		{"slash and a name", "/Payroll", ProviderDirectory, ScopeRef{}, "write one of"},
		{"formula", "=HYPERLINK(\"x\")", ProviderDirectory, ScopeRef{}, "write one of"},
		{"app: empty", "app:", ProviderDirectory, ScopeRef{}, "names no application"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScopeRef(tt.in, tt.provider)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrScopeSyntax) {
					t.Fatalf("got %+v, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestScopeRefRoundTrip(t *testing.T) {
	for _, in := range []string{"/", "/administrativeUnits/" + tAU, "/administrativeUnits/Europe", "/attributeSets/Engineering",
		"/" + tApp, "app:Payroll", "app:" + tAppID} {
		r, err := ParseScopeRef(in, ProviderDirectory)
		if err != nil || r.String() != in {
			t.Errorf("%q: parsed %+v, %v, written %q", in, r, err, r.String())
		}
	}
}

func TestScopeID(t *testing.T) {
	tests := []struct {
		s    Scope
		want string
	}{
		{TenantScope, "/"},
		{Scope{Kind: ScopeAdministrativeUnit, ObjectID: tAU}, "/administrativeUnits/" + tAU},
		{Scope{Kind: ScopeAttributeSet, ObjectID: "Engineering"}, "/attributeSets/Engineering"},
		{Scope{Kind: ScopeApplication, ObjectID: tApp}, "/" + tApp},
		{Scope{Kind: ScopeCatalog, ObjectID: tCatalog}, "/AccessPackageCatalog/" + tCatalog},
	}
	for _, tt := range tests {
		t.Run(tt.s.Kind.String(), func(t *testing.T) {
			if got := tt.s.ID(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScopedKey(t *testing.T) {
	p, r := MustGUID(strings.ToUpper(gAliceForScopes)), MustGUID(rUserAdmin)
	base := Key(p, r)
	tests := []struct {
		name, provider, scope, want string
	}{
		{"tenant-wide directory is unchanged", ProviderDirectory, "/", base},
		{"no scope is the tenant", ProviderDirectory, "", base},
		{"administrative unit", ProviderDirectory, "/administrativeUnits/" + strings.ToUpper(tAU), base + "@/administrativeunits/" + tAU},
		{"attribute set", ProviderDirectory, "/attributeSets/Engineering", base + "@/attributesets/engineering"},
		{"entitlement management at the tenant", ProviderEntitlement, "/", "em:" + base},
		{"catalog", ProviderEntitlement, "/AccessPackageCatalog/" + tCatalog, "em:" + base + "@/accesspackagecatalog/" + tCatalog},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ScopedKey(p, r, tt.provider, tt.scope); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

const (
	gAliceForScopes = "a11ce000-0000-4000-8000-000000000001"
	rUserAdmin      = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	rGlobalAdmin    = "62e90394-69f5-4237-9190-012177145e10"
	rAttrAssignAdm  = "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d"
	rAppAdmin       = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	rCustom         = "c0570000-0000-4000-8000-000000000001"
)

func testScopeObjects() *ScopeObjects {
	return &ScopeObjects{
		AdministrativeUnits: []ScopeObject{{ID: tAU, DisplayName: "Europe"}, {ID: tAU2, DisplayName: "Twin"}, {ID: "5b1c0000-0000-4000-8000-0000000000a3", DisplayName: "twin"}},
		AttributeSets:       []ScopeObject{{ID: "Engineering"}},
		Applications:        []ScopeObject{{ID: strings.ToUpper(tApp), AppID: tAppID, DisplayName: "Payroll"}},
		Catalogs:            []ScopeObject{{ID: tCatalog, DisplayName: "General"}},
	}
}

func TestResolveScope(t *testing.T) {
	o := testScopeObjects()
	tests := []struct {
		name, ref, provider string
		want                Scope
		err                 error
	}{
		{"tenant", "/", ProviderDirectory, TenantScope, nil},
		{"AU by id", "/administrativeUnits/" + tAU, ProviderDirectory, Scope{ScopeAdministrativeUnit, tAU, "Europe"}, nil},
		{"AU by name, other case", "/administrativeUnits/EUROPE", ProviderDirectory, Scope{ScopeAdministrativeUnit, tAU, "Europe"}, nil},
		{"AU name two units share", "/administrativeUnits/Twin", ProviderDirectory, Scope{}, ErrScopeAmbiguous},
		{"AU unknown", "/administrativeUnits/Asia", ProviderDirectory, Scope{}, ErrScopeNotFound},
		{"attribute set, other case", "/attributeSets/engineering", ProviderDirectory, Scope{ScopeAttributeSet, "Engineering", ""}, nil},
		{"attribute set unknown", "/attributeSets/Finance", ProviderDirectory, Scope{}, ErrScopeNotFound},
		{"application object id (stored upper case)", "/" + tApp, ProviderDirectory, Scope{ScopeApplication, tApp, "Payroll"}, nil},
		{"app: appId", "app:" + tAppID, ProviderDirectory, Scope{ScopeApplication, tApp, "Payroll"}, nil},
		{"app: the object id is not an appId", "app:" + tApp, ProviderDirectory, Scope{}, ErrScopeNotFound},
		{"app: name", "app:payroll", ProviderDirectory, Scope{ScopeApplication, tApp, "Payroll"}, nil},
		{"catalog by name", "/AccessPackageCatalog/General", ProviderEntitlement, Scope{ScopeCatalog, tCatalog, "General"}, nil},
		{"catalog unknown id", "/AccessPackageCatalog/" + tAU, ProviderEntitlement, Scope{}, ErrScopeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := ParseScopeRef(tt.ref, tt.provider)
			if err != nil {
				t.Fatal(err)
			}
			got, err := o.Resolve(ref)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestScopeAllowed(t *testing.T) {
	au := Scope{Kind: ScopeAdministrativeUnit, ObjectID: tAU}
	attr := Scope{Kind: ScopeAttributeSet, ObjectID: "Engineering"}
	app := Scope{Kind: ScopeApplication, ObjectID: tApp}
	cat := Scope{Kind: ScopeCatalog, ObjectID: tCatalog}
	builtin := func(id string) ScopeRole { return ScopeRole{ID: MustGUID(id), BuiltIn: true} }
	em := func(id GUID) ScopeRole { return ScopeRole{ID: id, BuiltIn: true, Provider: ProviderEntitlement} }
	custom := func(actions ...string) ScopeRole { return ScopeRole{ID: MustGUID(rCustom), ResourceActions: actions} }
	tests := []struct {
		name  string
		role  ScopeRole
		scope Scope
		ok    bool
	}{
		{"Global Administrator at the tenant", builtin(rGlobalAdmin), TenantScope, true},
		{"User Administrator at an AU", builtin(rUserAdmin), au, true},
		{"Global Administrator at an AU", builtin(rGlobalAdmin), au, false},
		{"User Administrator at an attribute set", builtin(rUserAdmin), attr, false},
		{"Attribute Assignment Administrator at an attribute set", builtin(rAttrAssignAdm), attr, true},
		{"Attribute Assignment Administrator at an AU", builtin(rAttrAssignAdm), au, false},
		{"Application Administrator at an app", builtin(rAppAdmin), app, true},
		{"User Administrator at an app", builtin(rUserAdmin), app, false},
		{"directory role at a catalog", builtin(rUserAdmin), cat, false},
		{"Catalog owner at a catalog", em(CatalogOwnerRole), cat, true},
		{"Catalog owner at the tenant", em(CatalogOwnerRole), TenantScope, true},
		{"Catalog creator at a catalog", em(CatalogCreatorRole), cat, false},
		{"Catalog reader at an AU", em(CatalogReaderRole), au, false},
		{"custom role, permissions unknown, at an AU", ScopeRole{ID: MustGUID(rCustom)}, au, true},
		{"custom role with user permissions at an AU", custom("microsoft.directory/users/password/update"), au, true},
		{"custom role with device permissions at an AU", custom("microsoft.directory/devices/disable"), au, true},
		{"custom role with only app permissions at an AU", custom("microsoft.directory/applications/basic/update"), au, false},
		{"custom role with app permissions at an app", custom("Microsoft.Directory/Applications/credentials/update"), app, true},
		{"custom role with user permissions at an app", custom("microsoft.directory/users/basic/update"), app, false},
		{"custom role with attribute permissions at an attribute set", custom("microsoft.directory/attributeSets/allProperties/read"), attr, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScopeAllowed(tt.role, tt.scope)
			if (got == "") != tt.ok || (got != "" && got != ReasonRoleNotScopable) {
				t.Errorf("got %q, want allowed %v", got, tt.ok)
			}
		})
	}
}

// TestScopableRolesInCatalogue ties the lists to the role catalogue and to
// the names Microsoft's pages give.
func TestScopableRolesInCatalogue(t *testing.T) {
	c := BuiltinCatalogue()
	tests := []struct {
		name string
		set  map[GUID]bool
		want string
	}{
		{"administrative unit", auScopable, "Authentication Administrator|Cloud Device Administrator|Groups Administrator|Helpdesk Administrator|" +
			"License Administrator|Password Administrator|Printer Administrator|Privileged Authentication Administrator|SharePoint Administrator|" +
			"Teams Administrator|Teams Devices Administrator|User Administrator"},
		{"attribute set", attributeSetScopable, "Attribute Assignment Administrator|Attribute Assignment Reader|Attribute Definition Administrator|Attribute Definition Reader"},
		{"application", appScopable, "Application Administrator|Cloud Application Administrator"},
		{"directory readers", map[GUID]bool{DirectoryReadersRole: true}, "Directory Readers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			for id := range tt.set {
				r, ok := c.Lookup(id)
				if !ok {
					t.Fatalf("%s is not in the built-in catalogue", id)
				}
				names = append(names, r.DisplayName)
			}
			sort.Strings(names)
			if got := strings.Join(names, "|"); got != tt.want {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCheckScope(t *testing.T) {
	o := testScopeObjects()
	ua := ScopeRole{ID: MustGUID(rUserAdmin), BuiltIn: true}
	ga := ScopeRole{ID: MustGUID(rGlobalAdmin), BuiltIn: true}
	tests := []struct {
		name, ref    string
		role         ScopeRole
		reason, want string
		err          error
	}{
		{"valid", "/administrativeUnits/Europe", ua, "", "/administrativeUnits/" + tAU, nil},
		{"unknown AU", "/administrativeUnits/Asia", ua, ReasonScopeNotFound, "/", nil},
		{"role not scopable", "/administrativeUnits/Europe", ga, ReasonRoleNotScopable, "/administrativeUnits/" + tAU, nil},
		{"ambiguous name", "/administrativeUnits/twin", ua, "", "/", ErrScopeAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := ParseScopeRef(tt.ref, ProviderDirectory)
			if err != nil {
				t.Fatal(err)
			}
			s, reason, detail, err := o.CheckScope(ref, tt.role)
			if !errors.Is(err, tt.err) || reason != tt.reason || s.ID() != tt.want || (reason != "") != (detail != "") {
				t.Errorf("got %q %q %q %v; want %q %q %v", s.ID(), reason, detail, err, tt.want, tt.reason, tt.err)
			}
		})
	}
}

func TestNeedsDirectoryReaders(t *testing.T) {
	au := Scope{Kind: ScopeAdministrativeUnit, ObjectID: tAU}
	tests := []struct {
		name, ptype, utype string
		s                  Scope
		want               bool
	}{
		{"service principal at an AU", "servicePrincipal", "", au, true},
		{"guest at an AU", "user", "Guest", au, true},
		{"member at an AU", "user", "Member", au, false},
		{"group at an AU", "group", "", au, false},
		{"service principal at the tenant", "servicePrincipal", "", TenantScope, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsDirectoryReaders(tt.ptype, tt.utype, tt.s); got != tt.want {
				t.Errorf("got %v", got)
			}
		})
	}
}

func TestFindEntitlementRole(t *testing.T) {
	tests := []struct {
		in   string
		want GUID
		ok   bool
	}{
		{"Catalog owner", CatalogOwnerRole, true},
		{"CATALOG READER", CatalogReaderRole, true},
		{"Access package manager", AccessPackageManagerRole, true},
		{"AccessPackages manager", AccessPackageManagerRole, true},
		{"Access package assignment manager", AccessPackageAssignmentManagerRole, true},
		{strings.ToUpper(CatalogCreatorRole.String()), CatalogCreatorRole, true},
		{"Global Administrator", GUID{}, false},
		{rGlobalAdmin, GUID{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, ok := FindEntitlementRole(tt.in)
			if ok != tt.ok || r.TemplateID != tt.want {
				t.Errorf("got %v %v", r.TemplateID, ok)
			}
		})
	}
}

func TestScopeLabel(t *testing.T) {
	au := "/administrativeUnits/" + auParisForLabel
	tests := []struct {
		name string
		t    Target
		obj  string
		want string
	}{
		{"tenant", Target{DirectoryScopeID: "/"}, "", "/"},
		{"AU by name", Target{DirectoryScopeID: au}, "Paris", "AU Paris"},
		{"AU without a name", Target{DirectoryScopeID: au}, "", "AU " + auParisForLabel},
		{"attribute set", Target{DirectoryScopeID: "/attributeSets/Engineering"}, "Engineering", "attr set Engineering"},
		{"app", Target{DirectoryScopeID: "/" + auParisForLabel}, "Payroll", "app Payroll"},
		{"entitlement tenant", Target{Provider: ProviderEntitlement, AppScopeID: "/"}, "", "all catalogs"},
		{"catalog", Target{Provider: ProviderEntitlement, AppScopeID: "/AccessPackageCatalog/" + auParisForLabel}, "Sales", "catalog Sales"},
		{"not a scope", Target{DirectoryScopeID: "/administrativeUnits/Nowhere x/y"}, "", "AU Nowhere x/y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ScopeLabel(&tt.t, tt.obj); got != tt.want {
				t.Errorf("ScopeLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

const auParisForLabel = "a0000000-0000-4000-8000-00000000a001"
