package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// The strict tenant's policy: eligibilities end within 90 days, active
// assignments within 30, assigning needs MFA and a justification, and
// activation needs approval.
const strictEligible, strictActive = 90 * 24 * time.Hour, 30 * 24 * time.Hour

// startStrictSim serves the demo tenant with every role's policy made
// strict, requiring liveToken (or app-only.liveToken).
func startStrictSim(t *testing.T) (*graphsim.Server, string) {
	t.Helper()
	demo, _ := startDemoSim(t, graphsim.Options{})
	seed := demo.State()
	for i := range seed.RoleManagementPolicies {
		rules := seed.RoleManagementPolicies[i].Rules
		for j, raw := range rules {
			var r map[string]any
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			switch r["id"] {
			case migrate.RuleEligibleExpiration:
				r["isExpirationRequired"], r["maximumDuration"] = true, "P90D"
			case migrate.RuleActiveExpiration:
				r["isExpirationRequired"], r["maximumDuration"] = true, "P30D"
			case migrate.RuleEligibleEnablement, migrate.RuleActiveEnablement:
				r["enabledRules"] = []string{"MultiFactorAuthentication", "Justification"}
			case migrate.RuleActivationApproval:
				r["setting"].(map[string]any)["isApprovalRequired"] = true
			}
			rules[j], _ = json.Marshal(r)
		}
	}
	b, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	if seed, err = graphsim.LoadSeed(bytes.NewReader(b), "strict.json"); err != nil {
		t.Fatal(err)
	}
	srv := graphsim.New(seed, graphsim.Options{RequireToken: liveToken})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts.URL
}

// policyRun runs pimmigrate against url with token, and fails the test
// unless the exit code is want.
func policyRun(t *testing.T, url, token string, want int, args ...string) result {
	t.Helper()
	r := runCLIEnv(t, map[string]string{tokenEnv: token}, append([]string{"--graph-url", url, "--auth", "token"}, args...)...)
	if r.code != want {
		t.Fatalf("%v: exit %d, want %d\n%s%s", args, r.code, want, r.stdout, r.stderr)
	}
	return r
}

// TestPlanAgainstStrictPolicies: against a tenant whose policies require
// every eligibility and active assignment to expire, MFA on assignment and
// approval on activation, plan fits every item to the policy and apply
// ends with nothing failed; every eligibility ends within the maximum.
func TestPlanAgainstStrictPolicies(t *testing.T) {
	srv, url := startStrictSim(t)
	dir := t.TempDir()
	legacy, plan := filepath.Join(dir, "legacy.json"), filepath.Join(dir, "plan.json")
	protect := extract(t, dir, fixtures.Protect)[0]
	policyRun(t, url, liveToken, 0, "export", "--source", "beta", "--out", legacy)
	// graphsim judges expiry by the real clock; the plan must too.
	asOf := time.Now().UTC().Truncate(time.Second)
	policyRun(t, url, liveToken, 0, "plan", "--legacy", legacy, "--out", plan, "--protect", protect, "--as-of", asOf.Format(time.RFC3339))
	p, err := migrate.ReadPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Warnings[migrate.WarnExpirySetByPolicy] == 0 || p.Summary.CreateByKind[migrate.KindRoleAssignment] != 0 {
		t.Errorf("plan summary %+v: want ends set by policy and no permanent role assignments", p.Summary)
	}
	for _, it := range p.Items {
		if it.Action != migrate.ActionCreate || it.Kind != migrate.KindAssignment {
			continue
		}
		max := strictActive
		if it.Target.Kind == migrate.KindEligibilityRequest {
			max = strictEligible
		}
		if end, ok := targetEnd(it.Target); !ok || end.After(asOf.Add(max)) {
			t.Errorf("%s: %s ends %v, want at most %s", it.Key, it.Target.Kind, end, asOf.Add(max))
		}
		if len(migrate.NeedsDelegatedSignIn([]*migrate.Item{&it})) != 1 {
			t.Errorf("%s: not marked as needing MFA: %+v", it.Key, it.PolicyRules)
		}
	}
	r := policyRun(t, url, liveToken, 0, "apply", plan, "--yes")
	if !strings.Contains(r.stdout, ", 0 failed.") {
		t.Errorf("apply printed\n%s", r.stdout)
	}
	deadline := time.Now().Add(strictEligible)
	st := srv.State()
	for _, s := range st.RoleEligibilitySchedules {
		if s.CreatedUsing == "" {
			continue // seeded
		}
		if e := s.ScheduleInfo.Expiration.EndDateTime; e == nil || e.After(deadline) {
			t.Errorf("eligibility %s of %s ends %v, beyond the policy's maximum", s.ID, s.PrincipalID, e)
		}
	}
}

func targetEnd(t migrate.Target) (time.Time, bool) {
	if t.Expiration == nil || t.Expiration.EndDateTime == nil {
		return time.Time{}, false
	}
	return *t.Expiration.EndDateTime, true
}

