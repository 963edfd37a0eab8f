package postmortem

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"
)

// HTML writes the draft for in to w as one self-contained HTML document:
// inline CSS, no scripts, no external loads, tables that paste intact
// into Google Docs and Confluence's editor, and a print style. It is made
// from the same Report as Markdown and JSON. html/template escapes every
// outside text; only an extra Section's HTML, escaped by its owner, is
// written as it is.
func HTML(w io.Writer, in Input) error {
	var b bytes.Buffer
	if err := htmlDraft().Execute(&b, htmlView{Build(in)}); err != nil {
		return fmt.Errorf("render postmortem HTML: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// htmlView adds to a Report what the template needs.
type htmlView struct{ Report }

func (v htmlView) Extras() []htmlSection {
	out := make([]htmlSection, len(v.extra))
	for i, s := range v.extra {
		// The owner of the section escaped its body (see Section).
		out[i] = htmlSection{Title: orText(oneLine(s.Title), "More"), Body: template.HTML(s.HTML)}
	}
	return out
}

type htmlSection struct {
	Title string
	Body  template.HTML
}

// Ref is "#1234", or the id.
func (v htmlView) Ref() string {
	if v.Incident.Number > 0 {
		return fmt.Sprintf("#%d", v.Incident.Number)
	}
	return orText(v.Incident.ID, "unknown")
}

func (v htmlView) KeyRows() []Event   { return v.rows(true) }
func (v htmlView) OtherRows() []Event { return v.rows(false) }

// rows are the timeline's key moments, or the rest with each step's
// notifications folded into one row (Kind "notify", Text the fold).
func (v htmlView) rows(key bool) []Event {
	fold := map[string]int{}
	for i, ns := range v.NotificationSteps {
		for _, id := range ns.EventIDs {
			fold[id] = i
		}
	}
	shown := map[int]bool{}
	var out []Event
	for _, e := range v.Timeline {
		if e.Key != key {
			continue
		}
		if i, ok := fold[e.ID]; ok && !key && e.Kind == "notify" {
			if !shown[i] {
				shown[i] = true
				out = append(out, Event{At: e.At, Kind: "notify", Text: plainFold(v.NotificationSteps[i])})
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

func plainFold(ns NotificationStep) string {
	var people []string
	for _, p := range ns.People {
		s := orText(p.Name, "someone")
		if len(p.Channels) > 0 {
			s += " by " + strings.Join(p.Channels, ", ")
		}
		people = append(people, s)
	}
	s := fmt.Sprintf("Notified at step %d: %s", ns.Step, strings.Join(people, "; "))
	if ns.Count > 1 {
		s += fmt.Sprintf(" (%d notifications)", ns.Count)
	}
	return s
}

// htmlFuncs are the functions the HTML template calls.
func htmlFuncs() template.FuncMap {
	return template.FuncMap{
		"stamp": func(t time.Time) string { return strings.Trim(stamp(t, "unknown"), "_<>") },
		"clock": clock,
		"secs": func(p *int64) string {
			if p == nil {
				return "not known"
			}
			return secs(*p)
		},
		"or": orText,
		"ph": func(s string) template.HTML {
			return template.HTML(`<span class="ph">` + template.HTMLEscapeString(s) + `</span>`)
		},
		"syncing": syncNote,
		"first": func(s string) string {
			line, _, _ := strings.Cut(s, "\n")
			return line
		},
		"morelines": func(s string) int { return strings.Count(strings.TrimRight(s, "\n"), "\n") },
		"days":      func() int { return int(RelatedWindow.Hours() / 24) },
	}
}

// syncNote says that a local event is not on PagerDuty.
func syncNote(e Event) string {
	if e.Source != "local" {
		return ""
	}
	switch e.State {
	case "queued":
		return "(queued locally, not yet sent to PagerDuty)"
	case "failed":
		if e.Error != "" {
			return "(failed to send to PagerDuty: " + e.Error + ")"
		}
		return "(failed to send to PagerDuty)"
	}
	return ""
}

// htmlDraft is parsed on first use: parsing at package init cost every
// command of the binary, --version included.
var htmlDraft = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("draft").Funcs(htmlFuncs()).Parse(htmlText))
})

const htmlText = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Postmortem: {{or .Incident.Title "Untitled incident"}}</title>
<style>
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { font-size: 1.35em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
h3 { font-size: 1.1em; }
table { border-collapse: collapse; margin: .8em 0; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; background: #f6f8fa; padding: 0 .2em; }
.ph { color: #8250df; font-style: italic; }
.ph::before { content: "‹"; } .ph::after { content: "›"; }
.note { color: #656d76; }
blockquote { border-left: 4px solid #d0d7de; margin: 0; padding: 0 1em; color: #424a53; }
@media print { body { max-width: none; margin: 0; font-size: 11pt; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } .ph { color: #000; } }
</style>
</head>
<body>
<h1>Postmortem: {{or .Incident.Title "Untitled incident"}}</h1>
<ul>
<li><strong>Incident:</strong> {{.Ref}}{{with .Incident.URL}} (<a href="{{.}}">{{.}}</a>){{end}}</li>
<li><strong>Service:</strong> {{with .Incident.Service}}{{.}}{{else}}{{ph "service: which system was affected"}}{{end}}</li>
<li><strong>Priority / urgency:</strong> {{or .Incident.Priority "none"}} / {{or .Incident.Urgency "unknown"}}</li>
<li><strong>Status:</strong> Draft</li>
<li><strong>Owner:</strong> {{ph "owner: who drives this postmortem and its follow-ups"}}</li>
<li><strong>Authors:</strong> {{ph "authors: who wrote this postmortem"}}</li>
<li><strong>Reviewers:</strong> {{ph "reviewers: who reviewed it before the meeting"}}</li>
<li><strong>Attendees:</strong> {{ph "attendees: who took part in the review meeting"}}</li>
<li><strong>Review meeting due:</strong> {{with .Review.Due}}{{.}}{{else}}{{ph "review: a date"}}{{end}} ({{.Review.Rule}})</li>
<li><strong>Written:</strong> {{stamp .GeneratedAt}}</li>
<li><strong>Times:</strong> UTC. Working hours are taken to be {{.WorkingHours.Start}}-{{.WorkingHours.End}}, Monday to Friday, in {{.WorkingHours.Zone}} (UTC{{.WorkingHours.UTCOffset}} when the incident started).</li>
</ul>
{{if .Incident.Open}}<blockquote><strong>Still open:</strong> this incident was still {{.Incident.State}} when this draft was written; the timeline, the metrics and the duration are incomplete.</blockquote>{{end}}

<h2>Summary</h2>
<p>On {{stamp .Metrics.StartedAt}}, {{or .Incident.Service "a service"}} had an incident: “{{or .Incident.Title "untitled"}}”.{{if .Metrics.TimeToResolve}} It was resolved after {{secs .Metrics.TimeToResolve}}.{{end}}{{if .Metrics.TimeToMitigate}} The impact was mitigated {{secs .Metrics.TimeToMitigate}} after it began.{{end}}</p>
<p>The failure was {{ph "cause: what in the system failed, and what triggered it"}}; the impact was {{ph "impact: what users or dependent systems experienced"}}.</p>

<h2>Impact</h2>
<ul>
<li><strong>Duration:</strong> {{secs .Impact.DurationSeconds}} ({{.Impact.EndedBy}})</li>
<li><strong>Users affected:</strong> {{ph "users: how many, which ones, and how we know"}}</li>
{{with .Impact.ErrorBudget}}<li><strong>Error budget:</strong> {{printf "%.2f" .ConsumedPercent}}% of the window's budget consumed ({{.ConsumedSeconds}} s of {{printf "%.1f" .BudgetSeconds}} s)</li>{{end}}
</ul>

<h2>Trigger</h2>
{{with .Trigger}}{{if .Alert}}<p>The first alert, at {{stamp .At}}, was “{{.Alert}}”{{with .Source}}; {{.}} triggered the incident{{end}}.</p>{{end}}{{end}}
<p>{{ph "trigger: the change or event that set the failure off, such as a deploy, a config change or a spike in traffic"}}</p>

<h2>Root causes and contributing factors</h2>
<p>{{ph "factors: which conditions in the system, its code, configuration, dependencies or process made this failure possible or made it worse? List several; there is rarely a single root cause."}}</p>

<h2>Resolution and recovery</h2>
<ul>
{{with .Resolution}}{{if not .MitigatedAt.IsZero}}<li><strong>Mitigated:</strong> {{stamp .MitigatedAt}}{{with .MitigatedBy}}, by {{.}}{{end}}</li>{{end}}
{{if not .ResolvedAt.IsZero}}<li><strong>Resolved:</strong> {{stamp .ResolvedAt}}{{with .ResolvedBy}}, by {{.}}{{end}}</li>{{end}}{{end}}
</ul>
<p>{{ph "recovery: what stopped the impact, how service was restored, and what was left to clean up afterwards"}}</p>

<h2>Detection and response</h2>
<table>
<tr><th>Milestone</th><th>Time (UTC)</th></tr>
<tr><td>Started</td><td>{{clock .Metrics.StartedAt}}</td></tr>
<tr><td>Detected</td><td>{{clock .Metrics.DetectedAt}}</td></tr>
<tr><td>Acknowledged</td><td>{{clock .Metrics.AcknowledgedAt}}</td></tr>
<tr><td>Mitigated</td><td>{{clock .Metrics.MitigatedAt}}</td></tr>
<tr><td>Resolved</td><td>{{clock .Metrics.ResolvedAt}}</td></tr>
</table>
<ul>
<li><strong>Time to detect:</strong> {{secs .Metrics.TimeToDetect}}</li>
<li><strong>Time to acknowledge:</strong> {{secs .Metrics.TimeToAcknowledge}}</li>
<li><strong>Time to mitigate:</strong> {{secs .Metrics.TimeToMitigate}}</li>
<li><strong>Time to resolve:</strong> {{secs .Metrics.TimeToResolve}}</li>
<li><strong>Escalations:</strong> {{.Metrics.Escalations}}; <strong>pages:</strong> {{.Metrics.Pages}}, of which {{.Metrics.PagesOutsideWorkingHours}} outside working hours and {{.Metrics.PagesInSleepHours}} in sleep hours ({{.WorkingHours.Sleep}}, every day)</li>
</ul>

<h2>Responders and roles</h2>
<h3>Roles</h3>
<ul>
{{range .Roles}}<li>{{.Role}}: <strong>{{.Person}}</strong> (from {{stamp .At}})</li>
{{else}}<li>{{ph "roles: none recorded; who was incident commander, scribe, liaison?"}}</li>{{end}}
</ul>
<h3>Responders</h3>
<ul>
{{range .Responders}}<li><strong>{{.Name}}</strong>{{if .Assignee}} (assignee){{end}}</li>
{{else}}<li>{{ph "responders: none recorded; list the people who worked on the incident"}}</li>{{end}}
</ul>

<h2>Timeline</h2>
<h3>Key moments</h3>
<table>
<tr><th>Time (UTC)</th><th>Who</th><th>What</th></tr>
{{range .KeyRows}}<tr><td>{{clock .At}}</td><td>{{or .Actor "—"}}</td><td>{{if .Starred}}★ {{end}}{{.Text}} <span class="note">{{syncing .}}</span></td></tr>
{{end}}</table>
<h3>Everything else</h3>
<table>
<tr><th>Time (UTC)</th><th>Who</th><th>Event</th><th>Link</th></tr>
{{range .OtherRows}}<tr><td>{{clock .At}}</td><td>{{or .Actor "—"}}</td><td>{{.Text}} <span class="note">{{syncing .}}</span></td><td>{{with .Link}}<a href="{{.}}">{{.}}</a>{{end}}</td></tr>
{{end}}</table>

<h2>Decisions</h2>
<table>
<tr><th>Time (UTC)</th><th>Decision</th><th>Why</th><th>Executed by</th><th>Logged by</th></tr>
{{range .Decisions}}<tr><td>{{clock .At}}</td><td>{{.What}}</td><td>{{or .Why "—"}}</td><td>{{or .ExecutedBy "—"}}</td><td>{{or .LoggedBy "—"}}</td></tr>
{{end}}</table>

<h2>Actions taken</h2>
<ul>
{{range .Actions}}<li>{{stamp .At}}, {{or .Actor "—"}}: {{.Text}}</li>
{{end}}{{range .RunbookSteps}}<li>{{stamp .At}}, {{or .Actor "—"}}, runbook <strong>{{.Runbook}}</strong> ({{or .Action "done"}}): {{if .Command}}<code>{{first .Command}}</code>{{with morelines .Command}} (and {{.}} more){{end}}{{else}}{{.Step}}{{end}}</li>
{{end}}</ul>
{{if .FiveWhys}}
<h2>Five whys</h2>
<ol>{{range .FiveWhys}}<li>{{ph "why: why did the answer above happen (the impact, for the first)?"}}</li>{{end}}</ol>
{{end}}
<h2>Lessons learned</h2>
<h3>What went well</h3>
<p>{{ph "well: which alerts, dashboards, runbooks, tools or safeguards helped detect, diagnose or mitigate it?"}}</p>
<h3>What went wrong</h3>
<p>{{ph "wrong: where did the system, its signals or our process make detection, diagnosis or mitigation slower or harder?"}}</p>
<h3>Where we got lucky</h3>
<p>{{ph "lucky: what limited the impact by chance rather than by design, and could fail us next time?"}}</p>
{{range .Extras}}
<h2>{{.Title}}</h2>
{{.Body}}
{{end}}
<h2>Action items</h2>
<table>
<tr><th>Item</th><th>Type</th><th>Owner</th><th>Due</th><th>Ticket</th></tr>
{{range .ActionItems}}<tr><td>{{.Title}}{{with .State}} ({{.}}){{end}}</td><td>{{or .Type "—"}}</td><td>{{with .Owner}}{{.}}{{else}}{{ph "owner: a person or team"}}{{end}}</td><td>{{with .Due}}{{.}}{{else}}{{ph "due: a date"}}{{end}}</td><td>{{with .Ticket}}<a href="{{.}}">{{.}}</a>{{else}}{{ph "ticket: link"}}{{end}}</td></tr>
{{end}}<tr><td>{{ph "item: a change that makes this failure less likely or less harmful"}}</td><td></td><td></td><td></td><td></td></tr>
</table>

<h2>Related incidents</h2>
{{if .Related}}<table>
<tr><th>Incident</th><th>Began (UTC)</th><th>Title</th><th>Why</th><th>Draft</th></tr>
{{range .Related}}<tr><td>{{if .Number}}#{{.Number}}{{else}}{{.ID}}{{end}}{{with .URL}} <a href="{{.}}">{{.}}</a>{{end}}</td><td>{{clock .CreatedAt}}</td><td>{{.Title}}</td><td>{{.Why}}</td><td>{{with .Draft}}<a href="{{.}}">{{.}}</a>{{else}}none{{end}}</td></tr>
{{end}}</table>{{else}}<p>None on the same service or with the same alert key in the {{days}} days before this one.</p>{{end}}

<h2>Supporting information</h2>
<ul>
{{range .SupportingLinks}}<li>{{.Label}} (from {{.From}}): <a href="{{.URL}}">{{.URL}}</a></li>
{{end}}<li>{{ph "links: dashboards, graphs, logs and chat threads that show what happened"}}</li>
</ul>

<h2>Status updates posted</h2>
<ul>
{{range .Updates}}<li>{{stamp .At}}, {{or .Actor "—"}}: {{.Message}}</li>
{{else}}<li>None were posted from oncall.</li>{{end}}
</ul>

<h2>Review hints</h2>
<ul>
{{range .Hints}}<li><strong>{{.Where}}</strong> ({{.Rule}}): {{.Message}}{{with .Excerpt}} In: “{{.}}”.{{end}}{{with .Suggestion}} Try: {{.}}{{end}}</li>
{{else}}<li>The blameless lint found nothing to review.</li>{{end}}
</ul>
</body>
</html>
`
