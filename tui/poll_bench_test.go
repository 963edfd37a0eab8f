package tui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
)

// BenchmarkDetailAppend100k: Update for the open incident's poll answer
// that brings one new event, the timeline holding 100,000. This runs in
// Update, so it is what a key press waits behind. Budget 2 ms.
func BenchmarkDetailAppend100k(b *testing.B) {
	var m tea.Model = benchDetail(b, 1000, 100000, 120, 40)
	mm := m.(Model)
	id, gen := mm.detail.inc.ID, mm.detail.gen
	last := mm.detail.remote[len(mm.detail.remote)-1].At
	i := 0
	for b.Loop() {
		i++
		e := incident.Event{
			ID: fmt.Sprintf("N%013d", i), IncidentID: id, Kind: incident.KindNotify, At: last.Add(time.Duration(i) * time.Second),
			Actor: "Priya Natarajan", Summary: fmt.Sprintf("Notified Priya Natarajan by push notification (attempt %d).", i), Origin: incident.Remote,
		}
		m, _ = m.Update(detailMsg{id: id, gen: gen, incremental: true, remote: []incident.Event{e}})
	}
	d := m.(Model).detail
	if len(d.timeline) != 100000+i || d.timeline[len(d.timeline)-1].ID != fmt.Sprintf("N%013d", i) {
		b.Fatalf("timeline holds %d events, want %d, the newest last", len(d.timeline), 100000+i)
	}
	if v := m.View(); len(v.Content) == 0 {
		b.Fatal("nothing drawn")
	}
}
