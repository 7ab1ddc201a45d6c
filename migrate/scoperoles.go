package migrate

import "strings"

// Which roles can take which scope. Graph has no isAssignableToAU (or
// similar) property, so the lists live here with the role catalogue.

// auScopable are the built-in roles that can be assigned at an
// administrative unit (MicrosoftDocs/entra-docs,
// admin-units-assign-roles.md, "Roles that can be assigned with
// administrative unit scope"; March 2024).
var auScopable = map[GUID]bool{
	MustGUID("c4e39bd9-1100-46d3-8c65-fb160da0071f"): true, // Authentication Administrator
	MustGUID("7698a772-787b-4ac8-901f-60d6b08affd2"): true, // Cloud Device Administrator
	MustGUID("fdd7a751-b60b-444a-984c-02652fe8fa1c"): true, // Groups Administrator
	MustGUID("729827e3-9c14-49f7-bb1b-9608f156bbb8"): true, // Helpdesk Administrator
	MustGUID("4d6ac14f-3453-41d0-bef9-a3e0c569773a"): true, // License Administrator
	MustGUID("966707d0-3269-4727-9be2-8c3a10f19b9d"): true, // Password Administrator
	MustGUID("644ef478-e28f-4e28-b9dc-3fdde9aa0b1f"): true, // Printer Administrator
	MustGUID("7be44c8a-adaf-4e2a-84d6-ab2649e08a13"): true, // Privileged Authentication Administrator
	MustGUID("f28a1f50-f6e7-4571-818b-6a12f2af6b6c"): true, // SharePoint Administrator
	MustGUID("69091246-20e8-4a56-aa4d-066075b2a7a8"): true, // Teams Administrator
	MustGUID("3d762c5a-1b6c-493f-843e-55a3b42923d4"): true, // Teams Devices Administrator
	MustGUID("fe930be7-5e62-47db-91af-98c3a49a38b1"): true, // User Administrator
}

// attributeSetScopable are the attribute roles, which can be assigned at an
// attribute set (MicrosoftDocs/entra-docs,
// custom-security-attributes-manage.md: Attribute Definition and
// Attribute Assignment Administrator and Reader "can be assigned at tenant
// or attribute set scope").
var attributeSetScopable = map[GUID]bool{
	MustGUID("58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d"): true, // Attribute Assignment Administrator
	MustGUID("ffd52fa5-98dc-465c-991d-fc073eb59f8f"): true, // Attribute Assignment Reader
	MustGUID("8424c6f0-a189-499e-bbd0-26c1753c96d4"): true, // Attribute Definition Administrator
	MustGUID("1d336d2c-4ae8-42ef-9711-b3604ce3fc2c"): true, // Attribute Definition Reader
}

// appScopable are the built-in roles that can be assigned at one app
// registration. Unconfirmed: Microsoft publishes no list (entra-docs,
// assign-roles-different-scopes.md: the portal shows "the roles which have
// permissions related to managing app registrations only"); these two are
// the built-in roles whose permissions are all about applications.
var appScopable = map[GUID]bool{
	MustGUID("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"): true, // Application Administrator
	MustGUID("158c047a-c907-4556-b7ef-446551a6b5f7"): true, // Cloud Application Administrator
}

// DirectoryReadersRole is Directory Readers' template id: the role a
// service principal or guest with an AU-scoped role also needs at "/".
var DirectoryReadersRole = MustGUID("88d8e3e3-8f55-4a1e-953a-9b9898b8876b")

// customScopeActions are the resourceAction prefixes that let a custom role
// take a scope: user, group or device permissions for an administrative
// unit (entra-docs, admin-units-assign-roles.md); application permissions
// for an app registration; custom security attribute permissions for an
// attribute set (Unconfirmed: the docs name only the built-in roles).
var customScopeActions = map[ScopeKind][]string{
	ScopeAdministrativeUnit: {"microsoft.directory/users/", "microsoft.directory/groups/", "microsoft.directory/devices/"},
	ScopeApplication:        {"microsoft.directory/applications/"},
	ScopeAttributeSet:       {"microsoft.directory/attributesets/", "microsoft.directory/customsecurityattributedefinitions/"},
}

