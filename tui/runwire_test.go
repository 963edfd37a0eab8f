package tui

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/internal/redact"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbook/run"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// runToken is a secret in the commands' environment: no screen, journal,
// file or note may show it.
const runToken = "tok-run-5150515"

// runRunbook matches the demo's checkout incident; each checklist item
// has its command.
const runRunbook = "---\nid: probe\ntitle: Probe the checkout\nservices: [checkout-api]\n---\n" +
	"## Diagnosis\n" +
	"- [ ] Probe the acquirer\n" +
	"```sh oncall:read name=probe\nprintf 'line one\\n'; printf 'token %s\\n' \"$RUN_TOKEN\"; printf 'ref acq-%s\\n' 1234; exit 3\n```\n" +
	"- [ ] Check it answers\n" +
	"```sh oncall:read name=hello\nprintf 'hello from the shell\\n'\n```\n" +
	"- [ ] Wait for the acquirer\n" +
	"```sh oncall:read name=wait\necho \"ready $$\"; sleep 300\n```\n" +
	"## Mitigation\n" +
	"- [ ] Restart the acquirer client\n" +
	"```sh oncall:write name=restart\necho restart \"$RUN_TOKEN\" | sed 's/^/did: /'\n```\n"

// withRunbookCommands loads runRunbook and runs its commands with
// RUN_TOKEN set and masked, their output kept under dir.
func withRunbookCommands(t *testing.T, dir string) func(*Options) {
	set, diags, err := runbook.LoadFS(fstest.MapFS{"probe.md": {Data: []byte(runRunbook)}})
	if err != nil || runbook.HasErrors(diags) {
		t.Fatalf("runbook: %v %v", err, diags)
	}
	env := append(os.Environ(), "RUN_TOKEN="+runToken)
	r, err := redact.New(redact.Config{Environ: env, Patterns: []string{`acq-[0-9]{4}`}})
	if err != nil {
		t.Fatal(err)
	}
	return func(o *Options) {
		o.Runbooks = set
		o.Commands = Commands{Redactor: r, Env: env, OutputDir: filepath.Join(dir, "output"), Grace: 500 * time.Millisecond,
			Host: "laptop", Workdir: dir}
	}
}

// openCheckoutRunbook opens the checkout incident on its runbook pane.
func openCheckoutRunbook(t *testing.T, h *harness) incident.Incident {
	t.Helper()
	snap, _ := h.sim.IncidentByKey(pdsim.DemoCheckout)
	for i, in := range h.model().list.incidents {
		if in.ID == snap.ID {
			h.list(i)
		}
	}
	h.keys("enter")
	for h.model().detail.focus != paneRunbook {
		h.keys("tab")
	}
	return h.model().detail.inc
}

// selectStep moves the runbook pane's selection to the command named.
func selectStep(t *testing.T, h *harness, name string) runbook.Step {
	t.Helper()
	h.keys("g")
	for range 20 {
		if _, s, ok := h.model().detail.rb.Selected(); ok && s.Name == name {
			return s
		}
		h.keys("j")
	}
	t.Fatalf("no command %s in the pane:\n%s", name, h.screen())
	return runbook.Step{}
}

// itemOf is the checklist item a command belongs to.
func itemOf(t *testing.T, h *harness, s runbook.Step) runbook.Step {
	t.Helper()
	rb, _ := h.model().opts.Runbooks.Get("probe")
	item, ok := rb.StepByKey(s.Of)
	if !ok {
		t.Fatalf("command %s belongs to no item", s.Name)
	}
	return item
}

func runsOf(t *testing.T, h *harness, id string) ([]incident.Event, []incident.CommandRun) {
	t.Helper()
	events, err := h.journal.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	return events, incident.CommandRuns(events, nil)
}

