// Package keymap owns the program's key bindings: the name of every
// action, its default keys, the views it acts in, the help groups, and the
// rules a rebinding from the configuration file must follow.
//
// Invariants:
//   - Every binding of KeyMap has exactly one action name (snake_case of
//     its field), and Names lists them all; the configuration file, the
//     help screen and the README's key tables all read this one table.
//   - A key belongs to at most one action among those that can be pressed
//     together: the page actions (list, detail, runbook pane), which the
//     program matches in one chain, share one scope; the prompt actions
//     (confirm, cancel) act only while a prompt has the keyboard and have
//     a scope of their own. Default, Rebind and Check all keep this.
//   - Rebind changes nothing unless the whole rebinding is valid, so a
//     mistake in the file leaves the defaults whole.
package keymap

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key binding of the program.
type KeyMap struct {
	Up          key.Binding
	Down        key.Binding
	Top         key.Binding
	Bottom      key.Binding
	Open        key.Binding
	Back        key.Binding
	Acknowledge key.Binding
	Resolve     key.Binding
	Note        key.Binding
	Reassign    key.Binding
	Escalate    key.Binding
	Snooze      key.Binding
	Responders  key.Binding
	Decision    key.Binding
	ActionItem  key.Binding
	Role        key.Binding
	Update      key.Binding
	Task        key.Binding
	Browser     key.Binding
	EditorNote  key.Binding
	Mitigated   key.Binding
	Star        key.Binding
	Pane        key.Binding
	Tick        key.Binding
	NextRunbook key.Binding
	PrevRunbook key.Binding
	Document    key.Binding
	Run         key.Binding
	Search      key.Binding
	Scope       key.Binding
	Urgency     key.Binding
	Status      key.Binding
	Service     key.Binding
	CopyURL     key.Binding
	Refresh     key.Binding
	Help        key.Binding
	Quit        key.Binding
	Confirm     key.Binding
	Cancel      key.Binding

	// Paging through a long timeline, and narrowing it by kind.
	PageUp       key.Binding
	PageDown     key.Binding
	HalfPageUp   key.Binding
	HalfPageDown key.Binding
	Kinds        key.Binding

	// The weekly review of the last 7 days, a screen of its own.
	Review key.Binding

	// The pre-mortems' risk register, a screen of its own.
	Register key.Binding

	// The commander's state: the task or follow-up selected in the State
	// tab, and roles taken and handed over.
	ItemDone   key.Binding
	ItemExtend key.Binding
	ItemCancel key.Binding
	Take       key.Binding
	Handoff    key.Binding
}

// Default returns the default bindings: arrows plus vim movement.
func Default() KeyMap {
	return KeyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:         key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open incident")),
		Back:        key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back to list")),
		Acknowledge: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "acknowledge")),
		Resolve:     key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resolve (asks first)")),
		Note:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "add a note")),
		Reassign:    key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "reassign (pick a person or policy)")),
		Escalate:    key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "escalate to a level")),
		Snooze:      key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "snooze for a while")),
		Responders:  key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "ask someone to join")),
		Decision:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "log a decision")),
		ActionItem:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "record a follow-up action item")),
		Role:        key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "assign a role")),
		Update:      key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "post a status update")),
		Task:        key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "time-box a task for someone")),
		Browser:     key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "open the incident in a browser")),
		EditorNote:  key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "write a long note in $EDITOR")),
		Mitigated:   key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "mark mitigated (asks first)")),
		Star:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "star the selected event")),
		Pane:        key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search the list or the timeline")),
		Scope:       key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "list: all, mine, my teams")),
		Urgency:     key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "list: any, high, low urgency")),
		Status:      key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "list: active, triggered, acknowledged, resolved")),
		Service:     key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "list: each service in turn, then all")),
		CopyURL:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy the URL (runbook: the command)")),
		Tick:        key.NewBinding(key.WithKeys("x", "space"), key.WithHelp("x/space", "tick the selected runbook step")),
		NextRunbook: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next matching runbook")),
		PrevRunbook: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous matching runbook")),
		Document:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "runbook: steps or whole document")),
		Run:         key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "run the selected command (asks first)")),
		Refresh:     key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "refresh now")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Confirm:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "confirm")),
		Cancel:      key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "cancel")),

		PageUp:       key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		HalfPageUp:   key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "half a page up")),
		HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "half a page down")),
		Kinds:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timeline: all, notes only, people only")),

		Review: key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "the weekly review of the last 7 days")),

		Register: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pre-mortems: the risk register")),

		ItemDone:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "state: mark the task or follow-up done")),
		ItemExtend: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "state: give it more time")),
		ItemCancel: key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "state: cancel it (asks first)")),
		Take:       key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "take a role yourself")),
		Handoff:    key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "hand off (writes the state document)")),
	}
}

