package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

// handleKey routes a key: an open prompt takes it first (so typed text
// never fires a global key), then the global keys, then the page.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	switch m.prompt {
	case promptHelp:
		switch {
		case key.Matches(msg, m.keys.Help, m.keys.Back, m.keys.Cancel):
			m.prompt = promptNone
		case key.Matches(msg, m.keys.Quit):
			return m, tea.Quit
		case key.Matches(msg, m.keys.Down):
			m.helpPage = min(m.helpPage+1, m.helpPages()-1)
		case key.Matches(msg, m.keys.Up):
			m.helpPage = max(m.helpPage-1, 0)
		}
		return m, nil
	case promptConfirm:
		m.prompt = promptNone
		if key.Matches(msg, m.keys.Confirm) {
			return m, m.act(m.target, m.confirmKind, nil)
		}
		m.setStatus(fmt.Sprintf("cancelled; #%d unchanged", m.target.Number), false)
		return m, nil
	case promptNote:
		return m.noteKey(msg)
	case promptSearch:
		return m.searchKey(msg)
	case promptPicker:
		cmd, chosen, cancelled := m.picker.update(msg)
		switch {
		case cancelled:
			m.prompt = promptNone
			m.setStatus("nothing changed", false)
		case chosen != nil:
			m.prompt = promptNone
			return m, m.act(m.target, m.picker.kind, pickedFields(m.picker.kind, *chosen, m.target))
		}
		return m, cmd
	case promptForm:
		cmd, done, cancelled := m.form.update(msg)
		switch {
		case cancelled:
			m.prompt = promptNone
			m.setStatus(strings.ToLower(m.form.title)+": cancelled, nothing recorded", false)
		case done:
			m.prompt = promptNone
			return m, m.act(m.target, m.form.kind, m.form.values())
		}
		return m, cmd
	}

	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.prompt, m.helpPage = promptHelp, 0
		return m, nil
	case key.Matches(msg, k.Refresh):
		m.listGen++
		m.setStatus("refreshing…", false)
		cmds := []tea.Cmd{fetchIncidents(m.opts.Source, m.filter, m.listGen)}
		if m.screen == screenDetail {
			cmds = append(cmds, fetchDetail(m.opts.Source, m.opts.Journal, m.detail.inc.ID, m.detailGen, m.since()),
				fetchAlerts(m.opts.Source, m.detail.inc.ID, m.detailGen))
		}
		return m, tea.Batch(cmds...)
	}
	if m.screen == screenDetail {
		return m.detailKey(msg)
	}
	return m.listKey(msg)
}

func (m Model) noteKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.prompt = promptNone
		m.input.Blur()
		m.setStatus("note discarded", false)
		return m, nil
	case "enter":
		text := strings.TrimSpace(m.input.Value())
		if text == "" {
			m.setStatus("empty note not added; type something or press esc", true)
			return m, nil
		}
		m.prompt = promptNone
		m.input.Blur()
		m.input.Reset()
		return m, m.act(m.target, incident.KindNote, map[string]string{incident.FieldText: text})
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m Model) searchKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.prompt = promptNone
		m.search.Blur()
		m.search.Reset()
		m.list.SetFilter("")
		return m, nil
	case "enter":
		m.prompt = promptNone
		m.search.Blur()
		return m, nil
	case "up", "down":
		if msg.String() == "up" {
			m.list.Move(-1)
		} else {
			m.list.Move(1)
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	m.list.SetFilter(m.search.Value())
	return m, cmd
}

func (m Model) listKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.list.Move(-1)
	case key.Matches(msg, k.Down):
		m.list.Move(1)
	case key.Matches(msg, k.Top):
		m.list.MoveTo(0)
	case key.Matches(msg, k.Bottom):
		m.list.MoveTo(-1)
	case key.Matches(msg, k.Search):
		m.prompt = promptSearch
		m.search.Focus()
	case key.Matches(msg, k.Scope, k.Urgency, k.Status, k.Service):
		m.filter = nextFilter(m.filter, msg, k, m.list.services)
		m.listGen++
		m.setStatus("list: "+orAll(filterLabel(m.filter, m.list.services)), false)
		return m, tea.Batch(fetchIncidents(m.opts.Source, m.filter, m.listGen), saveFilter(m.opts.Journal, m.filter))
	case key.Matches(msg, k.Back):
		if m.list.filter != "" {
			m.search.Reset()
			m.list.SetFilter("")
		}
	case key.Matches(msg, k.Open):
		sel, ok := m.list.Selected()
		if !ok {
			return m, nil
		}
		return m.open(sel)
	default:
		sel, ok := m.list.Selected()
		if !ok {
			return m, nil
		}
		return m.startAction(msg, sel)
	}
	return m, nil
}

