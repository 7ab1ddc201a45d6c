package apply

import (
	"context"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// Pre-flight (plan --preflight): each planned schedule request is sent
// with isValidationOnly, through the engine's batches, shared rate limiter,
// back-off and retries, as apply would send it. Graph checks it against
// the role's policy and creates nothing. The journal is kept in memory:
// nothing is written, and nothing needs rolling back.

// PreflightSummary is the result of a pre-flight.
type PreflightSummary struct {
	// Checked counts the items sent for validation; NotValidatable the
	// create items that are plain role assignments, which have no
	// validation-only form.
	Checked, NotValidatable int
	// Failures are the items Graph refused, by key.
	Failures map[string]migrate.PreflightFailure
	// Unanswered counts items that got no verdict (throttled or failing
	// until they ran out of tries, or interrupted): not judged.
	Unanswered int
	Requests   int // $batch requests sent
	Throttled  int // 429 answers
}

// Preflight validates every create item of p that is a schedule request.
// A 2xx passes; a 4xx is a failure; 429, 5xx and lost answers are retried
// as apply retries them.
func Preflight(ctx context.Context, p *migrate.Plan, g Graph, opt Options) (PreflightSummary, error) {
	s := PreflightSummary{Failures: map[string]migrate.PreflightFailure{}}
	r := newRun(g, memoryJournal(), opt, "preflight")
	var tasks []*task
	for i := range p.Items {
		it := &p.Items[i]
		if it.Action != migrate.ActionCreate || it.Kind != migrate.KindAssignment {
			continue
		}
		op, ok := wire.ValidateOp(it.Target)
		if !ok {
			s.NotValidatable++
			continue
		}
		tasks = append(tasks, &task{key: it.Key, op: op})
	}
	s.Checked = len(tasks)
	r.handle = r.answeredWith(outcomeValid)
	r.progress(func(pr *Progress) { pr.Phase, pr.Total = "preflight", len(tasks) })
	err := r.execute(ctx, len(tasks), tasks, nil)
	r.mu.Lock()
	s.Requests, s.Throttled = r.prog.Requests, r.prog.Throttled
	r.mu.Unlock()
	for _, t := range tasks {
		st := r.j.State(t.key)
		switch st.Outcome {
		case outcomeValid:
		case OutcomeFailed:
			if l := st.Last; l.Status >= 400 && l.Status < 500 && l.Status != 429 {
				s.Failures[t.key] = migrate.PreflightFailure{Status: l.Status, Code: l.Code, Message: l.Message}
				continue
			}
			s.Unanswered++
		default:
			s.Unanswered++
		}
	}
	return s, err
}

// outcomeValid is a pre-flight's outcome for a request Graph accepted; it
// never reaches a journal file.
const outcomeValid = "valid"
