package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/internal/golden"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// scopedKeys select one item of scopedPlan by a search, then open it.
var scopedKeys = map[string][]string{
	"narrowed":          {"/", "adele helpdesk", "enter", "enter"},
	"added-catalog":     {"/", "catalog owner", "enter", "enter"},
	"directory-readers": {"/", "directory readers", "enter", "enter"},
	"not-found":         {"/", "catalog reader", "enter", "end", "enter"},
	"unknown-role":      {"/", "debra", "enter", "home", "enter"},
}

// TestScopedScreens goldens the list and the detail pane of a plan with
// scoped, entitlement-management and added items at 80 and 120 columns.
func TestScopedScreens(t *testing.T) {
	cases := []struct {
		name string
		keys []string
	}{
		{"list", nil},
		{"search-scope", []string{"/", "paris"}},
		{"detail-narrowed", scopedKeys["narrowed"]},
		{"detail-added-catalog", scopedKeys["added-catalog"]},
		{"detail-directory-readers", scopedKeys["directory-readers"]},
		{"detail-not-found", scopedKeys["not-found"]},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m, _ := press(t, newTestModel(scopedPlan(), size[0], size[1], "plan.json"), tc.keys...)
				got := screen(m)
				checkFrame(t, got, size[0], size[1])
				golden.Check(t, name, got)
			})
		}
	}
}

// TestScopesReadable: at 80 columns the list names every kind of scope and
// marks the added items; a principal's added items are listed with its
// legacy ones; the detail pane of an added item says it is not legacy
// access, shows no zero id, names the scope, the provider and the endpoint
// of entitlement management; a scope's name is made inert.
func TestScopesReadable(t *testing.T) {
	p := scopedPlan()
	list := screen(newTestModel(p, 80, 40, ""))
	rows := strings.Split(list, "\n")[4:]
	rowOf := func(role string) string {
		for _, r := range rows {
			if strings.Contains(r, role) {
				return r
			}
		}
		t.Fatalf("no row of %s at 80 columns:\n%s", role, list)
		return ""
	}
	for _, tt := range []struct{ role, scope, mapping string }{
		{"Helpdesk", "AU Paris", "permanent→assignment"},
		{"Catalog o", "catalog Sal", "added→assignment"},
		{"Applicati", "app Payroll", "permanent→assignment"},
		{"Attribute", "attr set En", "added→eligibility"},
		{"Directory", "/", "added→assignment"},
	} {
		if r := rowOf(tt.role); !strings.Contains(r, " "+tt.scope) || !strings.Contains(r, tt.mapping) {
			t.Errorf("%s: want scope %q and %q in\n%s", tt.role, tt.scope, tt.mapping, r)
		}
	}
	if !strings.Contains(list, " AU Paris Of… ") {
		t.Errorf("a long unit name keeps its kind and its start:\n%s", list)
	}
	t.Run("a principal's rows together, by role", func(t *testing.T) {
		wide := screen(newTestModel(p, 200, 60, ""))
		var roles []string
		first, last := -1, -1
		for i, r := range strings.Split(wide, "\n")[4:] {
			if strings.Contains(r, "Allan Vance") {
				roles = append(roles, strings.Fields(r[strings.Index(r, "Allan Vance")+len("Allan Vance"):])[0])
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if len(roles) != 5 || last-first != 4 || !slices.IsSorted(roles) {
			t.Errorf("Allan Vance's rows %d to %d, roles %q: want 5 rows together, by role:\n%s", first, last, roles, wide)
		}
	})
	zero := migrate.GUID{}.String()
	for _, tt := range []struct {
		item string
		want []string
	}{
		{"added-catalog", []string{"added by assignments.csv:2 — not legacy access", "Sales (access package catalog)", catSales, "entitlementManagement",
			"POST /v1.0/roleManagement/entitlementManagement/roleAssignments", `"appScopeId"`}},
		{"narrowed", []string{"legacy, narrowed by rules.csv:2", auParis, "Paris (administrative unit)"}},
		{"directory-readers", []string{"added: Directory Readers for the administrative unit of rules.csv:3 — not legacy access"}},
		{"not-found", []string{"added by assignments.csv:5 — not legacy access", "(not found)"}},
		{"unknown-role", []string{"added by assignments.csv:6 — not legacy access", "Role (unknown role)"}},
	} {
		t.Run("detail "+tt.item, func(t *testing.T) {
			m, _ := press(t, newTestModel(p, 80, 60, ""), scopedKeys[tt.item]...) // stacked: no line of the other pane between
			s := screen(m)
			flat := strings.Join(strings.Fields(s), " ")
			for _, w := range tt.want {
				if !strings.Contains(flat, w) {
					t.Errorf("no %q in\n%s", w, s)
				}
			}
			// The key is the plan's: the planner keys a principal it did
			// not find by the zero id.
			shown, _, _ := strings.Cut(s, "\nKey ")
			if strings.Contains(shown, zero) || strings.Contains(s, "Legacy record") && tt.item != "narrowed" {
				t.Errorf("an added item shows a legacy record or a zero id:\n%s", s)
			}
		})
	}
	t.Run("scope name inert", func(t *testing.T) {
		p := scopedPlan()
		for i := range p.Items {
			if p.Items[i].ScopeName != "" {
				p.Items[i].ScopeName = hostile + "unit"
			}
		}
		for _, keys := range [][]string{nil, scopedKeys["narrowed"]} {
			view := newTestModel(p, 120, 40, "").View()
			m, _ := press(t, newTestModel(p, 120, 40, ""), keys...)
			view += m.View()
			if at := migrate.UnprintableAt(strings.ReplaceAll(view, "\n", "")); at >= 0 {
				t.Errorf("keys %v: the screen is unsafe at byte %d", keys, at)
			}
		}
	})
}

// TestFitScope: a scope label too wide for its column keeps its kind and
// the name's last words when another scope name of the plan starts the
// same way ("Contoso Europe", "Contoso Americas"); otherwise, or when the
// last word alone does not fit, it is cut at its end.
func TestFitScope(t *testing.T) {
	shared := map[string]bool{"Contoso": true}
	tests := []struct {
		name, label string
		w           int
		want        string
	}{
		{"fits", "AU Contoso Europe", 20, "AU Contoso Europe   "},
		{"the end of a name that shares its start", "AU Contoso Europe", 12, "AU …Europe  "},
		{"last words that fit", "AU Contoso Latin America", 16, "AU …America     "},
		{"two last words", "AU Contoso Latin America", 17, "AU …Latin America"},
		{"a name of its own keeps its start", "AU Paris Office Region", 12, "AU Paris Of…"},
		{"one word", "catalog Salesforce", 12, "catalog Sal…"},
		{"attribute set", "attr set Engineering", 12, "attr set En…"},
		{"app", "app Contoso Payroll", 12, "app …Payroll"},
		{"tenant", "/", 12, "/           "},
		{"all catalogs", "all catalogs", 8, "all cat…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitScope(tt.label, tt.w, shared); got != tt.want {
				t.Errorf("fitScope(%q, %d) = %q, want %q", tt.label, tt.w, got, tt.want)
			}
		})
	}
}
