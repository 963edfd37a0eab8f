package pagerduty

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestFeedMovesOn: a Feed names an incident changed since it started
// once, and on the next call nothing (it keeps its cursor between calls);
// over real HTTP against the simulator.
func TestFeedMovesOn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, c, clk := newEmpty(t, pdsim.Options{}, Config{})
	in, err := sim.AddIncident(pdsim.IncidentSpec{Title: "feed", Service: pdsim.ServiceCheckout, Urgency: "high", CreatedAt: epoch.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f := c.Feed(epoch)
	if got, err := f.Changed(ctx); err != nil || len(got) != 0 {
		t.Fatalf("a quiet account: changed %v, %v; want nothing", got, err)
	}
	clk.Advance(10 * time.Second)
	if err := c.Acknowledge(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.Changed(ctx)
	if err != nil || !slices.Equal(got, []string{in.ID}) {
		t.Fatalf("after an acknowledgement: changed %v, %v; want [%s]", got, err, in.ID)
	}
	clk.Advance(10 * time.Second)
	if got, err := f.Changed(ctx); err != nil || len(got) != 0 {
		t.Fatalf("asked again: changed %v, %v; want nothing (the feed did not move on)", got, err)
	}
}
