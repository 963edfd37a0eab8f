// Package runbook loads, parses, lints and matches runbooks: Markdown files
// with YAML front matter, written before failures happen, that say what an
// alert means and what to do about it.
//
// A runbook file looks like this:
//
//	---
//	id: checkout-high-5xx
//	title: checkout-api returns 5xx on order placement
//	owners: [team-checkout]
//	services: [checkout-api]
//	match: {title: '(?i)5xx', class: http_errors, min_priority: P2}
//	last_reviewed: 2026-10-01
//	review_every_days: 90
//	---
//	## Mitigation
//	- [ ] Roll back the last deploy
//	```sh
//	kubectl -n checkout rollout undo deploy/checkout-api
//	```
//
// The steps of a runbook are its checklist items (- [ ] and - [x]) and its
// fenced code blocks; each has a Key that stays the same across restarts and
// edits elsewhere in the file, so that a journaled tick can be found again.
//
// Invariants:
//   - Parsing never does I/O and never panics; every problem is a Diagnostic
//     with the file's name and a line number within the file (1-based,
//     counting CRLF as one line break). Load and Lint do the file I/O.
//   - A *Runbook is returned only when its file has no errors (warnings are
//     allowed). A directory with broken files still loads: they are skipped
//     with a diagnostic, never fatal.
//   - A loaded Runbook holds valid UTF-8 without control characters other
//     than newline and tab, and without bidirectional overrides; text shown
//     to a responder still goes through incident.Clean like all outside text.
//   - Regular expressions are compiled at load; a Set is immutable after
//     Load and safe for concurrent use, and Match does no I/O.
package runbook

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// MaxSize is the largest runbook file accepted. A runbook is a page or two
// of Markdown; anything near this size is a mistake (a log pasted in, a
// binary with the wrong extension), and refusing it keeps Load fast.
const MaxSize = 1 << 20

// DefaultReviewEveryDays applies when a runbook says when it was last
// reviewed but not how often it should be.
const DefaultReviewEveryDays = 180

// Runbook is one parsed runbook file.
type Runbook struct {
	ID       string
	Title    string
	Owners   []string
	Services []string // PagerDuty service ids or names
	Match    Criteria
	Impact   string // expected customer impact, free text
	Links    []Link // in the order the file lists them

	// LastReviewed is zero when the file does not say.
	LastReviewed time.Time
	// ReviewEveryDays is 0 when the file does not say.
	ReviewEveryDays int
	// PostOutput is post_output from the front matter: false keeps the
	// results of this runbook's commands off PagerDuty. nil when the file
	// does not say (the configuration decides).
	PostOutput *bool

	// File is the name the runbook was parsed under (the path for Load).
	File string
	// Body is the Markdown after the front matter, with LF line endings.
	Body string
	// BodyLine is the file line on which Body starts.
	BodyLine int
	Sections []Section
	Steps    []Step

	lines map[string]int // front-matter key -> file line, for lint
}

// Link is a named URL from a runbook's links.
type Link struct {
	Name string
	URL  string
}

// Criteria say when a runbook applies. Every criterion that is set must
// hold for the runbook to match; unset criteria are ignored. Summary,
// Component, Class and Source describe one alert: they must all hold for
// the same alert of the incident.
type Criteria struct {
	Title   *regexp.Regexp // over the incident title
	Summary *regexp.Regexp // over an alert's summary
	// Component, Class and Source match the alert's details field of the
	// same name: equal to one of the values, ignoring case.
	Component []string
	Class     []string
	Source    []string
	Urgency   incident.Urgency // "" matches any
	// MinPriority is the least severe priority that matches, as a number:
	// 2 means P1 or P2. 0 matches any priority, including none.
	MinPriority int
}

// empty reports whether no criterion is set.
func (c Criteria) empty() bool {
	return c.Title == nil && c.Summary == nil && len(c.Component) == 0 && len(c.Class) == 0 &&
		len(c.Source) == 0 && c.Urgency == "" && c.MinPriority == 0
}

// alertScoped reports whether any per-alert criterion is set.
func (c Criteria) alertScoped() bool {
	return c.Summary != nil || len(c.Component) > 0 || len(c.Class) > 0 || len(c.Source) > 0
}

// Section is a part of the body that starts at a level-1 or level-2
// heading. Text before the first heading is a section with an empty Title.
type Section struct {
	Title    string // heading text without the #s
	Line     int    // file line of the heading, or of the first body line
	Markdown string // the section's Markdown, heading included
}

// StepKind tells checklist items from commands.
type StepKind int

// Kinds of steps.
const (
	Check   StepKind = iota + 1 // a "- [ ]" checklist item
	Command                     // a fenced code block
)