func (m Model) detailKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		m.screen = screenList
		m.detailGen++ // drop answers and ticks for the closed incident
		return m, nil
	case key.Matches(msg, k.Up):
		m.detail.Move(-1)
	case key.Matches(msg, k.Down):
		m.detail.Move(1)
	case key.Matches(msg, k.Top):
		m.detail.ScrollTo(false)
	case key.Matches(msg, k.Bottom):
		m.detail.ScrollTo(true)
	case key.Matches(msg, k.Pane):
		m.detail.NextPane()
		return m, m.ensureRendered()
	case m.detail.focus == paneRunbook && key.Matches(msg, k.NextRunbook, k.PrevRunbook):
		d := 1
		if key.Matches(msg, k.PrevRunbook) {
			d = -1
		}
		m.detail.rb.Cycle(d)
		return m, m.ensureRendered()
	case m.detail.focus == paneRunbook && key.Matches(msg, k.Document):
		m.detail.rb.doc = !m.detail.rb.doc
		m.detail.rb.scroll = 0
		return m, m.ensureRendered()
	case m.detail.focus == paneRunbook && key.Matches(msg, k.Tick):
		rb, step, ok := m.detail.rb.Selected()
		if !ok {
			m.setStatus("select a runbook step to tick (v shows steps)", true)
			return m, nil
		}
		if m.detail.rb.ticked[step.Key] {
			m.setStatus("that step is already ticked", false)
			return m, nil
		}
		return m, m.act(m.detail.inc, incident.KindRunbookStep, stepFields(rb, step, incident.StepDone))
	case m.detail.focus == paneRunbook && key.Matches(msg, k.CopyURL):
		if len(m.detail.rb.matches) > 0 && m.detail.rb.matches[m.detail.rb.cur].Runbook == nil {
			return m, copyToClipboard(m.detail.rb.matches[m.detail.rb.cur].URL)
		}
		rb, step, ok := m.detail.rb.Selected()
		if !ok || step.Kind != runbook.Command {
			m.setStatus("select a command (a $ line) to copy", true)
			return m, nil
		}
		// The status line says "copied" once the copy is journaled.
		return m, tea.Batch(tea.SetClipboard(step.Text), m.act(m.detail.inc, incident.KindRunbookStep, stepFields(rb, step, incident.StepCopied)))
	case key.Matches(msg, k.Star):
		e, ok := m.detail.Selected()
		if !ok || m.detail.focus != paneTimeline {
			m.setStatus("select a timeline event to star", true)
			return m, nil
		}
		if m.detail.starred[e.ID] {
			m.setStatus("already starred", false)
			return m, nil
		}
		return m, m.act(m.detail.inc, incident.KindStar, map[string]string{incident.FieldEventID: e.ID, incident.FieldText: kindLabel(e.Kind) + ": " + incident.Clean(e.Summary)})
	default:
		return m.startAction(msg, m.detail.inc)
	}
	return m, nil
}

func (m Model) open(in incident.Incident) (tea.Model, tea.Cmd) {
	m.screen = screenDetail
	m.detailGen++
	m.detail = newDetail(in, m.st, m.opts.Location)
	m.remote, m.local, m.detailPrint = nil, nil, ""
	m.layout()
	m.rematch()
	return m, tea.Batch(fetchDetail(m.opts.Source, m.opts.Journal, in.ID, m.detailGen, time.Time{}),
		fetchAlerts(m.opts.Source, in.ID, m.detailGen),
		m.opts.every(m.opts.DetailEvery, detailTickMsg{id: in.ID, gen: m.detailGen}),
		m.opts.every(time.Second, clockTickMsg{gen: m.detailGen}))
}

