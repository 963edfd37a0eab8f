// Package postmortem writes the first draft of an incident's postmortem, as
// Markdown for people to edit, as one self-contained HTML page to paste into
// Google Docs or Confluence, and as JSON for tools, from the incident and
// its merged timeline: the header (owner, authors, reviewers, attendees, the
// review's due date), a summary skeleton, the impact (duration, time at
// each priority, error budget), the trigger, root causes and contributing
// factors, resolution and recovery, detection and response metrics,
// responders (people only) and roles, the timeline in two levels (key
// moments, then everything else with notifications folded per escalation
// step), decisions, actions and runbook steps, an optional five whys,
// lessons learned, the action items with their tickets, related incidents,
// supporting links, messaging skeletons, and review hints from a blameless
// lint of the human text (see Lint). Write saves a draft beside, never
// over, earlier ones; Gather reads what a draft needs besides the
// timeline; ReadActions and WriteActions turn action items into tickets.
//
// Other parts of the program add sections through Input.Sections (see
// Section): each brings a title, its Markdown and HTML bodies (escaped by
// their owner) and a JSON key and value, placed after Lessons learned.
//
// Invariants:
//   - Blameless: the draft describes systems, code and process. Where facts
//     are missing it leaves prompts about the system (what failed, what
//     helped), never about who is at fault. People appear only as the record
//     of who did what and when; the lint flags blame in what people wrote.
//   - All outside text (titles, notes, alert and log summaries, names,
//     statuses, errors, links, commands) is untrusted. In Markdown it goes
//     through incident.Clean and then inline or cell, which escape only what
//     a renderer would read as markup (so pasted drafts stay readable), or
//     into a code span sized to it: it cannot add Markdown structure, raw
//     HTML or a link that hides its target, and it never breaks a table
//     row. In HTML, html/template escapes it; only http(s) links are made.
//   - The output depends only on Input: times are written in UTC, ordering is
//     deterministic, and neither the clock nor the machine's zone is read
//     (Input.Now says when; Input.Location is the working-hours zone), with
//     one exception: time.Local as the Location is named by LocalZone.
//   - Markdown, HTML and JSON are rendered from one Report, so they carry the
//     same facts.
//   - Placeholders for the writer have the form _<word: prompt text>_, which
//     CommonMark renders literally (neither an HTML tag nor an autolink).
package postmortem

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Input is what a draft is written from.
type Input struct {
	Incident incident.Incident
	Timeline incident.Timeline // merged, oldest first
	Now      time.Time         // when the draft is written
	// SLOs are the configured service level objectives by service ID or
	// name. The incident's service's SLO, if any, prices the error budget.
	SLOs map[string]SLO
	// Location is the zone of working hours and of business days for the
	// review's due date; nil is UTC. The draft's times are UTC whatever it
	// is.
	Location *time.Location
	// WorkHours are the working hours, Monday to Friday, in Location; the
	// zero value is DefaultWorkHours (09:00-18:00). SleepHours are the
	// sleep hours, every day, in Location; the zero value is
	// DefaultSleepHours (22:00-07:00).
	WorkHours, SleepHours Hours

	// Alerts are the incident's alerts: their links (runbook, dashboard)
	// go to Supporting information.
	Alerts []incident.Alert
	// Runbooks are the runbooks matched to the incident, for their links.
	Runbooks []RunbookLinks
	// AlertKeys are the incident's alert (deduplication) keys, and
	// Related the earlier incidents that may repeat it: those on the same
	// service or with a shared alert key, begun within RelatedWindow
	// before this one, are listed.
	AlertKeys []string
	Related   []Candidate
	// FiveWhys adds a five-whys prompt block.
	FiveWhys bool
	// Sections are added after Lessons learned, in order.
	Sections []Section
}

// Markdown writes the draft for in to w. The draft is built in memory and
// written with one Write; the only error is the writer's.
func Markdown(w io.Writer, in Input) error {
	_, err := w.Write(render(Build(in)))
	return err
}

// JSON writes the draft for in to w as one JSON object, a Report (see its
// documentation for the schema), indented, with a final newline.
func JSON(w io.Writer, in Input) error {
	b, err := marshal(Build(in))
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// marshal encodes r compactly into an indenter: the same bytes as the
// encoder's own indentation, without its second, validating pass over the
// document, and without a copy of the compact form.
func marshal(r Report) ([]byte, error) {
	w := &indenter{dst: make([]byte, 0, 1024+512*len(r.Timeline)), indent: "  "} // about a long draft's size
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // text for tools, not for a browser
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode postmortem: %w", err)
	}
	return w.dst, nil
}

