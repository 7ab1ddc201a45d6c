package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// The checks of CISA's ScubaGear Microsoft Entra ID baseline, section 7
// ("Highly Privileged User Access"), that read from Graph with read-only
// permissions, and weaker-than-legacy. Each finding's detail starts with
// the baseline's policy id (README.md, "audit").
const (
	CheckScubaGlobalAdminCount = "scuba-global-admin-count" // MS.AAD.7.1v1
	CheckScubaGlobalAdminRatio = "scuba-global-admin-ratio" // MS.AAD.7.2v1
	CheckScubaCloudOnly        = "scuba-cloud-only"         // MS.AAD.7.3v1
	CheckScubaPermanentActive  = "scuba-permanent-active"   // MS.AAD.7.4v1
	CheckScubaGAApproval       = "scuba-ga-approval"        // MS.AAD.7.6v1
	CheckScubaAssignmentAlerts = "scuba-assignment-alerts"  // MS.AAD.7.7v1
	CheckScubaGAActivation     = "scuba-ga-activation-alert"
	CheckScubaActivationAlerts = "scuba-activation-alerts" // MS.AAD.7.9v1
	CheckScubaNotRead          = "scuba-policies-not-read"
	CheckWeakerThanLegacy      = "weaker-than-legacy"
)

// The baseline's bounds on Global Administrators (MS.AAD.7.1v1).
const (
	ScubaMinGlobalAdmins = 2
	ScubaMaxGlobalAdmins = 8
)

// HighlyPrivileged are the roles the baseline calls highly privileged, by
// template id. CISA's list is not Microsoft's "privileged" label: it adds
// Exchange and SharePoint Administrator and leaves out, for example,
// Security Administrator.
var HighlyPrivileged = []migrate.GUID{
	GlobalAdministrator,
	migrate.MustGUID("e8611ab8-c189-46e8-94e1-60213ab1f814"), // Privileged Role Administrator
	migrate.MustGUID("fe930be7-5e62-47db-91af-98c3a49a38b1"), // User Administrator
	migrate.MustGUID("f28a1f50-f6e7-4571-818b-6a12f2af6b6c"), // SharePoint Administrator
	migrate.MustGUID("29232cdf-9323-42fd-ade2-1d097af3e4de"), // Exchange Administrator
	migrate.MustGUID("8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"), // Hybrid Identity Administrator
	migrate.MustGUID("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"), // Application Administrator
	migrate.MustGUID("158c047a-c907-4556-b7ef-446551a6b5f7"), // Cloud Application Administrator
}

func scubaChecks() []CheckInfo {
	return []CheckInfo{
		{CheckScubaPermanentActive, High, "MS.AAD.7.4v1: permanent active assignments of highly privileged roles",
			`Each standing role assignment (not a PIM activation), at any scope, of a highly privileged role, with no end; protected (break-glass) principals are the baseline's exception and exempt.`},
		{CheckScubaCloudOnly, High, "MS.AAD.7.3v1: privileged users are cloud-only accounts",
			`Each user whose account comes from an on-premises directory or another identity provider (onPremisesSyncEnabled, or an onPremisesImmutableId) who holds a highly privileged role, eligible or active, at any scope: one finding per user and role. A compromised on-premises directory must not reach the tenant's highest roles.`},
		{CheckScubaGAApproval, High, "MS.AAD.7.6v1: Global Administrator activation requires approval",
			`One finding when the Global Administrator's policy rule Approval_EndUser_Assignment does not require approval.`},
		{CheckWeakerThanLegacy, High, "Role settings weaker than legacy",
			`Each rule of a role's policy looser than the role's legacy settings in legacy.json asked (approval or MFA lost, a longer maximum): what plan --settings tighten would change. High for privileged roles, medium otherwise.`},
		{CheckScubaAssignmentAlerts, Medium, "MS.AAD.7.7v1: alerts on eligible and active assignment of highly privileged roles",
			`Each highly privileged role whose Notification_Admin_Admin_Assignment or Notification_Admin_Admin_Eligibility rule has no additional recipient.`},
		{CheckScubaGAActivation, Medium, "MS.AAD.7.8v1: alert on Global Administrator activation",
			`One finding when the Global Administrator's Notification_Admin_EndUser_Assignment rule has no additional recipient.`},
		{CheckScubaGlobalAdminCount, Medium, "MS.AAD.7.1v1: two to eight Global Administrators",
			`Distinct principals holding Global Administrator, eligible or active, at "/": a group counts once (members not expanded). One finding when fewer than 2 or more than 8.`},
		{CheckScubaGlobalAdminRatio, Medium, "MS.AAD.7.2v1: finer-grained roles instead of Global Administrator",
			`Principals holding Global Administrator over principals holding other highly privileged roles but not Global Administrator (eligible or active, at "/"); one finding when above 1.`},
		{CheckScubaActivationAlerts, Low, "MS.AAD.7.9v1: alerts on activation of other highly privileged roles",
			`Each highly privileged role other than Global Administrator whose Notification_Admin_EndUser_Assignment rule has no additional recipient (the baseline says SHOULD).`},
		{CheckScubaNotRead, Info, "Role management policies not read",
			`One finding when the policies were not read: MS.AAD.7.6v1 to 7.9v1 and weaker-than-legacy are then not checked.`},
	}
}