// TestRunbookCommandFailsVisibly runs a real failing command from the
// runbook pane: one key confirms a read, the output streams into the pane
// masked, the exit code is journaled and mirrored, the item it belongs to
// shows failed and is not ticked, and the timeline has both events.
func TestRunbookCommandFailsVisibly(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, 120, 40, withRunbookCommands(t, dir))
	in := openCheckoutRunbook(t, h)
	step := selectStep(t, h, "probe")
	item := itemOf(t, h, step)

	h.keys("!")
	h.wantScreen("Run probe? It only reads (oncall:read):", "y run it")
	if _, runs := runsOf(t, h, in.ID); len(runs) != 0 {
		t.Fatalf("ran before the confirmation: %+v", runs)
	}
	h.keys("y") // the harness runs the command to its end

	h.wantScreen("✗ failed, exit 3 probe (read)", "line one", "token [redacted]", "ref [redacted]")
	if strings.Contains(h.screen(), runToken) || strings.Contains(h.screen(), "acq-1234") {
		t.Fatalf("the screen shows a secret:\n%s", h.screen())
	}
	events, runs := runsOf(t, h, in.ID)
	if len(runs) != 1 || runs[0].Status != incident.RunFailed || runs[0].Result.Fields[incident.FieldExitCode] != "3" {
		t.Fatalf("runs %+v", runs)
	}
	res := runs[0].Result
	if !strings.Contains(res.Fields[incident.FieldHead], "token [redacted]") || res.Fields[incident.FieldHost] != "laptop" || res.Actor == "" {
		t.Errorf("result fields %+v actor %q", res.Fields, res.Actor)
	}
	for _, e := range events {
		if e.Kind == incident.KindRunbookStep {
			t.Errorf("a failed run ticked a step: %+v", e)
		}
		for k, v := range e.Fields {
			if strings.Contains(v, runToken) || strings.Contains(v, "acq-1234") {
				t.Errorf("journal field %s holds a secret: %q", k, v)
			}
		}
	}
	file, err := os.ReadFile(res.Fields[incident.FieldOutputFile])
	if err != nil || !strings.Contains(string(file), "token [redacted]\nref [redacted]") || strings.Contains(string(file), runToken) || strings.Contains(string(file), "acq-1234") {
		t.Errorf("output file %q: %v", file, err)
	}
	// The result went to PagerDuty as a note, masked.
	var mirrored bool
	for _, n := range h.sim.Notes(in.ID) {
		if strings.Contains(n.Content, runToken) || strings.Contains(n.Content, "acq-1234") {
			t.Errorf("the note holds the token: %s", n.Content)
		}
		mirrored = mirrored || strings.Contains(n.Content, "Command probe on laptop: failed, exit 3")
	}
	if !mirrored || res.State == incident.LocalOnly {
		t.Errorf("the result was not mirrored (state %s): %+v", res.State, h.sim.Notes(in.ID))
	}

	// ctrl+c with nothing running is not the run's: back on the steps
	// with esc, the item says failed, in words.
	h.keys("esc")
	h.wantScreen("[✗] "+item.Text+" (failed, exit 3)", "$✗  printf 'line one")
	if rb := h.model().detail.rb; rb.done(mustRunbook(t, h), item) {
		t.Error("the failed command's item counts as done")
	}
	for h.model().detail.focus != paneTimeline {
		h.keys("tab")
	}
	h.wantScreen("command", "Running read command from runbook probe: probe", "output", "Command probe on laptop: failed, exit 3")
	h.wantScreen("last output: ref", "[redacted]")
}

func mustRunbook(t *testing.T, h *harness) *runbook.Runbook {
	rb, ok := h.model().opts.Runbooks.Get("probe")
	if !ok {
		t.Fatal("no runbook probe")
	}
	return rb
}

// TestRunbookCommandSucceedsAndTicksItsItem: a successful run ticks the
// checklist item its command belongs to, journaled under the item's key.
func TestRunbookCommandSucceedsAndTicksItsItem(t *testing.T) {
	h := newHarness(t, 120, 40, withRunbookCommands(t, t.TempDir()))
	in := openCheckoutRunbook(t, h)
	step := selectStep(t, h, "hello")
	item := itemOf(t, h, step)
	h.keys("!", "y")
	h.wantScreen("✓ ok hello (read)", "hello from the shell")
	events, runs := runsOf(t, h, in.ID)
	if len(runs) != 1 || runs[0].Status != incident.RunOK {
		t.Fatalf("runs %+v", runs)
	}
	var ticked []string
	for _, e := range events {
		if e.Kind == incident.KindRunbookStep {
			ticked = append(ticked, e.Fields[incident.FieldStepKey])
		}
	}
	if len(ticked) != 1 || ticked[0] != item.Key {
		t.Fatalf("ticked %v, want the item %s only", ticked, item.Key)
	}
	h.keys("esc")
	h.wantScreen("[x] "+item.Text, "$✓  printf 'hello")
	if !h.model().detail.active {
		t.Fatal("esc over a finished run's output left the incident instead of closing the output")
	}
}

