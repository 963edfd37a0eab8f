package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// holderEnv names the journal a re-executed test binary holds open, as
// the TUI would, while the test runs oncall commands against the same
// file.
const holderEnv = "ONCALL_TEST_HOLD_JOURNAL"

// TestHelperHoldJournal is not a test: run by TestCommandsShareAJournal
// in a child process (with holderEnv set), it does what a running TUI
// does to the journal: it keeps a Store open, journals notes of its own,
// and runs the outbox's background sender, until its standard input
// closes.
func TestHelperHoldJournal(t *testing.T) {
	db := os.Getenv(holderEnv)
	if db == "" {
		return
	}
	if err := holdJournal(db, os.Getenv("ONCALL_TEST_API_URL"), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "holder:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func holdJournal(db, apiURL string, stdin io.Reader, stdout io.Writer) error {
	j, err := store.Open(db)
	if err != nil {
		return err
	}
	defer j.Close()
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: apiURL, From: pdsim.DemoUserEmail})
	if err != nil {
		return err
	}
	incs, err := src.Active(context.Background())
	if err != nil || len(incs) == 0 {
		return fmt.Errorf("no incident to write on: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := outbox.New(j, src, outbox.Options{Idle: 50 * time.Millisecond})
	done := make(chan struct{})
	go func() { d.Run(ctx, nil); close(done) }()
	for i := range 3 {
		if _, err := j.Append(incs[0].ID, incident.Event{Kind: incident.KindNote, Summary: fmt.Sprintf("holder note %d", i), Actor: pdsim.DemoUserEmail}); err != nil {
			return err
		}
		d.Kick()
	}
	fmt.Fprintln(stdout, "holding")
	_, _ = io.Copy(io.Discard, stdin) // until the test closes it
	cancel()
	<-done
	return nil
}

// TestCommandsShareAJournal runs, in separate OS processes, a long-lived
// process that holds the journal open and sends its outbox (as the TUI
// does) while oncall note, export, log and sync run against the same
// file: every command works fully, and every note reaches PagerDuty
// exactly once.
func TestCommandsShareAJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs several processes")
	}
	if _, ok := any((*store.Store)(nil)).(outbox.SenderLocker); !ok {
		t.Skip("the journal has no cross-process sender lock (store.Store.LockSender), so several processes cannot share it")
	}
	sim := pdsim.New(pdsim.Options{Scenario: pdsim.Scenario{}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "checkout 5xx", Service: pdsim.ServiceCheckout})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "journal.db")
	bin := filepath.Join(t.TempDir(), "oncall")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_STATE_HOME=" + dir,
		"PAGERDUTY_TOKEN=" + pdsim.DemoToken, "PAGERDUTY_FROM=" + pdsim.DemoUserEmail}

	// A generous bound that only catches a hang; nothing here is timed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	holder := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperHoldJournal$")
	holder.Env = append(env, holderEnv+"="+db, "ONCALL_TEST_API_URL="+srv.URL)
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var holderErr strings.Builder
	holder.Stderr = &holderErr
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "holding\n" {
		t.Fatalf("holder: %q %v; stderr %s", line, err, holderErr.String())
	}

	oncall := func(args ...string) (string, string, error) {
		cmd := exec.CommandContext(ctx, bin, append(args, "--api-url", srv.URL, "--db", db)...)
		cmd.Env = env
		var o, e strings.Builder
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		return o.String(), e.String(), err
	}

	// Notes from several processes at once, beside the holder's sender.
	const notes = 6
	var wg sync.WaitGroup
	errs := make(chan string, notes)
	for i := range notes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, e, err := oncall("note", snap.ID, fmt.Sprintf("cli note %d", i))
			t.Logf("note %d: %s", i, o)
			if err != nil || !strings.Contains(o, "note ") || e != "" {
				errs <- fmt.Sprintf("note %d: %v, stdout %q, stderr %q", i, err, o, e)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	// Reads see the whole journal, the holder's notes and the CLI's.
	o, e, err := oncall("export", snap.ID)
	if err != nil || strings.Contains(e, "timeline only") || !strings.Contains(o, "holder note 2") || !strings.Contains(o, "cli note 5") {
		t.Errorf("export: %v, stderr %q, draft:\n%s", err, e, o)
	}
	o, e, err = oncall("log", snap.ID)
	if err != nil || e != "" || !strings.Contains(o, "holder note 0") || !strings.Contains(o, "cli note 0") {
		t.Errorf("log: %v, stderr %q:\n%s", err, e, o)
	}
	if o, e, err = oncall("sync", "--wait", "30s"); err != nil {
		t.Errorf("sync: %v, stderr %q:\n%s", err, e, o)
	}

	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := holder.Wait(); err != nil {
		t.Fatalf("holder: %v; stderr %s", err, holderErr.String())
	}
	// With the holder gone, nothing is left to send, and PagerDuty holds
	// each note exactly once.
	if o, _, err = oncall("sync"); err != nil || !strings.Contains(o, "nothing to send") {
		t.Errorf("last sync: %v:\n%s", err, o)
	}
	count := map[string]int{}
	for _, n := range sim.Notes(snap.ID) {
		count[incident.ParseNote(n.Content).Summary]++
	}
	for i := range 3 {
		if c := count[fmt.Sprintf("holder note %d", i)]; c != 1 {
			t.Errorf("holder note %d is on PagerDuty %d times", i, c)
		}
	}
	for i := range notes {
		if c := count[fmt.Sprintf("cli note %d", i)]; c != 1 {
			t.Errorf("cli note %d is on PagerDuty %d times", i, c)
		}
	}
	if len(count) != notes+3 {
		t.Errorf("PagerDuty holds %d distinct notes: %v", len(count), count)
	}
	evs := journalOf(t, db, snap.ID)
	for _, ev := range evs {
		if ev.State != incident.Sent {
			t.Errorf("%s %q is %s in the journal", ev.Kind, ev.Summary, ev.State)
		}
	}
	if len(evs) != notes+3 {
		t.Errorf("%d events journaled, want %d", len(evs), notes+3)
	}
}
