package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

var epoch = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

// newSim starts the simulator behind real HTTP and returns an adapter
// pointed at it.
func newSim(t *testing.T, opts pdsim.Options) (*pdsim.Server, *Client) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return epoch }
	}
	sim := pdsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := New(Config{Token: pdsim.DemoToken, APIURL: srv.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	noSleep(c)
	return sim, c
}

// noSleep makes the client's waits (retries, pacing) instant, so tests
// that provoke them stay fast; it returns what the client would have
// waited.
func noSleep(c *Client) *[]time.Duration {
	var (
		mu    sync.Mutex
		waits []time.Duration
	)
	c.tr.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return &waits
}

func TestActiveListsTriggeredAndAcknowledged(t *testing.T) {
	sim, c := newSim(t, pdsim.Options{})
	got, err := c.Active(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, s := range sim.Incidents() {
		if s.Status != "resolved" {
			want++
		}
	}
	if len(got) != want || want == 0 {
		t.Fatalf("Active returned %d incidents, simulator has %d active", len(got), want)
	}
	for _, in := range got {
		snap, ok := sim.Incident(in.ID)
		if !ok {
			t.Fatalf("unknown incident %s", in.ID)
		}
		if string(in.Status) != snap.Status || in.Title != snap.Title || in.Number != snap.Number ||
			string(in.Urgency) != snap.Urgency || in.Priority != snap.Priority || in.Service.Name != snap.Service ||
			!in.CreatedAt.Equal(snap.CreatedAt) || in.URL != snap.URL {
			t.Errorf("incident %s converted as %+v, simulator holds %+v", in.ID, in, snap)
		}
	}
}

func TestActiveWalksEveryPage(t *testing.T) {
	sim, c := newSim(t, pdsim.Options{})
	before := len(mustActive(t, c))
	for i := range 250 {
		if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: fmt.Sprintf("disk full on node-%d", i), Service: sim.Incidents()[0].Service}); err != nil {
			t.Fatal(err)
		}
	}
	calls := sim.Requests("GET /incidents")
	got := mustActive(t, c)
	if len(got) != before+250 {
		t.Fatalf("listed %d, want %d", len(got), before+250)
	}
	pages := sim.Requests("GET /incidents") - calls
	if want := (before + 250 + 99) / 100; pages != want {
		t.Errorf("listing took %d requests, want %d pages of 100", pages, want)
	}
	seen := map[string]bool{}
	for _, in := range got {
		if seen[in.ID] {
			t.Fatalf("incident %s listed twice", in.ID)
		}
		seen[in.ID] = true
	}
}

