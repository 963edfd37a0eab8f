package postmortem

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Section is a section another part of the program adds to the draft (the
// commands a responder ran, a pre-mortem's failures): the hook that lets
// them be wired in without changing this package. Its bodies are rendered
// by their owner, who escapes outside text in them: Markdown as cell and
// code do here, HTML with html.EscapeString or html/template. The title is
// plain text and is escaped here.
type Section struct {
	Title    string // heading text, plain
	Markdown string // the body as Markdown, without the heading
	HTML     string // the body as an HTML fragment, without the heading
	Key      string // the JSON key under "sections"
	Value    any    // the JSON value; it must marshal
}

// RunbookLinks are a runbook matched to the incident, with the links it
// lists (dashboards, consoles, docs), for Supporting information.
type RunbookLinks struct {
	Title string
	Links []Link
}

// Link is a labelled address.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"` // only a plain http(s) address
}

// Candidate is an earlier incident that may be related: Build keeps it when
// it shares the service or an alert key and began in the 90 days before.
type Candidate struct {
	Incident  incident.Incident
	AlertKeys []string
	Draft     string // its draft's path or address, if one was written
}

// RelatedWindow is how far back a related incident may have begun.
const RelatedWindow = 90 * 24 * time.Hour

// People are those the postmortem names besides the incident's record:
// left for the writer, so empty in a fresh draft.
type People struct {
	Owner     string   `json:"owner,omitempty"`
	Authors   []string `json:"authors"`
	Reviewers []string `json:"reviewers"`
	Attendees []string `json:"attendees"`
}

// Trigger is what set the incident off, as far as the record says.
type Trigger struct {
	At      time.Time `json:"at,omitzero"`
	Alert   string    `json:"alert,omitempty"`    // the first alert's summary
	AlertID string    `json:"alert_id,omitempty"` // its id
	Source  string    `json:"source,omitempty"`   // who or what triggered the incident
}

// Resolution is how the impact ended, as far as the record says.
type Resolution struct {
	MitigatedAt time.Time `json:"mitigated_at,omitzero"`
	MitigatedBy string    `json:"mitigated_by,omitempty"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
	ResolvedBy  string    `json:"resolved_by,omitempty"`
}

// NotificationStep folds the routine notifications of one escalation step
// into one timeline line: who was notified, and how.
type NotificationStep struct {
	Step     int            `json:"step"` // 1 for those after the trigger, +1 per escalation or reassignment
	At       time.Time      `json:"at"`   // the first notification
	Count    int            `json:"count"`
	People   []NotifiedUser `json:"people"`
	EventIDs []string       `json:"event_ids"`
}

// NotifiedUser is a person notified in a step, with the channels used.
type NotifiedUser struct {
	Name     string   `json:"name"`
	Channels []string `json:"channels"`
}

// RelatedIncident is an earlier incident on the same service or with the
// same alert key: a repeat worth naming.
type RelatedIncident struct {
	ID        string    `json:"id"`
	Number    int       `json:"number,omitempty"`
	Title     string    `json:"title"`
	URL       string    `json:"url,omitempty"`
	Service   string    `json:"service"`
	CreatedAt time.Time `json:"created_at"`
	Why       string    `json:"why"`             // "same service", "same alert key", or both
	Draft     string    `json:"draft,omitempty"` // its draft, when one is known
}

// SupportingLink is a dashboard or document carried over from a matched
// runbook or from an alert.
type SupportingLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
	From  string `json:"from"` // "runbook <title>" or "alert <summary>"
}

// keyKinds are the events the key-moments table shows besides starred
// ones: every change of state, decision and role. The handoff kind is a
// role changing hands. A switch, not a map literal built at package init.
func keyKinds(k incident.Kind) bool {
	switch k {
	case incident.KindTrigger, incident.KindAcknowledge, incident.KindResolve,
		incident.KindEscalate, incident.KindReassign, incident.KindSnooze,
		incident.KindMitigated, incident.KindReopen, incident.KindDecision,
		incident.KindRole, incident.KindHandoff:
		return true
	}
	return false
}

// notified reads PagerDuty's "Notified Jane Doe by push notification."
var notified = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^Notified (.+?) (?:by|via) (.+?)\.?$`)
})

