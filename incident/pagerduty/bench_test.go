package pagerduty

import (
	"context"
	"testing"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// BenchmarkList2500 lists 2,500 active incidents from the simulator over
// real HTTP and reports the requests each listing makes (25: pages of
// 100) next to the wall time. Pacing is off: it measures the API cost,
// not the client's self-imposed 480 requests per minute.
//
//	go test ./incident/pagerduty -run '^$' -bench List2500 -benchtime 20x
func BenchmarkList2500(b *testing.B) {
	sim, c, _ := newEmpty(b, pdsim.Options{}, Config{RequestsPerMinute: -1})
	addIncidents(b, sim, 2500)
	ctx := context.Background()
	before := sim.Requests("GET /incidents")
	b.ResetTimer()
	for b.Loop() {
		got, err := c.Active(ctx)
		if err != nil || len(got) != 2500 {
			b.Fatalf("listed %d, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(sim.Requests("GET /incidents")-before)/float64(b.N), "requests/op")
}
