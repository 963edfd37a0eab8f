package state

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// The steps of Derive, each reading the sorted timeline: who held which
// role, which items are open, how far the runbook has got, when the next
// status update is owed and who is engaged.

// sorted returns tl in time order, stable for equal times: tl itself when
// it is in that order already (a merged timeline is), since a copy of a
// 100,000-event timeline on every derivation is 18 MB of garbage; a sorted
// copy otherwise. Nothing here writes into the result's events.
func sorted(tl incident.Timeline) incident.Timeline {
	byTime := func(a, b incident.Event) int { return a.At.Compare(b.At) }
	if slices.IsSortedFunc(tl, byTime) {
		return tl
	}
	out := slices.Clone(tl)
	slices.SortStableFunc(out, byTime)
	return out
}

// RoleHistory returns the roles anyone held in a merged timeline, each
// with its holders' turns (assumed_at, ended_at, taken, external), and the
// handoffs recorded, oldest first: what a postmortem draft lists under
// Roles. The timeline may be in any order.
func RoleHistory(tl incident.Timeline) ([]Role, []Handoff) {
	return roles(sorted(tl))
}

// roles replays role assignments and handoffs in time order.
func roles(tl incident.Timeline) ([]Role, []Handoff) {
	byRole := map[string]*Role{}
	handoffs := []Handoff{}
	// begin starts person's turn in role at at, ending the current
	// holder's; the current holder again continues their turn.
	begin := func(role, person string, at time.Time, by string, taken, external, handoff bool) {
		r := byRole[role]
		if r == nil {
			r = &Role{Role: role}
			byRole[role] = r
		}
		if n := len(r.Turns); n > 0 && r.Turns[n-1].EndedAt.IsZero() {
			cur := &r.Turns[n-1]
			if samePerson(cur.Person, person) {
				if taken && !cur.Taken {
					cur.Taken, cur.TakenAt = true, at
				}
				cur.External = cur.External || external
				return
			}
			cur.EndedAt = at
		}
		t := Turn{Person: person, AssumedAt: at, AssignedBy: by, Taken: taken, External: external, Handoff: handoff}
		if taken {
			t.TakenAt = at
		}
		r.Turns = append(r.Turns, t)
	}
	for _, e := range tl {
		f := func(k string) string { return strings.TrimSpace(e.Fields[k]) }
		switch e.Kind {
		case incident.KindRole:
			role, person := f(incident.FieldRole), f(incident.FieldPerson)
			if role == "" || person == "" {
				continue
			}
			begin(role, person, e.At, e.Actor, incident.Flag(e, incident.FieldTaken), incident.Flag(e, incident.FieldExternal), false)
		case incident.KindHandoff:
			role, from, to := f(incident.FieldRole), f(incident.FieldFrom), f(incident.FieldTo)
			if role == "" || to == "" {
				continue
			}
			handoffs = append(handoffs, Handoff{At: e.At, Role: role, From: from, To: to, Message: f(incident.FieldMessage), By: e.Actor})
			begin(role, to, e.At, e.Actor, false, false, true)
		}
	}
	out := []Role{}
	for _, name := range incident.Roles {
		if r := byRole[name]; r != nil {
			out = append(out, *r)
			delete(byRole, name)
		}
	}
	// Roles outside the vocabulary (an older journal's free text) follow,
	// in name order.
	for _, name := range slices.Sorted(maps.Keys(byRole)) {
		out = append(out, *byRole[name])
	}
	return out, handoffs
}

