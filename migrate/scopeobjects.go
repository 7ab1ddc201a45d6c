package migrate

import (
	"errors"
	"fmt"
	"strings"
)

// ScopeObject is an object a scope can name: an administrative unit, an
// attribute set (ID is its name-like id, DisplayName empty), an
// application (AppID set) or an access package catalog.
type ScopeObject struct {
	ID          string // a GUID, or an attribute set's id
	DisplayName string
	AppID       string // applications only
}

// ScopeObjects are the tenant's objects that scopes name, as the planner
// reads them (GET /directory/administrativeUnits, /directory/attributeSets,
// /applications, /identityGovernance/entitlementManagement/catalogs).
type ScopeObjects struct {
	AdministrativeUnits []ScopeObject
	AttributeSets       []ScopeObject
	Applications        []ScopeObject
	Catalogs            []ScopeObject
}

// Errors of Resolve, for errors.Is.
var (
	ErrScopeNotFound  = errors.New(ReasonScopeNotFound)
	ErrScopeAmbiguous = errors.New("scope-ambiguous")
)

// Resolve finds the object a reference names: by id (GUIDs in any case;
// attribute set ids too, which the attributeSet resource documents as case
// insensitive), or by display name in any case; an application after
// "app:" by appId or display name.
// A name two objects share is ErrScopeAmbiguous (write the id instead); no
// match is ErrScopeNotFound, whose text is the skip reason.
func (o *ScopeObjects) Resolve(ref ScopeRef) (Scope, error) {
	var list []ScopeObject
	switch ref.Kind {
	case ScopeTenant:
		return TenantScope, nil
	case ScopeAdministrativeUnit:
		list = o.AdministrativeUnits
	case ScopeAttributeSet:
		list = o.AttributeSets
	case ScopeApplication:
		list = o.Applications
	case ScopeCatalog:
		list = o.Catalogs
	}
	var found []ScopeObject
	for _, obj := range list {
		var hit bool
		switch {
		case ref.AppForm && ref.ByID:
			hit = strings.EqualFold(obj.AppID, ref.Ref)
		case ref.ByID:
			hit = strings.EqualFold(obj.ID, ref.Ref)
		default:
			hit = strings.EqualFold(obj.DisplayName, ref.Ref)
		}
		if hit {
			found = append(found, obj)
		}
	}
	switch len(found) {
	case 0:
		return Scope{}, fmt.Errorf("%w: %s: the tenant has no %s %s", ErrScopeNotFound, ref, ref.Kind, describeRef(ref))
	case 1:
		id := found[0].ID
		if g, err := ParseGUID(id); err == nil {
			id = g.String()
		}
		return Scope{Kind: ref.Kind, ObjectID: id, Name: found[0].DisplayName}, nil
	}
	return Scope{}, fmt.Errorf("%w: %s: %d %ss are called %q; write the object id instead", ErrScopeAmbiguous, ref, len(found), ref.Kind, ref.Ref)
}

func describeRef(ref ScopeRef) string {
	switch {
	case ref.AppForm && ref.ByID:
		return "with appId " + ref.Ref
	case ref.ByID:
		return "with id " + ref.Ref
	}
	return fmt.Sprintf("called %q", ref.Ref)
}

// CheckScope resolves ref and checks that role can be assigned there: the
// scope, or a skip reason (ReasonScopeNotFound, ReasonRoleNotScopable) and
// the detail for the report. An ambiguous name is an error: the input
// must say which object it means.
func (o *ScopeObjects) CheckScope(ref ScopeRef, role ScopeRole) (s Scope, reason, detail string, err error) {
	s, err = o.Resolve(ref)
	switch {
	case errors.Is(err, ErrScopeNotFound):
		return Scope{}, ReasonScopeNotFound, err.Error(), nil
	case err != nil:
		return Scope{}, "", "", err
	}
	if r := ScopeAllowed(role, s); r != "" {
		return s, r, fmt.Sprintf("%s: role %s cannot be assigned at a %s", ref, role.ID, s.Kind), nil
	}
	return s, "", "", nil
}