// View is a set of the places a key can be pressed in.
type View uint8

const (
	// List is the incident list.
	List View = 1 << iota
	// Detail is an open incident with its timeline focused.
	Detail
	// Runbook is an open incident with its runbook pane focused.
	Runbook
	// Form is any prompt that has the keyboard: a confirmation, a form,
	// a picker, a note or search line.
	Form

	// Pages are the views that are not prompts. Their keys are matched
	// in one chain, so they form one scope for clashes.
	Pages = List | Detail | Runbook
)

var viewNames = []struct {
	v    View
	name string
}{{List, "list"}, {Detail, "detail"}, {Runbook, "runbook"}, {Form, "forms"}}

// String names the views, as help shows them: "list, detail".
func (v View) String() string {
	var out []string
	for _, n := range viewNames {
		if v&n.v != 0 {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, ", ")
}

// Has says whether v includes w (any of w's views).
func (v View) Has(w View) bool { return v&w != 0 }

// action is one row of the table every lookup reads: the name a
// configuration file uses, the views the action does something in, and
// its binding in a KeyMap.
type action struct {
	name    string
	views   View
	binding func(*KeyMap) *key.Binding
}

// actions is in the order of KeyMap's fields. Where the views come from:
// movement, refresh, help and quit work on every page; the list's search
// and filters only on the list; starring needs a timeline event; ticking,
// cycling and the document view need the runbook pane; the incident
// actions work on the selected incident of the list and on the open one.
var actions = []action{
	{"up", Pages, func(k *KeyMap) *key.Binding { return &k.Up }},
	{"down", Pages, func(k *KeyMap) *key.Binding { return &k.Down }},
	{"top", Pages, func(k *KeyMap) *key.Binding { return &k.Top }},
	{"bottom", Pages, func(k *KeyMap) *key.Binding { return &k.Bottom }},
	{"open", List, func(k *KeyMap) *key.Binding { return &k.Open }},
	{"back", Pages, func(k *KeyMap) *key.Binding { return &k.Back }},
	{"acknowledge", Pages, func(k *KeyMap) *key.Binding { return &k.Acknowledge }},
	{"resolve", Pages, func(k *KeyMap) *key.Binding { return &k.Resolve }},
	{"note", Pages, func(k *KeyMap) *key.Binding { return &k.Note }},
	{"reassign", Pages, func(k *KeyMap) *key.Binding { return &k.Reassign }},
	{"escalate", Pages, func(k *KeyMap) *key.Binding { return &k.Escalate }},
	{"snooze", Pages, func(k *KeyMap) *key.Binding { return &k.Snooze }},
	{"responders", Pages, func(k *KeyMap) *key.Binding { return &k.Responders }},
	{"decision", Pages, func(k *KeyMap) *key.Binding { return &k.Decision }},
	{"action_item", Pages, func(k *KeyMap) *key.Binding { return &k.ActionItem }},
	{"role", Pages, func(k *KeyMap) *key.Binding { return &k.Role }},
	{"update", Pages, func(k *KeyMap) *key.Binding { return &k.Update }},
	{"task", Pages, func(k *KeyMap) *key.Binding { return &k.Task }},
	{"browser", Pages, func(k *KeyMap) *key.Binding { return &k.Browser }},
	{"editor_note", Pages, func(k *KeyMap) *key.Binding { return &k.EditorNote }},
	{"mitigated", Pages, func(k *KeyMap) *key.Binding { return &k.Mitigated }},
	{"star", Detail, func(k *KeyMap) *key.Binding { return &k.Star }},
	{"pane", Detail | Runbook, func(k *KeyMap) *key.Binding { return &k.Pane }},
	{"tick", Runbook, func(k *KeyMap) *key.Binding { return &k.Tick }},
	{"next_runbook", Runbook, func(k *KeyMap) *key.Binding { return &k.NextRunbook }},
	{"prev_runbook", Runbook, func(k *KeyMap) *key.Binding { return &k.PrevRunbook }},
	{"document", Runbook, func(k *KeyMap) *key.Binding { return &k.Document }},
	{"run", Runbook, func(k *KeyMap) *key.Binding { return &k.Run }},
	{"search", List | Detail, func(k *KeyMap) *key.Binding { return &k.Search }},
	{"scope", List, func(k *KeyMap) *key.Binding { return &k.Scope }},
	{"urgency", List, func(k *KeyMap) *key.Binding { return &k.Urgency }},
	{"status", List, func(k *KeyMap) *key.Binding { return &k.Status }},
	{"service", List, func(k *KeyMap) *key.Binding { return &k.Service }},
	{"copy_url", Pages, func(k *KeyMap) *key.Binding { return &k.CopyURL }},
	{"refresh", Pages, func(k *KeyMap) *key.Binding { return &k.Refresh }},
	{"help", Pages, func(k *KeyMap) *key.Binding { return &k.Help }},
	{"quit", Pages, func(k *KeyMap) *key.Binding { return &k.Quit }},
	{"confirm", Form, func(k *KeyMap) *key.Binding { return &k.Confirm }},
	{"cancel", Form, func(k *KeyMap) *key.Binding { return &k.Cancel }},
	{"page_up", Detail | Runbook, func(k *KeyMap) *key.Binding { return &k.PageUp }},
	{"page_down", Detail | Runbook, func(k *KeyMap) *key.Binding { return &k.PageDown }},
	{"half_page_up", Detail | Runbook, func(k *KeyMap) *key.Binding { return &k.HalfPageUp }},
	{"half_page_down", Detail | Runbook, func(k *KeyMap) *key.Binding { return &k.HalfPageDown }},
	{"kinds", Detail, func(k *KeyMap) *key.Binding { return &k.Kinds }},
	{"review", List, func(k *KeyMap) *key.Binding { return &k.Review }},
	{"register", List, func(k *KeyMap) *key.Binding { return &k.Register }},
	{"item_done", Detail, func(k *KeyMap) *key.Binding { return &k.ItemDone }},
	{"item_extend", Detail, func(k *KeyMap) *key.Binding { return &k.ItemExtend }},
	{"item_cancel", Detail, func(k *KeyMap) *key.Binding { return &k.ItemCancel }},
	{"take", Detail, func(k *KeyMap) *key.Binding { return &k.Take }},
	{"handoff", Detail, func(k *KeyMap) *key.Binding { return &k.Handoff }},
}

func find(name string) (action, bool) {
	i := slices.IndexFunc(actions, func(a action) bool { return a.name == name })
	if i < 0 {
		return action{}, false
	}
	return actions[i], true
}

// Names lists every action a configuration file may rebind, sorted.
func Names() []string {
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = a.name
	}
	slices.Sort(names)
	return names
}

