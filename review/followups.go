package review

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// followUp is an action item being replayed through its updates.
type followUp struct {
	FollowUp
	inc       string
	closedAt  time.Time // when it was last done or cancelled; zero while open
	cancelled bool
}

// localID is the id an item update names an event by: its own id for a
// local event, the id its trailer carries for a provider's copy.
func localID(e incident.Event) string {
	if e.Origin == incident.Remote {
		return e.LocalID
	}
	return e.ID
}

// followUps replays every action item the timelines and the journal hold
// through its item_update events (done, cancelled, reopened, extended,
// linked), in time order, and keeps those recorded in the period or
// recorded before it and still open when it began. States are judged at
// o.Now in the team's zone.
func followUps(d Data, items []analysed, o Options, ref func(incident.Incident) Ref) FollowUps {
	loc := o.loc()
	incs := map[string]incident.Incident{}
	for _, in := range d.Earlier {
		incs[in.ID] = in
	}
	var all []incident.Event
	seen := map[string]bool{}
	add := func(incID string, evs []incident.Event) {
		for _, e := range evs {
			if e.Kind != incident.KindActionItem && e.Kind != incident.KindItemUpdate {
				continue
			}
			if e.State == incident.Failed {
				continue // PagerDuty refused it: not the team's record
			}
			id := localID(e)
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			e.IncidentID = incID
			all = append(all, e)
		}
	}
	for _, a := range items {
		incs[a.Incident.ID] = a.Incident
		add(a.Incident.ID, a.Timeline)
	}
	for _, id := range slices.Sorted(maps.Keys(d.Local)) {
		add(id, d.Local[id])
	}
	slices.SortStableFunc(all, func(a, b incident.Event) int { return a.At.Compare(b.At) })

	byID := map[string]*followUp{}
	var order []*followUp
	for _, e := range all {
		if e.At.After(o.Now) && !o.Now.IsZero() {
			continue // not yet, as of the review
		}
		f := func(k string) string { return oneLine(e.Fields[k]) }
		switch e.Kind {
		case incident.KindActionItem:
			fu := &followUp{inc: e.IncidentID, FollowUp: FollowUp{
				ID: localID(e), Title: f(incident.FieldTitle), Owner: f(incident.FieldOwner), Due: f(incident.FieldDue),
				RecordedAt: e.At.UTC(), InReview: e.Fields[incident.FieldContext] == incident.ContextReview,
			}}
			byID[fu.ID] = fu
			order = append(order, fu)
		case incident.KindItemUpdate:
			fu := byID[e.Fields[incident.FieldItem]]
			if fu == nil {
				continue // a task's update, or an item this review never saw
			}
			switch e.Fields[incident.FieldChange] {
			case incident.ChangeDone:
				fu.closedAt, fu.cancelled = e.At, false
			case incident.ChangeCancelled:
				fu.closedAt, fu.cancelled = e.At, true
			case incident.ChangeReopened:
				fu.closedAt, fu.cancelled = time.Time{}, false
			case incident.ChangeExtended:
				fu.Due = f(incident.FieldDue)
			case incident.ChangeLinked:
				fu.Ticket = safeURL(e.Fields[incident.FieldTicket])
			}
		}
	}

	out := FollowUps{Items: []FollowUp{}}
	for _, fu := range order {
		inPeriod := !fu.RecordedAt.Before(o.Since) && fu.RecordedAt.Before(o.Until)
		openAtStart := fu.RecordedAt.Before(o.Since) && (fu.closedAt.IsZero() || !fu.closedAt.Before(o.Since))
		if !inPeriod && !openAtStart {
			continue
		}
		fu.State = state(fu, o.Now, loc)
		if in, ok := incs[fu.inc]; ok {
			fu.Incident = ref(in)
		} else {
			fu.Incident = Ref{ID: oneLine(fu.inc)}
		}
		switch fu.State {
		case StateDone:
			out.Done++
		case StateCancelled:
			out.Cancelled++
		case StateOverdue:
			out.Overdue++
		case StateNoOwnerOrDue:
			out.NoOwnerOrDue++
		default:
			out.Open++
		}
		out.Items = append(out.Items, fu.FollowUp)
	}
	if n := out.Done + out.Open + out.Overdue + out.NoOwnerOrDue; n > 0 {
		rate := math.Round(float64(out.Done)/float64(n)*10000) / 10000
		out.CompletionRate = &rate
	}
	rank := map[string]int{StateOverdue: 0, StateNoOwnerOrDue: 1, StateOpen: 2, StateDone: 3, StateCancelled: 4}
	slices.SortStableFunc(out.Items, func(a, b FollowUp) int {
		return cmp.Or(cmp.Compare(rank[a.State], rank[b.State]), compareDue(a.Due, b.Due), a.RecordedAt.Compare(b.RecordedAt))
	})
	return out
}

// state is where a follow-up stands at now: done or cancelled once closed;
// overdue once the day after its due date has begun in loc; without an
// owner or a due date it cannot be tracked; else open.
func state(fu *followUp, now time.Time, loc *time.Location) string {
	switch {
	case !fu.closedAt.IsZero() && fu.cancelled:
		return StateCancelled
	case !fu.closedAt.IsZero():
		return StateDone
	}
	if due, ok := parseDue(fu.Due, loc); ok && !now.Before(due.AddDate(0, 0, 1)) {
		return StateOverdue
	}
	if strings.TrimSpace(fu.Owner) == "" || fu.Due == "" {
		return StateNoOwnerOrDue
	}
	if _, ok := parseDue(fu.Due, loc); !ok {
		return StateNoOwnerOrDue
	}
	return StateOpen
}

// parseDue reads a due date (YYYY-MM-DD) as midnight in loc; a task's
// RFC 3339 due is read as its calendar date in loc.
func parseDue(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), true
	}
	return time.Time{}, false
}

// compareDue orders dates, an absent one last.
func compareDue(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return strings.Compare(a, b)
}

// minutes collects the decisions and follow-ups marked as raised in a
// review, recorded from the period's start to Now, each once (a local
// event and its copy read back from the provider share a local id),
// oldest first.
func minutes(d Data, items []analysed, o Options, ref func(incident.Incident) Ref) []Minute {
	incs := map[string]incident.Incident{}
	for _, in := range d.Earlier {
		incs[in.ID] = in
	}
	out := []Minute{}
	seen := map[string]bool{}
	add := func(incID string, evs []incident.Event) {
		for _, e := range evs {
			if (e.Kind != incident.KindDecision && e.Kind != incident.KindActionItem) ||
				e.Fields[incident.FieldContext] != incident.ContextReview || e.State == incident.Failed {
				continue
			}
			id := localID(e)
			if id == "" || seen[id] || e.At.Before(o.Since) || (!o.Now.IsZero() && e.At.After(o.Now)) {
				continue
			}
			seen[id] = true
			r := Ref{ID: oneLine(incID)}
			if in, ok := incs[incID]; ok {
				r = ref(in)
			}
			out = append(out, Minute{At: e.At.UTC(), Kind: string(e.Kind), Incident: r,
				Text: oneLine(incident.Summary(e)), By: oneLine(e.Actor)})
		}
	}
	for _, a := range items {
		incs[a.Incident.ID] = a.Incident
	}
	for _, a := range items {
		add(a.Incident.ID, a.Timeline)
	}
	for _, id := range slices.Sorted(maps.Keys(d.Local)) {
		add(id, d.Local[id])
	}
	slices.SortStableFunc(out, func(a, b Minute) int { return a.At.Compare(b.At) })
	return out
}
