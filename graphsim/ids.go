package graphsim

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
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

var errDuration = errors.New("not an ISO 8601 duration such as PT8H or P365D")

// parseISODuration reads an ISO 8601 duration: P[nY][nM][nW][nD][T[nH][nM][nS]].
// A year counts 365 days and a month 30, which is how far a schedule's
// duration needs precision.
func parseISODuration(s string) (time.Duration, error) {
	if len(s) < 3 || (s[0] != 'P' && s[0] != 'p') {
		return 0, fmt.Errorf("%q: %w", s, errDuration)
	}
	var total time.Duration
	inTime := false
	num := ""
	seen := false
	for _, c := range strings.ToUpper(s[1:]) {
		switch {
		case c == 'T':
			if inTime || num != "" {
				return 0, fmt.Errorf("%q: %w", s, errDuration)
			}
			inTime = true
		case c >= '0' && c <= '9' || c == '.':
			num += string(c)
		default:
			if num == "" {
				return 0, fmt.Errorf("%q: %w", s, errDuration)
			}
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("%q: %w", s, errDuration)
			}
			var unit time.Duration
			switch {
			case !inTime && c == 'Y':
				unit = 365 * 24 * time.Hour
			case !inTime && c == 'M':
				unit = 30 * 24 * time.Hour
			case !inTime && c == 'W':
				unit = 7 * 24 * time.Hour
			case !inTime && c == 'D':
				unit = 24 * time.Hour
			case inTime && c == 'H':
				unit = time.Hour
			case inTime && c == 'M':
				unit = time.Minute
			case inTime && c == 'S':
				unit = time.Second
			default:
				return 0, fmt.Errorf("%q: %w", s, errDuration)
			}
			total += time.Duration(v * float64(unit))
			num = ""
			seen = true
		}
	}
	if num != "" || !seen {
		return 0, fmt.Errorf("%q: %w", s, errDuration)
	}
	return total, nil
}
