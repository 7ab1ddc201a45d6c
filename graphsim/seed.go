package graphsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// DefaultTenantID is the tenant id of a seed that names none.
const DefaultTenantID = "00000000-0000-4000-8000-000000000001"

// Seed is a tenant as graphsim serves it, in Graph's own field names
// (docs/design.md, "Tenant seed"). It is both the input of New and the output of
// (*Server).State, so a state can be saved and served again.
type Seed struct {
	TenantID    string `json:"tenantId"`
	DisplayName string `json:"displayName,omitempty"`
	// PIMRegistered is whether the tenant was registered to legacy PIM;
	// nil means true. When false every legacy route answers 403.
	PIMRegistered *bool `json:"pimRegistered,omitempty"`

	Users             []User             `json:"users"`
	Groups            []Group            `json:"groups"`
	ServicePrincipals []ServicePrincipal `json:"servicePrincipals"`
	// RoleDefinitions are merged over the built-in catalogue by id: a seed
	// lists only additions and overrides.
	RoleDefinitions []RoleDefinition `json:"roleDefinitions"`

	PrivilegedRoleAssignments []PrivilegedRoleAssignment `json:"privilegedRoleAssignments"`
	GovernanceRoleAssignments []GovernanceRoleAssignment `json:"governanceRoleAssignments"`

	RoleAssignments          []RoleAssignment `json:"roleAssignments"`
	RoleEligibilitySchedules []Schedule       `json:"roleEligibilitySchedules"`
	// RoleAssignmentSchedules are active schedules (those created by
	// roleAssignmentScheduleRequests). Each grants the roleAssignment with
	// the same principal, role and scope; graphsim adds a missing one.
	RoleAssignmentSchedules []Schedule `json:"roleAssignmentSchedules"`

	// Legacy role settings: iteration 1 (one per role, id = the role's
	// template id) and iteration 2. Absent: no role has any.
	PrivilegedRoleSettings []PrivilegedRoleSettings `json:"privilegedRoleSettings"`
	GovernanceRoleSettings []GovernanceRoleSetting  `json:"governanceRoleSettings"`
	// RoleManagementPolicies and the assignments that tie them to roles.
	// Every role without a policy assignment at scope "/" gets a policy of
	// the documented default rules.
	RoleManagementPolicies          []RoleManagementPolicy           `json:"roleManagementPolicies"`
	RoleManagementPolicyAssignments []RoleManagementPolicyAssignment `json:"roleManagementPolicyAssignments"`
	// LegacyDisabled marks a tenant whose legacy PIM endpoints Microsoft
	// switched off while migrating it: every legacy route (assignments and
	// settings, both iterations) answers 403 TenantEnabledInAadRoleMigration.
	LegacyDisabled bool `json:"legacyDisabled,omitempty"`

	// Objects role scopes name (graphsim/scopes.go), group membership
	// (group id -> member ids; nested groups are followed by
	// transitiveMembers) and the entitlement-management provider's role
	// assignments.
	AdministrativeUnits                  []AdministrativeUnit        `json:"administrativeUnits"`
	AttributeSets                        []AttributeSet              `json:"attributeSets"`
	Applications                         []Application               `json:"applications"`
	AccessPackageCatalogs                []AccessPackageCatalog      `json:"accessPackageCatalogs"`
	EntitlementManagementRoleAssignments []EntitlementRoleAssignment `json:"entitlementManagementRoleAssignments"`
	GroupMembers                         map[string][]string         `json:"groupMembers"`
}

// Registered reports whether the tenant is registered to legacy PIM.
func (s *Seed) Registered() bool { return s.PIMRegistered == nil || *s.PIMRegistered }

// User is a microsoft.graph.user.
type User struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	DisplayName       string `json:"displayName,omitempty"`
	// AccountEnabled nil means true.
	AccountEnabled *bool  `json:"accountEnabled,omitempty"`
	UserType       string `json:"userType,omitempty"` // "Member" when empty
	// OnPremisesSyncEnabled is true for an account synchronized from an
	// on-premises directory; a cloud-only account has none (null).
	OnPremisesSyncEnabled *bool `json:"onPremisesSyncEnabled,omitempty"`
	// OnPremisesImmutableID links the account to its on-premises (or
	// federated) source; empty for a cloud-only account.
	OnPremisesImmutableID string `json:"onPremisesImmutableId,omitempty"`
}

