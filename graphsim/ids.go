package graphsim

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// tripleKey identifies an assignment or a schedule the way Graph refuses
// duplicates: principal, role (canonical: the template id) and scope.
type tripleKey struct {
	principal, role migrate.GUID
	scope           string // lower-case directoryScopeId NUL appScopeId
}

func makeKey(principal, canonicalRole migrate.GUID, dirScope, appScope string) tripleKey {
	return tripleKey{principal, canonicalRole, strings.ToLower(dirScope) + "\x00" + strings.ToLower(appScope)}
}

func (k tripleKey) String() string {
	return k.principal.String() + "|" + k.role.String() + "|" + k.scope
}

// roleAssignmentID is an opaque unifiedRoleAssignment id in Graph's style:
// the base64url of the role's and the principal's GUIDs in Microsoft's
// mixed-endian byte order, then "-1" (Graph's ids for scope "/" look like
// "lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-1"). Other scopes get a
// suffix from a hash of the scope. Like Graph's, it is the same when the
// same assignment is made again; clients must not parse it.
func roleAssignmentID(principal, canonicalRole migrate.GUID, dirScope, appScope string) string {
	var b [32]byte
	msBytes(b[:16], canonicalRole)
	msBytes(b[16:], principal)
	id := base64.RawURLEncoding.EncodeToString(b[:]) + "-1"
	if !(dirScope == migrate.DirectoryScopeRoot && appScope == "") {
		h := sha256.Sum256([]byte(strings.ToLower(dirScope) + "\x00" + strings.ToLower(appScope)))
		id += "-" + base64.RawURLEncoding.EncodeToString(h[:6])
	}
	return id
}

// msBytes writes g in the byte order of .NET's Guid.ToByteArray.
func msBytes(dst []byte, g migrate.GUID) {
	dst[0], dst[1], dst[2], dst[3] = g[3], g[2], g[1], g[0]
	dst[4], dst[5] = g[5], g[4]
	dst[6], dst[7] = g[7], g[6]
	copy(dst[8:16], g[8:16])
}

// hashGUID derives a stable version-4-shaped GUID from text.
func hashGUID(salt, s string) string {
	h := sha256.Sum256([]byte(salt + "\x00" + s))
	return guidFromBytes(h[:16])
}

func guidFromBytes(b []byte) string {
	var g migrate.GUID
	copy(g[:], b)
	g[6] = g[6]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g.String()
}

// graphTime formats a time as Graph does: UTC, up to 7 fractional digits.
func graphTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.9999999Z")
}

// timeOrNil is graphTime for an optional time, nil for JSON null.
func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return graphTime(*t)
}

// strOrNil is s, or nil (JSON null) when s is empty.
func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
