package pagerduty

import (
	"context"
	"testing"

	"github.com/oncallkit/oncall/incident"
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

// BenchmarkBudgetedList10000 is `oncall incidents --json --status
// triggered,acknowledged,resolved` on a 10,000-incident account: every
// page, as a one-shot command spends PagerDuty's budget (PaceBudget), over
// real HTTP to the simulator (budget: 2 s, simulator included).
func BenchmarkBudgetedList10000(b *testing.B) {
	sim, c, _ := newEmpty(b, pdsim.Options{}, Config{Pacing: PaceBudget})
	if _, err := sim.Bulk(pdsim.BulkSpec{Incidents: 9_900, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	f := incident.Filter{Statuses: []incident.Status{incident.Triggered, incident.Acknowledged, incident.Resolved}}
	for b.Loop() {
		c.SetPacing(PaceSteady) // a fresh budget for each round, as each command has
		c.SetPacing(PaceBudget)
		got, err := c.List(ctx, f)
		if err != nil || len(got) != 9_900 {
			b.Fatalf("listed %d, %v", len(got), err)
		}
	}
}

// BenchmarkBudgetedEvents10000 is the fetch behind `oncall export` of an
// incident with 10,000 log entries: its log, notes and alerts, under
// PaceBudget, over real HTTP to the simulator (budget: 2 s).
func BenchmarkBudgetedEvents10000(b *testing.B) {
	sim, c, _ := newEmpty(b, pdsim.Options{}, Config{Pacing: PaceBudget})
	res, err := sim.Bulk(pdsim.BulkSpec{Incidents: 1, LogEntries: 10_000, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		c.SetPacing(PaceSteady)
		c.SetPacing(PaceBudget)
		got, err := c.Events(ctx, res.TimelineIncident)
		if err != nil || len(got) < 10_000 {
			b.Fatalf("fetched %d events, %v", len(got), err)
		}
	}
}