// Group is a microsoft.graph.group.
type Group struct {
	ID                 string `json:"id"`
	DisplayName        string `json:"displayName,omitempty"`
	IsAssignableToRole bool   `json:"isAssignableToRole"`
}

// ServicePrincipal is a microsoft.graph.servicePrincipal.
type ServicePrincipal struct {
	ID          string `json:"id"`
	AppID       string `json:"appId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// RoleDefinition is a unifiedRoleDefinition. In a seed, fields left out of
// an entry that overrides a built-in role keep the catalogue's value; a new
// role defaults to isBuiltIn false, isEnabled true, templateId = id.
type RoleDefinition struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
	IsBuiltIn   *bool  `json:"isBuiltIn,omitempty"`
	IsEnabled   *bool  `json:"isEnabled,omitempty"`
	TemplateID  string `json:"templateId,omitempty"`
	// AllowedResourceActions are a custom role's permissions
	// (rolePermissions[0].allowedResourceActions): what decides the scopes
	// it can be assigned at.
	AllowedResourceActions []string `json:"allowedResourceActions,omitempty"`
}

// PrivilegedRoleAssignment is a legacy (iteration 1) privilegedRoleAssignment.
// ID is "{userId}_{roleId}"; LoadSeed derives it when absent.
type PrivilegedRoleAssignment struct {
	ID                 string     `json:"id"`
	UserID             string     `json:"userId"`
	RoleID             string     `json:"roleId"`
	IsElevated         bool       `json:"isElevated"`
	ExpirationDateTime *time.Time `json:"expirationDateTime"`
	ResultMessage      *string    `json:"resultMessage"`
}

// GovernanceRoleAssignment is a legacy (iteration 2) governanceRoleAssignment
// of the aadRoles provider.
type GovernanceRoleAssignment struct {
	ID                             string     `json:"id"`
	ResourceID                     string     `json:"resourceId,omitempty"` // the tenant id when empty
	RoleDefinitionID               string     `json:"roleDefinitionId"`
	SubjectID                      string     `json:"subjectId"`
	LinkedEligibleRoleAssignmentID string     `json:"linkedEligibleRoleAssignmentId,omitempty"`
	ExternalID                     string     `json:"externalId,omitempty"`
	StartDateTime                  *time.Time `json:"startDateTime,omitempty"`
	EndDateTime                    *time.Time `json:"endDateTime,omitempty"`
	AssignmentState                string     `json:"assignmentState,omitempty"`
	MemberType                     string     `json:"memberType,omitempty"`
	Status                         string     `json:"status,omitempty"`
}

// RoleAssignment is a unifiedRoleAssignment. Its id is opaque; LoadSeed
// gives one in Graph's style when absent.
type RoleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId,omitempty"`
	AppScopeID       string `json:"appScopeId,omitempty"`
}

// Schedule is a unifiedRoleEligibilitySchedule or a
// unifiedRoleAssignmentSchedule.
type Schedule struct {
	ID               string       `json:"id"`
	PrincipalID      string       `json:"principalId"`
	RoleDefinitionID string       `json:"roleDefinitionId"`
	DirectoryScopeID string       `json:"directoryScopeId,omitempty"`
	AppScopeID       string       `json:"appScopeId,omitempty"`
	MemberType       string       `json:"memberType,omitempty"`     // "Direct" when empty
	Status           string       `json:"status,omitempty"`         // "Provisioned" when empty
	CreatedUsing     string       `json:"createdUsing,omitempty"`   // the request id
	AssignmentType   string       `json:"assignmentType,omitempty"` // active schedules: "Assigned"
	CreatedDateTime  *time.Time   `json:"createdDateTime,omitempty"`
	ScheduleInfo     ScheduleInfo `json:"scheduleInfo"`
}

// ScheduleInfo is a requestSchedule.
type ScheduleInfo struct {
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	Expiration    Expiration `json:"expiration"`
}

// Expiration is an expirationPattern: type noExpiration, afterDateTime
// (EndDateTime) or afterDuration (Duration, ISO 8601 such as "PT8H").
type Expiration struct {
	Type        string     `json:"type,omitempty"` // noExpiration when empty
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	Duration    string     `json:"duration,omitempty"`
}