// TestTickOnACommandTicksItsItem: x on a $ line ticks the checklist item
// the command belongs to, so the item's box fills.
func TestTickOnACommandTicksItsItem(t *testing.T) {
	h := newHarness(t, 120, 40, withRunbookCommands(t, t.TempDir()))
	in := openCheckoutRunbook(t, h)
	step := selectStep(t, h, "hello")
	item := itemOf(t, h, step)
	h.keys("x")
	events, _ := runsOf(t, h, in.ID)
	if len(events) != 1 || events[0].Kind != incident.KindRunbookStep || events[0].Fields[incident.FieldStepKey] != item.Key ||
		events[0].Fields[incident.FieldStep] != item.Text {
		t.Fatalf("x on the command journaled %+v, want the item %q", events, item.Text)
	}
	h.wantScreen("[x] " + item.Text)
	h.keys("x")
	h.wantScreen("that step is already ticked")
}

// TestRunbookWriteNeedsItsName: a write command shows what will run,
// expanded and masked, and runs only once its name (or yes) is typed.
func TestRunbookWriteNeedsItsName(t *testing.T) {
	h := newHarness(t, 120, 40, withRunbookCommands(t, t.TempDir()))
	in := openCheckoutRunbook(t, h)
	selectStep(t, h, "restart")
	h.keys("!")
	h.wantScreen("Run restart? It changes something. This exact command will run:",
		`echo restart "[redacted]" | sed 's/^/did: /'`, "Type restart (or yes) then enter")
	if strings.Contains(h.screen(), runToken) {
		t.Fatalf("the prompt shows the token:\n%s", h.screen())
	}
	h.typeText("y")
	h.keys("enter")
	h.wantScreen("That was not it.")
	h.typeText("n") // a letter of the answer here, not cancel
	h.keys("backspace")
	if _, runs := runsOf(t, h, in.ID); len(runs) != 0 {
		t.Fatalf("ran without its name: %+v", runs)
	}
	h.typeText("restart")
	h.keys("enter")
	h.wantScreen("✓ ok restart (write)", "did: restart [redacted]")
	if _, runs := runsOf(t, h, in.ID); len(runs) != 1 || runs[0].Status != incident.RunOK || runs[0].Intent.Fields[incident.FieldMode] != incident.ModeWrite {
		t.Fatalf("runs %+v", runs)
	}

	// esc at the prompt runs nothing.
	h.keys("esc", "!", "esc")
	h.wantScreen("restart: not run")
	if _, runs := runsOf(t, h, in.ID); len(runs) != 1 {
		t.Fatalf("esc ran it: %+v", runs)
	}
}

// TestReadOnlyRunsReadCommandsOnly: in read-only mode a write command is
// refused, a read command runs, and nothing is journaled or sent.
func TestReadOnlyRunsReadCommandsOnly(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, 120, 40, withRunbookCommands(t, dir), func(o *Options) { o.ReadOnly = true })
	in := openCheckoutRunbook(t, h)
	notes := len(h.sim.Notes(in.ID))
	selectStep(t, h, "restart")
	h.keys("!")
	h.wantScreen("Read-only mode: restart changes something and cannot run here.")
	h.typeText("yes")
	h.keys("enter", "y")
	h.keys("n") // the cancel key closes it
	if h.model().prompt != promptNone {
		t.Fatal("the read-only refusal did not close")
	}
	selectStep(t, h, "hello")
	h.keys("!", "y")
	h.wantScreen("✓ ok hello (read)", "hello from the shell", "read-only: not journaled")
	if events, _ := runsOf(t, h, in.ID); len(events) != 0 {
		t.Errorf("read-only journaled %+v", events)
	}
	if _, err := os.Stat(filepath.Join(dir, "output")); !os.IsNotExist(err) {
		t.Errorf("read-only kept an output file: %v", err)
	}
	if n := len(h.sim.Notes(in.ID)); n != notes {
		t.Errorf("read-only sent %d notes", n-notes)
	}
}

// drive delivers msg to the model and runs what it returns in the
// background: a command's stream blocks until the command prints or
// ends, as in the real program. Messages come back on out.
func (h *harness) drive(msg tea.Msg, out chan<- tea.Msg) {
	m, cmd := h.m.Update(msg)
	h.m = m
	var runCmd func(tea.Cmd)
	runCmd = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			switch msg := c().(type) {
			case nil:
			case tea.BatchMsg:
				for _, c := range msg {
					runCmd(c)
				}
			default:
				out <- msg
			}
		}()
	}
	runCmd(cmd)
}

