package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
)

// The chaos test holds the journal's promise to account, in separate OS
// processes: a responder's action that oncall said was sent or queued is
// on PagerDuty exactly once in the end, whatever the network and kill -9
// did meanwhile, and nothing else is.
//
// The oncall binary is built once; the simulator runs in the test process
// behind chaosProxy, which holds, drops and delays requests. Workers run
// `oncall note`, `oncall decision` and `oncall status-update` with unique
// texts, and now and then `oncall sync`, one process at a time each, and
// kill some of them with SIGKILL after a random delay. Two workers share a
// journal, as two terminals on one machine would; the others have one
// each, as responders on other machines. Then each journal is synced,
// through the proxy and at last straight to the simulator, until its
// outbox is empty, and the simulator's notes (and status updates) are
// counted.
//
// The seed (ONCALL_CHAOS_SEED to replay one) decides the proxy's fate for
// each request, which action each worker takes and when it kills; how
// processes interleave is up to the machine. ONCALL_CHAOS_LOG=1 logs every
// request through the proxy even when the test passes.

// chaosNoteText finds the test's texts (of notes, decisions and status
// updates), in the proxy's log, the journals and on the simulator; the
// seed in it tells this run's from any other's.
var chaosNoteText = regexp.MustCompile(`chaos (?:note|decision|update) (\d+) of seed (\d+)`)

// chaosVerbs are the actions the workers take, each with a unique text
// that reaches PagerDuty in a note: a note as it is, a decision and a
// status update mirrored as a note with its trailer (a status update is
// also posted to the incident's subscribers).
var chaosVerbs = []struct {
	verb, word string
	weight     int
}{
	{"note", "note", 70},
	{"decision", "decision", 15},
	{"status-update", "update", 15},
}

const (
	chaosWorkers = 4                // workers 0 and 1 share a journal; the others have one each
	chaosPhase   = 30 * time.Second // actions are started for this long
	// The outbox's timing, scaled down (hidden flags
	// --outbox-attempt-timeout and --outbox-settle) so that a run sees
	// many settle periods: each call to PagerDuty for an action gives up
	// after chaosAttempt, and an uncertain action is checked again only
	// chaosSettle after its attempt began.
	chaosAttempt = 3 * time.Second
	chaosSettle  = 15 * time.Second
	// A held request waits between chaosHoldMin and chaosHoldMax before
	// the proxy forwards it: past the attempt's deadline, so the process
	// gives up before it lands, and within the settle period, which is the
	// outbox's one assumption about the network.
	chaosHoldMin  = chaosAttempt + time.Second
	chaosHoldMax  = chaosSettle - 5*time.Second // a margin for a loaded machine
	chaosKillRate = 0.3
	chaosSyncRate = 0.15
	// chaosHang is how long any one process may run before the test calls
	// it hung: well past a held request and the settle period.
	chaosHang = 3 * time.Minute
)

// chaosRun is what one oncall process did, and told the user.
type chaosRun struct {
	args           []string
	code           int // exit code; -1 when killed
	killed         bool
	killAfter      time.Duration // 0: not scheduled for a kill
	stdout, stderr string
}

// told is what the process told the user of its action: "sent", "queued"
// or "" (an error, or killed before it said).
func (r chaosRun) told() string {
	if m := toldWord.FindStringSubmatch(r.stdout); m != nil {
		return m[1]
	}
	return ""
}

// toldWord finds the word in "note sent to PagerDuty for ..." or "note
// queued for ...".
var toldWord = regexp.MustCompile(`^[a-z -]*?\b(sent|queued)\b`)

// chaosNote is one action the test ran: `oncall note`, `oncall decision`
// or `oncall status-update`.
type chaosNote struct {
	idx      int
	worker   int
	verb     string
	incident string
	text     string
	run      chaosRun
}

