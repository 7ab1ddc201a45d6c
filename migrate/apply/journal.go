package apply

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/pimmigrate/pimmigrate/migrate"
	"github.com/pimmigrate/pimmigrate/migrate/wire"
)

// JournalSchema tags the journal's header lines. Version 2 chains its
// lines (Line.Prev); a journal may begin with version 1 lines, which are
// not chained.
const JournalSchema = "pimmigrate.journal/v2"

// Journal line types and outcomes. They are part of the file format:
// never rename one.
const (
	LineHeader   = "header"
	LineIntent   = "intent"
	LineOutcome  = "outcome"
	LineVerified = "verified"

	OutcomeCreated  = "created"  // the run created it (or an earlier, interrupted try did)
	OutcomeUpdated  = "updated"  // the run changed a policy rule as planned
	OutcomeRestored = "restored" // rollback put a policy rule back as it was
	OutcomeExists   = "exists"   // it was already there: not the run's to remove
	OutcomeFailed   = "failed"
	OutcomeDeleted  = "deleted" // rollback removed it (or it was already gone)
)

// Line is one journal line. Fields not used by a line type are omitted.
type Line struct {
	Type string    `json:"type"`
	At   time.Time `json:"at"`

	// header
	Schema     string `json:"schema,omitempty"`
	PlanDigest string `json:"planDigest,omitempty"`
	TenantID   string `json:"tenantId,omitempty"`
	GraphURL   string `json:"graphUrl,omitempty"`
	Run        string `json:"run,omitempty"` // "apply" or "rollback"
	// Plan is the absolute path of the plan the run applied, so that
	// rollback can check what it removes against it.
	Plan string `json:"plan,omitempty"`

	// intent, outcome, verified
	Key     string          `json:"key,omitempty"`
	Op      string          `json:"op,omitempty"`
	Attempt int             `json:"attempt,omitempty"`
	Target  *migrate.Target `json:"target,omitempty"`
	// A policy rule's change (op updateRule): the policy and rule, the
	// rule as it was before the change (on the first intent; rollback
	// sends it back), and the rule sent.
	PolicyID string          `json:"policyId,omitempty"`
	RuleID   string          `json:"ruleId,omitempty"`
	Before   json.RawMessage `json:"before,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"`

	// outcome
	Outcome          string `json:"outcome,omitempty"`
	ObjectID         string `json:"objectId,omitempty"`
	TargetScheduleID string `json:"targetScheduleId,omitempty"`
	Status           int    `json:"status,omitempty"`
	Code             string `json:"code,omitempty"`
	Message          string `json:"message,omitempty"`
	RequestID        string `json:"requestId,omitempty"`
	// Reconciled marks an outcome found in the tenant after an interrupted
	// run, rather than answered by Graph to this request.
	Reconciled bool `json:"reconciled,omitempty"`

	// Prev chains the journal: the first 16 bytes, in hex, of the sha256
	// of the line before this one, as written. A line edited, removed or
	// inserted by hand, or interleaved by a second process, breaks the
	// chain, and the journal is refused. It is a check against accidents
	// and careless edits, not a signature: keep the journal where only the
	// admins who run pimmigrate can write.
	Prev string `json:"prev,omitempty"`
}

// ItemState is what the journal says of one key, replayed line by line.
type ItemState struct {
	Key              string
	Target           *migrate.Target
	Intents          int    // intent lines written for the current step
	PendingOp        string // the op of an intent with no outcome yet
	Outcome          string // last outcome: created, exists, failed, deleted
	ObjectID         string
	TargetScheduleID string
	Verified         bool
	Last             Line // the last outcome line
	Attempts         int  // attempts of the last outcome
	// Sent is set once an apply run has sent a create for the item:
	// from then on, the object may exist because of this journal.
	Sent bool
	// LastWrite is when the last create for the item was sent. Until
	// replication has caught up with it, a read that does not find the
	// object proves nothing.
	LastWrite time.Time
	// PolicyID, RuleID, Before and Body are a rule change's: the rule as it
	// was before the first change this journal made, and as sent.
	PolicyID, RuleID string
	Before, Body     json.RawMessage
}

// ID is the id that reads the item's object back: the roleAssignment's id,
// or the schedule's id for schedule requests. "" when the journal does not
// know it (created while reads lagged; found again by principal, role and
// scope).
func (s *ItemState) ID() string {
	if s.Target != nil && s.Target.Kind != migrate.KindRoleAssignment {
		return s.TargetScheduleID
	}
	return s.ObjectID
}

// MayExist reports whether the item's object may be in the tenant because
// of this journal's apply runs: created, or sent without an answer that
// rules it out, and not removed since. A create refused for good (a 4xx
// other than a duplicate) made nothing; "exists" was there before us.
func (s *ItemState) MayExist() bool {
	if !s.Sent {
		return false
	}
	if s.PendingOp != "" {
		return true
	}
	switch s.Outcome {
	case OutcomeCreated, OutcomeUpdated:
		return true
	case OutcomeFailed:
		return !s.refused()
	}
	return false
}

// refused reports whether the last outcome is Graph refusing the create
// for good, so that nothing was made.
func (s *ItemState) refused() bool {
	l := s.Last
	return l.Outcome == OutcomeFailed && l.Code != CodeVerificationFailed && !isRemoveOp(l.Op) &&
		l.Status >= 400 && l.Status < 500 && l.Status != 408 && l.Status != 429
}

