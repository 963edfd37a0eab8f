package pagerduty

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestChangesNamesWhatChangedOnceAndNotAgain drives the change feed over
// real HTTP against the simulator: it names the incidents with new log
// entries, most recent first, in one request; read again from its own
// cursor it names nothing (the boundary second PagerDuty sends again is
// not a change), yet an entry written later in that same second is one.
func TestChangesNamesWhatChangedOnceAndNotAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, c, clk := newEmpty(t, pdsim.Options{}, Config{})
	var ids []string
	for _, title := range []string{"quiet", "acked", "noted"} {
		in, err := sim.AddIncident(pdsim.IncidentSpec{Title: title, Service: pdsim.ServiceCheckout, Urgency: "high", CreatedAt: epoch.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	quiet, acked, noted := ids[0], ids[1], ids[2]
	cur := CursorAt(epoch)

	clk.Advance(10 * time.Second)
	if err := c.Acknowledge(ctx, acked); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Second)
	if err := c.AddNote(ctx, noted, "", "rolled back"); err != nil {
		t.Fatal(err)
	}
	before := sim.Requests("GET /log_entries")
	got, next, err := c.Changes(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{noted, acked}; !slices.Equal(got, want) {
		t.Fatalf("changed = %v, want %v (newest first; %s unchanged)", got, want, quiet)
	}
	if n := sim.Requests("GET /log_entries") - before; n != 1 {
		t.Errorf("a quiet account's feed took %d requests, want 1", n)
	}
	if !next.At.Equal(epoch.Add(20 * time.Second)) {
		t.Errorf("next cursor at %s, want the note's second %s", next.At, epoch.Add(20*time.Second))
	}

	again, next2, err := c.Changes(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("nothing new, yet the feed named %v: the boundary entry counted as a change", again)
	}
	if !next2.At.Equal(next.At) {
		t.Errorf("an empty read moved the cursor from %s to %s", next.At, next2.At)
	}

	// Same second as the cursor, a new entry: a change.
	if err := c.Acknowledge(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	late, _, err := c.Changes(ctx, next2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(late, []string{quiet}) {
		t.Errorf("an entry in the cursor's own second: changed = %v, want [%s]", late, quiet)
	}
}

func TestChangesRefusesAZeroCursor(t *testing.T) {
	t.Parallel()
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	if _, _, err := c.Changes(context.Background(), Cursor{}); !errors.Is(err, ErrNoCursor) {
		t.Fatalf("zero cursor: err = %v, want ErrNoCursor", err)
	}
	if n := sim.Requests("GET /log_entries"); n != 0 {
		t.Errorf("a zero cursor still read the account log (%d requests)", n)
	}
}