func chaosSeed(t *testing.T) uint64 {
	if s := os.Getenv("ONCALL_CHAOS_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ONCALL_CHAOS_SEED=%q is not a number: %v", s, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano()) % 1_000_000_000
}

// buildChaosBinary builds the oncall binary from this package, once per
// test that needs it.
func buildChaosBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts its own go first on PATH
	if err != nil {
		t.Fatalf("no go command to build with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "oncall")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// chaosEnv is a child's whole environment: no configuration, state or
// token from the machine running the test.
func chaosEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"PAGERDUTY_TOKEN=" + pdsim.DemoToken,
	}
}

// runChaosChild runs the binary and kills it with SIGKILL after killAfter
// (when positive). A process still running after chaosHang is killed and
// reported as hung. It may be called from any goroutine: it reports
// trouble with t.Errorf, never t.Fatal.
func runChaosChild(t *testing.T, bin string, env []string, killAfter time.Duration, args ...string) chaosRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Errorf("start oncall: %v", err)
		return chaosRun{args: args, code: -1}
	}
	var hung atomic.Bool
	hang := time.AfterFunc(chaosHang, func() {
		hung.Store(true)
		cmd.Process.Kill()
	})
	defer hang.Stop()
	if killAfter > 0 {
		kill := time.AfterFunc(killAfter, func() { cmd.Process.Signal(syscall.SIGKILL) })
		defer kill.Stop()
	}
	err := cmd.Wait()
	r := chaosRun{args: args, code: cmd.ProcessState.ExitCode(), killAfter: killAfter, stdout: stdout.String(), stderr: stderr.String()}
	if hung.Load() {
		t.Errorf("oncall %s hung for %v: stdout %q, stderr %q", strings.Join(args, " "), chaosHang, r.stdout, r.stderr)
		return r
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		r.killed = true
	} else if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Errorf("wait for oncall: %v", err)
	}
	return r
}

// chaosKillDelay spreads kills over a process's life: mostly while it
// starts, journals and makes its first request, some while it waits on a
// slow or held one.
func chaosKillDelay(rng *rand.Rand) time.Duration {
	ms := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo)) * time.Millisecond }
	switch r := rng.Float64(); {
	case r < 0.5:
		return ms(1, 300)
	case r < 0.8:
		return ms(300, 3000)
	default:
		return ms(3000, 9000)
	}
}

// chaosPickVerb draws an action by chaosVerbs' weights.
func chaosPickVerb(rng *rand.Rand) (verb, word string) {
	total := 0
	for _, v := range chaosVerbs {
		total += v.weight
	}
	pick := rng.IntN(total)
	for _, v := range chaosVerbs {
		if pick < v.weight {
			return v.verb, v.word
		}
		pick -= v.weight
	}
	panic("unreachable")
}

func TestChaosNothingLostNothingTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("the chaos test runs oncall processes against a misbehaving proxy for a minute or more; skipped with -short")
	}
	seed := chaosSeed(t)
	t.Logf("chaos seed %d (replay with ONCALL_CHAOS_SEED=%d)", seed, seed)
	began := time.Now()
	bin := buildChaosBinary(t)
	built := time.Now()
	env := chaosEnv(t)

	sim := pdsim.New(pdsim.Options{Scenario: pdsim.Scenario{}})
	direct := startChaosSim(t, sim)
	var incidents []string
	// Several incidents: an uncertain action holds up the later ones on
	// its incident until it settles, not the others.
	for _, title := range []string{"checkout 5xx", "inventory lag", "search timeouts", "payments declined"} {
		snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: title, Service: pdsim.ServiceCheckout})
		if err != nil {
			t.Fatal(err)
		}
		incidents = append(incidents, snap.ID)
	}
	proxy := newChaosProxy(t, direct, seed, chaosHoldMin, chaosHoldMax)
	dir := t.TempDir()
	// One journal shared by two processes at a time (two terminals on one
	// machine), and one each for the other workers (other machines).
	var journals []string
	journalOf := make([]string, chaosWorkers)
	for w := range chaosWorkers {
		if w == 1 {
			journalOf[w] = journalOf[0]
			continue
		}
		journalOf[w] = filepath.Join(dir, fmt.Sprintf("journal-%d.db", w))
		journals = append(journals, journalOf[w])
	}
	timing := []string{"--outbox-attempt-timeout", chaosAttempt.String(), "--outbox-settle", chaosSettle.String()}

	// The chaos: each worker runs one process at a time against its
	// journal, through the proxy.
	var (
		mu    sync.Mutex
		notes []chaosNote
		syncs []chaosRun
		wg    sync.WaitGroup
	)
	deadline := time.Now().Add(chaosPhase)
	for w := range chaosWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)+1))
			queued := false // the worker's last note was queued
			for k := 0; time.Now().Before(deadline); k++ {
				// Every draw is made whatever the action, so the same
				// seed gives each worker the same sequence.
				kill := rng.Float64() < chaosKillRate
				killAfter := chaosKillDelay(rng)
				isSync := rng.Float64() < chaosSyncRate
				// A responder told "queued" often runs oncall sync at
				// once: the retry most likely to race a late delivery.
				impatient := rng.Float64() < 0.8
				inc := incidents[rng.IntN(len(incidents))]
				verb, word := chaosPickVerb(rng)
				if !kill {
					killAfter = 0
				}
				isSync = isSync || queued && impatient
				queued = false
				common := append([]string{"--api-url", proxy.URL(), "--db", journalOf[w]}, timing...)
				if isSync {
					r := runChaosChild(t, bin, env, killAfter, append([]string{"sync"}, common...)...)
					mu.Lock()
					syncs = append(syncs, r)
					mu.Unlock()
					continue
				}
				n := chaosNote{idx: w*10000 + k, worker: w, verb: verb, incident: inc}
				n.text = fmt.Sprintf("chaos %s %d of seed %d", word, n.idx, seed)
				n.run = runChaosChild(t, bin, env, killAfter, append([]string{verb, inc, n.text}, common...)...)
				queued = n.run.told() == "queued"
				mu.Lock()
				notes = append(notes, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	chaosEnd := time.Now()

	// Settle: a sync through the proxy while it still misbehaves, then
	// straight to the simulator, while held requests may still be on
	// their way, until each outbox is empty.
	for w, j := range journals {
		r := runChaosChild(t, bin, env, 0, append([]string{"sync", "--api-url", proxy.URL(), "--db", j}, timing...)...)
		t.Logf("journal %d, sync through the proxy: exit %d\n%s%s", w, r.code, r.stdout, r.stderr)
	}
	for w, j := range journals {
		settled := false
		for try := 0; try < 3 && !settled; try++ {
			r := runChaosChild(t, bin, env, 0, append([]string{"sync", "--wait", "150s", "--api-url", direct, "--db", j}, timing...)...)
			settled = r.code == exitOK
			if !settled {
				t.Logf("journal %d, direct sync %d: exit %d\n%s%s", w, try+1, r.code, r.stdout, r.stderr)
			}
		}
		if !settled {
			t.Errorf("journal %d: the outbox did not empty against a healthy PagerDuty", w)
		}
	}
	proxy.Wait() // every held request has landed
	settleEnd := time.Now()

	// What the journals hold: every note they journaled, by text, and
	// nothing left to send.
	journaled := map[string]incident.Event{}
	for w, path := range journals {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			continue // every process of this worker was killed before it journaled
		}
		j, err := store.Open(path)
		if err != nil {
			t.Fatalf("journal %d: %v", w, err)
		}
		out, err := j.Outbox()
		if err != nil {
			t.Errorf("journal %d: outbox: %v", w, err)
		}
		for _, a := range out {
			t.Errorf("journal %d still has %s %s (%q) in its outbox after the final sync", w, a.Event.Kind, a.Event.ID, a.Event.Summary)
		}
		for _, id := range incidents {
			events, err := j.Events(id)
			if err != nil {
				t.Errorf("journal %d: events of %s: %v", w, id, err)
			}
			for _, e := range events {
				if text := chaosText(e); text != "" {
					journaled[text] = e
				}
			}
		}
		j.Close()
	}

	// What the simulator holds.
	onSim := map[string]int{}   // text -> notes carrying it
	updates := map[string]int{} // text -> status updates carrying it
	issued := map[string]chaosNote{}
	for _, n := range notes {
		issued[n.text] = n
	}
	for _, id := range incidents {
		for _, sn := range sim.Notes(id) {
			m := chaosNoteText.FindStringSubmatch(sn.Content)
			if m == nil || m[2] != strconv.FormatUint(seed, 10) {
				t.Errorf("a note on %s that the test never issued: %q", id, sn.Content)
				continue
			}
			text := m[0]
			n, ok := issued[text]
			switch {
			case !ok:
				t.Errorf("a note on %s that the test never issued: %q", id, sn.Content)
			case n.incident != id:
				t.Errorf("%q was issued on %s but is on %s", text, n.incident, id)
			}
			onSim[text]++
		}
		// A status update is posted to the subscribers, then mirrored
		// as a note. PagerDuty has no way to read status updates back, so
		// one whose answer was lost is posted again when its note is not
		// found: a repeat is the price of never losing one, and is
		// counted, not failed. A missing one is lost.
		for _, su := range sim.StatusUpdates(id) {
			text := chaosNoteText.FindString(su.Message)
			if n, ok := issued[text]; !ok || n.incident != id || n.verb != "status-update" {
				t.Errorf("a status update on %s that the test never issued: %q", id, su.Message)
				continue
			}
			updates[text]++
		}
	}

	// The verdict.
	var toldSent, toldQueued, kills, lost, duplicated, silent, updatesRepeated int
	var bad []chaosNote
	for _, n := range notes {
		if n.run.killed {
			kills++
		}
		copies := onSim[n.text]
		if copies > 1 {
			duplicated++
			bad = append(bad, n)
			t.Errorf("%q is on PagerDuty %d times (process: exit %d, killed %v, told %q)", n.text, copies, n.run.code, n.run.killed, n.run.told())
		}
		switch n.run.told() {
		case "sent":
			toldSent++
		case "queued":
			toldQueued++
		default:
			silent++
			if !n.run.killed {
				t.Errorf("oncall %s %d exited %d without saying sent or queued: stdout %q, stderr %q", n.verb, n.idx, n.run.code, n.run.stdout, n.run.stderr)
			}
		}
		if n.verb == "status-update" {
			if updates[n.text] > 1 {
				updatesRepeated++
			}
			if onSim[n.text] > 0 && updates[n.text] == 0 {
				bad = append(bad, n)
				t.Errorf("%q: its note is on PagerDuty but the status update is not", n.text)
			}
		}
		if n.run.told() != "" {
			if copies == 0 {
				lost++
				bad = append(bad, n)
				t.Errorf("%q: the user was told %q, but it is not on PagerDuty (exit %d, killed %v)", n.text, n.run.told(), n.run.code, n.run.killed)
			}
			if _, ok := journaled[n.text]; !ok {
				t.Errorf("%q: the user was told %q, but it is not in the journal", n.text, n.run.told())
			}
		}
	}
	for text, e := range journaled {
		if onSim[text] != 1 {
			t.Errorf("%q is journaled (state %s) but on PagerDuty %d times", text, e.State, onSim[text])
		}
	}
	for _, r := range syncs {
		if r.killed {
			kills++
		}
	}
	byVerb := map[string]int{}
	for _, n := range notes {
		byVerb[n.verb]++
	}
	t.Logf("chaos figures: seed %d, actions %d (notes %d, decisions %d, status updates %d, syncs %d), kills %d, told sent %d, told queued %d, told nothing (killed) %d, journaled %d, on PagerDuty %d, lost %d, duplicated %d; status updates posted more than once %d",
		seed, len(notes)+len(syncs), byVerb["note"], byVerb["decision"], byVerb["status-update"], len(syncs), kills, toldSent, toldQueued, silent, len(journaled), len(onSim), lost, duplicated, updatesRepeated)
	t.Logf("chaos proxy: %s", proxy.figures())
	t.Logf("chaos time: build %v, chaos %v, settle %v, total %v", built.Sub(began).Round(time.Second), chaosEnd.Sub(built).Round(time.Second),
		settleEnd.Sub(chaosEnd).Round(time.Second), time.Since(began).Round(time.Second))
	if late := proxy.latest(); late >= chaosSettle {
		// The outbox's one assumption failed here, not the outbox: a
		// duplicate in this run proves nothing.
		t.Errorf("the proxy delivered a request %v after it arrived, beyond the settle period (%v): the machine is too loaded for this run to judge", late, chaosSettle)
	}
	if len(bad) > 0 {
		chaosReport(t, proxy, bad)
	} else if os.Getenv("ONCALL_CHAOS_LOG") != "" {
		t.Logf("every request through the proxy:\n%s", strings.Join(proxy.requestLog(), "\n"))
	}
}

