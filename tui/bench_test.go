package tui

// Benchmarks for the paths a responder feels. Their budgets are
// in BENCHMARKS.md and checked by .ci/bench, never asserted here: the
// machines are noisy.
//
//	go test ./tui -run '^$' -bench . -benchmem
//
// The model is built as the program builds it, through New and Update;
// commands are not run (there is nothing behind the Source, Journal and
// Outbox but nil interfaces, so any I/O on these paths would panic and
// show up as a bug).

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// nothing stands for the Source, Journal and Outbox: the benchmarked paths
// only build commands, they never run them.
type (
	noSource  struct{ incident.Source }
	noJournal struct{ Journal }
	noOutbox  struct{ Outbox }
)

func benchOptions() Options {
	return Options{
		Source: noSource{}, Journal: noJournal{}, Outbox: noOutbox{}, Label: "bench",
		Now: func() time.Time { return epoch }, Location: zone, Dark: true,
		every: func(time.Duration, tea.Msg) tea.Cmd { return nil },
	}
}

var (
	benchServices = []string{"checkout-api", "payments-gateway", "search", "auth", "cdn-edge", "notifications", "inventory", "ledger"}
	benchPeople   = []string{"Alex Rivera", "Priya Natarajan", "Marcus Chen", "Yuki Tanaka", "Sofia Rossi", "Jamal Okafor"}
)

// benchIncidents makes n incidents that look like PagerDuty's: every
// status, urgency and priority, titles long enough to be cut.
func benchIncidents(n int) []incident.Incident {
	out := make([]incident.Incident, n)
	for i := range out {
		svc := benchServices[i%len(benchServices)]
		st := incident.Triggered
		if i%3 == 0 {
			st = incident.Acknowledged
		}
		urg := incident.High
		if i%4 == 0 {
			urg = incident.Low
		}
		prio := ""
		if i%5 != 0 {
			prio = fmt.Sprintf("P%d", 1+i%5)
		}
		out[i] = incident.Incident{
			ID: fmt.Sprintf("Q%013d", i), Number: 10000 + i, Status: st, Urgency: urg, Priority: prio,
			Title:            fmt.Sprintf("%s: 5xx rate above %d%% on POST /v2/orders in eu-west-%d, customers see errors at checkout", svc, 2+i%7, 1+i%3),
			Service:          incident.Ref{ID: fmt.Sprintf("PSV%04d", i%len(benchServices)), Name: svc},
			EscalationPolicy: incident.Ref{ID: "PEP0001", Name: svc + " On-Call"},
			Assignees:        []incident.Responder{{ID: "PU0001", Name: benchPeople[i%len(benchPeople)]}},
			URL:              fmt.Sprintf("https://example.pagerduty.com/incidents/Q%013d", i),
			CreatedAt:        epoch.Add(-time.Duration(i) * time.Minute),
			AlertCount:       1 + i%3,
		}
	}
	return out
}

// benchEvents makes an n-event timeline for incident id, a second apart,
// of the kinds PagerDuty's log holds; one in ten wraps onto a second line.
func benchEvents(id string, n int) []incident.Event {
	kinds := []incident.Kind{incident.KindAlert, incident.KindNotify, incident.KindNote, incident.KindEscalate, incident.KindAssign, incident.KindOther}
	start := epoch.Add(-time.Duration(n) * time.Second)
	out := make([]incident.Event, n)
	for i := range out {
		who := benchPeople[i%len(benchPeople)]
		summary := fmt.Sprintf("Notified %s by push notification (attempt %d).", who, i)
		if i%10 == 0 {
			summary = fmt.Sprintf("Error ratio %d.%d%% on POST /v2/orders; p99 latency %dms against an SLO of 800ms, "+
				"queue depth rising on the processor client, retries amplifying the load on the acquirer", i%9, i%10, 900+i%500)
		}
		out[i] = incident.Event{
			ID: fmt.Sprintf("R%013d", i), IncidentID: id, Kind: kinds[i%len(kinds)],
			At: start.Add(time.Duration(i) * time.Second), Actor: who, Summary: summary, Origin: incident.Remote,
		}
	}
	return out
}

// listModel builds the model the program would have after the first list
// arrived: n incidents, at w x h.
func benchList(b *testing.B, n, w, h int) Model {
	b.Helper()
	opts := benchOptions()
	var m tea.Model = New(opts)
	m, _ = m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m, _ = m.Update(incidentsMsg{gen: 0, list: benchIncidents(n)})
	return m.(Model)
}

// benchDetail builds the model with n incidents listed and the first one
// open, its timeline holding events provider events.
func benchDetail(b *testing.B, n, events, w, h int) Model {
	b.Helper()
	var m tea.Model = benchList(b, n, w, h)
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	mm := m.(Model)
	if mm.screen != screenDetail {
		b.Fatal("enter did not open the incident")
	}
	in := mm.detail.inc
	m, _ = m.Update(detailMsg{id: in.ID, gen: mm.detail.gen, inc: in, remote: benchEvents(in.ID, events)})
	mm = m.(Model)
	if len(mm.detail.timeline) != events {
		b.Fatalf("timeline holds %d events, want %d", len(mm.detail.timeline), events)
	}
	return mm
}

