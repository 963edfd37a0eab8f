package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
)

// cli runs the command in-process against a simulator and returns its exit
// code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func newSim(t *testing.T) (*pdsim.Server, string) {
	t.Helper()
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) }})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func TestExportWritesADraftAndNeverOverwrites(t *testing.T) {
	_, snap, url := checkoutOnSim(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "journal.db")
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(snap.ID, incident.Event{Kind: incident.KindNote, Summary: "journal-only note: pool resized", Actor: "alex"}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	draft := filepath.Join(dir, "draft.md")
	code, stdout, stderr := cli(t, "export", snap.ID, "--api-url", url, "--db", db, "-o", draft)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, draft) {
		t.Errorf("stdout %q does not say where the draft went", stdout)
	}
	body, err := os.ReadFile(draft)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Postmortem: " + snap.Title[:10], "| Time (UTC) | Who | Event |", "journal-only note: pool resized", "Triggered"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("draft lacks %q:\n%s", want, body)
		}
	}

	os.WriteFile(draft, []byte("edited by a person"), 0o644)
	code, _, stderr = cli(t, "export", snap.ID, "--api-url", url, "--db", db, "-o", draft)
	if code != exitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("second export: exit %d, stderr %q", code, stderr)
	}
	if got, _ := os.ReadFile(draft); string(got) != "edited by a person" {
		t.Error("export overwrote an existing draft")
	}
}

func TestBadInputGetsOneLineAndAnExitCode(t *testing.T) {
	_, url := newSim(t)
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()
	db := filepath.Join(t.TempDir(), "j.db")
	cases := []struct {
		name    string
		token   string
		args    []string
		code    int
		message string
	}{
		{"unknown incident", pdsim.DemoToken, []string{"export", "PNOSUCH1", "--api-url", url, "--db", db}, exitError, "not found"},
		{"rejected token", "wrong-token-123", []string{"export", "PNOSUCH1", "--api-url", url, "--db", db}, exitAuth, "rejected the token from env PAGERDUTY_TOKEN"},
		{"unreachable", pdsim.DemoToken, []string{"export", "PNOSUCH1", "--api-url", deadURL, "--db", db}, exitUnreachable, "cannot reach"},
		{"no token", "", []string{"export", "PNOSUCH1", "--api-url", url}, exitUsage, "set PAGERDUTY_TOKEN"},
		{"no incident id", pdsim.DemoToken, []string{"export"}, exitUsage, "exactly one incident id"},
		{"unknown flag", pdsim.DemoToken, []string{"--bogus"}, exitUsage, "unknown flag"},
		{"unknown command", pdsim.DemoToken, []string{"bogus"}, exitUsage, "unknown command"},
		{"mistyped command", pdsim.DemoToken, []string{"expotr"}, exitUsage, "did you mean export?"},
		{"two incidents", pdsim.DemoToken, []string{"PT4KHLK", "PT4KHLL"}, exitUsage, "at most one incident"},
		// The incident to open is looked up before the view starts.
		{"unknown incident to open", pdsim.DemoToken, []string{"999999", "--api-url", url, "--db", db}, exitUsage, "no incident #999999"},
		{"bad --since", pdsim.DemoToken, []string{"incidents", "--since", "yesterday", "--api-url", url}, exitUsage, `"yesterday" is not a time`},
		{"bad api url", pdsim.DemoToken, []string{"export", "P1", "--api-url", "ftp://x"}, exitError, "must start with https://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("PAGERDUTY_TOKEN", c.token)
			code, _, stderr := cli(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, c.code, stderr)
			}
			if !strings.Contains(stderr, c.message) {
				t.Errorf("stderr %q lacks %q", stderr, c.message)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 || strings.Contains(stderr, "goroutine") {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if c.token != "" && strings.Contains(stderr, c.token) {
				t.Errorf("stderr shows the token: %q", stderr)
			}
		})
	}
}

// TestReadOnlyRefusesWritesFromTheCommandLine: read-only means no command
// journals or sends anything, not only the TUI.
func TestReadOnlyRefusesWritesFromTheCommandLine(t *testing.T) {
	_, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	db := filepath.Join(t.TempDir(), "j.db")
	for _, args := range [][]string{
		{"note", "P1", "hello", "--read-only", "--api-url", url, "--db", db},
		{"sync", "--read-only", "--api-url", url, "--db", db},
	} {
		code, _, stderr := cli(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "read-only mode is on (--read-only)") {
			t.Errorf("%v: exit %d, stderr %q", args[0], code, stderr)
		}
	}
	t.Setenv("ONCALL_READ_ONLY", "true")
	if code, _, stderr := cli(t, "note", "P1", "hello", "--api-url", url, "--db", db); code != exitUsage || !strings.Contains(stderr, "ONCALL_READ_ONLY") {
		t.Errorf("env read-only: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a journal was created in read-only mode")
	}
}