// startAction begins an action on an incident from a key, if the key is
// an action; other keys do nothing.
func (m Model) startAction(msg tea.KeyPressMsg, in incident.Incident) (tea.Model, tea.Cmd) {
	k := m.keys
	m.target = in
	switch {
	case key.Matches(msg, k.CopyURL):
		if in.URL == "" {
			m.setStatus("this incident has no URL", true)
			return m, nil
		}
		return m, copyToClipboard(in.URL)
	case key.Matches(msg, k.Acknowledge):
		switch in.Status {
		case incident.Acknowledged:
			m.setStatus(fmt.Sprintf("#%d is already acknowledged", in.Number), false)
			return m, nil
		case incident.Resolved:
			// PagerDuty turns an acknowledge of a resolved incident into a
			// reopen that pages people again; that must never happen by
			// accident, so the key offers the reopen by name and asks first.
			m.prompt, m.confirmKind = promptConfirm, incident.KindReopen
			return m, nil
		}
		return m, m.act(in, incident.KindAcknowledge, nil)
	case key.Matches(msg, k.Resolve):
		if in.Status == incident.Resolved {
			m.setStatus(fmt.Sprintf("#%d is already resolved", in.Number), false)
			return m, nil
		}
		m.prompt, m.confirmKind = promptConfirm, incident.KindResolve
	case key.Matches(msg, k.Mitigated):
		m.prompt, m.confirmKind = promptConfirm, incident.KindMitigated
	case key.Matches(msg, k.Note):
		m.prompt = promptNote
		m.input.Reset()
		m.input.Focus() // the real terminal cursor blinks; no blink ticks needed
	case key.Matches(msg, k.Reassign, k.Responders):
		kind := incident.KindReassign
		if key.Matches(msg, k.Responders) {
			kind = incident.KindRespondersReq
		}
		m.picker = newPicker(kind)
		m.prompt = promptPicker
		return m, fetchChoices(m.opts.Source, kind)
	case key.Matches(msg, k.Escalate):
		m.openForm(incident.KindEscalate)
	case key.Matches(msg, k.Snooze):
		if in.Status != incident.Acknowledged {
			m.setStatus(fmt.Sprintf("PagerDuty snoozes acknowledged incidents only; acknowledge #%d first", in.Number), true)
			return m, nil
		}
		m.openForm(incident.KindSnooze)
	case key.Matches(msg, k.Task):
		m.openForm(incident.KindTask)
	case key.Matches(msg, k.Browser):
		return m, openBrowser(in.URL)
	case key.Matches(msg, k.EditorNote):
		return m, startEditor(in.ID)
	case key.Matches(msg, k.Decision):
		m.openForm(incident.KindDecision)
	case key.Matches(msg, k.ActionItem):
		m.openForm(incident.KindActionItem)
	case key.Matches(msg, k.Role):
		m.openForm(incident.KindRole)
	case key.Matches(msg, k.Update):
		m.openForm(incident.KindStatusUpdate)
		m.form.fields[0].input.SetValue(m.statusDraft(in))
		m.form.fields[0].input.CursorEnd()
	}
	return m, nil
}

func (m *Model) openForm(kind incident.Kind) {
	m.form = formFor(kind, m.opts.Now())
	m.prompt = promptForm
}

// statusDraft prefills a status update from what is known.
func (m Model) statusDraft(in incident.Incident) string {
	s := fmt.Sprintf("#%d %s is %s (%s urgency", in.Number, incident.Clean(in.Title), in.Status, in.Urgency)
	if in.Priority != "" {
		s += ", " + incident.Clean(in.Priority)
	}
	s += "). "
	if m.screen == screenDetail && m.detail.inc.ID == in.ID {
		for i := len(m.detail.timeline) - 1; i >= 0; i-- {
			if e := m.detail.timeline[i]; e.Kind == incident.KindDecision {
				s += "Latest decision: " + incident.Clean(e.Fields[incident.FieldWhat]) + ". "
				break
			}
		}
	}
	return s + "Next update in " + fmt.Sprint(int(m.opts.UpdateEvery.Minutes())) + " minutes."
}

