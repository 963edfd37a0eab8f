package main

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/store"
)

// TestDefaultFilesFollowTheBaseDirectories: every default file and folder
// of the command line is under the base directory the environment names,
// the same for each of them, with relative values ignored, so no command
// looks for the configuration or the journal somewhere another does not.
func TestDefaultFilesFollowTheBaseDirectories(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("the defaults are under ~/Library/Application Support on macOS")
	}
	t.Chdir(t.TempDir()) // no ./runbooks or ./premortems here
	for _, tc := range []struct {
		name                  string
		config, state         string
		wantConfig, wantState string
	}{
		{"unset", "", "", "/home/ann/.config", "/home/ann/.local/state"},
		{"absolute", "/etc/ann", "/var/lib/ann", "/etc/ann", "/var/lib/ann"},
		{"relative, ignored", "cfg", "./state", "/home/ann/.config", "/home/ann/.local/state"},
		{"a tilde left by a shell", "~/cfg", "~/st", "/home/ann/cfg", "/home/ann/st"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOME", "/home/ann")
			t.Setenv("XDG_CONFIG_HOME", tc.config)
			t.Setenv("XDG_STATE_HOME", tc.state)
			cfg, err := config.DefaultPath()
			if err != nil {
				t.Fatal(err)
			}
			journal, err := store.DefaultPath()
			if err != nil {
				t.Fatal(err)
			}
			debug, err := debugLogPath()
			if err != nil {
				t.Fatal(err)
			}
			var g *globalOptions
			for _, c := range []struct{ what, got, want string }{
				{"configuration", cfg, filepath.Join(tc.wantConfig, "oncall", "config.yaml")},
				{"runbooks", defaultRunbooksDir(), filepath.Join(tc.wantConfig, "oncall", "runbooks")},
				{"pre-mortems", g.premortemsDir(), filepath.Join(tc.wantConfig, "oncall", "premortems")},
				{"journal", journal, filepath.Join(tc.wantState, "oncall", "journal.db")},
				{"debug log", debug, filepath.Join(tc.wantState, "oncall", "debug.log")},
			} {
				if c.got != c.want {
					t.Errorf("%s: %s, want %s", c.what, c.got, c.want)
				}
			}
		})
	}

	// A relative HOME names no directory: the commands that need one say
	// what to set instead of writing under the working directory.
	t.Setenv("HOME", "home")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_STATE_HOME", "")
	if p, err := config.DefaultPath(); err == nil {
		t.Errorf("config.DefaultPath with a relative HOME = %s, want an error", p)
	}
	if p, err := store.DefaultPath(); err == nil {
		t.Errorf("store.DefaultPath with a relative HOME = %s, want an error", p)
	}
	if p, err := debugLogPath(); err == nil {
		t.Errorf("debugLogPath with a relative HOME = %s, want an error", p)
	}
}
