package report

import (
	"slices"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Scope objects and roles of the scoped fixture.
const (
	helpdeskRole = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	userAdmRole  = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	attrAsgRole  = "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d"
	appAdmRole   = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	auParis      = "/administrativeUnits/a0000000-0000-4000-8000-00000000a001"
	appPayroll   = "/a0000000-0000-4000-8000-00000000a002"
	catSales     = "/AccessPackageCatalog/a0000000-0000-4000-8000-00000000a003"
	syncApp      = "5e000000-0000-4000-8000-000000000001"
)

// scopedPlan is testPlan(demoItems) with the items --scope-rules and --add
// give, as the planner makes them: legacy grants narrowed to an
// administrative unit and an app registration, one whose rule names a
// missing unit, a service principal's narrowed grant with the Directory
// Readers item offered for it, and --add rows of both providers at every
// scope, one for a principal and one for a role the tenant does not have.
func scopedPlan() *migrate.Plan {
	p := testPlan(demoItems)
	alice, bob, carol := demoItems[0].principal, demoItems[1].principal, demoItems[2].principal
	principal := func(i int) migrate.PrincipalInfo { return p.Items[i].Principal }
	sync := migrate.PrincipalInfo{DisplayName: "Payroll Sync", Type: migrate.PrincipalServicePrincipal}
	end := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
	legacy := func(principal, role, source string, st migrate.State) migrate.Assignment {
		pid, rid := migrate.MustGUID(principal), migrate.MustGUID(role)
		return migrate.Assignment{ID: migrate.Key(pid, rid), UserID: pid, RoleID: rid, PrincipalType: migrate.PrincipalUser,
			IsElevated: st == migrate.StatePermanent, State: st, Origin: migrate.OriginIteration2, Source: source}
	}
	item := func(pr migrate.PrincipalInfo, principal, role, roleName, provider, scope, scopeName string, kind migrate.TargetKind) migrate.Item {
		pid, rid := migrate.MustGUID(principal), migrate.MustGUID(role)
		t := migrate.Target{Kind: kind, PrincipalID: pid, RoleDefinitionID: rid, Provider: provider, DirectoryScopeID: scope}
		if provider == migrate.ProviderEntitlement {
			t.DirectoryScopeID, t.AppScopeID = "", scope
		}
		return migrate.Item{Key: migrate.ScopedKey(pid, rid, provider, scope), Principal: pr, Role: migrate.RoleInfo{DisplayName: roleName},
			Action: migrate.ActionCreate, Warnings: []string{}, Target: t, ScopeName: scopeName}
	}
	narrowed := func(it migrate.Item, rule string, st migrate.State) migrate.Item {
		it.Legacy = legacy(it.Target.PrincipalID.String(), it.Target.RoleDefinitionID.String(), "aadRoles.json#"+rule[len("rules.csv:"):], st)
		it.Legacy.PrincipalType = it.Principal.Type
		it.Class, it.Reason, it.ScopeRule = migrate.Class(st), string(st), rule
		return it
	}
	added := func(it migrate.Item, row string) migrate.Item {
		it.Class, it.Reason, it.Added = migrate.ClassAdded, string(migrate.ClassAdded), row
		return it
	}
	skip := func(it migrate.Item, reason string) migrate.Item {
		it.Action, it.Reason = migrate.ActionSkip, reason
		return it
	}
	paris := narrowed(item(principal(0), alice, helpdeskRole, "Helpdesk Administrator", "", auParis, "Paris", migrate.KindRoleAssignment), "rules.csv:2", migrate.StatePermanent)
	payroll := narrowed(item(principal(0), alice, appAdmRole, "Application Administrator", "", appPayroll, "Payroll", migrate.KindRoleAssignment), "rules.csv:4", migrate.StatePermanent)
	lyon := skip(narrowed(item(principal(2), carol, userAdmRole, "User Administrator", "", "/administrativeUnits/Lyon", "", migrate.KindEligibilityRequest),
		"rules.csv:5", migrate.StateEligible), migrate.ReasonScopeNotFound)
	syncAU := narrowed(item(sync, syncApp, userAdmRole, "User Administrator", "", auParis, "Paris", migrate.KindRoleAssignment), "rules.csv:3", migrate.StatePermanent)
	syncAU.Warnings = []string{migrate.WarnNeedsDirectoryReaders}
	readers := added(item(sync, syncApp, migrate.DirectoryReadersRole.String(), "Directory Readers", "", "/", "", migrate.KindRoleAssignment), migrate.AddedDirectoryReaders)
	readers.Reason, readers.ScopeRule = migrate.ReasonDirectoryReaders, "rules.csv:3"
	owner := added(item(principal(0), alice, migrate.CatalogOwnerRole.String(), "Catalog owner", migrate.ProviderEntitlement, catSales, "Sales", migrate.KindRoleAssignment), "assignments.csv:2")
	attrs := added(item(principal(1), bob, attrAsgRole, "Attribute Assignment Administrator", "", "/attributeSets/Engineering", "Engineering", migrate.KindEligibilityRequest), "assignments.csv:3")
	attrs.Target.Expiration = &migrate.Expiration{Type: migrate.ExpirationAfter, EndDateTime: &end}
	// A UPN the tenant does not have: the planner knows no principal id.
	nobody := skip(added(item(migrate.PrincipalInfo{}, migrate.GUID{}.String(), migrate.CatalogReaderRole.String(), "Catalog reader", migrate.ProviderEntitlement, "/", "", migrate.KindRoleAssignment),
		"assignments.csv:4"), migrate.ReasonPrincipalNotFound)
	// A role name the tenant does not have: no role id, no name.
	noRole := skip(added(item(principal(2), carol, migrate.GUID{}.String(), "", "", "/", "", migrate.KindRoleAssignment), "assignments.csv:5"), migrate.ReasonRoleNotFound)
	p.Items = append(p.Items, paris, payroll, lyon, syncAU, readers, owner, attrs, nobody, noRole)
	slices.SortFunc(p.Items, func(a, b migrate.Item) int { return strings.Compare(a.Key, b.Key) })
	p.Seal()
	return p
}

// scopedRun is demoRun with outcomes of the scoped items: the catalog
// owner and the narrowed Helpdesk grant created, Directory Readers failed.
func scopedRun(p *migrate.Plan) *Run {
	r := demoRun(testPlan(demoItems))
	at := applied.Add(50 * time.Second)
	for _, it := range p.Items {
		switch {
		case it.Target.Provider == migrate.ProviderEntitlement && it.Action == migrate.ActionCreate:
			r.Items[it.Key] = Outcome{Outcome: "created", ObjectID: "em-ra-1", Status: 201, RequestID: "req-em", Attempts: 1, At: at}
		case it.ScopeName == "Paris" && it.Principal.DisplayName == "Alice Adams":
			r.Items[it.Key] = Outcome{Outcome: "created", ObjectID: "au-ra-1", Status: 201, RequestID: "req-au", Attempts: 1, At: at}
		case it.Added == migrate.AddedDirectoryReaders:
			r.Items[it.Key] = Outcome{Outcome: "failed", Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges", RequestID: "req-dr", Attempts: 1, At: at}
		}
	}
	return r
}
