package tui

import (
	"strings"

	"github.com/oncallkit/oncall/incident"
)

// A poll of a busy incident usually brings a few provider events newer
// than everything shown. Merging, narrowing and rendering the whole
// timeline again for them costs time in proportion to its length (a
// second at 100,000 events, in Update, where keys wait); appending costs
// time in proportion to what arrived. appendRemote takes that path when
// the result is provably what the full rebuild would give, and declines
// otherwise.

// appendRemote extends the shown timeline with the provider events from
// builtFrom on, when they go at its end unchanged: the journal's events
// are the ones it was built with, and no new event stands for, absorbs or
// stars another, or sorts before the newest shown. It reports whether it
// did; if not, the caller rebuilds.
func (d *detailModel) appendRemote(prevPrint string) bool {
	from := d.builtFrom
	if d.timeline == nil || len(d.merged) == 0 || from <= 0 || from >= len(d.remote) ||
		localPrint(prevPrint) != localPrint(d.print) {
		return false
	}
	added := d.remote[from:]
	newest := d.merged[len(d.merged)-1].At
	for _, e := range added {
		if e.LocalID != "" || e.Kind == incident.KindStar || !e.At.After(newest) {
			return false
		}
		if len(d.local) > 0 && confirms(e.Kind) {
			return false // it may absorb a journaled action: Merge decides
		}
	}
	// Merge alone orders the new events as it would among the rest (by
	// time, then cause); they all sort after the newest shown.
	sorted := incident.Merge(added, nil)
	shared := len(d.full) == len(d.merged) // no star: full is merged itself
	d.merged = append(d.merged, sorted...)
	if shared {
		d.full = d.merged
	} else {
		d.full = append(d.full, sorted...)
	}
	for _, e := range sorted {
		if e.Kind == incident.KindStatusUpdate && e.At.After(d.lastUpdate) {
			d.lastUpdate = e.At
		}
	}
	shownBefore := len(d.timeline)
	if d.query == "" && d.kinds == kindsAll {
		d.timeline = d.full
	} else {
		words := strings.Fields(strings.ToLower(d.query))
		for _, e := range sorted {
			if d.kinds.keeps(e.Kind) && matchesWords(e, words) {
				d.timeline = append(d.timeline, e)
			}
		}
	}
	d.renderFrom(shownBefore)
	d.clamp()
	d.builtFrom = len(d.remote)
	return true
}

// confirms reports the kinds of provider log entry that may stand for a
// journaled status change (Merge absorbs the local one).
func confirms(k incident.Kind) bool {
	switch k {
	case incident.KindAcknowledge, incident.KindResolve, incident.KindSnooze, incident.KindAssign, incident.KindEscalate:
		return true
	}
	return false
}

// localPrint is the journal's part of a timeline print.
func localPrint(print string) string {
	if i := strings.IndexByte(print, '|'); i >= 0 {
		return print[i:]
	}
	return ""
}

// matchesWords is the timeline search: every word in the event's kind,
// actor or text, ignoring case.
func matchesWords(e incident.Event, words []string) bool {
	hay := strings.ToLower(kindLabel(e.Kind) + " " + e.Actor + " " + e.Summary)
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// deriveShown brings the state pane up to the timeline when it is on
// screen. Deriving reads the whole timeline, so a poll's append leaves it
// to the pane's next showing (the clock tick and a change of pane derive).
func (d *detailModel) deriveShown() {
	if d.focus == paneState || d.wide() { // a wide screen shows the state column
		d.derive()
	}
}
