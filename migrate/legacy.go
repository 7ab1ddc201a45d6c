package migrate

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// LegacySchema is the schema tag of legacy.json.
const LegacySchema = "pimmigrate.legacy/v1"

// State is a legacy assignment's state as the legacy API recorded it.
// Whether an expiry has passed is not part of it: that is Classify's call,
// against an explicit asOf.
type State string

// The four recorded legacy states (docs/design.md, "Legacy states").
const (
	StatePermanent         State = "permanent"           // isElevated, no expiry
	StateEligible          State = "eligible"            // not elevated, no expiry
	StateActivated         State = "activated"           // isElevated, expiry = end of the activation
	StateTimeBoundEligible State = "time-bound-eligible" // not elevated, expiry = end of the eligibility
)

// DeriveState reads the state from the two fields that define it in the
// legacy API (docs/graph.md, "Legacy PIM, iteration 1").
func DeriveState(isElevated bool, hasExpiry bool) State {
	switch {
	case isElevated && !hasExpiry:
		return StatePermanent
	case isElevated:
		return StateActivated
	case !hasExpiry:
		return StateEligible
	default:
		return StateTimeBoundEligible
	}
}

// Origin tells which legacy PIM API a record came from.
type Origin string

// The two legacy PIM APIs.
const (
	OriginIteration1 Origin = "iteration1" // /beta/privilegedRoleAssignments
	OriginIteration2 Origin = "iteration2" // /beta/privilegedAccess/aadRoles
)

// PrincipalType is the kind of directory object a role is assigned to.
type PrincipalType string

// Principal types, spelled as legacy.json spells them (docs/design.md, "legacy.json").
const (
	PrincipalUser             PrincipalType = "user"
	PrincipalGroup            PrincipalType = "group"
	PrincipalServicePrincipal PrincipalType = "servicePrincipal"
)

// Valid reports whether t is one of the three known principal types.
func (t PrincipalType) Valid() bool {
	return t == PrincipalUser || t == PrincipalGroup || t == PrincipalServicePrincipal
}

// Warning and reason codes. They are part of the file formats and reports:
// never rename one.
const (
	WarnDuplicateRecord     = "duplicate-record"
	WarnPrincipalDisabled   = "principal-disabled"
	WarnGuestUser           = "guest-user"
	WarnUnifiedGrantsMore   = "unified-grants-more"
	WarnPrincipalUnverified = "principal-unverified"
	WarnEligibleMadeActive  = "eligible-made-active"
)

// Assignment is one legacy assignment as legacy.json records it.
type Assignment struct {
	// ID is the legacy id: "{userId}_{roleId}" for iteration 1, the
	// governanceRoleAssignment id for iteration 2.
	ID                 string        `json:"id"`
	UserID             GUID          `json:"userId"`
	RoleID             GUID          `json:"roleId"`
	PrincipalType      PrincipalType `json:"principalType"`
	IsElevated         bool          `json:"isElevated"`
	ExpirationDateTime *time.Time    `json:"expirationDateTime"`
	State              State         `json:"state"`
	Origin             Origin        `json:"origin"`
	// Source is where the record was read: "file#record" (JSON),
	// "file:line" (JSON Lines, CSV) or "beta#record" (live export).
	Source string `json:"source"`

	// StartDateTime is a scheduled start (iteration 2 only).
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	// EligibleUntil is the end of the eligibility behind an activation, when
	// the snapshot knows it (iteration 2, where an activation is a record of
	// its own folded into its eligibility). Nil means the eligibility does
	// not expire.
	EligibleUntil *time.Time `json:"eligibleUntil,omitempty"`
	// Warnings raised while reading, such as duplicate-record.
	Warnings []string `json:"warnings,omitempty"`
	// FoldedFrom lists the sources of records folded into this one: exact
	// duplicates and iteration-2 activations of this eligibility.
	FoldedFrom []string `json:"foldedFrom,omitempty"`
}