// extend fills the sections that read the whole report: the trigger, the
// resolution, the key moments, the folded notifications, tickets of
// action items, related incidents and supporting links.
func (r *Report) extend(in Input, events []incident.Event) {
	r.People = People{Authors: []string{}, Reviewers: []string{}, Attendees: []string{}}
	r.NotificationSteps, r.Related, r.SupportingLinks = []NotificationStep{}, []RelatedIncident{}, []SupportingLink{}
	for _, e := range events {
		switch {
		case e.Kind == incident.KindAlert && r.Trigger.Alert == "":
			r.Trigger.At, r.Trigger.Alert, r.Trigger.AlertID = utc(e.At), oneLine(e.Summary), oneLine(e.ID)
		case e.Kind == incident.KindTrigger && r.Trigger.Source == "":
			r.Trigger.Source = oneLine(e.Actor)
			if r.Trigger.At.IsZero() {
				r.Trigger.At = utc(e.At)
			}
		case e.Kind == incident.KindMitigated && e.State != incident.Failed && r.Resolution.MitigatedAt.IsZero():
			r.Resolution.MitigatedAt, r.Resolution.MitigatedBy = utc(e.At), oneLine(e.Actor)
		case e.Kind == incident.KindResolve && e.State != incident.Failed:
			r.Resolution.ResolvedBy = oneLine(e.Actor)
		}
	}
	r.Resolution.ResolvedAt = r.Incident.ResolvedAt
	if by := oneLine(in.Incident.ResolvedBy); by != "" {
		r.Resolution.ResolvedBy = by
	}

	// A notification belongs to the step of the escalations up to its
	// second: PagerDuty logs the notification of a new level in the same
	// second as the escalation, and sometimes before it.
	var escalations []time.Time
	for _, e := range r.Timeline {
		if (e.Kind == string(incident.KindEscalate) || e.Kind == string(incident.KindReassign)) && e.State != string(incident.Failed) {
			escalations = append(escalations, e.At.Truncate(time.Second))
		}
	}
	last := -1
	for i := range r.Timeline {
		e := &r.Timeline[i]
		failed := e.State == string(incident.Failed)
		e.Key = !failed && (e.Starred || keyKinds(incident.Kind(e.Kind)))
		switch incident.Kind(e.Kind) {
		case incident.KindNotify:
			step := 1
			for _, at := range escalations {
				if !at.After(e.At) {
					step++
				}
			}
			if last < 0 || r.NotificationSteps[last].Step != step {
				r.NotificationSteps = append(r.NotificationSteps, NotificationStep{Step: step, At: e.At, People: []NotifiedUser{}, EventIDs: []string{}})
				last = len(r.NotificationSteps) - 1
			}
			ns := &r.NotificationSteps[last]
			ns.Count++
			ns.EventIDs = append(ns.EventIDs, e.ID)
			name, channel := e.Actor, ""
			if m := notified().FindStringSubmatch(e.Text); m != nil {
				name, channel = m[1], m[2]
			}
			at := slices.IndexFunc(ns.People, func(p NotifiedUser) bool { return p.Name == name })
			if at < 0 {
				ns.People = append(ns.People, NotifiedUser{Name: name, Channels: []string{}})
				at = len(ns.People) - 1
			}
			if channel != "" && !slices.Contains(ns.People[at].Channels, channel) {
				ns.People[at].Channels = append(ns.People[at].Channels, channel)
			}
		}
	}

	r.itemUpdates(events)
	r.related(in)
	r.supporting(in)
	if in.FiveWhys {
		r.FiveWhys = make([]string, 5)
	}
	r.extra = in.Sections
	for _, s := range in.Sections {
		if s.Key == "" {
			continue
		}
		if r.Sections == nil {
			r.Sections = map[string]any{}
		}
		r.Sections[s.Key] = s.Value
	}
}

