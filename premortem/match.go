package premortem

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Match is one failure an incident looks like.
type Match struct {
	Failure *Failure
	// Score is how many rules held (the service, each match criterion
	// and the calendar window each count one).
	Score int
	// Why lists what held, e.g. "service billing-api", "title matches
	// (?i)invoice", "began on day 15, within days 10-20". It quotes
	// incident text: pass it through incident.Clean for display.
	Why []string
}

// Match returns the failures the incident matches, best first (most
// rules held, then higher impact, then id). The rules are a runbook's
// (package runbook decides them), and a failure with days_of_month also
// needs the incident to have begun on one of those days in loc (UTC when
// nil). Alert criteria need alerts: call Match again when they arrive.
func (s *Set) Match(inc incident.Incident, alerts []incident.Alert, loc *time.Location) []Match {
	if s == nil || s.rules == nil {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	var out []Match
	for _, m := range s.rules.Match(inc, alerts) {
		if m.Runbook == nil {
			continue // a runbook link from an alert: not a failure
		}
		f, ok := s.byID[m.Runbook.ID]
		if !ok {
			continue
		}
		got := Match{Failure: f, Score: m.Score, Why: slices.Clone(m.Why)}
		if f.Days != nil {
			d := inc.CreatedAt.In(loc).Day()
			if inc.CreatedAt.IsZero() || !f.Days.Contains(d) {
				continue
			}
			got.Score++
			got.Why = append(got.Why, fmt.Sprintf("began on day %d, within days %s", d, f.Days))
		}
		out = append(out, got)
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Failure.Impact, a.Failure.Impact),
			cmp.Compare(a.Failure.ID, b.Failure.ID))
	})
	return out
}

// Seen is an incident with the alerts known for it, for the register.
type Seen struct {
	Incident incident.Incident
	Alerts   []incident.Alert
}

// Row is one failure in the risk register.
type Row struct {
	Failure *Failure
	// Counts holds how many countermeasures the failure has, by phase and
	// then status; absent keys are zero.
	Counts map[Phase]map[Status]int
	// Matched is how many distinct incidents matched the failure: by its
	// rules, or by a countermeasure of it ticked in the journal.
	Matched int
	// Last is when the latest of them began (or, for an incident known
	// from the journal only, when its first countermeasure was ticked).
	Last time.Time
	// Incidents are their ids, latest first.
	Incidents []string
}

// Register returns the risk register: every failure, ranked by impact,
// then likelihood (unrated last), then id, with its countermeasures
// counted and the incidents that matched it among seen and journal. With
// service set, only failures of that service (by the name or id the file
// gives, ignoring case) are listed.
func (s *Set) Register(seen []Seen, journal []incident.Event, loc *time.Location, service string) []Row {
	if s == nil {
		return nil
	}
	hits := make(map[string]map[string]time.Time) // failure id -> incident id -> time
	note := func(fid, iid string, at time.Time) {
		if hits[fid] == nil {
			hits[fid] = make(map[string]time.Time)
		}
		if _, ok := hits[fid][iid]; !ok {
			hits[fid][iid] = at
		}
	}
	for _, x := range seen {
		for _, m := range s.Match(x.Incident, x.Alerts, loc) {
			note(m.Failure.ID, x.Incident.ID, x.Incident.CreatedAt)
		}
	}
	for _, e := range journal {
		if e.Kind != incident.KindCountermeasure || e.IncidentID == "" {
			continue
		}
		fid := e.Fields[incident.FieldFailure]
		if _, ok := s.byID[fid]; !ok {
			continue
		}
		if _, known := hits[fid][e.IncidentID]; known {
			continue // the incident's own start time is the better date
		}
		note(fid, e.IncidentID, e.At)
	}
	var rows []Row
	for _, f := range s.failures {
		if service != "" && !strings.EqualFold(f.Service, service) {
			continue
		}
		r := Row{Failure: f, Counts: make(map[Phase]map[Status]int)}
		for _, c := range f.Countermeasures {
			if r.Counts[c.Phase] == nil {
				r.Counts[c.Phase] = make(map[Status]int)
			}
			r.Counts[c.Phase][c.Status]++
		}
		for iid, at := range hits[f.ID] {
			r.Matched++
			r.Incidents = append(r.Incidents, iid)
			if at.After(r.Last) {
				r.Last = at
			}
		}
		slices.SortFunc(r.Incidents, func(a, b string) int {
			return cmp.Or(hits[f.ID][b].Compare(hits[f.ID][a]), cmp.Compare(a, b))
		})
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		la, lb := a.Failure.Likelihood, b.Failure.Likelihood
		return cmp.Or(cmp.Compare(b.Failure.Impact, a.Failure.Impact), cmp.Compare(lb, la))
	})
	return rows
}

// Reminder is a countermeasure whose reminder has come.
type Reminder struct {
	Failure        *Failure
	Countermeasure Countermeasure
}

// Due returns the countermeasures not done whose remind_at is on or
// before now's date (UTC), earliest reminder first.
func (s *Set) Due(now time.Time) []Reminder {
	if s == nil {
		return nil
	}
	today := day(now)
	var out []Reminder
	for _, f := range s.failures {
		for _, c := range f.Countermeasures {
			if c.reminderCome(today) {
				out = append(out, Reminder{Failure: f, Countermeasure: c})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Reminder) int {
		return cmp.Or(a.Countermeasure.RemindAt.Compare(b.Countermeasure.RemindAt), cmp.Compare(a.Failure.ID, b.Failure.ID))
	})
	return out
}

// reminderCome reports whether the countermeasure is not done and its
// reminder date is today or past.
func (c Countermeasure) reminderCome(today time.Time) bool {
	return !c.RemindAt.IsZero() && c.Status != Done && !c.RemindAt.After(today)
}

// NeedsAlerts reports whether matching the failure looks at alerts
// (summary, component, class or source rules), so that a caller listing
// many incidents fetches alerts only for the incidents that need them.
func (f *Failure) NeedsAlerts() bool {
	c := f.rb.Match
	return c.Summary != nil || len(c.Component) > 0 || len(c.Class) > 0 || len(c.Source) > 0
}

// NeedsAlerts reports whether some failure of the incident's service (by
// id or name, any case) matches on alerts.
func (s *Set) NeedsAlerts(svc incident.Ref) bool {
	if s == nil {
		return false
	}
	for _, f := range s.failures {
		if (svc.ID != "" && strings.EqualFold(f.Service, svc.ID) || svc.Name != "" && strings.EqualFold(f.Service, svc.Name)) && f.NeedsAlerts() {
			return true
		}
	}
	return false
}