// TestRunningCommandIsCancelledNotQuit: the UI keeps answering while a
// command runs; ctrl+c cancels it (the result says so) instead of
// quitting, and once nothing runs ctrl+c quits again.
func TestRunningCommandIsCancelledNotQuit(t *testing.T) {
	h := newHarness(t, 120, 40, withRunbookCommands(t, t.TempDir()))
	in := openCheckoutRunbook(t, h)
	selectStep(t, h, "wait")
	h.keys("!")
	msgs := make(chan tea.Msg, 64)
	h.drive(keyPress("y"), msgs)
	deadline := time.After(30 * time.Second) // catches a hang only
	stage, quit := 0, false
	// Until the run ended and its result was sent (so nothing is left in
	// flight that would make ctrl+c ask before quitting).
	for ended, sent := false, false; !ended || !sent; {
		var msg tea.Msg
		select {
		case msg = <-msgs:
		case <-deadline:
			t.Fatalf("the run never ended:\n%s", h.screen())
		}
		switch msg.(type) {
		case tea.QuitMsg:
			quit = true
			continue
		case commandDoneMsg:
			ended = true
		case sentMsg:
			sent = ended
		}
		h.drive(msg, msgs)
		switch {
		case stage == 0 && strings.Contains(h.screen(), "ready"):
			// The model answers keys while the command runs.
			h.wantScreen("● running wait (read)", "[…] Wait for the acquirer (running…)")
			// Back on the list, q does not quit under a running command.
			for h.model().detail.focus != paneTimeline {
				h.drive(keyPress("tab"), msgs)
			}
			h.drive(keyPress("esc"), msgs)
			h.drive(keyPress("q"), msgs)
			h.wantScreen("a runbook command is still running; ctrl+c cancels it")
			h.drive(keyPress("enter"), msgs) // the incident again, fetched anew
			stage = 1
		case stage == 1:
			if _, fetched := msg.(detailMsg); !fetched {
				break
			}
			// The journal has the intent and no result yet: the run
			// is live, not interrupted.
			for h.model().detail.focus != paneRunbook {
				h.drive(keyPress("tab"), msgs)
			}
			h.wantScreen("[…] Wait for the acquirer (running…)", "● running wait (read)")
			h.drive(keyPress("q"), msgs) // closes nothing, cancels nothing
			h.wantScreen("a runbook command is still running; ctrl+c cancels it", "● running wait (read)")
			h.drive(keyPress("ctrl+c"), msgs)
			h.wantScreen("cancelling wait")
			stage = 2
		}
	}
	if stage != 2 || quit || h.quit {
		t.Fatalf("stage %d, quit %v", stage, quit || h.quit)
	}
	h.wantScreen("■ cancelled wait (read)") // still on the incident
	if _, runs := runsOf(t, h, in.ID); len(runs) != 1 || runs[0].Status != incident.RunCancelled {
		t.Fatalf("runs %+v", runs)
	}
	h.keys("esc")
	h.wantScreen("[ ] Wait for the acquirer (cancelled)")
	h.keys("ctrl+c")
	if !h.quit {
		t.Error("ctrl+c with nothing running did not quit")
	}
}

// TestInterruptedRunAfterKill9 runs a command in another process (this
// test binary again), kills that process with SIGKILL while the command
// runs, then opens the incident on the journal it left: the step and the
// timeline say the run was interrupted.
func TestInterruptedRunAfterKill9(t *testing.T) {
	if os.Getenv("ONCALL_TUI_RUN_CHILD") != "" {
		runChild()
		return
	}
	h := newHarness(t, 120, 40, withRunbookCommands(t, t.TempDir()))
	snap, _ := h.sim.IncidentByKey(pdsim.DemoCheckout)
	db := filepath.Join(t.TempDir(), "child.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // catches a hang only
	defer cancel()
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestInterruptedRunAfterKill9$")
	child.Env = append(os.Environ(), "ONCALL_TUI_RUN_CHILD="+db, "ONCALL_TUI_RUN_INCIDENT="+snap.ID)
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// The command prints its process group id once it runs (the intent is
	// journaled before it starts).
	sc := bufio.NewScanner(stdout)
	pgid := 0
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
			pgid, _ = strconv.Atoi(p)
			break
		}
	}
	if pgid == 0 {
		_ = child.Process.Kill()
		t.Fatal("the child never started its command")
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // the orphaned sleep

	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	opts := h.model().opts
	opts.Journal, opts.Outbox = j, outbox.New(j, opts.Source, outbox.Options{})
	h2 := &harness{t: t, sim: h.sim, journal: j, clock: h.clock, m: New(opts)}
	h2.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h2.run(h2.m.Init())
	openCheckoutRunbook(t, h2)
	h2.wantScreen("[?] Wait for the acquirer (interrupted: no result was journaled)", "$?  echo \"ready $$\"")
	for h2.model().detail.focus != paneTimeline {
		h2.keys("tab")
	}
	h2.wantScreen("Running read command from runbook probe: wait [interrupted: no result was journaled]")
}

