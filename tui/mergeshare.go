package tui

import "github.com/oncallkit/oncall/incident"

// mergeTimeline is incident.Merge(remote, local), except that when the
// merge would change nothing it returns remote itself instead of a copy:
// a long incident's provider events (100,000 from the journal's snapshot)
// are then held once, not once as read and once as shown. That is so when
// there are no journal events to place, no provider event carries a local
// id (Merge would drop duplicates), and remote is already in Merge's
// order. The order check is conservative: events at the same instant
// count as ordered only when Merge could not tell them apart (same kind
// and origin), since its stable sort then keeps them as they are.
//
// The result's capacity is clipped to its length, so that appending to it
// (appendRemote does) copies instead of writing into remote's array.
// Nothing writes into a timeline's events in place.
func mergeTimeline(remote, local []incident.Event) incident.Timeline {
	if len(local) == 0 && inMergeOrder(remote) {
		return incident.Timeline(remote[:len(remote):len(remote)])
	}
	return incident.Merge(remote, local)
}

// inMergeOrder reports whether Merge(remote, nil) would return remote's
// events as they are, in the same order.
func inMergeOrder(remote []incident.Event) bool {
	for i, e := range remote {
		if e.LocalID != "" {
			return false
		}
		if i == 0 {
			continue
		}
		p := remote[i-1]
		switch c := p.At.Compare(e.At); {
		case c > 0:
			return false
		case c == 0 && (p.Kind != e.Kind || p.Origin != e.Origin):
			return false
		}
	}
	return true
}
