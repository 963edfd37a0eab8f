package tui

// This file is the incident commander's side of the program: the open
// tasks and follow-ups of the State tab marked done, given more time or
// cancelled; a role taken, or handed over with the incident state
// document written for whoever takes over; the escalate form offering
// the policy's real levels; a role's holder picked from PagerDuty's users
// or typed and marked as not in PagerDuty. Every change goes through act,
// so it is journaled first, then mirrored, and read-only mode (which
// disables the bindings) records nothing.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
)

// fieldBaseDue carries a task's current due to the event an extension
// builds, so that more minutes count from it (or from now, once it has
// passed). It is the form's, never journaled.
const fieldBaseDue = "base_due"

// incidentAbout names an incident as forms and pickers say what they act
// on: "#1045 Checkout 5xx".
func incidentAbout(in incident.Incident) string {
	if in.Number == 0 {
		return oneLineClean(in.ID + " " + in.Title)
	}
	return fmt.Sprintf("#%d %s", in.Number, oneLineClean(in.Title))
}

// commanderKey handles the keys of the commander's state on the detail
// screen: the selected item done, extended or cancelled, a role taken, a
// handoff.
func (m Model) commanderKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k, d := m.keys, m.detail
	m.target = d.inc
	switch {
	case key.Matches(msg, k.Take):
		m.openForm(incident.KindRole)
		m.form.title = "Take a role: you, " + oneLineClean(m.opts.Actor) + ", now hold it"
		m.form.fields = m.form.fields[:1]
		m.form.fields[0].input.SetValue(incident.RoleCommander)
		m.form.fixed = map[string]string{incident.FieldPerson: m.opts.Actor, incident.FieldTaken: "true"}
		return m, nil
	case key.Matches(msg, k.Handoff):
		m.openOwnForm(handoffForm(form{kind: incident.KindHandoff, st: m.st}, m.opts.ReadOnly))
		return m, nil
	}
	if d.focus != paneState {
		m.say(statusInfo, "select a task or follow-up in the State tab first ("+hint(k.Pane, "moves there")+")")
		return m, nil
	}
	it, ok := d.state.Selected()
	if !ok {
		m.say(statusInfo, fmt.Sprintf("no open task or follow-up on #%d", d.inc.Number))
		return m, nil
	}
	fields := map[string]string{incident.FieldItem: it.ID, incident.FieldText: itemName(it) + ": " + oneLineClean(it.What)}
	switch {
	case key.Matches(msg, k.ItemDone):
		fields[incident.FieldChange] = incident.ChangeDone
		return m, m.act(d.inc, incident.KindItemUpdate, fields)
	case key.Matches(msg, k.ItemCancel):
		fields[incident.FieldChange] = incident.ChangeCancelled
		m.prompt, m.confirmKind, m.confirmFields = promptConfirm, incident.KindItemUpdate, fields
		return m, nil
	}
	// Extend: a task gets more minutes, a follow-up a later date.
	fields[incident.FieldChange] = incident.ChangeExtended
	f := form{kind: incident.KindItemUpdate, st: m.st, fixed: fields,
		title: "Give " + itemName(it) + " more time: " + oneLineClean(it.What)}
	if it.Kind == incident.KindTask {
		fields[fieldBaseDue] = it.Due
		f.fields = []field{newField(incident.FieldMinutes, "More minutes", "10", true, minutesCheck)}
	} else {
		f.fields = []field{newField(incident.FieldDue, "New due", "YYYY-MM-DD or +Nd", true, dueCheck(m.opts.Now()))}
	}
	if due := itemDue(it, m.opts.Now()); due != "" {
		f.info = []string{"now " + due}
	}
	f.fields[0].input.Focus()
	m.openOwnForm(f)
	return m, nil
}

// openOwnForm opens a form built here (formFor builds the others) on the
// incident targeted.
func (m *Model) openOwnForm(f form) {
	m.form = f.SetSize(m.width, max(m.height-3, 1))
	m.form.about = incidentAbout(m.target)
	m.prompt = promptForm
}

// commanderEvent builds an item update or a handoff from a form's or a
// key's fields.
func commanderEvent(kind incident.Kind, f map[string]string, now time.Time) (incident.Event, error) {
	if kind == incident.KindHandoff {
		return incident.NewHandoff(f[incident.FieldRole], f[incident.FieldFrom], f[incident.FieldTo], f[incident.FieldMessage])
	}
	opts := []incident.ItemOption{incident.ItemLabel(f[incident.FieldText])}
	switch {
	case f[incident.FieldMinutes] != "":
		mins, err := strconv.Atoi(f[incident.FieldMinutes])
		if err != nil || mins < 1 {
			return incident.Event{}, fmt.Errorf("more minutes %q: %w", f[incident.FieldMinutes], incident.ErrInvalid)
		}
		from := now
		if base, err := time.Parse(time.RFC3339, f[fieldBaseDue]); err == nil && base.After(now) {
			from = base
		}
		opts = append(opts, incident.ItemDue(from.Add(time.Duration(mins)*time.Minute).UTC().Format(time.RFC3339)))
	case f[incident.FieldDue] != "":
		opts = append(opts, incident.ItemDue(f[incident.FieldDue]))
	}
	return incident.NewItemUpdate(f[incident.FieldItem], f[incident.FieldChange], opts...)
}

