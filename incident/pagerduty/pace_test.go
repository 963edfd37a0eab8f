package pagerduty

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// freeze puts the client's bucket on a clock that moves only when the
// client sleeps, and makes the sleeps instant; it returns the waits.
func freeze(c *Client, also func(time.Duration)) *[]time.Duration {
	var (
		mu    sync.Mutex
		now   = epoch
		waits []time.Duration
	)
	c.tr.bucket.mu.Lock()
	c.tr.bucket.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c.tr.bucket.last = epoch
	c.tr.bucket.mu.Unlock()
	c.tr.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		now = now.Add(d)
		mu.Unlock()
		if also != nil {
			also(d)
		}
		return ctx.Err()
	}
	return &waits
}

// TestABudgetedClientSpendsTheMinuteAtOnce: 31 pages in no time at all
// wait under steady pacing (a burst of 30) and not at all under
// PaceBudget, which may spend PagerDuty's 960 a minute at once.
func TestABudgetedClientSpendsTheMinuteAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pacing, set Pacing // set: SetPacing after New
		waits       bool
	}{{PaceSteady, PaceSteady, true}, {PaceBudget, PaceBudget, false}, {PaceSteady, PaceBudget, false}, {PaceBudget, PaceSteady, true}} {
		sim, c, _ := newEmpty(t, pdsim.Options{}, Config{Pacing: tc.pacing})
		addIncidents(t, sim, 3100)
		c.SetPacing(tc.set)
		waits := freeze(c, nil)
		got, err := c.Active(context.Background())
		if err != nil || len(got) != 3100 {
			t.Fatalf("pacing %d then %d: %d incidents, %v", tc.pacing, tc.set, len(got), err)
		}
		if waited := len(*waits) > 0; waited != tc.waits {
			t.Errorf("pacing %d then %d: waits %v, want some: %v", tc.pacing, tc.set, *waits, tc.waits)
		}
	}
}

// TestNoRequestIsSentPastTheRemainingBudget: when PagerDuty says none is
// left (ratelimit-remaining: 0), the next request waits for
// ratelimit-reset instead of meeting a 429, even in PaceBudget with a
// full bucket.
func TestNoRequestIsSentPastTheRemainingBudget(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		heard []string
	)
	sim, c, clk := newEmpty(t, pdsim.Options{RateLimit: 5}, Config{
		Pacing: PaceBudget,
		OnWait: func(d time.Duration, reason string) { mu.Lock(); heard = append(heard, reason); mu.Unlock() },
	})
	in, err := sim.AddIncident(pdsim.IncidentSpec{Title: "x", Service: pdsim.ServiceCheckout, Urgency: "high", CreatedAt: epoch.Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	waits := freeze(c, clk.Advance)
	for i := range 7 {
		if _, err := c.Get(context.Background(), in.ID); err != nil {
			t.Fatalf("get %d: %v", i+1, err)
		}
	}
	if want := []time.Duration{time.Minute}; !slices.Equal(*waits, want) {
		t.Errorf("waits %v, want %v: one wait for the reset after the fifth request", *waits, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(heard, "rate limited") {
		t.Errorf("a request met a 429 (heard %v): the remaining budget was not honoured", heard)
	}
}

// TestProgressCountsPagesAgainstPagerDutysTotal: a listing under
// WithProgress reports each page against the count PagerDuty gives when
// asked (total=true on the first page).
func TestProgressCountsPagesAgainstPagerDutysTotal(t *testing.T) {
	t.Parallel()
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	addIncidents(t, sim, 250)
	var got []Progress
	ctx := WithProgress(context.Background(), func(p Progress) { got = append(got, p) })
	if _, err := c.Active(ctx); err != nil {
		t.Fatal(err)
	}
	want := []Progress{{"incidents", 100, 250, false}, {"incidents", 200, 250, false}, {"incidents", 250, 250, true}}
	if !slices.Equal(got, want) {
		t.Errorf("progress %v, want %v", got, want)
	}
	got = nil
	if _, err := c.Active(context.Background()); err != nil || got != nil {
		t.Errorf("without WithProgress: reported %v (%v)", got, err)
	}
}

func TestNewWithoutATokenIsErrNoToken(t *testing.T) {
	for _, tok := range []string{"", " \t"} {
		if _, err := New(Config{Token: tok}); !errors.Is(err, ErrNoToken) {
			t.Errorf("token %q: err = %v, want ErrNoToken", tok, err)
		}
	}
}
