package migrate

import (
	"testing"
	"time"
)

var asOf = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := asOf.Add(d); return &t }

func TestDeriveState(t *testing.T) {
	tests := []struct {
		elevated, expiry bool
		want             State
	}{
		{true, false, StatePermanent},
		{false, false, StateEligible},
		{true, true, StateActivated},
		{false, true, StateTimeBoundEligible},
	}
	for _, tt := range tests {
		if got := DeriveState(tt.elevated, tt.expiry); got != tt.want {
			t.Errorf("DeriveState(%v, %v) = %s, want %s", tt.elevated, tt.expiry, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name          string
		elevated      bool
		exp           *time.Time
		eligibleUntil *time.Time
		want          Class
	}{
		{"permanent", true, nil, nil, ClassPermanent},
		{"eligible", false, nil, nil, ClassEligible},
		{"activated, activation running", true, at(time.Hour), nil, ClassActivated},
		{"activated, activation over: the eligibility stays", true, at(-time.Hour), nil, ClassActivated},
		{"activated, eligibility ends later", true, at(time.Hour), at(48 * time.Hour), ClassActivated},
		{"activated, eligibility ended", true, at(-2 * time.Hour), at(-time.Hour), ClassExpired},
		{"activated, eligibility ends exactly at asOf", true, at(-time.Hour), at(0), ClassExpired},
		{"activated, eligibility ends a nanosecond after asOf", true, at(-time.Hour), at(time.Nanosecond), ClassActivated},
		{"time-bound eligible", false, at(24 * time.Hour), nil, ClassTimeBoundEligible},
		{"time-bound eligible, a nanosecond left", false, at(time.Nanosecond), nil, ClassTimeBoundEligible},
		{"expiry exactly at asOf has passed", false, at(0), nil, ClassExpired},
		{"expired", false, at(-time.Nanosecond), nil, ClassExpired},
		{"expired long ago", false, at(-5 * 365 * 24 * time.Hour), nil, ClassExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Assignment{IsElevated: tt.elevated, ExpirationDateTime: tt.exp, EligibleUntil: tt.eligibleUntil}
			if got := Classify(a, asOf); got != tt.want {
				t.Errorf("Classify = %s, want %s", got, tt.want)
			}
		})
	}
}
