package graph

import (
	"context"
	"errors"
	"net/http"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// UsersByPrincipalName looks users up by user principal name, one
// GET /users/{userPrincipalName} each (Graph matches it in any case). A name
// no user has is absent from the result, not an error. It needs
// Directory.Read.All (or User.Read.All).
func (c *Client) UsersByPrincipalName(ctx context.Context, upns []string) ([]migrate.Principal, error) {
	cfg := &users.UserItemRequestBuilderGetRequestConfiguration{QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{
		Select: []string{"id", "displayName", "userPrincipalName", "accountEnabled", "userType", "onPremisesSyncEnabled", "onPremisesImmutableId"}}}
	var out []migrate.Principal
	for _, upn := range upns {
		var u models.Userable
		err := c.read(ctx, "look up user "+upn, func(ctx context.Context) (err error) {
			u, err = c.api.Users().ByUserId(upn).Get(ctx, cfg)
			return err
		})
		var ge *wire.Error
		switch {
		case errors.As(err, &ge) && ge.Status == http.StatusNotFound:
			continue
		case err != nil:
			return nil, withHint(err, readPermissionHint)
		}
		if p, ok := principal(u); ok {
			out = append(out, p)
		}
	}
	return out, nil
}