type draft struct {
	r Report
	b bytes.Buffer
}

func (d *draft) printf(format string, args ...any) { fmt.Fprintf(&d.b, format, args...) }

// row writes a table row, "| a | b |\n", without fmt: the timeline has a
// row per event.
func (d *draft) row(cells ...string) {
	for _, c := range cells {
		d.b.WriteString("| ")
		d.b.WriteString(c)
		d.b.WriteByte(' ')
	}
	d.b.WriteString("|\n")
}

func render(r Report) []byte {
	d := &draft{r: r}
	d.b.Grow(8192 + 256*len(r.Timeline)) // about a long draft's size: no doubling on the way
	d.header()
	d.summary()
	d.impact()
	d.trigger()
	d.rootCauses()
	d.resolution()
	d.detection()
	d.responders()
	d.timeline()
	d.decisions()
	d.actions()
	d.fiveWhys()
	d.lessons()
	d.extras()
	d.actionItems()
	d.related()
	d.supporting()
	d.messaging()
	d.hints()
	return d.b.Bytes()
}

func (d *draft) header() {
	inc := d.r.Incident
	title := inline(inc.Title)
	if title == "" {
		title = "Untitled incident"
	}
	// A heading may end in a closing sequence of '#': escape them all.
	d.printf("# Postmortem: %s\n\n", strings.ReplaceAll(title, "#", `\#`))

	ref := incidentRef(inc)
	if inc.URL != "" {
		ref += " (<" + inc.URL + ">)"
	}
	d.printf("- **Incident:** %s\n", ref)
	d.printf("- **Service:** %s\n", orPlaceholder(inline(inc.Service), "service: which system was affected"))
	d.printf("- **Priority / urgency:** %s / %s\n", orText(inline(inc.Priority), "none"), orText(inline(inc.Urgency), "unknown"))
	d.printf("- **Status:** Draft\n")
	if !inc.Open && inc.State != string(incident.Resolved) {
		d.printf("- **Incident state:** %s\n", orText(inline(inc.State), "unknown"))
	}
	d.printf("- **Owner:** _<owner: who drives this postmortem and its follow-ups>_\n")
	d.printf("- **Authors:** _<authors: who wrote this postmortem>_\n")
	d.printf("- **Reviewers:** _<reviewers: who reviewed it before the meeting>_\n")
	d.printf("- **Attendees:** _<attendees: who took part in the review meeting>_\n")
	switch rv := d.r.Review; {
	case rv.Due != "":
		d.printf("- **Review meeting due:** %s (%s)\n", rv.Due, rv.Rule)
	case rv.Severity == 1 || rv.Severity == 2:
		d.printf("- **Review meeting due:** once resolved (%s)\n", rv.Rule)
	default:
		d.printf("- **Review meeting due:** _<review: %s>_\n", rv.Rule)
	}
	d.printf("- **Written:** %s\n", stamp(d.r.GeneratedAt, "date: when this draft was written"))
	wh := d.r.WorkingHours
	zone := inline(wh.Zone)
	if wh.UTCOffset != "+00:00" || wh.Zone != "UTC" {
		zone += fmt.Sprintf(" (UTC%s when the incident started)", wh.UTCOffset)
	}
	d.printf("- **Times:** UTC. Working hours are taken to be %s-%s, Monday to Friday, in %s.\n", wh.Start, wh.End, zone)
	if inc.Open {
		d.printf("\n> **Still open:** this incident was still open (%s, not resolved) when this draft was written at %s.\n"+
			"> The timeline, the metrics and the duration are incomplete; update this draft once it is resolved.\n",
			inline(inc.State), stamp(d.r.GeneratedAt, "date: when this draft was written"))
	}
}

// incidentRef is "#1234", or the provider id when there is no number.
func incidentRef(inc IncidentInfo) string {
	if inc.Number > 0 {
		return fmt.Sprintf("#%d", inc.Number)
	}
	return orText(cell(inc.ID), "unknown")
}

