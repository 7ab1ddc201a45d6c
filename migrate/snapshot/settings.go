package snapshot

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Role settings records: iteration-1 privilegedRoleSettings (also as the
// expanded settings of a privilegedRole, which is how a Graph page of them
// comes: GET /beta/privilegedRoles?$expand=settings) and iteration-2
// governanceRoleSetting, whose rule settings are JSON strings.

// wireSettings are the settings fields of both iterations, decoded in the
// same pass as the assignment fields (see wire).
type wireSettings struct {
	ElevationDuration             string   `json:"elevationDuration"`
	MaxElavationDuration          string   `json:"maxElavationDuration"` // sic: the API's spelling
	MinElevationDuration          string   `json:"minElevationDuration"`
	MfaOnElevation                *bool    `json:"mfaOnElevation"`
	IsMfaOnElevationConfigurable  *bool    `json:"isMfaOnElevationConfigurable"`
	TicketingInfoOnElevation      *bool    `json:"ticketingInfoOnElevation"`
	ApprovalOnElevation           *bool    `json:"approvalOnElevation"`
	ApproverIDs                   []string `json:"approverIds"`
	NotificationToUserOnElevation *bool    `json:"notificationToUserOnElevation"`
	LastGlobalAdmin               *bool    `json:"lastGlobalAdmin"`

	// Settings is a privilegedRole's expanded settings: absent (nil), null
	// or an object.
	Settings json.RawMessage `json:"settings"`

	IsDefault             *bool      `json:"isDefault"`
	AdminEligibleSettings []wireRule `json:"adminEligibleSettings"`
	AdminMemberSettings   []wireRule `json:"adminMemberSettings"`
	UserEligibleSettings  []wireRule `json:"userEligibleSettings"`
	UserMemberSettings    []wireRule `json:"userMemberSettings"`
}

// wireRule is a governanceRuleSetting. Setting is a JSON string as Graph
// gives it; an object (a tool that parsed it) is taken too.
type wireRule struct {
	RuleIdentifier string          `json:"ruleIdentifier"`
	Setting        json.RawMessage `json:"setting"`
}

func (w *wireSettings) iteration1() bool {
	return w.ElevationDuration != "" || w.MaxElavationDuration != "" || w.MinElevationDuration != "" ||
		w.MfaOnElevation != nil || w.IsMfaOnElevationConfigurable != nil || w.TicketingInfoOnElevation != nil ||
		w.ApprovalOnElevation != nil || w.ApproverIDs != nil || w.NotificationToUserOnElevation != nil || w.LastGlobalAdmin != nil
}

func (w *wireSettings) iteration2() bool {
	return w.IsDefault != nil || w.AdminEligibleSettings != nil || w.AdminMemberSettings != nil ||
		w.UserEligibleSettings != nil || w.UserMemberSettings != nil
}

// kind tells a settings record from an assignment: by @odata.type, else
// by fields only settings have. It returns iterUnknown for anything else,
// which the assignment readers classify (or reject).
func (w *wire) kind() iteration {
	if w.ODataType != "" {
		return recordType(w.ODataType)
	}
	switch {
	case w.Settings != nil:
		return iterRole
	case w.iteration2():
		return iter2Settings
	case w.iteration1():
		return iter1Settings
	}
	return iterUnknown
}

// assignmentField names a field only role assignments have, "" if none is
// set.
func (f *fields) assignmentField() string {
	for _, c := range [...]struct{ name, v string }{
		{"userId", f.userID}, {"roleId", f.roleID}, {"isElevated", f.elevated}, {"expirationDateTime", f.expiration},
		{"subjectId", f.subjectID}, {"assignmentState", f.assignmentState}, {"memberType", f.memberType},
		{"linkedEligibleRoleAssignmentId", f.linkedEligibleID}, {"startDateTime", f.startDateTime}, {"endDateTime", f.endDateTime},
	} {
		if c.v != "" {
			return c.name
		}
	}
	if f.hasSubject {
		return "subject"
	}
	return ""
}

// convertSettings checks a settings record and returns it; none is true for
// a privilegedRole whose settings are null, which holds no record.
func convertSettings(w *wire, f *fields, it iteration, pos migrate.Pos) (rec migrate.SettingsRecord, none bool, rj *reject) {
	if name := f.assignmentField(); name != "" {
		return rec, false, &reject{migrate.RejectWrongType, "an object with role settings fields and the role assignment field " + name +
			"; a record is either an assignment or role settings: split it"}
	}
	rec.Pos = pos
	s := &rec.Settings
	switch it {
	case iterRole:
		inner := bytes.TrimSpace(w.Settings)
		if len(inner) == 0 || string(inner) == "null" {
			return rec, true, nil
		}
		if inner[0] != '{' {
			return rec, false, &reject{migrate.RejectWrongType, "settings is not an object; fix the value"}
		}
		var iw wire
		if err := json.Unmarshal(inner, &iw); err != nil {
			if te, ok := err.(*json.UnmarshalTypeError); ok {
				r := typeReject(te)
				r.detail = "settings." + r.detail
				return rec, false, r
			}
			return rec, false, &reject{migrate.RejectWrongType, "settings is not an object; fix the value"}
		}
		if id := strings.TrimSpace(iw.ID); id != "" && !strings.EqualFold(id, strings.TrimSpace(w.ID)) {
			return rec, false, &reject{migrate.RejectIDMismatch, "privilegedRole " + quote(w.ID) + " has settings with id " + quote(iw.ID) +
				"; the record was edited by hand: check which is right and fix the other"}
		}
		iw.ID = w.ID
		return convertSettings(&iw, &fields{}, iter1Settings, pos)
	case iter1Settings:
		s.Origin = migrate.OriginIteration1
		if strings.TrimSpace(w.ID) == "" {
			return rec, false, &reject{migrate.RejectMissingField, "id (the role's template id) is missing; fill it in"}
		}
		var r *reject
		if s.RoleID, r = guidField("id", w.ID); r != nil {
			return rec, false, r
		}
	default:
		s.Origin = migrate.OriginIteration2
		var r *reject
		switch {
		case w.RoleDefinitionID != "":
			s.RoleID, r = guidField("roleDefinitionId", w.RoleDefinitionID)
		case w.RoleDefinition != nil && w.RoleDefinition.ID != "":
			s.RoleID, r = guidField("roleDefinition.id", w.RoleDefinition.ID)
		default:
			r = &reject{migrate.RejectMissingField, "roleDefinitionId is missing; fill it in"}
		}
		if r != nil {
			return rec, false, r
		}
		rec.TenantID = tenantOf(w.ResourceID)
	}
	if r := w.copySettings(s); r != nil {
		return rec, false, r
	}
	if err := s.Check(); err != nil {
		return rec, false, &reject{migrate.RejectMalformedSetting, err.Error() + "; fix the value or remove the record"}
	}
	return rec, false, nil
}

// copySettings copies every settings field, of both iterations: Check
// refuses a record that mixes them.
func (w *wireSettings) copySettings(s *migrate.LegacySettings) *reject {
	s.ElevationDuration = strings.TrimSpace(w.ElevationDuration)
	s.MaxElevationDuration = strings.TrimSpace(w.MaxElavationDuration)
	s.MinElevationDuration = strings.TrimSpace(w.MinElevationDuration)
	s.MFAOnElevation, s.IsMFAOnElevationConfigurable = w.MfaOnElevation, w.IsMfaOnElevationConfigurable
	s.TicketingInfoOnElevation, s.ApprovalOnElevation = w.TicketingInfoOnElevation, w.ApprovalOnElevation
	s.NotificationToUserOnElevation, s.LastGlobalAdmin = w.NotificationToUserOnElevation, w.LastGlobalAdmin
	if w.ApproverIDs != nil {
		s.ApproverIDs = make([]migrate.GUID, len(w.ApproverIDs))
		for i, id := range w.ApproverIDs {
			g, r := guidField("approverIds["+strconv.Itoa(i)+"]", id)
			if r != nil {
				return r
			}
			s.ApproverIDs[i] = g
		}
	}
	s.IsDefault = w.IsDefault
	for _, l := range [...]struct {
		name string
		from []wireRule
		to   *[]migrate.LegacyRule
	}{
		{"adminEligibleSettings", w.AdminEligibleSettings, &s.AdminEligibleSettings},
		{"adminMemberSettings", w.AdminMemberSettings, &s.AdminMemberSettings},
		{"userEligibleSettings", w.UserEligibleSettings, &s.UserEligibleSettings},
		{"userMemberSettings", w.UserMemberSettings, &s.UserMemberSettings},
	} {
		if l.from == nil {
			continue
		}
		*l.to = make([]migrate.LegacyRule, len(l.from))
		for i, wr := range l.from {
			r, rj := wr.rule()
			if rj != nil {
				rj.detail = l.name + "[" + strconv.Itoa(i) + "]: " + rj.detail
				return rj
			}
			(*l.to)[i] = r
		}
	}
	return nil
}

// rule reads a governanceRuleSetting: a known identifier in its canonical
// spelling (an unknown one as given), and the setting as its JSON text.
func (wr *wireRule) rule() (migrate.LegacyRule, *reject) {
	id, _ := migrate.KnownRule(wr.RuleIdentifier)
	r := migrate.LegacyRule{RuleIdentifier: strings.TrimSpace(id)}
	raw := bytes.TrimSpace(wr.Setting)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return r, &reject{migrate.RejectMalformedSetting, "setting is missing; fill in the rule's JSON setting or remove the rule"}
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &r.Setting); err != nil {
			return r, &reject{migrate.RejectMalformedSetting, "setting is not a JSON string: " + err.Error()}
		}
	case raw[0] == '{':
		var b bytes.Buffer
		json.Compact(&b, raw) // valid: the decoder has checked it
		r.Setting = b.String()
	default:
		return r, &reject{migrate.RejectMalformedSetting, "setting " + quote(string(raw)) + " is neither a JSON string nor an object"}
	}
	return r, nil
}

// tenantOf reads a resourceId: the tenant for aadRoles. Anything that is not
// a GUID (or is the nil GUID) says nothing about the tenant: "".
func tenantOf(resourceID string) string {
	if r := strings.TrimSpace(resourceID); isGUID(r) {
		if g, _ := migrate.ParseGUID(r); !g.IsZero() {
			return g.String()
		}
	}
	return ""
}
