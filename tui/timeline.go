package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
)

// setTimeline merges and shows the timeline, unless nothing in it
// changed since the last time: re-rendering a long timeline on every
// quiet poll would stall the screen.
func (d *detailModel) setTimeline() {
	print := timelinePrint(d.remote, d.local)
	if print == d.print && d.timeline != nil {
		return
	}
	prev := d.print
	d.print = print
	if d.appendRemote(prev) {
		d.deriveShown()
		return
	}
	merged := mergeTimeline(d.remote, d.local)
	d.SetTimeline(merged)
	d.merged = merged
	d.builtFrom = len(d.remote)
	d.derive()
}

// derive brings the state pane up to the timeline and the clock.
func (d *detailModel) derive() {
	in := state.Input{Incident: d.inc, Timeline: d.merged, Now: d.deps.now(), Cadence: d.deps.updateEvery}
	if rb, ok := d.rb.current(); ok {
		in.Runbook, in.RunbookSteps = rb.ID, len(rb.Steps)
	}
	d.state = d.state.SetDoc(state.Derive(in))
}

// timelinePrint identifies a timeline's content cheaply: the provider's
// events only ever grow, and the journal's are few.
func timelinePrint(remote, local []incident.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", len(remote))
	if n := len(remote); n > 0 {
		b.WriteString("/" + remote[n-1].ID)
	}
	for _, e := range local {
		b.WriteString("|" + e.ID + ":" + string(e.State) + ":" + e.Error)
	}
	return b.String()
}

// SetTimeline replaces the timeline. Star events become marks on the
// events they star rather than lines of their own.
func (d *detailModel) SetTimeline(tl incident.Timeline) {
	d.starred = map[string]bool{}
	d.lastUpdate = time.Time{}
	// One copy of the events: without stars the timeline shown is tl
	// itself; a copy is made only when a star is left out.
	shown := tl[:0:0]
	stars := false
	for i, e := range tl {
		if e.Kind == incident.KindStar && !stars {
			stars = true
			shown = append(make(incident.Timeline, 0, len(tl)), tl[:i]...)
		}
		switch e.Kind {
		case incident.KindStar:
			d.starred[e.Fields[incident.FieldEventID]] = true
			continue
		case incident.KindStatusUpdate:
			if e.At.After(d.lastUpdate) {
				d.lastUpdate = e.At
			}
		}
		if stars {
			shown = append(shown, e)
		}
	}
	if !stars {
		shown = tl
	}
	d.full = shown
	d.narrow()
}

// SetQuery narrows the timeline to events whose text, actor or kind
// contain every word of q, ignoring case.
func (d detailModel) SetQuery(q string) detailModel {
	d.query = strings.TrimSpace(q)
	d.narrow()
	return d
}

// ClearNarrowing shows the whole timeline again.
func (d detailModel) ClearNarrowing() detailModel {
	d.query, d.kinds = "", kindsAll
	d.narrow()
	return d
}

// CycleKinds shows every event, then notes only, then people only.
func (d detailModel) CycleKinds() detailModel {
	d.kinds = (d.kinds + 1) % kindFilterCount
	d.narrow()
	return d
}

// narrow applies the query and the kind filter to the full timeline,
// keeping the selected event selected when it is still shown.
func (d *detailModel) narrow() {
	var selID string
	if d.sel < len(d.timeline) {
		selID = d.timeline[d.sel].ID
	}
	shown := d.full
	if d.query != "" || d.kinds != kindsAll {
		words := strings.Fields(strings.ToLower(d.query))
		shown = make(incident.Timeline, 0, len(d.full))
		for _, e := range d.full {
			if !d.kinds.keeps(e.Kind) {
				continue
			}
			hay := strings.ToLower(kindLabel(e.Kind) + " " + e.Actor + " " + e.Summary)
			ok := true
			for _, w := range words {
				ok = ok && strings.Contains(hay, w)
			}
			if ok {
				shown = append(shown, e)
			}
		}
	}
	d.timeline = shown
	if !d.follow && selID != "" {
		if i := slices.IndexFunc(shown, func(e incident.Event) bool { return e.ID == selID }); i >= 0 {
			d.sel = i
		}
	}
	d.render()
	d.clamp()
}

// kindFilter narrows the timeline to one sort of event, for a long
// incident where what people wrote, or who was brought in, gets lost.
type kindFilter int

const (
	kindsAll kindFilter = iota
	kindsNotes
	kindsPeople
	kindFilterCount
)

// String names the filter as the timeline's heading says it.
func (f kindFilter) String() string {
	switch f {
	case kindsNotes:
		return "notes only"
	case kindsPeople:
		return "people only"
	}
	return "every kind"
}

// keeps reports whether an event of kind k is shown.
func (f kindFilter) keeps(k incident.Kind) bool {
	switch f {
	case kindsNotes:
		switch k {
		case incident.KindNote, incident.KindDecision, incident.KindStatusUpdate, incident.KindActionItem:
			return true
		}
		return false
	case kindsPeople:
		switch k {
		case incident.KindAssign, incident.KindReassign, incident.KindAcknowledge, incident.KindEscalate,
			incident.KindNotify, incident.KindRole, incident.KindRespondersReq, incident.KindHandoff:
			return true
		}
		return false
	}
	return true
}
