package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/pimmigrate/pimmigrate/migrate"
)

// Options configure a review.
type Options struct {
	// Path is the plan file; w saves the approvals to it.
	Path string
	// Now is the clock the plan's age is measured by (default time.Now).
	Now func() time.Time
	// Renderer renders the styles; it decides colours (none under NO_COLOR)
	// and the background. Default: a renderer without colours.
	Renderer *lipgloss.Renderer
	// Width and Height are the size the program assumes until the terminal
	// reports its own (default 80x24).
	Width, Height int
	// Lock, when set, locks the plan file while w checks and writes it, so
	// that two reviewers (or a review and a plan) never write it at once;
	// it returns the unlock, or an error naming who holds the file.
	Lock func(path string) (unlock func(), err error)
	// Replace, when set, is called once w has checked the plan file and
	// before it writes over it: it may keep the file being replaced (a plan
	// that has been applied, with its journal). Its note joins the saved
	// message; undo, if not nil, is called when the write fails.
	Replace func(path string) (note string, undo func(), err error)
}

type mode int

const (
	modeList mode = iota
	modeSearch
	modeDetail
	modeHelp
)

type msgKind int

const (
	msgInfo msgKind = iota
	msgError
)

// Model is the review program's state: what is shown and where. The plan is
// passed in; the model changes only its items' Approved.
type Model struct {
	plan *migrate.Plan
	path string
	lock func(path string) (func(), error)
	// replace is Options.Replace.
	replace func(path string) (string, func(), error)
	now     func() time.Time
	keys    KeyMap
	styles  Styles
	help    help.Model
	detail  viewport.Model

	x      *index
	filter filter
	query  string
	search search
	vis    []int32 // the items shown, ascending
	cur    int     // the selected row, a position in vis
	top    int     // the first row on screen

	mode     mode
	prevMode mode // where ? returns to
	prompt   bool // the quit prompt is open
	width    int
	height   int

	counts  counts
	saved   []review // each item's review as last saved
	changed int      // items whose review differs from saved

	saving, quitAfterSave bool
	savedOnce, quitting   bool
	// stamp is the plan file as read or last saved (zero: not checked);
	// overwrite is set after a conflict, when w means "write anyway".
	stamp     fileStamp
	overwrite bool

	msg     string
	msgKind msgKind
}

// New opens the review of p. It indexes the plan once: O(items).
func New(p *migrate.Plan, o Options) Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Renderer == nil {
		o.Renderer = lipgloss.NewRenderer(nil)
		o.Renderer.SetColorProfile(termenv.Ascii)
		o.Renderer.SetHasDarkBackground(true)
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 80, 24
	}
	m := Model{
		plan: p, path: o.Path, lock: o.Lock, replace: o.Replace, now: o.Now,
		keys: DefaultKeyMap(), styles: NewStyles(o.Renderer),
		x: newIndex(p.Items), counts: countItems(p.Items), saved: reviews(p.Items),
		width: o.Width, height: o.Height,
	}
	m.help = help.New()
	m.help.Styles = m.styles.Help
	m.detail = viewport.New(0, 0)
	m.detail.Style = o.Renderer.NewStyle()
	m.search = search{base: m.x.byFilter[filterAll]}
	m.vis = m.search.base
	return m
}

// Init does nothing: the plan is read before the program starts.
func (m Model) Init() tea.Cmd { return nil }

// savedMsg reports the end of a save.
type savedMsg struct {
	err     error
	digest  string
	summary migrate.Summary
	stamp   fileStamp
	// conflict: the file changed since it was read or saved; not written.
	conflict bool
	// note is what Options.Replace said of the file it replaced.
	note string
}

// fileStamp tells whether the plan file changed under the review (another
// reviewer saved it): its size and modification time when read or saved.
type fileStamp struct {
	size int64
	mod  time.Time
}

func stampFile(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.Size(), fi.ModTime()}
}

func (a fileStamp) same(b fileStamp) bool { return a.size == b.size && a.mod.Equal(b.mod) }

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.scrollToCursor()
		if m.mode == modeDetail {
			m.layoutDetail(false)
		}
		return m, nil
	case savedMsg:
		return m.onSaved(msg)
	case tea.KeyMsg:
		// A terminal delivers runes typed faster than it is read (or sent by
		// tmux send-keys) as one message: outside the search field each is
		// a key of its own.
		if msg.Paste && !m.typing() {
			return m, nil // pasted text is not keys to act on
		}
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !m.typing() {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				nm, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
				m = nm.(Model)
				cmds = append(cmds, cmd)
			}
			return m, tea.Batch(cmds...)
		}
		if !m.saving {
			m.msg = ""
		}
		return m.key(msg)
	}
	return m, nil
}

