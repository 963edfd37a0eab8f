package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oncallkit/oncall/incident"
)

// field is one labelled input of a form.
type field struct {
	key      string // the key in Event.Fields
	label    string
	input    textinput.Model
	required bool
	// check validates and normalizes a value; nil accepts anything.
	check func(string) (string, error)
}

// form collects the details of one structured action (a decision, an
// action item, a role). It owns the keyboard while open.
type form struct {
	kind   incident.Kind
	title  string
	fields []field
	focus  int
	err    string
}

func newField(key, label, placeholder string, required bool, check func(string) (string, error)) field {
	ti := textinput.New()
	ti.Prompt = ""
	ti.Placeholder = placeholder
	ti.CharLimit = 500
	ti.SetVirtualCursor(false)
	return field{key: key, label: label, input: ti, required: required, check: check}
}

// formFor returns the form for an incident-commander action.
func formFor(kind incident.Kind, now time.Time) form {
	f := form{kind: kind}
	switch kind {
	case incident.KindDecision:
		f.title = "Log a decision"
		f.fields = []field{
			newField("what", "Decision", "we roll back checkout-api to 4.11", true, nil),
			newField("why", "Why", "the 5xx spike started with the 4.12 deploy", false, nil),
			newField("who", "Who executes", "Priya", false, nil),
		}
	case incident.KindActionItem:
		f.title = "Record a follow-up action item"
		f.fields = []field{
			newField("title", "Action item", "alert on card processor timeouts before customers see them", true, nil),
			newField("owner", "Owner", "a person or team", true, nil),
			newField("due", "Due", "YYYY-MM-DD or +Nd", false, dueCheck(now)),
			newField("type", "Type", "mitigate, prevent, detect or process", true, oneOf("mitigate", "prevent", "detect", "process")),
		}
	case incident.KindRole:
		f.title = "Assign a role"
		f.fields = []field{
			newField("role", "Role", "ic, deputy, scribe, sme or liaison", true, roleCheck),
			newField("person", "Person", "who takes it", true, nil),
		}
	case incident.KindEscalate:
		f.title = "Escalate to a level of the escalation policy"
		f.fields = []field{newField("level", "Level", "2", true, levelCheck)}
	case incident.KindSnooze:
		f.title = "Snooze (the incident triggers again after)"
		f.fields = []field{newField("duration", "For", "30m, 1h, 4h (up to 7 days)", true, snoozeCheck)}
	case incident.KindTask:
		f.title = "Time-box a task (\"back to you in 10 minutes\")"
		f.fields = []field{
			newField("person", "Who", "Priya", true, nil),
			newField("what", "Task", "check replica lag on db-inv-2", true, nil),
			newField("minutes", "Minutes", "10", true, minutesCheck),
		}
	case incident.KindStatusUpdate:
		f.title = "Post a status update"
		f.fields = []field{newField("message", "Update", "what is known, what is being done, next update at", true, nil)}
	}
	f.fields[0].input.Focus()
	return f
}

func oneOf(options ...string) func(string) (string, error) {
	return func(s string) (string, error) {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, o := range options {
			if s == o {
				return s, nil
			}
		}
		return "", fmt.Errorf("one of %s", strings.Join(options, ", "))
	}
}

// roles maps what a user may type to the role's name.
var roles = map[string]string{
	"ic": "incident commander", "incident commander": "incident commander", "commander": "incident commander",
	"deputy": "deputy", "scribe": "scribe",
	"sme": "subject-matter expert", "subject-matter expert": "subject-matter expert", "expert": "subject-matter expert",
	"liaison": "liaison", "comms": "liaison",
}

func minutesCheck(s string) (string, error) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || n < 1 || n > 24*60 {
		return "", fmt.Errorf("whole minutes, 1 to 1440")
	}
	return fmt.Sprint(n), nil
}

func levelCheck(s string) (string, error) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || n < 1 || n > 20 {
		return "", fmt.Errorf("a level number, 1 or more")
	}
	return fmt.Sprint(n), nil
}