// act journals an action; handleJournaled sends it once it is on disk.
// Structured kinds are built by incident's constructors, the same checks
// the command line runs; one they refuse is not journaled.
func (m Model) act(in incident.Incident, kind incident.Kind, fields map[string]string) tea.Cmd {
	t := m.typedFor(in, kind, fields)
	e, err := newEvent(kind, fields, m.opts.Now())
	if err != nil {
		return func() tea.Msg { return journaledMsg{incidentID: in.ID, err: err, typed: t} }
	}
	e.Actor, e.At = m.opts.Actor, m.opts.Now().UTC()
	return journal(m.opts.Journal, in.ID, e, t)
}

// typed is what the responder typed for an action (a note's text, or a
// submitted form with its values), kept until the journal has the
// action: when the write fails it is given back, never lost.
type typed struct {
	target incident.Incident
	note   string
	form   *form
}

// typedFor keeps what was typed for an action of kind: the note's text,
// or the form just submitted. Keys and pickers type nothing.
func (m Model) typedFor(in incident.Incident, kind incident.Kind, fields map[string]string) *typed {
	switch {
	case kind == incident.KindNote:
		return &typed{target: in, note: fields[incident.FieldText]}
	case m.form.kind == kind && len(m.form.fields) > 0:
		f := m.form
		return &typed{target: in, form: &f}
	}
	return nil
}

// giveBack reopens the prompt or form an action came from, with what was
// typed in it, after the journal refused the action, and returns the
// status line for the refusal why. If another prompt is open meanwhile,
// a note's text is shown on the status line instead, so it can still be
// copied.
func (m *Model) giveBack(t *typed, why string) string {
	switch {
	case t == nil:
		return why
	case m.prompt != promptNone && t.note != "":
		return fmt.Sprintf("%s; the note read: %q", why, t.note)
	case m.prompt != promptNone:
		return why
	}
	m.target = t.target
	if t.form != nil {
		m.form, m.prompt = *t.form, promptForm
	} else {
		m.prompt = promptNote
		m.input.SetValue(t.note)
		m.input.CursorEnd()
		m.input.Focus()
	}
	// What to do comes first: the reason may be cut at the screen's edge.
	return textKept + why
}

// textKept starts the status line of an action given back by giveBack.
const textKept = "your text is kept, enter retries, esc discards; "

// newEvent builds the event of kind from a form's or a key's fields.
func newEvent(kind incident.Kind, f map[string]string, now time.Time) (incident.Event, error) {
	switch kind {
	case incident.KindAcknowledge:
		return incident.Event{Kind: kind, Summary: "acknowledged"}, nil
	case incident.KindResolve:
		return incident.Event{Kind: kind, Summary: "resolved"}, nil
	case incident.KindReopen:
		return incident.Event{Kind: kind, Summary: "reopened"}, nil
	case incident.KindNote:
		return incident.NewNote(f[incident.FieldText])
	case incident.KindDecision:
		return incident.NewDecision(f[incident.FieldWhat], f[incident.FieldWhy], f[incident.FieldWho])
	case incident.KindActionItem:
		return incident.NewActionItem(f[incident.FieldTitle], f[incident.FieldOwner], f[incident.FieldDue], f[incident.FieldType], now)
	case incident.KindRole:
		return incident.NewRole(f[incident.FieldRole], f[incident.FieldPerson])
	case incident.KindStatusUpdate:
		return incident.NewStatusUpdate(f[incident.FieldMessage])
	case incident.KindMitigated:
		return incident.NewMitigated()
	case incident.KindTask:
		mins, _ := strconv.Atoi(f[incident.FieldMinutes])
		return incident.NewTask(f[incident.FieldPerson], f[incident.FieldWhat], time.Duration(mins)*time.Minute, now)
	case incident.KindStar:
		return incident.NewStarOn(f[incident.FieldEventID], f[incident.FieldText])
	case incident.KindRunbookStep:
		e, err := incident.NewRunbookStep(f[incident.FieldRunbook], f[incident.FieldStepKey], f[incident.FieldStep], f[incident.FieldCommand], f[incident.FieldAction])
		if f[incident.FieldAction] == incident.StepCopied {
			// Copying a command is this responder's own doing, not the
			// team's record: it stays on this machine.
			e.State = incident.LocalOnly
		}
		return e, err
	case incident.KindSnooze:
		d, err := incident.ParseSnooze(f[incident.FieldDuration])
		if err != nil {
			return incident.Event{}, err
		}
		return incident.NewSnooze(d)
	case incident.KindEscalate:
		n, err := incident.ParseLevel(f[incident.FieldLevel])
		if err != nil {
			return incident.Event{}, err
		}
		return incident.NewEscalate(n)
	}
	// A reassign or a responder request, from the picker.
	e := incident.Event{Kind: kind, Fields: f}
	e.Summary = incident.Summary(e)
	return e, nil
}

