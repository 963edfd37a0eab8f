package state

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// This file writes the handoff document: the incident state document for
// the person taking over, as Markdown to read and paste, or as JSON
// (schema HandoffSchema) for tools. Both carry the same items; every text
// in them came from outside and is cleaned to one line (Markdown also
// escapes what would change its layout).

// HandoffSchema names the JSON handoff's layout; a change that removes or
// renames a key changes it.
const HandoffSchema = "oncall.handoff/v1"

// HandoffDoc is the handoff document: the state and what the outgoing holder
// wants the incoming one to know.
type HandoffDoc struct {
	Doc Doc
	// Message is the outgoing holder's word to the incoming one; when
	// empty, the last recorded handoff's message stands.
	Message string
	// Cadence is the status update cadence the clock was derived with.
	Cadence time.Duration
}

// message is the handoff's message: given, or the last recorded one.
func (h HandoffDoc) message() string {
	if strings.TrimSpace(h.Message) != "" {
		return h.Message
	}
	if n := len(h.Doc.Handoffs); n > 0 {
		return h.Doc.Handoffs[n-1].Message
	}
	return ""
}

// handoffJSON is the JSON document; README's "Handoff" section lists its
// keys.
type handoffJSON struct {
	Schema       string           `json:"schema"`
	GeneratedAt  time.Time        `json:"generated_at"`
	Incident     jsonIncident     `json:"incident"`
	Summary      string           `json:"summary"`
	Impact       string           `json:"impact"`
	OpenSeconds  int64            `json:"open_seconds"`
	SnoozedUntil *time.Time       `json:"snoozed_until"`
	MitigatedAt  *time.Time       `json:"mitigated_at"`
	CommandPost  jsonCommandPost  `json:"command_post"`
	Roles        []jsonRole       `json:"roles"`
	Handoffs     []jsonHandoff    `json:"handoffs"`
	Decisions    []jsonMark       `json:"decisions"`
	Tried        []jsonMark       `json:"tried"`
	Hypotheses   []jsonHypothesis `json:"hypotheses"`
	OpenTasks    []jsonItem       `json:"open_tasks"`
	OpenFollowUp []jsonItem       `json:"open_follow_ups"`
	StatusUpdate jsonClock        `json:"status_update"`
	Runbook      *jsonRunbook     `json:"runbook"`
	Responders   []string         `json:"responders"`
	RecentEvents []jsonEvent      `json:"recent_events"`
	Message      string           `json:"message"`
}

type jsonIncident struct {
	ID        string    `json:"id"`
	Number    int       `json:"number"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	Urgency   string    `json:"urgency"`
	Priority  string    `json:"priority"`
	Service   string    `json:"service"`
	CreatedAt time.Time `json:"created_at"`
}

type jsonCommandPost struct {
	Bridge string `json:"bridge"`
	URL    string `json:"url"`
}

type jsonRole struct {
	Role   string     `json:"role"`
	Holder string     `json:"holder"`
	Since  *time.Time `json:"since"`
	Turns  []jsonTurn `json:"turns"`
}

type jsonTurn struct {
	Person    string     `json:"person"`
	AssumedAt time.Time  `json:"assumed_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Taken     bool       `json:"taken"`
	External  bool       `json:"external"`
	Handoff   bool       `json:"handoff"`
}

type jsonHandoff struct {
	At      time.Time `json:"at"`
	Role    string    `json:"role"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Message string    `json:"message"`
}

type jsonMark struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	What string    `json:"what"`
	Why  string    `json:"why,omitempty"`
	Who  string    `json:"who,omitempty"`
}

type jsonHypothesis struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Verdict string    `json:"verdict"`
	Text    string    `json:"text"`
}

type jsonItem struct {
	Number   int    `json:"number"`
	ID       string `json:"id"`
	What     string `json:"what"`
	Owner    string `json:"owner"`
	Type     string `json:"type,omitempty"`
	Due      string `json:"due"`
	Overdue  bool   `json:"overdue"`
	Extended int    `json:"extended"`
	Ticket   string `json:"ticket,omitempty"`
}

type jsonClock struct {
	Applies      bool       `json:"applies"`
	EverySeconds int64      `json:"every_seconds"`
	Last         *jsonMark  `json:"last"`
	NextDue      *time.Time `json:"next_due"`
	Overdue      bool       `json:"overdue"`
}

type jsonRunbook struct {
	ID    string `json:"id"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

type jsonEvent struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor"`
	Summary string    `json:"summary"`
}

