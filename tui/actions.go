package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

// startAction begins an action on an incident from a key, if the key is
// an action; a key that is none says so.
func (m Model) startAction(msg tea.KeyPressMsg, in incident.Incident) (tea.Model, tea.Cmd) {
	k := m.keys
	m.target = in
	switch {
	case key.Matches(msg, k.CopyURL):
		if in.URL == "" {
			m.say(statusError, "this incident has no URL")
			return m, nil
		}
		return m, copyToClipboard(in.URL)
	case key.Matches(msg, k.Acknowledge):
		switch in.Status {
		case incident.Acknowledged:
			m.say(statusInfo, fmt.Sprintf("#%d is already acknowledged", in.Number))
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
			m.say(statusInfo, fmt.Sprintf("#%d is already resolved", in.Number))
			return m, nil
		}
		m.prompt, m.confirmKind = promptConfirm, incident.KindResolve
	case key.Matches(msg, k.Mitigated):
		m.prompt, m.confirmKind = promptConfirm, incident.KindMitigated
	case key.Matches(msg, k.Note):
		m.prompt = promptNote
		m.input.Prompt = fmt.Sprintf("note on #%d> ", in.Number)
		m.sizeInputs()
		m.input.Reset()
		m.input.Focus() // the real terminal cursor blinks; no blink ticks needed
	case key.Matches(msg, k.Reassign, k.Responders):
		kind := incident.KindReassign
		if key.Matches(msg, k.Responders) {
			kind = incident.KindRespondersReq
		}
		m.picker = newPicker(kind, m.st, m.keys).SetSize(m.width, max(m.height-3, 1))
		m.picker.about = incidentAbout(in)
		m.prompt = promptPicker
		return m, fetchChoices(m.ctx, m.opts.Source, kind)
	case key.Matches(msg, k.Escalate):
		m.openForm(incident.KindEscalate)
		m.form.info = escalateInfo(in)
		return m, fetchLevels(m.ctx, m.opts.Source, in)
	case key.Matches(msg, k.Snooze):
		if in.Status != incident.Acknowledged {
			m.say(statusError, fmt.Sprintf("PagerDuty snoozes acknowledged incidents only; acknowledge #%d first", in.Number))
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
		return m.pickRoleHolder(in)
	case key.Matches(msg, k.Update):
		m.openForm(incident.KindStatusUpdate)
		m.form.fields[0].input.SetValue(m.statusDraft(in))
		m.form.fields[0].input.CursorEnd()
	default:
		return m, report(notHere(m.keys, msg, m.here()))
	}
	return m, nil
}

func (m *Model) openForm(kind incident.Kind) {
	m.form = formFor(kind, m.opts.Now(), m.st).SetSize(m.width, max(m.height-3, 1))
	m.form.about = incidentAbout(m.target)
	m.prompt = promptForm
}

// statusDraft prefills a status update from what is known.
func (m Model) statusDraft(in incident.Incident) string {
	s := fmt.Sprintf("#%d %s is %s (%s urgency", in.Number, incident.Clean(in.Title), in.Status, in.Urgency)
	if in.Priority != "" {
		s += ", " + incident.Clean(in.Priority)
	}
	s += "). "
	if m.detail.shows(in.ID) {
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
	if m.screen == screenReview {
		e = inReview(e) // a minute of the review meeting (reviewwire.go)
	}
	return journal(m.opts.Journal, in.ID, e, t)
}

// here names the view a key was pressed in, for notHere.
func (m Model) here() string {
	switch {
	case m.screen == screenDetail && m.detail.focus == paneRunbook:
		return "in the runbook pane"
	case m.screen == screenDetail && m.detail.focus == paneAlerts:
		return "in the alerts pane"
	case m.screen == screenDetail:
		return "on the timeline"
	}
	return "in the list"
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
// typed in it, after the journal refused the action, and says why on the
// status line. If another prompt is open meanwhile, a note's text is
// shown on the status line instead, so it can still be copied.
func (m *Model) giveBack(t *typed, why string) {
	switch {
	case t == nil:
		m.say(statusError, why)
		return
	case m.prompt != promptNone && t.note != "":
		m.say(statusError, fmt.Sprintf("%s; the note read: %q", why, t.note))
		return
	case m.prompt != promptNone:
		m.say(statusError, why)
		return
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
	m.say(statusGiveBack, "your text is kept, enter retries, esc discards; "+why)
}

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
		return incident.NewRoleMarked(f[incident.FieldRole], f[incident.FieldPerson],
			incident.RoleMarks{Taken: f[incident.FieldTaken] == "true", External: f[incident.FieldExternal] == "true"})
	case incident.KindItemUpdate, incident.KindHandoff:
		return commanderEvent(kind, f, now)
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
func nextFilter(f incident.Filter, msg tea.KeyPressMsg, k *KeyMap, services []incident.Ref) incident.Filter {
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
		case f.Statuses[0] == incident.Acknowledged:
			// Resolved ones can still be opened, starred and noted.
			f.Statuses = []incident.Status{incident.Resolved}
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
		if s == incident.Resolved {
			parts = append(parts, fmt.Sprintf("resolved (last %d days)", int(recentResolved/(24*time.Hour))))
			continue
		}
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

// recentResolved is how far back the list looks for resolved incidents:
// all of them would be thousands, and the ones worth a note or a star
// after the fact are recent.
const recentResolved = 7 * 24 * time.Hour

// listFilter is the filter a fetch sends at now: a resolved filter
// reaches back recentResolved only.
func listFilter(f incident.Filter, now time.Time) incident.Filter {
	if slices.Contains(f.Statuses, incident.Resolved) && f.Since.IsZero() {
		f.Since = now.Add(-recentResolved)
	}
	return f
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
