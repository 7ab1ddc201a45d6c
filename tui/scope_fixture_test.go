package tui

import (
	"slices"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The scope objects of scopedPlan.
const (
	auParis    = "/administrativeUnits/a0000000-0000-4000-8000-00000000a001"
	auLong     = "/administrativeUnits/a0000000-0000-4000-8000-00000000a00b"
	appPayroll = "/a0000000-0000-4000-8000-00000000a002"
	catSales   = "/AccessPackageCatalog/a0000000-0000-4000-8000-00000000a003"
)

// scopedPlan is testPlan(40) with what --scope-rules and --add bring, as
// the planner makes it: legacy grants narrowed to an administrative unit
// (one with a long name), an app registration and a unit that does not
// exist; a service principal's narrowed grant with the Directory Readers
// item offered for it; --add items at an attribute set, at a catalog and
// at "/" of entitlement management, and one each for a principal and a
// role the tenant does not have.
func scopedPlan() *migrate.Plan {
	p := testPlan(40)
	byName := map[string]*migrate.Item{}
	for i := range p.Items {
		byName[p.Items[i].Principal.DisplayName] = &p.Items[i]
	}
	// scoped is an item for the principal of the named item: legacy when
	// rule is set, else added by row.
	scoped := func(name, role, roleName, provider, scope, scopeName, rule, row string) migrate.Item {
		base := byName[name]
		pid, rid := migrate.GUID{}, migrate.MustGUID(role)
		var pr migrate.PrincipalInfo
		if name != "" {
			pid, pr = base.Target.PrincipalID, base.Principal
		}
		it := migrate.Item{Key: migrate.ScopedKey(pid, rid, provider, scope), Principal: pr, Role: migrate.RoleInfo{DisplayName: roleName, Privileged: true},
			Action: migrate.ActionCreate, Warnings: []string{}, ScopeRule: rule, Added: row, ScopeName: scopeName,
			Target: migrate.Target{Kind: migrate.KindRoleAssignment, PrincipalID: pid, RoleDefinitionID: rid, Provider: provider, DirectoryScopeID: scope}}
		if provider == migrate.ProviderEntitlement {
			it.Target.DirectoryScopeID, it.Target.AppScopeID = "", scope
		}
		if row != "" {
			it.Class, it.Reason = migrate.ClassAdded, string(migrate.ClassAdded)
			it.Target.Justification = "pimmigrate: added by " + row
			return it
		}
		it.Legacy = base.Legacy
		it.Legacy.RoleID, it.Legacy.ID, it.Legacy.State, it.Legacy.IsElevated = rid, migrate.Key(pid, rid), migrate.StatePermanent, true
		it.Class, it.Reason = migrate.ClassPermanent, string(migrate.StatePermanent)
		it.Target.Justification = "pimmigrate: migrated from legacy PIM iteration1 assignment " + it.Legacy.ID
		return it
	}
	const (
		helpdesk = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
		userAdm  = "fe930be7-5e62-47db-91af-98c3a49a38b1"
		appAdm   = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
		attrAsg  = "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d"
	)
	owner, reader, readers := migrate.CatalogOwnerRole.String(), migrate.CatalogReaderRole.String(), migrate.DirectoryReadersRole.String()
	sp := scoped("Contoso HR Provisioning", userAdm, "User Administrator", "", auLong, "Paris Office – Île-de-France Region", "rules.csv:3", "")
	sp.Warnings = []string{migrate.WarnNeedsDirectoryReaders}
	dr := scoped("Contoso HR Provisioning", readers, "Directory Readers", "", "/", "", "rules.csv:3", migrate.AddedDirectoryReaders)
	dr.Reason, dr.Role.Privileged = migrate.ReasonDirectoryReaders, false
	lyon := scoped("Brian Vance", userAdm, "User Administrator", "", "/administrativeUnits/Lyon", "", "rules.csv:5", "")
	lyon.Action, lyon.Reason = migrate.ActionSkip, migrate.ReasonScopeNotFound
	attrs := scoped("Allan Vance", attrAsg, "Attribute Assignment Administrator", "", "/attributeSets/Engineering", "Engineering", "", "assignments.csv:3")
	attrs.Target.Kind, attrs.Target.Expiration = migrate.KindEligibilityRequest, &migrate.Expiration{Type: migrate.ExpirationNone}
	nobody := scoped("", reader, "Catalog reader", migrate.ProviderEntitlement, "/", "", "", "assignments.csv:5")
	nobody.Action, nobody.Reason = migrate.ActionSkip, migrate.ReasonPrincipalNotFound
	// A role name the tenant does not have: no role id, no name.
	noRole := scoped("Debra Vance", migrate.GUID{}.String(), "", "", "/", "", "", "assignments.csv:6")
	noRole.Action, noRole.Reason, noRole.Role.Privileged = migrate.ActionSkip, migrate.ReasonRoleNotFound, false
	p.Items = append(p.Items,
		scoped("Adele Vance", helpdesk, "Helpdesk Administrator", "", auParis, "Paris", "rules.csv:2", ""),
		scoped("Adele Vance", owner, "Catalog owner", migrate.ProviderEntitlement, catSales, "Sales", "", "assignments.csv:2"),
		scoped("Allan Vance", appAdm, "Application Administrator", "", appPayroll, "Payroll", "rules.csv:4", ""),
		scoped("Brian Vance", reader, "Catalog reader", migrate.ProviderEntitlement, "/", "", "", "assignments.csv:4"),
		sp, dr, lyon, attrs, nobody, noRole)
	slices.SortFunc(p.Items, func(a, b migrate.Item) int { return strings.Compare(a.Key, b.Key) })
	p.Seal()
	return p
}