func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// Summary is the handoff's one summary line: number, title, status,
// urgency and priority.
func (d Doc) Summary() string {
	in := d.Incident
	s := fmt.Sprintf("#%d %s: %s, %s urgency", in.Number, oneLine(in.Title), in.Status, in.Urgency)
	if in.Priority != "" {
		s += ", priority " + oneLine(in.Priority)
	}
	if in.Service.Name != "" {
		s += ", service " + oneLine(in.Service.Name)
	}
	return s
}

// Impact says whether customer impact has stopped.
func (d Doc) Impact() string {
	switch {
	case d.Mitigated != nil:
		s := "mitigated at " + stamp(d.Mitigated.At)
		if d.Mitigated.By != "" {
			s += " by " + oneLine(d.Mitigated.By)
		}
		return s
	case d.Incident.Status == incident.Resolved:
		return "resolved; no mitigation was marked"
	}
	return "ongoing: not marked mitigated"
}

// JSON writes the handoff document as JSON.
func (h HandoffDoc) JSON(w io.Writer) error {
	d := h.Doc
	in := d.Incident
	out := handoffJSON{
		Schema: HandoffSchema, GeneratedAt: d.Now.UTC(),
		Incident: jsonIncident{ID: oneLine(in.ID), Number: in.Number, Title: oneLine(in.Title), Status: string(in.Status),
			Urgency: string(in.Urgency), Priority: oneLine(in.Priority), Service: oneLine(in.Service.Name), CreatedAt: in.CreatedAt.UTC()},
		Summary: d.Summary(), Impact: d.Impact(), OpenSeconds: int64(d.OpenFor / time.Second),
		SnoozedUntil: utcPtr(d.SnoozedUntil),
		CommandPost:  jsonCommandPost{Bridge: oneLine(in.Bridge), URL: oneLine(in.URL)},
		Roles:        []jsonRole{}, Handoffs: []jsonHandoff{}, Decisions: []jsonMark{}, Tried: []jsonMark{},
		Hypotheses: []jsonHypothesis{}, OpenTasks: []jsonItem{}, OpenFollowUp: []jsonItem{},
		Responders: []string{}, RecentEvents: []jsonEvent{}, Message: oneLine(h.message()),
	}
	if d.Mitigated != nil {
		out.MitigatedAt = utcPtr(d.Mitigated.At)
	}
	for _, r := range d.Roles {
		jr := jsonRole{Role: r.Role, Turns: []jsonTurn{}}
		if t, ok := r.Holder(); ok {
			jr.Holder, jr.Since = oneLine(t.Person), utcPtr(t.AssumedAt)
		}
		for _, t := range r.Turns {
			jr.Turns = append(jr.Turns, jsonTurn{Person: oneLine(t.Person), AssumedAt: t.AssumedAt.UTC(), EndedAt: utcPtr(t.EndedAt), Taken: t.Taken, External: t.External, Handoff: t.Handoff})
		}
		out.Roles = append(out.Roles, jr)
	}
	for _, x := range d.Handoffs {
		out.Handoffs = append(out.Handoffs, jsonHandoff{At: x.At.UTC(), Role: x.Role, From: oneLine(x.From), To: oneLine(x.To), Message: oneLine(x.Message)})
	}
	for _, x := range d.Decisions {
		out.Decisions = append(out.Decisions, jsonMark{At: x.At.UTC(), By: oneLine(x.By), What: oneLine(x.What), Why: oneLine(x.Why), Who: oneLine(x.Who)})
	}
	for _, x := range d.Tried {
		out.Tried = append(out.Tried, jsonMark{At: x.At.UTC(), By: oneLine(x.By), What: oneLine(x.What)})
	}
	for _, x := range d.Hypotheses {
		out.Hypotheses = append(out.Hypotheses, jsonHypothesis{At: x.At.UTC(), By: oneLine(x.By), Verdict: x.Verdict, Text: oneLine(x.Text)})
	}
	item := func(it Item) jsonItem {
		return jsonItem{Number: it.Number, ID: it.ID, What: oneLine(it.What), Owner: oneLine(it.Owner), Type: it.Type,
			Due: oneLine(it.Due), Overdue: it.Overdue, Extended: it.Extended, Ticket: oneLine(it.Ticket)}
	}
	for _, it := range d.OpenTasks() {
		out.OpenTasks = append(out.OpenTasks, item(it))
	}
	for _, it := range d.OpenFollowUps() {
		out.OpenFollowUp = append(out.OpenFollowUp, item(it))
	}
	out.StatusUpdate = jsonClock{Applies: d.Update.Applies, EverySeconds: int64(h.Cadence / time.Second),
		NextDue: utcPtr(d.Update.NextDue), Overdue: d.Update.Overdue}
	if l := d.Update.Last; l != nil {
		out.StatusUpdate.Last = &jsonMark{At: l.At.UTC(), By: oneLine(l.By), What: oneLine(l.What)}
	}
	if d.Runbook.Total > 0 {
		out.Runbook = &jsonRunbook{ID: oneLine(d.Runbook.Runbook), Done: d.Runbook.Done, Total: d.Runbook.Total}
	}
	for _, r := range d.Responders {
		out.Responders = append(out.Responders, oneLine(r))
	}
	for _, e := range d.Recent {
		out.RecentEvents = append(out.RecentEvents, jsonEvent{ID: oneLine(e.ID), At: e.At.UTC(), Kind: string(e.Kind), Actor: oneLine(e.Actor), Summary: oneLine(incident.Summary(e))})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write the handoff: %w", err)
	}
	return nil
}