func (a *auditor) isHighlyPrivileged(role migrate.GUID) bool {
	c := a.roles.Canonical(role)
	for _, id := range HighlyPrivileged {
		if c == id {
			return true
		}
	}
	return false
}

// scuba runs the baseline's checks.
func (a *auditor) scuba() {
	a.scubaPermanentActive()
	a.scubaCloudOnly()
	a.scubaCounts()
	if a.in.Tenant.Policies == nil {
		a.add(Finding{Severity: Info, Check: CheckScubaNotRead,
			Detail: "the role management policies were not read (RoleManagementPolicy.Read.Directory): MS.AAD.7.6v1 to 7.9v1 and weaker-than-legacy were not checked"})
		return
	}
	rules := map[migrate.GUID]map[string]json.RawMessage{}
	for _, p := range a.in.Tenant.Policies {
		rules[a.roles.Canonical(p.RoleID)] = p.Rules
	}
	ga := rules[GlobalAdministrator]
	if ga != nil {
		if v, err := migrate.RuleValues(migrate.RuleActivationApproval, ga[migrate.RuleActivationApproval]); err == nil && len(v) > 0 && v[0].Value != "true" {
			a.add(Finding{Severity: High, Check: CheckScubaGAApproval, Role: a.role(GlobalAdministrator), ScopeID: migrate.DirectoryScopeRoot,
				Detail: "MS.AAD.7.6v1: activating Global Administrator does not require approval (Approval_EndUser_Assignment isApprovalRequired false)"})
		}
		if len(recipients(ga["Notification_Admin_EndUser_Assignment"])) == 0 {
			a.add(Finding{Severity: Medium, Check: CheckScubaGAActivation, Role: a.role(GlobalAdministrator), ScopeID: migrate.DirectoryScopeRoot,
				Detail: "MS.AAD.7.8v1: activating Global Administrator alerts no additional recipient (Notification_Admin_EndUser_Assignment)"})
		}
	}
	for _, id := range HighlyPrivileged {
		r := rules[id]
		if r == nil {
			continue
		}
		var missing []string
		for _, rule := range []string{"Notification_Admin_Admin_Assignment", "Notification_Admin_Admin_Eligibility"} {
			if len(recipients(r[rule])) == 0 {
				missing = append(missing, rule)
			}
		}
		if len(missing) > 0 {
			a.add(Finding{Severity: Medium, Check: CheckScubaAssignmentAlerts, Role: a.role(id), ScopeID: migrate.DirectoryScopeRoot,
				Detail: "MS.AAD.7.7v1: assigning this role alerts no additional recipient (" + strings.Join(missing, ", ") + ")"})
		}
		if id != GlobalAdministrator && len(recipients(r["Notification_Admin_EndUser_Assignment"])) == 0 {
			a.add(Finding{Severity: Low, Check: CheckScubaActivationAlerts, Role: a.role(id), ScopeID: migrate.DirectoryScopeRoot,
				Detail: "MS.AAD.7.9v1: activating this role alerts no additional recipient (Notification_Admin_EndUser_Assignment)"})
		}
	}
	a.weakerThanLegacy()
	a.roleSettings(rules)
}

