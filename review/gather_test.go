package review_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/review"
	"github.com/oncallkit/oncall/store"
)

var epoch = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// simEnv is the simulator over real HTTP, the real adapter on it, and a
// real journal file.
type simEnv struct {
	sim     *pdsim.Server
	clk     *pdsim.Clock
	src     *pagerduty.Client
	journal *store.Store
}

func newSimEnv(t testing.TB) simEnv {
	t.Helper()
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now, Scenario: pdsim.Scenario{}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, RequestsPerMinute: -1, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return simEnv{sim: sim, clk: clk, src: src, journal: j}
}

const logRoute = "GET /incidents/{id}/log_entries"

// TestCacheSecondRunRequestsOnlyWhatChanged: a first review reads every
// incident's log; a second over the same period, with the same journal,
// reads only the logs of the incidents still open (they may have moved)
// and of those created since; and the reviews agree.
func TestCacheSecondRunRequestsOnlyWhatChanged(t *testing.T) {
	e := newSimEnv(t)
	res, err := e.sim.Bulk(pdsim.BulkSpec{Incidents: 120, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	o := review.Options{Since: epoch.Add(-28 * 24 * time.Hour), Until: epoch.Add(time.Hour), Now: epoch}
	ctx := context.Background()

	var progress bytes.Buffer
	o.Progress = &progress
	d1, err := review.Gather(ctx, e.src, e.journal, e.journal, o)
	if err != nil {
		t.Fatal(err)
	}
	first := e.sim.Requests(logRoute)
	if len(d1.Incidents) != res.Incidents || first < res.Incidents {
		t.Fatalf("first run: %d incidents, %d log requests; want %d and at least one each", len(d1.Incidents), first, res.Incidents)
	}
	if d1.Stats.Fetched != res.Incidents || d1.Stats.Cached != 0 {
		t.Errorf("first run stats = %+v", d1.Stats)
	}
	if !strings.Contains(progress.String(), "timelines [") || !strings.Contains(progress.String(), "120/120") {
		t.Errorf("no progress on stderr: %q", progress.String())
	}
	open := 0
	for _, it := range d1.Incidents {
		if it.Incident.Status != incident.Resolved {
			open++
		}
	}
	if open == 0 || open == res.Incidents {
		t.Fatalf("%d of %d open: the test needs both kinds", open, res.Incidents)
	}

	// Second run, nothing new: only the open incidents' logs, once each.
	o.Progress = nil
	d2, err := review.Gather(ctx, e.src, e.journal, e.journal, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Requests(logRoute) - first; got != open {
		t.Errorf("second run made %d log requests, want %d (the open incidents only)", got, open)
	}
	if d2.Stats.Cached != res.Incidents-open || d2.Stats.Refreshed != open || d2.Stats.Fetched != 0 {
		t.Errorf("second run stats = %+v", d2.Stats)
	}
	r1, r2 := review.Compute(d1, o), review.Compute(d2, o)
	var b1, b2 bytes.Buffer
	_ = review.JSON(&b1, r1)
	_ = review.JSON(&b2, r2)
	if b1.String() != b2.String() {
		t.Error("the cached review differs from the first")
	}

	// Ten new incidents: the third run reads their logs and the open ones'.
	e.clk.Advance(time.Minute)
	for i := range 10 {
		if _, err := e.sim.AddIncident(pdsim.IncidentSpec{Title: "new failure", Service: pdsim.ServiceCheckout, Urgency: "high",
			CreatedAt: epoch.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	before := e.sim.Requests(logRoute)
	d3, err := review.Gather(ctx, e.src, e.journal, e.journal, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Requests(logRoute) - before; got != open+10 {
		t.Errorf("third run made %d log requests, want %d (open + new)", got, open+10)
	}
	if len(d3.Incidents) != res.Incidents+10 || d3.Stats.Fetched != 10 {
		t.Errorf("third run: %d incidents, stats %+v", len(d3.Incidents), d3.Stats)
	}
}

// TestGatherSplitsAtTheCap: more incidents in one window than PagerDuty
// pages through (10,000) are listed whole, by halving the window.
func TestGatherSplitsAtTheCap(t *testing.T) {
	if testing.Short() {
		t.Skip("lists 10,300 incidents")
	}
	e := newSimEnv(t)
	if _, err := e.sim.Bulk(pdsim.BulkSpec{Incidents: 10300, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	// Only the listing is under test: a period with no incidents, whose
	// lookback holds all of them.
	o := review.Options{Since: epoch.Add(time.Hour), Until: epoch.Add(2 * time.Hour), Now: epoch, ListWindow: 60 * 24 * time.Hour,
		Services: nil}
	var progress bytes.Buffer
	o.Progress = &progress
	d, err := review.Gather(context.Background(), e.src, nil, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Earlier) != 10300 {
		t.Errorf("listed %d incidents, want 10300", len(d.Earlier))
	}
	if !strings.Contains(progress.String(), "splitting") {
		t.Errorf("no split reported: %q", progress.String())
	}
}

// TestGatherRefusesAnEmptyPeriod: until before since is an error before any
// request.
func TestGatherRefusesAnEmptyPeriod(t *testing.T) {
	e := newSimEnv(t)
	_, err := review.Gather(context.Background(), e.src, nil, nil, review.Options{Since: epoch, Until: epoch})
	if err == nil || e.sim.Requests("GET /incidents") != 0 {
		t.Errorf("err = %v, requests = %d", err, e.sim.Requests("GET /incidents"))
	}
}
