package migrate

import (
	"errors"
	"fmt"
	"strings"
)

// Role providers of unified role management: the directory
// (/roleManagement/directory) and entitlement management
// (/roleManagement/entitlementManagement).
const (
	ProviderDirectory   = "directory"
	ProviderEntitlement = "entitlementManagement"
)

// Skip reasons of a scope that cannot be used
// (docs/design.md, "Scopes and providers").
const (
	ReasonScopeNotFound   = "scope-not-found"
	ReasonRoleNotScopable = "role-not-scopable"
)

// WarnNeedsDirectoryReaders: a service principal or a guest holding a role
// at an administrative unit cannot use it without Directory Readers at the
// tenant (MicrosoftDocs/entra-docs, admin-units-assign-roles.md).
const WarnNeedsDirectoryReaders = "needs-directory-readers"

// ScopeKind is what a scope is.
type ScopeKind uint8

// Scope kinds. The zero value is the tenant.
const (
	ScopeTenant             ScopeKind = iota // "/"
	ScopeAdministrativeUnit                  // "/administrativeUnits/{id}"
	ScopeAttributeSet                        // "/attributeSets/{id}"
	ScopeApplication                         // "/{applicationObjectId}"
	ScopeCatalog                             // appScopeId "/AccessPackageCatalog/{id}" (entitlement management)
)

var scopeKindNames = [...]string{"tenant", "administrative unit", "attribute set", "application", "access package catalog"}

func (k ScopeKind) String() string {
	if int(k) < len(scopeKindNames) {
		return scopeKindNames[k]
	}
	return fmt.Sprintf("scope kind %d", k)
}

// Provider is the provider whose scopes include this kind: the tenant is
// both providers'; a catalog only entitlement management's.
func (k ScopeKind) Provider() string {
	if k == ScopeCatalog {
		return ProviderEntitlement
	}
	return ProviderDirectory
}

// Scope prefixes as Graph writes them.
const (
	prefixAU      = "/administrativeUnits/"
	prefixAttrSet = "/attributeSets/"
	prefixCatalog = "/AccessPackageCatalog/"
	prefixApp     = "app:"
)

// ScopeRef is a scope as a CSV names it, before it is resolved against the
// tenant: its kind and the id or display name written after the prefix.
type ScopeRef struct {
	Kind ScopeKind
	// Ref is the id or the name as written ("" for the tenant). For an
	// application it is the object id (ByID) or, after "app:", the appId
	// or the display name.
	Ref string
	// ByID is true when Ref is an id: a GUID, or an attribute set's id
	// (attribute sets have no other name).
	ByID bool
	// AppForm is true for "app:<display name or appId>".
	AppForm bool
}

// Scope is a resolved scope: its kind, the id of the object it names and
// that object's display name (both empty for the tenant).
type Scope struct {
	Kind ScopeKind
	// ObjectID is the object's id: a lower-case GUID, or an attribute
	// set's id as the tenant spells it.
	ObjectID string
	Name     string
}

// TenantScope is "/".
var TenantScope = Scope{}

// ID is the scope as Graph takes it: directoryScopeId for the directory
// provider, appScopeId for a catalog.
func (s Scope) ID() string {
	if s.Kind == ScopeTenant {
		return DirectoryScopeRoot
	}
	return s.Kind.prefix() + s.ObjectID
}

// prefix is what comes before the object's id in a scope of this kind.
func (k ScopeKind) prefix() string {
	switch k {
	case ScopeAdministrativeUnit:
		return prefixAU
	case ScopeAttributeSet:
		return prefixAttrSet
	case ScopeCatalog:
		return prefixCatalog
	}
	return "/"
}

// ErrScopeSyntax is wrapped by every error of ParseScopeRef.
var ErrScopeSyntax = errors.New("not a scope")

// scopeForms is what a scope cell may hold, for error messages.
const scopeForms = `"/", "/administrativeUnits/<id or display name>", "/attributeSets/<id>", ` +
	`"/<application object id>", "app:<display name or appId>"`

