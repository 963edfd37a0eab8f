package postmortem

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// SchemaVersion names the JSON schema below. It changes only when a field
// is removed or changes meaning; new fields may be added within a version.
const SchemaVersion = "oncall.postmortem/v1"

// Report is the draft as data: what JSON writes, and what Markdown renders.
// Both formats carry the same facts because both are made from one Report.
//
// Conventions of the JSON schema:
//   - Times are RFC 3339 in UTC; a time that is not known is absent.
//   - Durations are whole seconds in fields named *_seconds; a duration
//     that cannot be computed (an end not reached yet) is absent, never 0.
//   - Text from outside is cleaned of control characters and terminal
//     escapes, and is plain text (no Markdown escaping). One-line fields are
//     folded onto one line; messages, notes and commands keep their lines.
//   - Lists are present (possibly empty) and ordered oldest first.
type Report struct {
	Schema      string    `json:"schema"`                // SchemaVersion
	Status      string    `json:"status"`                // always "draft"
	GeneratedAt time.Time `json:"generated_at,omitzero"` // Input.Now

	Incident     IncidentInfo   `json:"incident"`
	Review       Review         `json:"review"`
	WorkingHours WorkingHours   `json:"working_hours"`
	Impact       Impact         `json:"impact"`
	Metrics      Metrics        `json:"metrics"`
	Roles        []Role         `json:"roles"`
	Responders   []Responder    `json:"responders"`
	Timeline     []Event        `json:"timeline"`
	KeyMoments   []string       `json:"key_moments"` // ids of starred timeline events
	Decisions    []Decision     `json:"decisions"`
	Actions      []Action       `json:"actions"`
	RunbookSteps []RunbookStep  `json:"runbook_steps"`
	ActionItems  []ActionItem   `json:"action_items"`
	Updates      []StatusUpdate `json:"status_updates"`
	Hints        []Hint         `json:"review_hints"`

	People     People     `json:"people"` // owner, authors, reviewers, attendees: for the writer
	Trigger    Trigger    `json:"trigger"`
	Resolution Resolution `json:"resolution"`
	// NotificationSteps fold the notify events of the timeline, one per
	// escalation step; the events stay in timeline too.
	NotificationSteps []NotificationStep `json:"notification_steps"`
	Related           []RelatedIncident  `json:"related_incidents"` // newest first
	SupportingLinks   []SupportingLink   `json:"supporting_links"`
	// FiveWhys is present (five empty answers) when the five-whys prompt
	// was asked for.
	FiveWhys []string `json:"five_whys,omitempty"`
	// Sections are the extra sections' values by key (see Section).
	Sections map[string]any `json:"sections,omitempty"`

	extra []Section // rendered in Markdown and HTML
}

