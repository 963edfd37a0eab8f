package premortem

import (
	"html/template"
	"strings"
	"sync"
)

// sectionHTML is the section as HTML, for drafts rendered to a page. The
// template escapes every value, so text from files and PagerDuty cannot
// become markup. Parsed on first use: parsing at package init cost every
// command of the binary.
var sectionHTML = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("premortem").Funcs(template.FuncMap{
		"deref": func(b *bool) bool { return b != nil && *b },
	}).Parse(`
{{- if .Foreseen}}
{{- range .Failures}}
<p><strong>Foreseen:</strong> {{.Failure}} (<code>{{.ID}}</code>, service {{.Service}}), in the workshop <em>{{.Premortem.Title}}</em> ({{.Premortem.ID}}{{if .Premortem.HeldOn}}, held {{.Premortem.HeldOn}}{{end}}).</p>
<table>
<tr><th></th><th>Foreseen</th><th>What happened</th></tr>
<tr><td>Impact</td><td>{{.Impact}} of 5</td><td><em>say what customers saw</em></td></tr>
<tr><td>Period</td><td>{{or .Period "not said"}}{{if .DaysOfMonth}} (days {{.DaysOfMonth}}){{end}}</td><td>{{$.HappenedText}}</td></tr>
</table>
<h3>Before: what was in place</h3>
<ul>{{range .Before}}<li>{{.Action}} ({{.Status}}{{if .Owner}}; owner {{.Owner}}{{end}}). Did it help? <em>to write</em></li>{{else}}<li>None was listed.</li>{{end}}</ul>
<h3>During: the checklist</h3>
<ul>{{range .During}}<li>{{if and .Ticked (deref .Ticked)}}&#x2611;{{else}}&#x2610;{{end}} {{.Action}} ({{.Status}}{{if .Runbook}}; runbook <code>{{.Runbook}}</code>{{end}})</li>{{else}}<li>None was listed.</li>{{end}}</ul>
<h3>After: follow-ups the workshop suggested</h3>
<ul>{{range .After}}<li>{{.Action}} ({{.Status}}{{if .Owner}}; owner {{.Owner}}{{end}}{{if .RemindAt}}; reminder {{.RemindAt}}{{end}})</li>{{else}}<li>None was listed.</li>{{end}}</ul>
{{- end}}
{{- else}}
<p><strong>Not foreseen.</strong> No failure assumed in a pre-mortem matches this incident ({{.HappenedText}}).</p>
<p>A failure for the next workshop, to paste under <code>failures:</code>:</p>
<pre><code class="language-yaml">{{.Stub}}</code></pre>
{{- end}}
{{- range .Prompts}}
<blockquote>{{.}}</blockquote>
{{- end}}
`))
})

// HTML renders the section as an HTML fragment, heading included, every
// value escaped.
func (d Draft) HTML() string {
	return "<section class=\"premortem\">\n<h2>" + template.HTMLEscapeString(Title) + "</h2>" + d.htmlBody() + "</section>\n"
}

// htmlBody is the section's HTML without the heading: a newline, then
// one element a line.
func (d Draft) htmlBody() string {
	var b strings.Builder
	view := struct {
		Draft
		HappenedText string
	}{d, d.happenedText()}
	if err := sectionHTML().Execute(&b, view); err != nil {
		// The template and its data are this package's: an error here is
		// a bug, shown rather than hidden.
		return "\n<p>" + template.HTMLEscapeString(err.Error()) + "</p>\n"
	}
	return b.String()
}