// samePerson compares names as people type them: case and surrounding
// space do not matter.
func samePerson(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// snoozedUntil is when the last snooze ends, if it has not ended yet and
// nothing after it ended it (the incident triggered again, or resolved).
// A snooze without a duration (PagerDuty's own log entry of it) says
// nothing of its end, so it neither starts nor replaces one.
func snoozedUntil(tl incident.Timeline, now time.Time) time.Time {
	var until time.Time
	for _, e := range tl {
		switch e.Kind {
		case incident.KindSnooze:
			if d, err := time.ParseDuration(e.Fields[incident.FieldDuration]); err == nil && d > 0 {
				until = e.At.Add(d)
			}
		case incident.KindTrigger, incident.KindResolve, incident.KindReopen:
			if e.At.Before(until) {
				until = time.Time{}
			}
		}
	}
	if until.After(now) {
		return until
	}
	return time.Time{}
}

// items replays tasks, follow-ups and their updates.
func items(tl incident.Timeline, now time.Time) (tasks, followUps []Item) {
	tasks, followUps = []Item{}, []Item{}
	type ref struct {
		task bool
		i    int
	}
	byID := map[string]ref{}
	get := func(r ref) *Item {
		if r.task {
			return &tasks[r.i]
		}
		return &followUps[r.i]
	}
	for _, e := range tl {
		f := func(k string) string { return strings.TrimSpace(e.Fields[k]) }
		switch e.Kind {
		case incident.KindTask, incident.KindActionItem:
			if e.ID == "" {
				continue
			}
			if _, dup := byID[e.ID]; dup {
				continue
			}
			it := Item{ID: e.ID, Kind: e.Kind, RecordedAt: e.At, RecordedBy: e.Actor, Due: f(incident.FieldDue), State: Open}
			if e.Kind == incident.KindTask {
				it.What, it.Owner = f(incident.FieldWhat), f(incident.FieldPerson)
				it.Number = len(tasks) + 1
				byID[e.ID] = ref{true, len(tasks)}
				tasks = append(tasks, it)
			} else {
				it.What, it.Owner, it.Type = f(incident.FieldTitle), f(incident.FieldOwner), f(incident.FieldType)
				it.Number = len(followUps) + 1
				byID[e.ID] = ref{false, len(followUps)}
				followUps = append(followUps, it)
			}
		}
	}
	for _, e := range tl {
		if e.Kind != incident.KindItemUpdate {
			continue
		}
		r, ok := byID[strings.TrimSpace(e.Fields[incident.FieldItem])]
		if !ok {
			continue
		}
		it := get(r)
		switch e.Fields[incident.FieldChange] {
		case incident.ChangeDone:
			it.State, it.Closed = Done, &Mark{At: e.At, By: e.Actor}
		case incident.ChangeCancelled:
			it.State, it.Closed = Cancelled, &Mark{At: e.At, By: e.Actor}
		case incident.ChangeReopened:
			it.State, it.Closed = Open, nil
		case incident.ChangeExtended:
			if due := strings.TrimSpace(e.Fields[incident.FieldDue]); due != "" {
				it.Due = due
				it.Extended++
			}
		case incident.ChangeLinked:
			it.Ticket = strings.TrimSpace(e.Fields[incident.FieldTicket])
		}
	}
	for _, list := range [][]Item{tasks, followUps} {
		for i := range list {
			at, ok := list[i].DueAt(now.Location())
			list[i].Overdue = list[i].Open() && ok && !now.Before(at)
		}
	}
	return tasks, followUps
}

// progress counts the distinct steps of runbook ticked done (of any
// runbook when runbook is ""), at most total.
func progress(tl incident.Timeline, runbook string, total int) Progress {
	p := Progress{Runbook: runbook, Total: max(total, 0)}
	if p.Total == 0 {
		return p
	}
	seen := map[string]bool{}
	for _, e := range tl {
		if e.Kind != incident.KindRunbookStep || e.Fields[incident.FieldAction] != incident.StepDone {
			continue
		}
		if runbook != "" && e.Fields[incident.FieldRunbook] != runbook {
			continue
		}
		key := e.Fields[incident.FieldStepKey]
		if key == "" {
			key = e.Fields[incident.FieldStep]
		}
		seen[e.Fields[incident.FieldRunbook]+"\x00"+key] = true
	}
	p.Done = min(len(seen), p.Total)
	return p
}

// clock is the status update clock.
func clock(in Input, tl incident.Timeline, rs []Role) UpdateClock {
	var c UpdateClock
	for _, e := range tl {
		if e.Kind == incident.KindStatusUpdate {
			c.Last = &Mark{At: e.At, By: e.Actor, What: strings.TrimSpace(e.Fields[incident.FieldMessage])}
		}
	}
	if in.Cadence <= 0 {
		return c
	}
	from := in.Incident.CreatedAt
	if c.Last != nil && c.Last.At.After(from) {
		from = c.Last.At
	}
	c.NextDue = from.Add(in.Cadence)
	c.Overdue = !in.Now.Before(c.NextDue)
	commander := false
	for _, r := range rs {
		if _, ok := r.Holder(); ok && r.Role == incident.RoleCommander {
			commander = true
		}
	}
	c.Applies = in.Incident.Active() && (commander || in.Incident.Urgency == incident.High)
	return c
}

// hypothesis reads a note that states or settles a hypothesis.
func hypothesis(e incident.Event) (Hypothesis, bool) {
	text := strings.TrimSpace(e.Summary)
	for _, p := range []struct{ prefix, verdict string }{
		{"hypothesis:", "open"}, {"ruled in:", "ruled in"}, {"ruled out:", "ruled out"},
	} {
		if len(text) >= len(p.prefix) && strings.EqualFold(text[:len(p.prefix)], p.prefix) {
			return Hypothesis{At: e.At, By: e.Actor, Verdict: p.verdict, Text: strings.TrimSpace(text[len(p.prefix):])}, true
		}
	}
	return Hypothesis{}, false
}

// actedKinds are the kinds whose actor is a person working the incident
// (not a service that triggered it, nor PagerDuty paging someone). A
// switch, not a map literal, which Go would build at package init.
func actedKinds(k incident.Kind) bool {
	switch k {
	case incident.KindAcknowledge, incident.KindResolve, incident.KindNote,
		incident.KindSnooze, incident.KindReassign, incident.KindRespondersReq,
		incident.KindStatusUpdate, incident.KindRole, incident.KindDecision,
		incident.KindActionItem, incident.KindMitigated, incident.KindTask,
		incident.KindRunbookStep, incident.KindItemUpdate, incident.KindHandoff,
		incident.KindReopen:
		return true
	}
	return false
}

// responders lists the people engaged, each once, in order of appearance:
// assignees first, then everyone who acted or held a role.
func responders(inc incident.Incident, tl incident.Timeline, rs []Role) []string {
	out := []string{}
	add := func(name string) {
		name = strings.TrimSpace(name)
		if name == "" || slices.ContainsFunc(out, func(s string) bool { return samePerson(s, name) }) {
			return
		}
		out = append(out, name)
	}
	for _, a := range inc.Assignees {
		add(a.Name)
	}
	type seen struct {
		at   time.Time
		name string
	}
	var people []seen
	for _, e := range tl {
		if actedKinds(e.Kind) {
			people = append(people, seen{e.At, e.Actor})
		}
	}
	for _, r := range rs {
		for _, t := range r.Turns {
			people = append(people, seen{t.AssumedAt, t.Person})
		}
	}
	slices.SortStableFunc(people, func(a, b seen) int { return cmp.Compare(a.at.UnixNano(), b.at.UnixNano()) })
	for _, p := range people {
		add(p.name)
	}
	return out
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
