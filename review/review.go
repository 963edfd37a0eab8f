// Package review is the weekly incident review: for a period it gathers the
// incidents from PagerDuty with their log, the journal's structured events
// and the postmortem drafts on disk, and computes what the meeting looks
// at: the numbers (count, time to acknowledge, mitigate and resolve as
// percentiles, per service against the previous period), the load on people
// (pages in business, off and sleep hours, per responder and service),
// repeats, follow-ups and their state, error budgets, postmortems, and an
// agenda ordered by impact. It writes them as Markdown, JSON and a
// self-contained HTML page.
//
// Gather does the I/O (PagerDuty through a small Source, the journal, the
// cache, the drafts directory); Compute is pure: the same Data and Options
// give the same Report, reading neither the clock nor the machine's zone
// (Options.Now and Options.Location say when and where).
//
// Invariants:
//   - Percentiles are by nearest rank: the value at rank ceil(p/100 × n) of
//     the sorted values; the outputs say so. No means: response times are
//     heavy-tailed.
//   - A page falls in exactly one hour bucket, decided in Options.Location:
//     sleep hours first (every day), then business hours (Monday to Friday
//     within working hours), else off-hours.
//   - Per-incident metrics and error budgets come from incident/postmortem's
//     Build, so the review and the drafts never disagree on a number.
//   - Listing stays under PagerDuty's caps: windows of at most ListWindow
//     (well under six months), and a window that reaches the 10,000 cap is
//     halved and listed again, never silently cut.
//   - All outside text is untrusted: cleaned of control characters, then
//     escaped for the output it goes into (Markdown, HTML).
package review

import (
	"io"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
)

// SchemaVersion names the JSON schema of Report.
const SchemaVersion = "oncall.review/v1"

// PercentileMethod is stated in every output beside the percentiles.
const PercentileMethod = "nearest rank: the value at rank ceil(p/100 × n) of the n sorted values"

// RepeatLookback is how far before the period an earlier incident still
// makes a repeat.
const RepeatLookback = 30 * 24 * time.Hour

// Clock is a time of day, in minutes after midnight.
type Clock int

// At returns the clock h:m.
func At(h, m int) Clock { return Clock(h*60 + m) }

// String is HH:MM.
func (c Clock) String() string {
	return twoDigits(int(c)/60) + ":" + twoDigits(int(c)%60)
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10%10), byte('0' + n%10)}) }

// Span is a daily span of hours, [Start, End); an End before Start wraps
// past midnight (22:00-07:00).
type Span struct{ Start, End Clock }

// contains reports whether the clock c falls in s.
func (s Span) contains(c Clock) bool {
	if s.Start <= s.End {
		return c >= s.Start && c < s.End
	}
	return c >= s.Start || c < s.End
}

// String is HH:MM-HH:MM.
func (s Span) String() string { return s.Start.String() + "-" + s.End.String() }

// Default hours.
var (
	DefaultWork  = Span{9 * 60, 18 * 60} // 09:00-18:00, Monday to Friday
	DefaultSleep = Span{22 * 60, 7 * 60} // 22:00-07:00, every day
)

// Options say what to review and how.
type Options struct {
	Since, Until time.Time // the period, [Since, Until)
	Now          time.Time // when the review is made: due dates are judged against it
	// Location is the team's zone: working and sleep hours, days, and the
	// due dates of follow-ups are read in it. nil is UTC.
	Location *time.Location
	Work     Span // working hours, Monday to Friday; zero is DefaultWork
	Sleep    Span // sleep hours, every day; zero is DefaultSleep
	// Services narrows the review to these services (ids or names, as the
	// provider spells them); empty is every service.
	Services []string
	// SLOs by service id or name, as postmortem drafts use them.
	SLOs map[string]postmortem.SLO
	// PostmortemsDir holds the drafts (postmortem.FileName names); "" is none.
	PostmortemsDir string
	// Foreseen, when set, says whether a pre-mortem foresaw an incident
	// and names it. Without it the review says nothing of pre-mortems.
	Foreseen func(inc incident.Incident, tl incident.Timeline) (premortem string, ok bool)
	// Progress, when set, hears what Gather is doing (stderr in the CLI).
	Progress io.Writer
	// ListWindow bounds one listing's date range; zero is 30 days.
	ListWindow time.Duration
	// Workers is how many timelines are fetched at once; zero is 4. The
	// client's pacing applies to all of them together.
	Workers int
	// AgendaLimit bounds the agenda; zero is 20.
	AgendaLimit int
}