// seedFields are the top-level fields a seed may have. Keys starting with
// "_", "$" or "@" are comments and ignored.
var seedFields = map[string]bool{
	"tenantId": true, "displayName": true, "pimRegistered": true, "users": true, "groups": true,
	"servicePrincipals": true, "roleDefinitions": true, "privilegedRoleAssignments": true,
	"governanceRoleAssignments": true, "roleAssignments": true, "roleEligibilitySchedules": true,
	"roleAssignmentSchedules": true, "privilegedRoleSettings": true, "governanceRoleSettings": true,
	"roleManagementPolicies": true, "roleManagementPolicyAssignments": true, "legacyDisabled": true,
	"administrativeUnits": true, "attributeSets": true, "applications": true, "accessPackageCatalogs": true,
	"entitlementManagementRoleAssignments": true, "groupMembers": true,
}

// SeedError is a problem in a seed file: the file, where in it, and what.
type SeedError struct {
	File string
	// Where is a line:column, or the record ("users[3]"), or empty.
	Where string
	Err   error
}

func (e *SeedError) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("tenant seed %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("tenant seed %s: %s: %v", e.File, e.Where, e.Err)
}

func (e *SeedError) Unwrap() error { return e.Err }

// LoadSeed reads a tenant seed. name is the file name used in errors, which
// say what is wrong and where: malformed JSON (line:column), an unknown
// top-level field, a field of the wrong type, a malformed GUID, a duplicate
// id or a duplicate assignment. Missing ids are derived as Graph would give
// them.
func LoadSeed(r io.Reader, name string) (*Seed, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &SeedError{File: name, Err: err}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(name, data, err)
	}
	if top == nil {
		return nil, &SeedError{File: name, Err: errors.New("not a JSON object; a seed is {\"tenantId\": ..., \"users\": [...], ...}")}
	}
	var unknown []string
	for k := range top {
		if !seedFields[k] && !strings.HasPrefix(k, "_") && !strings.HasPrefix(k, "$") && !strings.HasPrefix(k, "@") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, &SeedError{File: name, Err: fmt.Errorf("unknown field %q (known: tenantId, displayName, pimRegistered, users, groups, "+
			"servicePrincipals, roleDefinitions, privilegedRoleAssignments, governanceRoleAssignments, roleAssignments, "+
			"roleEligibilitySchedules, roleAssignmentSchedules, privilegedRoleSettings, governanceRoleSettings, "+
			"roleManagementPolicies, roleManagementPolicyAssignments, legacyDisabled, administrativeUnits, attributeSets, "+
			"applications, accessPackageCatalogs, entitlementManagementRoleAssignments, groupMembers)", unknown[0])}
	}
	var s Seed
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, jsonError(name, data, err)
	}
	if err := s.normalize(); err != nil {
		var se *SeedError
		if errors.As(err, &se) {
			se.File = name
			return nil, se
		}
		return nil, &SeedError{File: name, Err: err}
	}
	return &s, nil
}

// Validate checks a seed built in code the way LoadSeed checks a file, and
// fills in derived ids. New calls it and panics on an error.
func (s *Seed) Validate() error {
	if err := s.normalize(); err != nil {
		var se *SeedError
		if errors.As(err, &se) && se.File == "" {
			se.File = "(in memory)"
		}
		return err
	}
	return nil
}

func jsonError(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && strings.Contains(syn.Error(), "unexpected end"):
		return &SeedError{File: name, Where: lineCol(data, int64(len(data))), Err: errors.New("malformed JSON: truncated")}
	case errors.As(err, &syn):
		return &SeedError{File: name, Where: lineCol(data, syn.Offset), Err: fmt.Errorf("malformed JSON: %v", syn)}
	case errors.As(err, &typ):
		return &SeedError{File: name, Where: lineCol(data, typ.Offset),
			Err: fmt.Errorf("field %s: JSON %s where a %s is expected", typ.Field, typ.Value, typ.Type)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &SeedError{File: name, Where: lineCol(data, int64(len(data))), Err: errors.New("malformed JSON: truncated")}
	}
	return &SeedError{File: name, Err: err}
}

