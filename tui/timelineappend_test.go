package tui

import (
	"fmt"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
)

// appendEvents are provider events an hour apart, so the days change
// (and with them the day headings), with a few that a search keeps.
func appendEvents(id string, n int) []incident.Event {
	kinds := []incident.Kind{incident.KindNotify, incident.KindNote, incident.KindAlert, incident.KindOther}
	out := make([]incident.Event, n)
	for i := range out {
		summary := fmt.Sprintf("notified by push (attempt %d)", i)
		if i%7 == 0 {
			summary = fmt.Sprintf("rollback of release %d started on the canary fleet, which is long enough to wrap at this width", i)
		}
		out[i] = incident.Event{ID: fmt.Sprintf("P%04d", i), IncidentID: id, Kind: kinds[i%len(kinds)],
			At: epoch.Add(time.Duration(i-n) * time.Hour), Actor: "Priya", Summary: summary, Origin: incident.Remote}
	}
	return out
}

// openedModel is a model with an incident open and its first answer in.
func openedModel(t *testing.T, first []incident.Event, local []incident.Event, query string) Model {
	t.Helper()
	var m tea.Model = New(benchOptions())
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m, _ = m.Update(incidentsMsg{list: benchIncidents(3)})
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	mm := m.(Model)
	if query != "" {
		mm.detail = mm.detail.SetQuery(query)
	}
	in := mm.detail.inc
	m, _ = mm.Update(detailMsg{id: in.ID, gen: mm.detail.gen, inc: in, remote: first, local: local})
	return m.(Model)
}

// TestAppendedEventsShowAsARebuild: events a poll brings one at a time
// are laid out exactly as the same timeline built at once: lines, their
// events, day headings, selection, and under a search too.
func TestAppendedEventsShowAsARebuild(t *testing.T) {
	local := []incident.Event{{ID: "L1", IncidentID: "x", Kind: incident.KindNote, At: epoch.Add(-50 * time.Hour),
		Summary: "local note", Origin: incident.Local, State: incident.Sent}}
	for _, query := range []string{"", "rollback"} {
		t.Run("query="+query, func(t *testing.T) {
			id := openedModel(t, nil, nil, "").detail.inc.ID
			all := appendEvents(id, 60)
			local[0].IncidentID = id
			stepwise := openedModel(t, all[:40], local, query)
			gen := stepwise.detail.gen
			var m tea.Model = stepwise
			for _, e := range all[40:] {
				m, _ = m.Update(detailMsg{id: id, gen: gen, incremental: true, remote: []incident.Event{e}})
			}
			got := m.(Model).detail
			want := openedModel(t, all, local, query).detail
			ids := func(tl incident.Timeline) []string {
				var out []string
				for _, e := range tl {
					out = append(out, e.ID)
				}
				return out
			}
			if !slices.Equal(ids(got.timeline), ids(want.timeline)) {
				t.Fatalf("timeline after appends:\n%v\nbuilt at once:\n%v", ids(got.timeline), ids(want.timeline))
			}
			gotLines, wantLines := got.timelineLines(), want.timelineLines()
			if !slices.Equal(gotLines, wantLines) || !slices.Equal(got.lineEvent, want.lineEvent) || !slices.Equal(got.starts, want.starts) ||
				!slices.Equal(got.lineStyle, want.lineStyle) {
				t.Fatalf("lines after appends:\n%s\nbuilt at once:\n%s", joinLines(gotLines), joinLines(wantLines))
			}
			if got.sel != want.sel || got.scroll != want.scroll {
				t.Errorf("selection %d, scroll %d after appends; %d, %d built at once", got.sel, got.scroll, want.sel, want.scroll)
			}
			if len(got.full) != len(want.full) || len(got.merged) != len(want.merged) {
				t.Errorf("full %d merged %d after appends; %d, %d built at once", len(got.full), len(got.merged), len(want.full), len(want.merged))
			}
		})
	}
}

// TestAppendDeclinesWhatMergeDecides: a provider acknowledgement that may
// stand for a journaled one goes through the full merge, which absorbs
// the local copy rather than showing the action twice.
func TestAppendDeclinesWhatMergeDecides(t *testing.T) {
	id := openedModel(t, nil, nil, "").detail.inc.ID
	all := appendEvents(id, 10)
	ack := incident.Event{ID: "L-ack", IncidentID: id, Kind: incident.KindAcknowledge, At: epoch.Add(-30 * time.Second),
		Actor: "you", Origin: incident.Local, State: incident.Sent}
	m := openedModel(t, all, []incident.Event{ack}, "")
	remoteAck := incident.Event{ID: "P-ack", IncidentID: id, Kind: incident.KindAcknowledge, At: epoch.Add(-29 * time.Second),
		Actor: "you", Summary: "Acknowledged by you", Origin: incident.Remote}
	next, _ := m.Update(detailMsg{id: id, gen: m.detail.gen, incremental: true, remote: []incident.Event{remoteAck}})
	acks := 0
	for _, e := range next.(Model).detail.timeline {
		if e.Kind == incident.KindAcknowledge {
			acks++
		}
	}
	if acks != 1 {
		t.Fatalf("the acknowledgement shows %d times, want once (the provider's absorbs the journal's)", acks)
	}
}

func joinLines(lines []string) string {
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}
