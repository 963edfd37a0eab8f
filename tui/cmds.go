package tui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// Journal is what the TUI needs from the local journal: record first,
// then remember what the provider answered.
type Journal interface {
	Append(incidentID string, e incident.Event) (incident.Event, error)
	Events(incidentID string) ([]incident.Event, error)
	SaveIncidents(list []incident.Incident, fetchedAt time.Time) error
	SaveFilter(f incident.Filter) error
	// The last known state of one incident, for when PagerDuty cannot
	// be reached.
	Snapshot(incidentID string) (store.Snapshot, bool, error)
	SaveSnapshot(snap store.Snapshot) error
}

// Messages. Each names the request it answers (incident id, generation) so
// that a late answer for something no longer on screen is dropped.
type (
	incidentsMsg struct {
		gen  int
		list []incident.Incident
		err  error
		warn error // the list is usable but incomplete
	}
	detailMsg struct {
		id          string
		gen         int
		incremental bool      // remote holds only events from the last one seen on
		cachedAt    time.Time // set when err is set and remote comes from the cache
		inc         incident.Incident
		haveInc     bool
		remote      []incident.Event
		local       []incident.Event
		err         error
	}
	// journaledMsg: an action is on disk and about to be sent.
	journaledMsg struct {
		incidentID string
		event      incident.Event
		err        error
		typed      *typed // what was typed for it, given back if err
	}
	// sentMsg: an outbox pass for one incident ended; results name each
	// action it attempted or settled.
	sentMsg struct {
		incidentID string
		results    []outbox.Result
		err        error
	}
	// waitMsg: the provider asked us to slow down; a retry comes.
	waitMsg struct {
		d      time.Duration
		reason string
	}
	// outboxMsg: the background drainer settled or retried an action.
	outboxMsg struct{ result outbox.Result }
	alertsMsg struct {
		id     string
		gen    int
		alerts []incident.Alert
		err    error
	}
	cacheSavedMsg struct{ err error }
	whoMsg        struct {
		name string
		err  error
	}
	clipboardMsg string
	// listTickMsg: time to poll the list. One poll loop runs for the
	// program's life, so it needs no generation.
	listTickMsg   struct{}
	clockTickMsg  struct{ gen int }
	detailTickMsg struct {
		id  string
		gen int
	}
)

func fetchIncidents(ctx context.Context, src incident.Source, f incident.Filter, gen int) tea.Cmd {
	return func() tea.Msg {
		list, err := src.List(ctx, f)
		if errors.Is(err, incident.ErrTruncated) && len(list) > 0 {
			// The first 10,000 are still worth showing; say what is missing.
			return incidentsMsg{gen: gen, list: list, warn: err}
		}
		return incidentsMsg{gen: gen, list: list, err: err}
	}
}

// saveFilter remembers the list filter for the next start.
func saveFilter(j Journal, f incident.Filter) tea.Cmd {
	return func() tea.Msg { return cacheSavedMsg{err: j.SaveFilter(f)} }
}

// fetchDetail reads the incident, its provider events and its local
// journal. The journal read is disk I/O, so it happens here, not in Update.
// With a zero mark it fetches everything; otherwise only events from the
// mark on (one small request while nothing happens), without the repeats
// of the mark's second, and the incident itself only when the events left
// may have changed it.
func fetchDetail(ctx context.Context, src incident.Source, j Journal, id string, gen int, mark pollMark) tea.Cmd {
	since := mark.at
	return func() tea.Msg {
		msg := detailMsg{id: id, gen: gen, incremental: !since.IsZero()}
		local, jerr := j.Events(id)
		msg.local = local
		var err error
		if since.IsZero() {
			msg.remote, err = src.Events(ctx, id)
		} else {
			msg.remote, err = src.EventsSince(ctx, id, since)
		}
		if err != nil {
			msg.err = err
			if since.IsZero() {
				// Show the last known timeline, marked with its age.
				if snap, ok, serr := j.Snapshot(id); serr == nil && ok {
					msg.inc, msg.haveInc, msg.remote, msg.cachedAt = snap.Incident, true, snap.Events, snap.FetchedAt
				} else {
					msg.remote = nil
				}
			}
			return msg
		}
		if msg.incremental {
			msg.remote = mark.unseen(msg.remote)
		}
		if !msg.incremental || changesIncident(msg.remote) {
			if msg.inc, msg.err = src.Get(ctx, id); msg.err != nil {
				return msg
			}
			msg.haveInc = true
		}
		if jerr != nil {
			msg.err = fmt.Errorf("read journal: %w", jerr)
		}
		return msg
	}
}

