package migrate

import (
	_ "embed"
	"sort"
	"strings"
)

//go:embed builtin_roles.tsv
var builtinRolesTSV string

// BuiltinRole is an Entra built-in role: its template id, current display
// name, the names older tenants and legacy snapshots show for it, and
// whether Microsoft labels it PRIVILEGED (it can be used to gain more
// access, e.g. Global or Privileged Role Administrator).
type BuiltinRole struct {
	TemplateID  GUID
	DisplayName string
	FormerNames []string
	Privileged  bool
}

// The table (builtin_roles.tsv: templateId, displayName, formerNames
// separated by ';', privileged) comes from the Microsoft Entra built-in roles
// reference (MicrosoftDocs/entra-docs permissions-reference.md, January 2026)
// and older versions of it for former names and deprecated roles.

// Catalogue is the table of Entra built-in roles embedded in the binary,
// keyed by template id. Legacy PIM roleIds are template ids; map by id,
// never by name.
type Catalogue struct {
	byID  map[GUID]*BuiltinRole
	roles []BuiltinRole
}

// BuiltinCatalogue parses the embedded table. The table is checked by a test,
// so a malformed line here is a build defect; such a line is skipped rather
// than panicking at run time.
func BuiltinCatalogue() *Catalogue {
	c := &Catalogue{byID: map[GUID]*BuiltinRole{}}
	for _, line := range strings.Split(builtinRolesTSV, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			continue
		}
		id, err := ParseGUID(f[0])
		if err != nil {
			continue
		}
		r := BuiltinRole{TemplateID: id, DisplayName: f[1], Privileged: f[3] == "privileged"}
		if f[2] != "" {
			r.FormerNames = strings.Split(f[2], ";")
		}
		c.roles = append(c.roles, r)
	}
	sort.Slice(c.roles, func(i, j int) bool { return c.roles[i].DisplayName < c.roles[j].DisplayName })
	for i := range c.roles {
		c.byID[c.roles[i].TemplateID] = &c.roles[i]
	}
	return c
}

// Lookup returns the built-in role with this template id.
func (c *Catalogue) Lookup(id GUID) (BuiltinRole, bool) {
	r, ok := c.byID[id]
	if !ok {
		return BuiltinRole{}, false
	}
	return *r, true
}

// Roles returns every built-in role, sorted by display name.
func (c *Catalogue) Roles() []BuiltinRole { return c.roles }

// RoleDefinitions returns the catalogue as the role definitions of a tenant
// that has only the built-in roles, all enabled (id == templateId).
func (c *Catalogue) RoleDefinitions() []RoleDefinition {
	defs := make([]RoleDefinition, len(c.roles))
	for i, r := range c.roles {
		defs[i] = RoleDefinition{ID: r.TemplateID, TemplateID: r.TemplateID, DisplayName: r.DisplayName, IsBuiltIn: true, IsEnabled: true}
	}
	return defs
}
