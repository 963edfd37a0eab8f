package tui

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	k := DefaultKeyMap()
	if err := k.Rebind(nil); err != nil {
		t.Fatalf("the default keys clash: %v", err)
	}
	cases := []struct {
		keys map[string][]string
		want string // "" for no error
	}{
		{map[string][]string{"acknowledge": {"ctrl+a"}}, ""},
		{map[string][]string{"acknowledge": {"k"}}, `"k" is bound to both`},
		{map[string][]string{"acknowlege": {"x"}}, `unknown action "acknowlege"`},
		{map[string][]string{"quit": {}}, "quit has no keys"},
	}
	for _, c := range cases {
		k := DefaultKeyMap()
		err := k.Rebind(c.keys)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Rebind(%v) = %v, want %q", c.keys, err, c.want)
		}
	}
}

func TestReboundKeysDriveTheModel(t *testing.T) {
	h := newHarness(t, 120, 40, func(o *Options) { o.Keys = map[string][]string{"acknowledge": {"ctrl+a"}} })
	target := h.firstTriggered()
	h.keys("a")
	if snap, _ := h.sim.Incident(target.ID); snap.Status != "triggered" {
		t.Fatal("the old key still acknowledges")
	}
	h.send(keyPressCtrl('a'))
	if snap, _ := h.sim.Incident(target.ID); snap.Status != "acknowledged" {
		t.Fatal("the new key does not acknowledge")
	}
	h.keys("?")
	h.wantScreen("ctrl+a", "acknowledge")
}

func TestBadKeysFallBackToDefaults(t *testing.T) {
	h := newHarness(t, 120, 40, func(o *Options) { o.Keys = map[string][]string{"quit": {"j"}} })
	h.wantScreen("default keys in use")
	h.keys("j")
	if h.quit {
		t.Fatal("a clashing binding took effect")
	}
}
