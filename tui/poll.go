package tui

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Polling the open incident costs one small request while nothing
// happens, and nothing else: no second fetch while one is on its way, no
// re-read of the incident and no snapshot written because PagerDuty
// returned the newest second again. What the poll has seen is kept as the
// newest provider event's time and the ids of the events at that second,
// so an answer is told apart from a repeat without a map of every event.

// pollMark is where the next incremental poll starts: the newest provider
// event's time, and the ids of the events at that very second (PagerDuty
// keeps time in seconds, so a poll from that second returns them again).
type pollMark struct {
	at  time.Time
	ids []string
}

// advance moves the mark past events just added to the timeline.
func (p pollMark) advance(events []incident.Event) pollMark {
	newest := p.at
	for _, e := range events {
		if e.At.After(newest) {
			newest = e.At
		}
	}
	if newest.After(p.at) {
		p = pollMark{at: newest}
	}
	for _, e := range events {
		if e.At.Equal(p.at) && !slices.Contains(p.ids, e.ID) {
			p.ids = append(slices.Clip(p.ids), e.ID)
		}
	}
	return p
}

// unseen drops from an incremental answer the events the mark already
// counted: the repeated boundary second. Events before the mark are not
// in an answer (the source drops them), so nothing else can repeat.
func (p pollMark) unseen(events []incident.Event) []incident.Event {
	out := events[:0:0]
	for _, e := range events {
		if e.At.Equal(p.at) && slices.Contains(p.ids, e.ID) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// appendNew adds the events of more that events lacks. more is an
// incremental answer with the boundary repeats already dropped, so only
// repeats within it are looked for.
func appendNew(events, more []incident.Event) []incident.Event {
	for i, e := range more {
		if slices.ContainsFunc(more[:i], func(o incident.Event) bool { return o.ID == e.ID }) {
			continue
		}
		events = append(events, e)
	}
	return events
}

// snapshotPrint identifies what a saved snapshot holds: the incident's
// facts and its provider events (which only ever grow).
func snapshotPrint(inc incident.Incident, remote []incident.Event) string {
	last := ""
	if n := len(remote); n > 0 {
		last = remote[n-1].ID
	}
	return fmt.Sprintf("%d/%s/%+v", len(remote), last, inc)
}

// sameList reports whether two fetched lists hold the same incidents
// with the same facts, in the same order: then the cache is left alone.
func sameList(a, b []incident.Incident) bool {
	return len(a) == len(b) && reflect.DeepEqual(a, b)
}
