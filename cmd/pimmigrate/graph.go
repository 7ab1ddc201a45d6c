package main

import (
	"net/http"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate/graph"
)

// tokenEnv holds the bearer token of --auth token.
const tokenEnv = "PIMMIGRATE_TOKEN"

// graphClient builds the Graph client on first use, so a command that never
// talks to Graph never signs in.
func (a *app) graphClient() (*graph.Client, error) {
	if a.client != nil {
		return a.client, nil
	}
	cfg := graph.Config{
		Cloud:    a.global.cloud,
		GraphURL: a.global.graphURL,
		Auth:     a.global.auth,
		TenantID: a.global.tenantID,
		ClientID: a.global.clientID,
		Token:    graph.Secret(a.getenv(tokenEnv)),
		Prompt:   a.stderr,
	}
	if a.global.verbose {
		cfg.Transport = &verboseTransport{next: http.DefaultTransport, w: a.stderr, now: time.Now}
	}
	c, err := graph.New(cfg)
	if err != nil {
		return nil, err
	}
	a.client = c
	return c, nil
}
