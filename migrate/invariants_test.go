package migrate

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCheckSendable: a plan edited and resealed so that it asks for what
// the planner never plans is refused, item by item.
func TestCheckSendable(t *testing.T) {
	asOf := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	act := asOf.Add(4 * time.Hour)
	build := func(policy Policy) *Plan {
		t.Helper()
		p, err := BuildPlan(PlanInput{Legacy: &Legacy{Assignments: []Assignment{
			rec(gAlice, rGA, true, &act),       // an activated Global Administrator
			rec(gDisabled, rGA, false, nil),    // eligible
			rec(gGuest, rSecReader, true, nil), // permanent
		}}, Tenant: testTenant(), Policy: policy, Catalogue: BuiltinCatalogue(), AsOf: asOf, CreatedAt: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	item := func(p *Plan, key string) *Item {
		for i := range p.Items {
			if p.Items[i].Key == key {
				return &p.Items[i]
			}
		}
		t.Fatalf("no item %s in %v", key, p.Items)
		return nil
	}
	alice, aliceAct := Key(gAlice, rGA), Key(gAlice, rGA)+activationKeySuffix
	keep := Policy{EligibleAs: EligibleAsEligibility, KeepActivations: true}
	tests := []struct {
		name   string
		policy Policy
		edit   func(p *Plan) *Item // returns the item to check
		want   string              // "" for no error
	}{
		{"as planned", keep, func(p *Plan) *Item { return item(p, alice) }, ""},
		{"the activation as planned", keep, func(p *Plan) *Item { return item(p, aliceAct) }, ""},
		{"activated admin made standing", keep, func(p *Plan) *Item {
			it := item(p, alice)
			it.Target.Kind, it.Target.Expiration = KindRoleAssignment, nil
			return it
		}, "planned as standing roleAssignment"},
		{"eligible made an active schedule", keep, func(p *Plan) *Item {
			it := item(p, Key(gDisabled, rGA))
			it.Target.Kind = KindAssignmentScheduleRequest
			return it
		}, "planned as standing roleAssignmentScheduleRequest"},
		{"activation made to last for ever", keep, func(p *Plan) *Item {
			it := item(p, aliceAct)
			it.Target.Expiration = &Expiration{Type: ExpirationNone}
			return it
		}, "planned as standing"},
		{"activation outliving the legacy one", keep, func(p *Plan) *Item {
			it := item(p, aliceAct)
			later := act.Add(time.Hour)
			it.Target.Expiration.EndDateTime = &later
			return it
		}, "planned as standing"},
		{"class changed with the target", keep, func(p *Plan) *Item {
			it := item(p, alice)
			it.Class, it.Target.Kind, it.Target.Expiration = ClassPermanent, KindRoleAssignment, nil
			return it
		}, `class "permanent", but its legacy record is "activated"`},
		{"legacy record forged too: standing as the record says", keep, func(p *Plan) *Item {
			// Beyond what apply can tell: the forgery is consistent.
			it := item(p, alice)
			it.Legacy.ExpirationDateTime, it.Class, it.Target.Kind, it.Target.Expiration = nil, ClassPermanent, KindRoleAssignment, nil
			return it
		}, ""},
		{"--eligible-as assignment allows it", Policy{EligibleAs: EligibleAsAssignment}, func(p *Plan) *Item { return item(p, Key(gDisabled, rGA)) }, ""},
		{"protected by id", keep, func(p *Plan) *Item {
			p.Policy.Protect = []string{gGuest.String()}
			return item(p, Key(gGuest, rSecReader))
		}, "is protected"},
		{"protected by user principal name", keep, func(p *Plan) *Item {
			p.Policy.Protect = []string{"g_fabrikam.example#ext#@contoso.example"}
			return item(p, Key(gGuest, rSecReader))
		}, "is protected"},
		{"target for another principal", keep, func(p *Plan) *Item {
			it := item(p, Key(gGuest, rSecReader))
			it.Target.PrincipalID = gBreak
			return it
		}, "not the key's"},
		{"target for another role", keep, func(p *Plan) *Item {
			it := item(p, Key(gGuest, rSecReader))
			it.Target.RoleDefinitionID = rGA
			return it
		}, "not the key's"},
		{"key and target moved together", keep, func(p *Plan) *Item {
			it := item(p, Key(gGuest, rSecReader))
			it.Key, it.Target.PrincipalID = Key(gBreak, rSecReader), gBreak
			return it
		}, "is not the legacy record's"},
		{"another scope", keep, func(p *Plan) *Item {
			it := item(p, Key(gGuest, rSecReader))
			it.Target.DirectoryScopeID = "/administrativeUnits/x"
			return it
		}, "not the key's"},
		{"another scope, key resealed, no scope rule", keep, func(p *Plan) *Item {
			it := item(p, Key(gGuest, rSecReader))
			it.Target.DirectoryScopeID = "/administrativeUnits/" + gGuest.String()
			it.Key = ScopedKey(gGuest, rSecReader, ProviderDirectory, it.Target.DirectoryScopeID)
			return it
		}, "unless a scope rule narrows it"},
		{"made into an added item", keep, func(p *Plan) *Item {
			it := item(p, Key(gGuest, rSecReader))
			it.Added, it.Class = "add.csv:2", ClassAdded
			return it
		}, "carries a legacy record"},
		{"a skipped item sent", keep, func(p *Plan) *Item {
			it := item(p, Key(gGuest, rSecReader))
			it.Action = ActionSkip
			return it
		}, "is not create"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := build(tt.policy)
			it := tt.edit(p)
			err := CheckSendable(p, []*Item{it})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (!errors.Is(err, ErrPlanUnsafe) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), it.Key)):
				t.Fatalf("err = %v; want ErrPlanUnsafe naming %s and %q", err, it.Key, tt.want)
			}
		})
	}
}
