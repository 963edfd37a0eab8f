package tui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// requestCounter counts the requests a server answers, by method and
// path.
type requestCounter struct {
	next http.Handler
	mu   sync.Mutex
	n    map[string]int
}

func (c *requestCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	c.next.ServeHTTP(w, r)
}

func (c *requestCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

// TestListFollowsTheChangeFeed: with the change feed, a quiet account
// whose list takes more than a page costs one request a poll (the
// account's log since the last), not a listing; an incident triggered
// between two polls is on the list after the next; and the list is
// re-listed in full every relistEvery anyway. Over real HTTP against the
// simulator, counting what it answers.
func TestListFollowsTheChangeFeed(t *testing.T) {
	h, counter := feedHarness(t, "payments: settlement lag", "checkout: fresh from the feed", 100*time.Second)
	h.wantScreen("settlement lag")
	counter.take()

	for i := range 5 { // 15 s to 75 s: nothing happens
		h.clock.Advance(15 * time.Second)
		h.send(listTickMsg{})
		got := counter.take()
		if len(got) != 1 || got["GET /log_entries"] != 1 {
			t.Fatalf("quiet poll %d made %v, want one GET /log_entries", i+1, got)
		}
	}
	if strings.Contains(h.screen(), "fresh from the feed") {
		t.Fatal("the incident to come is listed before it triggered")
	}

	h.clock.Advance(30 * time.Second) // 105 s: triggered at 100 s
	h.send(listTickMsg{})
	got := counter.take()
	if got["GET /log_entries"] != 1 || got["GET /incidents"] == 0 {
		t.Fatalf("the poll after a trigger made %v, want the feed and a listing", got)
	}
	h.wantScreen("fresh from the feed")

	// The safety net: however quiet, a full listing every relistEvery.
	listings := 0
	for elapsed := time.Duration(0); elapsed <= relistEvery; elapsed += 15 * time.Second {
		h.clock.Advance(15 * time.Second)
		h.send(listTickMsg{})
		if counter.take()["GET /incidents"] > 0 {
			listings++
		}
	}
	if listings != 1 {
		t.Fatalf("%d full listings in %s of quiet polls, want 1", listings, relistEvery)
	}
}

// TestShortListIsListed: a list shorter than a page is listed on every
// poll (one request, exact), feed or not.
func TestShortListIsListed(t *testing.T) {
	h := newHarness(t, 120, 40, func(o *Options) { o.Feed = failingFeed{} })
	if n := len(h.model().list.all); n == 0 || n >= feedFrom {
		t.Fatalf("the demo lists %d incidents; the test needs fewer than %d", n, feedFrom)
	}
	gen := h.model().listGen
	h.send(listTickMsg{})
	if h.model().listGen != gen+1 {
		t.Fatal("a poll of a short list did not list")
	}
}

// failingFeed fails the test's way: a poll that reads it is a mistake.
type failingFeed struct{}

func (failingFeed) Changed(context.Context) ([]string, error) {
	panic("the change feed was read for a list shorter than a page")
}

// feedHarness is the real model over a counted simulator whose list is
// long enough to follow the change feed: an incident titled first an hour
// old, feedFrom older ones, and one titled later triggered at laterAt.
func feedHarness(t *testing.T, first, later string, laterAt time.Duration) (*harness, *requestCounter) {
	t.Helper()
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now, Scenario: pdsim.Scenario{
		{At: -time.Hour, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "feed-first", Title: first, Service: pdsim.ServicePayments})},
		{At: laterAt, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "feed-later", Title: later, Service: pdsim.ServiceCheckout})},
	}})
	for i := range feedFrom {
		if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: fmt.Sprintf("backlog %d", i), Service: pdsim.ServiceSearch,
			CreatedAt: epoch.Add(-2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	counter := &requestCounter{next: sim, n: map[string]int{}}
	srv := httptest.NewServer(counter)
	t.Cleanup(srv.Close)
	h, _ := attachHarness(t, sim, srv.URL, clk, pdsim.DemoToken, 120, 40, func(o *Options) {
		o.Feed = o.Source.(*pagerduty.Client).Feed(clk.Now())
	})
	return h, counter
}
