package migrate

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// EligibleAs says what legacy eligible access becomes (plan --eligible-as).
type EligibleAs string

// The --eligible-as choices. The default, eligibility, is the safe one: an
// eligible admin never silently becomes a standing admin.
const (
	EligibleAsEligibility EligibleAs = "eligibility"
	EligibleAsAssignment  EligibleAs = "assignment"
	EligibleAsSkip        EligibleAs = "skip"
)

// ParseEligibleAs checks a --eligible-as value.
func ParseEligibleAs(s string) (EligibleAs, error) {
	switch e := EligibleAs(s); e {
	case EligibleAsEligibility, EligibleAsAssignment, EligibleAsSkip:
		return e, nil
	}
	return "", fmt.Errorf("--eligible-as %q: want eligibility, assignment or skip", s)
}

// Policy is how legacy assignments map to unified targets.
type Policy struct {
	EligibleAs EligibleAs `json:"eligibleAs"`
	// KeepActivations also recreates activations still running at asOf as
	// time-bound active assignment schedule requests.
	KeepActivations bool `json:"keepActivations"`
	// Protect lists principals never touched (break-glass accounts): object
	// ids and user principal names, lower-case, sorted.
	Protect []string `json:"protect,omitempty"`
}

// DefaultPolicy is the safe mapping of DESIGN.md.
func DefaultPolicy() Policy { return Policy{EligibleAs: EligibleAsEligibility} }

// ParseProtectList reads a --protect file: one principal a line, an object
// id or a user principal name; blank lines and lines starting with # are
// ignored. name is used in errors.
func ParseProtectList(r io.Reader, name string) ([]string, error) {
	sc := bufio.NewScanner(r)
	seen := map[string]bool{}
	var out []string
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if g, err := ParseGUID(s); err == nil {
			s = g.String()
		} else if i := strings.IndexByte(s, '@'); i <= 0 || i == len(s)-1 || strings.ContainsAny(s, " \t,;") {
			return nil, fmt.Errorf("%s:%d: %q is neither an object id (GUID) nor a user principal name; put one principal on each line", name, line, s)
		} else {
			s = strings.ToLower(s)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	sort.Strings(out)
	return out, nil
}