// ParseScopeRef reads a scope as an admin writes it in a CSV. provider
// decides the forms allowed: the directory's (scopeForms) or entitlement
// management's ("/" and "/AccessPackageCatalog/<id or display name>").
// Prefixes compare in any case; an id is kept lower case.
func ParseScopeRef(s, provider string) (ScopeRef, error) {
	s = strings.TrimSpace(s)
	cut := func(prefix string) (string, bool) {
		rest, ok := cutFold(s, prefix)
		return strings.TrimSpace(rest), ok
	}
	ref := func(kind ScopeKind, v string) (ScopeRef, error) {
		if v == "" {
			return ScopeRef{}, fmt.Errorf("%w: %q names no %s after the prefix", ErrScopeSyntax, s, kind)
		}
		if g, err := ParseGUID(v); err == nil {
			return ScopeRef{Kind: kind, Ref: g.String(), ByID: true}, nil
		}
		return ScopeRef{Kind: kind, Ref: v}, nil
	}
	if s == DirectoryScopeRoot {
		return ScopeRef{Kind: ScopeTenant, ByID: true}, nil
	}
	if provider == ProviderEntitlement {
		if v, ok := cut(prefixCatalog); ok {
			return ref(ScopeCatalog, v)
		}
		return ScopeRef{}, fmt.Errorf(`%w: %q: an entitlement-management scope is "/" or "/AccessPackageCatalog/<id or display name>"`, ErrScopeSyntax, s)
	}
	if v, ok := cut(prefixAU); ok {
		return ref(ScopeAdministrativeUnit, v)
	}
	if v, ok := cut(prefixAttrSet); ok {
		if v == "" || strings.ContainsAny(v, " \t/") {
			return ScopeRef{}, fmt.Errorf("%w: %q: an attribute set id has no spaces or slashes (the seed's example is /attributeSets/Engineering)", ErrScopeSyntax, s)
		}
		return ScopeRef{Kind: ScopeAttributeSet, Ref: v, ByID: true}, nil
	}
	if v, ok := cut(prefixApp); ok {
		r, err := ref(ScopeApplication, v)
		r.AppForm = true
		return r, err
	}
	if _, ok := cut(prefixCatalog); ok {
		return ScopeRef{}, fmt.Errorf("%w: %q is an access package catalog: that scope belongs to provider entitlementManagement", ErrScopeSyntax, s)
	}
	if v, ok := cut("/"); ok {
		if g, err := ParseGUID(v); err == nil {
			return ScopeRef{Kind: ScopeApplication, Ref: g.String(), ByID: true}, nil
		}
	}
	return ScopeRef{}, fmt.Errorf("%w: %q; write one of %s", ErrScopeSyntax, s, scopeForms)
}

// String is the reference as it would be written in a CSV.
func (r ScopeRef) String() string {
	switch {
	case r.Kind == ScopeTenant:
		return DirectoryScopeRoot
	case r.AppForm:
		return prefixApp + r.Ref
	}
	return r.Kind.prefix() + r.Ref
}

// ScopedKey is the plan item key of a grant
// (docs/design.md, "Scopes and providers"): Key(principal, role) for the
// directory at "/", unchanged; "@" and the lower-case scope id appended for
// any other scope; "em:" in front for the entitlement-management provider.
func ScopedKey(principal, role GUID, provider, scopeID string) string {
	k := Key(principal, role)
	if scopeID != "" && scopeID != DirectoryScopeRoot {
		k += "@" + strings.ToLower(scopeID)
	}
	if provider == ProviderEntitlement {
		k = "em:" + k
	}
	return k
}

// DisplayName names the scope's object for people: its display name, or
// an attribute set's id (which is its name); empty for the tenant.
func (s Scope) DisplayName() string {
	if s.Kind == ScopeAttributeSet && s.Name == "" {
		return s.ObjectID
	}
	return s.Name
}

// ScopeLabel names a target's scope for people, shortly: "/" for the
// directory's tenant, "all catalogs" for entitlement management's, else
// the kind and the object's name ("AU Contoso Europe", "attr set
// Engineering", "app Payroll", "catalog Sales"), or its id when the name
// is not known. The review list shows it in a column of its own, narrow
// at 80 columns: the kinds are short.
func ScopeLabel(t *Target, name string) string {
	id := t.ScopeID()
	ref, err := ParseScopeRef(id, t.ProviderName())
	switch {
	case err != nil:
		return id
	case ref.Kind == ScopeTenant && t.Provider == ProviderEntitlement:
		return "all catalogs"
	case ref.Kind == ScopeTenant:
		return DirectoryScopeRoot
	}
	if name == "" {
		name = ref.Ref
	}
	return scopeLabelKinds[ref.Kind] + " " + name
}

var scopeLabelKinds = map[ScopeKind]string{
	ScopeAdministrativeUnit: "AU", ScopeAttributeSet: "attr set", ScopeApplication: "app", ScopeCatalog: "catalog",
}
