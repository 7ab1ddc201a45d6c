package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pimmigrate/pimmigrate/fixtures"
	"github.com/pimmigrate/pimmigrate/graphsim"
	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// policyRules is every rule of every policy in a graphsim state, by
// "policy/rule", as stored.
func policyRules(st *graphsim.Seed) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, p := range st.RoleManagementPolicies {
		for _, r := range p.Rules {
			var id struct{ ID string }
			json.Unmarshal(r, &id)
			out[p.ID+"/"+id.ID] = r
		}
	}
	return out
}

// TestRoleSettingsEndToEnd: the demo's legacy settings, planned against
// graphsim's policies, applied before the assignments, verified, applied
// again with nothing sent, and rolled back to the very bytes they had.
func TestRoleSettingsEndToEnd(t *testing.T) {
	srv, url := startDemoSim(t, graphsim.Options{})
	env := map[string]string{tokenEnv: liveToken}
	dir := t.TempDir()
	legacy, plan := filepath.Join(dir, "legacy.json"), filepath.Join(dir, "plan.json")
	protect := extract(t, dir, fixtures.Protect)[0]
	run := func(args ...string) result {
		t.Helper()
		r := runCLIEnv(t, env, append([]string{"--graph-url", url, "--auth", "token"}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		return r
	}
	run("export", "--source", "beta", "--out", legacy)
	// graphsim judges expiry by the real clock; the plan must too.
	run("plan", "--legacy", legacy, "--out", plan, "--protect", protect, "--as-of", time.Now().UTC().Format(time.RFC3339))
	p, err := migrate.ReadPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]*migrate.Item{}
	for i := range p.Items {
		if it := &p.Items[i]; it.Kind == migrate.KindRoleSetting {
			rows[it.Key] = it
		}
	}
	ga, pra, helpdesk := migrate.MustGUID("62e90394-69f5-4237-9190-012177145e10"), migrate.MustGUID("e8611ab8-c189-46e8-94e1-60213ab1f814"), migrate.MustGUID("729827e3-9c14-49f7-bb1b-9608f156bbb8")
	checks := []struct {
		key    string
		action migrate.Action
		reason string
		warn   string
	}{
		{migrate.SettingKey(ga, migrate.RuleActivationApproval), migrate.ActionUpdate, "legacy-tighten", ""},
		{migrate.SettingKey(pra, migrate.RuleActivationApproval), migrate.ActionUpdate, "legacy-tighten", migrate.WarnApproverNotFound},
		{migrate.SettingKey(helpdesk, migrate.RuleActivationExpiration), migrate.ActionPresent, migrate.ReasonTenantStricter, ""},
	}
	for _, c := range checks {
		it := rows[c.key]
		switch {
		case it == nil:
			t.Errorf("no item %s in the plan", c.key)
		case it.Action != c.action || it.Reason != c.reason || c.warn != "" && !strings.Contains(strings.Join(it.Warnings, ","), c.warn):
			t.Errorf("%s: %s %s %v, want %s %s %s", c.key, it.Action, it.Reason, it.Warnings, c.action, c.reason, c.warn)
		}
	}
	notCarried := 0
	for _, it := range rows {
		if it.Reason == migrate.ReasonNotCarriedOver {
			notCarried++
		}
	}
	if p.Summary.Update == 0 || notCarried == 0 {
		t.Fatalf("plan: %d role settings to update, %d not carried over", p.Summary.Update, notCarried)
	}

	before := policyRules(srv.State())
	r := run("apply", plan, "--yes")
	if want := fmt.Sprintf("Updated %d role settings; ", p.Summary.Update); !strings.Contains(r.stdout, want) {
		t.Errorf("apply printed\n%s\nwant %q", r.stdout, want)
	}
	after := policyRules(srv.State())
	// Every role whose legacy settings required approval or MFA on
	// activation requires it now, and no rule is looser than before.
	l, _, err := migrate.ReadLegacyFile(legacy)
	if err != nil {
		t.Fatal(err)
	}
	policyOf := map[migrate.GUID]string{}
	for _, a := range srv.State().RoleManagementPolicyAssignments {
		policyOf[migrate.MustGUID(a.RoleDefinitionID)] = a.PolicyID
	}
	for _, s := range l.Settings {
		pol := policyOf[s.RoleID]
		approval := s.ApprovalOnElevation != nil && *s.ApprovalOnElevation
		mfa := s.MFAOnElevation != nil && *s.MFAOnElevation
		for _, r := range s.UserMemberSettings {
			approval = approval || r.RuleIdentifier == migrate.RuleApproval && strings.Contains(strings.ToLower(r.Setting), `"enabled":true`)
			mfa = mfa || r.RuleIdentifier == migrate.RuleMfa && strings.Contains(r.Setting, "true")
		}
		if approval && !bytes.Contains(after[pol+"/"+migrate.RuleActivationApproval], []byte(`"isApprovalRequired":true`)) {
			t.Errorf("role %s: legacy required approval; the tenant's rule is %s", s.RoleID, after[pol+"/"+migrate.RuleActivationApproval])
		}
		context := bytes.Contains(after[pol+"/"+migrate.RuleActivationAuthContext], []byte(`"isEnabled":true`))
		if mfa && !context && !bytes.Contains(after[pol+"/"+migrate.RuleActivationEnablement], []byte("MultiFactorAuthentication")) {
			t.Errorf("role %s: legacy required MFA on activation; the tenant's rule is %s", s.RoleID, after[pol+"/"+migrate.RuleActivationEnablement])
		}
	}
	for k, b := range before {
		id := k[strings.LastIndexByte(k, '/')+1:]
		loose, err := migrate.LooserFields(id, b, after[k])
		if err != nil {
			t.Fatal(err)
		}
		policy := k[:strings.LastIndexByte(k, '/')]
		if id == migrate.RuleActivationEnablement && bytes.Contains(after[policy+"/"+migrate.RuleActivationAuthContext], []byte(`"isEnabled":true`)) {
			loose = slicesWithout(loose, migrate.FieldMFA) // an authentication context stands in for MFA
		}
		if len(loose) > 0 {
			t.Errorf("%s is looser after apply (%v):\n before %s\n after  %s", k, loose, b, after[k])
		}
	}

	writes := srv.Stats().Writes
	run("apply", plan, "--yes")
	if n := srv.Stats().Writes - writes; n != 0 {
		t.Errorf("applying again wrote %d times", n)
	}
	run("rollback", "--journal", filepath.Join(dir, "run.jsonl"), "--yes")
	restored := policyRules(srv.State())
	for k, b := range before {
		if !bytes.Equal(restored[k], b) {
			t.Errorf("%s after rollback:\n%s\nwas\n%s", k, restored[k], b)
		}
	}
	run("report", "--plan", plan, "--journal", filepath.Join(dir, "run.jsonl"), "--settings-csv", filepath.Join(dir, "settings.csv"))
	if b, _ := os.ReadFile(filepath.Join(dir, "settings.csv")); !bytes.Contains(b, []byte("rolled back")) || !bytes.Contains(b, []byte(migrate.ReasonNotCarriedOver)) {
		t.Errorf("settings.csv:\n%s", b)
	}
}

func slicesWithout(s []string, x string) []string {
	var out []string
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// TestRoleSettingsKilledMidway: apply killed with a rule update in flight
// resumes, and rollback then restores every rule.
func TestRoleSettingsKilledMidway(t *testing.T) {
	w := newSimWorld(t, "--latency", "300ms")
	before := policyRules(simState(t, w.url))
	cmd, _ := w.start("apply", w.plan, "--yes")
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(w.journal); bytes.Contains(b, []byte(`"op":"updateRule"`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no rule update journaled within a minute")
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if st := w.journalOf(); !inFlightRule(st) {
		t.Log("the kill landed after the updates were answered")
	}
	r := w.must("apply", w.plan, "--yes")
	if want := fmt.Sprintf("Updated %d role settings; ", w.p.Summary.Update); !strings.Contains(r.stdout, want) {
		t.Errorf("the resumed apply printed\n%s\nwant %q", r.stdout, want)
	}
	w.applied("after the resumed apply")
	w.must("rollback", "--journal", w.journal, "--yes")
	for k, b := range before {
		if got := policyRules(simState(t, w.url))[k]; !bytes.Equal(got, b) {
			t.Errorf("%s after rollback:\n%s\nwas\n%s", k, got, b)
		}
	}
	w.restored("after rollback")
}

func inFlightRule(j *apply.Journal) bool {
	for _, k := range j.Keys() {
		if st := j.State(k); st.RuleID != "" && st.PendingOp != "" {
			return true
		}
	}
	return false
}

// TestRoleSettingsReapplyRightAfterRollback: apply, rollback, and apply
// again while reads still show the rules as the first apply left them
// (replication lag). The second apply must not take that stale read for
// "already as planned": every rule ends as planned.
func TestRoleSettingsReapplyRightAfterRollback(t *testing.T) {
	srv, url := startDemoSim(t, graphsim.Options{ConsistencyLag: 3 * time.Second})
	env := map[string]string{tokenEnv: liveToken}
	dir := t.TempDir()
	legacy, plan := filepath.Join(dir, "legacy.json"), filepath.Join(dir, "plan.json")
	protect := extract(t, dir, fixtures.Protect)[0]
	run := func(args ...string) {
		t.Helper()
		if r := runCLIEnv(t, env, append([]string{"--graph-url", url, "--auth", "token"}, args...)...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	run("export", "--source", "beta", "--out", legacy)
	run("plan", "--legacy", legacy, "--out", plan, "--protect", protect, "--as-of", time.Now().UTC().Format(time.RFC3339))
	run("apply", plan, "--yes")
	applied := policyRules(srv.State())
	run("rollback", "--journal", filepath.Join(dir, "run.jsonl"), "--yes")
	run("apply", plan, "--yes")
	for k, want := range applied {
		if got := policyRules(srv.State())[k]; !bytes.Equal(got, want) {
			t.Errorf("%s after apply, rollback, apply:\n%s\nwant, as the first apply left it,\n%s", k, got, want)
		}
	}
}
