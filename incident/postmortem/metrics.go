package postmortem

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// SLO is a service level objective: the share of good minutes a service
// promises over a rolling window.
type SLO struct {
	Target float64       // e.g. 0.999 for 99.9%; must be in (0, 1)
	Window time.Duration // e.g. 28 * 24 * time.Hour
}

// Valid reports whether s can price an error budget. A target written as a
// percentage (99.9) is not valid: it would make a negative budget.
func (s SLO) Valid() bool {
	return s.Target > 0 && s.Target < 1 && s.Window > 0
}

// Budget is the window's error budget: (1-Target)*Window.
func (s SLO) Budget() time.Duration {
	return time.Duration(math.Round((1 - s.Target) * float64(s.Window)))
}

// Hours is a daily span of hours, [Start, End) after midnight: working
// hours (Monday to Friday, End after Start) or sleep hours (every day; an
// End before Start wraps past midnight).
type Hours struct {
	Start, End time.Duration
}

// The hours when none are configured.
var (
	DefaultWorkHours  = Hours{Start: 9 * time.Hour, End: 18 * time.Hour}
	DefaultSleepHours = Hours{Start: 22 * time.Hour, End: 7 * time.Hour}
)

func (h Hours) orDefault() Hours {
	if h.End <= h.Start || h.Start < 0 || h.End > 24*time.Hour {
		return DefaultWorkHours
	}
	return h
}

func (h Hours) sleepOrDefault() Hours {
	if h.Start == h.End || h.Start < 0 || h.End < 0 || h.Start >= 24*time.Hour || h.End > 24*time.Hour {
		return DefaultSleepHours
	}
	return h
}

// clockOf is t's time of day in loc (nil: UTC).
func clockOf(t time.Time, loc *time.Location) time.Duration {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
}

// sleeping reports whether t falls in the sleep hours h in loc, any day.
func sleeping(t time.Time, loc *time.Location, h Hours) bool {
	c := clockOf(t, loc)
	if h.Start <= h.End {
		return c >= h.Start && c < h.End
	}
	return c >= h.Start || c < h.End
}

// WorkingTime reports whether t falls in the default working hours
// (09:00 to 18:00, Monday to Friday) in loc (nil: UTC).
func WorkingTime(t time.Time, loc *time.Location) bool { return working(t, loc, DefaultWorkHours) }

// working reports whether t falls in the working hours h in loc (nil: UTC).
func working(t time.Time, loc *time.Location, h Hours) bool {
	if loc == nil {
		loc = time.UTC
	}
	if wd := t.In(loc).Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	c := clockOf(t, loc)
	return c >= h.Start && c < h.End
}

// AddBusinessDays returns the date n working days (Monday to Friday) after
// the calendar date of t in loc (nil: UTC), as a date in loc.
func AddBusinessDays(t time.Time, n int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day
}

