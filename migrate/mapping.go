package migrate

import "time"

// decision is what one legacy assignment maps to under a policy, before the
// tenant is looked at.
type decision struct {
	class    Class
	kind     TargetKind
	start    *time.Time // scheduled start, when after asOf
	end      *time.Time // end of the target's access, nil: none
	skip     string     // set when the class or the policy skips it
	warnings []string
	// activationEnd is set when --keep-activations recreates a running
	// activation as a time-bound active assignment schedule request.
	activationEnd *time.Time
}

// decide applies the mapping table of docs/design.md ("Targets") to one legacy assignment.
// Eligible access never becomes standing access unless the policy says
// --eligible-as assignment, and then the item carries a warning.
func decide(a *Assignment, p Policy, asOf time.Time) decision {
	d := decision{class: Classify(a, asOf)}
	if a.StartDateTime != nil && a.StartDateTime.After(asOf) {
		s := *a.StartDateTime
		d.start = &s
	}
	if d.class == ClassPermanent {
		d.kind = KindRoleAssignment
		if d.start != nil { // a plain role assignment cannot start later
			d.kind = KindAssignmentScheduleRequest
		}
		return d
	}
	// Eligible access, possibly time-bound, possibly activated right now.
	switch d.class {
	case ClassTimeBoundEligible:
		d.end = a.ExpirationDateTime
	case ClassActivated:
		d.end = a.EligibleUntil // the activation itself is transient
	case ClassExpired:
		d.end = a.ExpirationDateTime
		if a.IsElevated {
			d.end = a.EligibleUntil
		}
	}
	d.kind = KindEligibilityRequest
	switch {
	case d.class == ClassExpired:
		d.skip = ReasonExpired
	case p.EligibleAs == EligibleAsSkip:
		d.skip = ReasonEligibleAsSkip
	case p.EligibleAs == EligibleAsAssignment:
		d.warnings = append(d.warnings, WarnEligibleMadeActive)
		d.kind = KindRoleAssignment
		if d.end != nil || d.start != nil {
			d.kind = KindAssignmentScheduleRequest
		}
	case d.class == ClassActivated && p.KeepActivations && a.ExpirationDateTime.After(asOf):
		end := *a.ExpirationDateTime
		d.activationEnd = &end
	}
	return d
}
