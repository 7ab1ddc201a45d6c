package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key the review program answers to. It feeds the help bar
// and the full help (?), so what the help says is what the keys do.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding

	Filter, FilterBack key.Binding
	Search             key.Binding

	// Toggle approves an unreviewed create and then switches it between
	// approved and declined; Reset makes it unreviewed again.
	Toggle, Reset key.Binding
	// ApproveAll and DeclineAll act on every create the filter and the
	// search leave visible.
	ApproveAll, DeclineAll key.Binding

	Detail, Help, Save, Quit key.Binding

	// In the search field.
	SearchKeep, SearchClear key.Binding
	// In the detail pane.
	Close key.Binding
	// At the quit prompt.
	ConfirmQuit, CancelQuit, SaveQuit key.Binding
}

// DefaultKeyMap is the review program's key map.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Home:     b([]string{"home", "g"}, "home/g", "first"),
		End:      b([]string{"end", "G"}, "end/G", "last"),

		Filter:     b([]string{"tab"}, "tab", "filter"),
		FilterBack: b([]string{"shift+tab"}, "shift+tab", "filter back"),
		Search:     b([]string{"/"}, "/", "search"),

		Toggle:     b([]string{" "}, "space", "approve/decline"),
		Reset:      b([]string{"u"}, "u", "unreviewed"),
		ApproveAll: b([]string{"a"}, "a", "approve visible"),
		DeclineAll: b([]string{"A"}, "A", "decline visible"),

		Detail: b([]string{"enter"}, "enter", "detail"),
		Help:   b([]string{"?"}, "?", "help"),
		Save:   b([]string{"w", "ctrl+s"}, "w", "save"),
		Quit:   b([]string{"q", "ctrl+c"}, "q", "quit"),

		SearchKeep:  b([]string{"enter"}, "enter", "keep search"),
		SearchClear: b([]string{"esc"}, "esc", "clear search"),
		Close:       b([]string{"esc", "enter", "backspace"}, "esc", "back"),

		ConfirmQuit: b([]string{"y", "Y"}, "y", "quit without saving"),
		CancelQuit:  b([]string{"n", "N", "esc"}, "n", "stay"),
		SaveQuit:    b([]string{"w"}, "w", "save and quit"),
	}
}

// ShortHelp is the help bar of the list. On a narrow screen the bar drops
// keys from its end, never q and ? (fitHelp).
func (k KeyMap) ShortHelp() []key.Binding {
	all := withHelp(k.ApproveAll, "a/A", "all shown ✓/✗")
	return []key.Binding{withHelp(k.Toggle, "space", "approve"), k.Detail, k.Search, k.Save, k.Quit, k.Help, k.Filter, all}
}

// FullHelp is the full help (?), in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Filter, k.FilterBack, k.Search, k.SearchKeep, k.SearchClear, k.Detail},
		{k.Toggle, k.Reset, k.ApproveAll, k.DeclineAll},
		{k.Save, k.Help, k.Quit},
	}
}

// modeKeys is the help bar of a mode other than the list.
type modeKeys []key.Binding

func (m modeKeys) ShortHelp() []key.Binding  { return m }
func (m modeKeys) FullHelp() [][]key.Binding { return [][]key.Binding{m} }

func (k KeyMap) searchHelp() modeKeys {
	return modeKeys{k.SearchKeep, k.SearchClear, withHelp(k.Up, "↑/↓", "move")}
}

func (k KeyMap) detailHelp() modeKeys {
	return modeKeys{withHelp(k.Down, "↑/↓", "scroll"), k.Toggle, k.Reset, k.Close, k.Save, k.Quit}
}

func (k KeyMap) helpHelp() modeKeys { return modeKeys{withHelp(k.Help, "?/esc", "close help"), k.Quit} }

func (k KeyMap) promptHelp() modeKeys { return modeKeys{k.ConfirmQuit, k.CancelQuit, k.SaveQuit} }

func withHelp(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}