// runChild is the child of TestInterruptedRunAfterKill9: it runs the wait
// command, journaled, and is killed while it runs.
func runChild() {
	j, err := store.Open(os.Getenv("ONCALL_TUI_RUN_CHILD"))
	if err != nil {
		panic(err)
	}
	set, _, _ := runbook.LoadFS(fstest.MapFS{"probe.md": {Data: []byte(runRunbook)}})
	rb, _ := set.Get("probe")
	step, _ := rb.Command("wait")
	job := run.Job{IncidentID: os.Getenv("ONCALL_TUI_RUN_INCIDENT"), Runbook: rb, Step: step, Actor: "child", Host: "laptop",
		Spec: run.Spec{OnLine: func(l string) { os.Stdout.WriteString(l + "\n") }}}
	_, _ = job.Run(context.Background(), j)
	os.Exit(0) // not reached: the parent kills this process
}

// fixedDurations is the journal with every command's duration fixed, so
// that golden screens do not depend on how fast the machine is.
type fixedDurations struct{ *store.Store }

var durations = regexp.MustCompile(`after [0-9.]+(ms|µs|s)`)

func (j fixedDurations) Append(id string, e incident.Event) (incident.Event, error) {
	if e.Kind == incident.KindCommandResult {
		e.Fields[incident.FieldDurationMS] = "1520"
		e.Summary = durations.ReplaceAllString(e.Summary, "after 1.52s")
	}
	return j.Store.Append(id, e)
}

// TestRunbookRunGolden: the runbook pane within the detail view: a failed
// run's output, the steps after a failed and a successful run, and a
// write's confirmation, at both sizes.
func TestRunbookRunGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, hgt := size[0], size[1]
		name := strconv.Itoa(w) + "x" + strconv.Itoa(hgt)
		h := newHarness(t, w, hgt, withRunbookCommands(t, t.TempDir()), func(o *Options) {
			o.Commands.OutputDir = "" // no file: its name is a run id
			o.Journal = fixedDurations{o.Journal.(*store.Store)}
		})
		openCheckoutRunbook(t, h)
		selectStep(t, h, "probe")
		h.keys("!", "y")
		m := h.model()
		m.detail.run.out.end.outcome.Run.Duration = 1520 * time.Millisecond
		h.m = m
		golden(t, "runbook-run-output-"+name, h.screen())
		h.keys("esc")
		selectStep(t, h, "hello")
		h.keys("!", "y", "esc")
		golden(t, "runbook-run-steps-"+name, h.screen())
		selectStep(t, h, "restart")
		h.keys("!")
		golden(t, "runbook-run-confirm-"+name, h.screen())
	}
}

// TestPostOutputFalseKeepsTheResultLocal: with post_output: false in the
// runbook's front matter, or in the configuration, the result stays in the
// journal (and the timeline) and no note is sent.
func TestPostOutputFalseKeepsTheResultLocal(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*Options)
	}{
		{"runbook", func(o *Options) {
			set, diags, err := runbook.LoadFS(fstest.MapFS{"probe.md": {Data: []byte(strings.Replace(runRunbook, "---\n## Diagnosis", "post_output: false\n---\n## Diagnosis", 1))}})
			if err != nil || runbook.HasErrors(diags) {
				t.Fatalf("runbook: %v %v", err, diags)
			}
			o.Runbooks = set
		}},
		{"configuration", func(o *Options) { o.Commands.NoPost = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 120, 40, withRunbookCommands(t, t.TempDir()), tc.tweak)
			in := openCheckoutRunbook(t, h)
			notes := len(h.sim.Notes(in.ID))
			selectStep(t, h, "probe")
			h.keys("!", "y", "esc")
			_, runs := runsOf(t, h, in.ID)
			if len(runs) != 1 || runs[0].Result == nil || runs[0].Result.State != incident.LocalOnly {
				t.Fatalf("runs %+v", runs)
			}
			if n := len(h.sim.Notes(in.ID)); n != notes {
				t.Errorf("%d notes sent", n-notes)
			}
			for h.model().detail.focus != paneTimeline {
				h.keys("tab")
			}
			h.wantScreen("Command probe on laptop: failed, exit 3")
		})
	}
}