func lineCol(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

// seedProblem builds the error for record i of a collection.
func seedProblem(coll string, i int, id string, format string, args ...any) error {
	where := fmt.Sprintf("%s[%d]", coll, i)
	if id != "" {
		where += fmt.Sprintf(" (id %q)", id)
	}
	return &SeedError{Where: where, Err: fmt.Errorf(format, args...)}
}

func checkGUID(coll string, i int, id, field, v string, required bool) (migrate.GUID, error) {
	if v == "" {
		if required {
			return migrate.GUID{}, seedProblem(coll, i, id, "%s is missing", field)
		}
		return migrate.GUID{}, nil
	}
	g, err := migrate.ParseGUID(v)
	if err != nil {
		return g, seedProblem(coll, i, id, "%s: %v", field, err)
	}
	return g, nil
}

// checkTargetIDs checks the principalId and roleDefinitionId of an
// assignment-like record: both required GUIDs.
func checkTargetIDs(coll string, i int, id, principal, role string) (p, r migrate.GUID, err error) {
	if p, err = checkGUID(coll, i, id, "principalId", principal, true); err != nil {
		return
	}
	r, err = checkGUID(coll, i, id, "roleDefinitionId", role, true)
	return
}

// normalize validates the seed and fills in derived values (ids). It does
// not look references up: a legacy assignment may name a principal or a
// role the tenant no longer has, which is exactly what the planner must
// cope with.
func (s *Seed) normalize() error {
	if s.TenantID == "" {
		s.TenantID = DefaultTenantID
	}
	if _, err := migrate.ParseGUID(s.TenantID); err != nil {
		return &SeedError{Where: "tenantId", Err: err}
	}
	dir := map[migrate.GUID]string{}
	addDir := func(coll string, i int, id string) error { return addDirID(dir, coll, i, id) }
	for i, u := range s.Users {
		if err := addDir("users", i, u.ID); err != nil {
			return err
		}
	}
	for i, g := range s.Groups {
		if err := addDir("groups", i, g.ID); err != nil {
			return err
		}
	}
	for i, sp := range s.ServicePrincipals {
		if err := addDir("servicePrincipals", i, sp.ID); err != nil {
			return err
		}
		if _, err := checkGUID("servicePrincipals", i, sp.ID, "appId", sp.AppID, false); err != nil {
			return err
		}
	}
	seen := map[migrate.GUID]int{}
	for i, d := range s.RoleDefinitions {
		g, err := checkGUID("roleDefinitions", i, d.ID, "id", d.ID, true)
		if err != nil {
			return err
		}
		if j, ok := seen[g]; ok {
			return seedProblem("roleDefinitions", i, d.ID, "duplicate id: roleDefinitions[%d] has the same id", j)
		}
		seen[g] = i
		if _, err := checkGUID("roleDefinitions", i, d.ID, "templateId", d.TemplateID, false); err != nil {
			return err
		}
	}
	roles := newRoleIndex(s.RoleDefinitions)
	for i, d := range s.RoleDefinitions {
		if roles.byID[migrate.MustGUID(d.ID)].displayName == "" {
			return seedProblem("roleDefinitions", i, d.ID, "displayName is missing (a role that is not built in needs one)")
		}
	}

	ids := map[string]int{}
	for i := range s.PrivilegedRoleAssignments {
		a := &s.PrivilegedRoleAssignments[i]
		const coll = "privilegedRoleAssignments"
		u, err := checkGUID(coll, i, a.ID, "userId", a.UserID, true)
		if err != nil {
			return err
		}
		r, err := checkGUID(coll, i, a.ID, "roleId", a.RoleID, true)
		if err != nil {
			return err
		}
		want := migrate.Key(u, r)
		if a.ID == "" {
			a.ID = a.UserID + "_" + a.RoleID
		} else if !strings.EqualFold(a.ID, want) {
			return seedProblem(coll, i, a.ID, "id must be {userId}_{roleId} (%s)", want)
		}
		if j, ok := ids[strings.ToLower(a.ID)]; ok {
			return seedProblem(coll, i, a.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		ids[strings.ToLower(a.ID)] = i
		if a.ExpirationDateTime != nil {
			t := a.ExpirationDateTime.UTC()
			a.ExpirationDateTime = &t
		}
	}

	ids = map[string]int{}
	for i := range s.GovernanceRoleAssignments {
		a := &s.GovernanceRoleAssignments[i]
		const coll = "governanceRoleAssignments"
		if a.ID == "" {
			return seedProblem(coll, i, "", "id is missing")
		}
		if j, ok := ids[strings.ToLower(a.ID)]; ok {
			return seedProblem(coll, i, a.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		ids[strings.ToLower(a.ID)] = i
		if _, err := checkGUID(coll, i, a.ID, "subjectId", a.SubjectID, true); err != nil {
			return err
		}
		if _, err := checkGUID(coll, i, a.ID, "roleDefinitionId", a.RoleDefinitionID, true); err != nil {
			return err
		}
		if _, err := checkGUID(coll, i, a.ID, "resourceId", a.ResourceID, false); err != nil {
			return err
		}
		a.StartDateTime = utcPtr(a.StartDateTime)
		a.EndDateTime = utcPtr(a.EndDateTime)
	}

	ids = map[string]int{}
	keys := map[tripleKey]int{}
	for i := range s.RoleAssignments {
		a := &s.RoleAssignments[i]
		const coll = "roleAssignments"
		p, r, err := checkTargetIDs(coll, i, a.ID, a.PrincipalID, a.RoleDefinitionID)
		if err != nil {
			return err
		}
		if a.DirectoryScopeID == "" && a.AppScopeID == "" {
			a.DirectoryScopeID = migrate.DirectoryScopeRoot
		}
		k := makeKey(p, roles.canonical(r), a.DirectoryScopeID, a.AppScopeID)
		if j, ok := keys[k]; ok {
			return seedProblem(coll, i, a.ID, "duplicate assignment: %s[%d] has the same principal, role and scope", coll, j)
		}
		keys[k] = i
		if a.ID == "" {
			a.ID = roleAssignmentID(p, roles.canonical(r), a.DirectoryScopeID, a.AppScopeID)
		}
		if j, ok := ids[a.ID]; ok { // opaque ids are case-sensitive
			return seedProblem(coll, i, a.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		ids[a.ID] = i
	}
	if err := normalizeSchedules("roleEligibilitySchedules", s.RoleEligibilitySchedules, roles, "elig"); err != nil {
		return err
	}
	if err := normalizeSchedules("roleAssignmentSchedules", s.RoleAssignmentSchedules, roles, "asg"); err != nil {
		return err
	}
	if err := s.normalizeScopes(dir, roles); err != nil {
		return err
	}
	if err := s.normalizeRoleSettings(roles); err != nil {
		return err
	}
	return s.normalizePolicies(roles)
}

func normalizeSchedules(coll string, list []Schedule, roles *roleIndex, salt string) error {
	ids := map[string]int{}
	keys := map[tripleKey]int{}
	for i := range list {
		a := &list[i]
		p, r, err := checkTargetIDs(coll, i, a.ID, a.PrincipalID, a.RoleDefinitionID)
		if err != nil {
			return err
		}
		if a.DirectoryScopeID == "" && a.AppScopeID == "" {
			a.DirectoryScopeID = migrate.DirectoryScopeRoot
		}
		k := makeKey(p, roles.canonical(r), a.DirectoryScopeID, a.AppScopeID)
		if j, ok := keys[k]; ok {
			return seedProblem(coll, i, a.ID, "duplicate schedule: %s[%d] has the same principal, role and scope", coll, j)
		}
		keys[k] = i
		if a.ID == "" {
			a.ID = hashGUID(salt, k.String())
		}
		if j, ok := ids[strings.ToLower(a.ID)]; ok {
			return seedProblem(coll, i, a.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		ids[strings.ToLower(a.ID)] = i
		e := &a.ScheduleInfo.Expiration
		switch strings.ToLower(e.Type) {
		case "", "noexpiration":
		case "afterdatetime":
			if e.EndDateTime == nil {
				return seedProblem(coll, i, a.ID, "scheduleInfo.expiration: type afterDateTime needs endDateTime")
			}
		case "afterduration":
			if _, err := migrate.ParseDuration(e.Duration); err != nil {
				return seedProblem(coll, i, a.ID, "scheduleInfo.expiration.duration: %v", err)
			}
		default:
			return seedProblem(coll, i, a.ID, "scheduleInfo.expiration.type %q is not noExpiration, afterDateTime or afterDuration", e.Type)
		}
		a.ScheduleInfo.StartDateTime = utcPtr(a.ScheduleInfo.StartDateTime)
		e.EndDateTime = utcPtr(e.EndDateTime)
		a.CreatedDateTime = utcPtr(a.CreatedDateTime)
	}
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// clone returns a deep copy of s.
func (s *Seed) clone() *Seed {
	c := *s
	c.PIMRegistered = clonePtr(s.PIMRegistered)
	c.Users = cloneSlice(s.Users)
	for i := range c.Users {
		c.Users[i].AccountEnabled = clonePtr(c.Users[i].AccountEnabled)
	}
	c.Groups = cloneSlice(s.Groups)
	c.ServicePrincipals = cloneSlice(s.ServicePrincipals)
	c.RoleDefinitions = cloneSlice(s.RoleDefinitions)
	for i := range c.RoleDefinitions {
		c.RoleDefinitions[i].IsBuiltIn = clonePtr(c.RoleDefinitions[i].IsBuiltIn)
		c.RoleDefinitions[i].IsEnabled = clonePtr(c.RoleDefinitions[i].IsEnabled)
	}
	c.PrivilegedRoleAssignments = cloneSlice(s.PrivilegedRoleAssignments)
	for i := range c.PrivilegedRoleAssignments {
		c.PrivilegedRoleAssignments[i] = c.PrivilegedRoleAssignments[i].clone()
	}
	c.GovernanceRoleAssignments = cloneSlice(s.GovernanceRoleAssignments)
	for i := range c.GovernanceRoleAssignments {
		c.GovernanceRoleAssignments[i] = c.GovernanceRoleAssignments[i].clone()
	}
	c.RoleAssignments = cloneSlice(s.RoleAssignments)
	c.RoleEligibilitySchedules = cloneSlice(s.RoleEligibilitySchedules)
	for i := range c.RoleEligibilitySchedules {
		c.RoleEligibilitySchedules[i] = c.RoleEligibilitySchedules[i].clone()
	}
	c.RoleAssignmentSchedules = cloneSlice(s.RoleAssignmentSchedules)
	for i := range c.RoleAssignmentSchedules {
		c.RoleAssignmentSchedules[i] = c.RoleAssignmentSchedules[i].clone()
	}
	c.PrivilegedRoleSettings = cloneSlice(s.PrivilegedRoleSettings)
	for i := range c.PrivilegedRoleSettings {
		c.PrivilegedRoleSettings[i] = c.PrivilegedRoleSettings[i].clone()
	}
	c.GovernanceRoleSettings = cloneSlice(s.GovernanceRoleSettings)
	for i := range c.GovernanceRoleSettings {
		c.GovernanceRoleSettings[i] = c.GovernanceRoleSettings[i].clone()
	}
	c.RoleManagementPolicies = cloneSlice(s.RoleManagementPolicies)
	for i := range c.RoleManagementPolicies {
		p := &c.RoleManagementPolicies[i]
		p.LastModifiedDateTime = clonePtr(p.LastModifiedDateTime)
		p.Rules = cloneSlice(p.Rules) // the rules' bytes are never changed in place
	}
	c.RoleManagementPolicyAssignments = cloneSlice(s.RoleManagementPolicyAssignments)
	s.cloneScopes(&c)
	return &c
}

func (a PrivilegedRoleAssignment) clone() PrivilegedRoleAssignment {
	a.ExpirationDateTime = clonePtr(a.ExpirationDateTime)
	a.ResultMessage = clonePtr(a.ResultMessage)
	return a
}

func (a GovernanceRoleAssignment) clone() GovernanceRoleAssignment {
	a.StartDateTime = clonePtr(a.StartDateTime)
	a.EndDateTime = clonePtr(a.EndDateTime)
	return a
}

func (a Schedule) clone() Schedule {
	a.CreatedDateTime = clonePtr(a.CreatedDateTime)
	a.ScheduleInfo.StartDateTime = clonePtr(a.ScheduleInfo.StartDateTime)
	a.ScheduleInfo.Expiration.EndDateTime = clonePtr(a.ScheduleInfo.Expiration.EndDateTime)
	return a
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneSlice copies a slice; the copy is never nil, so an empty collection
// is written as [] in JSON, not null.
func cloneSlice[T any](s []T) []T {
	out := make([]T, len(s))
	copy(out, s)
	return out
}
