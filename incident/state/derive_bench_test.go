package state

import (
	"fmt"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// BenchmarkDerive100k is what the state column costs each second on a
// wide screen (the clock tick derives it again) with a 100,000-event
// timeline open.
func BenchmarkDerive100k(b *testing.B) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tl := make(incident.Timeline, 0, 100_000)
	for i := range 100_000 {
		k := incident.KindNotify
		if i%50 == 0 {
			k = incident.KindNote
		}
		tl = append(tl, incident.Event{ID: fmt.Sprintf("E%06d", i), Kind: k, At: t0.Add(time.Duration(i) * time.Second),
			Actor: fmt.Sprintf("user %d", i%7), Summary: "notified by push"})
	}
	in := Input{Incident: incident.Incident{ID: "P1", Status: incident.Acknowledged, Urgency: incident.High, CreatedAt: t0},
		Timeline: tl, Now: t0.Add(200_000 * time.Second), Cadence: 20 * time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		Derive(in)
	}
}
