//go:build linux

package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/pty"
	"github.com/oncallkit/oncall/store"
)

// The real binary on a terminal of its own, PagerDuty not answering: the
// cached rows reach the terminal in a frame written before Bubble Tea
// starts, i.e. before the first thing the library writes when it sets the
// terminal up (bracketed paste on), and the program then runs as usual.
func TestEarlyFrameComesBeforeTheProgramStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "journal.db")
	s, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	const title = "early-frame-row checkout latency"
	if err := s.SaveIncidents([]incident.Incident{{ID: "PEARLY1", Number: 4242, Title: title, Status: incident.Triggered,
		Urgency: incident.High, Service: incident.Ref{ID: "PSVC1", Name: "checkout"}, CreatedAt: now.Add(-time.Minute)}}, now); err != nil {
		t.Fatal(err)
	}
	s.Close()
	hold := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hold:
		}
	}))
	t.Cleanup(api.Close)
	t.Cleanup(func() { close(hold) })

	bin := filepath.Join(t.TempDir(), "oncall")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	master, slave, err := pty.Open(24, 100)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(bin, "--db", db, "--api-url", api.URL)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=xterm-256color",
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "PAGERDUTY_TOKEN=early-test"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	// Read until the library has set the terminal up and drawn its own
	// frame (the row again after bracketed paste was turned on).
	const pasteOn = "\x1b[?2004h"
	var out bytes.Buffer
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(60 * time.Second) // catches a hang only
	_ = master.SetReadDeadline(deadline)
	for {
		n, err := master.Read(buf)
		out.Write(buf[:n])
		if p := bytes.Index(out.Bytes(), []byte(pasteOn)); p >= 0 && bytes.Contains(out.Bytes()[p:], []byte("#4242")) {
			break
		}
		if err != nil {
			t.Fatalf("terminal output ended (%v) before the program drew its frame:\n%q", err, out.String())
		}
		if bytes.Contains(buf[:n], []byte("\x1b]11;?")) {
			_, _ = master.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\")) // a terminal answers the background query
		}
	}
	got := out.Bytes()
	row, on := bytes.Index(got, []byte(title)), bytes.Index(got, []byte(pasteOn))
	if row < 0 || row > on {
		t.Fatalf("the cached row came at byte %d, after the program set the terminal up (byte %d):\n%q", row, on, out.String()[:min(out.Len(), 2000)])
	}
	if alt := bytes.Index(got, []byte("\x1b[?1049h")); alt < 0 || alt > row {
		t.Errorf("the early frame is not drawn in the alternate screen (at byte %d, row at %d)", alt, row)
	}
}
