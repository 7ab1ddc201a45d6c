package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	khttp "github.com/microsoft/kiota-http-go"
	msgraph "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// DefaultGraphURL is Microsoft Graph's global endpoint.
const DefaultGraphURL = "https://graph.microsoft.com"

// Config says where Graph is and how to sign in.
type Config struct {
	// Cloud is the --cloud value: global ("" too), usgov, usgovdod or
	// china. It sets the Graph endpoint, the authority that signs in and
	// the scope of the tokens.
	Cloud string
	// GraphURL overrides the cloud's Graph endpoint only (graphsim's
	// http://127.0.0.1:PORT); "" is the cloud's.
	GraphURL string
	Auth     string // one of the Auth* modes
	TenantID string
	ClientID string
	Token    Secret    // for AuthToken
	Prompt   io.Writer // where device-code sign-in instructions go
	// Transport replaces the network transport under the SDK's middleware
	// (tests); nil is http.DefaultTransport.
	Transport http.RoundTripper
	// MaxAttempts bounds tries of a retryable read; 0 means 8.
	MaxAttempts int
	// Sleep waits between tries; nil sleeps for real, honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// authTransport replaces the network under the credentials' token
	// requests (tests); nil is the network.
	authTransport policy.Transporter
}

// Client is a signed-in Microsoft Graph client.
type Client struct {
	adapter     *msgraph.GraphRequestAdapter
	api         *msgraph.GraphServiceClient
	base        *url.URL // --graph-url, no trailing slash
	maxAttempts int
	sleep       func(ctx context.Context, d time.Duration) error
}

// New builds the client. It does not call Graph.
func New(cfg Config) (*Client, error) {
	cl, err := LookupCloud(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	if cfg.GraphURL == "" {
		cfg.GraphURL = cl.GraphURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.GraphURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.Path != "" {
		return nil, fmt.Errorf("--graph-url %q: want a base URL such as %s or http://127.0.0.1:8080", cfg.GraphURL, DefaultGraphURL)
	}
	if base.Scheme == "http" && !isLoopback(base.Hostname()) {
		return nil, fmt.Errorf("--graph-url %s: plain http is allowed only to a loopback address (graphsim); use https", base)
	}
	auth, err := authProvider(cfg, cl, base)
	if err != nil {
		return nil, err
	}
	httpClient, err := newHTTPClient(cfg.Transport)
	if err != nil {
		return nil, err
	}
	adapter, err := msgraph.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph client: %w", err)
	}
	adapter.SetBaseUrl(base.String() + "/v1.0") // no trailing slash: docs/sdk.md, "Base URL"
	c := &Client{adapter: adapter, api: newServiceClient(adapter), base: base, maxAttempts: cfg.MaxAttempts, sleep: cfg.Sleep}
	if c.maxAttempts <= 0 {
		c.maxAttempts = 8
	}
	if c.sleep == nil {
		c.sleep = wire.Sleep
	}
	return c, nil
}

// newHTTPClient keeps the SDK's middleware but turns request compression
// off (kiota-http-go issue 183: a retried POST keeps Content-Encoding: gzip
// with a plain body) and the SDK's own retries off: this package retries
// itself, honouring fractional Retry-After, which the SDK truncates.
func newHTTPClient(parent http.RoundTripper) (*http.Client, error) {
	kiotaMW, err := khttp.GetDefaultMiddlewaresWithOptions(
		khttp.NewCompressionOptionsReference(false),
		&khttp.RetryHandlerOptions{MaxRetries: 1, ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return false }},
	)
	if err != nil {
		return nil, fmt.Errorf("graph client middleware: %w", err)
	}
	opts := msgraph.GetDefaultClientOptions()
	mw := append([]khttp.Middleware{msgraphcore.NewGraphTelemetryHandler(&opts)}, kiotaMW...)
	if parent == nil {
		parent = http.DefaultTransport
	}
	return &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(parent, mw...), Timeout: 100 * time.Second}, nil
}

// GraphURL is the base URL the client talks to.
func (c *Client) GraphURL() string { return c.base.String() }

// read runs a read-only call, trying again while Graph says it may help:
// the Retry-After Graph sent (fractional seconds honoured), or exponential
// back-off with jitter when it sent none.
func (c *Client) read(ctx context.Context, op string, call func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := convert(op, call(ctx))
		var ge *wire.Error
		if err == nil || !errors.As(err, &ge) || !ge.Retryable || attempt >= c.maxAttempts {
			return err
		}
		wait := ge.RetryAfter
		if wait <= 0 {
			wait = wire.Backoff(attempt)
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%s: %w", op, serr)
		}
	}
}

// newServiceClient is msgraph.NewGraphServiceClient without its write of
// kiota's package variable store.BackingStoreFactoryInstance, which every
// model constructor reads: two clients made while another runs requests
// race on it (docs/sdk.md, "Clients made at once"). With a nil factory
// EnableBackingStore leaves the variable at its default, the value
// NewGraphServiceClient would write.
func newServiceClient(adapter *msgraph.GraphRequestAdapter) *msgraph.GraphServiceClient {
	return &msgraph.GraphServiceClient{GraphBaseServiceClient: *msgraph.NewGraphBaseServiceClient(adapter, nil)}
}