// Expiry returns the expiration time and whether there is one.
func (a *Assignment) Expiry() (time.Time, bool) {
	if a.ExpirationDateTime == nil {
		return time.Time{}, false
	}
	return *a.ExpirationDateTime, true
}

// Rejected is an input record that could not be used, with why.
type Rejected struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Rejection reasons.
const (
	RejectMissingField          = "missing-field"
	RejectMalformedGUID         = "malformed-guid"
	RejectMalformedID           = "malformed-id"
	RejectIDMismatch            = "id-mismatch"
	RejectWrongType             = "wrong-type"
	RejectMalformedDate         = "malformed-date"
	RejectNotDirect             = "not-direct"
	RejectUnknownState          = "unknown-state"
	RejectUnknownPrincipalType  = "unknown-principal-type"
	RejectConflictingDuplicate  = "conflicting-duplicate"
	RejectTenantMismatch        = "tenant-mismatch"
	RejectNotAnObject           = "not-an-object"
	RejectActivationOfOtherRole = "activation-mismatch"
	// RejectMalformedSetting is a role settings record that cannot be read:
	// a duration that is not ISO 8601, a rule setting that is not a JSON
	// object of the rule's shape.
	RejectMalformedSetting = "malformed-setting"
)

// Source describes one input of an export.
type Source struct {
	// Kind is the detected format, see the snapshot package, or "beta".
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	// Records is how many records the source held, used or rejected.
	Records int `json:"records"`
	// NextLink is the @odata.nextLink of a saved Graph page: recorded so the
	// admin can see a page is missing, never followed.
	NextLink string `json:"nextLink,omitempty"`
}

// Legacy is the content of legacy.json.
type Legacy struct {
	Schema      string       `json:"schema"`
	ExportedAt  time.Time    `json:"exportedAt"`
	TenantID    string       `json:"tenantId"`
	Sources     []Source     `json:"sources"`
	Assignments []Assignment `json:"assignments"`
	// Settings are the legacy role settings records, sorted by role, then
	// origin, then source. Conflicting records for one role are all kept.
	Settings []LegacySettings `json:"settings,omitempty"`
	Rejected []Rejected       `json:"rejected"`

	// compact holds the assignments in place of Assignments when the
	// snapshot was read by ReadLegacyFileCompact.
	compact *legacyRows
}

// ErrLegacyFile is wrapped by errors about a legacy.json that cannot be used.
var ErrLegacyFile = errors.New("not a usable legacy snapshot")

// ReadLegacy decodes and checks legacy.json. name is used in errors.
func ReadLegacy(r io.Reader, name string) (*Legacy, error) {
	var as []Assignment
	l, err := scanLegacy(r, name, func(a *Assignment) { as = append(as, *a) })
	if err != nil {
		return nil, err
	}
	if l.Assignments != nil && as != nil { // "assignments": [] stays empty, not nil
		l.Assignments = as
	}
	return l, nil
}

// scanLegacy decodes legacy.json an assignment at a time, so that reading
// takes the memory of what the caller keeps: add is called with each
// checked assignment, which it must copy to keep. The Legacy returned has
// no assignments; Assignments is empty, not nil, when the file has them.
func scanLegacy(r io.Reader, name string, add func(*Assignment)) (*Legacy, error) {
	j := newJSONReader(r)
	var l Legacy
	var bad error // an assignment that fails its check
	err := j.object(func(member string) error {
		switch member {
		case "schema":
			return j.decodeSchema(&l.Schema, LegacySchema)
		case "assignments":
			l.Assignments = []Assignment{}
			var a Assignment
			return j.array(func(i int) error {
				a = Assignment{} // decoding into a used one would keep its pointers
				if err := j.decode(&a); err != nil {
					return err
				}
				if err := a.check(); err != nil {
					bad = fmt.Errorf("read %s: %w: assignments[%d] (%s): %v; re-export it with `pimmigrate export`", name, ErrLegacyFile, i, a.Source, err)
					return bad
				}
				a.intern()
				add(&a)
				return nil
			})
		case "settings":
			if err := j.decode(&l.Settings); err != nil {
				return err
			}
			for i := range l.Settings {
				if err := l.Settings[i].Check(); err != nil {
					bad = fmt.Errorf("read %s: %w: settings[%d] (%s): %v; re-export it with `pimmigrate export`", name, ErrLegacyFile, i, l.Settings[i].Source, err)
					return bad
				}
			}
			return nil
		}
		return j.decode(l.member(member))
	})
	switch {
	case bad != nil:
		return nil, bad
	case err == nil && l.Schema != LegacySchema, errors.Is(err, errSchema):
		return nil, fmt.Errorf("read %s: %w: schema %q, want %q; produce it with `pimmigrate export`", name, ErrLegacyFile, l.Schema, LegacySchema)
	case err != nil:
		return nil, fmt.Errorf("read %s: %w: %v (byte %d); produce it with `pimmigrate export`", name, ErrLegacyFile, err, j.offset())
	}
	return &l, nil
}

