package review

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"
)

// Bin is one bar of a histogram.
type Bin struct {
	Label string
	Count int
}

// histogramEdges are the upper bounds of the duration bins, in seconds:
// response times spread over orders of magnitude, so bins do too.
var histogramEdges = []struct {
	upTo  int64
	label string
}{
	{60, "<1m"}, {5 * 60, "1-5m"}, {15 * 60, "5-15m"}, {30 * 60, "15-30m"}, {3600, "30m-1h"},
	{4 * 3600, "1-4h"}, {24 * 3600, "4-24h"}, {1 << 62, ">1d"},
}

// Histogram counts samples (seconds) into bins from under a minute to over
// a day; the upper bound of each bin is exclusive.
func Histogram(samples []int64) []Bin {
	out := make([]Bin, len(histogramEdges))
	for i, e := range histogramEdges {
		out[i].Label = e.label
	}
	for _, s := range samples {
		for i, e := range histogramEdges {
			if s < e.upTo {
				out[i].Count++
				break
			}
		}
	}
	return out
}

// chart is a bar chart laid out for SVG: numbers only, so the template
// writes no outside text into attributes.
type chart struct {
	Title         string
	Width, Height int
	Bars          []bar
	Max           int
}

type bar struct {
	X, Y, W, H int
	Label      string
	Count      int
	LabelX     int
	ShowLabel  bool
}

func barChart(title string, bins []Bin, barW int) chart {
	const h, base = 120, 100
	c := chart{Title: title, Height: h}
	for _, b := range bins {
		c.Max = max(c.Max, b.Count)
	}
	every := max(1, len(bins)/12) // at most a dozen labels
	for i, b := range bins {
		bh := 0
		if c.Max > 0 {
			bh = b.Count * (base - 10) / c.Max
		}
		if b.Count > 0 {
			bh = max(bh, 1)
		}
		x := 4 + i*(barW+2)
		c.Bars = append(c.Bars, bar{X: x, Y: base - bh, W: barW, H: bh, Label: b.Label, Count: b.Count,
			LabelX: x + barW/2, ShowLabel: i%every == 0})
	}
	c.Width = 8 + len(bins)*(barW+2)
	return c
}

// page is parsed on first use: parsing at package init cost every command
// of the binary.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("review").Funcs(template.FuncMap{
		"dur":    secs,
		"pct":    pct,
		"date":   func(t time.Time) string { return t.Format(time.DateOnly) },
		"rfc":    func(t time.Time) string { return t.Format(time.RFC3339) },
		"inc":    func(r Ref) string { return htmlIncLabel(r) },
		"state":  func(s string) string { return strings.ReplaceAll(s, "_", " ") },
		"signed": signed,
		"budget": func(s float64) string { return Duration(int64(s)) },
		"rem":    signedDuration,
		"tf":     func(f float64) string { return trimFloat(f * 100) },
		"svcs":   sortedServices,
		"load":   byLoad,
		"line":   oneLine,
		"sub":    func(a, b int) int { return a - b },
		"more":   func(r Repeat) int { return r.EarlierCount - len(r.Earlier) },
		"ptr":    func(n int64) *int64 { return &n },
		"pmstate": func(s string) string {
			return map[string]string{"missing": "no draft", "draft": "still the draft", "edited": "written"}[s]
		},
	}).Parse(pageTemplate))
})

func htmlIncLabel(r Ref) string {
	if r.Number > 0 {
		return fmt.Sprintf("#%d", r.Number)
	}
	return cmp.Or(oneLine(r.ID), "?")
}

type pageData struct {
	Report
	Charts []chart
}

