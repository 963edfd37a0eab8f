package incident

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var vocabNow = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

func TestParseRole(t *testing.T) {
	for in, want := range map[string]string{
		"ic": RoleCommander, " IC ": RoleCommander, "commander": RoleCommander, "incident commander": RoleCommander,
		"deputy": RoleDeputy, "Scribe": RoleScribe, "sme": RoleSME, "expert": RoleSME,
		"comms": RoleLiaison, "liaison": RoleLiaison,
	} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "king", "ic2", "\x1b[31mic"} {
		if got, err := ParseRole(in); !errors.Is(err, ErrInvalid) || got != "" {
			t.Errorf("ParseRole(%q) = %q, %v; want ErrInvalid", in, got, err)
		}
	}
	for _, r := range Roles {
		if got, err := ParseRole(r); err != nil || got != r {
			t.Errorf("the role %q does not parse as itself: %q, %v", r, got, err)
		}
	}
}

func TestParseDue(t *testing.T) {
	// Late in the evening in New York it is already tomorrow in UTC: the
	// day that counts is the responder's.
	ny := time.FixedZone("EST", -5*3600)
	evening := time.Date(2026, 11, 20, 22, 0, 0, 0, ny)
	cases := []struct {
		in   string
		now  time.Time
		want string
		ok   bool
	}{
		{"", vocabNow, "", true},
		{"+0d", vocabNow, "2026-11-21", true},
		{"+7d", vocabNow, "2026-11-28", true},
		{"2026-12-01", vocabNow, "2026-12-01", true},
		{" 2026-11-21 ", vocabNow, "2026-11-21", true},
		{"2026-11-20", vocabNow, "", false}, // yesterday
		{"2026-11-20", evening, "2026-11-20", true},
		{"+7", vocabNow, "", false},
		{"+-1d", vocabNow, "", false},
		{"+9999d", vocabNow, "", false},
		{"tomorrow", vocabNow, "", false},
		{"2026-13-01", vocabNow, "", false},
	}
	for _, c := range cases {
		got, err := ParseDue(c.in, c.now)
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("ParseDue(%q) = %q, %v; want %q (ok %v)", c.in, got, err, c.want, c.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDue(%q): %v does not wrap ErrInvalid", c.in, err)
		}
	}
}