// TestPreflightFindsWhatApplyWouldFail: a plan made with the policy check
// off, pre-flighted, skips exactly the items that apply of the same plan
// without pre-flight fails; the pre-flighted plan applies with nothing
// failed.
func TestPreflightFindsWhatApplyWouldFail(t *testing.T) {
	srv, url := startStrictSim(t)
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.json")
	checked, unchecked := filepath.Join(dir, "checked.json"), filepath.Join(dir, "unchecked.json")
	protect := extract(t, dir, fixtures.Protect)[0]
	policyRun(t, url, liveToken, 0, "export", "--source", "beta", "--out", legacy)
	asOf := time.Now().UTC().Format(time.RFC3339)
	// Pre-flight validates against the policies as they are: the plan's
	// own settings changes are not sent yet (--settings off).
	planArgs := []string{"plan", "--legacy", legacy, "--protect", protect, "--as-of", asOf, "--settings", "off", "--policy-check", "off"}
	held := func() int {
		st := srv.State()
		return len(st.RoleEligibilitySchedules) + len(st.RoleAssignmentSchedules) + len(st.RoleAssignments)
	}
	before := held()
	r := policyRun(t, url, liveToken, 0, append(planArgs, "--out", checked, "--preflight", "--output", "json")...)
	if held() != before {
		t.Errorf("pre-flight changed the tenant: %d objects, %d before", held(), before)
	}
	var out planResult
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Preflight == nil {
		t.Fatalf("plan --output json: %v\n%s", err, r.stdout)
	}
	pre := out.Preflight
	t.Logf("pre-flight: %d validated in %d batch requests, %d refused, %d role assignments not validatable", pre.Checked, pre.Requests, pre.Refused, pre.NotValidatable)
	if pre.Checked == 0 || pre.Requests == 0 || pre.Requests > (pre.Checked+19)/20*2 {
		t.Errorf("pre-flight %+v: want the requests batched", pre)
	}
	policyRun(t, url, liveToken, 0, append(planArgs, "--out", unchecked)...)
	journal := filepath.Join(dir, "run.jsonl")
	policyRun(t, url, liveToken, exitFailedItems, "apply", unchecked, "--yes", "--journal", journal)
	j, err := apply.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, k := range j.Keys() {
		if st := j.State(k); st.Outcome == apply.OutcomeFailed {
			if st.Last.Code != "RoleAssignmentRequestPolicyValidationFailed" {
				t.Errorf("%s failed with %s %s", k, st.Last.Code, st.Last.Message)
			}
			failed = append(failed, k)
		}
	}
	slices.Sort(failed)
	if len(failed) == 0 || !slices.Equal(failed, pre.RefusedKeys) {
		t.Errorf("apply failed %d items, pre-flight refused %d:\napply     %v\npreflight %v", len(failed), len(pre.RefusedKeys), failed, pre.RefusedKeys)
	}
	p, err := migrate.ReadPlanFile(checked)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		if it.Reason == migrate.ReasonPolicyValidationFailed && (len(it.PolicyRules) == 0 || it.PolicyRules[0].Rule != "ExpirationRule") {
			t.Errorf("%s: skipped without the failed rule: %+v", it.Key, it.PolicyRules)
		}
	}
	if p.Summary.SkipReasons[migrate.ReasonPolicyValidationFailed] != len(failed) {
		t.Errorf("plan counts %d policy-validation-failed, want %d", p.Summary.SkipReasons[migrate.ReasonPolicyValidationFailed], len(failed))
	}
}

// TestAppOnlySignInMeetsMFA: a plan made for app-only sign-in says which
// items need delegated sign-in, and apply signed in app-only refuses them
// before sending anything.
func TestAppOnlySignInMeetsMFA(t *testing.T) {
	srv, url := startStrictSim(t)
	dir := t.TempDir()
	legacy, plan := filepath.Join(dir, "legacy.json"), filepath.Join(dir, "plan.json")
	appOnly := graphsim.AppOnlyTokenPrefix + liveToken
	policyRun(t, url, appOnly, 0, "export", "--source", "beta", "--out", legacy)
	r := policyRun(t, url, appOnly, 0, "plan", "--legacy", legacy, "--out", plan, "--settings", "off", "--as-of", time.Now().UTC().Format(time.RFC3339))
	p, err := migrate.ReadPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	if p.Policy.SignIn != migrate.SignInAppOnly || p.Summary.Warnings[migrate.WarnDelegatedSignInRequired] == 0 || !strings.Contains(r.stderr, "need delegated sign-in") {
		t.Fatalf("plan for app-only sign-in: %s, warnings %v\n%s", p.Policy.SignIn, p.Summary.Warnings, r.stderr)
	}
	before := srv.Stats().Writes
	r = policyRun(t, url, appOnly, 1, "apply", plan, "--yes")
	if !strings.Contains(r.stderr, "need delegated sign-in") || !strings.Contains(r.stderr, "nothing was sent") || srv.Stats().Writes != before {
		t.Errorf("apply app-only: %s; %d writes", r.stderr, srv.Stats().Writes-before)
	}
	// Delegated, the same plan goes through.
	policyRun(t, url, liveToken, 0, "apply", plan, "--yes")
}
