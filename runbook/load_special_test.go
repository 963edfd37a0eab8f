//go:build unix

package runbook_test

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

// A named pipe, a link to a device and a link to a pipe among the
// runbooks are each reported and skipped; the good runbook still loads,
// and nothing waits for a pipe's writer or reads a device without end.
func TestLoadRefusesPipesAndDevicesAndKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	data, err := fs.ReadFile(runbooks.FS, "checkout-high-5xx.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.md"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.md")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	zero := filepath.Join(dir, "zero.md")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sock, err := net.Listen("unix", filepath.Join(dir, "sock.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	linkToFifo := filepath.Join(dir, "via-link.md")
	if err := os.Symlink(fifo, linkToFifo); err != nil {
		t.Fatal(err)
	}

	type res struct {
		set   *runbook.Set
		diags []runbook.Diagnostic
		err   error
	}
	for name, load := range map[string]func() (*runbook.Set, []runbook.Diagnostic, error){
		"Load":   func() (*runbook.Set, []runbook.Diagnostic, error) { return runbook.Load(dir) },
		"LoadFS": func() (*runbook.Set, []runbook.Diagnostic, error) { return runbook.LoadFS(os.DirFS(dir)) },
	} {
		t.Run(name, func(t *testing.T) {
			done := make(chan res, 1)
			go func() { s, d, err := load(); done <- res{s, d, err} }()
			var r res
			select {
			case r = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("loading hung on a named pipe or a device")
			}
			if r.err != nil || r.set.Len() != 1 {
				t.Fatalf("Load: %v, %d runbooks; want the good one loaded", r.err, r.set.Len())
			}
			got := strings.Join(lines(r.diags), "\n")
			for f, what := range map[string]string{"fifo.md": "a named pipe", "zero.md": "a device", "via-link.md": "a named pipe", "sock.md": "a socket"} {
				if !strings.Contains(got, f+": cannot read: not a regular file (it is "+what+")") {
					t.Errorf("no refusal of %s as %s in\n%s", f, what, got)
				}
			}
		})
	}
}

func TestLintOneFileThatIsAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.md")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	done := make(chan []runbook.Diagnostic, 1)
	go func() { d, _, _ := runbook.Lint(fifo, today); done <- d }()
	select {
	case d := <-done:
		if got := strings.Join(lines(d), "\n"); got != fifo+": cannot read: not a regular file (it is a named pipe)" {
			t.Fatalf("Lint(fifo) = %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Lint hung on a named pipe")
	}
}
