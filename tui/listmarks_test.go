package tui

import (
	"strings"
	"sync"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// snapshotCounter is the journal, counting the snapshots read by incident.
type snapshotCounter struct {
	Journal
	mu    sync.Mutex
	reads map[string]int
}

func (c *snapshotCounter) Snapshot(id string) (store.Snapshot, bool, error) {
	c.mu.Lock()
	c.reads[id]++
	c.mu.Unlock()
	return c.Journal.Snapshot(id)
}

// TestListMarksFromTheJournal: incidents not opened in this run carry
// their update clock on the list, from the snapshot the journal saved the
// last time they were open (PagerDuty's events, so the clock counts from
// the last status update, not from the start); a high-urgency incident
// the journal knows nothing of says its clock is unknown, a low-urgency
// one says nothing; and each snapshot is read once, not on every poll.
func TestListMarksFromTheJournal(t *testing.T) {
	var counter *snapshotCounter
	h := newHarness(t, 120, 40, func(o *Options) {
		ctx := t.Context()
		list, err := o.Source.List(ctx, incident.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range list {
			if in.Number != 1045 {
				continue
			}
			ev, err := o.Source.Events(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Journal.SaveSnapshot(store.Snapshot{Incident: in, Events: ev, FetchedAt: epoch}); err != nil {
				t.Fatal(err)
			}
		}
		counter = &snapshotCounter{Journal: o.Journal, reads: map[string]int{}}
		o.Journal = counter
	})
	h.wantScreen("#1045 [upd 6m] ", "#1046 [upd ?] ", "#1047 [upd ?] ")
	for _, line := range strings.Split(h.screen(), "\n") {
		if strings.Contains(line, "#1042 ") && strings.Contains(line, "[upd") {
			t.Errorf("a low-urgency incident carries an update clock: %q", line)
		}
	}

	h.send(listTickMsg{}) // another poll brings the same incidents
	h.send(listTickMsg{})
	counter.mu.Lock()
	defer counter.mu.Unlock()
	if len(counter.reads) == 0 {
		t.Fatal("no snapshot was read")
	}
	for id, n := range counter.reads {
		if n != 1 {
			t.Errorf("the snapshot of %s was read %d times over three polls", id, n)
		}
	}
}
