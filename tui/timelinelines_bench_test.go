package tui

import (
	"runtime"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkOpenTimeline100k: opening an incident whose read brings
// 100,000 events, through Update, and drawing its first frame, with 1,000
// incidents listed. Allocations are reported: laying the timeline out
// must not keep a string per line. live-MB is the heap held by the
// opened model after a collection.
func BenchmarkOpenTimeline100k(b *testing.B) {
	b.ReportAllocs()
	list := benchList(b, 1000, 120, 40)
	var events = benchEvents(list.list.incidents[0].ID, 100000)
	var live float64
	for b.Loop() {
		m, _ := list.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		d := m.(Model).detail
		m, _ = m.Update(detailMsg{id: d.inc.ID, gen: d.gen, inc: d.inc, remote: events})
		if v := m.View(); len(v.Content) == 0 {
			b.Fatal("nothing drawn")
		}
		if n := len(m.(Model).detail.timeline); n != 100000 {
			b.Fatalf("timeline holds %d events", n)
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = float64(ms.HeapInuse) / 1e6
		runtime.KeepAlive(m)
		b.StartTimer()
	}
	b.ReportMetric(live, "live-MB")
}
