// Package state derives the incident commander's "incident state document"
// from an incident and its merged timeline: where the incident stands
// (status, snoozed until, mitigated at), who holds which role and who held
// it before, what was decided, which tasks and follow-ups are open and
// whose they are, when the last status update went out and when the next
// is owed, how far the matched runbook has got, and who is engaged. The
// state pane, the handoff document and the postmortem draft's roles all
// read it.
//
// Invariants:
//   - Derive is a pure function of its Input: the same incident, timeline,
//     clock, cadence and runbook size give the same Doc. It does no I/O
//     and reads no clock of its own, so tests and renderers agree.
//   - The timeline is the merged one (incident.Merge): events recorded by
//     every responder, read back typed from PagerDuty notes, not only this
//     machine's. Who recorded an event does not matter to what it means:
//     another responder's status update resets the update clock, another
//     responder's role assignment ends the current holder's turn.
//   - Events are applied in timeline order (time, then the order given);
//     an item update that names an item the timeline does not hold is
//     ignored, since it cannot be shown against anything.
//   - A role has at most one holder at a time. A new holder's turn ends
//     the previous one's at the moment it starts; assigning the current
//     holder again (or their taking it with oncall take) continues the
//     same turn, marking it taken.
//   - An item stays open until it is done or cancelled; being overdue does
//     not close it. Numbers of tasks and follow-ups are 1-based in the
//     order they were recorded, closed ones included, so a number names
//     the same item for as long as the incident lasts.
//   - Text in the Doc is as recorded (untrusted): renderers pass it through
//     incident.Clean.
package state

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Input is what the state is derived from.
type Input struct {
	Incident incident.Incident
	// Timeline is the merged timeline, in any order (Derive sorts a copy).
	Timeline incident.Timeline
	// Now is the clock: it decides what is overdue and how long the
	// incident has been open.
	Now time.Time
	// Cadence is how often a status update is owed; zero means none is.
	Cadence time.Duration
	// Runbook is the matched runbook's id ("" for none) and RunbookSteps
	// its number of steps.
	Runbook      string
	RunbookSteps int
}

// Doc is the incident state document.
type Doc struct {
	Incident incident.Incident `json:"incident"`
	// Now is the clock the document was derived at.
	Now time.Time `json:"now"`
	// OpenFor is how long the incident has been open: until it resolved,
	// or until Now.
	OpenFor time.Duration `json:"open_for"`
	// SnoozedUntil is when a snooze still running ends; zero when none is.
	SnoozedUntil time.Time `json:"snoozed_until,omitzero"`
	// Mitigated is the first mark that customer impact stopped, if any.
	Mitigated *Mark `json:"mitigated,omitempty"`
	// Roles are the roles anyone held, in the order of incident.Roles.
	Roles []Role `json:"roles"`
	// Handoffs are the recorded transfers of a role, oldest first.
	Handoffs []Handoff `json:"handoffs"`
	// Decisions are newest first.
	Decisions []Decision `json:"decisions"`
	// Tasks and FollowUps are every item recorded, in the order recorded
	// (their Number); Open says which still need doing.
	Tasks     []Item `json:"tasks"`
	FollowUps []Item `json:"follow_ups"`
	// Tried is what was done to the incident, oldest first: runbook steps
	// ticked, tasks and follow-ups done.
	Tried []Mark `json:"tried"`
	// Hypotheses are the notes that state or settle a hypothesis, oldest
	// first (see Hypothesis).
	Hypotheses []Hypothesis `json:"hypotheses"`
	// Update is the status update clock.
	Update UpdateClock `json:"update"`
	// Runbook is the matched runbook's progress.
	Runbook Progress `json:"runbook"`
	// Responders are the people engaged: assignees, role holders and
	// everyone who acted, in the order they first appear.
	Responders []string `json:"responders"`
	// Recent is the last ten events of the timeline, oldest first.
	Recent []incident.Event `json:"recent"`
}

// Mark is something that happened, when and by whom.
type Mark struct {
	At   time.Time `json:"at"`
	By   string    `json:"by,omitempty"`
	What string    `json:"what,omitempty"`
}

// Role is one role and the turns of everyone who held it.
type Role struct {
	Role  string `json:"role"`
	Turns []Turn `json:"turns"`
}

// Holder returns the role's current turn, if someone holds it.
func (r Role) Holder() (Turn, bool) {
	if n := len(r.Turns); n > 0 && r.Turns[n-1].EndedAt.IsZero() {
		return r.Turns[n-1], true
	}
	return Turn{}, false
}