// Defaults maps each action to its default keys.
func Defaults() map[string][]string {
	k := Default()
	out := make(map[string][]string, len(actions))
	for _, a := range actions {
		out[a.name] = slices.Clone(a.binding(&k).Keys())
	}
	return out
}

// Views says where the named action does something; zero for an unknown
// name.
func Views(name string) View {
	a, _ := find(name)
	return a.views
}

// Binding is the named action's binding in k; nil for an unknown name.
func (k *KeyMap) Binding(name string) *key.Binding {
	a, ok := find(name)
	if !ok {
		return nil
	}
	return a.binding(k)
}

// Owner names the enabled action whose keys include pressed (a key as
// Bubble Tea names it) among those of scope (Form, or any page view), and
// the views it acts in: so a screen can say what a key would do elsewhere
// instead of silently ignoring it.
func (k KeyMap) Owner(pressed string, scope View) (name string, views View, ok bool) {
	prompt := scope.Has(Form)
	for _, a := range actions {
		b := a.binding(&k)
		if a.views.Has(Form) != prompt || !b.Enabled() {
			continue
		}
		if slices.Contains(b.Keys(), pressed) {
			return a.name, a.views, true
		}
	}
	return "", 0, false
}

// In lists the enabled bindings that act in view v, in the key map's
// order.
func (k KeyMap) In(v View) []key.Binding {
	var out []key.Binding
	for _, a := range actions {
		if b := a.binding(&k); a.views.Has(v) && b.Enabled() {
			out = append(out, *b)
		}
	}
	return out
}

// Entry is one binding as help shows it: the action, its binding, and
// where it acts.
type Entry struct {
	Action  string
	Binding key.Binding
	Views   View
}