func (k StepKind) String() string {
	switch k {
	case Check:
		return "check"
	case Command:
		return "command"
	default:
		return fmt.Sprintf("StepKind(%d)", int(k))
	}
}

// Step is one thing a responder does: tick a checklist item or run a
// command.
type Step struct {
	// Key identifies the step within its runbook, derived from the
	// runbook id and the step's text: "<runbook id>/<12 hex digits>", with
	// "-2", "-3" appended to repeats of the same text. It survives edits
	// to other steps and moving the step to another section.
	Key  string
	Kind StepKind
	// Text is a checklist item's text (inline Markdown, continuation lines
	// joined with spaces) or a code block's content (LF-separated, without
	// the fences and without the trailing newline).
	Text string
	// Lang is a code block's info string up to the first space ("sh").
	Lang string
	// Checked is true for a "- [x]" item: already ticked in the file.
	Checked bool
	// Section is the Title of the section the step is in.
	Section string
	// Line is the file line of the item or of the opening fence.
	Line int

	// The rest is a command's, read from the info string after the
	// language ("sh oncall:read timeout=30s name=check-acquirer").

	// Mode is ModeRead or ModeWrite; a block without an oncall: mode is
	// ModeWrite, the safe default, and Marked is false.
	Mode   string
	Marked bool
	// Timeout bounds a run; 0 means DefaultTimeout.
	Timeout time.Duration
	// Name is the name= attribute: what a responder types to confirm a
	// write, and how the command line names the step.
	Name string
	// Of is the Key of the checklist item the command belongs to (the
	// last item before it in its section), or "" when it stands alone.
	// Ticking and running a command mark that item.
	Of string
}

// Command modes, as incident's vocabulary names them.
const (
	ModeRead  = incident.ModeRead
	ModeWrite = incident.ModeWrite
)

// Limits of a command's timeout.
const (
	DefaultTimeout = 60 * time.Second
	MaxTimeout     = 10 * time.Minute
)

// RunTimeout is how long a command step may run.
func (s Step) RunTimeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// Runnable reports whether oncall may run the step: a command block in a
// shell's language (or none), or one marked with an oncall: mode whatever
// its language says.
func (s Step) Runnable() bool {
	if s.Kind != Command || strings.TrimSpace(s.Text) == "" {
		return false
	}
	return s.Marked || shellLangs(strings.ToLower(s.Lang))
}

// shellLangs are the info-string languages whose blocks are shell commands.
// A switch, not a map literal, which Go would build at package init.
func shellLangs(lang string) bool {
	switch lang {
	case "", "sh", "bash", "shell", "zsh":
		return true
	}
	return false
}

// Label is how the step is named to a person: its name=, else its text's
// first line.
func (s Step) Label() string {
	if s.Name != "" {
		return s.Name
	}
	first, _, _ := strings.Cut(s.Text, "\n")
	return first
}

// StepByKey finds a step by its Key.
func (r *Runbook) StepByKey(key string) (Step, bool) {
	for _, s := range r.Steps {
		if s.Key == key {
			return s, true
		}
	}
	return Step{}, false
}

// ReviewDue returns when the runbook is next due for review. ok is false
// when the runbook does not say when it was last reviewed.
func (r *Runbook) ReviewDue() (due time.Time, ok bool) {
	if r.LastReviewed.IsZero() {
		return time.Time{}, false
	}
	every := r.ReviewEveryDays
	if every <= 0 {
		every = DefaultReviewEveryDays
	}
	return r.LastReviewed.AddDate(0, 0, every), true
}

// Overdue reports whether the runbook's review date has passed at now.
// A runbook without a last_reviewed date is never overdue (Lint warns
// about it separately).
func (r *Runbook) Overdue(now time.Time) bool {
	due, ok := r.ReviewDue()
	if !ok {
		return false
	}
	y, m, d := now.In(time.UTC).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return due.Before(today)
}

// Severity grades a Diagnostic.
type Severity int

// Severities. An Error makes a file unusable; a Warning does not.
const (
	Error Severity = iota + 1
	Warning
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return fmt.Sprintf("Severity(%d)", int(s))
	}
}

// Diagnostic is one problem found in a runbook file.
type Diagnostic struct {
	File     string
	Line     int // 1-based; 0 when the problem is the file as a whole (it cannot be read)
	Severity Severity
	Message  string
}

// String formats d the way compilers do, so that editors can jump to it:
// "file:line: message" for errors and "file:line: warning: message" for
// warnings.
func (d Diagnostic) String() string {
	prefix := d.File
	if d.Line > 0 {
		prefix = fmt.Sprintf("%s:%d", d.File, d.Line)
	}
	if d.Severity == Warning {
		return prefix + ": warning: " + d.Message
	}
	return prefix + ": " + d.Message
}

// HasErrors reports whether any diagnostic is an Error.
func HasErrors(ds []Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}
