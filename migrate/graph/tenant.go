package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/directoryobjects"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	rm "github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// readPermissionHint names what reading the tenant needs.
const readPermissionHint = "reading the tenant needs RoleManagement.Read.Directory and Directory.Read.All (or the ReadWrite forms)"

// pageSize is the $top of list reads: Graph's largest page for these
// collections, so a big tenant is read in few requests.
var pageSize int32 = 999

// getByIdsChunk is Graph's limit of ids per directoryObjects/getByIds call.
const getByIdsChunk = 1000

// TenantID reads the signed-in tenant's id from /organization.
func (c *Client) TenantID(ctx context.Context) (string, error) {
	var id string
	err := c.read(ctx, "read organization", func(ctx context.Context) error {
		res, err := c.api.Organization().Get(ctx, nil)
		if err != nil {
			return err
		}
		if v := res.GetValue(); len(v) > 0 {
			id = strings.ToLower(deref(v[0].GetId()))
		}
		return nil
	})
	if err != nil {
		return "", withHint(err, readPermissionHint)
	}
	if id == "" {
		return "", fmt.Errorf("read organization: Graph returned no organization; check --graph-url")
	}
	return id, nil
}

// ReadTenant reads what the planner compares against: the role
// definitions, role assignments and eligibility schedules, and the
// principals named by principalIDs and by those assignments, resolved with
// directoryObjects/getByIds in chunks of 1,000. Objects with ids that are
// not GUIDs are skipped: they cannot match a legacy record.
func (c *Client) ReadTenant(ctx context.Context, principalIDs []migrate.GUID) (*migrate.Tenant, error) {
	return c.readTenant(ctx, principalIDs, false)
}

// ReadAuditTenant reads what ReadTenant reads and also the active assignment
// schedules (their assignment type and end), resolving their principals too.
// Like ReadTenant it needs only RoleManagement.Read.Directory and
// Directory.Read.All.
func (c *Client) ReadAuditTenant(ctx context.Context, principalIDs []migrate.GUID) (*migrate.Tenant, error) {
	return c.readTenant(ctx, principalIDs, true)
}

func (c *Client) readTenant(ctx context.Context, principalIDs []migrate.GUID, schedules bool) (*migrate.Tenant, error) {
	t := &migrate.Tenant{}
	var err error
	if t.TenantID, err = c.TenantID(ctx); err != nil {
		return nil, err
	}
	if t.RoleDefinitions, err = c.roleDefinitions(ctx); err != nil {
		return nil, withHint(err, readPermissionHint)
	}
	if t.RoleAssignments, err = c.RoleAssignments(ctx); err != nil {
		return nil, withHint(err, readPermissionHint)
	}
	if t.EligibilitySchedules, err = c.EligibilitySchedules(ctx); err != nil {
		return nil, withHint(err, readPermissionHint)
	}
	if schedules {
		if t.AssignmentSchedules, err = c.AssignmentSchedules(ctx); err != nil {
			return nil, withHint(err, readPermissionHint)
		}
	}
	want := map[migrate.GUID]bool{}
	for _, id := range principalIDs {
		want[id] = true
	}
	for _, ra := range t.RoleAssignments {
		want[ra.PrincipalID] = true
	}
	for _, es := range t.EligibilitySchedules {
		want[es.PrincipalID] = true
	}
	for _, as := range t.AssignmentSchedules {
		want[as.PrincipalID] = true
	}
	ids := make([]migrate.GUID, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Compare(ids[j]) < 0 })
	if t.Principals, err = c.Principals(ctx, ids); err != nil {
		return nil, withHint(err, readPermissionHint)
	}
	return t, nil
}

func (c *Client) roleDefinitions(ctx context.Context) ([]migrate.RoleDefinition, error) {
	b := c.api.RoleManagement().Directory().RoleDefinitions()
	cfg := &rm.DirectoryRoleDefinitionsRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleDefinitionsRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "isBuiltIn", "isEnabled", "templateId", "rolePermissions"}}}
	return c.listRoleDefinitions(ctx, "list roleDefinitions", func(ctx context.Context, next string) (models.UnifiedRoleDefinitionCollectionResponseable, error) {
		if next != "" {
			return b.WithUrl(next).Get(ctx, nil)
		}
		return b.Get(ctx, cfg)
	})
}

// listRoleDefinitions reads every page get gives of a provider's role
// definitions; a custom role keeps its allowed resource actions.
func (c *Client) listRoleDefinitions(ctx context.Context, op string, get func(context.Context, string) (models.UnifiedRoleDefinitionCollectionResponseable, error)) ([]migrate.RoleDefinition, error) {
	var out []migrate.RoleDefinition
	err := listAll(ctx, c, op, get, func(d models.UnifiedRoleDefinitionable) {
		id, ok := guid(d.GetId())
		if !ok {
			return
		}
		tmpl, _ := guid(d.GetTemplateId())
		def := migrate.RoleDefinition{ID: id, TemplateID: tmpl, DisplayName: deref(d.GetDisplayName()),
			IsBuiltIn: derefBool(d.GetIsBuiltIn()), IsEnabled: derefBool(d.GetIsEnabled())}
		if !def.IsBuiltIn && d.GetRolePermissions() != nil {
			def.AllowedResourceActions = []string{}
			for _, p := range d.GetRolePermissions() {
				def.AllowedResourceActions = append(def.AllowedResourceActions, p.GetAllowedResourceActions()...)
			}
		}
		out = append(out, def)
	})
	return out, err
}

