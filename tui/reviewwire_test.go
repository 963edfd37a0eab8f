package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/review"
	"github.com/oncallkit/oncall/store"
)

// withReview gives the program the weekly review of the last 7 days,
// gathered by the review package from the harness's simulator and
// journal, as oncall does.
func withReview(o *Options) {
	src, j, now := o.Source, o.Journal.(*store.Store), o.Now
	o.Review = func(ctx context.Context, progress io.Writer) (review.Report, error) {
		t := now()
		ro := review.Options{Since: t.Add(-7 * 24 * time.Hour), Until: t, Now: t, Location: zone, Progress: progress}
		d, err := review.Gather(ctx, src, j, j, ro)
		if err != nil {
			return review.Report{}, err
		}
		return review.Compute(d, ro), nil
	}
}

// followUpOn journals an open action item on the demo incident demoKey,
// as a responder did during the week; it returns the incident and the
// item's local id.
func followUpOn(t *testing.T, h *harness, demoKey, title string) (incident.Incident, string) {
	t.Helper()
	snap, ok := h.sim.IncidentByKey(demoKey)
	if !ok {
		t.Fatalf("no demo incident %s", demoKey)
	}
	in, err := h.model().opts.Source.Get(t.Context(), snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	e, err := incident.NewActionItem(title, "payments", "2026-12-01", "prevent", h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.Actor, e.At = "jane", h.clock.Now().Add(-time.Hour).UTC()
	stored, err := h.journal.Append(in.ID, e)
	if err != nil {
		t.Fatal(err)
	}
	return in, stored.ID
}

// toFollowUps moves the review's focus to the follow-up list.
func toFollowUps(t *testing.T, h *harness) {
	t.Helper()
	if h.model().rev.screen.focus != focusFollowUps {
		h.keys("tab")
	}
	if h.model().rev.screen.focus != focusFollowUps {
		t.Fatal("tab did not focus the follow-ups")
	}
}

// TestReviewScreenInTheProgram: the list's key opens the review of the
// last 7 days gathered from PagerDuty (the simulator) and the journal;
// the screen inside the program is golden at 80x24 and 160x48, with the
// review's keys (not the list's) on the key line.
func TestReviewScreenInTheProgram(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, hgt := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, hgt), func(t *testing.T) {
			h := newHarness(t, w, hgt, withReview)
			followUpOn(t, h, pdsim.DemoPayments, "Alert on card processor timeouts")
			h.keys("W")
			if h.model().screen != screenReview {
				t.Fatalf("W on the list did not open the review (screen %d)", h.model().screen)
			}
			h.wantScreen("Review ", "Follow-ups", "Agenda", "Alert on card processor timeouts")
			if s := h.screen(); strings.Contains(s, "Loading the review") {
				t.Fatalf("the loaded review still says loading:\n%s", s)
			}
			lines := strings.Split(h.screen(), "\n")
			keyLine := lines[len(lines)-1]
			k := h.model().keys
			if !strings.Contains(keyLine, k.Back.Help().Key+" back to the list") || strings.Contains(keyLine, k.Acknowledge.Help().Desc) {
				t.Errorf("key line on the review: %q", keyLine)
			}
			golden(t, fmt.Sprintf("review-program-%dx%d", w, hgt), h.screen())
			h.keys("esc")
			if h.model().screen != screenList {
				t.Fatal("esc on the review did not go back to the list")
			}
		})
	}
}

// TestReviewFollowUpDoneIsJournaledAndMirrored: the mark on a follow-up
// is journaled as an item update with the review's context, before
// anything is sent, and the outbox mirrors it to PagerDuty, where every
// responder's timeline reads it back typed.
func TestReviewFollowUpDoneIsJournaledAndMirrored(t *testing.T) {
	h := newHarness(t, 120, 40, withReview)
	in, itemID := followUpOn(t, h, pdsim.DemoPayments, "Alert on card processor timeouts")
	h.keys("W")
	toFollowUps(t, h)
	fu, ok := h.model().rev.screen.followUp()
	if !ok || fu.ID != itemID {
		t.Fatalf("selected follow-up %+v, want %s", fu, itemID)
	}
	h.keys("x")

	ev, err := h.journal.Events(in.ID)
	if err != nil {
		t.Fatal(err)
	}
	var upd *incident.Event
	for i := range ev {
		if ev[i].Kind == incident.KindItemUpdate {
			upd = &ev[i]
		}
	}
	if upd == nil || upd.Fields[incident.FieldItem] != itemID || upd.Fields[incident.FieldChange] != incident.ChangeDone ||
		upd.Fields[incident.FieldContext] != incident.ContextReview || upd.State != incident.Sent {
		t.Fatalf("journal after marking done: %+v", ev)
	}
	h.wantScreen("done (pending)")

	remote, err := h.model().opts.Source.Events(t.Context(), in.ID)
	if err != nil {
		t.Fatal(err)
	}
	mirrored := false
	for _, e := range remote {
		if e.Kind == incident.KindItemUpdate && e.Fields[incident.FieldItem] == itemID && e.Fields[incident.FieldContext] == incident.ContextReview {
			mirrored = true
		}
	}
	if !mirrored {
		t.Fatalf("PagerDuty's timeline lacks the item update: %+v", remote)
	}
}