// Group is one titled column of the help screen.
type Group struct {
	Title   string
	Entries []Entry
}

// Bindings are the group's enabled bindings.
func (g Group) Bindings() []key.Binding {
	var out []key.Binding
	for _, e := range g.Entries {
		if e.Binding.Enabled() {
			out = append(out, e.Binding)
		}
	}
	return out
}

// groups names the help screen's columns and the actions in each.
var groups = []struct {
	title   string
	actions []string
}{
	{"Move", []string{"up", "down", "page_up", "page_down", "half_page_up", "half_page_down", "top", "bottom"}},
	{"Incidents", []string{"open", "back", "search", "kinds", "scope", "urgency", "status", "service", "pane", "copy_url", "browser", "refresh", "register", "review"}},
	{"Respond", []string{"acknowledge", "resolve", "note", "editor_note", "star", "reassign", "escalate", "snooze", "responders"}},
	{"Runbook", []string{"tick", "run", "document", "next_runbook", "prev_runbook"}},
	{"Command", []string{"role", "decision", "action_item", "update", "task", "mitigated", "item_done", "item_extend", "item_cancel", "take", "handoff"}},
	{"Program", []string{"help", "quit"}},
	{"Prompts", []string{"confirm", "cancel"}},
}

// Groups lists every binding by what it is for, each with the views it
// acts in, for the help screen and the README.
func (k KeyMap) Groups() []Group {
	out := make([]Group, 0, len(groups))
	for _, g := range groups {
		grp := Group{Title: g.title}
		for _, name := range g.actions {
			a, _ := find(name)
			grp.Entries = append(grp.Entries, Entry{Action: name, Binding: *a.binding(&k), Views: a.views})
		}
		out = append(out, grp)
	}
	return out
}

// Short lists the bindings of the bottom line in view v, most important
// first: when the line is too narrow the tail is dropped, so help and quit
// (or, in a prompt, confirm and cancel) come first.
func (k KeyMap) Short(v View) []key.Binding {
	var bs []key.Binding
	switch {
	case v.Has(Form):
		bs = []key.Binding{k.Confirm, k.Cancel}
	case v.Has(Runbook):
		bs = []key.Binding{k.Help, k.Quit, k.Back, k.Tick, k.Run, k.Document, k.NextRunbook, k.CopyURL, k.Pane, k.Down, k.Up}
	case v.Has(Detail):
		bs = []key.Binding{k.Help, k.Quit, k.Back, k.Acknowledge, k.Resolve, k.Note, k.Decision, k.Pane, k.Star, k.Down, k.Up}
	default:
		bs = []key.Binding{k.Help, k.Quit, k.Open, k.Acknowledge, k.Resolve, k.Search, k.Note, k.Refresh, k.Down, k.Up}
	}
	return Enabled(bs...)
}

// Enabled drops disabled bindings (read-only mode) from a list, in place.
func Enabled(bs ...key.Binding) []key.Binding {
	out := bs[:0]
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}

// writeActions change something; read-only mode disables them.
var writeActions = []string{"acknowledge", "resolve", "note", "reassign", "escalate", "snooze", "responders", "editor_note",
	"task", "decision", "action_item", "role", "update", "mitigated", "star", "tick",
	"item_done", "item_extend", "item_cancel", "take"}

// Writes are the bindings that change an incident or the journal.
func (k *KeyMap) Writes() []*key.Binding {
	out := make([]*key.Binding, 0, len(writeActions))
	for _, name := range writeActions {
		out = append(out, k.Binding(name))
	}
	return out
}

// ReadOnly disables every write binding, which also hides it from help.
func (k *KeyMap) ReadOnly() {
	for _, b := range k.Writes() {
		b.SetEnabled(false)
	}
}

// Markdown renders the enabled bindings as a Markdown table, for the
// README.
func (k KeyMap) Markdown() string {
	var s strings.Builder
	s.WriteString("| Key | Action | Where |\n|---|---|---|\n")
	for _, g := range k.Groups() {
		for _, b := range g.Bindings() {
			s.WriteString("| `" + b.Help().Key + "` | " + b.Help().Desc + " | " + g.Title + " |\n")
		}
	}
	return s.String()
}

// keysOf is k's keys by action name, for Check.
func (k *KeyMap) keysOf() map[string][]string {
	out := make(map[string][]string, len(actions))
	for _, a := range actions {
		out[a.name] = a.binding(k).Keys()
	}
	return out
}
