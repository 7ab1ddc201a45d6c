package tui

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/pimmigrate/pimmigrate/migrate"
)

var (
	testNow     = time.Date(2026, 11, 22, 14, 5, 0, 0, time.UTC)
	testCreated = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
)

const testTenant = "5b92d034-d69d-452d-9279-2d2d650c2fd8"

var (
	firstNames = []string{"Adele", "Alex", "Allan", "Brian", "Christie", "Debra", "Diego", "Emily", "Enrico", "Grady", "Henrietta",
		"Irvin", "Isaiah", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep"}
	lastNames = []string{"Vance", "Wilber", "Deyoung", "Johnson", "Cline", "Berger", "Siciliani", "Braun", "Catteneo", "Archie",
		"Mueller", "Sayers", "Langer", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke", "Fernandez", "Gupta"}
	roles = []migrate.RoleInfo{
		{DisplayName: "Global Administrator", Privileged: true}, {DisplayName: "Security Administrator", Privileged: true},
		{DisplayName: "Exchange Administrator"}, {DisplayName: "Global Reader", Privileged: true},
		{DisplayName: "User Administrator", Privileged: true}, {DisplayName: "Cloud Application Administrator", Privileged: true},
		{DisplayName: "Privileged Role Administrator", Privileged: true}, {DisplayName: "Helpdesk Administrator", Privileged: true},
	}
	skipReasons = []string{migrate.ReasonExpired, migrate.ReasonPrincipalNotFound, migrate.ReasonRoleNotFound,
		migrate.ReasonProtected, migrate.ReasonServicePrincipalEligible}
)

// testPlan builds a plan of n items deterministically: 60% create, 20%
// present, 20% skip, every legacy state and target kind, warnings on some,
// groups and service principals among the users, nothing reviewed.
func testPlan(n int) *migrate.Plan {
	p := &migrate.Plan{Schema: migrate.PlanSchema, TenantID: testTenant, GraphURL: "https://graph.microsoft.com",
		CreatedAt: testCreated, AsOf: testCreated, Policy: migrate.DefaultPolicy(), LegacyDigest: "sha256:0",
		Items: make([]migrate.Item, 0, n), Rejected: []migrate.Rejected{}}
	end := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		u := i / 3
		ri := (u + (i%3)*3) % len(roles)
		user := migrate.MustGUID(fmt.Sprintf("%08x-0000-4000-8000-%012x", u, u))
		role := migrate.MustGUID(fmt.Sprintf("%08x-1111-4000-8000-%012x", ri, ri))
		first, last := firstNames[u%len(firstNames)], lastNames[(u/len(firstNames))%len(lastNames)]
		suffix := ""
		if g := u / (len(firstNames) * len(lastNames)); g > 0 {
			suffix = fmt.Sprint(g)
		}
		pr := migrate.PrincipalInfo{DisplayName: first + " " + last + suffix, Type: migrate.PrincipalUser,
			UserPrincipalName: strings.ToLower(first+"."+last) + suffix + "@contoso.example"}
		switch {
		case u%17 == 4:
			pr = migrate.PrincipalInfo{DisplayName: "PIM-Helpdesk-Admins" + suffix, Type: migrate.PrincipalGroup}
		case u%19 == 6:
			pr = migrate.PrincipalInfo{DisplayName: "Contoso HR Provisioning" + suffix, Type: migrate.PrincipalServicePrincipal}
		}
		enabled := u%11 != 5
		pr.AccountEnabled = &enabled
		states := []migrate.State{migrate.StatePermanent, migrate.StateEligible, migrate.StateActivated, migrate.StateTimeBoundEligible}
		st := states[(i/2)%4]
		a := migrate.Assignment{ID: migrate.Key(user, role), UserID: user, RoleID: role, PrincipalType: pr.Type,
			IsElevated: st == migrate.StatePermanent || st == migrate.StateActivated, State: st,
			Origin: migrate.OriginIteration1, Source: fmt.Sprintf("beta:privilegedRoleAssignments#%d", i+1)}
		if st == migrate.StateActivated || st == migrate.StateTimeBoundEligible {
			e := end
			a.ExpirationDateTime = &e
		}
		it := migrate.Item{Key: migrate.Key(user, role), Legacy: a, Class: migrate.Class(st), Principal: pr, Role: roles[ri],
			Warnings: []string{}, Target: migrate.Target{Kind: migrate.KindEligibilityRequest, PrincipalID: user,
				RoleDefinitionID: role, DirectoryScopeID: "/", Justification: "pimmigrate: migrated from legacy PIM iteration1 assignment " + a.ID}}
		switch {
		case st == migrate.StatePermanent:
			it.Target.Kind = migrate.KindRoleAssignment
		case st == migrate.StateTimeBoundEligible:
			e := end
			it.Target.Expiration = &migrate.Expiration{Type: migrate.ExpirationAfter, EndDateTime: &e}
		default:
			it.Target.Expiration = &migrate.Expiration{Type: migrate.ExpirationNone}
		}
		switch i % 10 {
		case 6, 7:
			it.Action, it.Reason = migrate.ActionPresent, migrate.ReasonAlreadyEligible
			if it.Target.Kind == migrate.KindRoleAssignment {
				it.Reason = migrate.ReasonAlreadyAssigned
			}
		case 8, 9:
			it.Action, it.Reason = migrate.ActionSkip, skipReasons[(i/10)%len(skipReasons)]
			if it.Reason == migrate.ReasonPrincipalNotFound {
				it.Principal = migrate.PrincipalInfo{Type: migrate.PrincipalUser}
			}
		default:
			it.Action, it.Reason = migrate.ActionCreate, string(st)
		}
		if !enabled {
			it.Warnings = append(it.Warnings, migrate.WarnPrincipalDisabled)
		}
		if u%13 == 7 {
			it.Warnings = append(it.Warnings, migrate.WarnGuestUser)
		}
		if i%23 == 11 {
			it.Warnings = append(it.Warnings, migrate.WarnDuplicateRecord)
			it.MergedFrom = []string{fmt.Sprintf("beta:aadRoles#%d", i%30+1)}
		}
		sort.Strings(it.Warnings)
		p.Items = append(p.Items, it)
	}
	sort.Slice(p.Items, func(i, j int) bool { return p.Items[i].Key < p.Items[j].Key })
	p.Seal()
	return p
}

// newTestModel opens p at width x height without colours, on the fixed clock.
func newTestModel(p *migrate.Plan, width, height int, path string) Model {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return New(p, Options{Path: path, Now: func() time.Time { return testNow }, Renderer: r, Width: width, Height: height})
}

// keyMsg is the message of a named key ("enter", "ctrl+c", "pgdown"), or of
// the runes of any other string, as a terminal sends them.
func keyMsg(k string) tea.KeyMsg {
	names := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"space": tea.KeySpace, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"backspace": tea.KeyBackspace, "ctrl+c": tea.KeyCtrlC, "ctrl+u": tea.KeyCtrlU, "ctrl+w": tea.KeyCtrlW,
		"ctrl+s": tea.KeyCtrlS,
	}
	if t, ok := names[k]; ok {
		if t == tea.KeySpace {
			return tea.KeyMsg{Type: t, Runes: []rune{' '}}
		}
		return tea.KeyMsg{Type: t}
	}
	if text, ok := strings.CutPrefix(k, "paste:"); ok {
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text), Paste: true}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys in order, runs the commands they return (a save) and
// feeds their messages back, as the program does. It reports whether the
// program quit.
func press(t testing.TB, m Model, keys ...string) (Model, bool) {
	t.Helper()
	quit := false
	for _, k := range keys {
		var q bool
		m, q = send(t, m, keyMsg(k))
		quit = quit || q
	}
	return m, quit
}

func send(t testing.TB, m Model, msg tea.Msg) (Model, bool) {
	t.Helper()
	nm, cmd := m.Update(msg)
	m = nm.(Model)
	return runCmd(t, m, cmd)
}

func runCmd(t testing.TB, m Model, cmd tea.Cmd) (Model, bool) {
	t.Helper()
	if cmd == nil {
		return m, false
	}
	switch msg := cmd().(type) {
	case tea.QuitMsg:
		return m, true
	case tea.BatchMsg:
		quit := false
		for _, c := range msg {
			var q bool
			m, q = runCmd(t, m, c)
			quit = quit || q
		}
		return m, quit
	case nil:
		return m, false
	default:
		return send(t, m, msg)
	}
}

// screen is what the reviewer sees, without colours.
func screen(m Model) string { return ansi.Strip(m.View()) }