// chaosText is the test's text that a journaled event carries, in its
// summary or a field; "" for none.
func chaosText(e incident.Event) string {
	if m := chaosNoteText.FindString(e.Summary); m != "" {
		return m
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if m := chaosNoteText.FindString(e.Fields[k]); m != "" {
			return m
		}
	}
	return ""
}

// startChaosSim serves the simulator on a loopback port.
func startChaosSim(t *testing.T, sim *pdsim.Server) string {
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv.URL
}

// chaosReport logs, for each note that went wrong, what its process said
// and every request the proxy saw for it, to replay the failure by hand.
func chaosReport(t *testing.T, proxy *chaosProxy, bad []chaosNote) {
	t.Helper()
	sort.Slice(bad, func(i, j int) bool { return bad[i].idx < bad[j].idx })
	log := proxy.requestLog()
	for _, n := range bad {
		t.Logf("--- %s on %s (worker %d): exit %d, killed %v (after %v)\nstdout: %sstderr: %s", n.text, n.incident, n.worker, n.run.code, n.run.killed, n.run.killAfter, n.run.stdout, n.run.stderr)
		for _, line := range log {
			if strings.Contains(line, "["+n.text+"]") {
				t.Log("    " + line)
			}
		}
	}
	t.Logf("every request through the proxy:\n%s", strings.Join(log, "\n"))
}