// RoleSetting is one role's activation controls as its policy holds them.
type RoleSetting struct {
	Role             Role
	HighlyPrivileged bool
	PolicyID         string
	// Approval, MFA and Justification say whether activating requires
	// them; MaxActivation is the longest activation (ISO 8601).
	Approval, MFA, Justification bool
	MaxActivation                string
	// AssignmentAlerts and ActivationAlerts are the additional
	// recipients of the assignment and activation alerts.
	AssignmentAlerts, ActivationAlerts []string
	// Weaker lists the fields looser than legacy.json's settings asked.
	Weaker []string
}

// roleSettings lists the controls of the highly privileged roles and of
// the roles legacy.json has settings for, highly privileged first.
func (a *auditor) roleSettings(rules map[migrate.GUID]map[string]json.RawMessage) {
	want := map[migrate.GUID]bool{}
	for _, id := range HighlyPrivileged {
		want[id] = true
	}
	for _, s := range a.in.Legacy.Settings {
		want[a.roles.Canonical(s.RoleID)] = true
	}
	weaker := map[migrate.GUID][]string{}
	for _, it := range migrate.SettingsGaps(a.in.Legacy, a.in.Tenant, a.in.Catalogue) {
		r := a.roles.Canonical(it.Setting.RoleID)
		for _, c := range it.Setting.Changes {
			weaker[r] = append(weaker[r], c.Field)
		}
	}
	policyIDs := map[migrate.GUID]string{}
	for _, p := range a.in.Tenant.Policies {
		policyIDs[a.roles.Canonical(p.RoleID)] = p.PolicyID
	}
	value := func(r map[string]json.RawMessage, rule, field string) string {
		vs, _ := migrate.RuleValues(rule, r[rule])
		for _, v := range vs {
			if v.Field == field {
				return v.Value
			}
		}
		return ""
	}
	for id := range want {
		r := rules[id]
		if r == nil {
			continue
		}
		a.settings = append(a.settings, RoleSetting{Role: a.role(id), HighlyPrivileged: a.isHighlyPrivileged(id), PolicyID: policyIDs[id],
			Approval:         value(r, migrate.RuleActivationApproval, migrate.FieldApprovalRequired) == "true",
			MFA:              value(r, migrate.RuleActivationEnablement, migrate.FieldMFA) == "true",
			Justification:    value(r, migrate.RuleActivationEnablement, migrate.FieldJustification) == "true",
			MaxActivation:    value(r, migrate.RuleActivationExpiration, migrate.FieldMaximumDuration),
			AssignmentAlerts: append(recipients(r["Notification_Admin_Admin_Assignment"]), recipients(r["Notification_Admin_Admin_Eligibility"])...),
			ActivationAlerts: recipients(r["Notification_Admin_EndUser_Assignment"]),
			Weaker:           weaker[id]})
	}
	sort.Slice(a.settings, func(i, j int) bool {
		x, y := &a.settings[i], &a.settings[j]
		if x.HighlyPrivileged != y.HighlyPrivileged {
			return x.HighlyPrivileged
		}
		return strings.ToLower(x.Role.DisplayName) < strings.ToLower(y.Role.DisplayName)
	})
}