// CodeVerificationFailed marks a created object that read back wrong, or
// never appeared although Graph gave its id.
const CodeVerificationFailed = "VerificationFailed"

// isCreateOp reports whether op is one of apply's writes: a create, or a
// rule changed.
func isCreateOp(op string) bool {
	switch wire.OpKind(op) {
	case wire.OpCreateAssignment, wire.OpCreateEligibility, wire.OpCreateActiveSchedule, wire.OpUpdateRule:
		return true
	}
	return false
}

// Journal is an open, append-only journal.
type Journal struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	w       *bufio.Writer
	headers []Line
	items   map[string]*ItemState
	order   []string // keys in the order first seen
	prev    string   // lineHash of the last line
}

// ErrJournal is wrapped by errors about a journal that cannot be used.
var ErrJournal = errors.New("journal cannot be used")

// OpenJournal opens path for appending, creating it if needed, and replays
// what is in it. A torn last line (the process was killed mid-write) is
// ignored, and the file is cut back to the last whole line before anything
// is appended.
func OpenJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j := &Journal{path: path, f: f, items: map[string]*ItemState{}}
	good, err := j.replay(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j.w = bufio.NewWriter(f)
	return j, nil
}

// ReadJournal replays a journal without opening it for writing.
func ReadJournal(path string) (*Journal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	j := &Journal{path: path, items: map[string]*ItemState{}}
	if _, err := j.replay(f); err != nil {
		return nil, err
	}
	return j, nil
}

// replay reads every whole line and returns the offset after the last one.
func (j *Journal) replay(r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var off int64
	chained := false
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if err == io.EOF {
			return off, nil // a line without its newline was torn by a crash
		}
		if err != nil {
			return 0, fmt.Errorf("read journal %s: %w", j.path, err)
		}
		var l Line
		if err := json.Unmarshal(b, &l); err != nil {
			return 0, fmt.Errorf("read journal %s:%d: %w: %v; the journal was edited or is not pimmigrate's", j.path, n, ErrJournal, err)
		}
		// From a version 2 header on, every line is chained.
		chained = chained || l.Prev != "" || l.Type == LineHeader && l.Schema == JournalSchema
		if chained && l.Prev != j.prev {
			return 0, fmt.Errorf("read journal %s:%d: %w: the line does not follow the one before it (chain %q, want %q): the journal was edited by hand, or two runs wrote to it at once", j.path, n, ErrJournal, l.Prev, j.prev)
		}
		j.prev = lineHash(bytes.TrimSuffix(b, []byte("\n")))
		j.apply(l)
		off += int64(len(b))
	}
}

// lineHash is what the next line's Prev holds.
func lineHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

func (j *Journal) apply(l Line) {
	if l.Type == LineHeader {
		j.headers = append(j.headers, l)
		return
	}
	s := j.items[l.Key]
	if s == nil {
		s = &ItemState{Key: l.Key}
		j.items[l.Key] = s
		j.order = append(j.order, l.Key)
	}
	if l.Target != nil {
		s.Target = l.Target
	}
	switch l.Type {
	case LineIntent:
		s.Intents++
		s.PendingOp = l.Op
		if isCreateOp(l.Op) {
			s.Sent, s.LastWrite = true, l.At
		}
		if l.RuleID != "" {
			s.PolicyID, s.RuleID = l.PolicyID, l.RuleID
			if s.Before == nil {
				s.Before = l.Before
			}
			if l.Body != nil {
				s.Body = l.Body
			}
		}
	case LineOutcome:
		s.PendingOp = ""
		s.Intents = 0
		s.Outcome, s.Last, s.Attempts = l.Outcome, l, l.Attempt
		if l.ObjectID != "" {
			s.ObjectID = l.ObjectID
		}
		if l.TargetScheduleID != "" {
			s.TargetScheduleID = l.TargetScheduleID
		}
		if l.Outcome != OutcomeCreated && l.Outcome != OutcomeUpdated {
			s.Verified = false
		}
	case LineVerified:
		s.Verified = true
		if l.ObjectID != "" {
			s.ObjectID = l.ObjectID
		}
		if l.TargetScheduleID != "" {
			s.TargetScheduleID = l.TargetScheduleID
		}
	}
}

// Append writes lines and makes them durable (one fsync for the group)
// before returning: an intent is on disk before its request leaves, an
// outcome before the run moves on.
func (j *Journal) Append(lines ...Line) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.w == nil {
		return fmt.Errorf("journal %s is read-only", j.path)
	}
	for _, l := range lines {
		l.Prev = j.prev
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		j.w.Write(b)
		j.w.WriteByte('\n')
		j.prev = lineHash(b)
		j.apply(l)
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	return nil
}

// Headers are the journal's header lines, a run each, oldest first.
func (j *Journal) Headers() []Line {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Line(nil), j.headers...)
}

// Keys are the keys the journal has lines for, in the order first seen.
func (j *Journal) Keys() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.order...)
}

// State returns a copy of what the journal says of key (zero if nothing).
func (j *Journal) State(key string) ItemState {
	j.mu.Lock()
	defer j.mu.Unlock()
	if s := j.items[key]; s != nil {
		return *s
	}
	return ItemState{Key: key}
}

// Close closes the file.
func (j *Journal) Close() error {
	if j.f == nil {
		return nil
	}
	return j.f.Close()
}

// Path is the journal's file name.
func (j *Journal) Path() string { return j.path }
