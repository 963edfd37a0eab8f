package store

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
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

// Child processes of the tests below: the test binary re-executed with
// -test.run naming the helper and the journal's path in childEnv.
const (
	childEnv  = "ONCALL_STORE_TEST_CHILD"
	childMode = "ONCALL_STORE_TEST_MODE"
)

func child(t *testing.T, helper, path, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path, childMode+"="+mode)
	return cmd
}

// TestCrashChild is not a test of its own: run by TestCrash, it appends
// events (and settles some) until it is killed, printing each one on
// stdout only after the call that wrote it returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	round := os.Getenv(childMode)
	var appended []incident.Event
	for i := 0; ; i++ {
		inc := fmt.Sprintf("P%d", i%3)
		kind := []incident.Kind{incident.KindNote, incident.KindNote, incident.KindAcknowledge, incident.KindStar}[i%4]
		if i%7 == 6 {
			// Now and then a batch, all or nothing.
			batch, err := s.AppendAll(inc, []incident.Event{
				{Kind: incident.KindNote, Summary: fmt.Sprintf("round %s batch %d a", round, i)},
				{Kind: incident.KindNote, Summary: fmt.Sprintf("round %s batch %d b", round, i)},
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
			for _, e := range batch {
				fmt.Printf("A %s %s .\n", inc, e.ID)
			}
			appended = append(appended, batch...)
			continue
		}
		e, err := s.Append(inc, incident.Event{Kind: kind, Summary: fmt.Sprintf("round %s event %d", round, i)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		fmt.Printf("A %s %s .\n", inc, e.ID)
		appended = append(appended, e)
		if i%3 == 2 {
			// Settle an earlier action, as the outbox drainer does.
			old := appended[len(appended)/2]
			if old.State == incident.Queued {
				if _, err := s.BeginAttempt(old.IncidentID, old.ID, time.Now()); err != nil && !errors.Is(err, incident.ErrNotFound) {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(4)
				}
				if err := s.SetState(old.IncidentID, old.ID, incident.Sent, ""); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(4)
				}
				fmt.Printf("S %s %s .\n", old.IncidentID, old.ID)
			}
		}
	}
}

// TestCrash kills a writer with SIGKILL at random points, many times. After
// each kill the journal must open, hold every event whose append returned
// (in order, with every state change that returned), keep the outbox in
// step with the events, and pass bbolt's consistency check.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 4))
	acked := map[string][]string{} // incident -> ids, in the order their appends returned
	sent := map[string]bool{}
	const rounds = 30
	for round := range rounds {
		cmd := child(t, "TestCrashChild", path, fmt.Sprint(round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1<<16)
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		n := 0
		handle := func(line string) {
			n++
			f := strings.Fields(line)
			if len(f) != 4 || f[3] != "." {
				return // a line cut by the kill: its call had not returned
			}
			switch f[0] {
			case "A":
				acked[f[1]] = append(acked[f[1]], f[2])
			case "S":
				sent[f[2]] = true
			}
		}
		// Every other round dies soon after starting, perhaps still in
		// Open; the rest after a random number of appends returned (so the
		// test does not hang on how fast this machine is), and a little
		// more, so the kill lands inside a later one.
		if round%2 == 0 {
			time.Sleep(time.Duration(r.IntN(30)) * time.Millisecond)
		} else {
			for want := 1 + r.IntN(8); n < want; {
				select {
				case line := <-lines:
					handle(line)
				case <-time.After(time.Minute):
					t.Fatalf("round %d: the child wrote %d lines in a minute; stderr: %s", round, n, stderr.String())
				}
			}
			time.Sleep(time.Duration(r.IntN(10)) * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child exited by itself (%v); stderr: %s", round, err, stderr.String())
		}
		close(lines)
		for line := range lines {
			handle(line)
		}

		s, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		for inc, want := range acked {
			got, err := s.Events(inc)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []string
			for _, e := range got {
				gotIDs = append(gotIDs, e.ID)
				if sent[e.ID] && e.State != incident.Sent {
					t.Fatalf("round %d: event %s was marked sent, but is %s", round, e.ID, e.State)
				}
			}
			if !isSubsequence(want, gotIDs) {
				t.Fatalf("round %d, incident %s: acknowledged appends missing or out of order:\nacked %v\ngot   %v", round, inc, want, gotIDs)
			}
		}
		checkOutbox(t, s)
		mustClose(t, s)
		checkFile(t, path)
		t.Logf("round %d: %d lines", round, n)
	}
	total := 0
	for _, v := range acked {
		total += len(v)
	}
	if total < rounds {
		t.Fatalf("only %d appends were acknowledged in %d rounds: the kills came too early to test anything", total, rounds)
	}
	t.Logf("%d acknowledged appends, %d state changes, over %d kills", total, len(sent), rounds)
}

// isSubsequence reports whether want appears in got in order. got may hold
// more: appends that committed just before the kill, unacknowledged.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want) && !hasDup(got)
}

func hasDup(s []string) bool {
	c := slices.Clone(s)
	slices.Sort(c)
	return len(slices.Compact(c)) != len(s)
}
