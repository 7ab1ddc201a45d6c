package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/apply"
)

// earlierRuns is what the journal says earlier runs did with the create
// items this run may send: what is left to send, and what is done. It
// follows apply.Apply's own reading of the journal.
type earlierRuns struct {
	// left are the items this run sends: never sent, interrupted before
	// their answer, rolled back since, or failed with --retry-failed.
	left []*migrate.Item
	// Done by earlier runs: objects created, role settings updated.
	created, updated, exists, failed int
	// unverified of the created (or updated) are not seen in the tenant yet: this run
	// reads them back, and sends nothing for them. verified counts the
	// items read back as planned.
	unverified, verified int
	failures             []apply.Failure
}

// done is how many items earlier runs finished.
func (e *earlierRuns) done() int { return e.created + e.updated + e.exists + e.failed }

// readEarlierRuns reads the journal at path, if there is one, for the
// items of p this run may send. A journal of another plan or tenant is
// refused here, before anything is asked or sent.
func readEarlierRuns(path string, p *migrate.Plan, send []*migrate.Item, retryFailed bool) (*earlierRuns, error) {
	e := &earlierRuns{}
	j, err := apply.ReadJournal(path)
	if errors.Is(err, fs.ErrNotExist) {
		e.left = send
		return e, nil
	}
	if err != nil {
		return nil, err
	}
	headers := j.Headers()
	for i := range headers {
		h := &headers[i]
		if h.PlanDigest == p.Digest && strings.EqualFold(h.TenantID, p.TenantID) {
			continue
		}
		hint := "use a new --journal for this plan, or the plan this journal was written for"
		if h.Plan != "" {
			if applied, _, err := findAppliedPlan(path, h); err == nil {
				hint = "it records runs of " + applied + "; use a new --journal for this plan"
			}
		}
		return nil, fmt.Errorf("%s: %w (plan %s, tenant %s); %s", path, apply.ErrForeignJournal, h.PlanDigest, h.TenantID, hint)
	}
	for _, it := range send {
		st := j.State(it.Key)
		if st.Verified {
			e.verified++
		}
		switch {
		case st.Outcome == apply.OutcomeCreated:
			e.created++
			if !st.Verified && st.PendingOp == "" {
				e.unverified++
			}
		case st.Outcome == apply.OutcomeUpdated:
			e.updated++
			if !st.Verified {
				e.unverified++
			}
		case st.Outcome == apply.OutcomeExists:
			e.exists++
		case st.Outcome == apply.OutcomeFailed && st.PendingOp == "" && !retryFailed:
			e.failed++
			e.failures = append(e.failures, apply.Failure{Key: it.Key, Code: st.Last.Code, Message: st.Last.Message, Status: st.Last.Status})
		default:
			e.left = append(e.left, it)
		}
	}
	return e, nil
}