func (o Options) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) work() Span {
	if o.Work == (Span{}) {
		return DefaultWork
	}
	return o.Work
}

func (o Options) sleep() Span {
	if o.Sleep == (Span{}) {
		return DefaultSleep
	}
	return o.Sleep
}

// Report is the review as data: what JSON writes and what Markdown, HTML
// and the terminal screen render. Times are UTC; durations are whole
// seconds in fields named *_seconds; a percentile of no values is null.
type Report struct {
	Schema      string    `json:"schema"`
	GeneratedAt time.Time `json:"generated_at"`
	Period      Period    `json:"period"`
	Hours       Hours     `json:"hours"`

	Incidents         int            `json:"incidents"`
	PreviousIncidents int            `json:"previous_incidents"`
	PercentileMethod  string         `json:"percentile_method"`
	TTA               Stat           `json:"tta_seconds"`
	TTM               Stat           `json:"ttm_seconds"`
	TTR               Stat           `json:"ttr_seconds"`
	ByService         map[string]Svc `json:"by_service"`
	PerDay            []DayCount     `json:"incidents_per_day"`

	PagesByHours     Buckets            `json:"pages_by_hours"`
	IncidentsByHours Buckets            `json:"incidents_by_hours"`
	PagesByHourOfDay [24]int            `json:"pages_by_hour_of_day"`
	LoadByResponder  map[string]Buckets `json:"load_by_responder"`
	LoadByService    map[string]Buckets `json:"load_by_service"`

	Repeats      []Repeat     `json:"repeats"`
	FollowUps    FollowUps    `json:"follow_ups"`
	ErrorBudgets []Budget     `json:"error_budgets"`
	Postmortems  []Postmortem `json:"postmortems"`
	Agenda       []AgendaItem `json:"agenda"`
	// Minutes are the decisions and follow-ups recorded with the review's
	// context from the period's start to Now: after the meeting, the
	// review written again carries its minutes.
	Minutes []Minute `json:"minutes"`

	// The samples behind TTA and TTR, for histograms; not in JSON.
	TTASamples []int64 `json:"-"`
	TTRSamples []int64 `json:"-"`
}

// Period is the reviewed range and the zone its hours are read in.
type Period struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	Zone  string    `json:"zone"`
}

// Hours states the hour buckets' definitions.
type Hours struct {
	Business string `json:"business"` // "09:00-18:00 Monday-Friday"
	Sleep    string `json:"sleep"`    // "22:00-07:00 every day"
}

// Stat is a duration's percentiles over n incidents, in seconds.
type Stat struct {
	P50 *int64 `json:"p50"`
	P90 *int64 `json:"p90"`
	N   int    `json:"n"`
}

// Svc is one service's numbers.
type Svc struct {
	Incidents int `json:"incidents"`
	Previous  int `json:"previous"` // in the previous period of the same length
	Change    int `json:"change"`   // incidents - previous
	// ChangePercent is the change against previous, to 0.1; null when
	// previous is 0.
	ChangePercent *float64 `json:"change_percent"`
	TTA           Stat     `json:"tta_seconds"`
	TTR           Stat     `json:"ttr_seconds"`
}

// DayCount is the incidents created on one day (in the team's zone).
type DayCount struct {
	Date      string `json:"date"` // YYYY-MM-DD
	Incidents int    `json:"incidents"`
}

// Buckets counts by hour bucket.
type Buckets struct {
	Business int `json:"business"`
	OffHours int `json:"off_hours"`
	Sleep    int `json:"sleep"`
}

// Total is the sum of the buckets.
func (b Buckets) Total() int { return b.Business + b.OffHours + b.Sleep }

// Ref names an incident.
type Ref struct {
	ID        string    `json:"id"`
	Number    int       `json:"number,omitempty"`
	Title     string    `json:"title"`
	Service   string    `json:"service"`
	CreatedAt time.Time `json:"created_at"`
	URL       string    `json:"url,omitempty"`
	Draft     string    `json:"draft,omitempty"` // path of its newest postmortem draft
}

