package migrate

// Where an assignment item's access comes from, as every output names it
// (docs/design.md, "Scopes and providers"): a report or a screen never
// lets an item of --add pass for migrated legacy access.

// Narrowed reports whether a scope rule put the legacy grant of the item
// at a scope other than "/" (the rule's scope may still be unusable: see
// the reason).
func (it *Item) Narrowed() bool {
	return it.Added == "" && it.ScopeRule != "" && it.Target.ScopeID() != DirectoryScopeRoot
}

// OriginText says where the item's access comes from, for people:
//
//	legacy
//	legacy, narrowed by rules.csv:3
//	legacy, kept at / by rules.csv:3
//	added by assignments.csv:4
//	added: Directory Readers for the administrative unit of rules.csv:3
//
// The last two are access legacy did not hold. A role setting item has
// none ("").
func (it *Item) OriginText() string {
	switch {
	case it.Kind == KindRoleSetting:
		return ""
	case it.Added == AddedDirectoryReaders && it.ScopeRule != "":
		return "added: Directory Readers for the administrative unit of " + it.ScopeRule
	case it.Added == AddedDirectoryReaders:
		return "added: Directory Readers for a role at an administrative unit"
	case it.Added != "":
		return "added by " + it.Added
	case it.Narrowed():
		return "legacy, narrowed by " + it.ScopeRule
	case it.ScopeRule != "":
		return "legacy, kept at " + it.Target.ScopeID() + " by " + it.ScopeRule
	}
	return "legacy"
}
