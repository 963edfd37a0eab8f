package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// component is what every pane, form, picker and screen of the program is.
//
// Components are values: methods have value receivers and return the
// updated copy, so the root holds each one by value and replaces it with
// what Update returned. A component owns its state and the commands its
// messages lead to; the root only routes messages and lays components out.
// Shared styles arrive as *Styles (one context, changed in place on a theme
// change, never copied into children) and keys as *KeyMap. On-screen key
// hints are built from the bindings KeyHelp returns, never typed as text.
type component[T any] interface {
	// SetSize gives the component the cells it may draw in.
	SetSize(width, height int) T
	// Update handles one message and returns the updated component and the
	// commands the message leads to (nil when none).
	Update(msg tea.Msg) (T, tea.Cmd)
	// View draws the component within its size; it does no I/O.
	View() string
	// KeyHelp lists the bindings that act in the component's current state.
	KeyHelp() []key.Binding
}