// IncidentInfo is the incident as the header shows it.
type IncidentInfo struct {
	ID         string    `json:"id"`
	Number     int       `json:"number,omitempty"`
	Title      string    `json:"title"`
	URL        string    `json:"url,omitempty"` // only a plain http(s) address
	Service    string    `json:"service"`
	ServiceID  string    `json:"service_id,omitempty"`
	Priority   string    `json:"priority,omitempty"`
	Urgency    string    `json:"urgency,omitempty"`
	State      string    `json:"state"` // triggered, acknowledged, resolved
	Open       bool      `json:"open"`  // still triggered or acknowledged: the draft is incomplete
	CreatedAt  time.Time `json:"created_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
}

// Review is when the postmortem review meeting is due.
type Review struct {
	// Severity is 1 for the highest (P1, SEV1), 2 for the next; 0 when the
	// priority does not say.
	Severity int `json:"severity,omitempty"`
	// Due is a date (YYYY-MM-DD, in the working-hours zone): 3 calendar
	// days after resolution for severity 1, 5 business days for severity
	// 2. Absent for other severities and for open incidents.
	Due  string `json:"due,omitempty"`
	Rule string `json:"rule"` // the rule applied, in words
}

// WorkingHours states the assumption behind pages_outside_working_hours and
// business days: Start to End (09:00 to 18:00 unless configured), Monday to
// Friday, in Zone.
type WorkingHours struct {
	Zone      string `json:"zone"`       // IANA name, or "UTC"
	UTCOffset string `json:"utc_offset"` // the zone's offset when the incident started, e.g. "+01:00"
	Days      string `json:"days"`       // "Monday-Friday"
	Start     string `json:"start"`      // "09:00"
	End       string `json:"end"`        // "18:00"
	Sleep     string `json:"sleep"`      // sleep hours, every day: "22:00-07:00"
}

// Impact is how long the impact lasted and what it cost.
type Impact struct {
	Start time.Time `json:"start,omitzero"` // metrics.started_at
	End   time.Time `json:"end,omitzero"`   // mitigated, else resolved; absent while ongoing
	// EndedBy says what ended the impact: "mitigated", "resolved", or
	// "ongoing" (the incident is open and not marked mitigated; the
	// duration and budget run to generated_at).
	EndedBy         string       `json:"ended_by"`
	DurationSeconds *int64       `json:"duration_seconds,omitempty"`
	Priorities      []Period     `json:"priority_periods"` // time in each priority while open
	Urgencies       []Period     `json:"urgency_periods"`  // time in each urgency while open
	ErrorBudget     *ErrorBudget `json:"error_budget,omitempty"`
}

// Period is a stretch of time an incident spent at one priority or urgency.
type Period struct {
	Value   string    `json:"value"` // "P1", "high", or "unknown"
	From    time.Time `json:"from"`
	Seconds int64     `json:"seconds"`
}

// ErrorBudget is the share of an SLO's error budget the incident consumed,
// counting the whole impact as fully bad.
type ErrorBudget struct {
	Target          float64 `json:"target"`           // e.g. 0.999
	WindowSeconds   int64   `json:"window_seconds"`   // e.g. 2419200 for 28 days
	BudgetSeconds   float64 `json:"budget_seconds"`   // (1-target)*window, to the millisecond
	ConsumedSeconds int64   `json:"consumed_seconds"` // = impact.duration_seconds
	ConsumedPercent float64 `json:"consumed_percent"` // of the window's budget, to 0.01
}

// Metrics are the detection and response milestones and times.
type Metrics struct {
	StartedAt      time.Time `json:"started_at,omitzero"`      // first alert (or creation, if earlier)
	DetectedAt     time.Time `json:"detected_at,omitzero"`     // incident created / triggered
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"` // first acknowledgement that took effect
	MitigatedAt    time.Time `json:"mitigated_at,omitzero"`    // the incident commander's mark
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`

	TimeToDetect      *int64 `json:"time_to_detect_seconds,omitempty"`      // detected - started
	TimeToAcknowledge *int64 `json:"time_to_acknowledge_seconds,omitempty"` // acknowledged - detected
	TimeToMitigate    *int64 `json:"time_to_mitigate_seconds,omitempty"`    // mitigated - started
	TimeToResolve     *int64 `json:"time_to_resolve_seconds,omitempty"`     // resolved - started

	Escalations int `json:"escalations"`
	// PeoplePaged are the distinct people notified or assigned.
	PeoplePaged []string `json:"people_paged"`
	Pages       int      `json:"pages"` // notifications sent
	// PagesOutsideWorkingHours counts notifications sent outside
	// working_hours.
	PagesOutsideWorkingHours int `json:"pages_outside_working_hours"`
	// PagesInSleepHours counts notifications sent in working_hours'
	// sleep hours, any day: the pages that woke someone.
	PagesInSleepHours int `json:"pages_in_sleep_hours"`
}

// Role is a role given to a person during the incident.
type Role struct {
	At         time.Time `json:"at"`
	Role       string    `json:"role"`
	Person     string    `json:"person"`
	AssignedBy string    `json:"assigned_by,omitempty"`
}

// Responder is a person (or integration) who appears in the timeline.
type Responder struct {
	Name     string `json:"name"`
	Assignee bool   `json:"assignee"`
	// Actions counts the events by kind that took effect; "failed" counts
	// local actions PagerDuty refused.
	Actions map[string]int `json:"actions"`
}

// Event is one timeline row.
type Event struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at,omitzero"`
	Kind    string    `json:"kind"` // an incident.Kind
	Actor   string    `json:"actor,omitempty"`
	Source  string    `json:"source"`          // "pagerduty" or "local" (this machine's journal)
	State   string    `json:"state,omitempty"` // local events: queued, sent, failed, local
	Error   string    `json:"error,omitempty"` // why PagerDuty refused a failed local event
	Text    string    `json:"text"`            // one line, as the Event column shows it
	Link    string    `json:"link,omitempty"`  // a plain http(s) address
	Starred bool      `json:"starred,omitempty"`
	// Key marks a key moment: starred, or a change of state, a decision
	// or a role; the Markdown shows these in their own table.
	Key    bool              `json:"key,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Decision is a decision the incident commander logged.
type Decision struct {
	EventID    string    `json:"event_id"`
	At         time.Time `json:"at"`
	What       string    `json:"what"`
	Why        string    `json:"why,omitempty"`
	ExecutedBy string    `json:"executed_by,omitempty"`
	LoggedBy   string    `json:"logged_by,omitempty"`
}

// Action is a responder's action on the incident: acknowledging,
// escalating, reassigning, asking for help, snoozing, marking it mitigated,
// resolving. Local actions PagerDuty refused are left out.
type Action struct {
	EventID string    `json:"event_id"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor,omitempty"`
	Text    string    `json:"text"`
}

