package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// verbEnv is a simulator with one incident over real HTTP, a journal
// file, and the environment of a responder whose token is the demo's.
type verbEnv struct {
	*journalEnv
	number int
}

func newVerbEnv(t *testing.T) *verbEnv {
	t.Helper()
	isolate(t)
	e := newJournalEnv(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("PAGERDUTY_FROM", pdsim.DemoUserEmail)
	snap, ok := e.sim.Incident(e.inc)
	if !ok {
		t.Fatal("the incident is missing")
	}
	return &verbEnv{journalEnv: e, number: snap.Number}
}

// run runs oncall in-process against the simulator and the journal.
func (e *verbEnv) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	code, out, errOut := cli(t, append(args, "--api-url", e.url, "--db", e.db)...)
	t.Logf("oncall %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	return code, out, errOut
}

// events reads the journal's events for the incident; none when there is
// no journal file.
func (e *verbEnv) events(t *testing.T) []incident.Event {
	t.Helper()
	return journalOf(t, e.db, e.inc)
}

// journalOf reads the events the journal file db holds for an incident,
// read-only, as a second process would: none when there is no file, which
// is how a test proves that a refused command wrote nothing.
func journalOf(t *testing.T, db, inc string) []incident.Event {
	t.Helper()
	if _, err := os.Stat(db); err != nil {
		return nil
	}
	j, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	evs, err := j.Events(inc)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// mirrors returns the notes on the simulator that carry localID, parsed
// back as every responder's oncall parses them.
func (e *verbEnv) mirrors(localID string) []incident.Event {
	var out []incident.Event
	for _, n := range e.sim.Notes(e.inc) {
		if ev := incident.ParseNote(n.Content); ev.LocalID == localID {
			out = append(out, ev)
		}
	}
	return out
}

// TestVerbsJournalAndSendOnce runs each verb over real HTTP against the
// simulator: the action is journaled, sent once, marked sent, and
// PagerDuty shows it; a mirrored kind comes back from PagerDuty's note as
// the same typed event, as another responder's oncall reads it.
func TestVerbsJournalAndSendOnce(t *testing.T) {
	type check func(t *testing.T, e *verbEnv, ev incident.Event)
	mirrored := func(want map[string]string) check {
		return func(t *testing.T, e *verbEnv, ev incident.Event) {
			t.Helper()
			got := e.mirrors(ev.ID)
			if len(got) != 1 {
				t.Fatalf("%d notes on PagerDuty carry %s, want 1: %+v", len(got), ev.ID, e.sim.Notes(e.inc))
			}
			if got[0].Kind != ev.Kind || !maps.Equal(got[0].Fields, ev.Fields) {
				t.Errorf("read back from PagerDuty as %s %v, journaled as %s %v", got[0].Kind, got[0].Fields, ev.Kind, ev.Fields)
			}
			// Another responder, with a token of their own, reads it
			// through the adapter as the same typed event, by its author.
			src, err := pagerduty.New(pagerduty.Config{Token: pdsim.UserToken(pdsim.EmailPriya), APIURL: e.url, From: pdsim.EmailPriya})
			if err != nil {
				t.Fatal(err)
			}
			remote, err := src.Events(context.Background(), e.inc)
			if err != nil {
				t.Fatal(err)
			}
			var theirs []incident.Event
			for _, r := range remote {
				if r.LocalID == ev.ID {
					theirs = append(theirs, r)
				}
			}
			if len(theirs) != 1 || theirs[0].Kind != ev.Kind || !maps.Equal(theirs[0].Fields, ev.Fields) || theirs[0].Origin != incident.Remote || !strings.Contains(theirs[0].Actor, "Alex") {
				t.Errorf("another responder reads %+v", theirs)
			}
			for k, v := range want {
				if ev.Fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, ev.Fields[k], v)
				}
			}
		}
	}
	status := func(want string) check {
		return func(t *testing.T, e *verbEnv, _ incident.Event) {
			t.Helper()
			if snap, _ := e.sim.Incident(e.inc); snap.Status != want {
				t.Errorf("PagerDuty says %s, want %s", snap.Status, want)
			}
		}
	}
	today := time.Now()
	cases := []struct {
		name  string
		setup []string // a verb run first (snooze needs an acknowledged incident)
		args  func(e *verbEnv) []string
		kind  incident.Kind
		check check
	}{
		{"ack", nil, func(e *verbEnv) []string { return []string{"ack", e.inc} }, incident.KindAcknowledge, status("acknowledged")},
		{"resolve", nil, func(e *verbEnv) []string { return []string{"resolve", e.inc} }, incident.KindResolve, status("resolved")},
		{"note", nil, func(e *verbEnv) []string { return []string{"note", e.inc, "rolled", "back", "to", "4.11"} }, incident.KindNote,
			func(t *testing.T, e *verbEnv, ev incident.Event) {
				got := e.mirrors(ev.ID)
				if len(got) != 1 || got[0].Summary != "rolled back to 4.11" {
					t.Errorf("notes carrying %s: %+v", ev.ID, got)
				}
			}},
		{"decision", nil, func(e *verbEnv) []string {
			return []string{"decision", e.inc, "roll back checkout-api to 4.11", "--why", "5xx began with 4.12", "--executor", "Priya"}
		}, incident.KindDecision, mirrored(map[string]string{incident.FieldWhat: "roll back checkout-api to 4.11", incident.FieldWhy: "5xx began with 4.12", incident.FieldWho: "Priya"})},
		{"role", nil, func(e *verbEnv) []string { return []string{"role", e.inc, "IC", "Priya", "Natarajan"} }, incident.KindRole,
			mirrored(map[string]string{incident.FieldRole: incident.RoleCommander, incident.FieldPerson: "Priya Natarajan"})},
		{"follow-up", nil, func(e *verbEnv) []string {
			return []string{"follow-up", e.inc, "alert on card processor timeouts", "--owner", "payments", "--due", "+14d", "--type", "detect"}
		}, incident.KindActionItem, mirrored(map[string]string{incident.FieldTitle: "alert on card processor timeouts", incident.FieldOwner: "payments",
			incident.FieldDue: today.AddDate(0, 0, 14).Format(time.DateOnly), incident.FieldType: "detect"})},
		{"status-update", nil, func(e *verbEnv) []string { return []string{"status-update", e.inc, "errors falling; next update 30m"} }, incident.KindStatusUpdate,
			func(t *testing.T, e *verbEnv, ev incident.Event) {
				mirrored(map[string]string{incident.FieldMessage: "errors falling; next update 30m"})(t, e, ev)
				if ups := e.sim.StatusUpdates(e.inc); len(ups) != 1 || ups[0].Message != "errors falling; next update 30m" {
					t.Errorf("status updates on PagerDuty: %+v", ups)
				}
			}},
		{"mitigated", nil, func(e *verbEnv) []string { return []string{"mitigated", e.inc} }, incident.KindMitigated, mirrored(nil)},
		{"task", nil, func(e *verbEnv) []string {
			return []string{"task", e.inc, "Priya", "check", "replica lag", "--in", "10m"}
		}, incident.KindTask,
			func(t *testing.T, e *verbEnv, ev incident.Event) {
				mirrored(map[string]string{incident.FieldPerson: "Priya", incident.FieldWhat: "check replica lag", incident.FieldMinutes: "10"})(t, e, ev)
				due, err := time.Parse(time.RFC3339, ev.Fields[incident.FieldDue])
				if err != nil || due.Sub(ev.At) < 9*time.Minute || due.Sub(ev.At) > 11*time.Minute {
					t.Errorf("due %q for a task journaled at %s", ev.Fields[incident.FieldDue], ev.At)
				}
			}},
		{"star", nil, func(e *verbEnv) []string { return []string{"star", e.inc, e.sim.LogEntries(e.inc)[0].ID} }, incident.KindStar,
			func(t *testing.T, e *verbEnv, ev incident.Event) {
				mirrored(map[string]string{incident.FieldEventID: e.sim.LogEntries(e.inc)[0].ID})(t, e, ev)
				if ev.Fields[incident.FieldText] == "" {
					t.Error("the star does not say what it starred")
				}
			}},
		{"snooze", []string{"ack"}, func(e *verbEnv) []string { return []string{"snooze", e.inc, "2h"} }, incident.KindSnooze,
			func(t *testing.T, e *verbEnv, ev incident.Event) {
				if snap, _ := e.sim.Incident(e.inc); snap.SnoozedUntil.IsZero() || ev.Fields[incident.FieldDuration] != "2h0m0s" {
					t.Errorf("not snoozed for 2h: until %v, fields %v", snap.SnoozedUntil, ev.Fields)
				}
			}},
		{"reassign", nil, func(e *verbEnv) []string { return []string{"reassign", e.inc, "--user", pdsim.EmailPriya} }, incident.KindReassign,
			func(t *testing.T, e *verbEnv, ev incident.Event) {
				snap, _ := e.sim.Incident(e.inc)
				if len(snap.Assignees) != 1 || snap.Assignees[0] != pdsim.EmailPriya {
					t.Errorf("assignees %v", snap.Assignees)
				}
				if ev.Fields[incident.FieldUserIDs] == "" || strings.Contains(ev.Fields[incident.FieldUserIDs], "@") {
					t.Errorf("journaled user ids %q: want PagerDuty ids", ev.Fields[incident.FieldUserIDs])
				}
			}},
		{"escalate", nil, func(e *verbEnv) []string { return []string{"escalate", e.inc, "2"} }, incident.KindEscalate,
			func(t *testing.T, e *verbEnv, _ incident.Event) {
				if snap, _ := e.sim.Incident(e.inc); snap.EscalationLevel != 2 {
					t.Errorf("escalation level %d", snap.EscalationLevel)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newVerbEnv(t)
			for _, s := range c.setup {
				if code, _, _ := e.run(t, s, e.inc); code != exitOK {
					t.Fatalf("setup %s: exit %d", s, code)
				}
			}
			before := len(e.events(t))
			notesBefore := len(e.sim.Notes(e.inc))
			code, stdout, stderr := e.run(t, c.args(e)...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			evs := e.events(t)
			if len(evs) != before+1 {
				t.Fatalf("%d events journaled, want 1: %+v", len(evs)-before, evs)
			}
			ev := evs[len(evs)-1]
			if ev.Kind != c.kind || ev.State != incident.Sent || ev.Actor != pdsim.DemoUserEmail {
				t.Errorf("journaled %s in state %s by %q", ev.Kind, ev.State, ev.Actor)
			}
			if want := c.args(e)[0] + " sent to PagerDuty for " + e.inc + " (journal id " + ev.ID + ")"; !strings.Contains(stdout, want) {
				t.Errorf("stdout %q lacks %q", stdout, want)
			}
			c.check(t, e, ev)
			// Sent once: a sync afterwards finds nothing, and PagerDuty
			// gained at most the one mirror.
			if code, out, _ := e.run(t, "sync"); code != exitOK || !strings.Contains(out, "nothing to send") {
				t.Errorf("sync afterwards: exit %d, %q", code, out)
			}
			if n := len(e.sim.Notes(e.inc)) - notesBefore; n > 1 {
				t.Errorf("%d notes added to PagerDuty", n)
			}
		})
	}
}

// TestVerbQueuedWhenPagerDutyFails: the action is durable and the command
// succeeds, saying it is queued and why; PagerDuty holds nothing yet.
func TestVerbQueuedWhenPagerDutyFails(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		e := newVerbEnv(t)
		code, stdout, stderr := cli(t, "decision", e.inc, "fail over", "--api-url", closedURL(t), "--db", e.db)
		if code != exitOK || !strings.Contains(stdout, "decision queued for "+e.inc) || !strings.Contains(stdout, "PagerDuty could not be reached") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if evs := e.events(t); len(evs) != 1 || evs[0].State != incident.Queued || evs[0].Kind != incident.KindDecision {
			t.Fatalf("journal: %+v", evs)
		}
	})
	for _, verb := range [][]string{{"note", "pool resized"}, {"ack"}, {"status-update", "investigating"}} {
		t.Run("failing "+verb[0], func(t *testing.T) {
			e := newVerbEnv(t)
			e.sim.FailFor(http.StatusServiceUnavailable, time.Hour)
			code, stdout, stderr := e.run(t, append([]string{verb[0], e.inc}, verb[1:]...)...)
			if code != exitOK || !strings.Contains(stdout, verb[0]+" queued for "+e.inc) || strings.Contains(stdout+stderr, "journal failed") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			if evs := e.events(t); len(evs) != 1 || evs[0].State != incident.Queued {
				t.Fatalf("journal: %+v", evs)
			}
			snap, _ := e.sim.Incident(e.inc)
			if len(e.sim.Notes(e.inc)) != 0 || len(e.sim.StatusUpdates(e.inc)) != 0 || snap.Status != "triggered" {
				t.Errorf("PagerDuty changed while failing: %d notes, status %s", len(e.sim.Notes(e.inc)), snap.Status)
			}
		})
	}
}