// handoffForm is the form of a handoff: the role, whom it goes to (none:
// only the document is written; read-only mode records nothing, so it
// does not ask) and the word for them.
func handoffForm(f form, readOnly bool) form {
	f.title = "Hand off: the incident state document, and the role"
	f.fields = []field{newField(incident.FieldRole, "Role", incident.RoleHint, true, roleCheck)}
	f.fields[0].input.SetValue(incident.RoleCommander)
	if !readOnly {
		f.fields = append(f.fields, newField(incident.FieldTo, "To", "who takes over (blank: only write the document)", false, nil))
	}
	f.fields = append(f.fields, newField(incident.FieldMessage, "Message", "what the incoming holder needs to know", false, nil))
	f.fields[0].input.Focus()
	return f
}

// handOff writes the handoff document for the incident on screen and,
// when a recipient was given, records the handoff.
func (m Model) handOff(v map[string]string) (tea.Model, tea.Cmd) {
	d := m.detail
	if !d.shows(m.target.ID) {
		m.say(statusError, "handoff: the incident is no longer open")
		return m, nil
	}
	now := m.opts.Now()
	doc := state.Derive(d.stateInput(now))
	hd := state.HandoffDoc{Doc: doc, Message: v[incident.FieldMessage], Cadence: m.opts.UpdateEvery}
	var buf bytes.Buffer
	if err := hd.Markdown(&buf); err != nil {
		m.say(statusError, "handoff: "+oneLine(err))
		return m, nil
	}
	name := fmt.Sprintf("handoff-%d-%s.md", d.inc.Number, now.UTC().Format("20060102T150405Z"))
	var record map[string]string
	if to := strings.TrimSpace(v[incident.FieldTo]); to != "" {
		from := doc.Holder(v[incident.FieldRole])
		if from == "" {
			from = m.opts.Actor
		}
		record = map[string]string{incident.FieldRole: v[incident.FieldRole],
			incident.FieldFrom: from, incident.FieldTo: to, incident.FieldMessage: v[incident.FieldMessage]}
	}
	// The document first, then the handoff: the status line then ends
	// with the handoff's fate, naming where the document went.
	return m, writeHandoff(m.ctx, m.target, name, buf.Bytes(), record)
}

// handoffWrittenMsg says where the handoff document went.
type handoffWrittenMsg struct {
	target incident.Incident
	path   string            // the file written, absolute
	record map[string]string // the handoff to record, if a recipient was given
	doc    []byte
	err    error // why the file could not be written
}

// writeHandoff writes the document to a new file in the working
// directory; an existing file is never overwritten.
func writeHandoff(ctx context.Context, in incident.Incident, name string, doc []byte, record map[string]string) tea.Cmd {
	return func() tea.Msg {
		msg := handoffWrittenMsg{target: in, record: record, doc: doc}
		if msg.err = ctx.Err(); msg.err != nil {
			return msg
		}
		if msg.path, msg.err = filepath.Abs(name); msg.err != nil {
			return msg
		}
		f, err := os.OpenFile(msg.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			msg.err = err
			return msg
		}
		_, err = f.Write(doc)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			msg.err = fmt.Errorf("write %s: %w", msg.path, err)
		}
		return msg
	}
}

// handleHandoffWritten says where the document is; one that could not be
// written goes to the clipboard instead (OSC 52, which works over SSH).
// Then the handoff, if one is to be recorded, is journaled and sent.
func (m Model) handleHandoffWritten(msg handoffWrittenMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if msg.err != nil {
		m.handoffDoc = "the clipboard"
		m.say(statusError, "handoff document copied to the clipboard (no file: "+oneLine(msg.err)+")")
		cmds = append(cmds, tea.SetClipboard(string(msg.doc)))
	} else {
		m.handoffDoc = msg.path
		m.say(statusInfo, "handoff document written to "+m.handoffDoc)
	}
	if msg.record != nil {
		cmds = append(cmds, m.act(msg.target, incident.KindHandoff, msg.record))
	}
	return m, tea.Batch(cmds...)
}

// handoffNote is what the status line adds when a handoff is sent: where
// its document went.
func (m Model) handoffNote(e incident.Event) string {
	if e.Kind != incident.KindHandoff || m.handoffDoc == "" {
		return ""
	}
	return "; the document is in " + m.handoffDoc
}

// stateInput is what the incident's state is derived from at now.
func (d *detailModel) stateInput(now time.Time) state.Input {
	in := state.Input{Incident: d.inc, Timeline: d.merged, Now: now, Cadence: d.deps.updateEvery}
	if rb, ok := d.rb.current(); ok {
		in.Runbook, in.RunbookSteps = rb.ID, len(rb.Steps)
	}
	return in
}

