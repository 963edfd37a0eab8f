//go:build unix

package premortem

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadRefusesAFIFO: a named pipe called *.md is reported and skipped;
// loading does not wait for a writer that never comes.
func TestLoadRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.md"), 0o644); err != nil {
		t.Skip("cannot make a named pipe here:", err)
	}
	s, diags, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 0 || len(diags) != 1 || !strings.Contains(diags[0].String(), "pipe.md: cannot read: not a regular file") {
		t.Errorf("diagnostics %v", diags)
	}
}
