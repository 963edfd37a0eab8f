// Package xdg names the user's base directories for configuration and for
// state, as the XDG Base Directory Specification defines them: the
// directory $XDG_CONFIG_HOME or $XDG_STATE_HOME names, or a default under
// $HOME when the variable is unset or empty.
//
// Invariants:
//   - What is returned is an absolute path, or "" when no absolute
//     directory can be named (a relative $HOME); the caller says what to
//     set.
//   - A relative value of an XDG variable is ignored, as the specification
//     requires ("All paths set in these environment variables must be
//     absolute. If an implementation encounters a relative path in any of
//     these variables it should consider the path invalid and ignore it").
//     A value that begins with "~" or "$HOME", then "/" or nothing, is read
//     as under $HOME first: a shell that did not expand it leaves it so.
//   - $HOME unset or empty counts as "/", on macOS both directories
//     default to ~/Library/Application Support, and on Windows both are
//     %LOCALAPPDATA%: the places the journal and the configuration have
//     always been found, which must not move.
//   - The environment is read at each call, never at package init: every
//     command, --version included, would pay for it at start, and a
//     variable set after start (a test's t.Setenv) would not be seen.
package xdg

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ConfigHome is the directory for the user's configuration:
// $XDG_CONFIG_HOME, else $HOME/.config ($HOME/Library/Application Support
// on macOS); "" when neither is absolute.
func ConfigHome() string { return base("XDG_CONFIG_HOME", ".config") }

// StateHome is the directory for the user's state (the journal, logs):
// $XDG_STATE_HOME, else $HOME/.local/state ($HOME/Library/Application
// Support on macOS); "" when neither is absolute.
func StateHome() string { return base("XDG_STATE_HOME", filepath.Join(".local", "state")) }

// base reads env, falling back to def under the home directory.
func base(env, def string) string {
	if dir := expandHome(os.Getenv(env)); filepath.IsAbs(dir) {
		return dir
	}
	switch runtime.GOOS {
	case "darwin":
		def = filepath.Join("Library", "Application Support")
	case "windows":
		// Windows has no $HOME of its own; the per-user, per-machine
		// application data folder is where both have always been.
		if dir := os.Getenv("LOCALAPPDATA"); filepath.IsAbs(dir) {
			return dir
		}
	}
	if dir := filepath.Join(home(), def); filepath.IsAbs(dir) {
		return dir
	}
	return ""
}

// home is $HOME, or "/" when it is unset or empty.
func home() string {
	if h := os.Getenv("HOME"); h != "" {
		return h
	}
	return "/"
}

// expandHome reads a leading "~" or "$HOME" as the home directory, when
// what follows is nothing or a path ("~bob/x" is another user's home in a
// shell, which this does not look up: it stays relative and is ignored).
func expandHome(p string) string {
	for _, prefix := range []string{"~", "$HOME"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && (rest == "" || rest[0] == '/') {
			return filepath.Join(home(), rest)
		}
	}
	return p
}
