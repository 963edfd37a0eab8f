package premortem

import (
	"bytes"
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/incident"
)

// Draft is the postmortem's section "Foreseen in a pre-mortem?": what a
// workshop expected beside what happened. Its JSON form is the draft's
// "premortem" object. Every text in it is cleaned to one line (Clean);
// Markdown escapes it, HTML escapes it, and encoding/json escapes <, > and &.
type Draft struct {
	// Foreseen is true when a failure matched.
	Foreseen bool           `json:"foreseen"`
	Failures []DraftFailure `json:"failures,omitempty"`
	Happened Happened       `json:"happened"`
	// Stub is a YAML failure built from the incident, for the next
	// workshop, when nothing matched.
	Stub string `json:"stub,omitempty"`
	// Prompts are questions for people to answer in the postmortem.
	Prompts []string `json:"prompts"`
}

// Happened is what the incident was, to set beside what was foreseen.
type Happened struct {
	Minutes    int    `json:"minutes"` // from start to resolve, or to now when open
	Ongoing    bool   `json:"ongoing"`
	DayOfMonth int    `json:"day_of_month"` // the day it began, in the team's zone
	Urgency    string `json:"urgency"`
	Priority   string `json:"priority,omitempty"`
}

// DraftFailure is one matched failure in the draft.
type DraftFailure struct {
	ID          string                `json:"id"`
	Service     string                `json:"service"`
	Failure     string                `json:"failure"`
	Period      string                `json:"period,omitempty"`
	DaysOfMonth string                `json:"days_of_month,omitempty"`
	Impact      int                   `json:"impact"`
	Likelihood  int                   `json:"likelihood,omitempty"`
	Premortem   DraftWorkshop         `json:"premortem"`
	Why         []string              `json:"why"`
	Before      []DraftCountermeasure `json:"before"`
	During      []DraftCountermeasure `json:"during"`
	After       []DraftCountermeasure `json:"after"`
}

// DraftWorkshop names the workshop a failure comes from.
type DraftWorkshop struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	HeldOn string `json:"held_on,omitempty"` // YYYY-MM-DD
	File   string `json:"file"`
}

// DraftCountermeasure is a countermeasure as the draft shows it.
type DraftCountermeasure struct {
	Key      string `json:"key"`
	Action   string `json:"action"`
	Status   Status `json:"status"`
	Owner    string `json:"owner,omitempty"`
	Runbook  string `json:"runbook,omitempty"`
	RemindAt string `json:"remind_at,omitempty"`
	// Ticked is set for during countermeasures: whether a responder ticked
	// it during this incident (the journal's last word on it).
	Ticked *bool `json:"ticked,omitempty"`
}

// NewDraft builds the section for inc from the failures it matched (from
// Set.Match) and the incident's journal (its countermeasure events tick
// the during checklist). Times of day are read in loc (UTC when nil);
// now ends an incident still open.
func NewDraft(inc incident.Incident, matches []Match, journal []incident.Event, loc *time.Location, now time.Time) Draft {
	if loc == nil {
		loc = time.UTC
	}
	d := Draft{Foreseen: len(matches) > 0, Happened: happened(inc, loc, now)}
	ticked := Ticked(inc.ID, journal)
	for _, m := range matches {
		f := m.Failure
		df := DraftFailure{
			ID: f.ID, Service: clean(f.Service), Failure: clean(f.Failure), Period: clean(f.Period),
			Impact: f.Impact, Likelihood: f.Likelihood,
			Premortem: DraftWorkshop{ID: f.Premortem.ID, Title: clean(f.Premortem.Title), File: f.Premortem.File},
			Before:    []DraftCountermeasure{}, During: []DraftCountermeasure{}, After: []DraftCountermeasure{},
		}
		for _, w := range m.Why {
			df.Why = append(df.Why, clean(w))
		}
		if f.Days != nil {
			df.DaysOfMonth = f.Days.String()
		}
		if !f.Premortem.HeldOn.IsZero() {
			df.Premortem.HeldOn = f.Premortem.HeldOn.Format(time.DateOnly)
		}
		for _, c := range f.Countermeasures {
			dc := DraftCountermeasure{Key: c.Key, Action: clean(c.Action), Status: c.Status, Owner: clean(c.Owner), Runbook: c.Runbook}
			if !c.RemindAt.IsZero() {
				dc.RemindAt = c.RemindAt.Format(time.DateOnly)
			}
			switch c.Phase {
			case Before:
				df.Before = append(df.Before, dc)
			case During:
				t := ticked[c.Key]
				dc.Ticked = &t
				df.During = append(df.During, dc)
			case After:
				df.After = append(df.After, dc)
			}
		}
		d.Failures = append(d.Failures, df)
	}
	if d.Foreseen {
		d.Prompts = []string{
			"Was the impact rated right, beside the others of the workshop? Re-rate it if not.",
			"Did each countermeasure in place before help? Say how, or why not.",
			"Update the pre-mortem: the period, the warning signs seen first, and countermeasures this incident suggests.",
		}
	} else {
		d.Stub = Stub(inc, loc, now)
		d.Prompts = []string{
			"Not foreseen: should the next workshop assume this failure? Paste the stub, rate its impact against the others, and add countermeasures.",
		}
	}
	return d
}