// everyVerb is one valid command line per verb, for the incident inc.
func everyVerb(inc string) [][]string {
	return [][]string{
		{"ack", inc}, {"resolve", inc}, {"note", inc, "text"}, {"decision", inc, "roll back"},
		{"role", inc, "ic", "Priya"}, {"follow-up", inc, "add a canary", "--owner", "me", "--due", "+7d"},
		{"status-update", inc, "investigating"}, {"mitigated", inc}, {"snooze", inc, "1h"},
		{"reassign", inc, "--user", "PPN7T2Q"}, {"escalate", inc, "2"}, {"task", inc, "Priya", "check lag", "--in", "10m"},
		{"star", inc, "R1"}, {"reopen", inc, "--yes"},
	}
}

// TestVerbsRefuseInReadOnlyMode: every verb exits 2 and journals nothing,
// whether read-only mode comes from the flag or the environment, and
// whether or not a journal exists already.
func TestVerbsRefuseInReadOnlyMode(t *testing.T) {
	e := newVerbEnv(t)
	for _, args := range everyVerb(e.inc) {
		code, _, stderr := e.run(t, append(args, "--read-only")...)
		if code != exitUsage || !strings.Contains(stderr, "read-only mode is on (--read-only); nothing was journaled or sent") {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, stderr)
		}
		if _, err := os.Stat(e.db); err == nil {
			t.Fatalf("%s created a journal in read-only mode", args[0])
		}
	}
	// With a journal holding one note, and read-only from the environment.
	if code, _, _ := e.run(t, "note", e.inc, "before"); code != exitOK {
		t.Fatal("note")
	}
	t.Setenv("ONCALL_READ_ONLY", "true")
	for _, args := range everyVerb(e.inc) {
		if code, _, stderr := e.run(t, args...); code != exitUsage || !strings.Contains(stderr, "ONCALL_READ_ONLY") {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, stderr)
		}
	}
	if evs := e.events(t); len(evs) != 1 {
		t.Errorf("read-only verbs journaled: %+v", evs)
	}
	if n := len(e.sim.Notes(e.inc)); n != 1 {
		t.Errorf("%d notes on PagerDuty", n)
	}
}