// Markdown writes the handoff document as Markdown.
func (h HandoffDoc) Markdown(w io.Writer) error {
	d := h.Doc
	in := d.Incident
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Handoff: #%d %s\n\n", in.Number, md(in.Title))
	p("- **Summary:** %s\n", md(d.Summary()))
	p("- **Impact:** %s\n", md(d.Impact()))
	p("- **Open for:** %s (since %s)\n", span(d.OpenFor), stamp(in.CreatedAt))
	if !d.SnoozedUntil.IsZero() {
		p("- **Snoozed until:** %s\n", stamp(d.SnoozedUntil))
	}
	p("- **Command post:** bridge %s; incident %s\n", orDash(md(in.Bridge)), orDash(md(in.URL)))

	p("\n## From the outgoing commander\n\n")
	if m := h.message(); strings.TrimSpace(m) != "" {
		p("> %s\n", md(m))
	} else {
		p("_Nothing was written._\n")
	}

	p("\n## Roles\n\n")
	if len(d.Roles) == 0 {
		p("_No roles recorded._\n")
	}
	for _, r := range d.Roles {
		if t, ok := r.Holder(); ok {
			p("- %s: **%s** since %s%s\n", r.Role, md(t.Person), stamp(t.AssumedAt), marks(t))
		} else {
			p("- %s: _nobody now_\n", r.Role)
		}
		for _, t := range r.Turns {
			if !t.EndedAt.IsZero() {
				p("  - before: %s, %s to %s%s\n", md(t.Person), stamp(t.AssumedAt), stamp(t.EndedAt), marks(t))
			}
		}
	}
	for _, x := range d.Handoffs {
		p("- handoff of %s from %s to %s at %s\n", x.Role, md(x.From), md(x.To), stamp(x.At))
	}

	p("\n## Decisions (newest first)\n\n")
	if len(d.Decisions) == 0 {
		p("_None recorded._\n")
	}
	for _, x := range d.Decisions {
		p("- %s: %s", stamp(x.At), md(x.What))
		if x.Why != "" {
			p(" (why: %s)", md(x.Why))
		}
		if x.Who != "" {
			p("; executes: %s", md(x.Who))
		}
		if x.By != "" {
			p("; recorded by %s", md(x.By))
		}
		p("\n")
	}

	p("\n## What has been tried\n\n")
	if len(d.Tried) == 0 {
		p("_Nothing recorded._\n")
	}
	for _, x := range d.Tried {
		p("- %s: %s%s\n", stamp(x.At), md(x.What), by(x.By))
	}

	if len(d.Hypotheses) > 0 {
		p("\n## Hypotheses\n\n")
		for _, x := range d.Hypotheses {
			p("- %s: %s (%s%s)\n", x.Verdict, md(x.Text), stamp(x.At), by(x.By))
		}
	}

	p("\n## Open tasks\n\n")
	writeItems(&b, d.OpenTasks())
	p("\n## Open follow-ups\n\n")
	writeItems(&b, d.OpenFollowUps())

	p("\n## Status updates\n\n")
	if l := d.Update.Last; l != nil {
		p("- Last: %s%s: %s\n", stamp(l.At), by(l.By), md(l.What))
	} else {
		p("- Last: _none posted_\n")
	}
	switch {
	case d.Update.NextDue.IsZero():
		p("- Next due: _no cadence set_\n")
	case d.Update.Overdue:
		p("- Next due: %s, **overdue by %s**\n", stamp(d.Update.NextDue), span(d.Now.Sub(d.Update.NextDue)))
	default:
		p("- Next due: %s (in %s)\n", stamp(d.Update.NextDue), span(d.Update.NextDue.Sub(d.Now)))
	}

	if d.Runbook.Total > 0 {
		p("\n## Runbook\n\n- %s: %d of %d steps ticked\n", md(d.Runbook.Runbook), d.Runbook.Done, d.Runbook.Total)
	}

	p("\n## Responders\n\n")
	if len(d.Responders) == 0 {
		p("_Nobody yet._\n")
	} else {
		names := make([]string, len(d.Responders))
		for i, r := range d.Responders {
			names[i] = md(r)
		}
		p("%s\n", strings.Join(names, ", "))
	}

	p("\n## Last %d events\n\n", RecentLimit)
	for _, e := range d.Recent {
		p("- %s %s%s: %s\n", stamp(e.At), e.Kind, by(e.Actor), md(incident.Summary(e)))
	}
	if len(d.Recent) == 0 {
		p("_None._\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write the handoff: %w", err)
	}
	return nil
}