// tmuxTerm is a terminal of the test's own: a tmux server on a private
// socket, one window of a fixed size, read with capture-pane and typed
// into with send-keys, as a person at the keyboard would.
type tmuxTerm struct {
	t    *testing.T
	sock string
}

func newTmuxTerm(t *testing.T, width, height int, command string) *tmuxTerm {
	t.Helper()
	tm := &tmuxTerm{t: t, sock: fmt.Sprintf("oncall-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.sock, "kill-server").Run() })
	tm.run("new-session", "-d", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), command)
	return tm
}

func (tm *tmuxTerm) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (tm *tmuxTerm) screen() string      { return tm.run("capture-pane", "-p") }
func (tm *tmuxTerm) keys(keys ...string) { tm.run(append([]string{"send-keys"}, keys...)...) }
func (tm *tmuxTerm) typeText(s string)   { tm.run("send-keys", "-l", "--", s) }

// waitFor polls the screen until it contains want; after a generous
// timeout that only catches a hang, it fails with the screen.
func (tm *tmuxTerm) waitFor(want, what string) string {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tm.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waiting for %s (%q); the screen:\n%s", what, want, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitGone polls the screen until it no longer contains text.
func (tm *tmuxTerm) waitGone(text, what string) {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tm.screen()
		if !strings.Contains(s, text) {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waiting for %s (%q gone); the screen:\n%s", what, text, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestJournalDeletedWhileTheTUIRuns: the journal's file is removed while
// oncall's interactive view runs. A note taken then must not be reported
// queued or sent, since nothing durable holds it: the screen says the
// journal is gone, the typed text stays in the prompt, and nothing reaches
// PagerDuty unjournaled.
func TestJournalDeletedWhileTheTUIRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the interactive view in a real terminal (tmux); skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the interactive view needs a terminal to run in (apt-get install tmux)")
	}
	bin := buildChaosBinary(t)
	sim := pdsim.New(pdsim.Options{Scenario: pdsim.Scenario{}})
	url := startChaosSim(t, sim)
	snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "checkout 5xx while the journal goes", Service: pdsim.ServiceCheckout})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "journal.db")
	env := append(chaosEnv(t), "TERM=xterm-256color")
	command := fmt.Sprintf("env -i %s %s --api-url %s --db %s; echo ONCALL-EXIT=$?; sleep 600",
		strings.Join(env, " "), bin, url, db)
	tm := newTmuxTerm(t, 200, 40, command)

	tm.waitFor(snap.Title, "the incident in the list")
	// The note prompt names the incident it acts on.
	prompt := fmt.Sprintf("note on #%d> ", snap.Number)
	tm.keys("Enter")
	tm.waitFor("Timeline (", "the incident's detail")

	// A note before: the journal works, and the note is sent.
	before := "chaos tui note 1 taken with the journal in place"
	tm.keys("n")
	tm.waitFor(prompt, "the note prompt")
	tm.typeText(before)
	tm.waitFor(prompt+before, "the typed note")
	tm.keys("Enter")
	tm.waitFor("note sent", "the first note sent")

	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	after := "chaos tui note 2 taken with no journal file"
	tm.keys("n")
	tm.waitFor(prompt, "the note prompt")
	tm.typeText(after)
	tm.waitFor(prompt+after, "the typed note")
	tm.keys("Enter")
	s := tm.waitFor("not sent", "the note refused")
	t.Logf("the screen after the refused note:\n%s", s)
	for _, claim := range []string{"note queued", "note sent"} {
		if strings.Contains(s, claim) {
			t.Errorf("after the journal was deleted the screen says %q:\n%s", claim, s)
		}
	}
	if !strings.Contains(s, prompt+after) {
		t.Errorf("the typed note is no longer in the prompt:\n%s", s)
	}
	if n := strings.Count(s, after); n > 1 {
		t.Errorf("the refused note shows outside its prompt, as if taken:\n%s", s)
	}
	if !regexp.MustCompile(`deleted|replaced|is gone|no longer there`).MatchString(s) {
		t.Errorf("the screen does not say the journal was deleted, only that it could not be written:\n%s", s)
	}

	// Escape, then q once the prompt is gone: sent together, a terminal
	// reads them as alt+q. In the incident's view q goes back to the
	// list; there it quits.
	tm.keys("Escape")
	tm.waitGone(prompt, "the prompt to close")
	tm.keys("q")
	tm.waitGone("Timeline (", "the list")
	tm.keys("q")
	tm.waitFor("ONCALL-EXIT=", "oncall to quit")

	var got []string
	for _, n := range sim.Notes(snap.ID) {
		got = append(got, n.Content)
	}
	if c := countContaining(got, before); c != 1 {
		t.Errorf("the note taken before the delete is on PagerDuty %d times: %q", c, got)
	}
	if c := countContaining(got, after); c != 0 {
		t.Errorf("the note taken after the delete reached PagerDuty with no journal to hold it (%d times)", c)
	}
}

func countContaining(texts []string, want string) int {
	n := 0
	for _, s := range texts {
		if strings.Contains(s, want) {
			n++
		}
	}
	return n
}