// stepFields describes a runbook step for the journal.
func stepFields(rb *runbook.Runbook, s runbook.Step, action string) map[string]string {
	f := map[string]string{incident.FieldRunbook: rb.ID, incident.FieldStepKey: s.Key, incident.FieldAction: action}
	if s.Kind == runbook.Command {
		f[incident.FieldCommand] = s.Text
		f[incident.FieldStep] = firstLine(s.Text)
	} else {
		f[incident.FieldStep] = s.Text
	}
	return f
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// nextFilter cycles one dimension of the list filter.
func nextFilter(f incident.Filter, msg tea.KeyPressMsg, k KeyMap, services []incident.Ref) incident.Filter {
	switch {
	case key.Matches(msg, k.Service):
		// Each service seen so far in turn, then all of them again.
		next := 0
		if len(f.ServiceIDs) == 1 {
			next = len(services) // past the end: back to all
			for i, s := range services {
				if s.ID == f.ServiceIDs[0] {
					next = i + 1
				}
			}
		}
		if next < len(services) {
			f.ServiceIDs = []string{services[next].ID}
		} else {
			f.ServiceIDs = nil
		}
	case key.Matches(msg, k.Scope):
		switch {
		case !f.AssignedToMe && !f.MyTeams:
			f.AssignedToMe = true
		case f.AssignedToMe:
			f.AssignedToMe, f.MyTeams = false, true
		default:
			f.MyTeams = false
		}
	case key.Matches(msg, k.Urgency):
		switch {
		case len(f.Urgencies) == 0:
			f.Urgencies = []incident.Urgency{incident.High}
		case f.Urgencies[0] == incident.High:
			f.Urgencies = []incident.Urgency{incident.Low}
		default:
			f.Urgencies = nil
		}
	case key.Matches(msg, k.Status):
		switch {
		case len(f.Statuses) == 0:
			f.Statuses = []incident.Status{incident.Triggered}
		case f.Statuses[0] == incident.Triggered:
			f.Statuses = []incident.Status{incident.Acknowledged}
		default:
			f.Statuses = nil
		}
	}
	return f
}

// filterLabel says what the filter narrows to; "" for everything active.
// Services are named when they have been seen.
func filterLabel(f incident.Filter, services []incident.Ref) string {
	var parts []string
	switch {
	case f.AssignedToMe:
		parts = append(parts, "mine")
	case f.MyTeams:
		parts = append(parts, "my teams")
	}
	for _, u := range f.Urgencies {
		parts = append(parts, string(u)+" urgency")
	}
	for _, s := range f.Statuses {
		parts = append(parts, string(s))
	}
	for _, id := range f.ServiceIDs {
		name := id
		for _, s := range services {
			if s.ID == id {
				name = s.Name
			}
		}
		parts = append(parts, "service "+incident.Clean(name))
	}
	return strings.Join(parts, ", ")
}

func orAll(s string) string {
	if s == "" {
		return "all active incidents"
	}
	return s
}

// pickedFields describes a reassign or responder request for the journal.
func pickedFields(kind incident.Kind, c choice, in incident.Incident) map[string]string {
	f := map[string]string{incident.FieldTo: c.label}
	switch {
	case kind == incident.KindReassign && c.policy:
		f[incident.FieldPolicyID] = c.id
	case kind == incident.KindReassign:
		f[incident.FieldUserIDs] = c.id
	default:
		f[incident.FieldUserIDs] = c.id
		f[incident.FieldMessage] = fmt.Sprintf("Please join incident #%d: %s", in.Number, incident.Clean(in.Title))
	}
	return f
}
