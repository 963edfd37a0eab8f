// Package postmortem writes the first draft of an incident's postmortem as
// Markdown: a header, a summary skeleton, the responders, the timeline as a
// table, and the blameless review prompts that only people can answer.
//
// Invariants:
//   - Blameless: the draft describes systems, code and process. Where facts
//     are missing it leaves prompts about the system (what failed, what
//     helped), never about who is at fault. People appear only as the record
//     of who did what and when.
//   - All outside text (titles, notes, alert and log summaries, names,
//     statuses, errors, links) is untrusted. It goes through incident.Clean
//     and is then escaped, so it reads literally: it cannot add Markdown
//     structure, raw HTML or links, and it never breaks a table row.
//   - The output depends only on Input: times are written in UTC, ordering is
//     deterministic, and the clock is never read (Input.Now says when).
//   - Placeholders for the writer have the form _<word: prompt text>_, which
//     CommonMark renders literally (neither an HTML tag nor an autolink).
package postmortem

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Input is what a draft is written from.
type Input struct {
	Incident incident.Incident
	Timeline incident.Timeline // merged, oldest first
	Now      time.Time         // when the draft is written
}

const (
	timeLayout = "2006-01-02 15:04:05"
	noOne      = "—" // the Who cell of an event without an actor
)

// Markdown writes the draft for in to w. The draft is built in memory and
// written with one Write; the only error is the writer's.
func Markdown(w io.Writer, in Input) error {
	var b bytes.Buffer
	d := draft{in: in, b: &b}
	// Defensive: keep the documented order even if a caller did not merge.
	// The sort is stable, so Merge's tie order survives.
	d.events = slices.Clone(in.Timeline)
	slices.SortStableFunc(d.events, func(x, y incident.Event) int { return x.At.Compare(y.At) })

	d.header()
	d.summary()
	d.responders()
	d.timeline()
	d.prompts()

	_, err := w.Write(b.Bytes())
	return err
}

type draft struct {
	in     Input
	events []incident.Event
	b      *bytes.Buffer
}

func (d *draft) printf(format string, args ...any) { fmt.Fprintf(d.b, format, args...) }

func (d *draft) header() {
	inc := d.in.Incident
	title := cell(inc.Title)
	if title == "" {
		title = "Untitled incident"
	}
	// A heading may end in a closing sequence of '#': escape them all.
	d.printf("# Postmortem: %s\n\n", strings.ReplaceAll(title, "#", `\#`))

	ref := incidentRef(inc)
	if link := safeURL(inc.URL); link != "" {
		ref += " (<" + link + ">)"
	}
	d.printf("- **Incident:** %s\n", ref)
	d.printf("- **Service:** %s\n", orPlaceholder(cell(inc.Service.Name), "service: which system was affected"))
	d.printf("- **Priority / urgency:** %s / %s\n", orText(cell(inc.Priority), "none"), orText(cell(string(inc.Urgency)), "unknown"))
	d.printf("- **Status:** Draft\n")
	if !inc.Active() && inc.Status != incident.Resolved {
		d.printf("- **Incident state:** %s\n", orText(cell(string(inc.Status)), "unknown"))
	}
	d.printf("- **Owner:** _<owner: who drives this postmortem and its follow-ups>_\n")
	d.printf("- **Written:** %s\n", stamp(d.in.Now, "date: when this draft was written"))
	if inc.Active() {
		d.printf("\n> **Still open:** this incident was still open (%s, not resolved) when this draft was written at %s.\n"+
			"> The timeline and the duration are incomplete; update this draft once it is resolved.\n",
			cell(string(inc.Status)), stamp(d.in.Now, "date: when this draft was written"))
	}
}

func (d *draft) summary() {
	inc := d.in.Incident
	d.printf("\n## Summary\n\n")

	start := inc.CreatedAt
	if start.IsZero() && len(d.events) > 0 {
		start = d.events[0].At
	}
	var kind string
	switch u, p := cell(string(inc.Urgency)), cell(inc.Priority); {
	case u != "" && p != "":
		kind = fmt.Sprintf("a %s-urgency (%s) incident", u, p)
	case u != "":
		kind = fmt.Sprintf("a %s-urgency incident", u)
	case p != "":
		kind = fmt.Sprintf("a %s incident", p)
	default:
		kind = "an incident"
	}
	service := "_<service: which system was affected>_"
	if name := cell(inc.Service.Name); name != "" {
		service = "**" + name + "**"
	}
	title := orText(cell(inc.Title), "untitled")
	d.printf("On %s, %s had %s: \"%s\".", stamp(start, "start: when it began"), service, kind, title)

	switch {
	case inc.Active():
		if !start.IsZero() && !d.in.Now.IsZero() && d.in.Now.After(start) {
			d.printf(" It was still %s at the time of writing, %s after it began.", cell(string(inc.Status)), duration(d.in.Now.Sub(start)))
		} else {
			d.printf(" It was still %s at the time of writing.", cell(string(inc.Status)))
		}
	case inc.Status == incident.Resolved:
		end := d.resolvedAt()
		if !end.IsZero() && !start.IsZero() && !end.Before(start) {
			d.printf(" It was resolved at %s, after %s.", stamp(end, ""), duration(end.Sub(start)))
		} else {
			d.printf(" It was resolved after _<duration: how long the impact lasted>_.")
		}
	}
	d.printf("\n\nThe failure was _<cause: what in the system failed, and what triggered it>_; " +
		"the impact was _<impact: what users or dependent systems experienced>_. " +
		"It was mitigated by _<mitigation: which change to the system stopped the impact>_.\n")
}