// ReviewDue is when the postmortem review meeting is due for an incident of
// the given severity (1 highest) resolved at resolved: 3 calendar days for
// severity 1, 5 business days for severity 2. ok is false for other
// severities and an unknown resolution time.
func ReviewDue(severity int, resolved time.Time, loc *time.Location) (due time.Time, ok bool) {
	if resolved.IsZero() {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	switch severity {
	case 1:
		y, m, d := resolved.In(loc).Date()
		return time.Date(y, m, d+3, 0, 0, 0, 0, loc), true
	case 2:
		return AddBusinessDays(resolved, 5, loc), true
	}
	return time.Time{}, false
}

func review(priority string, resolved time.Time, loc *time.Location) Review {
	r := Review{Severity: severity(priority)}
	switch r.Severity {
	case 1:
		r.Rule = "highest severity: within 3 calendar days of resolution"
	case 2:
		r.Rule = "second severity: within 5 business days of resolution"
	default:
		r.Rule = "no deadline for this priority: schedule one if the team reviews it"
		return r
	}
	if due, ok := ReviewDue(r.Severity, resolved, loc); ok {
		r.Due = due.Format(time.DateOnly)
	}
	return r
}

// seconds is d in whole seconds, for the *_seconds fields.
func seconds(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }

// span is end-start in seconds, or nil when either end is unknown or the
// clocks disagree.
func span(start, end time.Time) *int64 {
	if start.IsZero() || end.IsZero() || end.Before(start) {
		return nil
	}
	s := seconds(end.Sub(start))
	return &s
}

// tookEffect reports whether an event changed the incident: local actions
// PagerDuty refused did not.
func tookEffect(e incident.Event) bool { return e.State != incident.Failed }

func metrics(in Input, events []incident.Event, loc *time.Location) Metrics {
	var m Metrics
	m.DetectedAt = utc(in.Incident.CreatedAt)
	for _, e := range events {
		if !tookEffect(e) || e.At.IsZero() {
			continue
		}
		at := e.At.UTC()
		switch e.Kind {
		case incident.KindTrigger:
			if m.DetectedAt.IsZero() {
				m.DetectedAt = at
			}
		case incident.KindAlert:
			if m.StartedAt.IsZero() {
				m.StartedAt = at
			}
		case incident.KindAcknowledge:
			if m.AcknowledgedAt.IsZero() {
				m.AcknowledgedAt = at
			}
		case incident.KindMitigated:
			if m.MitigatedAt.IsZero() {
				m.MitigatedAt = at
			}
		case incident.KindEscalate:
			m.Escalations++
		case incident.KindNotify:
			m.Pages++
			if !working(at, loc, in.WorkHours.orDefault()) {
				m.PagesOutsideWorkingHours++
			}
			if sleeping(at, loc, in.SleepHours.sleepOrDefault()) {
				m.PagesInSleepHours++
			}
		}
	}
	// An alert grouped into the incident later does not start it later.
	if m.StartedAt.IsZero() || (!m.DetectedAt.IsZero() && m.DetectedAt.Before(m.StartedAt)) {
		m.StartedAt = m.DetectedAt
	}
	if in.Incident.Status == incident.Resolved {
		m.ResolvedAt = resolvedAt(in.Incident, events)
	}
	m.TimeToDetect = span(m.StartedAt, m.DetectedAt)
	m.TimeToAcknowledge = span(m.DetectedAt, m.AcknowledgedAt)
	m.TimeToMitigate = span(m.StartedAt, m.MitigatedAt)
	m.TimeToResolve = span(m.StartedAt, m.ResolvedAt)
	m.PeoplePaged = peoplePaged(in.Incident, events)
	return m
}

var (
	notifiedPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^Notified (.+?) (?:by|via) [^.]+\.?$`)
	})
	assignedPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^Assigned to (.+?)\.?$`)
	})
)