func mustActive(t *testing.T, c *Client) []incident.Incident {
	t.Helper()
	got, err := c.Active(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestWritesReachTheSimulator(t *testing.T) {
	sim, c := newSim(t, pdsim.Options{})
	ctx := context.Background()
	var target incident.Incident
	for _, in := range mustActive(t, c) {
		if in.Status == incident.Triggered {
			target = in
			break
		}
	}
	if target.ID == "" {
		t.Fatal("demo has no triggered incident")
	}
	if err := c.Acknowledge(ctx, target.ID); err != nil {
		t.Fatal(err)
	}
	if s, _ := sim.Incident(target.ID); s.Status != "acknowledged" || len(s.Acknowledgers) == 0 || s.Acknowledgers[len(s.Acknowledgers)-1] != pdsim.DemoUserEmail {
		t.Fatalf("after Acknowledge: %+v", s)
	}
	if err := c.AddNote(ctx, target.ID, "LOCAL1", "restarted | the pool"); err != nil {
		t.Fatal(err)
	}
	notes := sim.Notes(target.ID)
	last := notes[len(notes)-1]
	if last.Content != "restarted | the pool [oncall:LOCAL1]" || last.UserEmail != pdsim.DemoUserEmail {
		t.Fatalf("note landed as %+v", last)
	}
	events, err := c.Events(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	var note, trigger, ack, alert bool
	for _, e := range events {
		switch {
		case e.Kind == incident.KindNote && e.LocalID == "LOCAL1":
			note = e.Summary == "restarted | the pool"
		case e.Kind == incident.KindTrigger:
			trigger = true
		case e.Kind == incident.KindAcknowledge:
			ack = true
		case e.Kind == incident.KindAlert:
			alert = true
		}
		if e.Origin != incident.Remote || e.IncidentID != target.ID || e.At.IsZero() {
			t.Errorf("event %+v lacks origin, incident or time", e)
		}
	}
	if !note || !trigger || !ack || !alert {
		t.Errorf("events: note=%v trigger=%v ack=%v alert=%v in %+v", note, trigger, ack, alert, events)
	}
	if err := c.Resolve(ctx, target.ID); err != nil {
		t.Fatal(err)
	}
	if s, _ := sim.Incident(target.ID); s.Status != "resolved" {
		t.Fatalf("after Resolve: %s", s.Status)
	}
	alerts, err := c.Alerts(ctx, target.ID)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("alerts %v, %v", alerts, err)
	}
}

func TestErrorsBecomeSentinels(t *testing.T) {
	sim, c := newSim(t, pdsim.Options{})
	ctx := context.Background()

	if _, err := c.Get(ctx, "PNOSUCH1"); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := c.Get(ctx, "../users/me"); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("path-like id: %v", err)
	}

	srv := httptest.NewServer(sim)
	defer srv.Close()
	bad, _ := New(Config{Token: "s3cret-token", APIURL: srv.URL, TokenSource: "env PAGERDUTY_TOKEN"})
	noSleep(bad)
	_, err := bad.Active(ctx)
	if !errors.Is(err, incident.ErrUnauthorized) {
		t.Fatalf("bad token: %v", err)
	}
	if msg := err.Error(); strings.Contains(msg, "s3cret") || !strings.Contains(msg, "env PAGERDUTY_TOKEN") || strings.Contains(msg, "\n") {
		t.Errorf("401 message %q must name the source, not the token, on one line", msg)
	}

	dead := httptest.NewServer(sim)
	dead.Close()
	off, _ := New(Config{Token: pdsim.DemoToken, APIURL: dead.URL})
	noSleep(off)
	if _, err := off.Active(ctx); !errors.Is(err, incident.ErrUnreachable) {
		t.Errorf("closed port: %v", err)
	}

	sim.FailFor(http.StatusServiceUnavailable, time.Hour)
	if _, err := c.Active(ctx); !errors.Is(err, incident.ErrUnreachable) {
		t.Errorf("503: %v", err)
	}
}

func TestRateLimitIsASentinel(t *testing.T) {
	sim, c := newSim(t, pdsim.Options{})
	sim.FailFor(http.StatusTooManyRequests, time.Hour)
	if _, err := c.Active(context.Background()); !errors.Is(err, incident.ErrRateLimited) {
		t.Errorf("429: %v", err)
	}
}

// TestHungAPIDoesNotHang: a server that never answers costs one timeout.
func TestHungAPIDoesNotHang(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(Config{Token: "t", APIURL: srv.URL, Timeout: 200 * time.Millisecond})
	_, err := c.Active(context.Background())
	if !errors.Is(err, incident.ErrUnreachable) || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("hung API: %v", err)
	}
}

// TestMalformedResponsesAreErrors feeds go-pagerduty JSON it would panic
// on (a log entry channel whose type is a number).
func TestMalformedResponsesAreErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/log_entries"):
			fmt.Fprint(w, `{"log_entries":[{"id":"L1","type":"trigger_log_entry","channel":{"type":42}}],"more":false}`)
		default:
			fmt.Fprint(w, `{"incidents":"not a list"}`)
		}
	}))
	defer srv.Close()
	c, _ := New(Config{Token: "t", APIURL: srv.URL})
	if _, err := c.Events(context.Background(), "P1"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("panicking decode: %v", err)
	}
	if _, err := c.Active(context.Background()); err == nil {
		t.Error("wrong JSON type: no error")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{{Token: ""}, {Token: "  "}, {Token: "t", APIURL: "ftp://x"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