// Ticked returns, for the incident, which countermeasures (by key) were
// last marked done in the journal; events are taken in time order.
func Ticked(incidentID string, journal []incident.Event) map[string]bool {
	// Only the countermeasure events are copied and sorted: the events
	// given may be a whole 100,000-event timeline.
	var evs []incident.Event
	for _, e := range journal {
		if e.Kind == incident.KindCountermeasure && (incidentID == "" || e.IncidentID == incidentID) {
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(a, b incident.Event) int { return a.At.Compare(b.At) })
	out := make(map[string]bool)
	for _, e := range evs {
		if k := e.Fields[incident.FieldStepKey]; k != "" {
			out[k] = e.Fields[incident.FieldChange] == incident.ChangeDone
		}
	}
	return out
}

func happened(inc incident.Incident, loc *time.Location, now time.Time) Happened {
	h := Happened{Urgency: string(inc.Urgency), Priority: clean(inc.Priority)}
	end := inc.ResolvedAt
	if end.IsZero() {
		end, h.Ongoing = now, true
	}
	if !inc.CreatedAt.IsZero() {
		h.DayOfMonth = inc.CreatedAt.In(loc).Day()
		if end.After(inc.CreatedAt) {
			h.Minutes = int(end.Sub(inc.CreatedAt).Round(time.Minute) / time.Minute)
		}
	}
	return h
}

var slugRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[^a-z0-9]+`)
})

// stubFailure is the YAML shape of a failure stub, in the file's key order.
type stubFailure struct {
	ID              string   `yaml:"id"`
	Service         string   `yaml:"service"`
	Failure         string   `yaml:"failure"`
	Period          string   `yaml:"period"`
	Impact          int      `yaml:"impact"`
	WarningSigns    []string `yaml:"warning_signs"`
	Countermeasures []any    `yaml:"countermeasures"`
}

// Stub returns a failure, as a one-entry YAML list ready to paste under a
// pre-mortem's failures:, built from an incident nobody foresaw: its
// service, the failure from its title, the period from its duration and
// the day of the month it began (in loc). The impact is a middle 3 to be
// re-rated by the workshop.
func Stub(inc incident.Incident, loc *time.Location, now time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	title := clean(inc.Title)
	id := strings.Trim(slugRE().ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(id) > 48 {
		id = strings.TrimRight(id[:48], "-")
	}
	if id == "" {
		id = "incident-" + cmp.Or(slugRE().ReplaceAllString(strings.ToLower(inc.ID), ""), "unnamed")
	}
	h := happened(inc, loc, now)
	period := fmt.Sprintf("%d minutes", h.Minutes)
	if h.Ongoing {
		period = fmt.Sprintf("over %d minutes (still open when drafted)", h.Minutes)
	}
	if h.DayOfMonth > 0 {
		period += fmt.Sprintf(", on day %d of the month", h.DayOfMonth)
	}
	sf := []stubFailure{{
		ID: id, Service: cmp.Or(clean(inc.Service.Name), clean(inc.Service.ID), "unknown-service"),
		Failure: cmp.Or(title, "unnamed failure"), Period: period, Impact: 3,
		WarningSigns: []string{}, Countermeasures: []any{},
	}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(sf); err != nil {
		return ""
	}
	enc.Close()
	return "# Not foreseen; rate impact 1..5 against the workshop's other failures.\n" + b.String()
}

// clean makes outside text one safe line.
func clean(s string) string { return strings.Join(strings.Fields(incident.Clean(s)), " ") }