// RoleAssignments lists every unified role assignment of the tenant.
func (c *Client) RoleAssignments(ctx context.Context) ([]migrate.RoleAssignment, error) {
	b := c.api.RoleManagement().Directory().RoleAssignments()
	cfg := &rm.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
		Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}, Top: &pageSize}}
	return c.listRoleAssignments(ctx, "list roleAssignments", func(ctx context.Context, next string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
		if next != "" {
			return b.WithUrl(next).Get(ctx, nil)
		}
		return b.Get(ctx, cfg)
	})
}

// EntitlementAssignments lists every role assignment of the
// entitlement-management provider (catalog roles), with its app scope.
func (c *Client) EntitlementAssignments(ctx context.Context) ([]migrate.RoleAssignment, error) {
	b := c.api.RoleManagement().EntitlementManagement().RoleAssignments()
	cfg := &rm.EntitlementManagementRoleAssignmentsRequestBuilderGetRequestConfiguration{QueryParameters: &rm.EntitlementManagementRoleAssignmentsRequestBuilderGetQueryParameters{
		Select: []string{"id", "principalId", "roleDefinitionId", "appScopeId"}}}
	out, err := c.listRoleAssignments(ctx, "list entitlementManagement roleAssignments", func(ctx context.Context, next string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
		if next != "" {
			return b.WithUrl(next).Get(ctx, nil)
		}
		return b.Get(ctx, cfg)
	})
	return out, withHint(err, "reading entitlement-management role assignments needs EntitlementManagement.Read.All")
}

// listRoleAssignments reads every page get gives of a provider's role
// assignments, with their directory or app scope.
func (c *Client) listRoleAssignments(ctx context.Context, op string, get func(context.Context, string) (models.UnifiedRoleAssignmentCollectionResponseable, error)) ([]migrate.RoleAssignment, error) {
	var out []migrate.RoleAssignment
	err := listAll(ctx, c, op, get, func(a models.UnifiedRoleAssignmentable) {
		if p, r, ok := principalRole(a.GetPrincipalId(), a.GetRoleDefinitionId()); ok {
			out = append(out, migrate.RoleAssignment{ID: deref(a.GetId()), PrincipalID: p, RoleDefinitionID: r,
				DirectoryScopeID: deref(a.GetDirectoryScopeId()), AppScopeID: deref(a.GetAppScopeId())})
		}
	})
	return out, err
}

// EntitlementRoles lists the entitlement-management provider's role
// definitions.
func (c *Client) EntitlementRoles(ctx context.Context) ([]migrate.RoleDefinition, error) {
	b := c.api.RoleManagement().EntitlementManagement().RoleDefinitions()
	cfg := &rm.EntitlementManagementRoleDefinitionsRequestBuilderGetRequestConfiguration{QueryParameters: &rm.EntitlementManagementRoleDefinitionsRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "isBuiltIn", "isEnabled", "templateId"}}}
	out, err := c.listRoleDefinitions(ctx, "list entitlementManagement roleDefinitions", func(ctx context.Context, next string) (models.UnifiedRoleDefinitionCollectionResponseable, error) {
		if next != "" {
			return b.WithUrl(next).Get(ctx, nil)
		}
		return b.Get(ctx, cfg)
	})
	return out, withHint(err, "reading entitlement-management role definitions needs EntitlementManagement.Read.All")
}

// EligibilitySchedules lists every eligibility schedule of the tenant, with
// the end of each (scheduleInfo.expiration).
func (c *Client) EligibilitySchedules(ctx context.Context) ([]migrate.EligibilitySchedule, error) {
	var out []migrate.EligibilitySchedule
	b := c.api.RoleManagement().Directory().RoleEligibilitySchedules()
	cfg := &rm.DirectoryRoleEligibilitySchedulesRequestBuilderGetRequestConfiguration{QueryParameters: &rm.DirectoryRoleEligibilitySchedulesRequestBuilderGetQueryParameters{
		Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "scheduleInfo"}, Top: &pageSize}}
	err := listAll(ctx, c, "list roleEligibilitySchedules", func(ctx context.Context, next string) (models.UnifiedRoleEligibilityScheduleCollectionResponseable, error) {
		if next != "" {
			return b.WithUrl(next).Get(ctx, nil)
		}
		return b.Get(ctx, cfg)
	}, func(s models.UnifiedRoleEligibilityScheduleable) {
		if p, r, ok := principalRole(s.GetPrincipalId(), s.GetRoleDefinitionId()); ok {
			out = append(out, migrate.EligibilitySchedule{ID: deref(s.GetId()), PrincipalID: p, RoleDefinitionID: r,
				DirectoryScopeID: deref(s.GetDirectoryScopeId()), EndDateTime: scheduleEnd(s.GetScheduleInfo())})
		}
	})
	return out, err
}