func (m Model) typing() bool { return m.mode == modeSearch && !m.prompt }

func (m Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.keys
	if m.prompt {
		switch {
		case key.Matches(k, keys.ConfirmQuit), k.String() == "ctrl+c":
			m.prompt, m.quitting = false, true
			return m, tea.Quit
		case key.Matches(k, keys.CancelQuit):
			m.prompt = false
		case key.Matches(k, keys.SaveQuit):
			m.prompt = false
			return m.save(true)
		}
		return m, nil
	}
	if k.String() == "ctrl+c" || (key.Matches(k, keys.Quit) && !m.typing()) {
		return m.requestQuit()
	}
	switch m.mode {
	case modeSearch:
		return m.searchKey(k)
	case modeDetail:
		return m.detailKey(k)
	case modeHelp:
		if key.Matches(k, keys.Help) || k.Type == tea.KeyEsc {
			m.mode = m.prevMode
		}
		return m, nil
	}
	return m.listKey(k)
}

func (m Model) listKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.keys
	switch {
	case m.move(k):
	case key.Matches(k, keys.Filter):
		m.setFilter((m.filter + 1) % numFilters)
	case key.Matches(k, keys.FilterBack):
		m.setFilter((m.filter + numFilters - 1) % numFilters)
	case key.Matches(k, keys.Search):
		m.mode = modeSearch
	case key.Matches(k, keys.SearchClear):
		if m.query != "" {
			m.clearSearch()
		}
	case key.Matches(k, keys.Toggle):
		m.toggle()
	case key.Matches(k, keys.Reset):
		m.reset()
	case key.Matches(k, keys.ApproveAll):
		m.setVisible(approved)
	case key.Matches(k, keys.DeclineAll):
		m.setVisible(declined)
	case key.Matches(k, keys.Detail):
		if len(m.vis) > 0 {
			m.mode = modeDetail
			m.layoutDetail(true)
		}
	case key.Matches(k, keys.Help):
		m.prevMode, m.mode = m.mode, modeHelp
	case key.Matches(k, keys.Save):
		return m.save(false)
	}
	return m, nil
}

// move handles the cursor keys; it reports whether k was one.
func (m *Model) move(k tea.KeyMsg) bool {
	keys := m.keys
	page := m.tableRows()
	switch {
	case key.Matches(k, keys.Up):
		m.cur--
	case key.Matches(k, keys.Down):
		m.cur++
	case key.Matches(k, keys.PageUp):
		m.cur -= page
		m.top -= page
	case key.Matches(k, keys.PageDown):
		m.cur += page
		m.top += page
	case key.Matches(k, keys.Home):
		m.cur = 0
	case key.Matches(k, keys.End):
		m.cur = len(m.vis) - 1
	default:
		return false
	}
	m.scrollToCursor()
	return true
}

// scrollToCursor keeps the cursor within the list and on screen.
func (m *Model) scrollToCursor() {
	n, rows := len(m.vis), m.tableRows()
	m.cur = max(0, min(m.cur, n-1))
	m.top = max(0, min(m.top, n-rows))
	if m.cur < m.top {
		m.top = m.cur
	}
	if m.cur >= m.top+rows {
		m.top = m.cur - rows + 1
	}
}

func (m Model) searchKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.keys
	switch {
	case key.Matches(k, keys.SearchKeep):
		m.mode = modeList
	case key.Matches(k, keys.SearchClear):
		m.mode = modeList
		m.clearSearch()
	case key.Matches(k, keys.Filter):
		m.setFilter((m.filter + 1) % numFilters)
	case key.Matches(k, keys.FilterBack):
		m.setFilter((m.filter + numFilters - 1) % numFilters)
	case k.Type == tea.KeyRunes:
		m.setQuery(m.query + string(k.Runes))
	case k.Type == tea.KeySpace:
		m.setQuery(m.query + " ")
	case k.Type == tea.KeyBackspace:
		if m.query != "" {
			_, size := utf8.DecodeLastRuneInString(m.query)
			m.setQuery(m.query[:len(m.query)-size])
		}
	case k.Type == tea.KeyCtrlW:
		q := strings.TrimRight(m.query, " ")
		m.setQuery(q[:strings.LastIndex(q, " ")+1])
	case k.Type == tea.KeyCtrlU:
		m.setQuery("")
	case k.Type == tea.KeyUp, k.Type == tea.KeyDown, k.Type == tea.KeyPgUp, k.Type == tea.KeyPgDown:
		m.move(k)
	}
	return m, nil
}