func (d *draft) summary() {
	inc, m := d.r.Incident, d.r.Metrics
	d.printf("\n## Summary\n\n")
	var kind string
	switch u, p := inline(inc.Urgency), inline(inc.Priority); {
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
	if name := inline(inc.Service); name != "" {
		service = "**" + name + "**"
	}
	title := orText(inline(inc.Title), "untitled")
	d.printf("On %s, %s had %s: \"%s\".", stamp(m.StartedAt, "start: when it began"), service, kind, title)
	switch {
	case inc.Open:
		if s := span(m.StartedAt, d.r.GeneratedAt); s != nil {
			d.printf(" It was still %s at the time of writing, %s after it began.", inline(inc.State), secs(*s))
		} else {
			d.printf(" It was still %s at the time of writing.", inline(inc.State))
		}
	case inc.State == string(incident.Resolved):
		if m.TimeToResolve != nil {
			d.printf(" It was resolved at %s, after %s.", stamp(m.ResolvedAt, ""), secs(*m.TimeToResolve))
		} else {
			d.printf(" It was resolved after _<duration: how long the impact lasted>_.")
		}
	}
	if m.TimeToMitigate != nil {
		d.printf(" The impact was mitigated %s after it began.", secs(*m.TimeToMitigate))
	}
	d.printf("\n\nThe failure was _<cause: what in the system failed, and what triggered it>_; " +
		"the impact was _<impact: what users or dependent systems experienced>_. " +
		"It was mitigated by _<mitigation: which change to the system stopped the impact>_.\n")
}

// secs formats a *_seconds value for people.
func secs(s int64) string { return duration(time.Duration(s) * time.Second) }

func (d *draft) impact() {
	im := d.r.Impact
	d.printf("\n## Impact\n\n")
	switch {
	case im.DurationSeconds == nil:
		d.printf("- **Duration:** _<duration: when the impact began and ended>_\n")
	case im.EndedBy == "ongoing":
		d.printf("- **Duration:** %s so far, from the first alert at %s; still ongoing when this draft was written\n",
			secs(*im.DurationSeconds), stamp(im.Start, ""))
	default:
		d.printf("- **Duration:** %s, from the first alert at %s until it was %s at %s\n",
			secs(*im.DurationSeconds), stamp(im.Start, ""), im.EndedBy, stamp(im.End, ""))
	}
	d.printf("- **Time at each priority:** %s\n", periodText(im.Priorities))
	d.printf("- **Time at each urgency:** %s\n", periodText(im.Urgencies))
	d.printf("- **Users affected:** _<users: how many, which ones, and how we know>_\n")
	d.printf("- **Accounts affected:** _<accounts: which customers or tenants>_\n")
	d.printf("- **Support tickets:** _<tickets: how many were opened, with links>_\n")
	eb := im.ErrorBudget
	if eb == nil {
		service := orText(inline(d.r.Incident.Service), "this service")
		d.printf("- **Error budget:** no SLO is configured for %s, so the budget consumed is not computed\n", service)
		return
	}
	d.printf("- **Error budget:** SLO %s over %s: the window's budget is %s (%s s); "+
		"counting the whole impact as fully bad, this incident consumed %s (%d s), **%s%%** of it\n",
		percent(eb.Target*100), days(eb.WindowSeconds), secs(int64(eb.BudgetSeconds+0.5)), decimal(eb.BudgetSeconds),
		secs(eb.ConsumedSeconds), eb.ConsumedSeconds, decimal(eb.ConsumedPercent))
}

// percent prints an SLO target like 99.9 without float noise.
func percent(p float64) string { return decimal(float64(int64(p*1e6+0.5))/1e6) + "%" }

// decimal prints f with as many decimals as it needs (at most 6).
func decimal(f float64) string {
	s := fmt.Sprintf("%.6f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// days prints a window: "28 days", or hours when it is not whole days.
func days(sec int64) string {
	switch {
	case sec%86400 == 0 && sec == 86400:
		return "1 day"
	case sec%86400 == 0:
		return fmt.Sprintf("%d days", sec/86400)
	default:
		return secs(sec)
	}
}

func periodText(ps []Period) string {
	if len(ps) == 0 {
		return "unknown"
	}
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s for %s (from %s)", inline(p.Value), secs(p.Seconds), clock(p.From)))
	}
	return strings.Join(parts, ", then ")
}

func (d *draft) detection() {
	m := d.r.Metrics
	d.printf("\n## Detection and response\n\n")
	d.printf("| Milestone | Time (UTC) | Measured as |\n|---|---|---|\n")
	row := func(name string, t time.Time, how string) {
		d.printf("| %s | %s | %s |\n", name, orText(clockOrEmpty(t), "not recorded"), how)
	}
	row("Started", m.StartedAt, "first alert")
	row("Detected", m.DetectedAt, "incident created in PagerDuty")
	row("Acknowledged", m.AcknowledgedAt, "first acknowledgement")
	row("Mitigated", m.MitigatedAt, "marked mitigated by the incident commander")
	row("Resolved", m.ResolvedAt, "incident resolved")
	d.printf("\n")
	metric := func(name string, s *int64, how string) {
		if s == nil {
			d.printf("- **%s:** not known (%s)\n", name, how)
			return
		}
		d.printf("- **%s:** %s (%d s; %s)\n", name, secs(*s), *s, how)
	}
	metric("Time to detect", m.TimeToDetect, "started to detected")
	metric("Time to acknowledge", m.TimeToAcknowledge, "detected to acknowledged")
	metric("Time to mitigate", m.TimeToMitigate, "started to mitigated")
	metric("Time to resolve", m.TimeToResolve, "started to resolved")
	d.printf("- **Escalations:** %d\n", m.Escalations)
	names := make([]string, len(m.PeoplePaged))
	for i, n := range m.PeoplePaged {
		names[i] = inline(n)
	}
	if len(names) == 0 {
		d.printf("- **People paged:** 0\n")
	} else {
		d.printf("- **People paged:** %d (%s)\n", len(names), strings.Join(names, ", "))
	}
	wh := d.r.WorkingHours
	d.printf("- **Pages:** %d, of which %d outside working hours (%s-%s, Monday to Friday, %s) and %d in sleep hours (%s, every day)\n",
		m.Pages, m.PagesOutsideWorkingHours, wh.Start, wh.End, inline(wh.Zone), m.PagesInSleepHours, wh.Sleep)
}

func clockOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return clock(t)
}

func (d *draft) responders() {
	d.printf("\n## Responders and roles\n\n### Roles\n\n")
	if len(d.r.Roles) == 0 {
		d.printf("_<roles: none recorded; who was incident commander, scribe, liaison?>_\n")
	}
	for _, r := range d.r.Roles {
		by := ""
		if r.AssignedBy != "" && r.AssignedBy != r.Person {
			by = ", assigned by " + inline(r.AssignedBy)
		}
		d.printf("- %s: **%s** (from %s%s)\n", inline(r.Role), inline(r.Person), stamp(r.At, ""), by)
	}
	d.printf("\n### Responders\n\n")
	if len(d.r.Responders) == 0 {
		d.printf("_<responders: none recorded; list the people and teams who worked on the incident>_\n")
		return
	}
	for _, r := range d.r.Responders {
		var did []string
		for _, k := range kindOrder {
			switch n := r.Actions[string(k.kind)]; {
			case n == 1:
				did = append(did, k.one)
			case n > 1:
				did = append(did, fmt.Sprintf(k.plural, n))
			}
		}
		switch n := r.Actions[failedKind]; {
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
		if r.Assignee {
			role = " (assignee)"
		}
		d.printf("- **%s**%s: %s\n", inline(r.Name), role, what)
	}
}

const star = "★"

func (d *draft) timeline() {
	d.printf("\n## Timeline\n\n")
	if len(d.r.Timeline) == 0 {
		d.printf("_<timeline: no events were recorded; add them from chat, dashboards and deploy logs>_\n")
		return
	}
	d.printf("### Key moments\n\n")
	d.printf("Starred events (%s), changes of state, decisions and roles.\n\n", star)
	d.printf("| Time (UTC) | Who | What |\n|---|---|---|\n")
	for _, e := range d.r.Timeline {
		if e.Key {
			d.row(clock(e.At), orText(cell(e.Actor), noOne), eventText(e))
		}
	}
	d.printf("\n### Everything else\n\n")
	d.printf("Notifications are folded into one line per escalation step.\n\n")
	d.printf("| Time (UTC) | Who | Event | Link |\n|---|---|---|---|\n")
	folded := map[string]int{} // notify event id -> its step's index
	for i, ns := range d.r.NotificationSteps {
		for _, id := range ns.EventIDs {
			folded[id] = i
		}
	}
	shown := map[int]bool{}
	for _, e := range d.r.Timeline {
		if e.Key {
			continue
		}
		if i, ok := folded[e.ID]; ok && e.Kind == string(incident.KindNotify) {
			if !shown[i] {
				shown[i] = true
				d.row(clock(e.At), noOne, foldText(d.r.NotificationSteps[i]), "")
			}
			continue
		}
		d.row(clock(e.At), orText(cell(e.Actor), noOne), eventText(e), autolink(e.Link))
	}
}

// eventText is a timeline row's Event cell: the text, the star, and the
// sync state of a local event.
func eventText(e Event) string {
	text := cell(e.Text)
	if e.Starred {
		text = star + " " + text
	}
	if e.Source == "local" {
		switch incident.SyncState(e.State) {
		case incident.Queued:
			text += " _(queued locally, not yet sent to PagerDuty)_"
		case incident.Failed:
			if e.Error != "" {
				text += " _(failed to send to PagerDuty: " + cell(e.Error) + ")_"
			} else {
				text += " _(failed to send to PagerDuty)_"
			}
		}
	}
	return text
}

// foldText is one line for a step's notifications.
func foldText(ns NotificationStep) string {
	var people []string
	for _, p := range ns.People {
		name := orText(cell(p.Name), "someone")
		if len(p.Channels) > 0 {
			cs := make([]string, len(p.Channels))
			for i, c := range p.Channels {
				cs[i] = cell(c)
			}
			name += " by " + strings.Join(cs, ", ")
		}
		people = append(people, name)
	}
	text := fmt.Sprintf("Notified at step %d: %s", ns.Step, strings.Join(people, "; "))
	if ns.Count > 1 {
		text += fmt.Sprintf(" (%d notifications)", ns.Count)
	}
	return text
}

func (d *draft) decisions() {
	d.printf("\n## Decisions\n\n")
	if len(d.r.Decisions) == 0 {
		d.printf("_<decisions: none were logged; which choices changed the course of the response, and why?>_\n")
		return
	}
	d.printf("| Time (UTC) | Decision | Why | Executed by | Logged by |\n|---|---|---|---|---|\n")
	for _, x := range d.r.Decisions {
		d.printf("| %s | %s | %s | %s | %s |\n", clock(x.At), cell(x.What), orText(cell(x.Why), noOne),
			orText(cell(x.ExecutedBy), noOne), orText(cell(x.LoggedBy), noOne))
	}
}

func (d *draft) actions() {
	d.printf("\n## Actions taken\n\n")
	if len(d.r.Actions) == 0 {
		d.printf("_<actions: none were recorded; what was done to diagnose and mitigate?>_\n")
	}
	for _, a := range d.r.Actions {
		d.printf("- %s, %s: %s\n", stamp(a.At, ""), orText(inline(a.Actor), noOne), inline(a.Text))
	}
	d.printf("\n### Runbook steps used\n\n")
	if len(d.r.RunbookSteps) == 0 {
		d.printf("_<runbooks: no runbook steps were recorded; which runbook helped, and which one was missing?>_\n")
	}
	for _, s := range d.r.RunbookSteps {
		verb := "done"
		if s.Action == "copied" {
			verb = "command copied"
		} else if s.Action != "" {
			verb = inline(s.Action)
		}
		what := inline(s.Step)
		if s.Command != "" {
			// One line: the command's first line; the JSON has it whole.
			lines := strings.Split(strings.TrimRight(s.Command, "\n"), "\n")
			what = code(lines[0], false)
			if len(lines) > 1 {
				what += fmt.Sprintf(" _(and %d more %s)_", len(lines)-1, map[bool]string{true: "line", false: "lines"}[len(lines) == 2])
			}
		}
		d.printf("- %s, %s, runbook **%s** (%s): %s\n", stamp(s.At, ""), orText(inline(s.Actor), noOne), inline(s.Runbook), verb, what)
	}
}

const ticketPlaceholder = "_<ticket: link>_"

func (d *draft) actionItems() {
	d.printf("\n## Action items\n\n")
	d.printf("| Item | Type | Owner | Due | Ticket |\n|---|---|---|---|---|\n")
	for _, a := range d.r.ActionItems {
		title := cell(a.Title)
		if a.State == "done" || a.State == "cancelled" {
			title += " _(" + a.State + ")_"
		}
		ticket := autolink(a.Ticket)
		if ticket == "" {
			ticket = ticketPlaceholder
		}
		d.printf("| %s | %s | %s | %s | %s |\n", title,
			orPlaceholder(cell(a.Type), "type: mitigate, prevent, detect or process"),
			orPlaceholder(cell(a.Owner), "owner: a person or team"),
			orPlaceholder(cell(a.Due), "due: a date"), ticket)
	}
	d.printf("| _<item: a change that makes this failure less likely or less harmful>_ | " +
		"_<type: mitigate, prevent, detect or process>_ | _<owner: a person or team>_ | _<due: a date>_ | " + ticketPlaceholder + " |\n")
}
