package migrate

import "fmt"

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
	// Settings is how legacy role settings become policy rules (plan
	// --settings); empty means tighten.
	Settings SettingsMode `json:"settings,omitempty"`
	// PolicyExpiry is what access without an end becomes where the role's
	// policy requires one (plan --policy-expiry); empty means set.
	PolicyExpiry PolicyExpiry `json:"policyExpiry,omitempty"`
	// PolicyCheck "off" plans as if roles had no policies (plan
	// --policy-check off, for pre-flight to find what apply would fail);
	// empty means on.
	PolicyCheck string `json:"policyCheck,omitempty"`
	// SignIn is how apply is expected to sign in (app-only or delegated),
	// from the plan's --auth: items that need delegated sign-in are
	// flagged for an app-only plan.
	SignIn string `json:"signIn,omitempty"`
	// ScopeRules and Add are the --scope-rules and --add files the plan
	// read, as named on the command line.
	ScopeRules string `json:"scopeRules,omitempty"`
	Add        string `json:"add,omitempty"`
}

// DefaultPolicy is the safe mapping of docs/design.md ("Targets").
func DefaultPolicy() Policy { return Policy{EligibleAs: EligibleAsEligibility} }
