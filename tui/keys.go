package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key binding of the program. Help, the short help line
// and the README's key table are all generated from it.
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
}

// DefaultKeyMap returns the default bindings: arrows plus vim movement.
func DefaultKeyMap() KeyMap {
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
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search incidents")),
		Scope:       key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "list: all, mine, my teams")),
		Urgency:     key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "list: any, high, low urgency")),
		Status:      key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "list: active, triggered, acknowledged")),
		Service:     key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "list: each service in turn, then all")),
		CopyURL:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy the URL (runbook: the command)")),
		Tick:        key.NewBinding(key.WithKeys("x", "space"), key.WithHelp("x/space", "tick the selected runbook step")),
		NextRunbook: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next matching runbook")),
		PrevRunbook: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous matching runbook")),
		Document:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "runbook: steps or whole document")),
		Refresh:     key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "refresh now")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Confirm:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "confirm")),
		Cancel:      key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "cancel")),
	}
}

// helpGroup is one titled column of the help screen.
type helpGroup struct {
	Title    string
	Bindings []key.Binding
}

// groups lists the bindings by where they apply, for the help screen and
// the README table.
func (k KeyMap) groups() []helpGroup {
	return []helpGroup{
		{"Move", []key.Binding{k.Up, k.Down, k.Top, k.Bottom}},
		{"Incidents", []key.Binding{k.Open, k.Back, k.Search, k.Scope, k.Urgency, k.Status, k.Service, k.Pane, k.CopyURL, k.Browser, k.Refresh}},
		{"Respond", []key.Binding{k.Acknowledge, k.Resolve, k.Note, k.EditorNote, k.Star, k.Reassign, k.Escalate, k.Snooze, k.Responders}},
		{"Runbook", []key.Binding{k.Tick, k.Document, k.NextRunbook, k.PrevRunbook}},
		{"Command", []key.Binding{k.Role, k.Decision, k.ActionItem, k.Update, k.Task, k.Mitigated}},
		{"Program", []key.Binding{k.Help, k.Quit}},
		{"Prompts", []key.Binding{k.Confirm, k.Cancel}},
	}
}

// shortList and shortDetail are the bindings shown in the bottom line,
// most important first: when the line is too narrow, the tail is dropped
// (help and quit always stay).
func (k KeyMap) shortList() []key.Binding {
	return enabled(k.Help, k.Quit, k.Open, k.Acknowledge, k.Resolve, k.Search, k.Note, k.Refresh, k.Down, k.Up)
}

func (k KeyMap) shortDetail() []key.Binding {
	return enabled(k.Help, k.Quit, k.Back, k.Acknowledge, k.Resolve, k.Note, k.Decision, k.Pane, k.Star, k.Down, k.Up)
}

// enabled drops disabled bindings (read-only mode) from a list.
func enabled(bs ...key.Binding) []key.Binding {
	out := bs[:0]
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}

// writes are the bindings that change something; read-only mode disables
// them, which also hides them from help.
func (k *KeyMap) writes() []*key.Binding {
	return []*key.Binding{&k.Acknowledge, &k.Resolve, &k.Note, &k.Reassign, &k.Escalate, &k.Snooze, &k.Responders, &k.EditorNote, &k.Task, &k.Decision, &k.ActionItem, &k.Role, &k.Update, &k.Mitigated, &k.Star, &k.Tick}
}

// ReadOnly disables every write binding.
func (k *KeyMap) ReadOnly() {
	for _, b := range k.writes() {
		b.SetEnabled(false)
	}
}

// Markdown renders the key map as a Markdown table, for the README.
func (k KeyMap) Markdown() string {
	s := "| Key | Action | Where |\n|---|---|---|\n"
	for _, g := range k.groups() {
		for _, b := range enabled(g.Bindings...) {
			s += "| `" + b.Help().Key + "` | " + b.Help().Desc + " | " + g.Title + " |\n"
		}
	}
	return s
}

// actions names every binding for configuration (snake_case of the field).
func (k *KeyMap) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "top": &k.Top, "bottom": &k.Bottom,
		"open": &k.Open, "back": &k.Back, "acknowledge": &k.Acknowledge, "resolve": &k.Resolve,
		"note": &k.Note, "editor_note": &k.EditorNote, "reassign": &k.Reassign, "escalate": &k.Escalate,
		"snooze": &k.Snooze, "responders": &k.Responders, "decision": &k.Decision,
		"action_item": &k.ActionItem, "role": &k.Role, "update": &k.Update, "task": &k.Task,
		"mitigated": &k.Mitigated, "star": &k.Star, "pane": &k.Pane, "tick": &k.Tick,
		"next_runbook": &k.NextRunbook, "prev_runbook": &k.PrevRunbook, "document": &k.Document,
		"search": &k.Search, "scope": &k.Scope, "urgency": &k.Urgency, "status": &k.Status, "service": &k.Service,
		"copy_url": &k.CopyURL, "browser": &k.Browser, "refresh": &k.Refresh, "help": &k.Help,
		"quit": &k.Quit, "confirm": &k.Confirm, "cancel": &k.Cancel,
	}
}

// ActionNames lists the names keys may be rebound by, sorted.
func ActionNames() []string {
	k := DefaultKeyMap()
	names := slices.Collect(maps.Keys(k.actions()))
	slices.Sort(names)
	return names
}

// Rebind replaces the keys of the named actions. It refuses unknown
// names, empty key lists, and a key given to two actions that can be
// pressed on the same screen (prompt keys y/n/esc are apart: they act only
// while a prompt is open), so a config mistake is found at start, not
// mid-incident.
func (k *KeyMap) Rebind(keys map[string][]string) error {
	acts := k.actions()
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		b, ok := acts[name]
		if !ok {
			return fmt.Errorf("keys: unknown action %q (known: %s)", name, strings.Join(ActionNames(), ", "))
		}
		if len(keys[name]) == 0 {
			return fmt.Errorf("keys: %s has no keys", name)
		}
		help := strings.Join(keys[name], "/")
		b.SetKeys(keys[name]...)
		b.SetHelp(help, b.Help().Desc)
	}
	owner := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(acts)) {
		if name == "confirm" || name == "cancel" {
			continue
		}
		for _, kk := range acts[name].Keys() {
			if other, dup := owner[kk]; dup {
				return fmt.Errorf("keys: %q is bound to both %s and %s", kk, other, name)
			}
			owner[kk] = name
		}
	}
	return nil
}