// TestVerbsRefuseBadInput: a one-line error, exit 2, nothing journaled
// and nothing sent, for each way a command line can be wrong.
func TestVerbsRefuseBadInput(t *testing.T) {
	e := newVerbEnv(t)
	// A journal exists, so "nothing journaled" is checked on a real file.
	if code, _, _ := e.run(t, "note", e.inc, "before"); code != exitOK {
		t.Fatal("note")
	}
	past := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ack", ""}, "the incident is empty"},
		{[]string{"ack", "  "}, "the incident is empty"},
		{[]string{"ack"}, "ack needs one incident"},
		{[]string{"ack", e.inc, "extra"}, "ack needs one incident"},
		{[]string{"ack", strings.ToLower(e.inc)}, "did you mean " + e.inc},
		{[]string{"note", "P1 2", "x"}, "is not a PagerDuty incident id"},
		{[]string{"note", "PT4\x1b[31mKHLK", "x"}, "is not a PagerDuty incident id"},
		{[]string{"note", strings.Repeat("P", 65), "x"}, "too long"},
		{[]string{"ack", "#"}, "incident number"},
		{[]string{"ack", "#0"}, "incident number"},
		{[]string{"ack", "#12a"}, "incident number"},
		{[]string{"ack", "99999"}, "no incident #99999"},
		{[]string{"ack", "#99999"}, "no incident #99999"},
		{[]string{"note", e.inc, " "}, "an empty note"},
		{[]string{"decision", e.inc, "  "}, "oncall: decision: what is needed"},
		{[]string{"decision", e.inc}, "decision needs an incident and the decision"},
		{[]string{"role", e.inc, "boss", "Priya"}, `unknown role "boss"`},
		{[]string{"role", e.inc, "ic"}, "role needs an incident, a role"},
		{[]string{"follow-up", e.inc, "canary", "--owner", "me", "--due", past}, "in the past"},
		{[]string{"follow-up", e.inc, "canary", "--owner", "me", "--due", "tomorrow"}, `due "tomorrow"`},
		{[]string{"follow-up", e.inc, "canary", "--owner", "me"}, "needs --due"},
		{[]string{"follow-up", e.inc, "canary", "--due", "+3d"}, "owner is needed"},
		{[]string{"follow-up", e.inc, "canary", "--owner", "me", "--due", "+3d", "--type", "blame"}, `type "blame"`},
		{[]string{"status-update", e.inc, " "}, "message is needed"},
		{[]string{"snooze", e.inc, "8d"}, `snooze "8d"`},
		{[]string{"snooze", e.inc, "soon"}, `snooze "soon"`},
		{[]string{"snooze", e.inc, "30s"}, `snooze "30s"`},
		{[]string{"escalate", e.inc, "0"}, `level "0"`},
		{[]string{"escalate", e.inc, "two"}, `level "two"`},
		{[]string{"task", e.inc, "Priya", "check", "--in", "soon"}, `--in "soon"`},
		{[]string{"task", e.inc, "Priya", "check"}, `--in ""`},
		{[]string{"task", e.inc, "Priya", "check", "--in", "25h"}, "a task is due in 1m to 24h"},
		{[]string{"reassign", e.inc}, "needs --user"},
		{[]string{"reassign", e.inc, "--user", "PPN7T2Q", "--policy", "PEP2PAY"}, "not both"},
		{[]string{"reassign", e.inc, "--user", "nobody@example.com"}, "no PagerDuty user has the email nobody@example.com"},
		{[]string{"reassign", e.inc, "--user", "priya natarajan"}, "not a PagerDuty id"},
		{[]string{"star", e.inc, "RNOSUCHEVENT"}, "has no event RNOSUCHEVENT"},
		{[]string{"star", e.inc, "a b"}, "a star needs the id of an event"},
		{[]string{"reopen", e.inc}, "--yes"},
	}
	notes := len(e.sim.Notes(e.inc))
	for _, c := range cases {
		code, stdout, stderr := e.run(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q, want exit 2 and %q", c.args, code, stderr, c.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 || strings.Contains(stderr, "\x1b") || stdout != "" {
			t.Errorf("%q: not one clean line: stdout %q stderr %q", c.args, stdout, stderr)
		}
	}
	if evs := e.events(t); len(evs) != 1 {
		t.Errorf("bad input journaled: %+v", evs[1:])
	}
	if n := len(e.sim.Notes(e.inc)); n != notes {
		t.Errorf("bad input sent %d notes", n-notes)
	}
	if snap, _ := e.sim.Incident(e.inc); snap.Status != "triggered" {
		t.Errorf("bad input changed the incident: %s", snap.Status)
	}
}

