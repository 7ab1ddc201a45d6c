package main

import (
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// runResult is the --output json object of apply, its dry run, and
// rollback (README.md, "JSON output").
type runResult struct {
	Command string     `json:"command"`
	Plan    string     `json:"plan"`
	Journal string     `json:"journal"`
	DryRun  bool       `json:"dryRun"`
	Line    string     `json:"line"`
	Summary runSummary `json:"summary"`
	// WouldSend is what a dry run would send; empty otherwise.
	WouldSend []runItem `json:"wouldSend"`
}

// runSummary is apply.Summary for scripts: camelCase, durations in
// seconds, failures with their principal and role.
type runSummary struct {
	Selected    int         `json:"selected"`
	NotApproved int         `json:"notApproved"`
	AlreadyDone int         `json:"alreadyDone"`
	Reconciled  int         `json:"reconciled"`
	Created     int         `json:"created"`
	Updated     int         `json:"updated"`
	Exists      int         `json:"exists"`
	Deleted     int         `json:"deleted"`
	Restored    int         `json:"restored"`
	Failed      int         `json:"failed"`
	Verified    int         `json:"verified"`
	Unverified  int         `json:"unverified"`
	Throttled   int         `json:"throttled"`
	Requests    int         `json:"requests"`
	Interrupted bool        `json:"interrupted"`
	Timing      runTiming   `json:"timing"`
	Failures    []runFailed `json:"failures"`
}

// runTiming is apply.Timing in seconds.
type runTiming struct {
	ReadSeconds    float64 `json:"readSeconds"`
	SendSeconds    float64 `json:"sendSeconds"`
	BackoffSeconds float64 `json:"backoffSeconds"`
	VerifySeconds  float64 `json:"verifySeconds"`
}

// runItem is a plan item as a run's output names it: an assignment by its
// target kind and principal, a role setting as kind "updateRule" with the
// policy rule it changes.
type runItem struct {
	Key               string `json:"key"`
	Kind              string `json:"kind"`
	Principal         string `json:"principal"`
	UserPrincipalName string `json:"userPrincipalName"`
	Role              string `json:"role"`
	Rule              string `json:"rule"`
	// Scope is the target's scope id ("/" for the tenant), ScopeName its
	// object's name, Provider "entitlementManagement" when not the
	// directory's, and Added the --add row (or "directory-readers") of an
	// item legacy did not hold.
	Scope     string `json:"scope,omitempty"`
	ScopeName string `json:"scopeName,omitempty"`
	Provider  string `json:"provider,omitempty"`
	Added     string `json:"added,omitempty"`
}

// runFailed is a failed item and Graph's answer.
type runFailed struct {
	runItem
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// itemOf names the plan item with key (only its key when the plan has no
// such item: a journal line of another plan).
func itemOf(items map[string]*migrate.Item, key string) runItem {
	if it := items[key]; it != nil {
		return runItemOf(it)
	}
	return runItem{Key: key}
}

func runItemOf(it *migrate.Item) runItem {
	if it.Kind == migrate.KindRoleSetting && it.Setting != nil {
		return runItem{Key: it.Key, Kind: "updateRule", Role: it.Role.DisplayName, Rule: it.Setting.RuleID}
	}
	return runItem{Key: it.Key, Kind: string(it.Target.Kind), Principal: it.Principal.DisplayName,
		UserPrincipalName: it.Principal.UserPrincipalName, Role: it.Role.DisplayName,
		Scope: it.Target.ScopeID(), ScopeName: it.ScopeName, Provider: it.Target.Provider, Added: it.Added}
}

// itemsByKey indexes a plan's items.
func itemsByKey(p *migrate.Plan) map[string]*migrate.Item {
	m := make(map[string]*migrate.Item, len(p.Items))
	for i := range p.Items {
		m[p.Items[i].Key] = &p.Items[i]
	}
	return m
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// summaryOf is s for scripts, its failures named from items.
func summaryOf(s apply.Summary, items map[string]*migrate.Item) runSummary {
	out := runSummary{Selected: s.Selected, NotApproved: s.NotApproved, AlreadyDone: s.AlreadyDone, Reconciled: s.Reconciled,
		Created: s.Created, Updated: s.Updated, Exists: s.Exists, Deleted: s.Deleted, Restored: s.Restored, Failed: s.Failed, Verified: s.Verified, Unverified: s.Unverified,
		Throttled: s.Throttled, Requests: s.Requests, Interrupted: s.Interrupted,
		Timing:   runTiming{seconds(s.Timing.Read), seconds(s.Timing.Send), seconds(s.Timing.Backoff), seconds(s.Timing.Verify)},
		Failures: make([]runFailed, 0, len(s.Failures))}
	for _, f := range s.Failures {
		out.Failures = append(out.Failures, runFailed{itemOf(items, f.Key), f.Status, f.Code, f.Message})
	}
	return out
}