// changesIncident reports events after which the incident's facts
// (status, assignees, level, urgency) may differ.
func changesIncident(events []incident.Event) bool {
	for _, e := range events {
		switch e.Kind {
		case incident.KindNote, incident.KindAlert, incident.KindNotify:
		default:
			return true
		}
	}
	return false
}

func fetchAlerts(ctx context.Context, src incident.Source, id string, gen int) tea.Cmd {
	return func() tea.Msg {
		alerts, err := src.Alerts(ctx, id)
		return alertsMsg{id: id, gen: gen, alerts: alerts, err: err}
	}
}

// saveSnapshot keeps the open incident's last known state on disk.
func saveSnapshot(j Journal, inc incident.Incident, remote []incident.Event, at time.Time) tea.Cmd {
	// The model only appends to its events and never changes one, so
	// the saver may read them while the model goes on: capped, an append
	// never writes where the saver reads.
	events := remote[:len(remote):len(remote)]
	return func() tea.Msg {
		return cacheSavedMsg{err: j.SaveSnapshot(store.Snapshot{Incident: inc, Events: events, FetchedAt: at})}
	}
}

// saveCache keeps the last list on disk so the next start is instant.
func saveCache(j Journal, list []incident.Incident, at time.Time) tea.Cmd {
	return func() tea.Msg {
		return cacheSavedMsg{err: j.SaveIncidents(list, at)}
	}
}

// copyToClipboard copies through the terminal (OSC 52), which works over
// SSH where no local clipboard exists.
func copyToClipboard(s string) tea.Cmd {
	return tea.Batch(tea.SetClipboard(s), func() tea.Msg { return clipboardMsg("copied " + incident.Clean(s)) })
}

// draftMsg: a postmortem draft was written (or not); warn says what the
// draft lacks when some of its links could not be read.
type draftMsg struct {
	id   string
	path string
	warn string
	err  error
}

// draftJob is what a draft is written from, captured when it is asked
// for: the same inputs oncall export gives postmortem.Gather and Render,
// so a draft from here and one from the command line agree.
type draftJob struct {
	src                   incident.Source
	journal               Journal
	id, dir               string
	slos                  map[string]postmortem.SLO
	now                   time.Time
	zone                  *time.Location
	workHours, sleepHours postmortem.Hours
	runbooks              *runbook.Set
	premortems            *premortem.Set
}

// writeDraft gathers everything known about an incident (PagerDuty's
// record, the journal, its alerts, matched runbooks and related
// incidents) and writes the draft; postmortem.WriteDraft never overwrites
// a draft a person may have edited.
func writeDraft(ctx context.Context, d draftJob) tea.Cmd {
	return func() tea.Msg {
		id := d.id
		inc, err := d.src.Get(ctx, id)
		if err != nil {
			return draftMsg{id: id, err: err}
		}
		remote, err := d.src.Events(ctx, id)
		if err != nil {
			return draftMsg{id: id, err: err}
		}
		local, err := d.journal.Events(id)
		if err != nil {
			return draftMsg{id: id, err: fmt.Errorf("read journal: %w", err)}
		}
		in := postmortem.Input{
			Incident: inc, Timeline: incident.Merge(remote, local), Now: d.now, SLOs: d.slos,
			Location: d.zone, WorkHours: d.workHours, SleepHours: d.sleepHours,
		}
		// What Gather cannot read it leaves out: the draft is still worth
		// writing, and the status line says what it lacks.
		var warn string
		if err := postmortem.Gather(ctx, d.src, &in, postmortem.GatherOptions{Runbooks: d.runbooks, DraftsDir: d.dir}); err != nil {
			warn = "the draft lacks some links: " + oneLine(err)
		}
		in.Sections = premortem.Sections(d.premortems, in) // after Gather: matching reads the alerts
		path, err := postmortem.WriteDraft(d.dir, in)
		return draftMsg{id: id, path: path, warn: warn, err: err}
	}
}

