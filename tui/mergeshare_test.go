package tui

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// TestMergeTimelineIsMerge: whatever the events, mergeTimeline gives what
// incident.Merge gives; it shares remote's array only when merging would
// change nothing, and appending to what it shared leaves remote alone.
func TestMergeTimelineIsMerge(t *testing.T) {
	base := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	kinds := []incident.Kind{incident.KindNote, incident.KindTrigger, incident.KindAssign, incident.KindAcknowledge}
	rng := rand.New(rand.NewPCG(1, 2))
	shared := 0
	for round := range 2000 {
		n := rng.IntN(8)
		remote := make([]incident.Event, n)
		at := base
		for i := range remote {
			if rng.IntN(3) > 0 { // often the same second as the one before
				at = at.Add(time.Duration(rng.IntN(5)-1) * time.Second)
			}
			remote[i] = incident.Event{ID: fmt.Sprintf("R%d", i), IncidentID: "P1", At: at,
				Kind: kinds[rng.IntN(len(kinds))], Origin: incident.Remote}
			if rng.IntN(10) == 0 {
				remote[i].LocalID = fmt.Sprintf("L%d", rng.IntN(2))
			}
		}
		var local []incident.Event
		if rng.IntN(4) == 0 {
			local = []incident.Event{{ID: "L0", IncidentID: "P1", At: base, Kind: incident.KindNote, Origin: incident.Local}}
		}
		want := incident.Merge(remote, local)
		got := mergeTimeline(remote, local)
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("round %d: remote %v, local %v:\n got %v\nwant %v", round, remote, local, got, want)
		}
		if len(got) > 0 && len(remote) > 0 && &got[0] == &remote[0] {
			shared++
			if len(local) > 0 {
				t.Fatalf("round %d: shared remote with journal events to place", round)
			}
			before := append([]incident.Event(nil), remote...)
			grown := append(got, incident.Event{ID: "X"})
			_ = grown
			if !reflect.DeepEqual(remote, before) || (cap(remote) > len(remote) && remote[:len(remote)+1][len(remote)].ID == "X") {
				t.Fatalf("round %d: appending to the timeline wrote into remote's array", round)
			}
		}
	}
	if shared == 0 {
		t.Fatal("no timeline was shared: the test no longer reaches the shortcut")
	}
}

// TestMergeTimelineSharesALongTimeline: 100,000 provider events in order,
// nothing journaled: the timeline is the provider's slice itself, not a
// second copy, and an append made to it later copies.
func TestMergeTimelineSharesALongTimeline(t *testing.T) {
	remote := make([]incident.Event, 100_000, 100_001)
	for i := range remote {
		remote[i] = incident.Event{ID: fmt.Sprintf("R%d", i), At: epoch.Add(time.Duration(i) * time.Second),
			Kind: incident.KindNote, Origin: incident.Remote}
	}
	tl := mergeTimeline(remote, nil)
	if len(tl) != len(remote) || &tl[0] != &remote[0] {
		t.Fatal("a long timeline in order was copied")
	}
	tl = append(tl, incident.Event{ID: "X"})
	if remote[:cap(remote)][len(remote)].ID == "X" {
		t.Fatal("appending to the shared timeline wrote into the provider's array")
	}
	if &tl[0] == &remote[0] {
		t.Fatal("an append to the shared timeline did not copy")
	}
}
