package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
)

// requestLog records what reaches the simulator: every write, and how
// many times incidents were read (the list and the open one's polls).
type requestLog struct {
	mu     sync.Mutex
	writes []string
	lists  int
	listed chan struct{} // gets a value after each list request
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			l.writes = append(l.writes, r.Method+" "+r.URL.Path)
		}
		isList := r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/incidents")
		if isList {
			l.lists++
		}
		l.mu.Unlock()
		h.ServeHTTP(w, r)
		if isList {
			select {
			case l.listed <- struct{}{}:
			default:
			}
		}
	})
}

func (l *requestLog) Writes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.writes...)
}

// tuiHarness runs the TUI as runTUI wires it (journal, outbox, model,
// Bubble Tea program) against pdsim over HTTP, with keys typed into a pipe
// instead of a terminal.
type tuiHarness struct {
	log     *requestLog
	keys    *io.PipeWriter
	screen  *screen
	stopped chan struct{} // closed when runTUI has returned, with err set
	err     error
}

func startTUI(t *testing.T, db string, readOnly bool) *tuiHarness {
	t.Helper()
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) }})
	h := &tuiHarness{log: &requestLog{listed: make(chan struct{}, 1)}, screen: &screen{}, stopped: make(chan struct{})}
	srv := httptest.NewServer(h.log.wrap(sim))
	t.Cleanup(srv.Close)
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, From: pdsim.EmailMarcus})
	if err != nil {
		t.Fatal(err)
	}
	in, keys := io.Pipe()
	h.keys = keys
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		keys.Close()
		select {
		case <-h.stopped:
		case <-time.After(30 * time.Second):
			t.Error("the TUI did not stop")
		}
	})
	go func() {
		defer close(h.stopped)
		g := &globalOptions{program: []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(h.screen), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler()}}
		g.set.db, g.set.readOnly = db, readOnly
		g.set.refresh = 100 * time.Millisecond // time passing, counted in polls
		f := g.factory()
		h.err = runTUI(ctx, f, f.ViewOptions(src, "test", "marcus"), viewFiles{})
	}()
	return h
}

// awaitQuit waits for a view sent ctrl+c to stop (stopped closed) and
// fails the test when it does not within a generous bound, or when it
// stopped with an error (err is read once stopped is closed).
func awaitQuit(t *testing.T, stopped <-chan struct{}, err func() error) {
	t.Helper()
	select {
	case <-stopped:
		if err := err(); err != nil {
			t.Fatalf("oncall: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the view did not quit on ctrl+c")
	}
}

// waitLists waits until the TUI has asked for the incident list n more
// times, failing on a hang.
func (h *tuiHarness) waitLists(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-h.log.listed:
		case <-h.stopped:
			t.Fatalf("the TUI stopped: %v", h.err)
		case <-time.After(30 * time.Second):
			t.Fatal("the TUI did not poll the incident list")
		}
	}
}

