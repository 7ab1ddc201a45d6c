package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	kiotaazure "github.com/microsoft/kiota-authentication-azure-go"
)

// Secret is a token or client secret. Its String and GoString never show
// the value, so printing a Config cannot leak it.
type Secret string

func (Secret) String() string   { return "[redacted]" }
func (Secret) GoString() string { return "[redacted]" }

// MarshalText keeps secrets out of JSON too.
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Auth modes of --auth.
const (
	AuthAuto    = "auto"    // environment, then Azure CLI, then device code
	AuthDevice  = "device"  // device code flow (delegated)
	AuthBrowser = "browser" // interactive browser (delegated)
	AuthAzCLI   = "azcli"   // the Azure CLI's signed-in account
	AuthEnv     = "env"     // AZURE_TENANT_ID, AZURE_CLIENT_ID and a secret or certificate
	AuthMSI     = "msi"     // managed identity
	AuthToken   = "token"   // a bearer token from PIMMIGRATE_TOKEN
)

// graphCLIClientID is the public client of the Microsoft Graph Command Line
// Tools (the one Microsoft Graph PowerShell signs in with), used for device
// and browser sign-in when no --client-id is given.
const graphCLIClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

// ErrNoToken is returned for --auth token without a token.
var ErrNoToken = errors.New("--auth token needs a bearer token in PIMMIGRATE_TOKEN")

// credential builds the azidentity credential of an auth mode, signing in
// at the cloud's authority.
func credential(cfg Config, cl Cloud) (azcore.TokenCredential, error) {
	clientID := cfg.ClientID
	interactiveID := clientID
	if interactiveID == "" {
		interactiveID = graphCLIClientID
	}
	opts := azcore.ClientOptions{Cloud: cl.Authority, Transport: cfg.authTransport}
	prompt := func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
		w := cfg.Prompt
		if w == nil {
			w = io.Discard
		}
		_, err := fmt.Fprintln(w, m.Message)
		return err
	}
	device := func() (azcore.TokenCredential, error) {
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{ClientOptions: opts, TenantID: cfg.TenantID, ClientID: interactiveID, UserPrompt: prompt})
	}
	env := func() (azcore.TokenCredential, error) {
		return azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: opts})
	}
	// The Azure CLI signs in to the cloud it is set to (az cloud set):
	// its credential takes no cloud of ours.
	azcli := func() (azcore.TokenCredential, error) {
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: cfg.TenantID})
	}
	switch cfg.Auth {
	case AuthDevice:
		return device()
	case AuthBrowser:
		return azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{ClientOptions: opts, TenantID: cfg.TenantID, ClientID: interactiveID})
	case AuthAzCLI:
		return azcli()
	case AuthEnv:
		return env()
	case AuthMSI:
		mopts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if clientID != "" {
			mopts.ID = azidentity.ClientID(clientID)
		}
		return azidentity.NewManagedIdentityCredential(mopts)
	case AuthAuto, "":
		var chain []azcore.TokenCredential
		for _, build := range []func() (azcore.TokenCredential, error){env, azcli, device} {
			if c, err := build(); err == nil {
				chain = append(chain, c)
			}
		}
		return azidentity.NewChainedTokenCredential(chain, nil)
	}
	return nil, fmt.Errorf("--auth %q: want auto, device, browser, azcli, env, msi or token", cfg.Auth)
}

// authProvider returns the SDK authentication provider for cfg: tokens of
// the cloud's Graph scope, sent only to the host of base (--graph-url, or
// the cloud's Graph).
func authProvider(cfg Config, cl Cloud, base *url.URL) (absauth.AuthenticationProvider, error) {
	host := base.Hostname()
	if cfg.Auth == AuthToken {
		if cfg.Token == "" {
			return nil, ErrNoToken
		}
		if base.Scheme != "https" && !isLoopback(host) {
			return nil, fmt.Errorf("--graph-url %s: a token is sent only over https (plain http only to a loopback address)", base)
		}
		hosts, err := absauth.NewAllowedHostsValidatorErrorCheck([]string{host})
		if err != nil {
			return nil, fmt.Errorf("--graph-url %s: %w", base, err)
		}
		return absauth.NewBaseBearerTokenAuthenticationProvider(&staticToken{token: string(cfg.Token), hosts: hosts}), nil
	}
	cred, err := credential(cfg, cl)
	if err != nil {
		return nil, fmt.Errorf("cannot sign in with --auth %s: %w; see the README's --auth table for what each mode needs", cfg.Auth, err)
	}
	return kiotaazure.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, []string{cl.Scope()}, []string{host})
}

// staticToken hands one bearer token to requests for the allowed host.
type staticToken struct {
	token string
	hosts *absauth.AllowedHostsValidator
}

func (s *staticToken) GetAuthorizationToken(_ context.Context, u *url.URL, _ map[string]any) (string, error) {
	if u == nil || !s.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	if u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return "", nil
	}
	return s.token, nil
}

func (s *staticToken) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return s.hosts }

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
