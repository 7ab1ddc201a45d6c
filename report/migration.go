package report

import (
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Outcome is what an apply journal says of one plan item. The caller fills
// it from the journal (migrate/apply's ItemState); this package does not
// read journals.
type Outcome struct {
	// Outcome is the last outcome line's: created, exists, failed or
	// deleted (rollback removed it). Empty when the journal has none.
	Outcome string
	// InFlight is set when the journal holds an intent with no outcome
	// after it: the request left and the run stopped before its answer.
	InFlight         bool
	ObjectID         string
	TargetScheduleID string
	Status           int
	Code             string
	Message          string
	RequestID        string
	Attempts         int
	At               time.Time // of the last outcome line
}

// Journal outcomes, as migrate/apply spells them.
const (
	journalCreated  = "created"
	journalUpdated  = "updated"
	journalExists   = "exists"
	journalFailed   = "failed"
	journalDeleted  = "deleted"
	journalRestored = "restored"
)

// Run is what an apply journal records, as the report shows it.
type Run struct {
	Journal      string    // the journal file, as the user named it
	Started      time.Time // the first apply run's header line
	Finished     time.Time // the last header or outcome line
	ApplyRuns    int
	RollbackRuns int
	// Items is the journal's word on each plan item, by key.
	Items map[string]Outcome
}

// MigrationInput is what a migration report is made of.
type MigrationInput struct {
	Plan *migrate.Plan
	// Items, when set, yields the plan's items in order in place of
	// Plan.Items: a plan read from its file for each pass over it
	// (migrate.ScanPlanFile), so that a report of any size holds one item
	// at a time. Each sheet ranges it anew; its error fails the write.
	Items    func(fn func(*migrate.Item) error) error
	PlanFile string
	// Run is nil for a report of the plan alone: what apply would do.
	Run         *Run
	ToolVersion string
	MadeAt      time.Time
}

// Labels of the Outcome column.
const (
	LabelWouldCreate = "would create"       // plan only: apply would send it
	LabelWouldUpdate = "would update"       // plan only: apply would change the rule
	LabelUpdated     = "updated"            // a policy rule changed
	LabelDeclined    = "declined in review" // approved false: never sent
	LabelPresent     = "already present"    // planned present: nothing to send
	LabelSkipped     = "skipped"            // planned skip: see the reason
	LabelCreated     = "created"
	LabelExists      = "exists" // already there when apply got to it
	LabelFailed      = "failed"
	LabelRolledBack  = "rolled back"
	LabelInFlight    = "in flight" // sent, answer never journaled: run apply again
	LabelNotSent     = "not sent"  // sendable, but no run reached it
)

// label is an outcome label with its cell tone and its colour in the chart
// (each its own, within its tone's family).
type label struct {
	name  string
	tone  Tone
	chart string
}

// Labels in the order the Summary lists them.
var (
	runLabels = []label{{LabelCreated, ToneGood, "70AD47"}, {LabelUpdated, ToneGood, "548235"}, {LabelExists, ToneInfo, "2E75B6"}, {LabelFailed, ToneBad, "C00000"},
		{LabelInFlight, ToneWarn, "ED7D31"}, {LabelNotSent, ToneWarn, "FFC000"}, {LabelRolledBack, ToneInfo, "7F7F7F"},
		{LabelDeclined, ToneWarn, "BF8F00"}, {LabelPresent, ToneInfo, "9DC3E6"}, {LabelSkipped, ToneWarn, "FFE699"}}
	planLabels = []label{{LabelWouldCreate, TonePlain, "A5A5A5"}, {LabelWouldUpdate, TonePlain, "7F7F7F"}, {LabelDeclined, ToneWarn, "BF8F00"},
		{LabelPresent, ToneInfo, "9DC3E6"}, {LabelSkipped, ToneWarn, "FFE699"}}
)

func (in *MigrationInput) labels() []label {
	if in.Run == nil {
		return planLabels
	}
	return runLabels
}

func toneOf(name string) Tone {
	for _, l := range runLabels {
		if l.name == name {
			return l.tone
		}
	}
	return TonePlain
}

// outcome is the label of an item and what the journal says of it.
func (in *MigrationInput) outcome(it *migrate.Item) (string, Outcome) {
	switch it.Action {
	case migrate.ActionPresent:
		return LabelPresent, Outcome{}
	case migrate.ActionSkip:
		return LabelSkipped, Outcome{}
	}
	declined := it.Approved != nil && !*it.Approved
	if in.Run == nil {
		switch {
		case declined:
			return LabelDeclined, Outcome{}
		case it.Action == migrate.ActionUpdate:
			return LabelWouldUpdate, Outcome{}
		}
		return LabelWouldCreate, Outcome{}
	}
	o, ok := in.Run.Items[it.Key]
	switch {
	case ok && o.InFlight:
		return LabelInFlight, o
	case ok && o.Outcome == journalCreated:
		return LabelCreated, o
	case ok && o.Outcome == journalUpdated:
		return LabelUpdated, o
	case ok && o.Outcome == journalRestored:
		return LabelRolledBack, o
	case ok && o.Outcome == journalExists:
		return LabelExists, o
	case ok && o.Outcome == journalFailed:
		return LabelFailed, o
	case ok && o.Outcome == journalDeleted:
		return LabelRolledBack, o
	case declined:
		return LabelDeclined, o
	}
	return LabelNotSent, o
}

// PlanFileItems is MigrationInput.Items for the plan at path, which was
// read with digest: its items are read from the file anew for each pass,
// and a file that no longer has that digest fails the pass.
func PlanFileItems(path, digest string) func(fn func(*migrate.Item) error) error {
	return func(fn func(*migrate.Item) error) error {
		p, err := migrate.ScanPlanFile(path, fn)
		if err == nil && p.Digest != digest {
			err = fmt.Errorf("%s changed while the report was written (digest %s, was %s); run report again", path, p.Digest, digest)
		}
		return err
	}
}

// each calls fn for each item in order, from Items or Plan.Items.
func (in *MigrationInput) each(fn func(*migrate.Item) error) error {
	if in.Items != nil {
		return in.Items(fn)
	}
	for i := range in.Plan.Items {
		if err := fn(&in.Plan.Items[i]); err != nil {
			return err
		}
	}
	return nil
}

// errStop ends a pass over the items early, as a sheet's reader asked.
var errStop = errors.New("stop")

// OutcomeCounts counts the items of a kind (assignments, role settings)
// by the label of their Outcome column.
func OutcomeCounts(in MigrationInput, kind migrate.ItemKind) (map[string]int, error) {
	n := map[string]int{}
	err := in.each(func(it *migrate.Item) error {
		if it.Kind == kind {
			l, _ := in.outcome(it)
			n[l]++
		}
		return nil
	})
	return n, err
}

// Migration is the workbook of a migration report: Summary, Assignments
// (one row per assignment item), Role settings (one row per role setting
// item) and Rejected (every input record export could not use).
func Migration(in MigrationInput) Workbook {
	return Workbook{Sheets: []Sheet{summarySheet(&in), Assignments(in), RoleSettings(in), rejectedSheet(in.Plan)}}
}

// assignmentColumns are the Assignments sheet's columns, and the CSV's.
// Origin says where the access comes from (migrate.Item.OriginText): a
// legacy record, narrowed or not by a scope rule, or a row of --add that
// no legacy record stands behind; the legacy columns of such a row are
// empty. Scope is the target's scope id, the directory's or the catalog's
// (appScopeId) by Provider. The key, "{principalId}_{roleDefinitionId}"
// (migrate.ScopedKey), is long and for machines: it comes last.
var assignmentColumns = []Column{
	{Header: "Principal"},
	{Header: "User principal name"},
	{Header: "Principal type", Width: 16},
	{Header: "Enabled", Width: 10},
	{Header: "Role"},
	{Header: "Role ID", Width: 38},
	{Header: "Origin", Width: 34},
	{Header: "Legacy state", Width: 20},
	{Header: "Legacy expiry (UTC)", Width: 21},
	{Header: "Legacy source"},
	{Header: "Target kind", Width: 32},
	{Header: "Provider", Width: 22},
	{Header: "Scope", Width: 30},
	{Header: "Scope name", Width: 20},
	{Header: "Action", Width: 10},
	{Header: "Reason"},
	{Header: "Warnings"},
	{Header: "Outcome", Width: 20},
	{Header: "New object ID", Width: 38},
	{Header: "Target schedule ID", Width: 38},
	{Header: "HTTP status", Width: 13, Numeric: true},
	{Header: "Error code"},
	{Header: "Error message"},
	{Header: "Attempts", Width: 11, Numeric: true},
	{Header: "Request ID", Width: 38},
	{Header: "Time (UTC)", Width: 21},
	{Header: "Planned end (UTC)", Width: 21},
	{Header: "Policy rule"},
	{Header: "Key", Width: 75},
}

// RoleName is a role's display name or, for a role the tenant does not
// have (no name), "(unknown role 2af1eea7-…)": the same in every report.
func RoleName(name, id string) string {
	if name == "" && id != "" {
		return "(unknown role " + id + ")"
	}
	return name
}

// roleName is an item's RoleName; "(unknown role)" for a role an --add
// row named that the tenant does not have (no id either).
func roleName(it *migrate.Item) string {
	if it.Role.DisplayName == "" && it.Target.RoleDefinitionID.IsZero() && it.Kind == migrate.KindAssignment {
		return "(unknown role)"
	}
	return RoleName(it.Role.DisplayName, guidText(it.Target.RoleDefinitionID))
}

// guidText is g, or "" for the zero GUID: the id of a principal or a role
// an --add row named that the tenant does not have.
func guidText(g migrate.GUID) string {
	if g.IsZero() {
		return ""
	}
	return g.String()
}

// Assignments is the sheet with one row per plan item, in the review
// screen's order (by principal name, then role; rowsort.go): the item,
// what the plan does with it and, with a run, what the journal says
// happened. The CSV report is this sheet.
func Assignments(in MigrationInput) Sheet {
	var err error
	return Sheet{Name: "Assignments", Columns: assignmentColumns, AutoFilter: true, Rows: in.assignmentRows(&err),
		Err: func() error { return err }}
}

// assignmentRows yields a row per item; *errp is the error that ended the
// items early, if any.
func (in *MigrationInput) assignmentRows(errp *error) iter.Seq[[]Cell] {
	return func(yield func([]Cell) bool) {
		sorter, err := newRowSorter()
		if err != nil {
			*errp = err
			return
		}
		defer sorter.close()
		row := make([]Cell, len(assignmentColumns))
		err = in.each(func(it *migrate.Item) error {
			if it.Kind != migrate.KindAssignment {
				return nil
			}
			label, o := in.outcome(it)
			var expiry time.Time
			if e, ok := it.Legacy.Expiry(); ok {
				expiry = e
			}
			row = append(row[:0],
				Text(it.Principal.DisplayName),
				Text(it.Principal.UserPrincipalName),
				Text(string(it.Principal.Type)),
				Text(yesNo(it.Principal.AccountEnabled)),
				Text(roleName(it)),
				Text(guidText(it.Target.RoleDefinitionID)),
				Text(it.OriginText()),
				Text(string(it.Legacy.State)),
				Date(expiry),
				Text(it.Legacy.Source),
				Text(string(it.Target.Kind)),
				Text(it.Target.ProviderName()),
				Text(it.Target.ScopeID()),
				Text(it.ScopeName),
				Text(string(it.Action)),
				Text(it.Reason),
				Text(strings.Join(it.Warnings, ", ")),
				Text(label).WithTone(toneOf(label)),
				Text(o.ObjectID),
				Text(o.TargetScheduleID),
				positive(o.Status),
				Text(o.Code),
				Text(o.Message),
				positive(o.Attempts),
				Text(o.RequestID),
				Date(o.At),
				Date(plannedEnd(&it.Target)),
				Text(policyRules(it.PolicyRules)),
				Text(it.Key),
			)
			return sorter.add(it, row)
		})
		if err == nil {
			err = sorter.rows(yield)
		}
		*errp = err
	}
}

// plannedEnd is when the target's access ends, zero for none.
func plannedEnd(t *migrate.Target) time.Time {
	if t.Expiration == nil || t.Expiration.EndDateTime == nil {
		return time.Time{}
	}
	return *t.Expiration.EndDateTime
}

// policyRules says what the role's policy did to an item, and by which
// rule: "Expiration_Admin_Eligibility.isExpirationRequired:
// expiry-set-by-policy (no end -> …)", one per effect.
func policyRules(es []migrate.PolicyEffect) string {
	out := make([]string, len(es))
	for i, e := range es {
		r := e.Rule
		if e.Field != "" {
			r += "." + e.Field
		}
		out[i] = r + ": " + e.Effect
		if e.Detail != "" {
			out[i] += " (" + e.Detail + ")"
		}
	}
	return strings.Join(out, "; ")
}

// settingColumns are the Role settings sheet's columns, and the settings
// CSV's.
var settingColumns = []Column{
	{Header: "Key", Width: 40},
	{Header: "Role"},
	{Header: "Role ID", Width: 38},
	{Header: "Policy ID", Width: 40},
	{Header: "Rule", Width: 34},
	{Header: "Legacy value"},
	{Header: "Legacy source"},
	{Header: "Tenant before"},
	{Header: "Planned"},
	{Header: "Action", Width: 10},
	{Header: "Reason"},
	{Header: "Warnings"},
	{Header: "Not carried over because", Width: 50},
	{Header: "Outcome", Width: 20},
	{Header: "HTTP status", Width: 13},
	{Header: "Error code"},
	{Header: "Error message"},
	{Header: "Request ID", Width: 38},
	{Header: "Time (UTC)", Width: 21},
}

// RoleSettings is the sheet with one row per role setting item: the legacy
// values and their sources, the tenant's rule before, what is planned, and
// with a run what happened; a legacy setting not carried over says why.
func RoleSettings(in MigrationInput) Sheet {
	var err error
	return Sheet{Name: "Role settings", Columns: settingColumns, AutoFilter: true, Rows: in.settingRows(&err),
		Err: func() error { return err }}
}

func (in *MigrationInput) settingRows(errp *error) iter.Seq[[]Cell] {
	return func(yield func([]Cell) bool) {
		row := make([]Cell, len(settingColumns))
		err := in.each(func(it *migrate.Item) error {
			sc := it.Setting
			if it.Kind != migrate.KindRoleSetting || sc == nil {
				return nil
			}
			label, o := in.outcome(it)
			var values, sources, before, planned []string
			for _, l := range sc.Legacy {
				values = append(values, l.Field+" = "+l.Value)
				sources = append(sources, l.Source)
			}
			for _, c := range sc.Changes {
				before = append(before, c.Field+" = "+c.From)
				planned = append(planned, c.Field+" = "+c.To)
			}
			row = append(row[:0],
				Text(it.Key), Text(it.Role.DisplayName), Text(sc.RoleID.String()), Text(sc.PolicyID), Text(sc.RuleID),
				Text(strings.Join(values, "; ")), Text(strings.Join(sources, "; ")),
				Text(strings.Join(before, "; ")), Text(strings.Join(planned, "; ")),
				Text(string(it.Action)), Text(it.Reason), Text(strings.Join(it.Warnings, ", ")), Text(sc.Note),
				Text(label).WithTone(toneOf(label)), positive(o.Status), Text(o.Code), Text(o.Message), Text(o.RequestID), Date(o.At),
			)
			if !yield(row) {
				return errStop
			}
			return nil
		})
		if err != errStop {
			*errp = err
		}
	}
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

// positive is n as a number cell, or an empty cell for 0 (not sent, no
// HTTP answer).
func positive(n int) Cell {
	if n <= 0 {
		return Cell{}
	}
	return Int(n)
}

func rejectedSheet(p *migrate.Plan) Sheet {
	return Sheet{
		Name:       "Rejected",
		Columns:    []Column{{Header: "Source", Width: 40}, {Header: "Reason", Width: 28}, {Header: "Detail", Width: 80, Wrap: true}},
		AutoFilter: true,
		Rows: func(yield func([]Cell) bool) {
			row := make([]Cell, 3)
			for _, r := range p.Rejected {
				row = append(row[:0], Text(r.Source), Text(r.Reason), Text(r.Detail))
				if !yield(row) {
					return
				}
			}
		},
	}
}
