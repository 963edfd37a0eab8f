package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Two Stores on one file, as two TUIs on one journal: each writes, each
// sees what the other wrote, and neither holds the file between calls.
func TestTwoStoresOneFile(t *testing.T) {
	a, path := openTemp(t)
	defer mustClose(t, a)
	b, err := Open(path)
	if err != nil {
		t.Fatalf("a second Open of a journal in use: %v", err)
	}
	defer mustClose(t, b)
	var want []string
	for i := range 10 {
		s := []*Store{a, b}[i%2]
		e, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e.ID)
	}
	for _, s := range []*Store{a, b} {
		got, err := s.Events("P1")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("events %v, want %v", ids, want)
		}
		out, err := s.Outbox()
		if err != nil || len(out) != 10 {
			t.Fatalf("outbox: %d actions, %v", len(out), err)
		}
	}
	// One settles what the other appended.
	if err := b.SetState("P1", want[0], incident.Sent, ""); err != nil {
		t.Fatal(err)
	}
	if out, _ := a.Outbox(); len(out) != 9 || out[0].Event.ID != want[1] {
		t.Fatalf("after the other settled one: %v", actionIDs(out))
	}
	checkOutbox(t, a)
}

// TestShareChild is not a test of its own: run by the tests below in a
// separate process, it does what childMode says with the journal at the
// path in childEnv.
func TestShareChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("run by the tests of several processes")
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	s, err := Open(path)
	if err != nil {
		fail(err)
	}
	mode, arg, _ := strings.Cut(os.Getenv(childMode), ":")
	switch mode {
	case "append": // 40 notes for incident arg, each printed once it returned
		for i := range 40 {
			e, err := s.Append(arg, incident.Event{Kind: incident.KindNote, Summary: fmt.Sprintf("%s %d", arg, i)})
			if err != nil {
				fail(err)
			}
			fmt.Println(e.ID)
		}
		os.Exit(0)
	case "hold-file": // in the middle of an operation, forever
		if _, _, err := s.acquire(); err != nil {
			fail(err)
		}
	case "hold-sender":
		if _, err := s.LockSender(context.Background()); err != nil {
			fail(err)
		}
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	fmt.Println("HELD")
	time.Sleep(time.Hour) // until killed; select{} would be a deadlock to the runtime
}

// Several processes append to one journal at once, each through its own
// Store, while this one does too: every append that returned is there,
// once, in each process's order, and the outbox agrees.
func TestProcessesShareOneJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	s, path := openTemp(t)
	defer mustClose(t, s)
	incs := []string{"PA", "PB", "PC"}
	type result struct {
		inc string
		ids []string
		err error
	}
	results := make(chan result, len(incs))
	for _, inc := range incs {
		cmd := child(t, "TestShareChild", path, "append:"+inc)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		go func() {
			out, err := cmd.Output()
			if err != nil {
				err = fmt.Errorf("%v: %s", err, stderr.String())
			}
			results <- result{inc, strings.Fields(string(out)), err}
		}()
	}
	var mine []string
	for i := range 40 {
		e, err := s.Append("PA", incident.Event{Kind: incident.KindNote, Summary: fmt.Sprint("parent ", i)})
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, e.ID)
	}
	want := map[string][][]string{"PA": {mine}}
	for range incs {
		select {
		case r := <-results:
			if r.err != nil {
				t.Fatalf("child for %s: %v", r.inc, r.err)
			}
			if len(r.ids) != 40 {
				t.Fatalf("child for %s printed %d ids", r.inc, len(r.ids))
			}
			want[r.inc] = append(want[r.inc], r.ids)
		case <-time.After(2 * time.Minute):
			t.Fatal("the children did not finish")
		}
	}
	total := 0
	for inc, seqs := range want {
		got, err := s.Events(inc)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		n := 0
		for _, w := range seqs {
			n += len(w)
			if !isSubsequence(w, ids) {
				t.Fatalf("%s: a process's appends are missing or out of order", inc)
			}
		}
		if len(ids) != n {
			t.Fatalf("%s: %d events, want %d", inc, len(ids), n)
		}
		total += n
	}
	if out, err := s.Outbox(); err != nil || len(out) != total {
		t.Fatalf("outbox: %d actions of %d, %v", len(out), total, err)
	}
	checkOutbox(t, s)
	if problems, err := s.Check(); err != nil || len(problems) > 0 {
		t.Fatalf("check: %q %v", problems, err)
	}
}

// startHolder starts a child that takes a lock (mode) and waits to be
// killed; it returns once the child holds it.
func startHolder(t *testing.T, path, mode string) *exec.Cmd {
	t.Helper()
	cmd := child(t, "TestShareChild", path, mode)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	held := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		held <- sc.Scan() && sc.Text() == "HELD"
	}()
	select {
	case ok := <-held:
		if !ok {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the holder did not take the lock: %s", stderr.String())
		}
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the holder hung")
	}
	return cmd
}

func killHolder(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the holder was not killed: %v", cmd.ProcessState)
	}
}

