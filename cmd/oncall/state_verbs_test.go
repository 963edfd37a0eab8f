package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/internal/golden"
)

// team runs oncall as one responder or another: each with their own
// token (so PagerDuty names them) and their own journal.
type team struct {
	t *testing.T
	e *journalEnv
}

func (tm team) as(token, db string, args ...string) (int, string, string) {
	tm.t.Helper()
	tm.t.Setenv("PAGERDUTY_TOKEN", token)
	return cli(tm.t, append(args, "--api-url", tm.e.url, "--db", db)...)
}

func (tm team) ok(token, db string, args ...string) string {
	tm.t.Helper()
	code, out, errOut := tm.as(token, db, args...)
	if code != 0 {
		tm.t.Fatalf("oncall %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
	}
	// PagerDuty's clock moves on between actions, so the order of the
	// team's notes is the order they were written in.
	tm.e.clock.Advance(time.Minute)
	return out
}

// refused checks a refusal: exit 2, one line, and nothing journaled.
func (tm team) refused(token, db string, want string, args ...string) {
	tm.t.Helper()
	before := len(journalOf(tm.t, db, tm.e.inc))
	code, out, errOut := tm.as(token, db, args...)
	if code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, want) {
		tm.t.Errorf("oncall %s: exit %d, stderr %q, stdout %q; want exit 2 and one line saying %q", strings.Join(args, " "), code, errOut, out, want)
	}
	if after := len(journalOf(tm.t, db, tm.e.inc)); after != before {
		tm.t.Errorf("oncall %s journaled %d events", strings.Join(args, " "), after-before)
	}
}

type handoffView struct {
	Roles []struct {
		Role   string `json:"role"`
		Holder string `json:"holder"`
		Turns  []struct {
			Person  string     `json:"person"`
			EndedAt *time.Time `json:"ended_at"`
			Taken   bool       `json:"taken"`
		} `json:"turns"`
	} `json:"roles"`
	Handoffs []struct {
		From, To, Message string
	} `json:"handoffs"`
	OpenTasks []struct {
		Number   int    `json:"number"`
		What     string `json:"what"`
		Due      string `json:"due"`
		Extended int    `json:"extended"`
	} `json:"open_tasks"`
	OpenFollowUps []struct {
		Number int    `json:"number"`
		Ticket string `json:"ticket"`
	} `json:"open_follow_ups"`
	Tried []struct {
		What string `json:"what"`
	} `json:"tried"`
}

func (tm team) handoff(token, db string) handoffView {
	tm.t.Helper()
	var v handoffView
	out := tm.ok(token, db, "handoff", tm.e.inc, "--format", "json")
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		tm.t.Fatalf("%v:\n%s", err, out)
	}
	return v
}

// TestTakeSeenByASecondResponder: Alex is the incident commander; Priya,
// on her machine with her own journal, takes the role. Alex's handoff
// (built from PagerDuty's notes and his journal) names Priya as the
// commander, taken by her, and Alex's turn as ended.
func TestTakeSeenByASecondResponder(t *testing.T) {
	isolate(t)
	tm := team{t, newJournalEnv(t)}
	alexDB, priyaDB := tm.e.db, filepath.Join(t.TempDir(), "priya.db")
	priya := pdsim.UserToken(pdsim.EmailPriya)
	inc := tm.e.inc

	tm.ok(pdsim.DemoToken, alexDB, "role", inc, "ic", "Alex Rivera")
	out := tm.ok(priya, priyaDB, "take", inc, "ic")
	if !strings.Contains(out, "take sent to PagerDuty") {
		t.Errorf("take said %q", out)
	}
	v := tm.handoff(pdsim.DemoToken, alexDB)
	if len(v.Roles) != 1 || v.Roles[0].Holder != "Priya Natarajan" || len(v.Roles[0].Turns) != 2 {
		t.Fatalf("Alex sees roles %+v", v.Roles)
	}
	alex, pri := v.Roles[0].Turns[0], v.Roles[0].Turns[1]
	if alex.Person != "Alex Rivera" || alex.EndedAt == nil || pri.Person != "Priya Natarajan" || !pri.Taken || pri.EndedAt != nil {
		t.Errorf("Alex sees turns %+v", v.Roles[0].Turns)
	}
	// Priya's own journal holds only her take; she sees the same.
	if w := tm.handoff(priya, priyaDB); w.Roles[0].Holder != "Priya Natarajan" || w.Roles[0].Turns[0].EndedAt == nil {
		t.Errorf("Priya sees roles %+v", w.Roles)
	}
	tm.refused(priya, priyaDB, "unknown role", "take", inc, "king")
	tm.refused(priya, priyaDB, "read-only", "take", inc, "ic", "--read-only")
}

