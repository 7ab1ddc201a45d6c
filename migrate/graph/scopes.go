package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// ScopeObjects reads the objects that scopes of the given kinds name:
// administrative units (GET /directory/administrativeUnits), attribute sets
// (/directory/attributeSets, which needs CustomSecAttributeDefinition.Read.All),
// app registrations (/applications) and access package catalogs
// (/identityGovernance/entitlementManagement/catalogs, which needs
// EntitlementManagement.Read.All). Kinds not asked for are not read.
func (c *Client) ScopeObjects(ctx context.Context, kinds map[migrate.ScopeKind]bool) (migrate.ScopeObjects, error) {
	var o migrate.ScopeObjects
	if kinds[migrate.ScopeAdministrativeUnit] {
		b := c.api.Directory().AdministrativeUnits()
		cfg := &directory.AdministrativeUnitsRequestBuilderGetRequestConfiguration{QueryParameters: &directory.AdministrativeUnitsRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName"}, Top: &pageSize}}
		err := listAll(ctx, c, "list administrativeUnits", func(ctx context.Context, next string) (models.AdministrativeUnitCollectionResponseable, error) {
			if next != "" {
				return b.WithUrl(next).Get(ctx, nil)
			}
			return b.Get(ctx, cfg)
		}, func(a models.AdministrativeUnitable) {
			o.AdministrativeUnits = append(o.AdministrativeUnits, migrate.ScopeObject{ID: deref(a.GetId()), DisplayName: deref(a.GetDisplayName())})
		})
		if err != nil {
			return o, withHint(err, "reading administrative units needs AdministrativeUnit.Read.All or Directory.Read.All")
		}
	}
	if kinds[migrate.ScopeAttributeSet] {
		b := c.api.Directory().AttributeSets()
		cfg := &directory.AttributeSetsRequestBuilderGetRequestConfiguration{QueryParameters: &directory.AttributeSetsRequestBuilderGetQueryParameters{
			Select: []string{"id", "description"}}}
		err := listAll(ctx, c, "list attributeSets", func(ctx context.Context, next string) (models.AttributeSetCollectionResponseable, error) {
			if next != "" {
				return b.WithUrl(next).Get(ctx, nil)
			}
			return b.Get(ctx, cfg)
		}, func(a models.AttributeSetable) {
			o.AttributeSets = append(o.AttributeSets, migrate.ScopeObject{ID: deref(a.GetId())})
		})
		if err != nil {
			return o, withHint(err, "reading attribute sets needs CustomSecAttributeDefinition.Read.All")
		}
	}
	if kinds[migrate.ScopeApplication] {
		b := c.api.Applications()
		cfg := &applications.ApplicationsRequestBuilderGetRequestConfiguration{QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{
			Select: []string{"id", "appId", "displayName"}, Top: &pageSize}}
		err := listAll(ctx, c, "list applications", func(ctx context.Context, next string) (models.ApplicationCollectionResponseable, error) {
			if next != "" {
				return b.WithUrl(next).Get(ctx, nil)
			}
			return b.Get(ctx, cfg)
		}, func(a models.Applicationable) {
			o.Applications = append(o.Applications, migrate.ScopeObject{ID: deref(a.GetId()), AppID: deref(a.GetAppId()), DisplayName: deref(a.GetDisplayName())})
		})
		if err != nil {
			return o, withHint(err, "reading app registrations needs Application.Read.All or Directory.Read.All")
		}
	}
	if kinds[migrate.ScopeCatalog] {
		b := c.api.IdentityGovernance().EntitlementManagement().Catalogs()
		cfg := &identitygovernance.EntitlementManagementCatalogsRequestBuilderGetRequestConfiguration{QueryParameters: &identitygovernance.EntitlementManagementCatalogsRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName"}}}
		err := listAll(ctx, c, "list access package catalogs", func(ctx context.Context, next string) (models.AccessPackageCatalogCollectionResponseable, error) {
			if next != "" {
				return b.WithUrl(next).Get(ctx, nil)
			}
			return b.Get(ctx, cfg)
		}, func(a models.AccessPackageCatalogable) {
			o.Catalogs = append(o.Catalogs, migrate.ScopeObject{ID: deref(a.GetId()), DisplayName: deref(a.GetDisplayName())})
		})
		if err != nil {
			return o, withHint(err, "reading access package catalogs needs EntitlementManagement.Read.All")
		}
	}
	return o, nil
}

// GroupMembers reads the transitive members of each group reference of a
// scope rules file (migrate.ScopeRules.Groups: an id, or a display name
// found with $filter), keyed by the reference as written. A name no group
// has, or that two groups share, is an error: the rule must say which
// group it means.
func (c *Client) GroupMembers(ctx context.Context, refs []string) (map[string][]migrate.GUID, error) {
	out := make(map[string][]migrate.GUID, len(refs))
	for _, ref := range refs {
		id, err := c.groupID(ctx, ref)
		if err != nil {
			return nil, err
		}
		b := c.api.Groups().ByGroupId(id).TransitiveMembers()
		cfg := &groups.ItemTransitiveMembersRequestBuilderGetRequestConfiguration{QueryParameters: &groups.ItemTransitiveMembersRequestBuilderGetQueryParameters{
			Select: []string{"id"}, Top: &pageSize}}
		var ids []migrate.GUID
		err = listAll(ctx, c, "list transitive members of group "+ref, func(ctx context.Context, next string) (models.DirectoryObjectCollectionResponseable, error) {
			if next != "" {
				return b.WithUrl(next).Get(ctx, nil)
			}
			return b.Get(ctx, cfg)
		}, func(o models.DirectoryObjectable) {
			if g, ok := guid(o.GetId()); ok {
				ids = append(ids, g)
			}
		})
		if err != nil {
			return nil, withHint(err, "reading group members needs GroupMember.Read.All or Directory.Read.All")
		}
		out[ref] = ids
	}
	return out, nil
}

// groupID is the id of the group a rule names: the id as written, or the
// one group with that display name.
func (c *Client) groupID(ctx context.Context, ref string) (string, error) {
	if g, err := migrate.ParseGUID(ref); err == nil {
		return g.String(), nil
	}
	filter := "displayName eq '" + strings.ReplaceAll(ref, "'", "''") + "'"
	cfg := &groups.GroupsRequestBuilderGetRequestConfiguration{QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName"}, Filter: &filter}}
	b := c.api.Groups()
	var ids []string
	err := listAll(ctx, c, "find group "+ref, func(ctx context.Context, next string) (models.GroupCollectionResponseable, error) {
		if next != "" {
			return b.WithUrl(next).Get(ctx, nil)
		}
		return b.Get(ctx, cfg)
	}, func(g models.Groupable) { ids = append(ids, deref(g.GetId())) })
	switch {
	case err != nil:
		return "", withHint(err, readPermissionHint)
	case len(ids) == 0:
		return "", fmt.Errorf("group:%s: the tenant has no group called %q; write the group's object id or its exact display name", ref, ref)
	case len(ids) > 1:
		return "", fmt.Errorf("group:%s: %d groups are called %q; write the group's object id instead", ref, len(ids), ref)
	}
	return ids[0], nil
}