// TestVerbsTakeIncidentNumbers: 1045 and #1045 name the incident, asking
// PagerDuty when the cached list does not know the number, and the cache
// first when it does.
func TestVerbsTakeIncidentNumbers(t *testing.T) {
	e := newVerbEnv(t)
	n := strconv.Itoa(e.number)
	code, stdout, _ := e.run(t, "note", n, "by number")
	if code != exitOK || !strings.Contains(stdout, "note sent to PagerDuty for "+e.inc+" (#"+n+")") {
		t.Fatalf("number: exit %d, %q", code, stdout)
	}
	if code, _, _ = e.run(t, "ack", "#"+n); code != exitOK {
		t.Fatalf("#number: exit %d", code)
	}
	if snap, _ := e.sim.Incident(e.inc); snap.Status != "acknowledged" {
		t.Errorf("status %s after ack #%s", snap.Status, n)
	}
	evs := e.events(t)
	if len(evs) != 2 || evs[0].Summary != "by number" || evs[1].Kind != incident.KindAcknowledge {
		t.Fatalf("journal under %s: %+v", e.inc, evs)
	}

	// The cached list answers first: 4242 is known only there, and
	// PagerDuty is unreachable, yet the note is journaled for the
	// incident the cache names.
	j, err := store.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SaveIncidents([]incident.Incident{{ID: e.inc, Number: 4242}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	j.Close()
	code, stdout, stderr := cli(t, "note", "#4242", "from the cache", "--api-url", closedURL(t), "--db", e.db)
	if code != exitOK || !strings.Contains(stdout, "queued for "+e.inc+" (#4242)") {
		t.Fatalf("cached number: exit %d, %q %q", code, stdout, stderr)
	}
	if evs := e.events(t); len(evs) != 3 || evs[2].Summary != "from the cache" {
		t.Fatalf("journal: %+v", evs)
	}

	// Neither cached nor reachable: nothing can be journaled, and the
	// error says what failed.
	code, _, stderr = cli(t, "ack", "77", "--api-url", closedURL(t), "--db", e.db)
	if code != exitUnreachable || !strings.Contains(stderr, "look up incident #77") {
		t.Errorf("unreachable lookup: exit %d, %q", code, stderr)
	}
	if evs := e.events(t); len(evs) != 3 {
		t.Errorf("journaled without knowing the incident: %+v", evs)
	}
}

// TestExportAndLogTakeIncidentNumbers: the read commands take numbers too.
func TestExportAndLogTakeIncidentNumbers(t *testing.T) {
	e := newVerbEnv(t)
	n := strconv.Itoa(e.number)
	if code, stdout, _ := e.run(t, "log", "#"+n); code != exitOK || !strings.Contains(stdout, e.inc+"  #"+n) {
		t.Errorf("log #%s: exit %d, %q", n, code, stdout)
	}
	if code, stdout, _ := e.run(t, "export", n, "--format", "json"); code != exitOK || !strings.Contains(stdout, `"id": "`+e.inc+`"`) {
		t.Errorf("export %s: exit %d, %q", n, code, stdout)
	}
	for _, cmd := range []string{"log", "export"} {
		if code, _, stderr := e.run(t, cmd, "#99999"); code != exitUsage || !strings.Contains(stderr, "no incident #99999") {
			t.Errorf("%s #99999: exit %d, %q", cmd, code, stderr)
		}
		if code, _, stderr := e.run(t, cmd, "pt4khlk"); code != exitUsage || !strings.Contains(stderr, "did you mean PT4KHLK") {
			t.Errorf("%s pt4khlk: exit %d, %q", cmd, code, stderr)
		}
	}
}

func TestReopenOnPurpose(t *testing.T) {
	e := newVerbEnv(t)
	if code, _, _ := e.run(t, "resolve", e.inc); code != exitOK {
		t.Fatal("resolve")
	}
	code, _, stderr := e.run(t, "reopen", e.inc)
	if code != exitUsage || !strings.Contains(stderr, "--yes") || len(e.sim.Reopens()) != 0 {
		t.Fatalf("without --yes: exit %d, %q, %d reopens", code, stderr, len(e.sim.Reopens()))
	}
	code, stdout, _ := e.run(t, "reopen", e.inc, "--yes")
	if code != exitOK || !strings.Contains(stdout, "reopen sent to PagerDuty") {
		t.Fatalf("reopen --yes: exit %d, %q", code, stdout)
	}
	if snap, _ := e.sim.Incident(e.inc); snap.Status != "acknowledged" || len(e.sim.Reopens()) != 1 {
		t.Errorf("after reopen: %s, %d reopens", snap.Status, len(e.sim.Reopens()))
	}
}

func TestParseIncidentRef(t *testing.T) {
	good := map[string]incidentRef{
		"PT4KHLK": {id: "PT4KHLK"}, "Q2LAR4ADCXC8IB": {id: "Q2LAR4ADCXC8IB"}, "PD1234": {id: "PD1234"}, " P1 ": {id: "P1"},
		"1045": {number: 1045}, "#1045": {number: 1045}, "#1": {number: 1},
	}
	for in, want := range good {
		if got, err := parseIncidentRef(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "#", "#-1", "0", "#0", "-5", "1.5", "#1045x", "pt4khlk", "PT4-KHLK", "PT4_KHLK", "PT4\nKHLK", "PÉ", strings.Repeat("A", 65), "99999999999"} {
		_, err := parseIncidentRef(in)
		if !errors.Is(err, errBadRef) || exitCode(err) != exitUsage {
			t.Errorf("%q: %v (exit %d)", in, err, exitCode(err))
		}
	}
}

// fakeCache and fakeGetter stand for the journal's cache and PagerDuty in
// the resolver's unit test.
type fakeCache []incident.Incident

func (c fakeCache) Incidents() ([]incident.Incident, time.Time, error) { return c, time.Time{}, nil }

type fakeGetter struct {
	asked []string
	in    incident.Incident
	err   error
}

func (g *fakeGetter) Get(_ context.Context, id string) (incident.Incident, error) {
	g.asked = append(g.asked, id)
	return g.in, g.err
}

func TestResolveIncident(t *testing.T) {
	ctx := context.Background()
	g := &fakeGetter{in: incident.Incident{ID: "QREMOTE", Number: 7}}
	if id, err := resolveIncident(ctx, "#7", fakeCache{{ID: "QCACHED", Number: 7}}, g); err != nil || id != "QCACHED" || len(g.asked) != 0 {
		t.Errorf("cached: %q %v, asked %v", id, err, g.asked)
	}
	if id, err := resolveIncident(ctx, "7", fakeCache{{ID: "QOTHER", Number: 8}}, g); err != nil || id != "QREMOTE" || len(g.asked) != 1 || g.asked[0] != "7" {
		t.Errorf("remote: %q %v, asked %v", id, err, g.asked)
	}
	// An id is taken as typed, without asking.
	if id, err := resolveIncident(ctx, "PABC123", nil, g); err != nil || id != "PABC123" || len(g.asked) != 1 {
		t.Errorf("id: %q %v", id, err)
	}
	// A server that answers with another incident is not believed.
	if _, err := resolveIncident(ctx, "9", nil, g); err == nil || !strings.Contains(err.Error(), "instead") {
		t.Errorf("wrong answer: %v", err)
	}
	g.err = fmt.Errorf("get incident 9: %w", incident.ErrNotFound)
	if _, err := resolveIncident(ctx, "9", nil, g); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "no incident #9") {
		t.Errorf("unknown: %v", err)
	}
	g.err = fmt.Errorf("get incident 9: %w", incident.ErrUnreachable)
	if _, err := resolveIncident(ctx, "9", nil, g); exitCode(err) != exitUnreachable {
		t.Errorf("unreachable: %v", err)
	}
}

// TestReportNamesWhatFailed: the words of a queued or failed action name
// what actually failed: PagerDuty, or this machine's journal.
func TestReportNamesWhatFailed(t *testing.T) {
	ev := incident.Event{ID: "01LOCAL", Kind: incident.KindNote}
	diskFull := errors.New("write journal.db: no space left on device")
	unrecorded := fmt.Errorf("the note %w (%w: %w)", outbox.ErrUnrecorded, outbox.ErrJournal, diskFull)
	cases := []struct {
		name    string
		rep     outbox.Report
		ferr    error
		wantOut string
		wantErr string
	}{
		{"sent", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Sent}}}, nil, "note sent to PagerDuty", ""},
		{"unreachable", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Waiting, Attempted: true, Err: fmt.Errorf("add note: %w", incident.ErrUnreachable)}}}, nil,
			"note queued for PX (journal id 01LOCAL): PagerDuty could not be reached", ""},
		{"rate limited", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Waiting, Err: incident.ErrRateLimited}}}, nil, "PagerDuty is rate limiting", ""},
		{"outbox unreadable", outbox.Report{}, fmt.Errorf("%w: %w", outbox.ErrJournal, diskFull),
			"note queued for PX (journal id 01LOCAL), not sent, as this machine's journal failed (the journal failed: write journal.db: no space left on device)", ""},
		{"result not recorded", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Waiting, Attempted: true, Err: unrecorded}}}, unrecorded,
			"note for PX (journal id 01LOCAL) reached PagerDuty, but the result could not be recorded in the journal", ""},
		{"journal failed before sending", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Waiting, Err: fmt.Errorf("%w: %w", outbox.ErrJournal, diskFull)}}}, fmt.Errorf("%w: %w", outbox.ErrJournal, diskFull),
			"note queued for PX (journal id 01LOCAL), not sent, as this machine's journal failed", ""},
		{"settling", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Waiting, Err: fmt.Errorf("%w; checked after 10:01:00", outbox.ErrSettling)}}}, nil,
			"note queued for PX (journal id 01LOCAL): an earlier attempt may still land on PagerDuty; checked after 10:01:00", ""},
		{"timed out", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Waiting, Attempted: true, Err: fmt.Errorf("add note: %w", context.DeadlineExceeded)}}}, nil,
			"PagerDuty did not answer within 1s", ""},
		{"refused", outbox.Report{Results: []outbox.Result{{Event: ev, Outcome: outbox.Failed, Err: errors.New("PagerDuty answered 400")}}}, nil, "", "PagerDuty refused the note"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out strings.Builder
			err := reportAction(&out, "note", "PX", ev, c.rep, c.ferr, time.Second)
			if !strings.Contains(out.String(), c.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), c.wantOut)
			}
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("error %v, want %q", err, c.wantErr)
			}
			if strings.Contains(c.name, "journal") || strings.Contains(c.name, "record") || strings.Contains(c.name, "outbox") {
				if strings.Contains(out.String(), "could not be reached") {
					t.Errorf("a journal failure reads as PagerDuty's: %q", out.String())
				}
			}
		})
	}
}

