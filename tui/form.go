package tui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
)

// field is one labelled input of a form.
type field struct {
	key      string // the key in Event.Fields
	label    string
	input    lineInput
	required bool
	// check validates and normalizes a value; nil accepts anything.
	check func(string) (string, error)
}

// form collects the details of one structured action (a decision, an
// action item, a role). It owns the keyboard while open.
type form struct {
	kind   incident.Kind
	title  string
	about  string   // the incident the form acts on, "#1045 checkout 5xx"
	info   []string // what the form offers, e.g. the escalation levels
	fields []field
	// fixed are values the form records without asking (the item an
	// update changes, the person a role goes to).
	fixed map[string]string
	focus int
	err   string
	// done and cancelled say how the last Update left the form: the
	// parent reads them and closes it.
	done, cancelled bool

	st            *Styles
	width, height int
}

func newField(key, label, placeholder string, required bool, check func(string) (string, error)) field {
	// The box holds no terminal cursor: the input draws its own.
	ti := lineInput{Placeholder: placeholder, CharLimit: 500, ShowCursor: true}
	return field{key: key, label: label, input: ti, required: required, check: check}
}

// formFor returns the form for an incident-commander action. Field keys
// and checks are incident's vocabulary, so a form accepts exactly what the
// command-line verbs accept.
func formFor(kind incident.Kind, now time.Time, st *Styles) form {
	f := form{kind: kind, st: st}
	switch kind {
	case incident.KindDecision:
		f.title = "Log a decision"
		f.fields = []field{
			newField(incident.FieldWhat, "Decision", "we roll back checkout-api to 4.11", true, nil),
			newField(incident.FieldWhy, "Why", "the 5xx spike started with the 4.12 deploy", false, nil),
			newField(incident.FieldWho, "Who executes", "Priya", false, nil),
		}
	case incident.KindActionItem:
		f.title = "Record a follow-up action item"
		f.fields = []field{
			newField(incident.FieldTitle, "Action item", "alert on card processor timeouts before customers see them", true, nil),
			newField(incident.FieldOwner, "Owner", "a person or team", true, nil),
			newField(incident.FieldDue, "Due", "YYYY-MM-DD or +Nd", false, dueCheck(now)),
			newField(incident.FieldType, "Type", typeHint(), true, typeCheck),
		}
	case incident.KindRole:
		f.title = "Assign a role"
		f.fields = []field{
			newField(incident.FieldRole, "Role", incident.RoleHint, true, roleCheck),
			newField(incident.FieldPerson, "Person", "who takes it", true, nil),
		}
	case incident.KindEscalate:
		f.title = "Escalate to a level of the escalation policy"
		f.fields = []field{newField(incident.FieldLevel, "Level", "2", true, levelCheck)}
	case incident.KindSnooze:
		f.title = "Snooze (the incident triggers again after)"
		f.fields = []field{newField(incident.FieldDuration, "For", "30m, 1h, 4h (up to 7 days)", true, snoozeCheck)}
	case incident.KindTask:
		f.title = "Time-box a task (\"back to you in 10 minutes\")"
		f.fields = []field{
			newField(incident.FieldPerson, "Who", "Priya", true, nil),
			newField(incident.FieldWhat, "Task", "check replica lag on db-inv-2", true, nil),
			newField(incident.FieldMinutes, "Minutes", "10", true, minutesCheck),
		}
	case incident.KindStatusUpdate:
		f.title = "Post a status update"
		f.fields = []field{newField(incident.FieldMessage, "Update", "what is known, what is being done, next update at", true, nil)}
	}
	f.fields[0].input.Focus()
	return f
}

// The checks below run incident's parsers; the form names the field, so
// a short hint of what it takes says the rest.

// typeHint lists the action types; joined when a form asks for it, not at
// package init.
func typeHint() string {
	last := len(incident.ActionTypes) - 1
	return strings.Join(incident.ActionTypes[:last], ", ") + " or " + incident.ActionTypes[last]
}

func typeCheck(s string) (string, error) {
	if t, err := incident.ParseActionType(s); err == nil {
		return t, nil
	}
	return "", errors.New("one of " + strings.Join(incident.ActionTypes, ", "))
}

func roleCheck(s string) (string, error) {
	if r, err := incident.ParseRole(s); err == nil {
		return r, nil
	}
	return "", errors.New(incident.RoleHint)
}

// dueCheck accepts a date or "+Nd" relative to now, not before today.
func dueCheck(now time.Time) func(string) (string, error) {
	return func(s string) (string, error) {
		d, err := incident.ParseDue(s, now)
		if err != nil && strings.Contains(err.Error(), "in the past") {
			return "", fmt.Errorf("in the past: today is %s", now.Format(time.DateOnly))
		}
		if err != nil {
			return "", errors.New("a date like 2026-12-01, or +7d")
		}
		return d, nil
	}
}