func (m Model) detailKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	keys := m.keys
	switch {
	case key.Matches(k, keys.Close):
		m.mode = modeList
	case key.Matches(k, keys.Up):
		m.detail.ScrollUp(1)
	case key.Matches(k, keys.Down):
		m.detail.ScrollDown(1)
	case key.Matches(k, keys.PageUp):
		m.detail.PageUp()
	case key.Matches(k, keys.PageDown):
		m.detail.PageDown()
	case key.Matches(k, keys.Home):
		m.detail.GotoTop()
	case key.Matches(k, keys.End):
		m.detail.GotoBottom()
	case k.Type == tea.KeyLeft, k.String() == "h", k.Type == tea.KeyRight, k.String() == "l":
		if k.Type == tea.KeyLeft || k.String() == "h" {
			m.cur--
		} else {
			m.cur++
		}
		m.scrollToCursor()
		m.layoutDetail(true)
	case key.Matches(k, keys.Toggle):
		m.toggle()
		m.layoutDetail(false)
	case key.Matches(k, keys.Reset):
		m.reset()
		m.layoutDetail(false)
	case key.Matches(k, keys.Help):
		m.prevMode, m.mode = m.mode, modeHelp
	case key.Matches(k, keys.Save):
		return m.save(false)
	}
	return m, nil
}

// selected is the item under the cursor, or -1.
func (m Model) selected() int32 {
	if len(m.vis) == 0 {
		return -1
	}
	return m.vis[m.cur]
}

// setFilter shows filter f's items that match the search, keeping the
// selected item selected when it is still shown.
func (m *Model) setFilter(f filter) {
	sel := m.selected()
	m.filter = f
	m.search = search{base: m.x.byFilter[f]}
	m.vis = m.search.result(m.x, m.query)
	m.follow(sel)
}

// setQuery searches as the reviewer types: the cursor goes to the first match.
func (m *Model) setQuery(q string) {
	m.query = q
	m.vis = m.search.result(m.x, q)
	m.cur, m.top = 0, 0
}

// clearSearch shows the whole filter again, still at the selected item: a
// search is also a way to get somewhere.
func (m *Model) clearSearch() {
	sel := m.selected()
	m.query = ""
	m.vis = m.search.result(m.x, "")
	m.follow(sel)
}

func (m *Model) follow(item int32) {
	if item >= 0 {
		m.cur = m.x.position(m.vis, item)
	}
	m.scrollToCursor()
	// Put a selection that jumped out of view in the middle of the screen.
	if rows := m.tableRows(); m.cur == m.top || m.cur == m.top+rows-1 {
		m.top = m.cur - rows/2
		m.scrollToCursor()
	}
}

// setReview changes item i's review and keeps the counts.
func (m *Model) setReview(i int32, r review) bool {
	it := &m.plan.Items[i]
	old := reviewOf(it)
	if old == r || old == notCreate {
		return false
	}
	m.counts.add(old, -1)
	m.counts.add(r, 1)
	if old == m.saved[i] {
		m.changed++
	}
	if r == m.saved[i] {
		m.changed--
	}
	switch r {
	case approved, declined:
		v := r == approved
		it.Approved = &v
	default:
		it.Approved = nil
	}
	return true
}

// busy refuses changes while a save is writing the items.
func (m *Model) busy() bool {
	if m.saving {
		m.msg, m.msgKind = "Saving "+m.fileName()+"… approvals can change again when it is written.", msgInfo
	}
	return m.saving
}

func (m *Model) toggle() {
	i := m.selected()
	if i < 0 || m.busy() || !m.reviewable(i) {
		return
	}
	m.setReview(i, reviewOf(&m.plan.Items[i]).next())
}

func (m *Model) reset() {
	i := m.selected()
	if i < 0 || m.busy() || !m.reviewable(i) {
		return
	}
	m.setReview(i, unreviewed)
}

// reviewable says why an item that is not a create cannot be approved.
func (m *Model) reviewable(i int32) bool {
	it := &m.plan.Items[i]
	switch it.Action {
	case migrate.ActionCreate, migrate.ActionUpdate:
		return true
	case migrate.ActionPresent:
		m.msg = fmt.Sprintf("Nothing to approve: already in the tenant (%s); apply sends nothing for it.", it.Reason)
	default:
		m.msg = fmt.Sprintf("Nothing to approve: skipped (%s); apply never sends it.", it.Reason)
	}
	m.msgKind = msgError
	return false
}

