package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pimmigrate/pimmigrate/migrate"
)

type planOptions struct {
	legacy          string
	out             string
	offline         bool
	asOf            string
	eligibleAs      string
	keepActivations bool
	protect         string
	settings        string
	policyExpiry    string
	policyCheck     string
	preflight       bool
	scopeRules      string
	add             string
}

func newPlanCmd(a *app) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan --legacy legacy.json --out plan.json [--offline]",
		Short: "Compare legacy assignments with the tenant and write plan.json",
		Long: `Plan maps every legacy assignment to its unified target and compares it with
the tenant: each item is to be created, already present, or skipped with a
reason, and carries warnings worth a reviewer's look.

Mapping (the defaults are the safe ones):
  permanent            -> role assignment at scope "/"
  eligible             -> eligibility schedule request, no expiration
  activated            -> eligibility (--keep-activations also recreates a running activation)
  time-bound eligible  -> eligibility ending when the legacy one ends
  expired              -> skipped

--offline plans without reading the tenant: roles are checked against the
built-in role catalogue and principals are kept with a principal-unverified
warning.

--protect names break-glass accounts, never touched. An entry that names no
principal of the tenant (a typo) stops the plan; offline, an entry by UPN, or
an object id no legacy record has, is a note naming its line.

Each item is checked against its role's policy as the plan leaves it (the
tenant's rules with the plan's own settings changes): access that must expire
gets an end (--policy-expiry set) or is skipped (skip); an end beyond the
maximum is shortened; items whose policy requires MFA of the assigning admin
need delegated sign-in. --policy-check off leaves that out.

--preflight sends every planned schedule request to Graph with
isValidationOnly (nothing is created), in batches as apply sends them, and
skips each one Graph refuses (policy-validation-failed, naming the rules).

A plan that has been applied is never replaced in place: when --out holds a
plan that run.jsonl next to it applied, both are kept under the next free
number (plan.1.json and run.1.jsonl), and the new plan starts a new journal.`,
		Example: `  pimmigrate plan --offline --legacy legacy.json --out plan.json
  pimmigrate plan --offline --legacy legacy.json --out plan.json --protect breakglass.txt --as-of 2026-11-22T12:00:00Z
  pimmigrate plan --legacy legacy.json --out plan.json --preflight`,
		RunE: func(cmd *cobra.Command, args []string) error { return runPlan(cmd.Context(), a, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.legacy, "legacy", "", "legacy.json written by export")
	f.StringVar(&o.out, "out", "", "where to write plan.json")
	f.BoolVar(&o.offline, "offline", false, "plan without reading the tenant")
	f.StringVar(&o.asOf, "as-of", "", "judge expiries at this RFC 3339 time (default: now)")
	f.StringVar(&o.eligibleAs, "eligible-as", string(migrate.EligibleAsEligibility), "what legacy eligible access becomes: eligibility|assignment|skip")
	f.BoolVar(&o.keepActivations, "keep-activations", false, "also recreate activations still running as time-bound active assignments")
	f.StringVar(&o.protect, "protect", "", "file of principals never touched (break-glass): object ids or UPNs, one a line")
	f.StringVar(&o.settings, "settings", string(migrate.SettingsTighten), "what legacy role settings become: tighten (only ever stricter)|mirror (exactly legacy's)|off")
	f.StringVar(&o.policyExpiry, "policy-expiry", string(migrate.PolicyExpirySet), "access without an end where the role's policy requires one: set (asOf + the policy's maximum)|skip")
	f.StringVar(&o.policyCheck, "policy-check", migrate.PolicyCheckOn, "check items against the roles' policies: on|off")
	f.BoolVar(&o.preflight, "preflight", false, "validate every planned schedule request with Graph (isValidationOnly) and skip those refused")
	f.StringVar(&o.scopeRules, "scope-rules", "", "CSV of rules (role, principal, scope) that narrow legacy grants below \"/\"; the first matching row wins")
	f.StringVar(&o.add, "add", "", "CSV of assignments wanted beyond legacy (principal, role, scope, kind, start, end, provider)")
	return cmd
}

type planResult struct {
	Command string          `json:"command"`
	Out     string          `json:"out"`
	Line    string          `json:"line"`
	Notes   []string        `json:"notes"`
	Summary migrate.Summary `json:"summary"`
	// Preflight is set for plan --preflight.
	Preflight *preflightResult `json:"preflight,omitempty"`
	// Kept is the applied plan --out held, and its journal, kept under
	// numbered names; Replaced says a plan no journal next to it applied
	// was replaced.
	Kept     *keptRun `json:"kept,omitempty"`
	Replaced bool     `json:"replaced"`
}