// TestReportWhenAnotherProcessSent: an action another process sharing
// the journal took out of the outbox is reported as the journal has it.
func TestReportWhenAnotherProcessSent(t *testing.T) {
	for state, want := range map[incident.SyncState]string{
		incident.Sent:   "note sent to PagerDuty for PX (journal id 01LOCAL), by another oncall sharing the journal",
		incident.Queued: "note queued for PX (journal id 01LOCAL): another oncall sharing the journal is sending its outbox",
	} {
		var out strings.Builder
		ev := incident.Event{ID: "01LOCAL", Kind: incident.KindNote, State: state}
		if err := reportAction(&out, "note", "PX", ev, outbox.Report{}, nil, time.Second); err != nil || !strings.Contains(out.String(), want) {
			t.Errorf("%s: %q %v", state, out.String(), err)
		}
	}
	// The other process held the sender's lock until this one gave up.
	var out strings.Builder
	lockWait := fmt.Errorf("waiting for another oncall process to finish sending this journal's outbox: %w", context.DeadlineExceeded)
	queued := incident.Event{ID: "01LOCAL", Kind: incident.KindNote, State: incident.Queued}
	if err := reportAction(&out, "note", "PX", queued, outbox.Report{}, lockWait, time.Second); err != nil ||
		!strings.Contains(out.String(), "note queued for PX (journal id 01LOCAL): another oncall sharing the journal is sending its outbox") {
		t.Errorf("lock wait: %q %v", out.String(), err)
	}
	ev := incident.Event{ID: "01LOCAL", Kind: incident.KindNote, State: incident.Failed, Error: "PagerDuty answered 400: Invalid Input"}
	if err := reportAction(io.Discard, "note", "PX", ev, outbox.Report{}, nil, time.Second); err == nil || !strings.Contains(err.Error(), "PagerDuty refused the note for PX") {
		t.Errorf("failed: %v", err)
	}
}