func minutesCheck(s string) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || time.Duration(n)*time.Minute > incident.TaskMax {
		return "", fmt.Errorf("whole minutes, 1 to %d", int(incident.TaskMax.Minutes()))
	}
	return fmt.Sprint(n), nil
}

func levelCheck(s string) (string, error) {
	if n, err := incident.ParseLevel(s); err == nil {
		return fmt.Sprint(n), nil
	}
	return "", fmt.Errorf("a level number, 1 to %d", incident.LevelMax)
}

// snoozeCheck accepts Go durations and days ("2d"), up to the week
// PagerDuty allows.
func snoozeCheck(s string) (string, error) {
	if d, err := incident.ParseSnooze(s); err == nil {
		return d.String(), nil
	}
	return "", errors.New("a duration from 1m to 7d, like 30m or 4h")
}

// SetSize sets the cells the form is centred in.
func (f form) SetSize(w, h int) form {
	f.width, f.height = w, h
	return f
}

// KeyHelp is empty: the form's keys (tab, enter, esc) are fixed, since
// every other key is text, and its box says them.
func (f form) KeyHelp() []key.Binding { return nil }

// Update handles a key or a paste. Afterwards done is set when the form
// was submitted, and cancelled when it was dismissed.
func (f form) Update(msg tea.Msg) (form, tea.Cmd) {
	f.done, f.cancelled = false, false
	f.fields = slices.Clone(f.fields) // copies of a form share no inputs
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			f.cancelled = true
			return f, nil
		case "tab", "down":
			f.move(1)
			return f, nil
		case "shift+tab", "up":
			f.move(-1)
			return f, nil
		case "enter":
			if f.focus < len(f.fields)-1 {
				f.move(1)
				return f, nil
			}
			f.done = f.validate()
			return f, nil
		}
	}
	var cmd tea.Cmd
	f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
	return f, cmd
}

func (f *form) move(d int) {
	f.fields[f.focus].input.Blur()
	f.focus = (f.focus + d + len(f.fields)) % len(f.fields)
	f.fields[f.focus].input.Focus()
}

// validate checks every field, focusing the first bad one.
func (f *form) validate() bool {
	for i := range f.fields {
		fl := &f.fields[i]
		v := strings.TrimSpace(fl.input.Value())
		if v == "" && fl.required {
			f.err = fl.label + " is needed"
			f.focusOn(i)
			return false
		}
		if v != "" && fl.check != nil {
			norm, err := fl.check(v)
			if err != nil {
				f.err = fl.label + ": " + err.Error()
				f.focusOn(i)
				return false
			}
			fl.input.SetValue(norm)
		}
	}
	f.err = ""
	return true
}

func (f *form) focusOn(i int) {
	f.fields[f.focus].input.Blur()
	f.focus = i
	f.fields[i].input.Focus()
}

// values returns the form's fields, trimmed.
func (f *form) values() map[string]string {
	out := make(map[string]string, len(f.fields)+len(f.fixed))
	for k, v := range f.fixed {
		out[k] = v
	}
	for _, fl := range f.fields {
		if v := strings.TrimSpace(fl.input.Value()); v != "" {
			out[fl.key] = v
		}
	}
	return out
}

// View draws the form as a box centred in its size.
func (f form) View() string {
	st, width := f.st, f.width
	inner := max(min(width-6, 90), 20) // border and padding take 4, and a margin
	labelW := 0
	for _, fl := range f.fields {
		labelW = max(labelW, lipgloss.Width(fl.label))
	}
	lines := []string{st.Title.Render(f.title)}
	if f.about != "" {
		lines = append(lines, st.Faint.Render(fit("on "+f.about, inner)))
	}
	lines = append(lines, "")
	for _, s := range f.info {
		lines = append(lines, fit(s, inner))
	}
	if len(f.info) > 0 {
		lines = append(lines, "")
	}
	for i, fl := range f.fields {
		// The marker, the label and a space, then the input: its text and
		// the cell after it, inner cells in all.
		fl.input.SetWidth(max(inner-labelW-4, 5))
		marker := "  "
		if i == f.focus {
			marker = "> "
		}
		lines = append(lines, marker+st.Header.Render(fit(fl.label, labelW))+" "+fl.input.View())
	}
	lines = append(lines, "")
	if f.err != "" {
		lines = append(lines, st.Error.Render(f.err))
	}
	lines = append(lines, st.Faint.Render("tab next field · enter on the last field saves · esc cancels"))
	return lipgloss.Place(f.width, f.height, lipgloss.Center, lipgloss.Center, st.Box.Width(inner+4).Render(strings.Join(lines, "\n")))
}
