//go:build unix

package pagerduty

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A named pipe as the token file is refused at once: opened naively, it
// waits forever for a writer, and a writer could feed it without end.
func TestReadTokenFileRefusesANamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "token")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 1)
		go func() { _, err := ReadTokenFile(p); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), p+" is not a regular file") {
				t.Errorf("ReadTokenFile(%s) = %v, want a refusal naming the file", p, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("ReadTokenFile(%s) hung", p)
		}
	}
}
