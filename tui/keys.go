package tui

import (
	"charm.land/bubbles/v2/key"

	"github.com/oncallkit/oncall/tui/keymap"
)

// KeyMap is every key binding of the program. Package keymap owns it
// (names, defaults, views, rebinding, help groups); the methods here are
// the cuts of it the screens ask for.
type KeyMap struct{ keymap.KeyMap }

// DefaultKeyMap returns the default bindings: arrows plus vim movement.
func DefaultKeyMap() KeyMap { return KeyMap{keymap.Default()} }

// helpGroup is one titled column of the help screen.
type helpGroup struct {
	Title    string
	Bindings []key.Binding
}

// groups lists the bindings by what they are for, for the help screen.
func (k KeyMap) groups() []helpGroup {
	var out []helpGroup
	for _, g := range k.Groups() {
		hg := helpGroup{Title: g.Title}
		for _, e := range g.Entries {
			hg.Bindings = append(hg.Bindings, e.Binding)
		}
		out = append(out, hg)
	}
	return out
}

// shortList and shortDetail are the bindings of the bottom line, most
// important first.
func (k KeyMap) shortList() []key.Binding   { return k.Short(keymap.List) }
func (k KeyMap) shortDetail() []key.Binding { return k.Short(keymap.Detail) }

// enabled drops disabled bindings (read-only mode) from a list.
func enabled(bs ...key.Binding) []key.Binding { return keymap.Enabled(bs...) }

// writes are the bindings that change something.
func (k *KeyMap) writes() []*key.Binding { return k.Writes() }

// ActionNames lists the names keys may be rebound by, sorted.
func ActionNames() []string { return keymap.Names() }