// EntitlementRole ids: the built-in roles of the entitlement management
// provider (microsoft-graph-docs-contrib, rbacapplication-list-roledefinitions.md,
// "Retrieve role definitions for the entitlement management provider").
var (
	CatalogOwnerRole                   = MustGUID("ae79f266-94d4-4dab-b730-feca7e132178")
	CatalogReaderRole                  = MustGUID("44272f93-9762-48e8-af59-1b5351b1d6b3")
	CatalogCreatorRole                 = MustGUID("ba92d953-d8e0-4e39-a797-0cbedb0a89e8")
	AccessPackageManagerRole           = MustGUID("7f480852-ebdc-47d4-87de-0d8498384a83")
	AccessPackageAssignmentManagerRole = MustGUID("e2182095-804a-4656-ae11-64734e9b7ae5")
)

// EntitlementRoles are the entitlement-management roles in the order Graph
// lists them. DisplayName is Graph's; FormerNames holds the names the
// entitlement-management documentation uses, which --add also accepts.
func EntitlementRoles() []BuiltinRole {
	return []BuiltinRole{
		{TemplateID: CatalogOwnerRole, DisplayName: "Catalog owner"},
		{TemplateID: CatalogReaderRole, DisplayName: "Catalog reader"},
		{TemplateID: AccessPackageManagerRole, DisplayName: "AccessPackages manager", FormerNames: []string{"Access package manager"}},
		{TemplateID: CatalogCreatorRole, DisplayName: "Catalog creator"},
		{TemplateID: AccessPackageAssignmentManagerRole, DisplayName: "AccessPackage assignment manager", FormerNames: []string{"Access package assignment manager"}},
	}
}

// FindEntitlementRole finds an entitlement-management role by template id
// or by name (Graph's or the documentation's, in any case).
func FindEntitlementRole(idOrName string) (BuiltinRole, bool) {
	idOrName = strings.TrimSpace(idOrName)
	g, err := ParseGUID(idOrName)
	for _, r := range EntitlementRoles() {
		if err == nil && r.TemplateID == g || err != nil && r.hasName(idOrName) {
			return r, true
		}
	}
	return BuiltinRole{}, false
}

// hasName reports whether the role is called name now or was before, in
// any case.
func (r BuiltinRole) hasName(name string) bool {
	if strings.EqualFold(r.DisplayName, name) {
		return true
	}
	for _, n := range r.FormerNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// ScopeRole is what ScopeAllowed needs to know of a role.
type ScopeRole struct {
	// ID is the role's template id (a built-in role's is fixed).
	ID       GUID
	BuiltIn  bool
	Provider string // ProviderDirectory when empty
	// ResourceActions are a custom role's allowed resource actions, nil
	// when not known (then the scope is allowed and Graph decides).
	ResourceActions []string
}

// ScopeAllowed returns "" when the role can be assigned at the scope, else
// ReasonRoleNotScopable. The tenant takes every role of its provider; an
// administrative unit the AU-scopable built-in roles; an attribute set the
// attribute roles; an app registration the application roles; a catalog
// every entitlement-management role but Catalog creator (Unconfirmed:
// creating catalogs is tenant-wide). A custom directory role takes a scope
// when one of its actions concerns what the scope holds.
func ScopeAllowed(role ScopeRole, s Scope) string {
	provider := role.Provider
	if provider == "" {
		provider = ProviderDirectory
	}
	if s.Kind != ScopeTenant && s.Kind.Provider() != provider {
		return ReasonRoleNotScopable
	}
	var builtin map[GUID]bool
	switch s.Kind {
	case ScopeTenant:
		return ""
	case ScopeCatalog:
		if role.ID == CatalogCreatorRole {
			return ReasonRoleNotScopable
		}
		return ""
	case ScopeAdministrativeUnit:
		builtin = auScopable
	case ScopeAttributeSet:
		builtin = attributeSetScopable
	case ScopeApplication:
		builtin = appScopable
	}
	if role.BuiltIn {
		if builtin[role.ID] {
			return ""
		}
		return ReasonRoleNotScopable
	}
	if role.ResourceActions == nil {
		return ""
	}
	for _, a := range role.ResourceActions {
		for _, p := range customScopeActions[s.Kind] {
			if strings.HasPrefix(strings.ToLower(a), p) {
				return ""
			}
		}
	}
	return ReasonRoleNotScopable
}

// NeedsDirectoryReaders reports whether a principal holding a role at s
// also needs Directory Readers at "/" to use it: a service principal or a
// guest user at an administrative unit. principalType is "user", "group"
// or "servicePrincipal"; userType is the user's ("Guest" or "Member").
func NeedsDirectoryReaders(principalType, userType string, s Scope) bool {
	if s.Kind != ScopeAdministrativeUnit {
		return false
	}
	return strings.EqualFold(principalType, "servicePrincipal") ||
		strings.EqualFold(principalType, "user") && strings.EqualFold(userType, "Guest")
}
