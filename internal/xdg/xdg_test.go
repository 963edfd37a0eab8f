package xdg

import (
	"runtime"
	"testing"
)

// TestBaseDirectories sets the environment and compares what the package
// returns with the paths the specification (and the places the journal and
// the configuration have always been) call for.
func TestBaseDirectories(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("the defaults are under ~/Library/Application Support on macOS; TestMacDefaults covers them")
	}
	for _, tc := range []struct {
		name               string
		home, config, stat string // "" is unset or empty: the same to the specification
		wantConfig         string
		wantState          string
	}{
		{"defaults under HOME", "/home/ann", "", "", "/home/ann/.config", "/home/ann/.local/state"},
		{"HOME with a trailing slash", "/home/ann/", "", "", "/home/ann/.config", "/home/ann/.local/state"},
		{"absolute variables win", "/home/ann", "/etc/ann", "/var/ann", "/etc/ann", "/var/ann"},
		{"absolute variables without HOME", "", "/etc/ann", "/var/ann", "/etc/ann", "/var/ann"},
		{"relative variables are ignored", "/home/ann", "cfg", "state/dir", "/home/ann/.config", "/home/ann/.local/state"},
		{"dot is relative too", "/home/ann", ".", "./s", "/home/ann/.config", "/home/ann/.local/state"},
		{"a tilde a shell left is the home", "/home/ann", "~/cfg", "~", "/home/ann/cfg", "/home/ann"},
		{"so is $HOME", "/home/ann", "$HOME/cfg", "$HOME", "/home/ann/cfg", "/home/ann"},
		{"another user's tilde is relative", "/home/ann", "~bob/cfg", "$HOMEDIR/s", "/home/ann/.config", "/home/ann/.local/state"},
		{"no HOME counts as /", "", "", "", "/.config", "/.local/state"},
		{"no HOME, a tilde", "", "~/cfg", "~/s", "/cfg", "/s"},
		{"a relative HOME names nothing", "home", "", "rel", "", ""},
		{"a relative HOME, a tilde", "home", "~/cfg", "/abs", "", "/abs"},
		{"kept as written when absolute", "/home/ann", "/etc//ann/", "/var/ann", "/etc//ann/", "/var/ann"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOME", tc.home)
			t.Setenv("XDG_CONFIG_HOME", tc.config)
			t.Setenv("XDG_STATE_HOME", tc.stat)
			if got := ConfigHome(); got != tc.wantConfig {
				t.Errorf("ConfigHome() = %q, want %q", got, tc.wantConfig)
			}
			if got := StateHome(); got != tc.wantState {
				t.Errorf("StateHome() = %q, want %q", got, tc.wantState)
			}
		})
	}
}

// TestReadAtEachCall: a variable set after start is seen; nothing is kept
// from package init.
func TestReadAtEachCall(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/one")
	if got := StateHome(); got != "/one" {
		t.Fatalf("StateHome() = %q, want /one", got)
	}
	t.Setenv("XDG_STATE_HOME", "/two")
	if got := StateHome(); got != "/two" {
		t.Fatalf("StateHome() after a change = %q, want /two", got)
	}
}

func TestMacDefaults(t *testing.T) {
	if runtime.GOOS != "darwin" {
		t.Skip("macOS only")
	}
	t.Setenv("HOME", "/Users/ann")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_STATE_HOME", "rel")
	const want = "/Users/ann/Library/Application Support"
	if c, s := ConfigHome(), StateHome(); c != want || s != want {
		t.Errorf("ConfigHome, StateHome = %q, %q; want %q for both", c, s, want)
	}
}
