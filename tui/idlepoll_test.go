package tui

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// idleSim is a quiet account of two incidents, and a third that triggers
// at 40 s, while the test has an incident open; requests are counted.
func idleSim(t *testing.T) (*harness, *requestCounter) {
	t.Helper()
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now, Scenario: pdsim.Scenario{
		{At: -time.Hour, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "idle-1", Title: "payments: settlement lag", Service: pdsim.ServicePayments})},
		{At: -30 * time.Minute, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "idle-2", Title: "search: slow queries", Service: pdsim.ServiceSearch})},
		{At: 40 * time.Second, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "idle-3", Title: "checkout: fired while away", Service: pdsim.ServiceCheckout})},
	}})
	counter := &requestCounter{next: sim, n: map[string]int{}}
	srv := httptest.NewServer(counter)
	t.Cleanup(srv.Close)
	h, _ := attachHarness(t, sim, srv.URL, clk, pdsim.DemoToken, 120, 40)
	h.wantScreen("settlement lag", "slow queries")
	return h, counter
}

// openAcknowledged opens the selected incident and acknowledges it, so
// that its newest log entry is an acknowledgement (the case that once
// re-read the incident on every poll), and lets everything settle.
func openAcknowledged(t *testing.T, h *harness) detailModel {
	t.Helper()
	h.keys("enter", "a")
	d := h.model().detail
	if !d.active || d.inc.Status != "acknowledged" {
		t.Fatalf("the opened incident is %q (active %v), want it open and acknowledged", d.inc.Status, d.active)
	}
	return d
}

// TestIdleOpenIncidentCostsOnePollRequest: with an incident open and
// nothing changing in it, a minute of polls (the incident's every 5 s,
// the list's every 15 s, as the real timers deliver them) costs exactly
// one request per incident poll, the incident's log since its newest
// entry: the list's poll waits. The title bar keeps the list's age in
// sight: on its right, or, where that gave way to the update clock, in
// the counts themselves. Going back (esc, or q, which goes back in an
// incident) re-reads the list at once, and the incident triggered while
// the list was away is on it. Over real HTTP against the simulator.
func TestIdleOpenIncidentCostsOnePollRequest(t *testing.T) {
	for _, back := range []string{"esc", "q"} {
		t.Run(back, func(t *testing.T) {
			h, counter := idleSim(t)
			d := openAcknowledged(t, h)
			counter.take()

			const polls = 12
			total := 0
			for i := range polls {
				h.clock.Advance(5 * time.Second)
				h.send(detailTickMsg{id: d.inc.ID, gen: d.gen})
				if i%3 == 2 {
					h.send(listTickMsg{})
				}
				got := counter.take()
				for path, n := range got {
					if path != "GET /incidents/"+d.inc.ID+"/log_entries" {
						t.Fatalf("poll %d made %v; only the incident's log was to be read", i+1, got)
					}
					total += n
				}
			}
			if total != polls {
				t.Fatalf("%d idle polls made %d requests, want %d", polls, total, polls)
			}
			if strings.Contains(h.screen(), "fired while away") {
				t.Fatal("the incident screen shows the list's new incident; the test means to see it after going back")
			}
			// The counts are a minute old: the title bar says so, once.
			title := func() string { return strings.SplitN(h.screen(), "\n", 2)[0] }
			if got := title(); !strings.Contains(got, "updated 1m ago") || strings.Contains(got, "as of") {
				t.Fatalf("at 120 columns the title bar should give the list's age once, on the right:\n%s", got)
			}
			h.send(tea.WindowSizeMsg{Width: 80, Height: 24}) // the freshness gives way to the update clock
			if got := title(); !strings.Contains(got, "2 active as of 1m ago") || strings.Contains(got, "updated") {
				t.Fatalf("at 80 columns the counts should say their age themselves:\n%s", got)
			}
			h.send(tea.WindowSizeMsg{Width: 120, Height: 40})

			h.keys(back)
			if h.model().screen != screenList {
				t.Fatalf("%s did not go back to the list", back)
			}
			if got := counter.take(); got["GET /incidents"] != 1 {
				t.Fatalf("going back after a minute made %v, want the list read once at once", got)
			}
			h.wantScreen("fired while away", "3 active: ")
			if strings.Contains(h.screen(), "as of") {
				t.Fatalf("the list just read still says its age in the counts:\n%s", h.screen())
			}
		})
	}
}

