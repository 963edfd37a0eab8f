package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/tui/keymap"
)

// pressNamed is the key Bubble Tea would send for a key as the key map names
// it ("space", "home", "ctrl+u", "G").
func pressNamed(t *testing.T, k string) tea.KeyPressMsg {
	t.Helper()
	named := map[string]tea.KeyPressMsg{
		"space": {Code: tea.KeySpace, Text: " "}, "home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
		"pgup": {Code: tea.KeyPgUp}, "pgdown": {Code: tea.KeyPgDown}, "enter": {Code: tea.KeyEnter},
		"esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab}, "backspace": {Code: tea.KeyBackspace},
		"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown},
	}
	msg, ok := named[k]
	switch {
	case ok:
	case strings.HasPrefix(k, "ctrl+"):
		msg = tea.KeyPressMsg{Code: rune(k[len("ctrl+")]), Mod: tea.ModCtrl}
	default:
		msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
	}
	if msg.String() != k {
		t.Fatalf("pressNamed(%q) sends %q", k, msg.String())
	}
	return msg
}

// TestEveryKeyAnswers presses every key of every binding on the list and
// in an incident. None may panic or quit, and a key whose action does not
// act where it was pressed must say so rather than do nothing in silence.
// (Quitting has its own tests.)
func TestEveryKeyAnswers(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no browser opener: O says so instead of starting one
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("EDITOR", "true")
	h := newHarness(t, 120, 40)
	km := DefaultKeyMap()
	settle := func(want screen) {
		for range 4 {
			m := h.model()
			switch {
			case m.prompt != promptNone:
				h.send(pressNamed(t, "esc"))
			case m.screen != want && want == screenList:
				h.send(pressNamed(t, "esc"))
			case m.screen != want && len(m.list.incidents) == 0:
				// A filter key narrowed the list to nothing: widen it
				// again, as cycling the filters round would.
				m.filter = incident.Filter{}
				h.m = m
				h.send(listTickMsg{})
			case m.screen != want:
				h.send(pressNamed(t, "enter"))
			default:
				return
			}
		}
		t.Fatalf("could not get back to screen %v:\n%s", want, h.screen())
	}
	pressed := 0
	for _, name := range keymap.Names() {
		if name == "quit" {
			continue
		}
		views := keymap.Views(name)
		for _, k := range km.Binding(name).Keys() {
			for _, where := range []struct {
				screen screen
				view   keymap.View
			}{{screenList, keymap.List}, {screenDetail, keymap.Detail}} {
				settle(where.screen)
				h.send(pressNamed(t, k))
				pressed++
				if h.quit {
					t.Fatalf("%s (%s) quit the program", k, name)
				}
				if !views.Has(where.view) && !views.Has(keymap.Form) && !strings.Contains(h.screen(), "does nothing") {
					t.Errorf("%s (%s) on screen %v: acts in %s only, but says nothing:\n%s", k, name, where.screen, views, h.screen())
				}
			}
		}
	}
	if pressed < 2*len(keymap.Names()) {
		t.Fatalf("pressed %d keys for %d actions", pressed, len(keymap.Names()))
	}
}
