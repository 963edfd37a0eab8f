package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/redact"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbook/run"
)

// This file runs a runbook's commands from the runbook pane: the run key
// asks (runconfirm.go), the command runs off the UI path (outputpane.go's
// commandStream), its output shows over the runbook's steps until closed,
// and what the run journaled joins the timeline and goes to PagerDuty.
//
// One command runs at a time. While it runs, ctrl+c (and the output
// pane's cancel key) cancel it rather than quit: SIGINT to its process
// group, SIGKILL after the grace. The run belongs to the program, not to
// the incident on screen: leaving the incident does not stop it, and its
// output is there again when the incident is opened again.

// Commands is how the runbook pane runs a runbook's commands.
type Commands struct {
	// Redactor masks secrets in the output, in the command a write shows
	// before it runs, and in what is journaled and mirrored. Nil masks
	// the values of the environment's variables named like secrets
	// (…TOKEN, …KEY, …SECRET, …PASSWORD); the program passes one that
	// also masks the PagerDuty token and the configured redact and
	// redact_env.
	Redactor *redact.Redactor
	// Workdir is where commands run; "" is the runbook's own directory.
	Workdir string
	// OutputDir receives each run's whole (masked) output, a file per
	// run; "" keeps none.
	OutputDir string
	// NoPost keeps results off PagerDuty (post_output: false in the
	// configuration); a runbook's own post_output: false does the same
	// for its commands.
	NoPost bool
	// Env is the commands' environment; nil is this process's.
	Env []string
	// Grace is how long a cancelled command has between SIGINT and
	// SIGKILL; 0 is run.DefaultGrace.
	Grace time.Duration
	// Host names this machine in the journal; "" asks the system.
	Host string
}

// withDefaults fills what the program did not: a redactor that masks at
// least the environment's secrets.
func (c Commands) withDefaults() Commands {
	if c.Redactor == nil {
		env := c.Env
		if env == nil {
			env = os.Environ()
		}
		c.Redactor, _ = redact.New(redact.Config{Environ: env}) // no patterns: cannot fail
	}
	return c
}

// expand is a command as it will run: its variables expanded from the
// commands' environment, and masked as output is.
func (c Commands) expand(s string) string {
	lookup := os.Getenv
	if c.Env != nil {
		lookup = func(name string) string {
			for i := len(c.Env) - 1; i >= 0; i-- {
				if k, v, ok := strings.Cut(c.Env[i], "="); ok && k == name {
					return v
				}
			}
			return ""
		}
	}
	return c.Redactor.String(os.Expand(s, lookup))
}

// commandRun is the runbook pane's command: the confirmation being asked,
// then the run and its output. It is carried from one opened incident to
// the next (detailModel.open), so a run is never lost from sight.
type commandRun struct {
	asking     bool
	confirm    runConfirm
	rb         *runbook.Runbook // the runbook of the step asked about or running
	step       runbook.Step
	incidentID string

	stream  *commandStream // the run in progress; nil when none
	runID   string
	seq     int // stream ids, so a late message of an earlier run drops
	out     outputPane
	shown   bool // out is drawn over the runbook's steps until closed
	journal bool // the run is journaled (false in read-only mode)

	width, height int
}

// live reports whether a command is running.
func (r commandRun) live() bool { return r.stream != nil }

// SetSize gives the confirmation and the output the runbook pane's cells
// below the steps (stepsHeight).
func (r commandRun) SetSize(w, h int) commandRun {
	r.width, r.height = w, h
	below := max(h-stepsHeight(h), 1)
	r.confirm = r.confirm.SetSize(w, below)
	r.out = r.out.SetSize(w, below)
	return r
}

// stepsHeight is how much of a runbook pane of height h keeps showing the
// steps while a command is asked about or its output is shown: enough for
// the heading and the selected step with its item, so the step's state
// stays in view.
func stepsHeight(h int) int { return min(max(h*2/5, 7), h/2) }

