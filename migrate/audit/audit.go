package audit

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
)

var severityNames = [...]string{Info: "info", Low: "low", Medium: "medium", High: "high"}

func (s Severity) String() string {
	if s < Info || s > High {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads "high", "medium", "low" or "info", in any case.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("severity %q: want high, medium, low or info", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Check ids. They are part of the reports and of scripts that read them:
// never rename one.
const (
	CheckLegacyMissing       = "legacy-missing"
	CheckLegacyNeedsDecision = "legacy-needs-decision"
	CheckLegacySkipped       = "legacy-skipped"
	CheckLegacyGone          = "legacy-gone"
	CheckEligibleNowStanding = "eligible-now-standing"
	CheckStandingNotInLegacy = "standing-not-in-legacy"
	CheckDeletedPrincipal    = "deleted-principal"
	CheckDisabledPrincipal   = "disabled-principal"
	CheckGuestPrivileged     = "guest-privileged"
	CheckGlobalAdminCount    = "global-admin-count"
	CheckExpiringSoon        = "expiring-soon"
	CheckProtectedPrincipal  = "protected-principal"
	CheckLegacyRejected      = "legacy-rejected"
	CheckLegacyNarrowed      = "legacy-narrowed"
	CheckAddedByPlan         = "added-by-plan"
)

// CheckInfo describes one check: its id, severity, title, and exactly what
// it counts.
type CheckInfo struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Counts   string   `json:"counts"`
}

// Checks lists every check, by severity (highest first), then id.
func Checks() []CheckInfo {
	cs := append(baseChecks(), scubaChecks()...)
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Severity != cs[j].Severity {
			return cs[i].Severity > cs[j].Severity
		}
		return cs[i].ID < cs[j].ID
	})
	return cs
}

func baseChecks() []CheckInfo {
	return []CheckInfo{
		{CheckEligibleNowStanding, High, "Legacy eligible access that is now standing access",
			`Each principal and role whose live legacy records (not expired at asOf) are all eligible, activated or time-bound eligible, ` +
				`and each scope where the tenant has a standing role assignment (not a PIM activation) for them: "/", or a narrower scope ` +
				`(administrative unit, attribute set, app registration); the detail says whether there is an eligibility at that scope too. ` +
				`With --plan, a narrower one the plan added is added-by-plan instead.`},
		{CheckLegacyMissing, High, "Legacy grants missing from unified role management",
			`Each principal and role with a legacy record live at asOf (permanent, eligible, activated or time-bound eligible) ` +
				`and no unified role assignment or eligibility at "/" (roles matched by template or directory-specific id), ` +
				`that the plan (--plan) creates or found present, or that nothing explains: not counted here are grants of deleted principals or roles, ` +
				`grants the tenant cannot hold as legacy did, grants skipped by choice (legacy-gone, legacy-needs-decision, legacy-skipped) ` +
				`and grants held at a narrower scope (legacy-narrowed). Protected principals are exempt.`},
		{CheckDeletedPrincipal, Medium, "Assignments of deleted principals",
			`Each unified role assignment or eligibility, at any scope, of either provider (directory, entitlement management), whose principal directoryObjects/getByIds does not return.`},
		{CheckDisabledPrincipal, Medium, "Assignments of disabled principals",
			`Each unified role assignment or eligibility, at any scope, of either provider, whose principal has accountEnabled false.`},
		{CheckGuestPrivileged, Medium, "Guests with privileged roles",
			`Each unified role assignment or eligibility, at any scope, of a role the built-in catalogue labels privileged, held by a user with userType Guest.`},
		{CheckLegacyNeedsDecision, Medium, "Legacy grants that need a decision",
			`Each live legacy grant with no unified grant at "/" that the tenant cannot hold as legacy did: a service principal that was eligible ` +
				`(it can only be active), a group that is not role-assignable, or (with --plan) records that disagree (conflicting-records) ` +
				`or a scope rule whose scope the plan could not use (scope-not-found, role-not-scopable; the detail names the rule).`},
		{CheckStandingNotInLegacy, Medium, "Standing access to privileged roles not in legacy",
			`Each standing unified role assignment (not a PIM activation), at any scope, of a role the built-in catalogue labels privileged, ` +
				`whose principal and role have no legacy record live at asOf; and each entitlement-management role assignment ("/" or a catalog), ` +
				`which legacy PIM never held. With --plan, one the plan added is added-by-plan instead. Protected principals are exempt.`},
		{CheckExpiringSoon, Low, "Eligibilities and assignments expiring within 30 days",
			`Each eligibility schedule and active assignment schedule (not a PIM activation, which is short by design) ending after asOf and at most 30 days after it.`},
		{CheckGlobalAdminCount, Low, "Global Administrator count outside 2-5",
			`Distinct principals with a standing role assignment (not a PIM activation) of Global Administrator at "/": ` +
				`a group counts once (members not expanded), eligible Global Administrators are not counted. One finding when fewer than 2 or more than 5.`},
		{CheckLegacyNarrowed, Low, "Legacy tenant-wide grants held at a narrower scope",
			`Each principal and role with a legacy record live at asOf and no unified role assignment or eligibility at "/", ` +
				`that the tenant holds (standing, not a PIM activation, or eligible) at a narrower scope: an administrative unit, an attribute set ` +
				`or an app registration. With --plan, only when the plan's item for the grant is at one of those scopes (the detail names ` +
				`the --scope-rules row that narrowed it); otherwise legacy-missing and the checks after it judge the grant. Protected principals are exempt.`},
		{CheckLegacySkipped, Low, "Legacy grants skipped by choice",
			`Each live legacy grant with no unified grant at "/" of a role disabled in the tenant, or that the plan (--plan) skipped ` +
				`by its policy: eligible-as-skip, protected, expired (at the plan's asOf).`},
		{CheckLegacyGone, Info, "Legacy grants of deleted principals or roles",
			`Each live legacy grant with no unified grant at "/" whose principal the tenant no longer returns or whose role it does not have ` +
				`(with --plan: skipped principal-not-found or role-not-found): no access is missing.`},
		{CheckLegacyRejected, Info, "Legacy records rejected at export",
			`Each record legacy.json lists as rejected at export, with its reason.`},
		{CheckProtectedPrincipal, Info, "Protected (break-glass) principals and what they hold",
			`For each --protect entry: every unified role assignment (of either provider) and eligibility it holds, every live legacy record with no unified grant at "/", or that it holds nothing.`},
		{CheckAddedByPlan, Info, "Standing access the plan added beyond legacy",
			`With --plan: each standing unified role assignment, of either provider, that standing-not-in-legacy or eligible-now-standing ` +
				`would report, that a plan --add row the plan did not skip makes (the detail names assignments.csv:N).`},
	}
}

