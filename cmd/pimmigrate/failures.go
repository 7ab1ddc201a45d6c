package main

import (
	"fmt"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// name is how a failure line names the item: a reviewer's words (principal,
// UPN, role, target kind; a role setting by its rule), then its key.
func (r runItem) name() string {
	switch {
	case r.Rule != "":
		return fmt.Sprintf("rule %s of %s", r.Rule, r.Role)
	case r.Kind == "":
		return r.Key // not in the plan: the journal names it by key only
	}
	who := r.Principal
	if r.UserPrincipalName != "" {
		who += " <" + r.UserPrincipalName + ">"
	}
	at := ""
	if r.Scope != migrate.DirectoryScopeRoot || r.Provider != "" {
		t := migrate.Target{Provider: r.Provider, DirectoryScopeID: r.Scope, AppScopeID: r.Scope}
		at = " at " + migrate.ScopeLabel(&t, r.ScopeName)
	}
	return fmt.Sprintf("%s as %s%s (%s)", who, r.Role, at, r.Kind)
}

// printFailures lists the first failures on stderr, each named from items
// with Graph's answer; see says where the rest are.
func printFailures(a *app, items map[string]*migrate.Item, failures []apply.Failure, see string) {
	const show = 20
	for i, f := range failures {
		if i == show {
			fmt.Fprintf(a.stderr, "  ... and %d more failures: %s\n", len(failures)-show, migrate.Printable(see))
			break
		}
		it := itemOf(items, f.Key)
		fmt.Fprintln(a.stderr, "  "+migrate.Printable(fmt.Sprintf("failed: %s: %d %s: %s; key %s", it.name(), f.Status, f.Code, f.Message, f.Key)))
	}
}

// seeWhy is the command that shows each failure with its reason.
func seeWhy(plan, journal string) string {
	return fmt.Sprintf("pimmigrate report --plan %s --journal %s --xlsx report.xlsx", plan, journal)
}

// failedItems is the exit-3 error of a run that ends with failed items:
// how many (earlier of them failed in earlier runs and were not sent
// again), where to see why, and how to send them again.
func failedItems(command, plan, journal string, failed, earlier int) error {
	msg := fmt.Sprintf("%s finished with %s.", command, migrate.Plural(failed, "failed item", "failed items"))
	switch {
	case earlier == 1:
		msg += " 1 failed in an earlier run and was not sent again."
	case earlier > 1:
		msg += fmt.Sprintf(" %d failed in earlier runs and were not sent again.", earlier)
	}
	msg += " See why: " + seeWhy(plan, journal)
	if command == "apply" {
		msg += fmt.Sprintf("; once fixed, send them again: pimmigrate apply %s --retry-failed", plan)
	} else {
		msg += "; run the same command again to try them again"
	}
	return exitCodeError{exitFailedItems, fmt.Errorf("%s", msg)}
}

// verifiedLine says what apply read back, "" when it wrote nothing.
func verifiedLine(verified, written, unverified int) string {
	if written == 0 {
		return ""
	}
	line := fmt.Sprintf("Verified %d of %d created or updated: each read back from the tenant as planned.", verified, written)
	if unverified > 0 {
		line += fmt.Sprintf(" %d not visible yet.", unverified)
	}
	return line
}