// resolvedAt is when the incident was resolved: the provider's time, else
// the last resolve event that took effect.
func (d *draft) resolvedAt() time.Time {
	if t := d.in.Incident.ResolvedAt; !t.IsZero() {
		return t
	}
	for _, e := range slices.Backward(d.events) {
		if e.Kind == incident.KindResolve && e.State != incident.Failed {
			return e.At
		}
	}
	return time.Time{}
}

// kindOrder is the order in which a responder's actions are listed, with
// the singular and plural phrase for each.
var kindOrder = []struct {
	kind        incident.Kind
	one, plural string // plural is a format with the count
}{
	{incident.KindTrigger, "triggered", "triggered %d times"},
	{incident.KindAcknowledge, "acknowledged", "acknowledged %d times"},
	{incident.KindAssign, "assigned", "assigned %d times"},
	{incident.KindEscalate, "escalated", "escalated %d times"},
	{incident.KindSnooze, "snoozed", "snoozed %d times"},
	{incident.KindNotify, "1 notification", "%d notifications"},
	{incident.KindNote, "1 note", "%d notes"},
	{incident.KindAlert, "1 alert", "%d alerts"},
	{incident.KindResolve, "resolved", "resolved %d times"},
	{incident.KindOther, "1 other event", "%d other events"},
}

// failedKind counts a person's local actions the provider refused; they
// did not take effect, so they are not counted as what the person did.
const failedKind incident.Kind = "\x00failed"

type responder struct {
	name     string
	assignee bool
	counts   map[incident.Kind]int
}