// RunbookStep is a runbook step ticked done, or a command copied to run.
type RunbookStep struct {
	EventID string    `json:"event_id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor,omitempty"`
	Runbook string    `json:"runbook"`
	Step    string    `json:"step"`
	StepKey string    `json:"step_key,omitempty"`
	Command string    `json:"command,omitempty"`
	Action  string    `json:"action,omitempty"` // "done" or "copied"
}

// ActionItem is a follow-up recorded during the incident.
type ActionItem struct {
	EventID  string    `json:"event_id"`
	At       time.Time `json:"at"`
	Title    string    `json:"title"`
	Type     string    `json:"type,omitempty"` // mitigate, prevent, detect, process
	Owner    string    `json:"owner,omitempty"`
	Due      string    `json:"due,omitempty"`
	Ticket   string    `json:"ticket,omitempty"` // from the last item update that linked one
	LoggedBy string    `json:"logged_by,omitempty"`
	// State is "done" or "cancelled" when an item update said so, "open"
	// when one reopened it; absent when none did.
	State string `json:"state,omitempty"`
}

// StatusUpdate is a status update posted to the incident's subscribers.
type StatusUpdate struct {
	EventID string    `json:"event_id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor,omitempty"`
	Message string    `json:"message"`
}

// Build computes the report for in. It reads no clock and no zone but
// in.Now and in.Location.
func Build(in Input) Report {
	events := prepare(in.Timeline)
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	inc := in.Incident
	r := Report{
		Schema:      SchemaVersion,
		Status:      "draft",
		GeneratedAt: utc(in.Now),
		Incident: IncidentInfo{
			ID: oneLine(inc.ID), Number: inc.Number, Title: oneLine(inc.Title),
			URL: safeURL(inc.URL), Service: oneLine(inc.Service.Name), ServiceID: oneLine(inc.Service.ID),
			Priority: oneLine(inc.Priority), Urgency: oneLine(string(inc.Urgency)),
			State: oneLine(string(inc.Status)), Open: inc.Active(),
			CreatedAt: utc(inc.CreatedAt),
		},
		Roles: []Role{}, Responders: []Responder{}, Timeline: make([]Event, 0, len(events)), KeyMoments: []string{},
		Decisions: []Decision{}, Actions: []Action{}, RunbookSteps: []RunbookStep{},
		ActionItems: []ActionItem{}, Updates: []StatusUpdate{},
	}
	if inc.Status == incident.Resolved {
		r.Incident.ResolvedAt = resolvedAt(inc, events)
	}

	loc, zone := zoneName(loc)
	r.Metrics = metrics(in, events, loc)
	r.Impact = impact(in, events, r.Metrics)
	r.WorkingHours = WorkingHours{Zone: zone, UTCOffset: offset(r.Metrics.StartedAt, in.Now, loc),
		Days: "Monday-Friday", Start: hhmm(in.WorkHours.orDefault().Start), End: hhmm(in.WorkHours.orDefault().End),
		Sleep: hhmm(in.SleepHours.sleepOrDefault().Start) + "-" + hhmm(in.SleepHours.sleepOrDefault().End)}
	r.Review = review(inc.Priority, r.Incident.ResolvedAt, loc)
	r.Responders = responders(inc, events)

	starred := make(map[string]bool)
	for _, e := range events {
		if e.Kind == incident.KindStar && e.Fields[incident.FieldEventID] != "" {
			starred[e.Fields[incident.FieldEventID]] = true
		}
	}
	for _, e := range events {
		if e.Kind == incident.KindStar {
			continue // a mark on another row, shown as ★ there
		}
		row := Event{
			ID: oneLine(e.ID), At: utc(e.At), Kind: oneLine(string(e.Kind)), Actor: oneLine(e.Actor),
			Source: source(e.Origin), Text: describe(e), Link: link(e, inc), Starred: e.ID != "" && starred[e.ID],
			Fields: cleanFields(e.Fields),
		}
		if e.Origin == incident.Local {
			row.State = oneLine(string(e.State))
			if e.State == incident.Failed {
				row.Error = oneLine(e.Error)
			}
		}
		r.Timeline = append(r.Timeline, row)
		if row.Starred {
			r.KeyMoments = append(r.KeyMoments, row.ID)
		}
		r.collect(e)
	}
	r.extend(in, events)
	r.Hints = lintReport(r, in)
	return r
}