// Grant says what kind of access a finding is about.
type Grant string

// Grants.
const (
	// GrantStanding is a unified role assignment that is not a PIM
	// activation: access without activating (permanent or time-bound).
	GrantStanding Grant = "standing"
	// GrantActivated is a unified role assignment made by activating an
	// eligibility (its assignment schedule says "Activated").
	GrantActivated Grant = "activated"
	// GrantEligible is a unified eligibility schedule.
	GrantEligible Grant = "eligible"
	// GrantLegacy is a legacy PIM record.
	GrantLegacy Grant = "legacy"
)

// Principal names a finding's principal. Fields are empty when unknown (a
// deleted object has only its id).
type Principal struct {
	ID                string                `json:"id,omitempty"`
	DisplayName       string                `json:"displayName,omitempty"`
	UserPrincipalName string                `json:"userPrincipalName,omitempty"`
	Type              migrate.PrincipalType `json:"type,omitempty"`
}

// Role names a finding's role. ID is the id roles are matched by: the
// template id of a built-in role, whichever id the tenant used.
type Role struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Privileged  bool   `json:"privileged,omitempty"`
}

// Finding is one thing the audit found.
type Finding struct {
	Severity  Severity  `json:"severity"`
	Check     string    `json:"check"`
	Principal Principal `json:"principal"`
	Role      Role      `json:"role"`
	// Scope is the grant's scope for people: ScopeID and, when the tenant
	// names the scope's object (Tenant.Scopes), its display name in
	// parentheses: "/administrativeUnits/{id} (Sales)".
	Scope string `json:"scope,omitempty"`
	// ScopeID is the grant's directoryScopeId ("/" for the tenant), or its
	// appScopeId for entitlement management ("/" or
	// "/AccessPackageCatalog/{id}").
	ScopeID string `json:"scopeId,omitempty"`
	// Provider is migrate.ProviderEntitlement for an entitlement-management
	// role assignment, empty for the directory.
	Provider string `json:"provider,omitempty"`
	// Grant is the kind of access the finding is about.
	Grant Grant `json:"grant,omitempty"`
	// ObjectID is the unified roleAssignment or schedule id, when the
	// finding is about one.
	ObjectID string `json:"objectId,omitempty"`
	// EndDateTime is when the unified grant ends, when it has an end.
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	Detail      string     `json:"detail"`
	// LegacySource is where the legacy record was read ("file#record"),
	// several separated by "; ".
	LegacySource string `json:"legacySource,omitempty"`
}

// DefaultExpiryWindow is how far ahead expiring-soon looks.
const DefaultExpiryWindow = 30 * 24 * time.Hour

// Microsoft recommends fewer than five Global Administrators and at least
// two (emergency access accounts included).
const (
	MinGlobalAdmins = 2
	MaxGlobalAdmins = 5
)

// GlobalAdministrator is the Global Administrator role's template id.
var GlobalAdministrator = migrate.MustGUID("62e90394-69f5-4237-9190-012177145e10")