func (d *draft) responders() {
	d.printf("\n## Responders\n\n")
	byName := make(map[string]*responder)
	get := func(name string) *responder {
		r := byName[name]
		if r == nil {
			r = &responder{name: name, counts: make(map[incident.Kind]int)}
			byName[name] = r
		}
		return r
	}
	for _, a := range d.in.Incident.Assignees {
		if name := cell(a.Name); name != "" {
			get(name).assignee = true
		}
	}
	for _, e := range d.events {
		name := cell(e.Actor)
		if name == "" {
			continue
		}
		k := knownKind(e.Kind)
		if e.State == incident.Failed {
			k = failedKind
		}
		get(name).counts[k]++
	}
	if len(byName) == 0 {
		d.printf("_<responders: none recorded; list the people and teams who worked on the incident>_\n")
		return
	}
	list := make([]*responder, 0, len(byName))
	for _, r := range byName {
		list = append(list, r)
	}
	slices.SortFunc(list, func(x, y *responder) int {
		if c := strings.Compare(strings.ToLower(x.name), strings.ToLower(y.name)); c != 0 {
			return c
		}
		return strings.Compare(x.name, y.name)
	})
	for _, r := range list {
		var did []string
		for _, k := range kindOrder {
			switch n := r.counts[k.kind]; {
			case n == 1:
				did = append(did, k.one)
			case n > 1:
				did = append(did, fmt.Sprintf(k.plural, n))
			}
		}
		switch n := r.counts[failedKind]; {
		case n == 1:
			did = append(did, "1 action that failed to sync")
		case n > 1:
			did = append(did, fmt.Sprintf("%d actions that failed to sync", n))
		}
		what := strings.Join(did, ", ")
		if what == "" {
			what = "no recorded actions"
		}
		role := ""
		if r.assignee {
			role = " (assignee)"
		}
		d.printf("- **%s**%s: %s\n", r.name, role, what)
	}
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

func (d *draft) timeline() {
	d.printf("\n## Timeline\n\n")
	if len(d.events) == 0 {
		d.printf("_<timeline: no events were recorded; add them from chat, dashboards and deploy logs>_\n")
		return
	}
	d.printf("| Time (UTC) | Who | Event |\n|---|---|---|\n")
	for _, e := range d.events {
		when := "unknown"
		if !e.At.IsZero() {
			when = e.At.UTC().Format(timeLayout)
		}
		d.printf("| %s | %s | %s |\n", when, orText(cell(e.Actor), noOne), eventText(e))
	}
}

// eventText is the Event cell: a kind-aware description of e, with a mark
// for local actions that have not reached the provider.
func eventText(e incident.Event) string {
	s := cell(e.Summary)
	var text string
	switch e.Kind {
	case incident.KindNote:
		text = labelled("Note", s)
	case incident.KindAlert:
		text = labelled("Alert", s)
	case incident.KindAcknowledge:
		text = "Acknowledged"
	case incident.KindResolve:
		text = "Resolved"
	case incident.KindTrigger, incident.KindAssign, incident.KindEscalate, incident.KindNotify, incident.KindSnooze:
		// The provider's summary already starts with the verb
		// ("Escalated to level 2"); fall back to the verb alone.
		text = orText(s, verbs[e.Kind])
	default:
		text = orText(s, "Other event")
	}
	if e.Origin == incident.Local {
		switch e.State {
		case incident.Queued:
			text += " _(queued locally, not yet sent to PagerDuty)_"
		case incident.Failed:
			if msg := cell(e.Error); msg != "" {
				text += " _(failed to send to PagerDuty: " + msg + ")_"
			} else {
				text += " _(failed to send to PagerDuty)_"
			}
		}
	}
	return text
}

func labelled(label, s string) string {
	if s == "" {
		return label
	}
	return label + ": " + s
}

var verbs = map[incident.Kind]string{
	incident.KindTrigger:  "Triggered",
	incident.KindAssign:   "Assigned",
	incident.KindEscalate: "Escalated",
	incident.KindNotify:   "Notified",
	incident.KindSnooze:   "Snoozed",
}

func (d *draft) prompts() {
	d.printf("\n## Contributing factors\n\n" +
		"_<factors: which conditions in the system, its code, configuration, dependencies or process " +
		"made this failure possible or made it worse? List several; there is rarely a single root cause.>_\n")
	d.printf("\n## What went well\n\n" +
		"_<well: which alerts, dashboards, runbooks, tools or safeguards helped detect, diagnose or mitigate it?>_\n")
	d.printf("\n## What went wrong\n\n" +
		"_<wrong: where did the system, its signals or our process make detection, diagnosis or " +
		"mitigation slower or harder?>_\n")
	d.printf("\n## Where we got lucky\n\n" +
		"_<lucky: what limited the impact by chance rather than by design, and could fail us next time?>_\n")
}

// incidentRef is "#1234", or the provider id when there is no number.
func incidentRef(inc incident.Incident) string {
	if inc.Number > 0 {
		return fmt.Sprintf("#%d", inc.Number)
	}
	return orText(cell(inc.ID), "unknown")
}

// safeURL returns raw as it may appear in an autolink, or "" when it is not
// a plain http(s) address: other schemes, credentials, spaces, non-ASCII and
// characters that could end the autolink are refused, not repaired.
func safeURL(raw string) string {
	s := incident.Clean(raw)
	if s == "" || len(s) > 2048 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"`\\|", c) >= 0 {
			return ""
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	if !strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http") {
		return ""
	}
	return s
}

// mdPunct are the characters escaped in outside text so that it reads
// literally in any inline position: emphasis, code spans, links, raw HTML,
// strikethrough, math, table pipes and the escape character itself.
const mdPunct = "\\`*_[]<>|~$"

// cell turns untrusted text into one line of inline Markdown that renders as
// the text itself and is safe in a table cell: it is cleaned with
// incident.Clean, runs of white space (line breaks included) become one
// space, and every Markdown metacharacter, '|' among them, is
// backslash-escaped. Backticks are escaped too, so no code span can open and
// swallow the rest of the row. The result has no line break and no pipe
// without a backslash before it.
func cell(s string) string {
	s = strings.Join(strings.Fields(incident.Clean(s)), " ")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r': // Clean removes them; never rely on it here
			b.WriteByte(' ')
		case r < 0x80 && strings.ContainsRune(mdPunct, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stamp formats t in UTC, or writes a placeholder for an unknown time.
func stamp(t time.Time, placeholder string) string {
	if t.IsZero() {
		if placeholder == "" {
			return "an unknown time"
		}
		return "_<" + placeholder + ">_"
	}
	return t.UTC().Format(timeLayout) + " UTC"
}

// duration formats d for people: "45s", "12m 5s", "1h 02m", "27h 15m".
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh %02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func orPlaceholder(s, placeholder string) string {
	if s == "" {
		return "_<" + placeholder + ">_"
	}
	return s
}
