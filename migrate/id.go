package migrate

import (
	"errors"
	"fmt"
	"strings"
)

// ErrMalformedID is wrapped when a legacy id is not "{userId}_{roleId}".
var ErrMalformedID = errors.New(`malformed legacy id, want "{userId}_{roleId}"`)

// LegacyID is a parsed iteration-1 id.
type LegacyID struct {
	User GUID
	Role GUID
}

// ParseLegacyID parses an iteration-1 privilegedRoleAssignment id,
// "{userId}_{roleId}" with two GUIDs in any case. The error wraps
// ErrMalformedID when the shape is wrong and ErrMalformedGUID when a half
// is not a GUID.
func ParseLegacyID(id string) (LegacyID, error) {
	u, r, ok := strings.Cut(id, "_")
	if !ok || strings.Contains(r, "_") {
		return LegacyID{}, fmt.Errorf("%q: %w", id, ErrMalformedID)
	}
	user, err := ParseGUID(u)
	if err != nil {
		return LegacyID{}, fmt.Errorf("legacy id %q, user half: %w", id, err)
	}
	role, err := ParseGUID(r)
	if err != nil {
		return LegacyID{}, fmt.Errorf("legacy id %q, role half: %w", id, err)
	}
	return LegacyID{User: user, Role: role}, nil
}

// String returns the canonical, lower-case id.
func (id LegacyID) String() string { return string(id.appendText(make([]byte, 0, 73))) }

func (id LegacyID) appendText(b []byte) []byte {
	b = id.User.AppendText(b)
	b = append(b, '_')
	return id.Role.AppendText(b)
}

// Key returns the plan key of a principal and role: the lower-case
// "{principalId}_{roleDefinitionId}".
func Key(principal, role GUID) string { return LegacyID{User: principal, Role: role}.String() }