// BenchmarkColdStart1000: from the cached list to the first drawn screen,
// 1,000 incidents: New with Options.Cached, the terminal's size, View.
// Budget 50 ms.
func BenchmarkColdStart1000(b *testing.B) {
	cached := benchIncidents(1000)
	for b.Loop() {
		opts := benchOptions()
		opts.Cached, opts.CachedAt = cached, epoch.Add(-time.Hour)
		var m tea.Model = New(opts)
		m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if v := m.View(); len(v.Content) == 0 {
			b.Fatal("nothing drawn")
		}
	}
}

// BenchmarkColdStartJournal1000 is BenchmarkColdStart1000 with the journal
// in it, as cmd/oncall starts: open the bbolt file, read the cached list,
// then New, size, View. Same budget.
func BenchmarkColdStartJournal1000(b *testing.B) {
	path := filepath.Join(b.TempDir(), "journal.db")
	j, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := j.SaveIncidents(benchIncidents(1000), epoch.Add(-time.Hour)); err != nil {
		b.Fatal(err)
	}
	j.Close()
	for b.Loop() {
		j, err := store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		cached, at, err := j.Incidents()
		if err != nil || len(cached) != 1000 {
			b.Fatalf("cache: %d incidents, %v", len(cached), err)
		}
		opts := benchOptions()
		opts.Cached, opts.CachedAt = cached, at
		var m tea.Model = New(opts)
		m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		if v := m.View(); len(v.Content) == 0 {
			b.Fatal("nothing drawn")
		}
		b.StopTimer()
		j.Close()
		b.StartTimer()
	}
}

// BenchmarkListView10k: one View of the list with 10,000 incidents at
// 200x60, the cursor half way down. Budget 2 ms.
func BenchmarkListView10k(b *testing.B) {
	m := benchList(b, 10000, 200, 60)
	m.list.MoveTo(5000)
	for b.Loop() {
		if v := m.View(); len(v.Content) == 0 {
			b.Fatal("nothing drawn")
		}
	}
}

// BenchmarkTimelineView100k: one View of an open incident whose timeline
// holds 100,000 events, scrolled back from the end (mouse wheel and keys,
// as a responder reads). Budget 2 ms.
func BenchmarkTimelineView100k(b *testing.B) {
	var m tea.Model = benchDetail(b, 1000, 100000, 120, 40)
	for range 20 {
		m, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	}
	for range 5 {
		m, _ = m.Update(tea.KeyPressMsg{Code: 'k', Text: "k"})
	}
	if m.(Model).detail.follow {
		b.Fatal("the timeline still follows the end after scrolling back")
	}
	for b.Loop() {
		if v := m.View(); len(v.Content) == 0 {
			b.Fatal("nothing drawn")
		}
	}
}

// BenchmarkDetailKey: Update for one key press (j or k, moving the
// selected event) in an open incident with a 100,000-event timeline.
// Budget 100 µs.
func BenchmarkDetailKey(b *testing.B) {
	var m tea.Model = benchDetail(b, 1000, 100000, 120, 40)
	m, _ = m.Update(tea.KeyPressMsg{Code: 'g', Text: "g"})
	for range 1000 {
		m, _ = m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	keys := [2]tea.KeyPressMsg{{Code: 'j', Text: "j"}, {Code: 'k', Text: "k"}}
	i := 0
	for b.Loop() {
		m, _ = m.Update(keys[i&1])
		i++
	}
	if m.(Model).screen != screenDetail {
		b.Fatal("left the detail view")
	}
}

// BenchmarkDetailRefresh100k: Update for the answer of the open
// incident's poll (every 5 s) when its timeline holds 100,000 events and
// nothing changed. No budget; measured because it runs in
// Update, where a slow answer freezes the screen.
func BenchmarkDetailRefresh100k(b *testing.B) {
	var m tea.Model = benchDetail(b, 1000, 100000, 120, 40)
	mm := m.(Model)
	msg := detailMsg{id: mm.detail.inc.ID, gen: mm.detail.gen, inc: mm.detail.inc, remote: mm.detail.remote}
	for b.Loop() {
		m, _ = m.Update(msg)
	}
	if len(m.(Model).detail.timeline) != 100000 {
		b.Fatal("the refresh lost events")
	}
}

// BenchmarkMemory1000x100k: the Go heap in use (after a collection) with
// 1,000 incidents listed and a 100,000-event timeline open and drawn,
// reported as heap-MB; ns/op is what building that state cost. Budget
// 100 MB.
func BenchmarkMemory1000x100k(b *testing.B) {
	var heap, sys float64
	for b.Loop() {
		m := benchDetail(b, 1000, 100000, 120, 40)
		if v := m.View(); len(v.Content) == 0 {
			b.Fatal("nothing drawn")
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap, sys = float64(ms.HeapInuse)/1e6, float64(ms.Sys)/1e6
		runtime.KeepAlive(m)
		b.StartTimer()
	}
	b.ReportMetric(heap, "heap-MB")
	b.ReportMetric(sys, "sys-MB")
}