// collect files a structured event under its section.
func (r *Report) collect(e incident.Event) {
	f := func(k string) string { return oneLine(e.Fields[k]) }
	id, at, actor := oneLine(e.ID), utc(e.At), oneLine(e.Actor)
	switch e.Kind {
	case incident.KindRole:
		if f(incident.FieldRole) != "" || f(incident.FieldPerson) != "" {
			r.Roles = append(r.Roles, Role{At: at, Role: orText(f(incident.FieldRole), "unnamed role"), Person: orText(f(incident.FieldPerson), "unnamed"), AssignedBy: actor})
		}
	case incident.KindDecision:
		what := f(incident.FieldWhat)
		if what == "" {
			what = strings.TrimPrefix(oneLine(e.Summary), "Decision: ")
		}
		r.Decisions = append(r.Decisions, Decision{EventID: id, At: at, What: what, Why: f(incident.FieldWhy), ExecutedBy: f(incident.FieldWho), LoggedBy: actor})
	case incident.KindActionItem:
		title := f(incident.FieldTitle)
		if title == "" {
			title = oneLine(e.Summary)
		}
		r.ActionItems = append(r.ActionItems, ActionItem{EventID: id, At: at, Title: title, Type: strings.ToLower(f(incident.FieldType)),
			Owner: f(incident.FieldOwner), Due: f(incident.FieldDue), LoggedBy: actor})
	case incident.KindStatusUpdate:
		msg := incident.CleanLines(e.Fields[incident.FieldMessage])
		if msg == "" {
			msg = strings.TrimPrefix(incident.CleanLines(e.Summary), "Status update: ")
		}
		r.Updates = append(r.Updates, StatusUpdate{EventID: id, At: at, Actor: actor, Message: msg})
	case incident.KindRunbookStep:
		r.RunbookSteps = append(r.RunbookSteps, RunbookStep{EventID: id, At: at, Actor: actor,
			Runbook: orText(f(incident.FieldRunbook), "unnamed runbook"), Step: orText(f(incident.FieldStep), oneLine(e.Summary)), StepKey: f(incident.FieldStepKey),
			Command: incident.CleanLines(e.Fields[incident.FieldCommand]), Action: f(incident.FieldAction)})
	case incident.KindAcknowledge, incident.KindEscalate, incident.KindReassign, incident.KindRespondersReq,
		incident.KindSnooze, incident.KindMitigated, incident.KindResolve:
		if e.State != incident.Failed {
			r.Actions = append(r.Actions, Action{EventID: id, At: at, Kind: string(e.Kind), Actor: actor, Text: describe(e)})
		}
	}
}