// runbookView is the runbook pane; while a command is asked about, or its
// output is shown, the steps share it with the confirmation or the
// output, below them.
func (d detailModel) runbookView() string {
	var below string
	switch {
	case d.run.incidentID != d.inc.ID:
		return d.rb.View()
	case d.run.asking:
		below = d.run.confirm.View()
	case d.run.shown:
		below = d.run.out.View()
	default:
		return d.rb.View()
	}
	steps := d.rb.SetSize(d.rb.width, stepsHeight(d.rb.height)).View()
	lines := strings.Split(steps, "\n")
	for len(lines) < stepsHeight(d.rb.height) {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n") + "\n" + below
}

// outputOnScreen reports whether the output pane covers the runbook pane
// that has the keyboard.
func (d detailModel) outputOnScreen() bool {
	return d.focus == paneRunbook && d.run.shown && d.run.incidentID == d.inc.ID
}

// askRun opens the confirmation of the selected command.
func (m Model) askRun() (tea.Model, tea.Cmd) {
	d := m.detail
	rb, step, ok := d.rb.Selected()
	if !ok || !step.Runnable() {
		m.say(statusError, "select a command (a $ line) to run it ("+hint(m.keys.Document, "shows steps")+")")
		return m, nil
	}
	if d.run.live() {
		m.say(statusError, "a command is still running; ctrl+c cancels it")
		return m, nil
	}
	c := m.opts.Commands
	r := d.run
	r.asking, r.rb, r.step, r.incidentID = true, rb, step, d.inc.ID
	r.confirm = newRunConfirm(m.st, m.keys, step, c.expand, m.opts.ReadOnly)
	m.detail.run = r.SetSize(d.rb.width, d.rb.height)
	m.prompt = promptRun
	return m, nil
}

// runKey gives a key to the confirmation.
func (m Model) runKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	m.detail.run.confirm, cmd = m.detail.run.confirm.Update(msg)
	return m, cmd
}

// outputKey is a key pressed while the output covers the runbook pane:
// scrolling and cancelling are the pane's, back closes a finished run's
// output; handled reports false for keys the page keeps.
func (m Model) outputKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd, bool) {
	k := m.keys
	r := m.detail.run
	switch {
	case key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom) || (r.live() && key.Matches(msg, k.Cancel)):
		var cmd tea.Cmd
		m.detail.run.out, cmd = r.out.Update(msg)
		return m, cmd, true
	case !r.live() && key.Matches(msg, k.Back):
		m.detail.run.shown = false
		return m, nil, true
	}
	return m, nil, false
}

// handleRun takes the messages of a command's confirmation and run.
func (m Model) handleRun(msg tea.Msg) (tea.Model, tea.Cmd) {
	r := m.detail.run
	switch msg := msg.(type) {
	case runDeclinedMsg:
		if m.prompt == promptRun {
			m.prompt = promptNone
		}
		m.detail.run.asking = false
		m.say(statusInfo, incident.Clean(msg.step.Label())+": not run")
	case runConfirmedMsg:
		if m.prompt != promptRun || !r.asking || msg.step.Key != r.step.Key {
			return m, nil
		}
		m.prompt = promptNone
		return m.startRun()
	case commandOutputMsg:
		if r.stream == nil || msg.stream != r.stream.id {
			return m, nil
		}
		m.detail.run.out, _ = r.out.Update(msg)
		return m, r.stream.wait()
	case cancelCommandMsg:
		if r.stream != nil && msg.stream == r.stream.id {
			return m.cancelRun()
		}
	case commandDoneMsg:
		if r.stream == nil || msg.stream != r.stream.id {
			return m, nil
		}
		return m.endRun(msg)
	}
	return m, nil
}

// startRun runs the confirmed command: journaled, unless the program is
// read-only, where only a read command gets this far and nothing is
// written.
func (m Model) startRun() (tea.Model, tea.Cmd) {
	r := m.detail.run
	r.asking = false
	c := m.opts.Commands
	step, rb := r.step, r.rb
	if step.Mode != runbook.ModeRead && m.opts.ReadOnly {
		m.detail.run = r
		m.say(statusError, "read-only mode: "+incident.Clean(step.Label())+" changes something and was not run")
		return m, nil
	}
	dir := c.Workdir
	if dir == "" {
		dir = filepath.Dir(rb.File)
	}
	r.seq++
	r.runID = run.NewRunID(m.opts.Now())
	r.journal = !m.opts.ReadOnly
	job := run.Job{IncidentID: r.incidentID, Runbook: rb, Step: step, Actor: m.opts.Actor, Host: c.Host, RunID: r.runID, Now: m.opts.Now,
		Post: !c.NoPost && (rb.PostOutput == nil || *rb.PostOutput),
		Spec: run.Spec{Dir: dir, Env: c.Env, Redactor: c.Redactor, Grace: c.Grace}}
	var j run.Journal = m.opts.Journal
	if r.journal {
		job.OutputDir = c.OutputDir
	} else {
		j = discardJournal{}
	}
	var cmd tea.Cmd
	r.stream, cmd = startCommand(m.ctx, r.seq, job, j)
	r.out = newOutputPane(m.st, m.keys, r.seq, step.Label(), c.Redactor.String(step.Text), step.Mode)
	r.shown = true
	m.detail.run = r.SetSize(r.width, r.height)
	m.detail.rb.SetLive(r.runID, step)
	if m.detail.shows(r.incidentID) {
		m.detail.refreshRunMarks()
	}
	m.say(statusInfo, "running "+incident.Clean(step.Label())+"; ctrl+c cancels it")
	return m, cmd
}