// Turn is one person's holding of a role.
type Turn struct {
	Person    string    `json:"person"`
	AssumedAt time.Time `json:"assumed_at"`
	// EndedAt is when the next holder's turn began; zero while current.
	EndedAt time.Time `json:"ended_at,omitzero"`
	// AssignedBy is who recorded the assignment (the holder themself for
	// a role taken, the outgoing holder for a handoff).
	AssignedBy string `json:"assigned_by,omitempty"`
	// Taken: the person acknowledged holding the role (oncall take);
	// TakenAt says when.
	Taken   bool      `json:"taken"`
	TakenAt time.Time `json:"taken_at,omitzero"`
	// External: the person is not a PagerDuty user.
	External bool `json:"external"`
	// Handoff: the turn began with a recorded handoff (and Taken says
	// whether the person has confirmed it).
	Handoff bool `json:"handoff"`
}

// Handoff is a recorded transfer of a role.
type Handoff struct {
	At      time.Time `json:"at"`
	Role    string    `json:"role"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Message string    `json:"message,omitempty"`
	By      string    `json:"by,omitempty"`
}

// Decision is a decision as recorded.
type Decision struct {
	ID   string    `json:"id"`
	At   time.Time `json:"at"`
	By   string    `json:"by,omitempty"`
	What string    `json:"what"`
	Why  string    `json:"why,omitempty"`
	Who  string    `json:"who,omitempty"`
	// Review: recorded in the weekly review, not during the incident.
	Review bool `json:"review,omitempty"`
}

// ItemState is where a task or follow-up stands.
type ItemState string

// Item states.
const (
	Open      ItemState = "open"
	Done      ItemState = "done"
	Cancelled ItemState = "cancelled"
)

// Item is a task or a follow-up action item with its life so far.
type Item struct {
	// ID is the local id of the event that recorded it: what an item
	// update names.
	ID string `json:"id"`
	// Number is 1-based among the items of its kind, in the order recorded.
	Number int           `json:"number"`
	Kind   incident.Kind `json:"kind"` // incident.KindTask or incident.KindActionItem
	What   string        `json:"what"`
	Owner  string        `json:"owner,omitempty"`
	// Type is a follow-up's type (incident.ActionTypes).
	Type       string    `json:"type,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by,omitempty"`
	// Due is as last set: RFC 3339 for a task, YYYY-MM-DD for a
	// follow-up; "" when none was set.
	Due     string    `json:"due,omitempty"`
	State   ItemState `json:"state"`
	Overdue bool      `json:"overdue"`
	// Extended counts the times the due moved.
	Extended int    `json:"extended,omitempty"`
	Ticket   string `json:"ticket,omitempty"`
	// Closed is when and by whom it was done or cancelled.
	Closed *Mark `json:"closed,omitempty"`
}

// Open reports whether the item still needs doing.
func (it Item) Open() bool { return it.State == Open }

// DueAt is the moment the item falls due: a task's time, or the end of a
// follow-up's day in loc. ok is false when it has no due.
func (it Item) DueAt(loc *time.Location) (time.Time, bool) {
	if it.Due == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, it.Due); err == nil {
		return t, true
	}
	if d, err := time.ParseInLocation(time.DateOnly, it.Due, loc); err == nil {
		return d.AddDate(0, 0, 1), true
	}
	return time.Time{}, false
}

// Hypothesis is a note that states a hypothesis or settles one: a note
// whose text begins "Hypothesis:", "Ruled in:" or "Ruled out:" (any case).
type Hypothesis struct {
	At      time.Time `json:"at"`
	By      string    `json:"by,omitempty"`
	Verdict string    `json:"verdict"` // "open", "ruled in" or "ruled out"
	Text    string    `json:"text"`
}

// UpdateClock is the status update clock: it counts from the last status
// update by anyone (or the incident's start when none was posted).
type UpdateClock struct {
	// Applies: a cadence is set and the incident is active with a
	// commander assigned or high urgency.
	Applies bool `json:"applies"`
	// Last is the last status update by anyone, if any.
	Last *Mark `json:"last,omitempty"`
	// NextDue is when the next update is owed (zero when no cadence).
	NextDue time.Time `json:"next_due,omitzero"`
	// Overdue: NextDue has passed.
	Overdue bool `json:"overdue"`
}

// Left is how long until the next update is due: negative once overdue.
func (c UpdateClock) Left(now time.Time) time.Duration { return c.NextDue.Sub(now) }

// Progress is a runbook's progress: distinct steps ticked out of all.
type Progress struct {
	Runbook string `json:"runbook,omitempty"`
	Done    int    `json:"done"`
	Total   int    `json:"total"`
}

// RecentLimit is how many of the last timeline events a Doc keeps.
const RecentLimit = 10

// Derive builds the incident state document.
func Derive(in Input) Doc {
	tl := sorted(in.Timeline)
	d := Doc{
		Incident:   in.Incident,
		Now:        in.Now,
		Roles:      []Role{},
		Handoffs:   []Handoff{},
		Decisions:  []Decision{},
		Tasks:      []Item{},
		FollowUps:  []Item{},
		Tried:      []Mark{},
		Hypotheses: []Hypothesis{},
		Responders: []string{},
		Recent:     []incident.Event{},
	}
	end := in.Now
	if !in.Incident.ResolvedAt.IsZero() && in.Incident.Status == incident.Resolved {
		end = in.Incident.ResolvedAt
	}
	if !in.Incident.CreatedAt.IsZero() {
		d.OpenFor = max(end.Sub(in.Incident.CreatedAt), 0)
	}
	d.Roles, d.Handoffs = roles(tl)
	d.SnoozedUntil = snoozedUntil(tl, in.Now)
	d.Tasks, d.FollowUps = items(tl, in.Now)
	d.Runbook = progress(tl, in.Runbook, in.RunbookSteps)
	d.Update = clock(in, tl, d.Roles)
	for _, e := range tl {
		f := func(k string) string { return strings.TrimSpace(e.Fields[k]) }
		switch e.Kind {
		case incident.KindMitigated:
			if d.Mitigated == nil {
				d.Mitigated = &Mark{At: e.At, By: e.Actor}
			}
		case incident.KindDecision:
			if f(incident.FieldWhat) != "" {
				d.Decisions = append(d.Decisions, Decision{ID: e.ID, At: e.At, By: e.Actor,
					What: f(incident.FieldWhat), Why: f(incident.FieldWhy), Who: f(incident.FieldWho),
					Review: f(incident.FieldContext) == incident.ContextReview})
			}
		case incident.KindRunbookStep:
			if f(incident.FieldAction) == incident.StepDone {
				d.Tried = append(d.Tried, Mark{At: e.At, By: e.Actor, What: "Runbook step: " + or(f(incident.FieldStep), f(incident.FieldStepKey))})
			}
		case incident.KindNote:
			if h, ok := hypothesis(e); ok {
				d.Hypotheses = append(d.Hypotheses, h)
			}
		}
	}
	slices.Reverse(d.Decisions)
	for _, it := range slices.Concat(d.Tasks, d.FollowUps) {
		if it.State == Done && it.Closed != nil {
			label := "Task done: "
			if it.Kind == incident.KindActionItem {
				label = "Follow-up done: "
			}
			d.Tried = append(d.Tried, Mark{At: it.Closed.At, By: it.Closed.By, What: label + it.What})
		}
	}
	slices.SortStableFunc(d.Tried, func(a, b Mark) int { return a.At.Compare(b.At) })
	d.Responders = responders(in.Incident, tl, d.Roles)
	d.Recent = append(d.Recent, tl[max(len(tl)-RecentLimit, 0):]...)
	return d
}

// OpenTasks and OpenFollowUps are the items still to do, in number order.
func (d Doc) OpenTasks() []Item     { return open(d.Tasks) }
func (d Doc) OpenFollowUps() []Item { return open(d.FollowUps) }

func open(items []Item) []Item {
	out := []Item{}
	for _, it := range items {
		if it.Open() {
			out = append(out, it)
		}
	}
	return out
}

// Holder returns who holds role now ("" when nobody does).
func (d Doc) Holder(role string) string {
	for _, r := range d.Roles {
		if r.Role == role {
			if t, ok := r.Holder(); ok {
				return t.Person
			}
		}
	}
	return ""
}

// sorted returns a copy of tl in time order, stable for equal times.
func sorted(tl incident.Timeline) incident.Timeline {
	out := slices.Clone(tl)
	slices.SortStableFunc(out, func(a, b incident.Event) int { return a.At.Compare(b.At) })
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
// (not a service that triggered it, nor PagerDuty paging someone).
var actedKinds = map[incident.Kind]bool{
	incident.KindAcknowledge: true, incident.KindResolve: true, incident.KindNote: true,
	incident.KindSnooze: true, incident.KindReassign: true, incident.KindRespondersReq: true,
	incident.KindStatusUpdate: true, incident.KindRole: true, incident.KindDecision: true,
	incident.KindActionItem: true, incident.KindMitigated: true, incident.KindTask: true,
	incident.KindRunbookStep: true, incident.KindItemUpdate: true, incident.KindHandoff: true,
	incident.KindReopen: true,
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
		if actedKinds[e.Kind] {
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