// TestTaskAndFollowUpLife: tasks and follow-ups recorded by Alex are
// done, extended, cancelled and linked, by number, by Alex and by Priya
// on her own machine; what is refused is refused with nothing journaled;
// and recording new ones still works beside the new subcommands.
func TestTaskAndFollowUpLife(t *testing.T) {
	isolate(t)
	tm := team{t, newJournalEnv(t)}
	alexDB, priyaDB := tm.e.db, filepath.Join(t.TempDir(), "priya.db")
	priya := pdsim.UserToken(pdsim.EmailPriya)
	inc := tm.e.inc

	tm.ok(pdsim.DemoToken, alexDB, "task", inc, "Priya", "check replica lag", "--in", "10m")
	tm.ok(pdsim.DemoToken, alexDB, "task", inc, "Marcus", "drain node 7", "--in", "10m")
	tm.ok(pdsim.DemoToken, alexDB, "task", inc, "Yuki", "page the DBA", "--in", "10m")
	tm.ok(pdsim.DemoToken, alexDB, "follow-up", inc, "alert on replica lag", "--owner", "platform", "--due", "+7d")

	// Priya's journal has never seen the tasks: PagerDuty's notes have.
	tm.ok(priya, priyaDB, "task", "done", inc, "1")
	tm.ok(pdsim.DemoToken, alexDB, "task", "extend", inc, "2", "--by", "15m")
	tm.ok(pdsim.DemoToken, alexDB, "task", "cancel", inc, "3")
	tm.ok(pdsim.DemoToken, alexDB, "follow-up", "link", inc, "1", "https://jira.example.com/browse/OPS-7")

	tm.refused(pdsim.DemoToken, alexDB, "already done", "task", "cancel", inc, "1")
	tm.refused(pdsim.DemoToken, alexDB, "already cancelled", "task", "done", inc, "3")
	tm.refused(pdsim.DemoToken, alexDB, "has no task 9", "task", "done", inc, "9")
	tm.refused(pdsim.DemoToken, alexDB, "neither a task's number", "task", "done", inc, "no such!")
	tm.refused(pdsim.DemoToken, alexDB, "--by", "task", "extend", inc, "2")
	tm.refused(pdsim.DemoToken, alexDB, "--by", "task", "extend", inc, "2", "--by", "3d")
	tm.refused(pdsim.DemoToken, alexDB, "http or https URL", "follow-up", "link", inc, "1", "javascript:alert(1)")
	tm.refused(pdsim.DemoToken, alexDB, "needs", "follow-up", "link", inc, "1")
	tm.refused(pdsim.DemoToken, alexDB, "read-only", "task", "done", inc, "2", "--read-only")

	v := tm.handoff(priya, priyaDB)
	if len(v.OpenTasks) != 1 || v.OpenTasks[0].Number != 2 || v.OpenTasks[0].Extended != 1 {
		t.Fatalf("Priya sees open tasks %+v", v.OpenTasks)
	}
	due, err := time.Parse(time.RFC3339, v.OpenTasks[0].Due)
	if err != nil || time.Until(due) < 20*time.Minute || time.Until(due) > 26*time.Minute {
		t.Errorf("task 2 due %q: want its 10 minutes plus 15 from when it was recorded", v.OpenTasks[0].Due)
	}
	if len(v.OpenFollowUps) != 1 || v.OpenFollowUps[0].Ticket != "https://jira.example.com/browse/OPS-7" {
		t.Errorf("open follow-ups %+v", v.OpenFollowUps)
	}
	if len(v.Tried) != 1 || v.Tried[0].What != "Task done: check replica lag" {
		t.Errorf("tried %+v", v.Tried)
	}
	tm.ok(pdsim.DemoToken, alexDB, "follow-up", "done", inc, "1")
	if v := tm.handoff(pdsim.DemoToken, alexDB); len(v.OpenFollowUps) != 0 {
		t.Errorf("a done follow-up is still open: %+v", v.OpenFollowUps)
	}
}