func writeItems(b *strings.Builder, items []Item) {
	if len(items) == 0 {
		b.WriteString("_None._\n")
		return
	}
	for _, it := range items {
		fmt.Fprintf(b, "- #%d %s", it.Number, md(it.What))
		if it.Owner != "" {
			fmt.Fprintf(b, "; owner %s", md(it.Owner))
		}
		if it.Due != "" {
			fmt.Fprintf(b, "; due %s", md(dueText(it)))
		}
		if it.Overdue {
			b.WriteString(" **OVERDUE**")
		}
		if it.Extended > 0 {
			fmt.Fprintf(b, " (extended %d×)", it.Extended)
		}
		if it.Ticket != "" {
			fmt.Fprintf(b, "; ticket %s", md(it.Ticket))
		}
		b.WriteString("\n")
	}
}

// dueText shows a task's due as a time and a follow-up's as its date.
func dueText(it Item) string {
	if t, err := time.Parse(time.RFC3339, it.Due); err == nil {
		return stamp(t)
	}
	return it.Due
}

func marks(t Turn) string {
	var m []string
	if t.Taken {
		m = append(m, "took it")
	}
	if t.External {
		m = append(m, "not in PagerDuty")
	}
	if len(m) == 0 {
		return ""
	}
	return " (" + strings.Join(m, "; ") + ")"
}

func by(who string) string {
	if strings.TrimSpace(who) == "" {
		return ""
	}
	return " by " + md(who)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// stamp is a time as the handoff shows it: UTC, to the minute.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// span is a duration in hours and minutes.
func span(d time.Duration) string {
	d = max(d, 0).Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// oneLine is outside text made safe and kept to one line.
func oneLine(s string) string { return strings.Join(strings.Fields(incident.Clean(s)), " ") }

// mdEscaper escapes what would change a Markdown document's layout or
// make HTML of outside text. Built on first use, not at package init.
var mdEscaper = sync.OnceValue(func() *strings.Replacer {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
		"<", "&lt;", ">", "&gt;", "|", `\|`)
})

// md is outside text for Markdown: one line, escaped.
func md(s string) string { return mdEscaper().Replace(oneLine(s)) }
