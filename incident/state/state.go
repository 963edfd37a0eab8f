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