// TestBackToAFreshListReadsNothing: going back within a poll interval of
// the list's last read costs nothing (the next tick reads it); the
// counts are not marked old while they are fresh. Going back after an
// interval reads at once (TestIdleOpenIncidentCostsOnePollRequest).
func TestBackToAFreshListReadsNothing(t *testing.T) {
	h, counter := idleSim(t)
	openAcknowledged(t, h) // the acknowledgement re-read the list just now
	h.clock.Advance(10 * time.Second)
	counter.take()
	if strings.Contains(h.screen(), "as of") {
		t.Fatalf("counts 10 s old are marked old:\n%s", h.screen())
	}
	h.keys("esc")
	if got := counter.take(); len(got) != 0 {
		t.Fatalf("going back to a list read 10 s ago made %v, want nothing", got)
	}
	h.send(listTickMsg{})
	if got := counter.take(); got["GET /incidents"] != 1 {
		t.Fatalf("the list's tick on the list made %v, want a listing", got)
	}
}

// TestBackAfterAFailedListReadsAgain: a list whose last read failed is
// read again on going back, however recent the failure.
func TestBackAfterAFailedListReadsAgain(t *testing.T) {
	h, counter := idleSim(t)
	openAcknowledged(t, h)
	h.send(incidentsMsg{gen: h.model().listGen + 1, err: errors.New("PagerDuty cannot be reached")})
	if !h.model().stale {
		t.Fatal("a failed list read did not mark the list stale")
	}
	counter.take()
	h.keys("esc")
	if got := counter.take(); got["GET /incidents"] != 1 {
		t.Fatalf("going back to a stale list made %v, want a listing", got)
	}
}

// TestBackToALongListReadsTheFeed: on a list long enough to follow the
// change feed, the poll still waits while an incident is open (no feed
// read either), and going back after a minute reads the feed, which
// covers the whole time away: it names the incident triggered meanwhile,
// so the list is read and shows it.
func TestBackToALongListReadsTheFeed(t *testing.T) {
	h, counter := feedHarness(t, "payments: settlement lag", "checkout: fired while away", 40*time.Second)
	if n := len(h.model().list.all); n < feedFrom {
		t.Fatalf("%d incidents listed; the test needs at least %d", n, feedFrom)
	}
	h.keys("enter")
	d := h.model().detail
	if !d.active {
		t.Fatal("enter did not open an incident")
	}
	counter.take()
	for i := range 12 {
		h.clock.Advance(5 * time.Second)
		h.send(detailTickMsg{id: d.inc.ID, gen: d.gen})
		if i%3 == 2 {
			h.send(listTickMsg{})
		}
	}
	if got := counter.take(); got["GET /log_entries"] != 0 || got["GET /incidents"] != 0 {
		t.Fatalf("a minute with an incident open read the account's feed or list: %v", got)
	}
	h.keys("esc")
	got := counter.take()
	if got["GET /log_entries"] != 1 || got["GET /incidents"] == 0 {
		t.Fatalf("going back made %v, want the feed read once and, as it named a new incident, a listing", got)
	}
	h.wantScreen("fired while away")
}

// TestTickRightAfterGoingBackReadsNothing: the poll made on going back is
// not asked again by the list's tick when it comes a moment later (the
// ticks run on while an incident is open); a tick a whole interval later
// reads the list as usual.
func TestTickRightAfterGoingBackReadsNothing(t *testing.T) {
	h, counter := idleSim(t)
	openAcknowledged(t, h)
	h.send(incidentsMsg{gen: h.model().listGen + 1, err: errors.New("PagerDuty cannot be reached")})
	counter.take()
	h.keys("esc")
	if got := counter.take(); got["GET /incidents"] != 1 {
		t.Fatalf("going back to a stale list made %v, want a listing", got)
	}
	h.clock.Advance(time.Second)
	h.send(listTickMsg{})
	if got := counter.take(); len(got) != 0 {
		t.Fatalf("a tick a second after going back made %v, want nothing", got)
	}
	h.clock.Advance(h.model().opts.ListEvery)
	h.send(listTickMsg{})
	if got := counter.take(); got["GET /incidents"] != 1 {
		t.Fatalf("the next tick made %v, want a listing", got)
	}
}