func TestParseSnoozeAndLevel(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "4h": 4 * time.Hour, "7d": SnoozeMax, "1m": time.Minute} {
		if got, err := ParseSnooze(in); err != nil || got != want {
			t.Errorf("ParseSnooze(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "8d", "169h", "30s", "-1h", "xd", "99999999999d"} {
		if _, err := ParseSnooze(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSnooze(%q) accepted", in)
		}
	}
	if n, err := ParseLevel(" 2 "); err != nil || n != 2 {
		t.Errorf("ParseLevel(2) = %d, %v", n, err)
	}
	for _, in := range []string{"0", "21", "two", ""} {
		if _, err := ParseLevel(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseLevel(%q) accepted", in)
		}
	}
}

// TestConstructors checks each constructor's fields and summary, and that
// the summary is the one Summary gives for the same fields.
func TestConstructors(t *testing.T) {
	must := func(e Event, err error) Event {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	cases := []struct {
		e       Event
		kind    Kind
		fields  map[string]string
		summary string
	}{
		{must(NewNote("line one\nline two")), KindNote, nil, "line one\nline two"},
		{must(NewDecision(" roll back 4.12 ", "5xx since deploy", "Priya")), KindDecision,
			map[string]string{FieldWhat: "roll back 4.12", FieldWhy: "5xx since deploy", FieldWho: "Priya"},
			"Decision: roll back 4.12 (why: 5xx since deploy); executes: Priya"},
		{must(NewDecision("roll back", "", "")), KindDecision, map[string]string{FieldWhat: "roll back"}, "Decision: roll back"},
		{must(NewRole("sme", "Yuki")), KindRole, map[string]string{FieldRole: RoleSME, FieldPerson: "Yuki"}, "Role: Yuki is subject-matter expert"},
		{must(NewActionItem("alert on timeouts", "payments", "+3d", "Detect", vocabNow)), KindActionItem,
			map[string]string{FieldTitle: "alert on timeouts", FieldOwner: "payments", FieldDue: "2026-11-24", FieldType: "detect"},
			"Action item (detect): alert on timeouts; owner: payments; due 2026-11-24"},
		{must(NewStatusUpdate("rolled back; watching")), KindStatusUpdate, map[string]string{FieldMessage: "rolled back; watching"},
			"Status update: rolled back; watching"},
		{must(NewMitigated()), KindMitigated, nil, "Marked mitigated: customer impact has stopped"},
		{must(NewTask("Priya", "check replica lag", 10*time.Minute, vocabNow)), KindTask,
			map[string]string{FieldPerson: "Priya", FieldWhat: "check replica lag", FieldMinutes: "10", FieldDue: "2026-11-21T03:10:00Z"},
			"Task for Priya: check replica lag (back in 10 min)"},
		{must(NewStar("Q1X")), KindStar, map[string]string{FieldEventID: "Q1X"}, "Starred event Q1X"},
		{must(NewStarOn("Q1X", "Decision: roll back")), KindStar, map[string]string{FieldEventID: "Q1X", FieldText: "Decision: roll back"},
			"Starred Decision: roll back"},
		{must(NewRunbookStep("db-failover", "s3", "", "pg_ctl promote\nsleep 5", StepDone)), KindRunbookStep,
			map[string]string{FieldRunbook: "db-failover", FieldStepKey: "s3", FieldStep: "pg_ctl promote …", FieldCommand: "pg_ctl promote\nsleep 5", FieldAction: StepDone},
			"Runbook db-failover: done pg_ctl promote …"},
		{must(NewSnooze(2 * time.Hour)), KindSnooze, map[string]string{FieldDuration: "2h0m0s"}, "Snoozed for 2h"},
		{must(NewEscalate(2)), KindEscalate, map[string]string{FieldLevel: "2"}, "Escalated to level 2"},
		{must(NewReassignTo(Reassignment{UserIDs: []string{"PU1", "PU2"}}, "Priya, Yuki")), KindReassign,
			map[string]string{FieldUserIDs: "PU1,PU2", FieldTo: "Priya, Yuki"}, "Reassigned to Priya, Yuki"},
		{must(NewReassign(Reassignment{EscalationPolicyID: "PEP1"})), KindReassign,
			map[string]string{FieldPolicyID: "PEP1", FieldTo: "PEP1"}, "Reassigned to PEP1"},
	}
	for _, c := range cases {
		if c.e.Kind != c.kind || c.e.Summary != c.summary || !sameFields(c.e.Fields, c.fields) {
			t.Errorf("%s: got %+v, want fields %v, summary %q", c.kind, c.e, c.fields, c.summary)
		}
		if c.kind != KindNote && Summary(Event{Kind: c.kind, Fields: c.fields}) != c.summary {
			t.Errorf("%s: Summary of the fields differs from the constructor's", c.kind)
		}
	}
}

func TestConstructorsRefuse(t *testing.T) {
	long := strings.Repeat("x", FieldLimit+1)
	cases := map[string]func() (Event, error){
		"blank note":          func() (Event, error) { return NewNote(" \n ") },
		"note too long":       func() (Event, error) { return NewNote(strings.Repeat("é", NoteTextLimit+1)) },
		"note bad utf8":       func() (Event, error) { return NewNote("ok\xff") },
		"empty decision":      func() (Event, error) { return NewDecision("  ", "why", "") },
		"decision escape":     func() (Event, error) { return NewDecision("roll \x1b[2J back", "", "") },
		"decision bidi":       func() (Event, error) { return NewDecision("roll \u202e back", "", "") },
		"decision too long":   func() (Event, error) { return NewDecision(long, "", "") },
		"unknown role":        func() (Event, error) { return NewRole("king", "Priya") },
		"role without person": func() (Event, error) { return NewRole("ic", "") },
		"item due past":       func() (Event, error) { return NewActionItem("t", "o", "2026-11-20", "detect", vocabNow) },
		"item due garbage":    func() (Event, error) { return NewActionItem("t", "o", "soon", "detect", vocabNow) },
		"item type":           func() (Event, error) { return NewActionItem("t", "o", "", "blame", vocabNow) },
		"item no owner":       func() (Event, error) { return NewActionItem("t", "", "", "detect", vocabNow) },
		"empty status":        func() (Event, error) { return NewStatusUpdate("") },
		"task zero":           func() (Event, error) { return NewTask("p", "w", 0, vocabNow) },
		"task too long":       func() (Event, error) { return NewTask("p", "w", 25*time.Hour, vocabNow) },
		"task no what":        func() (Event, error) { return NewTask("p", "", time.Minute, vocabNow) },
		"star no id":          func() (Event, error) { return NewStar("") },
		"star spaced id":      func() (Event, error) { return NewStar("a b") },
		"step action":         func() (Event, error) { return NewRunbookStep("rb", "k", "s", "", "ran") },
		"step no key":         func() (Event, error) { return NewRunbookStep("rb", "", "s", "", StepDone) },
		"snooze short":        func() (Event, error) { return NewSnooze(30 * time.Second) },
		"snooze long":         func() (Event, error) { return NewSnooze(SnoozeMax + time.Minute) },
		"escalate zero":       func() (Event, error) { return NewEscalate(0) },
		"reassign nobody":     func() (Event, error) { return NewReassign(Reassignment{}) },
		"reassign both": func() (Event, error) {
			return NewReassign(Reassignment{UserIDs: []string{"PU1"}, EscalationPolicyID: "P"})
		},
		"reassign comma id": func() (Event, error) { return NewReassign(Reassignment{UserIDs: []string{"PU1,PU2"}}) },
	}
	for name, f := range cases {
		e, err := f()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
		if e.Kind != "" || e.Fields != nil {
			t.Errorf("%s: returned an event with the error: %+v", name, e)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("%s: error is not one clean line: %q", name, err)
		}
	}
}

// TestConstructorsCutDescriptions: a star's label and a runbook step's
// text come from outside (an event's summary, a runbook file); they are
// cleaned and cut, and the event is still recorded.
func TestConstructorsCutDescriptions(t *testing.T) {
	star, err := NewStarOn("Q1", "Note: \x1b[31m"+strings.Repeat("long ", 10000))
	if err != nil {
		t.Fatal(err)
	}
	if l := star.Fields[FieldText]; utf8.RuneCountInString(l) != StarLabelLimit || strings.ContainsRune(l, 0x1b) || !strings.HasSuffix(l, "…") {
		t.Errorf("star label %q", l)
	}
	cmd := strings.Repeat("echo step\n", 500)
	e, err := NewRunbookStep("rb", "k", "", cmd, StepDone)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.Fields[FieldCommand]; utf8.RuneCountInString(c) != FieldLimit || e.Fields[FieldStep] != "echo step …" {
		t.Errorf("step %q, command of %d characters", e.Fields[FieldStep], utf8.RuneCountInString(c))
	}
}

// TestSummaryKeepsOwnWithoutFields: events from the provider or an older
// journal carry their own summary, which Summary must not blank.
func TestSummaryKeepsOwnWithoutFields(t *testing.T) {
	for _, k := range []Kind{KindDecision, KindActionItem, KindRole, KindStatusUpdate, KindTask, KindRunbookStep, KindEscalate, KindNote, KindTrigger} {
		if got := Summary(Event{Kind: k, Summary: "as it was"}); got != "as it was" {
			t.Errorf("Summary of a %s without fields = %q", k, got)
		}
	}
}

func sameFields(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