// openBrowser opens an incident's page with the desktop's opener. Only
// http(s) URLs are opened: the URL came from outside.
func openBrowser(raw string) tea.Cmd {
	return func() tea.Msg {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return clipboardMsg("this incident has no web address to open")
		}
		opener := "xdg-open"
		if runtime.GOOS == "darwin" {
			opener = "open"
		}
		if _, err := exec.LookPath(opener); err != nil {
			return clipboardMsg("no browser opener (" + opener + ") here; y copies the URL instead")
		}
		cmd := exec.Command(opener, u.String())
		if err := cmd.Start(); err != nil {
			return clipboardMsg("could not open a browser: " + incident.Clean(err.Error()))
		}
		go cmd.Wait() // reap it; the browser outlives us
		return clipboardMsg("opened " + incident.Clean(u.String()))
	}
}

type (
	// editorReadyMsg: a temp file waits for $EDITOR.
	editorReadyMsg struct {
		incidentID string
		path       string
		err        error
	}
	// editorDoneMsg: the editor exited; the note is in the file.
	editorDoneMsg struct {
		incidentID string
		path       string
		err        error
	}
	// editorNoteMsg: the note's text, read back.
	editorNoteMsg struct {
		incidentID string
		text       string
		err        error
	}
)

// startEditor makes the temp file a long note is written in.
func startEditor(incidentID string) tea.Cmd {
	return func() tea.Msg {
		f, err := os.CreateTemp("", "oncall-note-*.md")
		if err != nil {
			return editorReadyMsg{incidentID: incidentID, err: err}
		}
		f.WriteString("\n# Write the note above. Lines starting with # are dropped; an empty note is not added.\n")
		f.Close()
		return editorReadyMsg{incidentID: incidentID, path: f.Name()}
	}
}

// editor runs $VISUAL or $EDITOR (vi when neither is set) on path,
// handing it the terminal.
func editor(incidentID, path string) tea.Cmd {
	name := os.Getenv("VISUAL")
	if name == "" {
		name = os.Getenv("EDITOR")
	}
	if name == "" {
		name = "vi"
	}
	args := strings.Fields(name)
	c := exec.Command(args[0], append(args[1:], path)...)
	return tea.ExecProcess(c, func(err error) tea.Msg {
		return editorDoneMsg{incidentID: incidentID, path: path, err: err}
	})
}

// readNote reads the edited note back and removes the temp file.
func readNote(incidentID, path string) tea.Cmd {
	return func() tea.Msg {
		defer os.Remove(path)
		data, err := os.ReadFile(path)
		if err != nil {
			return editorNoteMsg{incidentID: incidentID, err: err}
		}
		var keep []string
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") {
				keep = append(keep, line)
			}
		}
		return editorNoteMsg{incidentID: incidentID, text: strings.TrimSpace(strings.Join(keep, "\n"))}
	}
}

// journal records an action before anything is sent.
func journal(j Journal, incidentID string, e incident.Event, t *typed) tea.Cmd {
	return func() tea.Msg {
		stored, err := j.Append(incidentID, e)
		return journaledMsg{incidentID: incidentID, event: stored, err: err, typed: t}
	}
}

// Outbox sends journaled actions to the provider exactly once.
type Outbox interface {
	Flush(ctx context.Context, incidentID string) (outbox.Report, error)
}

// send flushes an incident's outbox right after an action is journaled,
// so the responder hears at once whether PagerDuty took it. Whatever
// cannot go now stays in the outbox for the background drainer.
func send(ctx context.Context, ob Outbox, incidentID string) tea.Cmd {
	return func() tea.Msg {
		rep, err := ob.Flush(ctx, incidentID)
		return sentMsg{incidentID: incidentID, results: rep.Results, err: err}
	}
}

// WaitNotice tells the program the adapter is waiting before a retry
// (rate limited, PagerDuty busy), for the status line.
func WaitNotice(d time.Duration, reason string) tea.Msg { return waitMsg{d: d, reason: reason} }

// OutboxNotice turns a background drainer's result into a message for the
// program (Program.Send), so the screen follows actions sent later.
func OutboxNotice(r outbox.Result) tea.Msg { return outboxMsg{result: r} }

// every is the self-rearming poll timer; tests replace it to drive time.
type every func(d time.Duration, msg tea.Msg) tea.Cmd

func realEvery(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}