// Repeat is an incident of the period that happened before.
type Repeat struct {
	Incident Ref    `json:"incident"`
	Reason   string `json:"reason"` // "same service, similar title", "same alert key", or both joined by "; "
	// Earlier are the newest earlier incidents (at most five), newest
	// first; EarlierCount is how many there were in all.
	Earlier      []Ref `json:"earlier"`
	EarlierCount int   `json:"earlier_count"`
}

// Follow-up states.
const (
	StateDone         = "done"
	StateOpen         = "open"
	StateOverdue      = "overdue"
	StateNoOwnerOrDue = "no_owner_or_due"
	StateCancelled    = "cancelled"
)

// FollowUps are the action items recorded in the period, and those
// recorded before it that were still open when it began.
type FollowUps struct {
	Done         int `json:"done"`
	Open         int `json:"open"`
	Overdue      int `json:"overdue"`
	NoOwnerOrDue int `json:"no_owner_or_due"`
	Cancelled    int `json:"cancelled"`
	// CompletionRate is done / (done + open + overdue + no_owner_or_due),
	// to 0.0001; null when there are none. Cancelled items do not count.
	CompletionRate *float64   `json:"completion_rate"`
	Items          []FollowUp `json:"items"` // overdue first, then by due date
}

// FollowUp is one action item as it stands at Options.Now.
type FollowUp struct {
	ID         string    `json:"id"` // the local id item updates name
	Incident   Ref       `json:"incident"`
	Title      string    `json:"title"`
	Owner      string    `json:"owner,omitempty"`
	Due        string    `json:"due,omitempty"` // YYYY-MM-DD
	State      string    `json:"state"`
	Ticket     string    `json:"ticket,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	InReview   bool      `json:"in_review,omitempty"` // raised in a review
}

// Budget is one SLO's error budget.
type Budget struct {
	Service       string  `json:"service"` // the SLO's key: a service id or name
	Target        float64 `json:"target"`
	WindowSeconds int64   `json:"window_seconds"`
	BudgetSeconds float64 `json:"budget_seconds"`
	Incidents     int     `json:"incidents"` // in the period
	// ConsumedSeconds is the impact of the period's incidents.
	ConsumedSeconds int64   `json:"consumed_seconds"`
	ConsumedPercent float64 `json:"consumed_percent"`
	// WindowConsumedSeconds is the impact of the incidents of the SLO's
	// window ending at the period's end; RemainingSeconds what is left
	// (negative when overspent).
	WindowConsumedSeconds int64   `json:"window_consumed_seconds"`
	RemainingSeconds      float64 `json:"remaining_seconds"`
	RemainingPercent      float64 `json:"remaining_percent"`
}

// Postmortem is a resolved incident's postmortem status.
type Postmortem struct {
	Incident Ref `json:"incident"`
	// State: "missing" (no draft), "draft" (still the generated draft),
	// "edited" (its status line no longer says Draft).
	State         string   `json:"state"`
	ReviewDue     string   `json:"review_due,omitempty"`
	ReviewOverdue bool     `json:"review_overdue"`
	Hints         int      `json:"lint_hints"`
	HintSamples   []string `json:"lint_samples,omitempty"`
	Foreseen      string   `json:"foreseen_in,omitempty"` // the pre-mortem that foresaw it
}

// Minute is a decision or a follow-up raised in a review.
type Minute struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"` // "decision" or "action_item"
	Incident Ref       `json:"incident"`
	Text     string    `json:"text"` // one line, as the timeline words it
	By       string    `json:"by,omitempty"`
}

// AgendaItem is an incident to discuss.
type AgendaItem struct {
	Incident        Ref     `json:"incident"`
	Priority        string  `json:"priority,omitempty"`
	Severity        int     `json:"severity,omitempty"`
	DurationSeconds *int64  `json:"duration_seconds"`
	BudgetPercent   float64 `json:"budget_consumed_percent"`
	Repeat          bool    `json:"repeat"`
	Summary         string  `json:"summary"` // one line
}