func runPlan(ctx context.Context, a *app, o *planOptions) error {
	if o.legacy == "" {
		return usagef("plan: --legacy is required (legacy.json written by `pimmigrate export`)")
	}
	if o.out == "" {
		return usagef("plan: --out is required (where to write plan.json)")
	}
	if err := distinctOutputs("plan", []namedFile{{"--out", o.out}}, []namedFile{{"--legacy", o.legacy}, {"--protect", o.protect}, {"--scope-rules", o.scopeRules}, {"--add", o.add}}); err != nil {
		return err
	}
	policy := migrate.DefaultPolicy()
	var err error
	if policy.EligibleAs, err = migrate.ParseEligibleAs(o.eligibleAs); err != nil {
		return usagef("plan: %w", err)
	}
	policy.KeepActivations = o.keepActivations
	if policy.Settings, err = migrate.ParseSettingsMode(o.settings); err != nil {
		return usagef("plan: %w", err)
	}
	if policy.PolicyExpiry, err = migrate.ParsePolicyExpiry(o.policyExpiry); err != nil {
		return usageError{err}
	}
	if o.policyCheck, err = migrate.ParsePolicyCheck(o.policyCheck); err != nil {
		return usageError{err}
	}
	if o.policyCheck == migrate.PolicyCheckOff {
		policy.PolicyCheck = o.policyCheck
	}
	if o.preflight && o.offline {
		return usagef("plan: --preflight asks Graph and --offline does not read the tenant: leave one out")
	}
	if (o.scopeRules != "" || o.add != "") && o.offline {
		return usagef("plan: --scope-rules and --add resolve names and scopes against the tenant, and --offline does not read it: leave --offline out")
	}
	policy.SignIn = a.signIn()
	now := a.now().UTC()
	asOf := now
	if o.asOf != "" {
		if asOf, err = time.Parse(time.RFC3339, o.asOf); err != nil {
			return usagef("plan: --as-of %q is not an RFC 3339 time such as 2026-11-22T12:00:00Z", o.asOf)
		}
	}
	protect, err := readProtect(o.protect)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	policy.Protect = protect.Values()
	scoped, err := readScopeInputs(o.scopeRules, o.add)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	policy.ScopeRules, policy.Add = o.scopeRules, o.add
	legacy, digest, err := migrate.ReadLegacyFileCompact(o.legacy)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	cat := migrate.BuiltinCatalogue()
	var tenant *migrate.Tenant
	if o.offline {
		tenantID := legacy.TenantID
		if a.global.tenantID != "" {
			tenantID = a.global.tenantID
		}
		tenant = migrate.OfflineTenant(cat, tenantID)
	} else {
		ids, _ := scoped.principals()
		read := tenantRead{principals: ids, policies: policy.PolicyCheck != migrate.PolicyCheckOff || policy.Settings != migrate.SettingsOff && len(legacy.Settings) > 0}
		if tenant, err = readTenant(ctx, a, legacy, protect, read); err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		if scoped.given() {
			if err := readScopeTenant(ctx, a, tenant, scoped); err != nil {
				return fmt.Errorf("plan: %w", err)
			}
		}
	}
	var notes []string
	if o.offline {
		notes = protect.OfflineNotes(legacy)
	}
	lock, err := lockFile(a, o.out, "plan", "--out "+o.out)
	if err != nil {
		return err
	}
	kept, replaced, err := keepApplied(a, "plan", o.out)
	if err != nil {
		lock.Unlock()
		return fmt.Errorf("plan: %w", err)
	}
	in := migrate.PlanInput{
		Legacy: legacy, LegacyDigest: digest, Tenant: tenant, Policy: policy,
		Catalogue: cat, GraphURL: a.global.graphURL, AsOf: asOf, CreatedAt: now, Notes: notes,
		ScopeRules: scoped.rules, Adds: scoped.adds,
	}
	var p *migrate.Plan
	var pre *preflightResult
	if o.preflight {
		p, pre, err = preflightPlan(ctx, a, in, o.out)
	} else {
		p, err = migrate.BuildPlanFile(o.out, in)
	}
	if err != nil && kept != nil {
		kept.undo()
	}
	lock.Unlock()
	if err != nil {
		return err
	}
	if a.jsonOutput() {
		return a.printJSON(planResult{Command: "plan", Out: o.out, Line: p.Summary.Line(), Notes: nonNil(p.Notes), Summary: p.Summary, Kept: kept, Replaced: replaced, Preflight: pre})
	}
	if pre != nil {
		fmt.Fprint(a.stdout, pre.text())
	}
	fmt.Fprint(a.stdout, p.Summary.Text())
	if n := p.Summary.Warnings[migrate.WarnDelegatedSignInRequired]; n > 0 {
		fmt.Fprintf(a.stderr, "note: %s need delegated sign-in: their roles' policies require MFA of the admin who assigns, and --auth %s signs in app-only; run apply with --auth device, browser or azcli.\n",
			migrate.Plural(n, "item", "items"), a.global.auth)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(a.stderr, "note: %s\n", migrate.Printable(n))
	}
	if p.Offline {
		fmt.Fprintln(a.stderr, "note: offline plan: principals and the tenant's existing assignments were not checked.")
	}
	fmt.Fprintf(a.stdout, "Saved the plan to %s.\n", migrate.Printable(o.out))
	switch {
	case kept != nil:
		fmt.Fprintln(a.stdout, migrate.Printable(kept.String(o.out)))
	case replaced:
		why := fmt.Sprintf("%s next to it records no run of it", filepath.Base(defaultJournal(o.out)))
		if _, err := os.Stat(defaultJournal(o.out)); errors.Is(err, fs.ErrNotExist) {
			why = "it was never applied: no " + filepath.Base(defaultJournal(o.out)) + " next to it"
		}
		fmt.Fprintf(a.stdout, "Replaced the plan that was in %s (%s).\n", migrate.Printable(o.out), migrate.Printable(why))
	}
	return nil
}

// sameTenant refuses a signed-in tenant other than --tenant-id, or other
// than the one the legacy snapshot was exported from.
func sameTenant(a *app, legacy *migrate.Legacy, signedIn string) error {
	if want := a.global.tenantID; want != "" && !strings.EqualFold(want, signedIn) {
		return fmt.Errorf("signed in to tenant %s, not --tenant-id %s; sign in to the tenant you mean", signedIn, want)
	}
	if legacy.TenantID != "" && !strings.EqualFold(legacy.TenantID, signedIn) {
		return fmt.Errorf("the legacy snapshot is of tenant %s but you are signed in to tenant %s; sign in to %s (--tenant-id %s) or export this tenant's assignments", legacy.TenantID, signedIn, legacy.TenantID, legacy.TenantID)
	}
	return nil
}