// recipients are a notification rule's additional recipients.
func recipients(raw json.RawMessage) []string {
	var r struct {
		NotificationRecipients []string `json:"notificationRecipients"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return nil
	}
	return r.NotificationRecipients
}

func (a *auditor) scubaPermanentActive() {
	for i := range a.in.Tenant.RoleAssignments {
		ra := &a.in.Tenant.RoleAssignments[i]
		if !a.isHighlyPrivileged(ra.RoleDefinitionID) || a.activated(ra) || a.assignmentEnd(ra) != nil || a.isProtected(ra.PrincipalID) {
			continue
		}
		a.add(Finding{Severity: High, Check: CheckScubaPermanentActive, Principal: a.principal(ra.PrincipalID, ""), Role: a.role(ra.RoleDefinitionID),
			ScopeID: ra.DirectoryScopeID, Grant: GrantStanding, ObjectID: ra.ID,
			Detail: "MS.AAD.7.4v1: permanent active assignment of a highly privileged role; make it eligible, or list the account with --protect if it is an emergency access account"})
	}
}

// scubaCloudOnly is MS.AAD.7.3v1: a user synchronized from an on-premises
// directory holding a highly privileged role, eligible or active, at any
// scope; one finding per user and role, at its first grant.
func (a *auditor) scubaCloudOnly() {
	seen := map[key]bool{}
	for i := range a.held {
		h := &a.held[i]
		p := a.principals[h.k.p]
		if h.provider != "" || seen[h.k] || p == nil || !p.OnPremisesSynced || !a.isHighlyPrivileged(h.k.r) {
			continue
		}
		seen[h.k] = true
		a.add(Finding{Severity: High, Check: CheckScubaCloudOnly, Principal: a.principal(h.k.p, ""), Role: h.role,
			ScopeID: h.scope, Grant: h.grant, ObjectID: h.id,
			Detail: "MS.AAD.7.3v1: the account comes from an on-premises directory (onPremisesSyncEnabled or onPremisesImmutableId); give the role to a cloud-only account instead"})
	}
}

// scubaCounts are MS.AAD.7.1v1 and 7.2v1: who holds Global Administrator
// and the other highly privileged roles at "/", eligible or active.
func (a *auditor) scubaCounts() {
	ga, other := map[migrate.GUID]bool{}, map[migrate.GUID]bool{}
	hold := func(p, role migrate.GUID, scope string) {
		switch {
		case scope != migrate.DirectoryScopeRoot || !a.isHighlyPrivileged(role):
		case a.roles.Canonical(role) == GlobalAdministrator:
			ga[p] = true
		default:
			other[p] = true
		}
	}
	for _, ra := range a.in.Tenant.RoleAssignments {
		hold(ra.PrincipalID, ra.RoleDefinitionID, ra.DirectoryScopeID)
	}
	for _, es := range a.in.Tenant.EligibilitySchedules {
		hold(es.PrincipalID, es.RoleDefinitionID, es.DirectoryScopeID)
	}
	for p := range ga {
		delete(other, p) // the baseline counts one who holds both as a Global Administrator
	}
	if n := len(ga); n < ScubaMinGlobalAdmins || n > ScubaMaxGlobalAdmins {
		a.add(Finding{Severity: Medium, Check: CheckScubaGlobalAdminCount, Role: a.role(GlobalAdministrator), ScopeID: migrate.DirectoryScopeRoot,
			Detail: fmt.Sprintf("MS.AAD.7.1v1: %d principals hold Global Administrator, eligible or active (%s); the baseline wants %d to %d",
				n, a.names(ga), ScubaMinGlobalAdmins, ScubaMaxGlobalAdmins)})
	}
	if len(ga) > len(other) {
		a.add(Finding{Severity: Medium, Check: CheckScubaGlobalAdminRatio, Role: a.role(GlobalAdministrator), ScopeID: migrate.DirectoryScopeRoot,
			Detail: fmt.Sprintf("MS.AAD.7.2v1: %d principals hold Global Administrator and %d other highly privileged roles only; the baseline wants no more of the first than the second",
				len(ga), len(other))})
	}
}

// names lists principals for a detail, at most ten.
func (a *auditor) names(set map[migrate.GUID]bool) string {
	names := make([]string, 0, len(set))
	for id := range set {
		names = append(names, label(a.principal(id, "")))
	}
	sort.Strings(names)
	const show = 10
	list := strings.Join(names[:min(len(names), show)], ", ")
	if len(names) > show {
		list += fmt.Sprintf(" and %d more", len(names)-show)
	}
	if list == "" {
		return "none"
	}
	return list
}

// weakerThanLegacy reports each rule looser now than legacy.json's role
// settings asked.
func (a *auditor) weakerThanLegacy() {
	for _, it := range migrate.SettingsGaps(a.in.Legacy, a.in.Tenant, a.in.Catalogue) {
		sev := Medium
		if it.Role.Privileged || a.isHighlyPrivileged(it.Setting.RoleID) {
			sev = High
		}
		changes := make([]string, len(it.Setting.Changes))
		for i, c := range it.Setting.Changes {
			changes[i] = fmt.Sprintf("%s is %s, legacy asked %s", c.Field, c.From, c.To)
		}
		var srcs []string
		for _, v := range it.Setting.Legacy {
			if !slices.Contains(srcs, v.Source) {
				srcs = append(srcs, v.Source)
			}
		}
		a.add(Finding{Severity: sev, Check: CheckWeakerThanLegacy, Role: a.role(it.Setting.RoleID), ScopeID: migrate.DirectoryScopeRoot,
			Detail:       fmt.Sprintf("rule %s of policy %s: %s", it.Setting.RuleID, it.Setting.PolicyID, strings.Join(changes, "; ")),
			LegacySource: strings.Join(srcs, "; ")})
	}
}
