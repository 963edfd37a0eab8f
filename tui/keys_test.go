package tui

import (
	"testing"
)

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