// A process killed in the middle of an operation holds the file until it
// dies, and not a moment longer: the kernel drops its lock, so the next
// operation gets the file at its first try, with no wait at all.
func TestKilledProcessReleasesJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	s, path := openTemp(t)
	defer mustClose(t, s)
	holder := startHolder(t, path, "hold-file")
	s.lockWait = 100 * time.Millisecond
	_, err := s.Append("P1", incident.Event{Kind: incident.KindNote})
	if !errors.Is(err, ErrLocked) {
		killHolder(t, holder)
		t.Fatalf("append while another process is mid-operation: %v, want ErrLocked", err)
	}
	// What to do about it is the command line's to say (it knows its flags).
	if msg := err.Error(); !strings.Contains(msg, path) || strings.Contains(msg, "--db") || strings.Contains(msg, "\n") {
		t.Errorf("message %q should name the file, on one line, and no flag", msg)
	}
	killHolder(t, holder)
	s.lockWait = time.Nanosecond // one try, no waiting
	if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote}); err != nil {
		t.Fatalf("append after the holder was killed: %v", err)
	}
}

func TestSenderLock(t *testing.T) {
	s, path := openTemp(t)
	defer mustClose(t, s)
	done, cancel := context.WithCancel(context.Background())
	cancel()

	release, err := s.LockSender(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path + ".send")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sender lock file: %v %v", fi, err)
	}
	// Held: another taker (another Store, as another process would be)
	// waits until its context ends.
	other, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, other)
	if _, err := other.LockSender(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("second sender: %v, want context.Canceled", err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := other.LockSender(context.Background())
		if err == nil {
			r()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a second sender got the lock while it was held (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	release() // twice is harmless
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the waiting sender never got the lock")
	}
	// Free again: taken at the first try, even with a context already done.
	r, err := s.LockSender(done)
	if err != nil {
		t.Fatalf("free lock with a done context: %v", err)
	}
	r()
}

// A sender killed with the lock lets go through the kernel: the next one
// takes it at its first try.
func TestKilledSenderReleasesLock(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	s, path := openTemp(t)
	defer mustClose(t, s)
	holder := startHolder(t, path, "hold-sender")
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.LockSender(done); !errors.Is(err, context.Canceled) {
		killHolder(t, holder)
		t.Fatalf("sender lock held by another process: %v, want context.Canceled", err)
	}
	killHolder(t, holder)
	r, err := s.LockSender(done)
	if err != nil {
		t.Fatalf("sender lock after the holder was killed: %v", err)
	}
	r()
}

// A journal deleted, emptied or replaced under a running Store: nothing is
// written blindly, the error says what happened, and Reopen accepts what is
// at the path now.
func TestJournalDeletedOrReplaced(t *testing.T) {
	t.Run("deleted", func(t *testing.T) {
		s, path := openTemp(t)
		defer mustClose(t, s)
		if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "before"}); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		_, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "after"})
		if !errors.Is(err, ErrReplaced) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "gone") {
			t.Fatalf("append to a deleted journal: %v", err)
		}
		t.Log(err)
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a file appeared at the path: %v", err)
		}
		if _, err := s.Outbox(); !errors.Is(err, ErrReplaced) {
			t.Fatalf("outbox of a deleted journal: %v", err)
		}
		if err := s.Reopen(); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Events("P1"); err != nil || len(got) != 0 {
			t.Fatalf("a new journal holds %v, %v", got, err)
		}
		if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "after"}); err != nil {
			t.Fatal(err)
		}
		if out, _ := s.Outbox(); len(out) != 1 || out[0].Event.Summary != "after" {
			t.Fatalf("outbox of the new journal: %+v", out)
		}
	})
	t.Run("replaced", func(t *testing.T) {
		s, path := openTemp(t)
		defer mustClose(t, s)
		if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "old"}); err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(t.TempDir(), "other.db")
		o, err := Open(other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Append("P2", incident.Event{Kind: incident.KindNote, Summary: "new"}); err != nil {
			t.Fatal(err)
		}
		mustClose(t, o)
		before, _ := os.ReadFile(other)
		if err := os.Rename(other, path); err != nil {
			t.Fatal(err)
		}
		_, err = s.Append("P1", incident.Event{Kind: incident.KindNote})
		if !errors.Is(err, ErrReplaced) || !strings.Contains(err.Error(), "another file") {
			t.Fatalf("append to a replaced journal: %v", err)
		}
		if _, err := s.Events("P1"); !errors.Is(err, ErrReplaced) {
			t.Fatalf("events of a replaced journal: %v", err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(before) {
			t.Fatal("the new file was written")
		}
		if err := s.Reopen(); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Events("P2"); len(got) != 1 || got[0].Summary != "new" {
			t.Fatalf("after Reopen: %+v", got)
		}
	})
	t.Run("emptied", func(t *testing.T) {
		s, path := openTemp(t)
		defer mustClose(t, s)
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote}); !errors.Is(err, ErrReplaced) {
			t.Fatalf("append to an emptied journal: %v", err)
		}
		if fi, _ := os.Stat(path); fi.Size() != 0 {
			t.Fatalf("the emptied file was written: %d bytes", fi.Size())
		}
	})
}
