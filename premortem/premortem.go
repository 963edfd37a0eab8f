// Package premortem loads, lints and matches pre-mortems: Markdown files
// with YAML front matter, one per workshop, in which a team wrote down
// concrete failures it assumed would happen (the service, what fails, for
// how long and when), rated their customer impact relative to each other,
// and listed countermeasures along each failure's timeline (before,
// during, after).
//
// A pre-mortem file looks like this:
//
//	---
//	id: billing-2026-q4
//	title: Billing pre-mortem, Q4
//	held_on: 2026-10-14
//	participants: [PM, CS lead, billing engineers]
//	review_every_days: 90
//	failures:
//	  - id: invoices-not-issued
//	    service: billing-api
//	    failure: Every invoice fails to issue
//	    period: 30 minutes, mid-month
//	    days_of_month: "10-20"
//	    impact: 5
//	    likelihood: 2
//	    warning_signs: [invoice queue depth rising]
//	    match: {title: '(?i)invoice'}
//	    countermeasures:
//	      - {phase: before, action: Alert on failed invoice jobs, status: done, cost: low}
//	      - {phase: during, action: Re-run the batch, status: done, runbook: billing-invoice-rerun}
//	      - {phase: after, action: Tell affected accounts, status: planned, remind_at: 2026-12-01}
//	---
//	Workshop notes, in any Markdown.
//
// A failure matches an incident by the rules of a runbook (package
// runbook decides them: the service by id or name, then title, summary,
// component, class, source, urgency and min_priority), and, when it has a
// days_of_month window, only if the incident began on one of those days
// in the team's time zone.
//
// Invariants:
//   - Parsing never does I/O and never panics; every problem is a
//     Diagnostic (the runbook package's type) with the file and a 1-based
//     line within the file. Load and Lint do the file I/O, reading only
//     regular files of at most MaxSize bytes.
//   - A *Premortem is returned only when its file has no errors. A
//     directory with broken files still loads: they are skipped with a
//     diagnostic.
//   - Failure ids are unique across a Set: a later file's failure with a
//     taken id is left out with an error naming both places.
//   - A Set is immutable after Load and safe for concurrent use; Match,
//     Register and Due do no I/O.
package premortem

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/oncallkit/oncall/runbook"
)

// MaxSize is the largest pre-mortem file accepted: a workshop's notes fit
// in a few pages; anything larger is a mistake, and refusing it keeps
// loading bounded.
const MaxSize = 1 << 20

// DefaultReviewEveryDays applies when a pre-mortem does not say how often
// it should be held again: a quarter, the usual rhythm of such workshops.
const DefaultReviewEveryDays = 90

// Diagnostic is one problem found in a pre-mortem file; it prints as
// "file:line: message" like the runbook linter's.
type Diagnostic = runbook.Diagnostic

// Severities of a Diagnostic.
const (
	Error   = runbook.Error
	Warning = runbook.Warning
)

// HasErrors reports whether any diagnostic is an Error.
func HasErrors(ds []Diagnostic) bool { return runbook.HasErrors(ds) }

// Premortem is one workshop.
type Premortem struct {
	ID              string
	Title           string
	HeldOn          time.Time // zero when the file does not say
	Participants    []string
	ReviewEveryDays int // 0 when the file does not say
	Failures        []*Failure

	File     string // the name the file was parsed under
	Body     string // the Markdown after the front matter, LF line endings
	BodyLine int

	lines map[string]int // top-level key -> file line
}

// ReviewDue returns when the workshop should be held again; ok is false
// when the file does not say when it was held.
func (p *Premortem) ReviewDue() (time.Time, bool) {
	if p.HeldOn.IsZero() {
		return time.Time{}, false
	}
	every := p.ReviewEveryDays
	if every <= 0 {
		every = DefaultReviewEveryDays
	}
	return p.HeldOn.AddDate(0, 0, every), true
}

// Failure is one assumed failure.
type Failure struct {
	ID      string
	Service string // a PagerDuty service name or id
	Failure string // what fails, in the workshop's words
	Period  string // for how long and when, free text
	// Days is the calendar window, nil when the failure has none.
	Days         *DayRange
	Impact       int // 1 (tolerable) .. 5 (severe), relative to the others
	Likelihood   int // 1 .. 5; 0 when not rated
	WarningSigns []string
	// Countermeasures in file order.
	Countermeasures []Countermeasure

	Premortem *Premortem // the workshop it comes from
	Line      int        // file line of the failure's id

	rb *runbook.Runbook // the match rules, as a runbook of the failure's id
}

// DayRange is a window of days of the month, From to To inclusive. From
// greater than To wraps over the month's end ("28-3").
type DayRange struct{ From, To int }

// Contains reports whether day (1..31) is in the window.
func (r DayRange) Contains(day int) bool {
	if r.From <= r.To {
		return day >= r.From && day <= r.To
	}
	return day >= r.From || day <= r.To
}

func (r DayRange) String() string {
	if r.From == r.To {
		return fmt.Sprint(r.From)
	}
	return fmt.Sprintf("%d-%d", r.From, r.To)
}

// Phase is where on a failure's timeline a countermeasure acts.
type Phase string

// Phases, in timeline order.
const (
	Before Phase = "before"
	During Phase = "during"
	After  Phase = "after"
)

// Phases lists the phases in timeline order.
var Phases = []Phase{Before, During, After}

// Status is how far a countermeasure is.
type Status string

// Statuses, most advanced first.
const (
	Done        Status = "done"
	Planned     Status = "planned"
	NotFeasible Status = "not-feasible"
	Idea        Status = "idea"
)

// Statuses lists the statuses, most advanced first.
var Statuses = []Status{Done, Planned, NotFeasible, Idea}

// Costs a countermeasure may be rated, upkeep included.
var Costs = []string{"low", "medium", "high"}

// Countermeasure is one thing done, planned or imagined against a failure.
type Countermeasure struct {
	// Key identifies the countermeasure across restarts and edits to the
	// others: "<failure id>/<phase>/<8 hex digits of its action>", with
	// "-2", "-3" for repeats. Journaled ticks name it.
	Key      string
	Phase    Phase
	Action   string
	Status   Status
	Owner    string
	Cost     string    // low, medium, high, or ""
	Runbook  string    // a runbook id, or ""
	RemindAt time.Time // zero when not set
	Line     int       // file line of the entry

	runbookLine, remindLine int // file lines of those keys, for lint
}

// countermeasureKey derives a Key; seen counts repeats within a failure.
func countermeasureKey(failureID string, c Countermeasure, seen map[string]int) string {
	h := fnv.New32a()
	h.Write([]byte(string(c.Phase) + "\x00" + c.Action))
	k := fmt.Sprintf("%s/%s/%08x", failureID, c.Phase, h.Sum32())
	seen[k]++
	if n := seen[k]; n > 1 {
		k = fmt.Sprintf("%s-%d", k, n)
	}
	return k
}
