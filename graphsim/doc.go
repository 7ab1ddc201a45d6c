// Package graphsim is a local Microsoft Graph emulator for pimmigrate's
// tests, benchmarks and demo. No machine here reaches Graph, so graphsim
// speaks Graph's wire protocol closely enough that msgraph-sdk-go cannot
// tell the difference: the legacy PIM APIs (/beta/privilegedRoleAssignments,
// /beta/privilegedRoles with their settings, /beta/privilegedAccess/aadRoles
// role assignments and role settings), unified role management under
// /v1.0/roleManagement/directory, role management policies and their rules
// under /v1.0/policies (every role has one; rule PATCHes are checked as
// Graph is reported to check them), directory lookups (getByIds, users,
// organization) and JSON batching, with Graph's error envelope, paging and
// request ids. A seed can mark the legacy APIs as switched off by
// Microsoft (legacyDisabled).
//
// It serves a tenant described by a Seed (LoadSeed reads one from JSON)
// and can misbehave on purpose (Options): latency, a token-bucket write
// throttle answering 429 with fractional Retry-After, injected faults (503,
// 504, dropped connections; half of the failed writes take effect first),
// and eventual consistency (new objects invisible for a while).
//
//	srv := graphsim.New(seed, graphsim.Options{ThrottleWrites: 20, Latency: 50 * time.Millisecond})
//	ts := httptest.NewServer(srv)
//	// point the SDK at ts.URL + "/v1.0", then inspect:
//	state := srv.State() // the tenant now, in the seed format
//	stats := srv.Stats() // requests, writes, throttled, faults, ...
//
// The same is available over HTTP without a token: GET /_sim/state,
// GET /_sim/stats and POST /_sim/reset. cmd/graphsim serves it on a port.
//
// Where Graph's exact behaviour is not documented, graphsim picks the
// answer safest for the admin and says so in a comment marked
// "Unconfirmed".
package graphsim