func TestIncidentArgumentCompletes(t *testing.T) {
	e := newVerbEnv(t)
	j, err := store.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SaveIncidents([]incident.Incident{{ID: e.inc, Number: 1045, Title: "checkout \x1b[31m5xx"}, {ID: "PZZZ999", Number: 7}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	j.Close()
	for _, cmd := range []string{"ack", "note", "log", "export"} {
		code, out, _ := cli(t, "__complete", cmd, "--db", e.db, "10")
		if code != exitOK || !strings.Contains(out, "1045\t#1045 checkout 5xx") || strings.Contains(out, "PZZZ999") || strings.Contains(out, "\x1b") {
			t.Errorf("%s: exit %d, %q", cmd, code, out)
		}
	}
	_, out, _ := cli(t, "__complete", "note", "--db", filepath.Join(t.TempDir(), "none.db"), "")
	if strings.Contains(out, e.inc) {
		t.Errorf("completion without a journal: %q", out)
	}
}

// TestReadCommandsLeaveTheJournalAlone: export and a read-only log read
// the journal without writing a byte to it; a plain log caches the
// incident it fetched (which shows the comparison can see a write).
func TestReadCommandsLeaveTheJournalAlone(t *testing.T) {
	e := newVerbEnv(t)
	if code, _, _ := e.run(t, "note", e.inc, "journaled before"); code != exitOK {
		t.Fatal("note")
	}
	read := func() []byte {
		t.Helper()
		b, err := os.ReadFile(e.db)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := read()
	for _, args := range [][]string{{"log", e.inc, "--read-only"}, {"export", e.inc}, {"export", e.inc, "--read-only"}} {
		code, out, _ := e.run(t, args...)
		if code != exitOK || !strings.Contains(out, "journaled before") {
			t.Errorf("%v: exit %d, the journal's note missing", args, code)
		}
		if !slices.Equal(read(), before) {
			t.Fatalf("%v wrote to the journal", args)
		}
	}
	if code, _, _ := e.run(t, "log", e.inc); code != exitOK || slices.Equal(read(), before) {
		t.Errorf("log: exit %d, and it cached nothing", code)
	}
}

// brokenJournal is a real journal whose outbox side fails as a full disk
// would, where the test says.
type brokenJournal struct {
	*store.Store
	outbox, setState error
}

func (b brokenJournal) Outbox() ([]store.Action, error) {
	if b.outbox != nil {
		return nil, b.outbox
	}
	return b.Store.Outbox()
}

func (b brokenJournal) SetState(incidentID, eventID string, state incident.SyncState, errText string) error {
	if b.setState != nil {
		return b.setState
	}
	return b.Store.SetState(incidentID, eventID, state, errText)
}

// TestVerbNamesAJournalFailure: over real HTTP, with the journal failing
// after the note was journaled, the verb says it was this machine's
// journal that failed (not PagerDuty), and exits 0: the note is durable,
// and a retry would make a second one.
func TestVerbNamesAJournalFailure(t *testing.T) {
	diskFull := errors.New("write journal.db: no space left on device")
	for _, c := range []struct {
		name   string
		broken brokenJournal
		want   string
		onPD   int
	}{
		{"answer not recorded", brokenJournal{setState: diskFull}, "reached PagerDuty, but the result could not be recorded in the journal", 1},
		{"outbox unreadable", brokenJournal{outbox: diskFull}, "not sent, as this machine's journal failed", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newVerbEnv(t)
			j, err := store.Open(e.db)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			src := e.source(t, e.url)
			broken := c.broken
			broken.Store = j
			env := &actionEnv{journal: j, src: src, outbox: outbox.New(broken, src, outbox.Options{})}
			o := &noteOptions{actionOptions: actionOptions{name: "note", incident: e.inc}, text: "pool resized"}
			var out strings.Builder
			err = runAction(context.Background(), o, func() (*actionEnv, error) { return env, nil }, &out)
			if err != nil || !strings.Contains(out.String(), c.want) || !strings.Contains(out.String(), "no space left on device") || strings.Contains(out.String(), "could not be reached") {
				t.Fatalf("stdout %q, error %v", out.String(), err)
			}
			if n := len(e.sim.Notes(e.inc)); n != c.onPD {
				t.Errorf("%d notes on PagerDuty, want %d", n, c.onPD)
			}
			evs, err := j.Events(e.inc)
			if err != nil || len(evs) != 1 || evs[0].State != incident.Queued {
				t.Errorf("journal: %+v %v", evs, err)
			}
		})
	}
}