// setVisible approves or declines every create the filter and search show.
func (m *Model) setVisible(r review) {
	if m.busy() {
		return
	}
	creates, changed := 0, 0
	for _, i := range m.vis {
		if !m.plan.Items[i].Changes() {
			continue
		}
		creates++
		if m.setReview(i, r) {
			changed++
		}
	}
	verb := map[review]string{approved: "Approved", declined: "Declined"}[r]
	switch {
	case creates == 0:
		m.msg, m.msgKind = "No create items are shown: nothing to "+strings.ToLower(strings.TrimSuffix(verb, "d"))+".", msgError
	case changed == creates:
		m.msg, m.msgKind = fmt.Sprintf("%s %s shown.", verb, migrate.Plural(creates, "create item", "create items")), msgInfo
	default:
		m.msg, m.msgKind = fmt.Sprintf("%s %s shown (%d already were).", verb, migrate.Plural(creates, "create item", "create items"), creates-changed), msgInfo
	}
}

// save writes the approvals to the plan file in a command. Approvals cannot
// change until it is done, so the command reads items nobody writes.
func (m Model) save(thenQuit bool) (tea.Model, tea.Cmd) {
	if m.saving {
		m.quitAfterSave = m.quitAfterSave || thenQuit
		return m, nil
	}
	if m.path == "" {
		m.msg, m.msgKind = "No plan file to save to.", msgError
		return m, nil
	}
	if m.changed == 0 && !thenQuit {
		m.msg, m.msgKind = "No unsaved changes.", msgInfo
		return m, nil
	}
	m.saving, m.quitAfterSave = true, thenQuit
	m.msg, m.msgKind = "Saving "+m.fileName()+"…", msgInfo
	cp := *m.plan // Seal writes the summary and digest of this copy
	path, stamp, force, lock, replace := m.path, m.stamp, m.overwrite, m.lock, m.replace
	return m, func() tea.Msg {
		if lock != nil {
			unlock, err := lock(path)
			if err != nil {
				return savedMsg{err: err}
			}
			defer unlock()
		}
		if now := stampFile(path); !force && stamp != (fileStamp{}) && now != (fileStamp{}) && !now.same(stamp) {
			return savedMsg{conflict: true}
		}
		var note string
		var undo func()
		if replace != nil {
			var err error
			if note, undo, err = replace(path); err != nil {
				return savedMsg{err: err}
			}
		}
		if err := migrate.WritePlanFile(path, &cp); err != nil {
			if undo != nil {
				undo()
			}
			return savedMsg{err: err}
		}
		return savedMsg{digest: cp.Digest, summary: cp.Summary, stamp: stampFile(path), note: note}
	}
}

func (m Model) onSaved(s savedMsg) (tea.Model, tea.Cmd) {
	m.saving = false
	if s.conflict {
		m.quitAfterSave, m.overwrite = false, true
		m.msg, m.msgKind = m.fileName()+" changed on disk after you opened it (another reviewer?); not saved. w overwrites it with this review; or quit and reopen it.", msgError
		return m, nil
	}
	if s.err != nil {
		m.quitAfterSave = false
		m.msg, m.msgKind = fmt.Sprintf("Not saved: %v. Your approvals are kept here: press w to try again.", s.err), msgError
		return m, nil
	}
	m.plan.Digest, m.plan.Summary = s.digest, s.summary
	for i := range m.plan.Items {
		m.saved[i] = reviewOf(&m.plan.Items[i])
	}
	m.changed, m.savedOnce = 0, true
	m.stamp, m.overwrite = s.stamp, false
	c := m.counts
	m.msg, m.msgKind = fmt.Sprintf("Saved %s: %d approved, %d declined, %d not reviewed.", m.fileName(), c.approved, c.declined, c.unreviewed()), msgInfo
	if s.note != "" {
		m.msg += " " + s.note
	}
	if m.quitAfterSave {
		m.quitting = true
		return m, tea.Quit
	}
	return m, nil
}

// requestQuit quits, or asks first when there are unsaved changes.
func (m Model) requestQuit() (tea.Model, tea.Cmd) {
	switch {
	case m.saving:
		m.quitAfterSave = true
		m.msg, m.msgKind = "Saving "+m.fileName()+"… quitting when it is written.", msgInfo
		return m, nil
	case m.changed > 0:
		m.prompt = true
		return m, nil
	}
	m.quitting = true
	return m, tea.Quit
}

func (m Model) fileName() string {
	if m.path == "" {
		return "the plan"
	}
	return migrate.Printable(filepath.Base(m.path))
}

// Result is how a review ended.
type Result struct {
	// Saved is true when the approvals were written to the plan file at
	// least once.
	Saved bool
	// Unsaved counts the items whose review changed after the last save and
	// was discarded at the quit prompt.
	Unsaved int
	// Approved, Declined and Unreviewed count the create items as the
	// review left them (in the plan in memory).
	Approved, Declined, Unreviewed int
}

// Result is how the review stands.
func (m Model) Result() Result {
	return Result{Saved: m.savedOnce, Unsaved: m.changed,
		Approved: m.counts.approved, Declined: m.counts.declined, Unreviewed: m.counts.unreviewed()}
}
