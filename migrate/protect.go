package migrate

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ProtectEntry is one principal of a --protect file: an object id or a user
// principal name, lower case, and where it is written.
type ProtectEntry struct {
	Value string
	File  string
	Line  int
}

// Pos is "file:line".
func (e ProtectEntry) Pos() string { return fmt.Sprintf("%s:%d", e.File, e.Line) }

// ID is the entry's object id; ok is false for a user principal name.
func (e ProtectEntry) ID() (id GUID, ok bool) {
	id, err := ParseGUID(e.Value)
	return id, err == nil
}

// ProtectList is the principals of a --protect file (break-glass accounts),
// each once, in file order.
type ProtectList []ProtectEntry

// ParseProtectList reads a --protect file: one principal a line, an object
// id or a user principal name; blank lines and lines starting with # are
// ignored. name is used in errors and positions.
func ParseProtectList(r io.Reader, name string) (ProtectList, error) {
	sc := bufio.NewScanner(r)
	seen := map[string]bool{}
	var out ProtectList
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if g, err := ParseGUID(s); err == nil {
			s = g.String()
		} else if i := strings.IndexByte(s, '@'); i <= 0 || i == len(s)-1 || strings.ContainsAny(s, " \t,;") {
			return nil, fmt.Errorf("%s:%d: %q is neither an object id (GUID) nor a user principal name; put one principal on each line", name, line, s)
		} else {
			s = strings.ToLower(s)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, ProtectEntry{Value: s, File: name, Line: line})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// Values is the principals, sorted: what Policy.Protect holds.
func (l ProtectList) Values() []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.Value
	}
	sort.Strings(out)
	return out
}

// IDs is the entries that are object ids.
func (l ProtectList) IDs() []GUID {
	var out []GUID
	for _, e := range l {
		if id, ok := e.ID(); ok {
			out = append(out, id)
		}
	}
	return out
}

// UPNs is the entries that are user principal names.
func (l ProtectList) UPNs() []string {
	var out []string
	for _, e := range l {
		if _, ok := e.ID(); !ok {
			out = append(out, e.Value)
		}
	}
	return out
}

// NotInTenant refuses entries that name no principal of the tenant: an
// object id none of principals has, or a user principal name none has (in
// any case). Such an entry is a typo or a deleted account, and the account
// it was meant for would be planned like any other. principals must hold
// everything the tenant returned for the list's ids and user principal
// names.
func (l ProtectList) NotInTenant(principals []Principal, tenantID string) error {
	ids := make(map[GUID]bool, len(principals))
	upns := map[string]bool{}
	for i := range principals {
		ids[principals[i].ID] = true
		if u := principals[i].UserPrincipalName; u != "" {
			upns[strings.ToLower(u)] = true
		}
	}
	var bad []string
	for _, e := range l {
		if id, ok := e.ID(); ok && !ids[id] {
			bad = append(bad, fmt.Sprintf("%s: object id %s: no user, group or service principal of tenant %s has it", e.Pos(), e.Value, tenantID))
		} else if !ok && !upns[e.Value] {
			bad = append(bad, fmt.Sprintf("%s: %s: no user of tenant %s has this user principal name", e.Pos(), e.Value, tenantID))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("the break-glass list names %s the tenant does not have: such an entry protects nobody, and the account it was meant for is treated like any other; fix each entry or remove it:\n  %s",
		Plural(len(bad), "principal", "principals"), strings.Join(bad, "\n  "))
}

// OfflineNotes are the plan notes of an offline plan about the list: it
// reads no tenant, so a user principal name cannot be matched at all (the
// account is not protected), and an object id is matched only against the
// principals of legacy.json (one that matches none is harmless unless it is
// a typo for one that does).
func (l ProtectList) OfflineNotes(legacy *Legacy) []string {
	seen := map[GUID]bool{}
	for _, id := range legacy.PrincipalIDs() {
		seen[id] = true
	}
	var notes []string
	for _, e := range l {
		id, ok := e.ID()
		switch {
		case !ok:
			notes = append(notes, fmt.Sprintf("%s: %s is NOT protected by this offline plan: a user principal name cannot be matched without reading the tenant; list the account by object id, or plan against the tenant", e.Pos(), e.Value))
		case !seen[id]:
			notes = append(notes, fmt.Sprintf("%s: object id %s matches no principal of legacy.json: if it is a typo, the account it meant is NOT protected; fix the entry or remove it", e.Pos(), e.Value))
		}
	}
	return notes
}

// Protected is a --protect list ready to match principals: by object id,
// or by user principal name in any case. Plan and audit share it.
type Protected struct {
	IDs  map[GUID]bool
	UPNs map[string]bool
}

// NewProtected indexes a policy's protect values (object ids and user
// principal names, as ProtectList.Values gives them).
func NewProtected(values []string) Protected {
	p := Protected{IDs: map[GUID]bool{}, UPNs: map[string]bool{}}
	for _, s := range values {
		s = strings.TrimSpace(s)
		if g, err := ParseGUID(s); err == nil {
			p.IDs[g] = true
		} else if s != "" {
			p.UPNs[strings.ToLower(s)] = true
		}
	}
	return p
}

// Has reports whether the principal with this id (and, when known, this
// user principal name) is protected.
func (p Protected) Has(id GUID, upn string) bool {
	return p.IDs[id] || upn != "" && p.UPNs[strings.ToLower(upn)]
}

// Empty reports whether nothing is protected.
func (p Protected) Empty() bool { return len(p.IDs) == 0 && len(p.UPNs) == 0 }