// TestReviewReadOnlyRecordsNothing: in read-only mode the review is shown,
// but marking done, deciding and raising a follow-up record nothing.
func TestReviewReadOnlyRecordsNothing(t *testing.T) {
	h := newHarness(t, 120, 40, withReview, func(o *Options) { o.ReadOnly = true })
	in, _ := followUpOn(t, h, pdsim.DemoPayments, "Alert on card processor timeouts")
	h.keys("W")
	h.wantScreen("Alert on card processor timeouts")
	toFollowUps(t, h)
	h.keys("x", "space", "d", "f")
	if h.model().prompt != promptNone {
		t.Fatalf("a read-only review opened prompt %d", h.model().prompt)
	}
	if s := h.screen(); strings.Contains(s, "done (pending)") {
		t.Fatalf("read-only review shows a follow-up done:\n%s", s)
	}
	ev, err := h.journal.Events(in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 {
		t.Fatalf("read-only review journaled: %+v", ev)
	}
}

// TestReviewAgendaOpensTheIncidentAndComesBack: enter on an agenda item
// opens that incident's timeline in the detail view; esc (and q) come
// back to the review, where the agenda's place is kept, not to the list.
func TestReviewAgendaOpensTheIncidentAndComesBack(t *testing.T) {
	h := newHarness(t, 120, 40, withReview)
	h.keys("W")
	agenda := h.model().rev.screen.rep.Agenda
	if len(agenda) < 2 {
		t.Fatalf("agenda of the demo week has %d items", len(agenda))
	}
	h.keys("j", "enter")
	m := h.model()
	if m.screen != screenDetail || m.detail.inc.ID != agenda[1].Incident.ID {
		t.Fatalf("enter on agenda item 2 shows screen %d, incident %q; want %s", m.screen, m.detail.inc.ID, agenda[1].Incident.ID)
	}
	h.wantScreen(incident.Clean(agenda[1].Incident.Title))
	if line := lastLine(h.screen()); !strings.Contains(line, m.keys.Back.Help().Key+" back to the review") {
		t.Errorf("the key line of an agenda incident does not say back goes to the review: %q", line)
	}
	if m.detail.inc.Service.ID == "" {
		t.Error("an agenda incident that is listed opens without what the list knows of it (service, status)")
	}
	h.keys("esc")
	if h.model().screen != screenReview {
		t.Fatalf("esc from an agenda incident went to screen %d, not the review", h.model().screen)
	}
	if a, _ := h.model().rev.screen.agendaItem(); a.Incident.ID != agenda[1].Incident.ID {
		t.Fatalf("back on the review, the selection moved to %s", a.Incident.ID)
	}
	h.keys("enter", "q")
	if h.quit || h.model().screen != screenReview {
		t.Fatalf("q from an agenda incident: quit %v, screen %d", h.quit, h.model().screen)
	}
	// Opened from the list, esc goes back to the list.
	h.keys("esc", "enter")
	if line := lastLine(h.screen()); strings.Contains(line, "back to the review") {
		t.Errorf("an incident opened from the list says back goes to the review: %q", line)
	}
	h.keys("esc")
	if h.model().screen != screenList {
		t.Fatalf("an incident opened from the list went back to screen %d", h.model().screen)
	}
}

// TestReviewMinutesAreJournaledInReview: a decision and a follow-up typed
// on the review are journaled against the incident under discussion
// (the selected agenda item), with the review's context, and sent.
func TestReviewMinutesAreJournaledInReview(t *testing.T) {
	h := newHarness(t, 120, 40, withReview)
	h.keys("W")
	a, ok := h.model().rev.screen.agendaItem()
	if !ok {
		t.Fatal("empty agenda")
	}
	h.keys("d")
	h.wantScreen("Log a decision")
	h.typeText("retire the legacy processor")
	h.keys("enter", "enter", "enter")
	h.keys("f")
	h.wantScreen("Record a follow-up action item")
	h.typeText("load-test the failover")
	h.keys("tab")
	h.typeText("payments")
	h.keys("tab")
	h.typeText("+14d")
	h.keys("tab")
	h.typeText("prevent")
	h.keys("enter")
	if h.model().prompt != promptNone || h.model().screen != screenReview {
		t.Fatalf("after the minutes: prompt %d, screen %d\n%s", h.model().prompt, h.model().screen, h.screen())
	}
	ev, err := h.journal.Events(a.Incident.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[incident.Kind]incident.Event{}
	for _, e := range ev {
		got[e.Kind] = e
	}
	d, f := got[incident.KindDecision], got[incident.KindActionItem]
	if d.Fields[incident.FieldWhat] != "retire the legacy processor" || d.Fields[incident.FieldContext] != incident.ContextReview || d.State != incident.Sent {
		t.Errorf("decision: %+v", d)
	}
	if f.Fields[incident.FieldTitle] != "load-test the failover" || f.Fields[incident.FieldContext] != incident.ContextReview || f.State != incident.Sent {
		t.Errorf("follow-up: %+v", f)
	}
	// The same keys on an incident's own view record no review context.
	h.keys("esc")
	h.list(0)
	h.keys("enter", "d")
	h.typeText("page the database team")
	h.keys("enter", "enter", "enter")
	ev, err = h.journal.Events(h.model().detail.inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev {
		if e.Fields[incident.FieldWhat] == "page the database team" && e.Fields[incident.FieldContext] != "" {
			t.Errorf("a decision outside the review has context %q", e.Fields[incident.FieldContext])
		}
	}
}

// TestReviewShowsProgressWhileItLoads: while the loader works, the screen
// and the status line say what it is doing; the answer replaces it. The
// loader is held until the progress has been seen on screen, so this is
// not a race.
func TestReviewShowsProgressWhileItLoads(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, 80, 24, func(o *Options) {
		inner := o.Source
		o.Review = func(ctx context.Context, progress io.Writer) (review.Report, error) {
			fmt.Fprint(progress, "review: listing incidents\n")
			fmt.Fprint(progress, "\rreview: timelines [###...] 3/10")
			select {
			case <-release:
			case <-time.After(30 * time.Second):
				return review.Report{}, errors.New("never released")
			}
			_ = inner
			return reviewReport(), nil
		}
	})
	m, cmd := h.m.Update(keyPress("W"))
	h.m = m
	h.wantScreen("Loading the review of the last 7 days")
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("opening the review returned %T", cmd())
	}
	loaded := make(chan tea.Msg, 1)
	go func() { loaded <- batch[0]() }()
	wait := batch[1]
	for _, want := range []string{"listing incidents", "timelines [###...] 3/10"} {
		msg := wait()
		p, ok := msg.(reviewProgressMsg)
		if !ok {
			t.Fatalf("progress: got %T", msg)
		}
		h.m, _ = h.m.Update(p)
		h.wantScreen(want)
		wait = p.next
	}
	close(release)
	h.send(<-loaded)
	h.wantScreen("Follow-ups (overdue first)", "Agenda")
	if s := h.screen(); strings.Contains(s, "Loading") || strings.Contains(s, "3/10") {
		t.Errorf("progress left on the loaded review:\n%s", s)
	}
	if msg := wait(); msg != nil {
		t.Errorf("after the load, the progress wait returned %T", msg)
	}
}

// TestReviewLoadFailureSaysWhy: a failed load says so on the status line
// and the screen offers to try again.
func TestReviewLoadFailureSaysWhy(t *testing.T) {
	h := newHarness(t, 80, 24, func(o *Options) {
		o.Review = func(context.Context, io.Writer) (review.Report, error) {
			return review.Report{}, errors.New("PagerDuty said 503")
		}
	})
	h.keys("W")
	h.wantScreen("the review could not be loaded: PagerDuty said 503", "No review loaded")
}
