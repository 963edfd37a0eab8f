//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadWithin runs Load and fails the test if it hangs: a named pipe used
// to block the open, and /dev/zero to be read without end.
func loadWithin(t *testing.T, path string) (*Config, error) {
	t.Helper()
	type res struct {
		c   *Config
		err error
	}
	done := make(chan res, 1)
	go func() { c, err := Load(path, true); done <- res{c, err} }()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Load(%s) hung", path)
		return nil, nil
	}
}

func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "config.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	for _, p := range []string{fifo, "/dev/zero", "/dev/urandom", t.TempDir()} {
		c, err := loadWithin(t, p)
		if err == nil {
			t.Errorf("Load(%s) = %+v, want an error", p, c)
			continue
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.File != p {
			t.Errorf("Load(%s) = %v, want a config Error naming the file", p, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "not a regular file") || strings.Count(msg, p) != 1 || strings.Contains(msg, "\n") {
			t.Errorf("Load(%s) error %q: want one line naming the file once and saying why", p, msg)
		}
	}
}

func TestLoadRefusesAnOversizedFile(t *testing.T) {
	// Valid YAML all the way (comments), so only the size limit stops it.
	p := filepath.Join(t.TempDir(), "config.yaml")
	line := "# " + strings.Repeat("x", 97) + "\n"
	data := strings.Repeat(line, MaxFileSize/len(line)+1)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p, true); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("Load of %d bytes = %v, want a too-large error", len(data), err)
	}
	// Just under the limit still loads.
	if err := os.WriteFile(p, []byte(data[:MaxFileSize-len(line)]), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p, true); err != nil {
		t.Fatalf("Load under the limit: %v", err)
	}
}

func TestUpdateRefusesANamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "config.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- Update(fifo, []Setting{{Key: "theme", Value: "dark"}}) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Fatalf("Update(fifo) = %v, want a refusal", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Update(fifo) hung")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", fi, err)
	}
}