// member is where the legacy.json member of this name decodes to; what
// pimmigrate does not write is skipped.
func (l *Legacy) member(name string) any {
	switch name {
	case "exportedAt":
		return &l.ExportedAt
	case "tenantId":
		return &l.TenantID
	case "sources":
		return &l.Sources
	case "rejected":
		return &l.Rejected
	}
	return new(json.RawMessage)
}

// intern points a checked assignment's enumerations at the package's
// constants, so a million assignments do not hold a million copies of
// "eligible".
func (a *Assignment) intern() {
	a.State = DeriveState(a.IsElevated, a.ExpirationDateTime != nil)
	a.Origin = origins[code(origins[:], a.Origin)]
	a.PrincipalType = ptypes[code(ptypes[:], a.PrincipalType)]
}

// check verifies that the recorded state agrees with the fields that define
// it, so a hand-edited legacy.json cannot smuggle in a different mapping.
func (a *Assignment) check() error {
	if a.UserID.IsZero() || a.RoleID.IsZero() {
		return errors.New("userId and roleId are required")
	}
	if !a.PrincipalType.Valid() {
		return fmt.Errorf("principalType %q is not user, group or servicePrincipal", a.PrincipalType)
	}
	if a.Origin != OriginIteration1 && a.Origin != OriginIteration2 {
		return fmt.Errorf("origin %q is not iteration1 or iteration2", a.Origin)
	}
	if want := DeriveState(a.IsElevated, a.ExpirationDateTime != nil); a.State != want {
		return fmt.Errorf("state %q contradicts isElevated=%v and expirationDateTime, which say %q", a.State, a.IsElevated, want)
	}
	return nil
}

// ReadLegacyFile reads legacy.json and returns it with the sha256 digest of
// its bytes ("sha256:<hex>"), which the plan records.
func ReadLegacyFile(path string) (*Legacy, string, error) {
	return readLegacyFile(path, ReadLegacy)
}

// ReadLegacyFileCompact is ReadLegacyFile for planning a snapshot of any
// size: the assignments are held compactly (about 80 bytes each) instead of
// in Assignments, which is nil. BuildPlan reads them, Len counts them and
// PrincipalIDs lists their principals.
func ReadLegacyFileCompact(path string) (*Legacy, string, error) {
	return readLegacyFile(path, func(r io.Reader, name string) (*Legacy, error) {
		rows := &legacyRows{}
		l, err := scanLegacy(r, name, rows.add)
		if err != nil {
			return nil, err
		}
		l.Assignments, l.compact = nil, rows
		return l, nil
	})
}

func readLegacyFile(path string, read func(io.Reader, string) (*Legacy, error)) (*Legacy, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	h := sha256.New()
	tee := io.TeeReader(bufio.NewReaderSize(f, 256<<10), h)
	l, err := read(tee, path)
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, "", fmt.Errorf("read %s: %w", path, err)
	}
	return l, "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
