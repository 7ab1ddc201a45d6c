package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// errorMapping makes the SDK parse Graph's error envelope for raw requests.
var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// page is one Graph collection page, elements left raw.
type page struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// getRaw GETs an absolute URL through the SDK adapter (same middleware and
// authentication as typed calls) and returns the body. Used for the beta
// endpoints, which the v1.0 SDK has no builders for.
func (c *Client) getRaw(ctx context.Context, u *url.URL) ([]byte, error) {
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	res, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMapping)
	if err != nil {
		return nil, err
	}
	b, _ := res.([]byte)
	return b, nil
}

// pages walks a collection from path (relative to --graph-url, e.g.
// "/beta/privilegedRoleAssignments"), following every @odata.nextLink as
// given, and calls fn for each page's elements in order.
func (c *Client) pages(ctx context.Context, op, path string, fn func(elems []json.RawMessage) error) error {
	u, err := url.Parse(c.base.String() + path)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for n := 1; u != nil; n++ {
		var body []byte
		err := c.read(ctx, op, func(ctx context.Context) error {
			var err error
			body, err = c.getRaw(ctx, u)
			return err
		})
		if err != nil {
			return err
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			return fmt.Errorf("%s: page %d is not a Graph collection: %w", op, n, err)
		}
		if err := fn(p.Value); err != nil {
			return err
		}
		u = nil
		if p.NextLink != "" {
			if err := c.sameOrigin(fmt.Sprintf("%s: page %d", op, n), p.NextLink); err != nil {
				return err
			}
			u, _ = url.Parse(p.NextLink)
		}
	}
	return nil
}

// Legacy API paths: role assignments and role settings of both iterations.
const (
	LegacyIteration1Path = "/beta/privilegedRoleAssignments"
	LegacyIteration2Path = "/beta/privilegedAccess/aadRoles/roleAssignments?$expand=subject"
	// LegacySettings1Path lists the privilegedRoles with their
	// privilegedRoleSettings expanded (null for a role without settings).
	LegacySettings1Path = "/beta/privilegedRoles?$expand=settings"
)

// LegacySettings2Path lists the tenant's iteration-2 role settings
// (governanceRoleSetting), filtered by resourceId as the docs show.
func LegacySettings2Path(tenantID string) string {
	return "/beta/privilegedAccess/aadRoles/roleSettings?$filter=" + queryEscape("resourceId eq '"+tenantID+"'")
}

// ErrLegacyDisabled is wrapped by the error of a legacy read when Microsoft
// has switched the tenant's legacy PIM API off while migrating it (403
// TenantEnabledInAadRoleMigration): no live export can read it any more.
var ErrLegacyDisabled = errors.New("the live legacy PIM API is gone for this tenant: Microsoft switched it off while migrating the tenant to unified role management")

// ListLegacy reads a legacy PIM list (one of the Legacy*Path) page by page
// and calls fn with each record's raw JSON, numbered from 1 across pages.
// It needs the delegated permission Directory.AccessAsUser.All and a tenant
// registered to PIM. A tenant whose legacy API Microsoft switched off gives
// an error wrapping ErrLegacyDisabled.
func (c *Client) ListLegacy(ctx context.Context, path string, fn func(n int, raw json.RawMessage) error) error {
	n := 0
	err := c.pages(ctx, "list "+path, path, func(elems []json.RawMessage) error {
		for _, e := range elems {
			n++
			if err := fn(n, e); err != nil {
				return err
			}
		}
		return nil
	})
	var ge *wire.Error
	if errors.As(err, &ge) && ge.Code == "TenantEnabledInAadRoleMigration" {
		return fmt.Errorf("%w; export from the snapshots you saved instead (--source FILE): %w", ErrLegacyDisabled, err)
	}
	return withHint(err, "the legacy PIM API needs the delegated permission Directory.AccessAsUser.All, the Privileged Role Administrator role, and a tenant registered to PIM")
}