// Input is everything the audit looks at; it reads nothing else.
type Input struct {
	Legacy *migrate.Legacy
	// Tenant is the tenant as migrate/graph's ReadAuditTenant reads it. With
	// AssignmentSchedules nil (not read) no role assignment is known to be a
	// PIM activation, so every one counts as standing.
	Tenant    *migrate.Tenant
	Catalogue *migrate.Catalogue
	// AsOf is when legacy expiries and expiring-soon are judged.
	AsOf time.Time
	// Protect lists break-glass principals (object ids or UPNs), as
	// migrate.ParseProtectList returns them.
	Protect []string
	// ExpiryWindow is how far ahead of AsOf expiring-soon looks; 0 means
	// DefaultExpiryWindow.
	ExpiryWindow time.Duration
	// Plan, when set, is what the plan made of each legacy principal and
	// role, and the items it added beyond legacy (audit --plan; PlannedOf):
	// a grant it skipped is judged by its reason, one it narrowed by its
	// scope, one it added is no surprise.
	Plan []Planned
}

// Planned is what a plan made of one legacy principal and role, or one
// item it added beyond legacy.
type Planned struct {
	PrincipalID, RoleID migrate.GUID
	Action              migrate.Action
	Reason              string
	// Provider is migrate.ProviderEntitlement for an entitlement-management
	// item, empty for the directory.
	Provider string
	// ScopeID is the item's target scope; "" is "/".
	ScopeID string
	// ScopeRule is the --scope-rules row ("rules.csv:3") that narrowed the
	// legacy grant to ScopeID.
	ScopeRule string
	// Added is the --add row ("assignments.csv:4") the item comes from, or
	// migrate.AddedDirectoryReaders; empty for a legacy grant.
	Added string
}

// PlannedOf is what the audit needs of a plan.json item, and false for an
// item that is no grant of its own: a role setting, or the item that
// recreates a running activation (its key ends "#activation").
func PlannedOf(it *migrate.Item) (Planned, bool) {
	if it.Kind != migrate.KindAssignment || strings.Contains(it.Key, "#") {
		return Planned{}, false
	}
	p := Planned{PrincipalID: it.Legacy.UserID, RoleID: it.Legacy.RoleID, Action: it.Action, Reason: it.Reason,
		Provider: it.Target.Provider, ScopeID: it.Target.ScopeID(), ScopeRule: it.ScopeRule, Added: it.Added}
	if it.Added != "" {
		p.PrincipalID, p.RoleID = it.Target.PrincipalID, it.Target.RoleDefinitionID
	}
	return p, true
}

// Result is the audit's outcome: findings sorted by severity (highest
// first), check, principal (name, then id), role (name, then id), scope.
type Result struct {
	TenantID string    `json:"tenantId"`
	AsOf     time.Time `json:"asOf"`
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	// RoleSettings are the activation controls of the highly privileged
	// roles and of every role legacy.json has settings for, as the
	// tenant's policies hold them (the workbook's Role settings sheet);
	// nil when the policies were not read.
	RoleSettings []RoleSetting `json:"-"`
}

// ErrOfflineTenant is returned for a tenant that was not read.
var ErrOfflineTenant = errors.New("audit: the tenant was not read (offline); audit compares with the live tenant")

// Run audits the tenant.
func Run(in Input) (*Result, error) {
	switch {
	case in.Legacy == nil, in.Tenant == nil, in.Catalogue == nil:
		return nil, errors.New("audit: legacy snapshot, tenant and catalogue are required")
	case in.AsOf.IsZero():
		return nil, errors.New("audit: asOf is required")
	case in.Tenant.Offline:
		return nil, ErrOfflineTenant
	}
	if in.ExpiryWindow <= 0 {
		in.ExpiryWindow = DefaultExpiryWindow
	}
	a := newAuditor(in)
	a.legacyChecks()
	a.standingNotInLegacy()
	a.principalChecks()
	a.globalAdminCount()
	a.expiringSoon()
	a.protected()
	a.rejected()
	a.scuba()
	sortFindings(a.out)
	if a.out == nil {
		a.out = []Finding{}
	}
	return &Result{
		TenantID:     strings.ToLower(in.Tenant.TenantID),
		AsOf:         in.AsOf.UTC(),
		Findings:     a.out,
		Summary:      summarize(a.out),
		RoleSettings: a.settings,
	}, nil
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		for _, c := range [...][2]string{
			{a.Check, b.Check},
			{strings.ToLower(a.Principal.DisplayName), strings.ToLower(b.Principal.DisplayName)},
			{strings.ToLower(a.Principal.UserPrincipalName), strings.ToLower(b.Principal.UserPrincipalName)},
			{a.Principal.ID, b.Principal.ID},
			{strings.ToLower(a.Role.DisplayName), strings.ToLower(b.Role.DisplayName)},
			{a.Role.ID, b.Role.ID},
			{a.Scope, b.Scope},
			{string(a.Grant), string(b.Grant)},
			{a.ObjectID, b.ObjectID},
			{a.LegacySource, b.LegacySource},
			{a.Detail, b.Detail},
		} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return false
	})
}
