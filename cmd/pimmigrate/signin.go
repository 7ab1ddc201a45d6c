package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
)

// signIn says whether --auth signs in app-only (no user, so no MFA: Graph
// refuses schedule requests whose role's policy requires MFA of the admin
// who assigns) or delegated:
//   - msi: app-only;
//   - env, and auto when the environment credential applies: app-only with
//     AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, which
//     azidentity's environment credential prefers over a user name;
//   - token: a JWT with idtyp "app", or with roles and no scp, is
//     app-only; an opaque token is app-only when it starts with graphsim's
//     "app-only." (graphsim.AppOnlyTokenPrefix);
//   - device, browser, azcli: delegated.
func (a *app) signIn() string {
	appOnly := false
	envApp := a.getenv("AZURE_CLIENT_SECRET") != "" || a.getenv("AZURE_CLIENT_CERTIFICATE_PATH") != ""
	switch a.global.auth {
	case "msi":
		appOnly = true
	case "env", "auto":
		appOnly = envApp
	case "token":
		appOnly = appOnlyToken(a.getenv(tokenEnv))
	}
	if appOnly {
		return migrate.SignInAppOnly
	}
	return migrate.SignInDelegated
}

// appOnlyToken reads a bearer token's claims (unverified: only to tell
// which sign-in made it).
func appOnlyToken(tok string) bool {
	if strings.HasPrefix(tok, graphsim.AppOnlyTokenPrefix) {
		return true
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		IDType string   `json:"idtyp"`
		Scope  string   `json:"scp"`
		Roles  []string `json:"roles"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return false
	}
	return claims.IDType == "app" || claims.Scope == "" && len(claims.Roles) > 0
}
