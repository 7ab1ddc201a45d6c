package migrate

// SettingsGaps lists each rule of a role's policy that is looser in the
// tenant than the role's legacy settings asked (audit's weaker-than-legacy):
// exactly the update items a --settings tighten plan would make (a
// requirement legacy had and the rule lacks, a longer maximum, approval
// off). Roles the tenant has no policy for are left out; t.Policies nil
// (not read) gives none.
func SettingsGaps(l *Legacy, t *Tenant, c *Catalogue) []Item {
	if t.Policies == nil || len(l.Settings) == 0 {
		return nil
	}
	pl := &planner{in: PlanInput{Legacy: l, Tenant: t, Catalogue: c, Policy: Policy{Settings: SettingsTighten}},
		roles: NewRoles(t.RoleDefinitions, c)}
	pl.indexTenant()
	var gaps []Item
	for _, it := range pl.settingItems() {
		if it.Action == ActionUpdate {
			gaps = append(gaps, it)
		}
	}
	return gaps
}