// prepare orders the timeline (stably, so Merge's tie order survives) and
// drops repeats: the same event id from the same origin (a poll that
// overlapped the last), and identical copies under different ids.
//
// A merged timeline is usually in order already, and long: the sort is
// skipped when nothing would move, and the maps are sized once.
func prepare(tl incident.Timeline) []incident.Event {
	events := slices.Clone(tl)
	byTime := func(x, y incident.Event) int { return x.At.Compare(y.At) }
	if !slices.IsSortedFunc(events, byTime) {
		slices.SortStableFunc(events, byTime)
	}
	type ref struct {
		origin incident.Origin
		id     string
	}
	type content struct {
		kind          incident.Kind
		at            int64
		actor, text   string
		origin        incident.Origin
		fields, state string
	}
	seenID := make(map[ref]struct{}, len(events))
	seen := make(map[content]struct{}, len(events))
	var keys []string // reused for each event's field names
	out := events[:0]
	for _, e := range events {
		if e.ID != "" {
			key := ref{e.Origin, e.ID}
			if _, ok := seenID[key]; ok {
				continue
			}
			seenID[key] = struct{}{}
		}
		var fields string
		fields, keys = fieldsKey(e.Fields, keys)
		c := content{e.Kind, e.At.UnixNano(), e.Actor, e.Summary, e.Origin, fields, string(e.State)}
		if _, ok := seen[c]; ok {
			continue
		}
		seen[c] = struct{}{}
		out = append(out, e)
	}
	return out
}

// fieldsKey is f as one comparable string, each name and value followed
// by a NUL, in name order; keys is scratch space, returned for reuse.
func fieldsKey(f map[string]string, keys []string) (string, []string) {
	if len(f) == 0 {
		return "", keys
	}
	keys, n := keys[:0], 0
	for k, v := range f {
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(n)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(f[k])
		b.WriteByte(0)
	}
	return b.String(), keys
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func source(o incident.Origin) string {
	if o == incident.Local {
		return "local"
	}
	return "pagerduty"
}

func cleanFields(f map[string]string) map[string]string {
	if len(f) == 0 {
		return nil
	}
	out := make(map[string]string, len(f))
	for k, v := range f {
		out[oneLine(k)] = cleanLines(v)
	}
	return out
}

// cleanLines is incident.CleanLines, which copies every string it is given,
// without the copy when it would change nothing: printable ASCII and line
// breaks, with no space or line break at either end.
func cleanLines(s string) string {
	if s == "" || s[0] == ' ' || s[0] == '\n' || s[len(s)-1] == ' ' || s[len(s)-1] == '\n' {
		return incident.CleanLines(s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\n') || c > '~' {
			return incident.CleanLines(s)
		}
	}
	return s
}

// systemKinds are what integrations, services and policies do in a
// timeline; a name that did only these is not a responder.
func systemKinds(k string) bool {
	switch incident.Kind(k) {
	case incident.KindTrigger, incident.KindAlert, incident.KindAssign:
		return true
	}
	return false
}

// knownKind maps kinds this package does not know to KindOther.
func knownKind(k incident.Kind) incident.Kind {
	for _, o := range kindOrder {
		if o.kind == k {
			return k
		}
	}
	return incident.KindOther
}

// severityPattern reads the level from priorities like "P1", "SEV-2",
// "Sev 1" or "SEV1 - Critical".
var severityPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*(?:p|sev|severity)[\s-]*([0-9])\b`)
})

// severity is 1 for the highest priority, 2 for the next, 0 if unknown.
func severity(priority string) int {
	m := severityPattern().FindStringSubmatch(oneLine(priority))
	if m == nil {
		return 0
	}
	return int(m[1][0] - '0')
}

// hhmm is a time of day after midnight as HH:MM.
func hhmm(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
