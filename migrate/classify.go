package migrate

import "time"

// Class is a legacy assignment's state judged at a point in time.
type Class string

// The classes of the mapping table (docs/design.md, "Targets").
const (
	ClassPermanent         Class = "permanent"
	ClassEligible          Class = "eligible"
	ClassActivated         Class = "activated"
	ClassTimeBoundEligible Class = "time-bound-eligible"
	ClassExpired           Class = "expired"
)

// Classify judges a legacy assignment at asOf. An expiry equal to asOf has
// passed: access ends at that instant. An activation's own expiry never makes
// it expired — the activation is transient, the eligibility behind it is what
// migrates — but the end of that eligibility (EligibleUntil) does.
func Classify(a *Assignment, asOf time.Time) Class {
	switch DeriveState(a.IsElevated, a.ExpirationDateTime != nil) {
	case StatePermanent:
		return ClassPermanent
	case StateEligible:
		return ClassEligible
	case StateActivated:
		if a.EligibleUntil != nil && !a.EligibleUntil.After(asOf) {
			return ClassExpired
		}
		return ClassActivated
	default:
		if !a.ExpirationDateTime.After(asOf) {
			return ClassExpired
		}
		return ClassTimeBoundEligible
	}
}
