package outbox_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// lockingJournal is the real journal behind a sender lock the test grants
// by hand, standing for another process that holds it. It counts journal
// use outside the lock.
type lockingJournal struct {
	*store.Store
	asked    chan struct{} // LockSender was called
	grant    chan error    // the test's answer: nil grants the lock
	held     atomic.Bool
	released atomic.Int32
	outside  atomic.Int32 // journal calls made without the lock
	reads    atomic.Int32
}

func newLocking(j *store.Store) *lockingJournal {
	return &lockingJournal{Store: j, asked: make(chan struct{}, 1), grant: make(chan error, 1)}
}

func (l *lockingJournal) LockSender(ctx context.Context) (func(), error) {
	l.asked <- struct{}{}
	select {
	case err := <-l.grant:
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.held.Store(true)
	return func() {
		l.held.Store(false)
		l.released.Add(1)
	}, nil
}

func (l *lockingJournal) use() {
	if !l.held.Load() {
		l.outside.Add(1)
	}
}

func (l *lockingJournal) Outbox() ([]store.Action, error) {
	l.use()
	l.reads.Add(1)
	return l.Store.Outbox()
}

func (l *lockingJournal) BeginAttempt(incidentID, eventID string, at time.Time) (store.Action, error) {
	l.use()
	return l.Store.BeginAttempt(incidentID, eventID, at)
}

func (l *lockingJournal) SetState(incidentID, eventID string, state incident.SyncState, errText string) error {
	l.use()
	return l.Store.SetState(incidentID, eventID, state, errText)
}

// Each pass, Drain's and Flush's alike, holds the journal's sender lock
// from before it reads the outbox until it is over, so that another
// process holding it keeps this one from sending anything.
func TestPassHoldsTheSenderLock(t *testing.T) {
	for _, flush := range []bool{false, true} {
		e := newEnv(t)
		a := e.incident("checkout 5xx")
		e.append(a, incident.KindNote, "one")
		l := newLocking(e.j)
		d := outbox.New(l, e.src, outbox.Options{Now: e.clock.Now})
		done := make(chan error, 1)
		go func() {
			var err error
			if flush {
				_, err = d.Flush(context.Background(), a)
			} else {
				_, err = d.Drain(context.Background())
			}
			done <- err
		}()
		<-l.asked
		// Another process holds the lock: nothing is read, nothing sent.
		if n := e.sim.Requests(routeNotes); n != 0 || l.reads.Load() != 0 {
			t.Fatalf("flush %v: %d posts, %d outbox reads before the lock was granted", flush, n, l.reads.Load())
		}
		l.grant <- nil
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatal("the pass did not end")
		}
		e.wantNotes(a, "one")
		if l.released.Load() != 1 || l.held.Load() || l.outside.Load() != 0 {
			t.Fatalf("flush %v: released %d times, held %v, %d journal calls outside the lock", flush, l.released.Load(), l.held.Load(), l.outside.Load())
		}
	}
}

// Waiting for the lock ends with ctx, and says another process is
// sending, not that the journal failed; a lock that cannot be taken is
// the journal's failure. Neither sends anything.
func TestSenderLockNotTaken(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "one")
	l := newLocking(e.j)
	d := outbox.New(l, e.src, outbox.Options{Now: e.clock.Now})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := d.Drain(ctx)
		done <- err
	}()
	<-l.asked
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || errors.Is(err, outbox.ErrJournal) {
		t.Fatalf("ctx ended while waiting: %v", err)
	}

	l.grant <- errors.New("journal was opened read-only")
	_, err = d.Flush(context.Background(), a)
	<-l.asked
	if !errors.Is(err, outbox.ErrJournal) {
		t.Fatalf("lock refused: %v", err)
	}
	if n := e.sim.Requests(routeNotes); n != 0 || l.reads.Load() != 0 {
		t.Fatalf("%d posts, %d outbox reads without the lock", n, l.reads.Load())
	}
	if e.pending() != 1 {
		t.Fatal("the note left the outbox")
	}
}

// holdSenderEnv names the journal a child process holds the sender lock
// of (see TestSenderLockHolder).
const holdSenderEnv = "OUTBOX_TEST_HOLD_SENDER"

// TestSenderLockHolder is not a test: run as a child process by
// TestSenderLockAcrossProcesses, it holds a journal's sender lock from
// "held" on stdout until its stdin closes.
func TestSenderLockHolder(t *testing.T) {
	path := os.Getenv(holdSenderEnv)
	if path == "" {
		t.Skip("a helper process for TestSenderLockAcrossProcesses")
	}
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	release, err := j.LockSender(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("held")
	io.Copy(io.Discard, os.Stdin)
	release()
}

// Two processes never send one outbox at once: while another process
// holds the journal's sender lock, a pass sends nothing and gives up with
// its ctx; once that process lets go, the pass sends.
func TestSenderLockAcrossProcesses(t *testing.T) {
	e := newEnv(t)
	a := e.incident("checkout 5xx")
	e.append(a, incident.KindNote, "one")
	child := exec.Command(os.Args[0], "-test.run=^TestSenderLockHolder$", "-test.count=1")
	child.Env = append(os.Environ(), holdSenderEnv+"="+e.j.Path())
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "held\n" {
		t.Fatalf("the child did not take the lock: %q %v", line, err)
	}

	d := e.drainer()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rep, err := d.Drain(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || len(rep.Results) != 0 {
		t.Fatalf("while another process holds the lock: %q %v", outcomes(rep), err)
	}
	if n := e.sim.Requests(routeNotes); n != 0 {
		t.Fatalf("%d posts while another process held the sender lock", n)
	}
	stdin.Close()
	rep, err = d.Drain(context.Background())
	if err != nil || outcomes(rep) != "sent" {
		t.Fatalf("after the other process let go: %q %v", outcomes(rep), err)
	}
	e.wantNotes(a, "one")
}
