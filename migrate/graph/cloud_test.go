package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestClouds: each --cloud value names its Graph endpoint, its Entra ID
// authority and the scope of its tokens (docs/graph.md, "National clouds").
func TestClouds(t *testing.T) {
	tests := []struct {
		name, graph, authority, scope string
	}{
		{"", "https://graph.microsoft.com", "https://login.microsoftonline.com/", "https://graph.microsoft.com/.default"},
		{"global", "https://graph.microsoft.com", "https://login.microsoftonline.com/", "https://graph.microsoft.com/.default"},
		{"usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us/", "https://graph.microsoft.us/.default"},
		{"usgovdod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us/.default"},
		{"china", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn/.default"},
	}
	for _, tt := range tests {
		t.Run("cloud="+tt.name, func(t *testing.T) {
			c, err := LookupCloud(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if c.GraphURL != tt.graph || c.Authority.ActiveDirectoryAuthorityHost != tt.authority || c.Scope() != tt.scope {
				t.Errorf("got %s, %s, %s; want %s, %s, %s", c.GraphURL, c.Authority.ActiveDirectoryAuthorityHost, c.Scope(), tt.graph, tt.authority, tt.scope)
			}
		})
	}
	if len(CloudNames()) != len(tests)-1 {
		t.Errorf("CloudNames %v: the table above misses one", CloudNames())
	}
	if _, err := LookupCloud("usgovhigh"); err == nil || !strings.Contains(err.Error(), "--cloud") {
		t.Errorf("an unknown cloud: %v", err)
	}
}

// TestCloudSignIn signs in against each cloud with the network replaced on
// both sides: an emulated Entra ID authority behind the credential, a
// recorder behind the Graph client. Tokens are asked of the cloud's
// authority host only, for the cloud's Graph scope, and sent to the cloud's
// Graph, or to --graph-url, which overrides the endpoint alone. The
// client-secret sign-in (--auth env) runs to the end; device-code sign-in
// is refused at its first step, which already names the authority and the
// scope.
func TestCloudSignIn(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "72f988bf-0000-4000-8000-0000000c10d5")
	t.Setenv("AZURE_CLIENT_ID", "0b4d2a37-0000-4000-8000-0000000c10d5")
	t.Setenv("AZURE_CLIENT_SECRET", "cloud-test-s3cret")
	for _, name := range CloudNames() {
		cl, _ := LookupCloud(name)
		authHost := strings.TrimSuffix(strings.TrimPrefix(cl.Authority.ActiveDirectoryAuthorityHost, "https://"), "/")
		for _, auth := range []string{AuthEnv, AuthDevice} {
			for _, graphURL := range []string{"", "https://graph.example.test"} {
				t.Run(name+"/"+auth+"/graph-url="+graphURL, func(t *testing.T) {
					wantGraph := cl.GraphURL
					if graphURL != "" {
						wantGraph = graphURL
					}
					authority := &fakeAuthority{t: t, token: "token-of-" + name}
					api := &graphRecorder{}
					c, err := New(Config{Cloud: name, GraphURL: graphURL, Auth: auth, TenantID: "72f988bf-0000-4000-8000-0000000c10d5",
						Transport: api, authTransport: authority, MaxAttempts: 1})
					if err != nil {
						t.Fatal(err)
					}
					if c.GraphURL() != wantGraph {
						t.Errorf("base URL %s, want %s", c.GraphURL(), wantGraph)
					}
					_, err = c.TenantID(ctx)
					hosts, scopes, sent := authority.asked()
					for _, h := range hosts {
						if h != authHost {
							t.Errorf("a sign-in request went to %s, want %s", h, authHost)
						}
					}
					if len(scopes) != 1 || scopes[0] != cl.Scope() {
						t.Errorf("tokens asked for scopes %v, want %s", scopes, cl.Scope())
					}
					want := []string{wantGraph + " Bearer token-of-" + name}
					if auth == AuthDevice {
						want = nil // refused: no token, no request
						if err == nil {
							t.Errorf("device code refused, yet Graph was read")
						}
					} else if err != nil {
						t.Fatal(err)
					}
					if got := api.seen(); strings.Join(got, "|") != strings.Join(want, "|") || len(sent) == 0 {
						t.Errorf("Graph requests %q, want %q", got, want)
					}
				})
			}
		}
	}
}

// fakeAuthority is an Entra ID authority for the credential's HTTP client:
// instance discovery, OpenID configuration and the token endpoint, on
// whatever host it is asked.
type fakeAuthority struct {
	t      *testing.T
	token  string
	mu     sync.Mutex
	hosts  []string
	scopes []string
	sent   []string
}

func (a *fakeAuthority) Do(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hosts = append(a.hosts, r.URL.Host)
	tenant := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]
	base := "https://" + r.URL.Host + "/" + tenant
	var body any
	switch {
	case strings.HasSuffix(r.URL.Path, "/discovery/instance"):
		// authorization_endpoint names the authority asked about.
		u, err := url.Parse(r.URL.Query().Get("authorization_endpoint"))
		if err != nil {
			return nil, err
		}
		authority := "https://" + u.Host + "/" + strings.Split(strings.Trim(u.Path, "/"), "/")[0]
		body = map[string]any{"tenant_discovery_endpoint": authority + "/v2.0/.well-known/openid-configuration", "api-version": "1.1",
			"metadata": []map[string]any{{"preferred_network": u.Host, "preferred_cache": u.Host, "aliases": []string{u.Host}}}}
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		body = map[string]any{"authorization_endpoint": base + "/oauth2/v2.0/authorize", "token_endpoint": base + "/oauth2/v2.0/token", "issuer": base + "/v2.0"}
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"), strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/devicecode"):
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		a.sent = append(a.sent, r.URL.Path)
		for _, s := range strings.Fields(r.PostForm.Get("scope")) {
			if s != "openid" && s != "offline_access" && s != "profile" { // MSAL adds these to every request
				a.scopes = append(a.scopes, s)
			}
		}
		if strings.HasSuffix(r.URL.Path, "/devicecode") {
			b := []byte(`{"error":"invalid_client","error_description":"refused by the test"}`)
			return &http.Response{StatusCode: http.StatusBadRequest, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)),
				Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
		}
		body = map[string]any{"token_type": "Bearer", "expires_in": 3600, "access_token": a.token}
	default:
		a.t.Errorf("the credential asked %s %s", r.Method, r.URL)
		return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
	}
	b, _ := json.Marshal(body)
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)),
		Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
}

// asked returns the hosts of every sign-in request, the scopes of the
// token and device-code requests, and the paths of those requests.
func (a *fakeAuthority) asked() (hosts, scopes, sent []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.hosts...), append([]string(nil), a.scopes...), append([]string(nil), a.sent...)
}

// graphRecorder answers every Graph request with one organization and
// records where it went and with which Authorization.
type graphRecorder struct {
	mu   sync.Mutex
	reqs []string
}

func (g *graphRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	g.reqs = append(g.reqs, r.URL.Scheme+"://"+r.URL.Host+" "+r.Header.Get("Authorization"))
	g.mu.Unlock()
	b := []byte(`{"value":[{"id":"72f988bf-0000-4000-8000-0000000c10d5"}]}`)
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)),
		Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
}

func (g *graphRecorder) seen() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.reqs...)
}
