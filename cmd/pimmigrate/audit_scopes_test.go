package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pimmigrate/pimmigrate/migrate/audit"
)

// TestAuditPlanScopes: after plan --scope-rules --add and apply on the
// scoped tenant, audit --plan reports each legacy grant a rule narrowed as
// legacy-narrowed naming the rule, never legacy-missing; each rule whose
// scope could not be used as needing a decision, naming the rule; and the
// standing access an --add row made, of either provider, as added-by-plan
// naming the row, never standing-not-in-legacy. Scopes carry the names of
// their objects.
func TestAuditPlanScopes(t *testing.T) {
	_, url := startAuditSim(t, scopedSeed(), nil)
	dir := t.TempDir()
	pim := func(args ...string) result { t.Helper(); return policyRun(t, url, liveToken, 0, args...) }
	legacy, plan := auditExport(t, url, dir), filepath.Join(dir, "plan.json")
	rules, add := writeFile(t, dir, "rules.csv", scopeRulesCSV), writeFile(t, dir, "assignments.csv", addCSV)
	pim("plan", "--legacy", legacy, "--out", plan, "--scope-rules", rules, "--add", add, "--settings", "off")
	pim("apply", plan, "--yes")
	// audit's findings of these checks, each as "principal | role | scope
	// | row", row being the rules.csv or assignments.csv row the detail
	// names.
	checks := []string{audit.CheckLegacyMissing, audit.CheckLegacyNarrowed, audit.CheckLegacyNeedsDecision,
		audit.CheckStandingNotInLegacy, audit.CheckEligibleNowStanding, audit.CheckAddedByPlan}
	row := regexp.MustCompile(`(rules|assignments)\.csv:[0-9]+`)
	findings := func(args ...string) map[string][]string {
		t.Helper()
		r := pim(append([]string{"--output", "json", "audit", "--legacy", legacy}, args...)...)
		var out auditResult
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("--output json: %v\n%s", err, r.stdout)
		}
		got := map[string][]string{}
		for _, f := range out.Findings {
			if slices.Contains(checks, f.Check) {
				why := row.FindString(strings.ReplaceAll(f.Detail, dir+string(filepath.Separator), ""))
				got[f.Check] = append(got[f.Check], strings.Join([]string{principalLabel(f.Principal), f.Role.DisplayName, f.Scope, why}, " | "))
			}
		}
		return got
	}
	paris, lyon := "/administrativeUnits/"+scParis+" (Paris)", "/administrativeUnits/"+scLyon+" (Lyon)"
	payroll := "/" + scPayroll + " (Payroll)"
	want := map[string][]string{
		audit.CheckLegacyNarrowed: {
			"alice@contoso.example | Helpdesk Administrator | " + paris + " | rules.csv:3",
			"carol@contoso.example | Cloud Application Administrator | " + payroll + " | rules.csv:8",
			"erin@contoso.example | User Administrator | " + lyon + " | rules.csv:4",
			"erin@contoso.example | Tier 1 User Support | " + paris + " | rules.csv:11",
			"gina_fabrikam.example#EXT#@contoso.example | Attribute Assignment Administrator | /attributeSets/Engineering | rules.csv:6",
			"bob@contoso.example | Application Administrator | " + payroll + " | rules.csv:7",
			"Ticket bot | Helpdesk Administrator | " + paris + " | rules.csv:5",
		},
		audit.CheckLegacyNeedsDecision: {
			"bob@contoso.example | Helpdesk Administrator | / | rules.csv:2",
			"dave@contoso.example | Global Administrator | / | rules.csv:9",
			"dave@contoso.example | App Reviewer | / | rules.csv:9",
		},
		audit.CheckAddedByPlan: {
			"carol@contoso.example | Application Administrator | /" + scCRM + " (CRM) | assignments.csv:8",
			"frank@contoso.example | Catalog owner | /AccessPackageCatalog/" + scSales + " (Sales) | assignments.csv:2",
			"frank@contoso.example | Catalog reader | / | assignments.csv:3",
		},
	}
	compare := func(name string, got, want map[string][]string) {
		t.Helper()
		for _, c := range checks {
			slices.Sort(got[c])
			slices.Sort(want[c])
			if !reflect.DeepEqual(got[c], want[c]) {
				t.Errorf("%s: %s:\n got %q\nwant %q", name, c, got[c], want[c])
			}
		}
	}
	compare("--plan", findings("--plan", plan), want)

	// Without the plan, the entitlement-management access is a surprise.
	noPlan := findings()
	compare("no --plan", map[string][]string{audit.CheckStandingNotInLegacy: noPlan[audit.CheckStandingNotInLegacy]}, map[string][]string{
		audit.CheckStandingNotInLegacy: {
			"carol@contoso.example | Application Administrator | /" + scCRM + " (CRM) | ",
			"frank@contoso.example | Catalog owner | /AccessPackageCatalog/" + scSales + " (Sales) | ",
			"frank@contoso.example | Catalog reader | / | ",
		},
	})
}