// journalWithQueuedNote writes a journal holding one note for the demo
// checkout incident, queued for PagerDuty.
func journalWithQueuedNote(t *testing.T) (db, incidentID string) {
	t.Helper()
	sim := pdsim.New(pdsim.Options{})
	snap, ok := sim.IncidentByKey(pdsim.DemoCheckout)
	if !ok {
		t.Fatal("demo checkout incident missing")
	}
	db = filepath.Join(t.TempDir(), "journal.db")
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(snap.ID, incident.Event{Kind: incident.KindNote, Summary: "queued before the read-only session", Actor: "marcus"}); err != nil {
		t.Fatal(err)
	}
	if ob, err := j.Outbox(); err != nil || len(ob) != 1 {
		t.Fatalf("outbox before: %v, %v", ob, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return db, snap.ID
}

// The control: the same wiring without --read-only sends the queued note,
// so the read-only test below would see a send if one happened.
func TestTUISendsQueuedNoteWhenNotReadOnly(t *testing.T) {
	isolate(t)
	db, id := journalWithQueuedNote(t)
	h := startTUI(t, db, false)
	deadline := time.After(30 * time.Second)
	for {
		if w := h.log.Writes(); len(w) > 0 {
			if w[0] != "POST /incidents/"+id+"/notes" {
				t.Fatalf("first write %q, want the queued note", w[0])
			}
			return
		}
		select {
		case <-h.log.listed:
		case <-deadline:
			t.Fatal("the queued note was never sent")
		}
	}
}

func TestReadOnlyTUISendsNothingAndWritesNothing(t *testing.T) {
	if os.Geteuid() == 0 && asNobody(t, "^TestReadOnlyTUISendsNothingAndWritesNothing$") {
		return
	}
	isolate(t)
	db, _ := journalWithQueuedNote(t)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	// A journal this process may not write (effective when not root; as
	// root the byte comparison below still proves nothing was written).
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(db), 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Dir(db), 0o700) })
	if os.Geteuid() != 0 {
		if j, err := store.Open(db); err == nil {
			j.Close()
			t.Fatal("the journal is still writable: the test would prove nothing")
		}
	}

	h := startTUI(t, db, true)
	h.waitLists(t, 1)
	// Keys that would act in a writable session: acknowledge from the
	// list, open the first incident, acknowledge, resolve, add a note.
	for _, k := range []string{"a", "\r", "a", "R", "n", "\r"} {
		io.WriteString(h.keys, k)
		h.waitLists(t, 1)
	}
	// Time passes, counted in polls: the outbox's first pass, in a
	// session that sends, comes before the first of them answers.
	h.waitLists(t, 5)
	io.WriteString(h.keys, "\x1b") // leave any prompt
	h.waitLists(t, 2)              // (an escape and a key together read as alt+key)
	io.WriteString(h.keys, "\x03") // ctrl+c quits from any screen
	awaitQuit(t, h.stopped, func() error { return h.err })

	if w := h.log.Writes(); len(w) != 0 {
		t.Fatalf("the read-only TUI sent %v", w)
	}
	// It said nothing about failing to write: it did not try.
	shown := h.screen.String()
	for _, bad := range []string{"could not", "read-only file system", store.ErrReadOnly.Error(), "note sent"} {
		if strings.Contains(shown, bad) {
			t.Errorf("the screen says %q", bad)
		}
	}
	if !strings.Contains(shown, "read-only") || !strings.Contains(shown, "queued before the read-only session") {
		t.Error("the screen did not show the read-only session with the queued note")
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the read-only TUI changed the journal file")
	}
	j, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ob, err := j.Outbox()
	if err != nil || len(ob) != 1 || !strings.Contains(ob[0].Event.Summary, "queued before") {
		t.Fatalf("outbox after: %+v, %v; want the note still queued", ob, err)
	}
}

// screen collects what the program draws, for assertions on the text.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// asNobody runs the test binary's test named by pattern again as the
// unprivileged user nobody, when the tests run as root (as in CI), where
// file permissions do not bind; it reports whether it did. The child
// prepares its own files, whose modes bind it. Without setpriv
// (util-linux) the test runs as root, with a note that permissions did
// not bind.
func asNobody(t *testing.T, pattern string) bool {
	t.Helper()
	if os.Getenv("ONCALL_TEST_AS_NOBODY") != "" {
		return false
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Log("running as root without setpriv: file permissions do not bind here")
		return false
	}
	// t.TempDir is root's alone: nobody could not run a binary in it.
	base, err := os.MkdirTemp("", "oncall-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "oncall.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
		bin, "-test.run="+pattern, "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "ONCALL_TEST_AS_NOBODY=1", "TMPDIR="+os.TempDir())
	out, err := cmd.CombinedOutput()
	t.Logf("as nobody:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: "+strings.Trim(pattern, "^$")) {
		t.Fatalf("the run as nobody failed: %v", err)
	}
	return true
}

// A first read-only session, before any journal exists, shows PagerDuty's
// incidents and creates no journal: creating one would be a write.
func TestReadOnlyTUIWithoutAJournalCreatesNone(t *testing.T) {
	isolate(t)
	db := filepath.Join(t.TempDir(), "journal.db")
	h := startTUI(t, db, true)
	h.waitLists(t, 3)
	io.WriteString(h.keys, "\x03")
	awaitQuit(t, h.stopped, func() error { return h.err })
	if entries, err := os.ReadDir(filepath.Dir(db)); err != nil || len(entries) != 0 {
		t.Fatalf("the read-only TUI created %v (%v)", entries, err)
	}
	if w := h.log.Writes(); len(w) != 0 {
		t.Fatalf("the read-only TUI sent %v", w)
	}
	if shown := h.screen.String(); !strings.Contains(shown, "#1045") {
		t.Error("the incidents were not shown")
	}
}