// sdkPage is an SDK collection page.
type sdkPage[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// listAll reads every page of a collection: get fetches the first page
// (next == "") or the page at an @odata.nextLink, each read retried as
// c.read does; each sees every element in order.
func listAll[T any, P sdkPage[T]](ctx context.Context, c *Client, op string, get func(ctx context.Context, next string) (P, error), each func(T)) error {
	next := ""
	for {
		var res P
		err := c.read(ctx, op, func(ctx context.Context) (err error) {
			res, err = get(ctx, next)
			return err
		})
		if err != nil {
			return err
		}
		for _, v := range res.GetValue() {
			each(v)
		}
		n := res.GetOdataNextLink()
		if n == nil || *n == "" {
			return nil
		}
		if err := c.sameOrigin(op, *n); err != nil {
			return err
		}
		next = *n
	}
}

// sameOrigin refuses an @odata.nextLink to another scheme or host than the
// client's Graph URL: the SDK would not send it our token (the host is not
// in its allowed list), but the page it returned would be taken as the
// tenant's data.
func (c *Client) sameOrigin(op, link string) error {
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Host, c.base.Host) || !strings.EqualFold(u.Scheme, c.base.Scheme) {
		return fmt.Errorf("%s: a page links to %q, not to %s; refusing to follow it", op, link, c.base.Host)
	}
	return nil
}

// principalRole parses the principal and role ids of a Graph object; ok is
// false when either is not a GUID (such an object cannot match a legacy
// record).
func principalRole(principal, role *string) (migrate.GUID, migrate.GUID, bool) {
	p, ok1 := guid(principal)
	r, ok2 := guid(role)
	return p, r, ok1 && ok2
}

// Principals resolves object ids to users, groups and service principals
// with directoryObjects/getByIds, 1,000 ids a call. Ids Graph does not know
// are absent from the result.
func (c *Client) Principals(ctx context.Context, ids []migrate.GUID) ([]migrate.Principal, error) {
	var out []migrate.Principal
	b := c.api.DirectoryObjects().GetByIds().WithUrl(c.base.String() +
		"/v1.0/directoryObjects/getByIds?$select=id,displayName,userPrincipalName,accountEnabled,userType,onPremisesSyncEnabled,onPremisesImmutableId,isAssignableToRole,appId")
	for start := 0; start < len(ids); start += getByIdsChunk {
		chunk := ids[start:min(start+getByIdsChunk, len(ids))]
		body := directoryobjects.NewGetByIdsPostRequestBody()
		strs := make([]string, len(chunk))
		for i, id := range chunk {
			strs[i] = id.String()
		}
		body.SetIds(strs)
		body.SetTypes([]string{"user", "group", "servicePrincipal"})
		var res directoryobjects.GetByIdsPostResponseable
		err := c.read(ctx, "resolve principals (directoryObjects/getByIds)", func(ctx context.Context) (err error) {
			res, err = b.PostAsGetByIdsPostResponse(ctx, body, nil)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, o := range res.GetValue() {
			if p, ok := principal(o); ok {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func principal(o models.DirectoryObjectable) (migrate.Principal, bool) {
	id, ok := guid(o.GetId())
	if !ok {
		return migrate.Principal{}, false
	}
	p := migrate.Principal{ID: id}
	switch v := o.(type) {
	case models.Userable:
		p.Type, p.DisplayName, p.UserPrincipalName = migrate.PrincipalUser, deref(v.GetDisplayName()), deref(v.GetUserPrincipalName())
		p.AccountEnabled, p.UserType = v.GetAccountEnabled(), deref(v.GetUserType())
		p.OnPremisesSynced = derefBool(v.GetOnPremisesSyncEnabled()) || deref(v.GetOnPremisesImmutableId()) != ""
	case models.Groupable:
		p.Type, p.DisplayName, p.IsAssignableToRole = migrate.PrincipalGroup, deref(v.GetDisplayName()), v.GetIsAssignableToRole()
	case models.ServicePrincipalable:
		p.Type, p.DisplayName, p.AccountEnabled = migrate.PrincipalServicePrincipal, deref(v.GetDisplayName()), v.GetAccountEnabled()
	default:
		return migrate.Principal{}, false
	}
	return p, true
}

func guid(s *string) (migrate.GUID, bool) {
	if s == nil {
		return migrate.GUID{}, false
	}
	g, err := migrate.ParseGUID(*s)
	return g, err == nil
}

func derefBool(b *bool) bool { return b != nil && *b }

// withHint says what a call needs when Graph answered 403 Forbidden.
func withHint(err error, hint string) error {
	var ge *wire.Error
	if errors.As(err, &ge) && ge.Status == http.StatusForbidden {
		ge.Hint = hint
	}
	return err
}
