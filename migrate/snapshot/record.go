package snapshot

import (
	"errors"
	"strconv"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// iteration is which legacy API a record comes from: 0 when unknown.
type iteration uint8

const (
	iterUnknown   iteration = iota
	iter1                   // privilegedRoleAssignment
	iter2                   // governanceRoleAssignment
	iter1Settings           // privilegedRoleSettings
	iter2Settings           // governanceRoleSetting
	iterRole                // privilegedRole, with its settings expanded (iteration 1)
)

// settings reports whether records of this iteration are role settings.
func (it iteration) settings() bool { return it >= iter1Settings }

// fields is one record as read, whatever the container: JSON fills it from
// the decoded object, CSV from the columns. "" means absent, null or empty.
type fields struct {
	iter      iteration // set by CSV from its header; JSON classifies
	odataType string
	id        string

	// iteration 1
	userID, roleID string
	elevated       string // "true"/"false" in any case; other text is a wrong type
	expiration     string

	// iteration 2
	resourceID, roleDefinitionID, subjectID, linkedEligibleID string
	startDateTime, endDateTime, assignmentState, memberType   string
	hasSubject                                                bool
	subjectIDExpanded, subjectType                            string
	roleDefinitionIDExpanded                                  string
}

// classify tells the two record types apart: by @odata.type when present,
// else by the fields only one of them has.
func (f *fields) classify() (iteration, *reject) {
	if f.iter != iterUnknown {
		return f.iter, nil
	}
	if f.odataType != "" {
		if it := recordType(f.odataType); it != iterUnknown {
			return it, nil
		}
		return iterUnknown, &reject{migrate.RejectWrongType, "@odata.type " + quote(f.odataType) +
			" is not a privilegedRoleAssignment, governanceRoleAssignment, privilegedRoleSettings, governanceRoleSetting or privilegedRole; remove objects of other types from the snapshot"}
	}
	switch {
	case f.subjectID != "" || f.assignmentState != "" || f.hasSubject:
		return iter2, nil
	case f.userID != "" || f.roleID != "" || f.elevated != "" || f.expiration != "":
		return iter1, nil
	case f.roleDefinitionID != "" || f.resourceID != "" || f.memberType != "" || f.linkedEligibleID != "" ||
		f.startDateTime != "" || f.endDateTime != "" || f.roleDefinitionIDExpanded != "":
		return iter2, nil
	case f.id != "":
		return iter1, nil // an id alone: read it as "{userId}_{roleId}"
	}
	return iterUnknown, &reject{migrate.RejectMissingField, "no privilegedRoleAssignment fields (id, userId, roleId, isElevated) " +
		"and no governanceRoleAssignment fields (id, subjectId, roleDefinitionId, assignmentState); remove the object or fill in its fields"}
}

// recordType reads an @odata.type: "#microsoft.graph.privilegedRoleAssignment"
// is iteration 1, "#microsoft.graph.governanceRoleAssignment" iteration 2,
// and so on for the settings types (the "#" and the namespace are
// optional); anything else is unknown.
func recordType(odataType string) iteration {
	t := strings.TrimPrefix(strings.TrimSpace(odataType), "#")
	const ns = "microsoft.graph."
	if len(t) > len(ns) && strings.EqualFold(t[:len(ns)], ns) {
		t = t[len(ns):]
	}
	switch {
	case strings.EqualFold(t, "privilegedRoleAssignment"):
		return iter1
	case strings.EqualFold(t, "governanceRoleAssignment"):
		return iter2
	case strings.EqualFold(t, "privilegedRoleSettings"):
		return iter1Settings
	case strings.EqualFold(t, "governanceRoleSetting"):
		return iter2Settings
	case strings.EqualFold(t, "privilegedRole"):
		return iterRole
	}
	return iterUnknown
}

// reject is a rejection before it gets its position.
type reject struct {
	reason, detail string
}

// convert checks one record and returns it, or why it cannot be used.
func convert(f *fields, pos migrate.Pos) (migrate.Record, *migrate.Rejected, iteration) {
	it, rj := f.classify()
	var rec migrate.Record
	if rj == nil {
		switch it {
		case iter1:
			rec, rj = iteration1(f, pos)
		default:
			rec, rj = iteration2(f, pos)
		}
	}
	if rj != nil {
		return migrate.Record{}, &migrate.Rejected{Source: pos.String(), Reason: rj.reason, Detail: rj.detail}, it
	}
	return rec, nil, it
}

// iteration1 reads a privilegedRoleAssignment. Record.ID stays empty: the
// Builder derives an iteration-1 id from the principal and role
// (migrate.Key), so no per-record string is built here.
func iteration1(f *fields, pos migrate.Pos) (migrate.Record, *reject) {
	rec := migrate.Record{Pos: pos, Origin: migrate.OriginIteration1, PrincipalType: migrate.PrincipalUser}
	var haveUser, haveRole bool
	var rj *reject
	if f.userID != "" {
		if rec.PrincipalID, rj = guidField("userId", f.userID); rj != nil {
			return rec, rj
		}
		haveUser = true
	}
	if f.roleID != "" {
		if rec.RoleID, rj = guidField("roleId", f.roleID); rj != nil {
			return rec, rj
		}
		haveRole = true
	}
	switch id := strings.TrimSpace(f.id); {
	case id != "" && haveUser && haveRole && spells(id, f.userID, f.roleID):
		// The usual case: the id is "{userId}_{roleId}" as given, already parsed.
	case id != "":
		lid, err := migrate.ParseLegacyID(id)
		if err != nil {
			if errors.Is(err, migrate.ErrMalformedID) {
				return rec, &reject{migrate.RejectMalformedID, "id " + quote(f.id) + ` is not "{userId}_{roleId}"; fix the id or remove it and keep userId and roleId`}
			}
			half := "role"
			if u, _, _ := strings.Cut(id, "_"); !isGUID(u) {
				half = "user"
			}
			return rec, &reject{migrate.RejectMalformedGUID, "id " + quote(f.id) + ": the " + half + ` half of "{userId}_{roleId}" is not a GUID; fix the id or remove it and keep userId and roleId`}
		}
		if lid.User.IsZero() {
			return rec, nilGUID("id (user half)", f.id)
		}
		if lid.Role.IsZero() {
			return rec, nilGUID("id (role half)", f.id)
		}
		if haveUser && lid.User != rec.PrincipalID {
			return rec, &reject{migrate.RejectIDMismatch, "id " + quote(f.id) + " names user " + lid.User.String() + " but userId is " +
				rec.PrincipalID.String() + "; the record was edited by hand: check which is right and fix the other"}
		}
		if haveRole && lid.Role != rec.RoleID {
			return rec, &reject{migrate.RejectIDMismatch, "id " + quote(f.id) + " names role " + lid.Role.String() + " but roleId is " +
				rec.RoleID.String() + "; the record was edited by hand: check which is right and fix the other"}
		}
		rec.PrincipalID, rec.RoleID = lid.User, lid.Role
	case !haveUser && !haveRole:
		return rec, &reject{migrate.RejectMissingField, "neither id nor userId and roleId is set; fill in userId and roleId"}
	case !haveUser:
		return rec, &reject{migrate.RejectMissingField, "userId is missing (and there is no id to take it from); fill it in"}
	case !haveRole:
		return rec, &reject{migrate.RejectMissingField, "roleId is missing (and there is no id to take it from); fill it in"}
	}
	switch e := strings.TrimSpace(f.elevated); {
	case e == "":
		return rec, &reject{migrate.RejectMissingField, "isElevated is missing: without it eligible and active access cannot be told apart; fill in true or false"}
	case strings.EqualFold(e, "true"):
		rec.IsElevated = true
	case strings.EqualFold(e, "false"):
	default:
		return rec, &reject{migrate.RejectWrongType, "isElevated " + quote(f.elevated) + " is not true or false; fix the value"}
	}
	if f.expiration != "" {
		t, p := parseDate(f.expiration)
		if p != dateOK {
			return rec, &reject{migrate.RejectMalformedDate, dateDetail("expirationDateTime", f.expiration, p)}
		}
		rec.Expiration = t
	}
	return rec, nil
}

// iteration2 reads a governanceRoleAssignment.
func iteration2(f *fields, pos migrate.Pos) (migrate.Record, *reject) {
	rec := migrate.Record{Pos: pos, Origin: migrate.OriginIteration2, PrincipalType: migrate.PrincipalUser}
	// Only direct assignments migrate. Graph documents memberType "User" as
	// a direct assignment too.
	switch mt := strings.TrimSpace(f.memberType); {
	case mt == "" || strings.EqualFold(mt, "Direct") || strings.EqualFold(mt, "User"):
	case strings.EqualFold(mt, "Group"):
		return rec, &reject{migrate.RejectNotDirect, "memberType Group: the principal has this role through a group it is a member of; " +
			"it is migrated with the group's own assignment, nothing to do"}
	case strings.EqualFold(mt, "Inherited"):
		return rec, &reject{migrate.RejectNotDirect, "memberType Inherited: the assignment is inherited from a parent resource; " +
			"it is migrated with the parent's assignment, nothing to do"}
	default:
		return rec, &reject{migrate.RejectNotDirect, "memberType " + quote(f.memberType) + " is not Direct: only direct assignments are migrated; " +
			"an assignment through a group or parent is migrated with that group or parent"}
	}

	var rj *reject
	switch {
	case f.subjectID != "":
		if rec.PrincipalID, rj = guidField("subjectId", f.subjectID); rj != nil {
			return rec, rj
		}
		if f.subjectIDExpanded != "" {
			g, rj := guidField("subject.id", f.subjectIDExpanded)
			if rj != nil {
				return rec, rj
			}
			if g != rec.PrincipalID {
				return rec, &reject{migrate.RejectIDMismatch, "subjectId " + rec.PrincipalID.String() + " but subject.id " + g.String() +
					"; the record was edited by hand: check which is right and fix the other"}
			}
		}
	case f.subjectIDExpanded != "":
		if rec.PrincipalID, rj = guidField("subject.id", f.subjectIDExpanded); rj != nil {
			return rec, rj
		}
	default:
		return rec, &reject{migrate.RejectMissingField, "subjectId is missing; fill it in"}
	}
	switch {
	case f.roleDefinitionID != "":
		if rec.RoleID, rj = guidField("roleDefinitionId", f.roleDefinitionID); rj != nil {
			return rec, rj
		}
	case f.roleDefinitionIDExpanded != "":
		if rec.RoleID, rj = guidField("roleDefinition.id", f.roleDefinitionIDExpanded); rj != nil {
			return rec, rj
		}
	default:
		return rec, &reject{migrate.RejectMissingField, "roleDefinitionId is missing; fill it in"}
	}

	switch st := strings.TrimSpace(f.assignmentState); {
	case st == "":
		return rec, &reject{migrate.RejectMissingField, "assignmentState is missing; fill in Eligible or Active"}
	case strings.EqualFold(st, "Eligible"):
	case strings.EqualFold(st, "Active"):
		rec.IsElevated = true
	default:
		return rec, &reject{migrate.RejectUnknownState, "assignmentState " + quote(f.assignmentState) + " is neither Eligible nor Active; fix the value"}
	}

	if f.startDateTime != "" {
		t, p := parseDate(f.startDateTime)
		if p != dateOK {
			return rec, &reject{migrate.RejectMalformedDate, dateDetail("startDateTime", f.startDateTime, p)}
		}
		rec.Start = t
	}
	if f.endDateTime != "" {
		t, p := parseDate(f.endDateTime)
		if p != dateOK {
			return rec, &reject{migrate.RejectMalformedDate, dateDetail("endDateTime", f.endDateTime, p)}
		}
		rec.Expiration = t
	}

	// The subject's type when the snapshot expanded it; otherwise user, and
	// the live planner resolves the real type from the directory.
	switch t := strings.TrimSpace(f.subjectType); {
	case t == "" || strings.EqualFold(t, "User"):
	case strings.EqualFold(t, "Group"):
		rec.PrincipalType = migrate.PrincipalGroup
	case strings.EqualFold(t, "ServicePrincipal"):
		rec.PrincipalType = migrate.PrincipalServicePrincipal
	default:
		return rec, &reject{migrate.RejectUnknownPrincipalType, "subject.type " + quote(f.subjectType) +
			" is not User, Group or ServicePrincipal; fix the value or remove the expanded subject"}
	}

	rec.ID = strings.TrimSpace(f.id)
	if rec.ID == "" {
		state := "eligible"
		if rec.IsElevated {
			state = "active"
		}
		rec.ID = migrate.Key(rec.PrincipalID, rec.RoleID) + "_" + state
	}
	rec.LinkedEligibleID = strings.TrimSpace(f.linkedEligibleID)
	rec.TenantID = tenantOf(f.resourceID)
	return rec, nil
}

// spells reports whether id is user + "_" + role, ignoring case.
func spells(id, user, role string) bool {
	user, role = strings.TrimSpace(user), strings.TrimSpace(role)
	return len(id) == len(user)+1+len(role) && id[len(user)] == '_' &&
		strings.EqualFold(id[:len(user)], user) && strings.EqualFold(id[len(user)+1:], role)
}

func guidField(name, value string) (migrate.GUID, *reject) {
	g, err := migrate.ParseGUID(strings.TrimSpace(value))
	if err != nil {
		return g, &reject{migrate.RejectMalformedGUID, name + " " + quote(value) + " is not a GUID (8-4-4-4-12 hex digits); fix the value"}
	}
	if g.IsZero() {
		return g, nilGUID(name, value)
	}
	return g, nil
}

// nilGUID rejects the all-zero GUID: no directory object has it, and
// legacy.json cannot hold it.
func nilGUID(name, value string) *reject {
	return &reject{migrate.RejectMalformedGUID, name + " " + quote(value) + " is the nil GUID, which names no object; fix the value"}
}

// isGUID reports whether migrate.ParseGUID accepts s, without building its
// error.
func isGUID(s string) bool {
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// quote quotes a value for a detail, cut short if it is long.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xc0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
