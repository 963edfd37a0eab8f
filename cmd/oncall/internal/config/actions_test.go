package config

import (
	"maps"
	"slices"
	"testing"

	"github.com/oncallkit/oncall/tui"
)

// TestActionNamesAgreeWithTheTUI: the names config accepts are the names
// the TUI rebinds by, so a valid config never meets an unknown action.
func TestActionNamesAgreeWithTheTUI(t *testing.T) {
	got := slices.Sorted(maps.Keys(Actions()))
	if want := tui.ActionNames(); !slices.Equal(got, want) {
		t.Fatalf("config actions %v\ntui actions    %v", got, want)
	}
}