// snoozeCheck accepts Go durations and days ("2d"); PagerDuty snoozes for
// at most a week.
func snoozeCheck(s string) (string, error) {
	s = strings.TrimSpace(s)
	var days int
	if _, err := fmt.Sscanf(s, "%dd", &days); err == nil && strings.HasSuffix(s, "d") {
		s = fmt.Sprintf("%dh", days*24)
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute || d > 7*24*time.Hour {
		return "", fmt.Errorf("a duration from 1m to 7d, like 30m or 4h")
	}
	return d.String(), nil
}

func roleCheck(s string) (string, error) {
	if r, ok := roles[strings.ToLower(strings.TrimSpace(s))]; ok {
		return r, nil
	}
	return "", fmt.Errorf("ic, deputy, scribe, sme or liaison")
}

// dueCheck accepts a date or "+Nd" relative to now.
func dueCheck(now time.Time) func(string) (string, error) {
	return func(s string) (string, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return "", nil
		}
		var n int
		if _, err := fmt.Sscanf(s, "+%dd", &n); err == nil && n >= 0 && n < 3650 {
			return now.AddDate(0, 0, n).Format(time.DateOnly), nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return "", fmt.Errorf("a date like 2026-12-01, or +7d")
		}
		return t.Format(time.DateOnly), nil
	}
}

// update handles a key; done is true when the form was submitted, and
// cancelled when it was dismissed.
func (f *form) update(msg tea.Msg) (cmd tea.Cmd, done, cancelled bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return nil, false, true
		case "tab", "down":
			f.move(1)
			return nil, false, false
		case "shift+tab", "up":
			f.move(-1)
			return nil, false, false
		case "enter":
			if f.focus < len(f.fields)-1 {
				f.move(1)
				return nil, false, false
			}
			if f.validate() {
				return nil, true, false
			}
			return nil, false, false
		}
	}
	f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
	return cmd, false, false
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
	out := make(map[string]string, len(f.fields))
	for _, fl := range f.fields {
		if v := strings.TrimSpace(fl.input.Value()); v != "" {
			out[fl.key] = v
		}
	}
	return out
}

// view draws the form as a box of at most width cells.
func (f *form) view(st Styles, width int) string {
	inner := max(min(width-6, 90), 20) // border and padding take 4, and a margin
	labelW := 0
	for _, fl := range f.fields {
		labelW = max(labelW, lipgloss.Width(fl.label))
	}
	lines := []string{st.Title.Render(f.title), ""}
	for i, fl := range f.fields {
		fl.input.SetWidth(max(inner-labelW-3, 5))
		marker, cursor := "  ", ""
		if i == f.focus {
			// No terminal cursor inside the box: draw one where typing goes.
			marker, cursor = "> ", st.Selected.Render(" ")
		}
		lines = append(lines, marker+st.Header.Render(fit(fl.label, labelW))+" "+fl.input.View()+cursor)
	}
	lines = append(lines, "")
	if f.err != "" {
		lines = append(lines, st.Error.Render(f.err))
	}
	lines = append(lines, st.Faint.Render("tab next field · enter on the last field saves · esc cancels"))
	return st.Box.Width(inner + 4).Render(strings.Join(lines, "\n"))
}

// summary renders a structured event as one line for the timeline and for
// the note that mirrors it to the provider.
func summary(kind incident.Kind, v map[string]string) string {
	switch kind {
	case incident.KindDecision:
		s := "Decision: " + v["what"]
		if v["why"] != "" {
			s += " (why: " + v["why"] + ")"
		}
		if v["who"] != "" {
			s += "; executes: " + v["who"]
		}
		return s
	case incident.KindActionItem:
		s := fmt.Sprintf("Action item [%s]: %s; owner: %s", v["type"], v["title"], v["owner"])
		if v["due"] != "" {
			s += "; due " + v["due"]
		}
		return s
	case incident.KindRole:
		return fmt.Sprintf("Role: %s is %s", v["person"], v["role"])
	case incident.KindStatusUpdate:
		return "Status update: " + v["message"]
	case incident.KindMitigated:
		return "Mitigated: customer impact has stopped"
	case incident.KindEscalate:
		return "Escalated to level " + v["level"]
	case incident.KindTask:
		return fmt.Sprintf("Task for %s: %s (back in %s min)", v["person"], v["what"], v["minutes"])
	case incident.KindSnooze:
		return "Snoozed for " + v["duration"]
	case incident.KindReassign:
		return "Reassigned to " + v["to"]
	case incident.KindRespondersReq:
		return "Asked " + v["to"] + " to join"
	}
	return ""
}
