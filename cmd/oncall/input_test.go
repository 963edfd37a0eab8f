//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cliWithin runs the command line and fails the test if it hangs, which
// is what a named pipe used to do to it.
func cliWithin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	type res struct {
		code           int
		stdout, stderr string
	}
	done := make(chan res, 1)
	go func() { c, o, e := cli(t, args...); done <- res{c, o, e} }()
	select {
	case r := <-done:
		return r.code, r.stdout, r.stderr
	case <-time.After(60 * time.Second):
		t.Fatalf("oncall %s hung", strings.Join(args, " "))
		return 0, "", ""
	}
}

func mkfifo(t *testing.T, p string) string {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	return p
}

// oneLine checks an error output is a single line that says each of want.
func oneLine(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if strings.Count(strings.TrimSuffix(stderr, "\n"), "\n") != 0 {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
}

func TestPostmortemLintRefusesWhatIsNotADraft(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	for _, tc := range []struct {
		path string
		says string
	}{
		{"/dev/urandom", "not a regular file (it is a character device)"},
		{mkfifo(t, filepath.Join(dir, "fifo.md")), "not a regular file (it is a named pipe)"},
		{write("export.json", []byte(`{"incident": {"id": "Q1"}, "timeline": []}`)), "it is a JSON document"},
		{write("core.bin", binary), "not a Markdown draft: line 1 holds a NUL byte"},
		{write("latin1.md", []byte("# Postmortem\n\ncaf\xe9\n")), "line 3 is not valid UTF-8"},
		{write("notes.md", []byte("We rolled back.\nAll good.\n")), "no Markdown heading"},
		{write("huge.md", []byte("# Postmortem\n"+strings.Repeat("x", 4<<20))), "file too large"},
	} {
		code, stdout, stderr := cliWithin(t, "postmortem", "lint", tc.path)
		if code != exitUsage {
			t.Errorf("lint %s: exit %d, want %d (stderr %q)", tc.path, code, exitUsage, stderr)
		}
		if strings.Contains(stdout, "no review hints") {
			t.Errorf("lint %s passed it as a clean draft", tc.path)
		}
		oneLine(t, stderr, tc.path, tc.says)
	}
}

func TestConfigThatNeverEndsIsRefused(t *testing.T) {
	isolate(t)
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "config.yaml"))
	for _, p := range []string{"/dev/zero", fifo} {
		code, _, stderr := cliWithin(t, "--config", p, "incidents")
		if code == exitOK {
			t.Errorf("--config %s: exit 0", p)
		}
		oneLine(t, stderr, p, "not a regular file")
	}
}

func TestTokenFileThatIsAPipeIsRefused(t *testing.T) {
	isolate(t)
	_, url := newSim(t)
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "token"))
	code, _, stderr := cliWithin(t, "--api-url", url, "--token-file", fifo, "incidents")
	if code == exitOK {
		t.Errorf("--token-file fifo: exit 0")
	}
	oneLine(t, stderr, fifo, "not a regular file")
}
