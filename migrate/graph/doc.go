// Package graph is pimmigrate's one boundary with Microsoft Graph: it builds
// credentials (azidentity, or a static token), the msgraph-sdk-go client
// pointed at --graph-url, and reads the legacy PIM API and the tenant's
// unified role management state.
//
// Nothing outside this package sees an SDK type or an SDK error: every
// failure is converted here into *wire.Error, which carries the operation, HTTP
// status, Graph error code, message and request id, and says whether trying
// again can help. Tokens never appear in errors.
package graph