// pickRoleHolder starts assigning a role: first the person, from
// PagerDuty's users or typed; then the role (roleChosen).
func (m Model) pickRoleHolder(in incident.Incident) (tea.Model, tea.Cmd) {
	m.picker = newPicker(incident.KindRole, m.st, m.keys).SetSize(m.width, max(m.height-3, 1))
	m.picker.about = incidentAbout(in)
	m.prompt = promptPicker
	return m, fetchChoices(m.ctx, m.opts.Source, incident.KindRole)
}

// roleChosen asks which role the person picked takes.
func (m Model) roleChosen(c choice) (tea.Model, tea.Cmd) {
	m.openForm(incident.KindRole)
	who := c.name
	if who == "" {
		who = c.label
	}
	m.form.title = "Assign a role to " + oneLineClean(who)
	if c.external {
		m.form.title += " (not in PagerDuty)"
	}
	m.form.fields = m.form.fields[:1]
	m.form.fixed = map[string]string{incident.FieldPerson: who}
	if c.external {
		m.form.fixed[incident.FieldExternal] = "true"
	}
	return m, nil
}

// levelsMsg carries an escalation policy's levels for the escalate form.
type levelsMsg struct {
	incidentID string
	levels     []incident.EscalationLevel
	err        error
}

// fetchLevels reads the levels of the incident's escalation policy.
func fetchLevels(ctx context.Context, src incident.Source, in incident.Incident) tea.Cmd {
	id, policy := in.ID, in.EscalationPolicy.ID
	if policy == "" {
		return nil
	}
	return func() tea.Msg {
		ls, err := src.EscalationLevels(ctx, policy)
		return levelsMsg{incidentID: id, levels: ls, err: err}
	}
}

// handleLevels puts the levels into the escalate form still open for
// that incident; a late answer for a closed form is dropped.
func (m Model) handleLevels(msg levelsMsg) Model {
	if m.prompt != promptForm || m.form.kind != incident.KindEscalate || m.target.ID != msg.incidentID {
		return m
	}
	if msg.err != nil {
		m.form.info = []string{"the policy's levels could not be read: " + oneLine(msg.err)}
		return m
	}
	m.form = m.form.withLevels(msg.levels)
	return m
}

// escalateInfo is what the escalate form says before the levels arrive.
func escalateInfo(in incident.Incident) []string {
	if in.EscalationPolicy.ID == "" {
		return []string{"this incident names no escalation policy"}
	}
	return []string{"reading the levels of " + oneLineClean(in.EscalationPolicy.Name) + "…"}
}

// withLevels lists the levels with whom each pages, and accepts only
// their numbers.
func (f form) withLevels(levels []incident.EscalationLevel) form {
	if len(levels) == 0 {
		f.info = []string{"the policy has no levels"}
		return f
	}
	f.info = nil
	for _, l := range levels {
		var who []string
		for _, t := range l.Targets {
			s := oneLineClean(t.Name)
			if t.Kind == "schedule" {
				s += " (on call in the schedule)"
			}
			who = append(who, s)
		}
		line := fmt.Sprintf("level %d: %s", l.Level, strings.Join(who, ", "))
		if len(who) == 0 {
			line = fmt.Sprintf("level %d: nobody", l.Level)
		}
		if l.DelayMinutes > 0 {
			line += fmt.Sprintf(" · %d min before the next", l.DelayMinutes)
		}
		f.info = append(f.info, line)
	}
	n := len(levels)
	f.fields = append([]field(nil), f.fields...)
	f.fields[0].input.Placeholder = fmt.Sprintf("1 to %d", n)
	f.fields[0].check = func(s string) (string, error) {
		v, err := levelCheck(s)
		if err != nil {
			return "", err
		}
		if lv, _ := strconv.Atoi(v); lv > n {
			return "", fmt.Errorf("the policy has %d level(s): 1 to %d", n, n)
		}
		return v, nil
	}
	return f
}

// SetMark remembers the state of an incident just left, for the list's
// marks.
func (l listModel) SetMark(id string, d state.Doc) listModel {
	marks := make(map[string]state.Doc, len(l.marks)+1) // copies of the list share no map
	for k, v := range l.marks {
		marks[k] = v
	}
	marks[id] = d
	l.marks = marks
	return l
}

// mark is what the list says of an incident's state before its title,
// from the last time it was open: "[upd 12m] ", "[upd -3m · mitigated] ",
// "[snoozed to 03:40] ". The update clock shows where its cadence applies
// (a commander assigned, or high urgency) and the incident is active.
func (l listModel) mark(in incident.Incident, now time.Time) string {
	d, ok := l.marks[in.ID]
	if !ok {
		return l.unknownClockMark(in)
	}
	if !in.Active() {
		return ""
	}
	var parts []string
	if c := d.Update; c.Applies && !c.NextDue.IsZero() {
		parts = append(parts, clockText(c, now, 7))
	}
	if !d.SnoozedUntil.IsZero() && d.SnoozedUntil.After(now) {
		parts = append(parts, "snoozed to "+clockTime(d.SnoozedUntil, now))
	}
	if d.Mitigated != nil {
		parts = append(parts, "mitigated")
	}
	if len(parts) == 0 {
		return ""
	}
	return "[" + strings.Join(parts, " · ") + "] "
}