// HTML writes the review as one self-contained page: inline CSS, charts as
// inline SVG, no scripts and nothing loaded from elsewhere. html/template
// escapes every piece of text for where it lands.
func HTML(w io.Writer, r Report) error {
	days := make([]Bin, len(r.PerDay))
	for i, d := range r.PerDay {
		days[i] = Bin{Label: d.Date[5:], Count: d.Incidents}
	}
	hours := make([]Bin, 24)
	for h, n := range r.PagesByHourOfDay {
		hours[h] = Bin{Label: fmt.Sprintf("%02d", h), Count: n}
	}
	d := pageData{Report: r, Charts: []chart{
		barChart("Incidents per day", days, 14),
		barChart("Pages by hour of day ("+r.Period.Zone+")", hours, 14),
		barChart("Time to acknowledge", Histogram(r.TTASamples), 28),
		barChart("Time to resolve", Histogram(r.TTRSamples), 28),
	}}
	var b bytes.Buffer
	if err := page().Execute(&b, d); err != nil {
		return fmt.Errorf("render review: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Incident review {{date .Period.Since}} to {{date .Period.Until}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #111; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .2rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
.overdue { color: #a00; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; }
svg rect { fill: #4a6fa5; }
svg text { font-size: 9px; fill: #333; }
@media print { body { margin: 0; max-width: none; } .charts { break-inside: avoid; } }
</style>
</head>
<body>
<h1>Incident review: {{date .Period.Since}} to {{date .Period.Until}}</h1>
<p>Period {{rfc .Period.Since}} to {{rfc .Period.Until}}; times in UTC, hours of the day read in {{.Period.Zone}}. Business hours {{.Hours.Business}}; sleep hours {{.Hours.Sleep}}. Generated {{rfc .GeneratedAt}}.</p>

<h2>Numbers</h2>
<p>{{.Incidents}} incidents (previous period of the same length: {{.PreviousIncidents}}, {{signed (sub .Incidents .PreviousIncidents)}}). Percentiles by the {{.PercentileMethod}}.</p>
<table>
<tr><th>Measure</th><th>p50</th><th>p90</th><th>Incidents</th></tr>
<tr><td>Time to acknowledge</td><td>{{dur .TTA.P50}}</td><td>{{dur .TTA.P90}}</td><td>{{.TTA.N}}</td></tr>
<tr><td>Time to mitigate</td><td>{{dur .TTM.P50}}</td><td>{{dur .TTM.P90}}</td><td>{{.TTM.N}}</td></tr>
<tr><td>Time to resolve</td><td>{{dur .TTR.P50}}</td><td>{{dur .TTR.P90}}</td><td>{{.TTR.N}}</td></tr>
</table>
{{with .ByService}}<table>
<tr><th>Service</th><th>Incidents</th><th>Previous</th><th>Change</th><th>TTA p50</th><th>TTR p50</th><th>TTR p90</th></tr>
{{range $name := svcs .}}{{with index $.ByService $name}}<tr><td>{{$name}}</td><td>{{.Incidents}}</td><td>{{.Previous}}</td><td>{{signed .Change}}</td><td>{{dur .TTA.P50}}</td><td>{{dur .TTR.P50}}</td><td>{{dur .TTR.P90}}</td></tr>
{{end}}{{end}}</table>{{end}}
<div class="charts">
{{range .Charts}}<figure>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img"><title>{{.Title}}</title>
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}: {{.Count}}</title></rect>{{if .ShowLabel}}<text x="{{.LabelX}}" y="112" text-anchor="middle">{{.Label}}</text>{{end}}
{{end}}</svg>
<figcaption>{{.Title}} (highest {{.Max}})</figcaption>
</figure>
{{end}}</div>

<h2>Load on people</h2>
<table>
<tr><th>Count</th><th>Business hours</th><th>Off-hours</th><th>Sleep hours</th><th>Total</th></tr>
<tr><td>Pages</td><td>{{.PagesByHours.Business}}</td><td>{{.PagesByHours.OffHours}}</td><td>{{.PagesByHours.Sleep}}</td><td>{{.PagesByHours.Total}}</td></tr>
<tr><td>Incidents</td><td>{{.IncidentsByHours.Business}}</td><td>{{.IncidentsByHours.OffHours}}</td><td>{{.IncidentsByHours.Sleep}}</td><td>{{.IncidentsByHours.Total}}</td></tr>
</table>
{{with .LoadByResponder}}<table>
<tr><th>Responder</th><th>Business hours</th><th>Off-hours</th><th>Sleep hours</th><th>Total</th></tr>
{{range $name := load .}}{{with index $.LoadByResponder $name}}<tr><td>{{$name}}</td><td>{{.Business}}</td><td>{{.OffHours}}</td><td>{{.Sleep}}</td><td>{{.Total}}</td></tr>
{{end}}{{end}}</table>{{end}}
{{with .LoadByService}}<table>
<tr><th>Service</th><th>Business hours</th><th>Off-hours</th><th>Sleep hours</th><th>Total</th></tr>
{{range $name := load .}}{{with index $.LoadByService $name}}<tr><td>{{$name}}</td><td>{{.Business}}</td><td>{{.OffHours}}</td><td>{{.Sleep}}</td><td>{{.Total}}</td></tr>
{{end}}{{end}}</table>{{end}}

<h2>Repeats</h2>
{{if .Repeats}}<ul>
{{range .Repeats}}<li>{{inc .Incident}} {{.Incident.Title}} on {{.Incident.Service}}, {{.Reason}}: repeats {{range $i, $e := .Earlier}}{{if $i}}; {{end}}{{inc $e}} {{$e.Title}} ({{date $e.CreatedAt}}){{if $e.Draft}}, postmortem {{$e.Draft}}{{end}}{{end}}{{with more .}}; and {{.}} earlier{{end}}</li>
{{end}}</ul>{{else}}<p>No repeats.</p>{{end}}

<h2>Follow-ups</h2>
<p>{{.FollowUps.Done}} done, {{.FollowUps.Open}} open, {{.FollowUps.Overdue}} overdue, {{.FollowUps.NoOwnerOrDue}} without an owner or due date, {{.FollowUps.Cancelled}} cancelled; completion rate {{pct .FollowUps.CompletionRate}}.</p>
{{with .FollowUps.Items}}<table>
<tr><th>State</th><th>Follow-up</th><th>Owner</th><th>Due</th><th>Incident</th><th>Ticket</th></tr>
{{range .}}<tr><td{{if eq .State "overdue"}} class="overdue"{{end}}>{{state .State}}</td><td>{{.Title}}</td><td>{{or .Owner "none"}}</td><td>{{or .Due "none"}}</td><td>{{inc .Incident}}</td><td>{{if .Ticket}}<a href="{{.Ticket}}">{{.Ticket}}</a>{{end}}</td></tr>
{{end}}</table>{{end}}

<h2>Error budgets</h2>
{{if .ErrorBudgets}}<table>
<tr><th>SLO</th><th>Target</th><th>Window</th><th>Budget</th><th>Incidents</th><th>Consumed in period</th><th>Remaining in window</th></tr>
{{range .ErrorBudgets}}<tr><td>{{.Service}}</td><td>{{tf .Target}}%</td><td>{{dur (ptr .WindowSeconds)}}</td><td>{{budget .BudgetSeconds}}</td><td>{{.Incidents}}</td><td>{{dur (ptr .ConsumedSeconds)}} ({{printf "%.2f" .ConsumedPercent}}%)</td><td>{{rem .RemainingSeconds}} ({{printf "%.2f" .RemainingPercent}}%)</td></tr>
{{end}}</table>{{else}}<p>No SLOs are configured.</p>{{end}}

<h2>Postmortems</h2>
{{if .Postmortems}}<table>
<tr><th>Incident</th><th>Postmortem</th><th>Review due</th><th>Lint hints</th><th>Foreseen</th></tr>
{{range .Postmortems}}<tr><td>{{inc .Incident}} {{.Incident.Title}}</td><td>{{pmstate .State}}{{if .Incident.Draft}}: {{.Incident.Draft}}{{end}}</td><td{{if .ReviewOverdue}} class="overdue"{{end}}>{{or .ReviewDue "none"}}{{if .ReviewOverdue}}, overdue{{end}}</td><td>{{.Hints}}{{range .HintSamples}}<br>{{.}}{{end}}</td><td>{{or .Foreseen "no"}}</td></tr>
{{end}}</table>{{else}}<p>No resolved incidents in the period.</p>{{end}}

<h2>Agenda</h2>
{{if .Agenda}}<ol>
{{range .Agenda}}<li><strong>{{inc .Incident}} {{.Incident.Title}}</strong> ({{.Incident.Service}}): {{.Summary}}; {{if .Incident.Draft}}draft {{.Incident.Draft}}{{else}}no draft yet{{end}}{{if .Incident.URL}} · <a href="{{.Incident.URL}}">in PagerDuty</a>{{end}}</li>
{{end}}</ol>{{else}}<p>No incidents to discuss.</p>{{end}}

<h2>Minutes</h2>
{{if .Minutes}}<ul>
{{range .Minutes}}<li>{{rfc .At}}, on {{inc .Incident}}: {{.Text}}{{if .By}} ({{.By}}){{end}}</li>
{{end}}</ul>{{else}}<p>Nothing recorded in a review yet.</p>{{end}}
</body>
</html>
`