// cancelRun stops the command that runs: SIGINT now, SIGKILL after the
// grace; its end arrives as a commandDoneMsg like any other.
func (m Model) cancelRun() (tea.Model, tea.Cmd) {
	if s := m.detail.run.stream; s != nil {
		s.Cancel()
		m.say(statusInfo, "cancelling "+m.detail.run.out.label+": SIGINT now, SIGKILL if it does not stop")
	}
	return m, nil
}

// endRun shows how the command ended and adds what the run journaled to
// the timeline: the intent, the result and, after a success, the tick of
// its step. What is to be mirrored is sent now.
func (m Model) endRun(msg commandDoneMsg) (tea.Model, tea.Cmd) {
	r := m.detail.run
	r.out, _ = r.out.Update(msg)
	r.stream = nil
	m.detail.run = r
	m.detail.rb.SetLive("", runbook.Step{})
	res := msg.outcome
	var send bool
	for _, e := range []incident.Event{res.Intent, res.Result, res.Tick} {
		if !r.journal || e.ID == "" {
			continue
		}
		if m.detail.shows(r.incidentID) {
			m.detail = m.detail.journaledOnce(e)
		}
		if e.State != incident.LocalOnly {
			m.inflight = cloneSet(m.inflight)
			m.inflight[e.ID] = true
			send = true
		}
	}
	if m.detail.shows(r.incidentID) {
		m.detail.refreshRunMarks()
	}
	switch {
	case msg.err != nil && res.Result.ID == "":
		m.sayOutcome(statusError, "not run: "+oneLine(msg.err))
	case msg.err != nil:
		m.sayOutcome(statusError, incident.Clean(res.Result.Summary)+"; "+oneLine(msg.err))
	case !r.journal:
		m.sayOutcome(statusInfo, fmt.Sprintf("%s: %s (read-only: not journaled)", incident.Clean(r.out.label), res.Run.Status))
	case res.Run.Status == incident.RunOK:
		m.sayOutcome(statusInfo, incident.Clean(res.Result.Summary))
	default:
		m.sayOutcome(statusError, incident.Clean(res.Result.Summary))
	}
	if send {
		return m, sendOutbox(m, r.incidentID)
	}
	return m, nil
}

// sendOutbox sends what was just journaled for incidentID.
func sendOutbox(m Model, incidentID string) tea.Cmd {
	return send(m.ctx, m.opts.Outbox, incidentID)
}

// journaledOnce adds e to the journal's events unless a refetch brought
// it already (the intent is on disk from the moment the run starts).
func (d detailModel) journaledOnce(e incident.Event) detailModel {
	for _, have := range d.local {
		if have.ID == e.ID {
			return d
		}
	}
	return d.journaled(e)
}

// refreshRunMarks redraws what depends on whether a run is live: the
// steps' states and the timeline's interrupted runs.
func (d *detailModel) refreshRunMarks() {
	d.rb.SetTicks(d.local)
	d.render()
}

// runMarks are the intents (by event id) the timeline marks interrupted:
// runs not live here whose result never came, because the process that
// ran them died before it could journal how they ended.
func (d *detailModel) runMarks() map[string]bool {
	interrupted := map[string]bool{}
	live := func(id string) bool { return d.run.live() && id == d.run.runID }
	for _, r := range incident.CommandRuns(d.full, live) {
		if r.Status == incident.RunInterrupted {
			interrupted[r.Intent.ID] = true
		}
	}
	return interrupted
}

// discardJournal is the journal of a read-only program's runs: it takes
// every event and keeps none, since read-only writes nothing.
type discardJournal struct{}

func (discardJournal) Append(_ string, e incident.Event) (incident.Event, error) { return e, nil }

// keyHelp is the key line while a command is asked about or its output
// covers the runbook pane: the keys as they act here, most important
// first.
func (r commandRun) keyHelp(k *KeyMap) []key.Binding {
	as := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	scroll := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	switch {
	case r.asking && r.confirm.write() && r.confirm.readOnly:
		return []key.Binding{as(k.Cancel, "close")}
	case r.asking && r.confirm.write():
		return []key.Binding{as(k.Open, "run it (once the name is typed)"), as(k.Back, "cancel")}
	case r.asking:
		return []key.Binding{as(k.Confirm, "run it"), as(k.Cancel, "cancel")}
	case r.live():
		ctrlC := key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel the command"))
		return enabled(append([]key.Binding{ctrlC, as(k.Cancel, "cancel the command")}, scroll...)...)
	}
	return enabled(append([]key.Binding{as(k.Back, "close the output"), k.Run}, scroll...)...)
}
