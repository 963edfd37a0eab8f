package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/review"
)

// reviewReport is a fixed week: incidents with pages at night, a repeat,
// follow-ups in every state, and a hostile title.
func reviewReport() review.Report {
	since := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	until := since.Add(7 * 24 * time.Hour)
	mk := func(id string, n int, title, svc string, at time.Time, ack, res time.Duration, pages ...time.Duration) review.Item {
		in := incident.Incident{ID: id, Number: n, Title: title, Service: incident.Ref{ID: "S" + svc, Name: svc},
			CreatedAt: at, Status: incident.Resolved, ResolvedAt: at.Add(res), Priority: "P2"}
		tl := incident.Timeline{
			{ID: id + "t", Kind: incident.KindTrigger, At: at, Origin: incident.Remote},
			{ID: id + "a", Kind: incident.KindAcknowledge, At: at.Add(ack), Origin: incident.Remote},
		}
		for i, p := range pages {
			tl = append(tl, incident.Event{ID: fmt.Sprintf("%sn%d", id, i), Kind: incident.KindNotify, At: at.Add(p),
				Summary: "Notified Jane Doe by SMS.", Origin: incident.Remote})
		}
		tl = append(tl, incident.Event{ID: id + "r", Kind: incident.KindResolve, At: at.Add(res), Origin: incident.Remote})
		return review.Item{Incident: in, Timeline: tl}
	}
	items := []review.Item{
		mk("P1", 301, "Checkout 5xx after deploy \x1b[31m<b>", "checkout", since.Add(3*time.Hour), 2*time.Minute, 40*time.Minute, time.Minute),
		mk("P2", 302, "Search latency high on node 7", "search", since.Add(26*time.Hour), 9*time.Minute, 3*time.Hour, 0, time.Hour),
		mk("P3", 303, "Search latency high on node 9", "search", since.Add(4*24*time.Hour+2*time.Hour), 30*time.Minute, 26*time.Hour, 0),
		mk("P4", 304, "Payments timeouts", "payments", since.Add(5*24*time.Hour+14*time.Hour), 40*time.Second, 20*time.Minute),
	}
	items[0].Incident.Priority = "P1"
	ai := func(id string, day int, title, owner, due string) incident.Event {
		return incident.Event{ID: id, Kind: incident.KindActionItem, At: since.Add(time.Duration(day) * 24 * time.Hour), Origin: incident.Local,
			State: incident.Sent, Fields: map[string]string{incident.FieldTitle: title, incident.FieldOwner: owner, incident.FieldDue: due}}
	}
	items[1].Timeline = append(items[1].Timeline,
		ai("f1", 1, "Add a canary stage", "Priya", "2026-11-20"),
		ai("f2", 1, "Alert on search queue depth", "Ravi", "2026-12-01"),
		ai("f3", 2, "Write the failover runbook", "", "2026-12-05"),
		ai("f4", 2, "Fix the retry storm", "Yuki", "2026-11-21"),
		incident.Event{ID: "u1", Kind: incident.KindItemUpdate, At: since.Add(3 * 24 * time.Hour), Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{incident.FieldItem: "f4", incident.FieldChange: incident.ChangeDone}},
	)
	o := review.Options{Since: since, Until: until, Now: until.Add(10 * time.Hour)}
	return review.Compute(review.Data{Incidents: items}, o)
}

// TestReviewGolden draws the screen at 80x24 and 160x48: the numbers, the
// four charts (one-line sparklines when short, bars when tall), the two
// lists and the key hints from the bindings.
func TestReviewGolden(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		v := NewReview(reviewReport(), &st, &keys).SetSize(size[0], size[1])
		view := ansi.Strip(v.View())
		if n := strings.Count(view, "\n") + 1; n != size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], n)
		}
		golden(t, fmt.Sprintf("review-%dx%d", size[0], size[1]), view)
		if strings.Contains(v.View(), "\x1b[31m") {
			t.Error("a terminal escape from a title reached the screen")
		}
		for _, want := range []string{"Incidents per day", "Pages by hour", "Time to acknowledge", "Time to resolve", "Follow-ups", "Agenda",
			keys.Pane.Help().Key, keys.Open.Help().Key} {
			if !strings.Contains(view, want) {
				t.Errorf("%dx%d lacks %q", size[0], size[1], want)
			}
		}
	}
}

func press(v Review, k string) (Review, tea.Msg) {
	var msg tea.KeyPressMsg
	switch k {
	case "tab":
		msg = tea.KeyPressMsg{Code: tea.KeyTab}
	case "enter":
		msg = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "down":
		msg = tea.KeyPressMsg{Code: tea.KeyDown}
	default:
		msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
	}
	v, cmd := v.Update(msg)
	if cmd == nil {
		return v, nil
	}
	return v, cmd()
}

// TestReviewActs: enter on the agenda asks to open the top incident (P1
// first); tab moves to the follow-ups, whose overdue item comes first;
// x asks to journal it done and shows it pending at once, and a second x
// asks nothing more; d raises a decision on the incident under discussion.
func TestReviewActs(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	v := NewReview(reviewReport(), &st, &keys).SetSize(100, 40)

	v, msg := press(v, "enter")
	if m, ok := msg.(ReviewOpenMsg); !ok || m.IncidentID != "P1" {
		t.Fatalf("enter on the agenda = %#v, want to open P1 (the P1 incident)", msg)
	}
	v, msg = press(v, "d")
	if m, ok := msg.(ReviewMinuteMsg); !ok || m.IncidentID != "P1" || m.Kind != incident.KindDecision {
		t.Errorf("d = %#v", msg)
	}
	v, _ = press(v, "tab")
	if v.focus != focusFollowUps {
		t.Fatal("tab did not move to the follow-ups")
	}
	if _, msg = press(v, "enter"); msg != nil {
		t.Errorf("enter on a follow-up = %#v, want nothing", msg)
	}
	v, msg = press(v, "x")
	m, ok := msg.(ReviewDoneMsg)
	if !ok || m.ItemID != "f1" || m.IncidentID != "P2" {
		t.Fatalf("x on the first follow-up = %#v, want the overdue f1 on P2", msg)
	}
	if !strings.Contains(ansi.Strip(v.View()), "done (pending)") {
		t.Error("the follow-up marked done does not show it")
	}
	if _, msg = press(v, "x"); msg != nil {
		t.Errorf("a second x = %#v, want nothing", msg)
	}
	v, msg = press(v, "f")
	if m, ok := msg.(ReviewMinuteMsg); !ok || m.IncidentID != "P2" || m.Kind != incident.KindActionItem {
		t.Errorf("f = %#v", msg)
	}
	// The done follow-up (f4) cannot be marked again.
	for range 10 {
		v, _ = press(v, "down")
	}
	it, _ := v.followUp()
	if _, msg = press(v, "x"); it.State == review.StateDone && msg != nil {
		t.Errorf("x on a done follow-up = %#v", msg)
	}
	// Tiny sizes draw without a panic, in their size.
	for _, s := range [][2]int{{0, 0}, {1, 1}, {10, 3}, {30, 8}} {
		out := v.SetSize(s[0], s[1]).View()
		if s[1] > 0 && strings.Count(out, "\n")+1 != s[1] {
			t.Errorf("%dx%d: %d lines", s[0], s[1], strings.Count(out, "\n")+1)
		}
	}
}
