package tui

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
)

// countingSource counts the reads the open incident's poll makes.
type countingSource struct {
	incident.Source
	gets, events atomic.Int32
}

func (s *countingSource) Get(ctx context.Context, id string) (incident.Incident, error) {
	s.gets.Add(1)
	return s.Source.Get(ctx, id)
}

func (s *countingSource) Events(ctx context.Context, id string) ([]incident.Event, error) {
	s.events.Add(1)
	return s.Source.Events(ctx, id)
}

func (s *countingSource) EventsSince(ctx context.Context, id string, since time.Time) ([]incident.Event, error) {
	s.events.Add(1)
	return s.Source.EventsSince(ctx, id, since)
}

// countingJournal counts the cache writes the program makes through the
// journal interface it uses; the writes still reach the real journal.
type countingJournal struct {
	*store.Store
	snapshots, lists atomic.Int32
}

func (j *countingJournal) SaveSnapshot(s store.Snapshot) error {
	j.snapshots.Add(1)
	return j.Store.SaveSnapshot(s)
}

func (j *countingJournal) SaveIncidents(list []incident.Incident, at time.Time) error {
	j.lists.Add(1)
	return j.Store.SaveIncidents(list, at)
}

// countingHarness is the usual harness with the source and the journal
// counted.
func countingHarness(t *testing.T) (*harness, *countingSource, *countingJournal) {
	t.Helper()
	var (
		src *countingSource
		j   *countingJournal
	)
	h := newHarness(t, 120, 40, func(o *Options) {
		src = &countingSource{Source: o.Source}
		j = &countingJournal{Store: o.Journal.(*store.Store)}
		o.Source, o.Journal = src, j
	})
	return h, src, j
}

// collect runs cmd and what it batches, and returns the messages without
// delivering them: answers held back, as if still on their way.
func collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, collect(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// TestNoSecondDetailFetchWhileOneIsOnItsWay: the poll tick that comes
// while the incident's first (long) fetch has not answered starts no
// other fetch; once it answered, the next tick polls.
func TestNoSecondDetailFetchWhileOneIsOnItsWay(t *testing.T) {
	h, src, _ := countingHarness(t)
	m, opening := h.m.Update(keyPress("enter")) // the fetch is built, not run
	h.m = m
	d := h.model().detail
	if !d.active {
		t.Fatal("enter did not open the incident")
	}
	tick := detailTickMsg{id: d.inc.ID, gen: d.gen}
	for range 3 {
		m, cmd := h.m.Update(tick)
		h.m = m
		collect(cmd)
	}
	if n := src.events.Load(); n != 0 {
		t.Fatalf("ticks during the first fetch fetched the timeline %d times, want none", n)
	}
	h.run(opening)
	if n := src.events.Load(); n != 1 {
		t.Fatalf("the first fetch read the timeline %d times, want once", n)
	}
	h.send(tick)
	if n := src.events.Load(); n != 2 {
		t.Fatalf("a tick after the first answer read the timeline %d times in all, want 2", n)
	}
}

// TestRepeatedBoundarySecondChangesNothing: PagerDuty returns the events
// of the newest second again on every poll; when the newest is an
// acknowledgement (which changes the incident) that must not count as a
// change, so a quiet poll re-reads nothing and writes nothing.
func TestRepeatedBoundarySecondChangesNothing(t *testing.T) {
	h, src, j := countingHarness(t)
	target := h.firstTriggered()
	h.keys("enter", "a") // the newest log entry is now an acknowledgement
	if snap, _ := h.sim.Incident(target.ID); snap.Status != "acknowledged" {
		t.Fatalf("simulator status = %q, want acknowledged", snap.Status)
	}
	d := h.model().detail
	tick := detailTickMsg{id: d.inc.ID, gen: d.gen}
	h.send(tick) // the acknowledgement's own poll
	gets, writes, events := src.gets.Load(), j.snapshots.Load(), src.events.Load()
	for range 5 {
		h.send(tick)
	}
	if n := src.events.Load() - events; n != 5 {
		t.Fatalf("five quiet polls read the log %d times, want 5", n)
	}
	if n := src.gets.Load() - gets; n != 0 {
		t.Errorf("five quiet polls re-read the incident %d times, want none: the repeated second counted as a change", n)
	}
	if n := j.snapshots.Load() - writes; n != 0 {
		t.Errorf("five quiet polls wrote the snapshot %d times, want none", n)
	}
	if got := len(h.model().detail.remote); got != len(d.remote) {
		t.Errorf("quiet polls changed the provider events from %d to %d", len(d.remote), got)
	}
}

// TestSnapshotWrittenOnlyWhenItChanges: a poll that brings a new event
// writes the incident's snapshot once; quiet polls after it write none.
func TestSnapshotWrittenOnlyWhenItChanges(t *testing.T) {
	h, _, j := countingHarness(t)
	target := h.firstTriggered()
	h.keys("enter")
	d := h.model().detail
	tick := detailTickMsg{id: d.inc.ID, gen: d.gen}
	h.send(tick)
	before := j.snapshots.Load()
	if before == 0 {
		t.Fatal("opening the incident wrote no snapshot")
	}
	h.clock.Advance(2 * time.Second) // the note is in a second of its own
	if err := simClient(t, h).AddNote(context.Background(), target.ID, "", "rollback started"); err != nil {
		t.Fatal(err)
	}
	h.send(tick)
	if n := j.snapshots.Load() - before; n != 1 {
		t.Fatalf("the poll that brought a note wrote the snapshot %d times, want once", n)
	}
	for range 4 {
		h.send(tick)
	}
	if n := j.snapshots.Load() - before; n != 1 {
		t.Fatalf("quiet polls after the note wrote the snapshot %d more times", n-1)
	}
	snap, ok, err := h.journal.Snapshot(target.ID)
	if err != nil || !ok {
		t.Fatalf("no snapshot saved: %v", err)
	}
	if len(snap.Events) != len(h.model().detail.remote) {
		t.Errorf("the snapshot holds %d events, the screen %d", len(snap.Events), len(h.model().detail.remote))
	}
}

// TestUnchangedListIsNotCachedAgain: the list cache is written when the
// list changes, never by a poll that brings the same list.
func TestUnchangedListIsNotCachedAgain(t *testing.T) {
	h, _, j := countingHarness(t)
	first := j.lists.Load()
	if first != 1 {
		t.Fatalf("the first list wrote the cache %d times, want once", first)
	}
	for range 4 {
		h.send(listTickMsg{})
	}
	if n := j.lists.Load() - first; n != 0 {
		t.Fatalf("four polls of an unchanged list wrote the cache %d times, want none", n)
	}
	target := h.firstTriggered()
	if err := simClient(t, h).Acknowledge(context.Background(), target.ID); err != nil {
		t.Fatal(err)
	}
	h.send(listTickMsg{})
	if n := j.lists.Load() - first; n != 1 {
		t.Fatalf("a poll after an acknowledgement wrote the cache %d times, want once", n)
	}
	cached, _, err := h.journal.Incidents()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range cached {
		if in.ID == target.ID && in.Status != incident.Acknowledged {
			t.Errorf("cached status of %s = %s, want acknowledged", in.ID, in.Status)
		}
	}
}

// simClient is a second PagerDuty client on the harness's simulator: a
// colleague acting elsewhere.
func simClient(t *testing.T, h *harness) *pagerduty.Client {
	t.Helper()
	c, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: h.url, RequestsPerMinute: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