// TestHandoffRecordsTheTransfer: --to journals the handoff and sends it;
// the document then shows it, with the message, and the incoming person's
// turn has begun; in read-only mode --to is refused and the document is
// still written.
func TestHandoffRecordsTheTransfer(t *testing.T) {
	isolate(t)
	tm := team{t, newJournalEnv(t)}
	db, inc := tm.e.db, tm.e.inc
	tm.ok(pdsim.DemoToken, db, "role", inc, "ic", "Alex Rivera")
	code, out, errOut := tm.as(pdsim.DemoToken, db, "handoff", inc, "--to", "Priya Natarajan", "--message", "replica lag is the open question", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "handoff sent to PagerDuty") {
		t.Errorf("stderr %q", errOut)
	}
	var v handoffView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(v.Handoffs) != 1 || v.Handoffs[0].From != "Alex Rivera" || v.Handoffs[0].To != "Priya Natarajan" || v.Handoffs[0].Message != "replica lag is the open question" {
		t.Errorf("handoffs %+v", v.Handoffs)
	}
	if v.Roles[0].Holder != "Priya Natarajan" {
		t.Errorf("holder %q", v.Roles[0].Holder)
	}
	var kinds []incident.Kind
	for _, e := range journalOf(t, db, inc) {
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) != 2 || kinds[1] != incident.KindHandoff {
		t.Errorf("journal kinds %v", kinds)
	}
	tm.refused(pdsim.DemoToken, db, "read-only", "handoff", inc, "--to", "Dan", "--read-only")
	if code, out, _ := tm.as(pdsim.DemoToken, db, "handoff", inc, "--read-only"); code != 0 || !strings.Contains(out, "# Handoff: #") {
		t.Errorf("read-only handoff without --to: exit %d\n%s", code, out)
	}
	tm.refused(pdsim.DemoToken, db, "--format", "handoff", inc, "--format", "html")
	file := filepath.Join(t.TempDir(), "h.md")
	os.WriteFile(file, []byte("edited by hand"), 0o600)
	tm.refused(pdsim.DemoToken, db, "not overwriting", "handoff", inc, "-o", file)
	if b, _ := os.ReadFile(file); string(b) != "edited by hand" {
		t.Errorf("the file was overwritten: %q", b)
	}
}

// TestHandoffMarkdownGoldenOverHTTP: the Markdown handoff of a scripted
// incident, read by the real client from the simulator, is the golden
// file (the clock is fixed, so it is the same on every run).
func TestHandoffMarkdownGoldenOverHTTP(t *testing.T) {
	isolate(t)
	tm := team{t, newJournalEnv(t)}
	db, inc := tm.e.db, tm.e.inc
	priya, priyaDB := pdsim.UserToken(pdsim.EmailPriya), filepath.Join(t.TempDir(), "priya.db")
	tm.ok(pdsim.DemoToken, db, "role", inc, "ic", "Alex Rivera")
	tm.ok(pdsim.DemoToken, db, "status-update", inc, "Investigating elevated checkout errors.")
	tm.ok(pdsim.DemoToken, db, "decision", inc, "roll back checkout-api to 4.11", "--why", "5xx began with 4.12", "--executor", "Priya")
	tm.ok(pdsim.DemoToken, db, "follow-up", inc, "alert on deploy error rate", "--owner", "checkout team", "--due", "2099-01-15", "--type", "detect")
	tm.ok(priya, priyaDB, "note", inc, "Ruled out: the CDN; its error rate is flat")
	tm.ok(priya, priyaDB, "status-update", inc, "Rolled back; errors falling.")
	tm.ok(priya, priyaDB, "mitigated", inc)
	tm.ok(pdsim.DemoToken, db, "handoff", inc, "--to", "Priya Natarajan", "--message", "watch db-2's replica lag")
	tm.ok(priya, priyaDB, "take", inc, "ic")

	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	g := &globalOptions{apiURL: tm.e.url, db: db}
	g.set.updateEvery = 20 * time.Minute
	now := tm.e.clock.Now().Add(10 * time.Minute)
	o := &handoffOptions{actionOptions: actionOptions{incident: inc, now: func() time.Time { return now }},
		format: "md", output: "-", role: "ic", cadence: g.set.updateEvery}
	var b bytes.Buffer
	if err := runHandoff(context.Background(), o, g.factory(), &b); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "handoff.golden.md", b.Bytes())
}

// TestTaskDoneOffline: with PagerDuty out of reach, a task this journal
// recorded is still found, and marking it done is journaled and queued
// (exit 0); a task only PagerDuty knows is refused, saying why.
func TestTaskDoneOffline(t *testing.T) {
	isolate(t)
	tm := team{t, newJournalEnv(t)}
	db, inc := tm.e.db, tm.e.inc
	tm.ok(pdsim.DemoToken, db, "task", inc, "Priya", "check replica lag", "--in", "10m")
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	offline := team{t, &journalEnv{sim: tm.e.sim, url: dead.URL, clock: tm.e.clock, inc: inc, db: db}}
	code, out, errOut := offline.as(pdsim.DemoToken, db, "task", "done", inc, "1")
	if code != 0 || !strings.Contains(out, "queued") {
		t.Fatalf("offline task done: exit %d\n%s%s", code, out, errOut)
	}
	evs := journalOf(t, db, inc)
	last := evs[len(evs)-1]
	if last.Kind != incident.KindItemUpdate || last.Fields[incident.FieldItem] != evs[0].ID || last.State != incident.Queued {
		t.Errorf("journaled %+v", last)
	}
	offline.refused(pdsim.DemoToken, db, "PagerDuty could not be asked", "task", "done", inc, "2")
}