// itemUpdates applies the commander's changes to action items: the ticket
// an item was linked to, and whether it is done.
func (r *Report) itemUpdates(events []incident.Event) {
	byID := map[string]int{}
	for i, a := range r.ActionItems {
		byID[a.EventID] = i
	}
	for _, e := range events {
		if e.Kind != incident.KindItemUpdate || e.State == incident.Failed {
			continue
		}
		i, ok := byID[oneLine(e.Fields[incident.FieldItem])]
		if !ok {
			continue
		}
		switch e.Fields[incident.FieldChange] {
		case incident.ChangeLinked:
			if u := safeURL(e.Fields[incident.FieldTicket]); u != "" {
				r.ActionItems[i].Ticket = u
			}
		case incident.ChangeDone, incident.ChangeCancelled:
			r.ActionItems[i].State = e.Fields[incident.FieldChange]
		case incident.ChangeReopened:
			r.ActionItems[i].State = "open"
		}
	}
}

func (r *Report) related(in Input) {
	inc := in.Incident
	start := inc.CreatedAt
	if start.IsZero() {
		start = in.Now
	}
	keys := map[string]bool{}
	for _, k := range in.AlertKeys {
		if k = oneLine(k); k != "" {
			keys[k] = true
		}
	}
	for _, c := range in.Related {
		o := c.Incident
		if o.ID == inc.ID || o.CreatedAt.IsZero() || !o.CreatedAt.Before(start) || start.Sub(o.CreatedAt) > RelatedWindow {
			continue
		}
		var why []string
		if (inc.Service.ID != "" && o.Service.ID == inc.Service.ID) || (inc.Service.ID == "" && inc.Service.Name != "" && o.Service.Name == inc.Service.Name) {
			why = append(why, "same service")
		}
		if slices.ContainsFunc(c.AlertKeys, func(k string) bool { return keys[oneLine(k)] }) {
			why = append(why, "same alert key")
		}
		if len(why) == 0 {
			continue
		}
		r.Related = append(r.Related, RelatedIncident{ID: oneLine(o.ID), Number: o.Number, Title: oneLine(o.Title),
			URL: safeURL(o.URL), Service: oneLine(o.Service.Name), CreatedAt: utc(o.CreatedAt),
			Why: strings.Join(why, ", "), Draft: oneLine(c.Draft)})
	}
	slices.SortStableFunc(r.Related, func(a, b RelatedIncident) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID)) // newest first
	})
}

func (r *Report) supporting(in Input) {
	seen := map[string]bool{}
	add := func(label, u, from string) {
		if u = safeURL(u); u == "" || seen[u] {
			return
		}
		seen[u] = true
		r.SupportingLinks = append(r.SupportingLinks, SupportingLink{Label: orText(oneLine(label), u), URL: u, From: oneLine(from)})
	}
	for _, rb := range in.Runbooks {
		for _, l := range rb.Links {
			add(l.Label, l.URL, "runbook "+orText(oneLine(rb.Title), "untitled"))
		}
	}
	for _, a := range in.Alerts {
		from := "alert " + orText(oneLine(a.Summary), oneLine(a.ID))
		for _, k := range slices.Sorted(maps.Keys(a.Details)) {
			switch v := a.Details[k].(type) {
			case string:
				add(k, v, from)
			case []any:
				// Events API links: [{"href": ..., "text": ...}].
				for i, x := range v {
					if m, ok := x.(map[string]any); ok {
						href, _ := m["href"].(string)
						text, _ := m["text"].(string)
						add(orText(text, k+" "+strconv.Itoa(i+1)), href, from)
					}
				}
			}
		}
	}
}
