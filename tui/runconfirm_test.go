package tui

import (
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/runbook"
)

func confirmStep(t *testing.T, name string) runbook.Step {
	t.Helper()
	rb, diags := runbook.Parse("acq.md", []byte(outputRunbook))
	if rb == nil {
		t.Fatal(diags)
	}
	s, ok := rb.Command(name)
	if !ok {
		t.Fatalf("no command %s", name)
	}
	return s
}

func masked(s string) string { return strings.ReplaceAll(s, "$PANE_TOKEN", "[redacted]") }

// answer types text into c, then the keys, and says what came of it.
func answer(c runConfirm, text string, keys ...string) (runConfirm, tea.Msg) {
	var msg tea.Msg
	press := func(k tea.KeyPressMsg) {
		var cmd tea.Cmd
		if c, cmd = c.Update(k); cmd != nil {
			msg = cmd()
		}
	}
	for _, r := range text {
		press(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	for _, k := range keys {
		press(keyPress(k))
	}
	return c, msg
}

// TestRunConfirmWriteNeedsTheName: a write command runs only after its
// name (or yes) is typed; y, n and anything else are just letters.
func TestRunConfirmWriteNeedsTheName(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	step := confirmStep(t, "restart")
	c := newRunConfirm(&st, &keys, step, masked, false).SetSize(80, 10)
	view := ansi.Strip(c.View())
	if !strings.Contains(view, `echo restart "[redacted]"`) || !strings.Contains(view, "Type restart (or yes) then enter") {
		t.Errorf("the prompt does not show the expanded command and what to type:\n%s", view)
	}
	for _, typed := range []string{"y", "n", "restar", "restart now", ""} {
		c2, msg := answer(c, typed, "enter")
		if msg != nil {
			t.Errorf("typed %q: %T, want no answer", typed, msg)
		}
		if !strings.Contains(ansi.Strip(c2.View()), "That was not it.") {
			t.Errorf("typed %q: the prompt does not say it was wrong", typed)
		}
	}
	for _, typed := range []string{"restart", "yes"} {
		if _, msg := answer(c, typed, "enter"); msg == nil || msg.(runConfirmedMsg).step.Key != step.Key {
			t.Errorf("typed %q: %v, want confirmed", typed, msg)
		}
	}
	if _, msg := answer(c, "restartx", "backspace", "enter"); msg == nil {
		t.Error("backspace does not correct what was typed")
	}
	if _, msg := answer(c, "", "esc"); msg == nil || msg.(runDeclinedMsg).step.Key != step.Key {
		t.Errorf("esc: %v, want declined", msg)
	}
}

func TestRunConfirmReadTakesOneKey(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	c := newRunConfirm(&st, &keys, confirmStep(t, "probe"), nil, true).SetSize(80, 10)
	if _, msg := answer(c, "y"); msg == nil {
		t.Error("y does not run a read command")
	} else if _, ok := msg.(runConfirmedMsg); !ok {
		t.Errorf("y: %T", msg)
	}
	if _, msg := answer(c, "n"); msg == nil {
		t.Error("n does not decline")
	} else if _, ok := msg.(runDeclinedMsg); !ok {
		t.Errorf("n: %T", msg)
	}
}

// TestRunConfirmReadOnlyRefusesWrite: in read-only mode nothing typed runs
// a write command.
func TestRunConfirmReadOnlyRefusesWrite(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	c := newRunConfirm(&st, &keys, confirmStep(t, "restart"), masked, true).SetSize(80, 10)
	for _, typed := range []string{"restart", "yes", "y"} {
		if _, msg := answer(c, typed, "enter"); msg != nil {
			t.Errorf("read-only, typed %q: %T", typed, msg)
		}
	}
	if !strings.Contains(ansi.Strip(c.View()), "Read-only mode: restart changes something") {
		t.Errorf("view:\n%s", ansi.Strip(c.View()))
	}
}

func TestRunConfirmGolden(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		name := strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
		c := newRunConfirm(&st, &keys, confirmStep(t, "restart"), masked, false).SetSize(size[0], size[1])
		c, _ = answer(c, "rest")
		golden(t, "runconfirm-write-"+name, ansi.Strip(c.View()))
	}
}
