package migrate

import "testing"

func TestItemOrigin(t *testing.T) {
	au := "/administrativeUnits/" + auParis.String()
	tests := []struct {
		name     string
		it       Item
		narrowed bool
		want     string
	}{
		{"legacy", Item{Target: Target{DirectoryScopeID: "/"}}, false, "legacy"},
		{"narrowed", Item{ScopeRule: "rules.csv:3", Target: Target{DirectoryScopeID: au}}, true, "legacy, narrowed by rules.csv:3"},
		{"kept at the tenant by a rule", Item{ScopeRule: "rules.csv:5", Target: Target{DirectoryScopeID: "/"}}, false, "legacy, kept at / by rules.csv:5"},
		{"added", Item{Added: "add.csv:4", Target: Target{DirectoryScopeID: au}}, false, "added by add.csv:4"},
		{"added, entitlement management", Item{Added: "add.csv:2", Target: Target{Provider: ProviderEntitlement, AppScopeID: "/"}}, false, "added by add.csv:2"},
		{"Directory Readers", Item{Added: AddedDirectoryReaders, ScopeRule: "rules.csv:3", Target: Target{DirectoryScopeID: "/"}}, false,
			"added: Directory Readers for the administrative unit of rules.csv:3"},
		{"Directory Readers without its rule", Item{Added: AddedDirectoryReaders, Target: Target{DirectoryScopeID: "/"}}, false,
			"added: Directory Readers for a role at an administrative unit"},
		{"role setting", Item{Kind: KindRoleSetting}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.it.OriginText(); got != tt.want {
				t.Errorf("OriginText() = %q, want %q", got, tt.want)
			}
			if got := tt.it.Narrowed(); got != tt.narrowed {
				t.Errorf("Narrowed() = %v, want %v", got, tt.narrowed)
			}
		})
	}
}
