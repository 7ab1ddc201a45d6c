package graphsim

import (
	"net/http"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Legacy PIM role settings (docs/graph.md, "Role settings and role management policies"): iteration 1's
// privilegedRoleSettings (GET/PUT /beta/privilegedRoles/{id}/settings, and
// $expand=settings on /beta/privilegedRoles) and iteration 2's
// governanceRoleSetting (/beta/privilegedAccess/aadRoles/roleSettings;
// Unconfirmed: the docs show this list for azureResources, with
// $filter=resourceId eq '…', which graphsim takes but does not require).
//
// Unconfirmed: legacy PIM kept settings for every role; graphsim serves
// only the seed's, so an export never invents settings nobody set. A role
// without them has settings null (iteration 1) and no roleSetting
// (iteration 2).

// PrivilegedRoleSettings is a legacy (iteration 1) privilegedRoleSettings:
// its id is the role's template id. Durations are ISO 8601 ("PT8H"); the
// docs' example shows a date-time instead, which graphsim does not
// imitate (Unconfirmed). Fields left out are served as null.
type PrivilegedRoleSettings struct {
	ID                            string   `json:"id"`
	ElevationDuration             string   `json:"elevationDuration,omitempty"`
	MaxElavationDuration          string   `json:"maxElavationDuration,omitempty"` // sic
	MinElevationDuration          string   `json:"minElevationDuration,omitempty"`
	MfaOnElevation                *bool    `json:"mfaOnElevation,omitempty"`
	IsMfaOnElevationConfigurable  *bool    `json:"isMfaOnElevationConfigurable,omitempty"`
	TicketingInfoOnElevation      *bool    `json:"ticketingInfoOnElevation,omitempty"`
	ApprovalOnElevation           *bool    `json:"approvalOnElevation,omitempty"`
	ApproverIDs                   []string `json:"approverIds,omitempty"`
	NotificationToUserOnElevation *bool    `json:"notificationToUserOnElevation,omitempty"`
	LastGlobalAdmin               *bool    `json:"lastGlobalAdmin,omitempty"`
}

// GovernanceRoleSetting is a legacy (iteration 2) governanceRoleSetting of
// the aadRoles provider. Each rule's setting is a JSON string, served as
// the seed gives it (a broken one too: the exporter must cope).
type GovernanceRoleSetting struct {
	ID                    string                  `json:"id"`                   // derived when empty
	ResourceID            string                  `json:"resourceId,omitempty"` // the tenant id when empty
	RoleDefinitionID      string                  `json:"roleDefinitionId"`
	IsDefault             bool                    `json:"isDefault"`
	LastUpdatedDateTime   *time.Time              `json:"lastUpdatedDateTime,omitempty"`
	LastUpdatedBy         string                  `json:"lastUpdatedBy,omitempty"`
	AdminEligibleSettings []GovernanceRuleSetting `json:"adminEligibleSettings"`
	AdminMemberSettings   []GovernanceRuleSetting `json:"adminMemberSettings"`
	UserEligibleSettings  []GovernanceRuleSetting `json:"userEligibleSettings"`
	UserMemberSettings    []GovernanceRuleSetting `json:"userMemberSettings"`
}

// GovernanceRuleSetting is a governanceRuleSetting.
type GovernanceRuleSetting struct {
	RuleIdentifier string `json:"ruleIdentifier"`
	Setting        string `json:"setting"`
}

func (s PrivilegedRoleSettings) clone() PrivilegedRoleSettings {
	for _, p := range []**bool{&s.MfaOnElevation, &s.IsMfaOnElevationConfigurable, &s.TicketingInfoOnElevation,
		&s.ApprovalOnElevation, &s.NotificationToUserOnElevation, &s.LastGlobalAdmin} {
		*p = clonePtr(*p)
	}
	if s.ApproverIDs != nil {
		s.ApproverIDs = cloneSlice(s.ApproverIDs)
	}
	return s
}

func (s GovernanceRoleSetting) clone() GovernanceRoleSetting {
	s.LastUpdatedDateTime = clonePtr(s.LastUpdatedDateTime)
	for _, l := range s.lists() {
		*l = cloneSlice(*l)
	}
	return s
}

func (s *GovernanceRoleSetting) lists() []*[]GovernanceRuleSetting {
	return []*[]GovernanceRuleSetting{&s.AdminEligibleSettings, &s.AdminMemberSettings, &s.UserEligibleSettings, &s.UserMemberSettings}
}

// normalizeRoleSettings validates the seed's legacy settings: ids and roles
// that are GUIDs, one iteration-1 record per role, unique iteration-2 ids.
func (s *Seed) normalizeRoleSettings(roles *roleIndex) error {
	seen := map[migrate.GUID]int{}
	for i, rs := range s.PrivilegedRoleSettings {
		const coll = "privilegedRoleSettings"
		g, err := checkGUID(coll, i, rs.ID, "id", rs.ID, true)
		if err != nil {
			return err
		}
		if j, ok := seen[roles.canonical(g)]; ok {
			return seedProblem(coll, i, rs.ID, "duplicate: %s[%d] has the settings of the same role", coll, j)
		}
		seen[roles.canonical(g)] = i
	}
	ids := map[string]int{}
	for i := range s.GovernanceRoleSettings {
		rs := &s.GovernanceRoleSettings[i]
		const coll = "governanceRoleSettings"
		if _, err := checkGUID(coll, i, rs.ID, "roleDefinitionId", rs.RoleDefinitionID, true); err != nil {
			return err
		}
		if _, err := checkGUID(coll, i, rs.ID, "resourceId", rs.ResourceID, false); err != nil {
			return err
		}
		if rs.ID == "" {
			rs.ID = hashGUID("roleSetting", strings.ToLower(rs.RoleDefinitionID))
		}
		if j, ok := ids[strings.ToLower(rs.ID)]; ok {
			return seedProblem(coll, i, rs.ID, "duplicate id: %s[%d] has the same id", coll, j)
		}
		ids[strings.ToLower(rs.ID)] = i
		rs.LastUpdatedDateTime = utcPtr(rs.LastUpdatedDateTime)
		for _, l := range rs.lists() {
			if *l == nil {
				*l = []GovernanceRuleSetting{}
			}
		}
	}
	return nil
}

func boolOrNil(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func privSettingsJSON(s *PrivilegedRoleSettings) map[string]any {
	approvers := s.ApproverIDs
	if approvers == nil {
		approvers = []string{}
	}
	return map[string]any{
		"id":                            s.ID,
		"elevationDuration":             strOrNil(s.ElevationDuration),
		"maxElavationDuration":          strOrNil(s.MaxElavationDuration),
		"minElevationDuration":          strOrNil(s.MinElevationDuration),
		"mfaOnElevation":                boolOrNil(s.MfaOnElevation),
		"isMfaOnElevationConfigurable":  boolOrNil(s.IsMfaOnElevationConfigurable),
		"ticketingInfoOnElevation":      boolOrNil(s.TicketingInfoOnElevation),
		"approvalOnElevation":           boolOrNil(s.ApprovalOnElevation),
		"approverIds":                   approvers,
		"notificationToUserOnElevation": boolOrNil(s.NotificationToUserOnElevation),
		"lastGlobalAdmin":               boolOrNil(s.LastGlobalAdmin),
	}
}

// privSettingsOf finds a role's iteration-1 settings. Call with the state
// locked.
func (st *state) privSettingsOf(r *roleDef) *entry[PrivilegedRoleSettings] {
	return st.privSettings.get(r.templateStr)
}

func (c *call) getPrivilegedRoleSettings() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	r := c.privilegedRole()
	if r == nil {
		return c.notFound(c.params[0])
	}
	e := c.s.st.privSettingsOf(r)
	if e == nil || !c.visible(e.created) {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, "privilegedRoles('"+r.templateStr+"')/settings", privSettingsJSON(&e.v))
}

// putPrivilegedRoleSettings replaces a role's iteration-1 settings and
// answers 204 (the docs). Unconfirmed: the body's id, when given, must be
// the role's, and a duration must be ISO 8601 (else 400).
func (c *call) putPrivilegedRoleSettings() *response {
	var b PrivilegedRoleSettings
	if r := c.decode(&b, false); r != nil {
		return r
	}
	for _, d := range []struct{ name, v string }{{"elevationDuration", b.ElevationDuration},
		{"maxElavationDuration", b.MaxElavationDuration}, {"minElevationDuration", b.MinElevationDuration}} {
		if _, err := migrate.ParseDuration(d.v); d.v != "" && err != nil {
			return c.invalidProperty(d.name, "PrivilegedRoleSettings")
		}
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	r := c.privilegedRole()
	if r == nil {
		return c.notFound(c.params[0])
	}
	if b.ID != "" && !strings.EqualFold(b.ID, r.templateStr) {
		return c.invalidProperty("id", "PrivilegedRoleSettings")
	}
	b.ID = r.templateStr
	if e := st.privSettingsOf(r); e != nil {
		e.v = b
	} else {
		st.privSettings.add(b.ID, &entry[PrivilegedRoleSettings]{seq: st.next(), created: c.now, v: b})
	}
	return c.noContent()
}

var roleSettingFilter = fields(
	field{name: "id"},
	field{name: "resourceId"},
	field{name: "roleDefinitionId", kind: fRole},
	field{name: "isDefault", kind: fBool, ops: "eq ne"},
)

const roleSettingContext = "governanceRoleSettings"

func govSettingJSON(s *GovernanceRoleSetting, st *state) map[string]any {
	res := s.ResourceID
	if res == "" {
		res = st.tenantID
	}
	m := map[string]any{
		"id": s.ID, "resourceId": res, "roleDefinitionId": s.RoleDefinitionID, "isDefault": s.IsDefault,
		"lastUpdatedDateTime": timeOrNil(s.LastUpdatedDateTime), "lastUpdatedBy": strOrNil(s.LastUpdatedBy),
	}
	for i, name := range []string{"adminEligibleSettings", "adminMemberSettings", "userEligibleSettings", "userMemberSettings"} {
		m[name] = *s.lists()[i]
	}
	return m
}

func (c *call) listRoleSettings() *response {
	return listEntries(c, roleSettingFilter, nil, roleSettingContext, func(st *state) []*entry[GovernanceRoleSetting] { return st.govSettings.list },
		func(st *state, _ *listQuery, e *entry[GovernanceRoleSetting]) map[string]any {
			return govSettingJSON(&e.v, st)
		})
}

// listRoleSettingsOfResource lists one resource's role settings: for
// aadRoles the only resource is the tenant. Unconfirmed: the docs show
// this path for azureResources only.
func (c *call) listRoleSettingsOfResource() *response { return c.ofTenant(c.listRoleSettings) }

func (c *call) getRoleSetting() *response {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	e := c.s.st.govSettings.get(c.params[0])
	if e == nil || !c.visible(e.created) {
		return c.notFound(c.params[0])
	}
	return c.entity(http.StatusOK, roleSettingContext, govSettingJSON(&e.v, c.s.st))
}
