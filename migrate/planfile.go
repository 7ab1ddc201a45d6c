package migrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// PlanSchema is the schema tag of plan.json.
const PlanSchema = "pimmigrate.plan/v1"

// Plan is the content of plan.json: what apply will do, and what it was
// based on.
type Plan struct {
	Schema    string    `json:"schema"`
	TenantID  string    `json:"tenantId"`
	GraphURL  string    `json:"graphUrl"`
	CreatedAt time.Time `json:"createdAt"`
	AsOf      time.Time `json:"asOf"`
	// Offline plans were made without reading the tenant.
	Offline      bool   `json:"offline"`
	Policy       Policy `json:"policy"`
	LegacyDigest string `json:"legacyDigest"`
	// Notes are plan-wide remarks for the people reading it.
	Notes []string `json:"notes,omitempty"`
	Items []Item   `json:"items"`
	// Rejected carries the export's rejected records so every report shows
	// them next to the items.
	Rejected []Rejected `json:"rejected"`
	Summary  Summary    `json:"summary"`
	// Digest is the sha256 of the file as written, with a placeholder in
	// place of the digest; apply refuses a plan whose digest does not match.
	Digest string `json:"digest"`
}

// Summary counts a plan's items.
type Summary struct {
	Items        int                `json:"items"`
	Create       int                `json:"create"`
	CreateByKind map[TargetKind]int `json:"createByKind"`
	Present      int                `json:"present"`
	Skip         int                `json:"skip"`
	SkipReasons  map[string]int     `json:"skipReasons"`
	Warnings     map[string]int     `json:"warnings"`
	Rejected     int                `json:"rejected"`
	Approved     int                `json:"approved"`
	Declined     int                `json:"declined"`
}

// Summarize counts the items.
func (p *Plan) Summarize() Summary {
	s := Summary{CreateByKind: map[TargetKind]int{}, SkipReasons: map[string]int{}, Warnings: map[string]int{}, Rejected: len(p.Rejected)}
	for i := range p.Items {
		it := &p.Items[i]
		s.Items++
		switch it.Action {
		case ActionCreate:
			s.Create++
			s.CreateByKind[it.Target.Kind]++
			if it.Approved != nil {
				if *it.Approved {
					s.Approved++
				} else {
					s.Declined++
				}
			}
		case ActionPresent:
			s.Present++
		case ActionSkip:
			s.Skip++
			s.SkipReasons[it.Reason]++
		}
		for _, w := range it.Warnings {
			s.Warnings[w]++
		}
	}
	return s
}

// Seal recomputes the summary and the digest. Call it after changing
// anything in the plan (review does, after approvals).
func (p *Plan) Seal() {
	p.Summary = p.Summarize()
	p.Digest = digestPlaceholder
	h := sha256.New()
	WritePlan(h, p) // a hash takes any write, and every field encodes
	p.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// digestPlaceholder stands in for the digest while it is computed: the
// digest is the sha256 of the plan file's bytes as WritePlan writes them,
// with this in place of the digest itself. Checking it needs no
// re-encoding: ReadPlan hashes the bytes it read, so any edit — a value, an
// approval, a space — is caught, and a 100,000-item plan verifies in a
// fraction of a second.
const digestPlaceholder = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// fileDigest hashes a plan file's bytes with its digest value put back to
// the placeholder it had when the digest was computed.
func fileDigest(data []byte, digest string) string {
	field := []byte(`"digest": "` + digest + `"`)
	i := bytes.LastIndex(data, field)
	if i < 0 || len(digest) != len(digestPlaceholder) {
		return "(no digest field as pimmigrate writes it)"
	}
	h := sha256.New()
	h.Write(data[:i])
	h.Write([]byte(`"digest": "` + digestPlaceholder + `"`))
	h.Write(data[i+len(field):])
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ErrPlanFile is wrapped by errors about a plan.json that cannot be used.
var ErrPlanFile = errors.New("not a usable plan")

// ErrPlanDigest is wrapped when a plan was changed after it was made.
var ErrPlanDigest = errors.New("plan digest mismatch")

// WritePlan encodes a sealed plan.
func WritePlan(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(p)
}

// WritePlanFile seals the plan and writes it atomically.
func WritePlanFile(path string, p *Plan) error {
	p.Seal()
	return WriteFileAtomic(path, func(w io.Writer) error { return WritePlan(w, p) })
}

// ReadPlan decodes plan.json and verifies its schema, digest and keys. name
// is used in errors.
func ReadPlan(r io.Reader, name string) (*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read %s: %w: %v; make a plan with `pimmigrate plan`", name, ErrPlanFile, err)
	}
	if p.Schema != PlanSchema {
		return nil, fmt.Errorf("read %s: %w: schema %q, want %q; make a plan with `pimmigrate plan`", name, ErrPlanFile, p.Schema, PlanSchema)
	}
	if got := fileDigest(data, p.Digest); got != p.Digest {
		// The digest the content would need is not printed: it is a
		// checksum, not a signature, and apply re-checks what it sends.
		return nil, fmt.Errorf("read %s: %w: the file was changed after it was made; approve items with `pimmigrate review`, or re-run `pimmigrate plan`", name, ErrPlanDigest)
	}
	seen := make(map[string]bool, len(p.Items))
	for i := range p.Items {
		if seen[p.Items[i].Key] {
			return nil, fmt.Errorf("read %s: %w: item key %s appears twice; re-run `pimmigrate plan`", name, ErrPlanFile, p.Items[i].Key)
		}
		seen[p.Items[i].Key] = true
	}
	p.Summary = p.Summarize()
	return &p, nil
}

// ReadPlanFile opens and reads plan.json.
func ReadPlanFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadPlan(f, path)
}