// peoplePaged are the distinct people notified or assigned, from
// PagerDuty's log ("Notified Jane Doe by push notification.", "Assigned to
// Jane Doe, Ravi Kumar.") and the incident's assignees, sorted.
func peoplePaged(inc incident.Incident, events []incident.Event) []string {
	set := make(map[string]bool)
	for _, a := range inc.Assignees {
		if n := oneLine(a.Name); n != "" {
			set[n] = true
		}
	}
	for _, e := range events {
		if !tookEffect(e) {
			continue
		}
		s := oneLine(e.Summary)
		switch e.Kind {
		case incident.KindNotify:
			if m := notifiedPattern().FindStringSubmatch(s); m != nil {
				set[m[1]] = true
			} else if a := oneLine(e.Actor); a != "" {
				set[a] = true
			}
		case incident.KindAssign:
			if m := assignedPattern().FindStringSubmatch(s); m != nil {
				for n := range strings.SplitSeq(m[1], ", ") {
					if n = strings.TrimSpace(n); n != "" {
						set[n] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func impact(in Input, events []incident.Event, m Metrics) Impact {
	im := Impact{Start: m.StartedAt, Priorities: []Period{}, Urgencies: []Period{}}
	end := m.MitigatedAt
	switch {
	case !m.MitigatedAt.IsZero():
		im.EndedBy = "mitigated"
	case !m.ResolvedAt.IsZero():
		im.EndedBy, end = "resolved", m.ResolvedAt
	default:
		im.EndedBy, end = "ongoing", utc(in.Now)
	}
	if im.EndedBy != "ongoing" {
		im.End = end
	}
	im.DurationSeconds = span(im.Start, end)

	// Priority and urgency count while the incident is open: from
	// detection to resolution (or now).
	open, close := m.DetectedAt, m.ResolvedAt
	if close.IsZero() {
		close = utc(in.Now)
	}
	im.Priorities = periods(events, "priority", oneLine(in.Incident.Priority), open, close)
	im.Urgencies = periods(events, "urgency", oneLine(string(in.Incident.Urgency)), open, close)

	if slo, ok := sloFor(in); ok && im.DurationSeconds != nil {
		budget := (1 - slo.Target) * slo.Window.Seconds()
		consumed := *im.DurationSeconds
		im.ErrorBudget = &ErrorBudget{
			Target:          slo.Target,
			WindowSeconds:   seconds(slo.Window),
			BudgetSeconds:   math.Round(budget*1000) / 1000,
			ConsumedSeconds: consumed,
			ConsumedPercent: math.Round(float64(consumed)/budget*100*100) / 100,
		}
	}
	return im
}

// sloFor finds the incident's service's SLO by service id, then name.
func sloFor(in Input) (SLO, bool) {
	for _, key := range []string{in.Incident.Service.ID, in.Incident.Service.Name} {
		if s, ok := in.SLOs[key]; ok && key != "" {
			return s, s.Valid()
		}
	}
	return SLO{}, false
}

// changePattern reads PagerDuty's log of a priority or urgency change:
// "Priority changed from P3 to P1.", "Urgency changed to high".
var changePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^(priority|urgency)\b.*?\b(?:changed|raised|lowered|set|updated|escalated|downgraded)\b(?:.*?\bfrom\s+(\S+?))?\s+to\s+(\S+?)[.!]?$`)
})

// periods splits [open, close] at each change of what (priority or
// urgency) found in the timeline. Without changes the incident spent the
// whole time at its current value. The value before the first change is
// the change's "from", or "unknown".
func periods(events []incident.Event, what, current string, open, close time.Time) []Period {
	if open.IsZero() || close.Before(open) {
		return []Period{}
	}
	type change struct {
		at       time.Time
		from, to string
	}
	var changes []change
	for _, e := range events {
		m := changePattern().FindStringSubmatch(oneLine(e.Summary))
		if m == nil || !strings.EqualFold(m[1], what) || e.At.Before(open) || e.At.After(close) || !tookEffect(e) {
			continue
		}
		changes = append(changes, change{e.At.UTC(), m[2], m[3]})
	}
	norm := func(s string) string {
		if what == "urgency" {
			return strings.ToLower(s)
		}
		return s
	}
	value := current
	if len(changes) > 0 {
		value = orText(changes[0].from, "unknown")
	}
	value = norm(orText(value, "unknown"))
	var out []Period
	from := open
	add := func(to time.Time) {
		if n := len(out); n > 0 && out[n-1].Value == value {
			out[n-1].Seconds += seconds(to.Sub(from))
			return
		}
		out = append(out, Period{Value: value, From: from, Seconds: seconds(to.Sub(from))})
	}
	for _, c := range changes {
		add(c.at)
		from, value = c.at, norm(c.to)
	}
	add(close)
	return out
}

// offset is loc's offset from UTC at the incident's start (or at now),
// e.g. "+01:00".
func offset(start, now time.Time, loc *time.Location) string {
	t := start
	if t.IsZero() {
		t = now
	}
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.In(loc).Format("-07:00")
}
