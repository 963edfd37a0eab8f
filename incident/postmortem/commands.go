package postmortem

import (
	"fmt"
	"html"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// CommandsRun is the "Commands run" section of a draft, for the Section
// hook: each runbook command run from oncall during the incident, with when
// it started, who ran it and where, how it ended, how long it took, a short
// excerpt of its output, and a link to the full output file on the machine
// that ran it, for the author to attach. ok is false when no command was
// run.
//
// Everything in it is outside text: the excerpts were masked for secrets
// when the command ran, and are sanitised and escaped here (fenced in
// Markdown, escaped in HTML) like any command output.
func CommandsRun(tl incident.Timeline) (s Section, ok bool) {
	runs := incident.CommandRuns(tl, nil)
	if len(runs) == 0 {
		return Section{}, false
	}
	const intro = "Commands run from the runbooks during the incident, oldest first; their output was masked for secrets when they ran."
	var md, h strings.Builder
	md.WriteString(intro + "\n\n")
	h.WriteString("<p>" + html.EscapeString(intro) + "</p>\n<ul>\n")
	entries := make([]CommandEntry, 0, len(runs))
	for _, r := range runs {
		e := commandEntry(r)
		entries = append(entries, e)
		writeRun(&md, r)
		writeRunHTML(&h, e)
	}
	h.WriteString("</ul>\n")
	return Section{Title: "Commands run", Markdown: md.String(), HTML: h.String(), Key: "commands_run", Value: entries}, true
}

// CommandsSection is CommandsRun as Markdown with its heading: "" when no
// command was run.
func CommandsSection(tl incident.Timeline) string {
	s, ok := CommandsRun(tl)
	if !ok {
		return ""
	}
	return "## " + s.Title + "\n\n" + s.Markdown
}

// CommandEntry is one run as the draft's JSON carries it.
type CommandEntry struct {
	At         time.Time `json:"at,omitzero"`
	Who        string    `json:"who,omitempty"`
	Host       string    `json:"host,omitempty"`
	Runbook    string    `json:"runbook,omitempty"`
	Step       string    `json:"step,omitempty"`
	Command    string    `json:"command,omitempty"`
	Status     string    `json:"status"`
	ExitCode   *int      `json:"exit_code,omitempty"`
	DurationMS *int64    `json:"duration_ms,omitempty"`
	Excerpt    string    `json:"excerpt,omitempty"`
	OutputFile string    `json:"output_file,omitempty"`
}

func commandEntry(r incident.CommandRun) CommandEntry {
	f := r.Intent.Fields
	e := CommandEntry{At: r.Intent.At, Who: r.Intent.Actor, Status: r.Status}
	if r.Result != nil {
		rf := r.Result.Fields
		if f == nil {
			f, e.At = rf, r.Result.At
		}
		e.Who = orText(r.Result.Actor, e.Who)
		if c, err := strconv.Atoi(rf[incident.FieldExitCode]); err == nil {
			e.ExitCode = &c
		}
		if ms, err := strconv.ParseInt(rf[incident.FieldDurationMS], 10, 64); err == nil {
			e.DurationMS = &ms
		}
		e.Excerpt = incident.CleanLines(orText(rf[incident.FieldTail], rf[incident.FieldHead]))
		e.OutputFile = oneLine(rf[incident.FieldOutputFile])
		e.Command = rf[incident.FieldCommand]
	}
	e.Command = incident.CleanLines(orText(f[incident.FieldCommand], e.Command))
	e.Who, e.Host = oneLine(e.Who), oneLine(f[incident.FieldHost])
	e.Runbook, e.Step = oneLine(f[incident.FieldRunbook]), oneLine(f[incident.FieldStep])
	return e
}

// writeRunHTML is one run as an HTML list item; every value is escaped.
func writeRunHTML(b *strings.Builder, e CommandEntry) {
	esc := html.EscapeString
	b.WriteString("<li>" + esc(stamp(e.At, "when")) + ": <code>" + esc(firstLineOf(e.Command)) + "</code>")
	if e.Runbook != "" {
		b.WriteString(" (runbook " + esc(e.Runbook) + ")")
	}
	b.WriteString(", run by " + esc(orText(e.Who, "someone")))
	if e.Host != "" {
		b.WriteString(" on " + esc(e.Host))
	}
	b.WriteString(": <strong>" + esc(e.Status) + "</strong>")
	if e.ExitCode != nil && e.Status != incident.RunOK {
		b.WriteString(", exit " + strconv.Itoa(*e.ExitCode))
	}
	if e.DurationMS != nil {
		b.WriteString(", " + esc(runDuration(time.Duration(*e.DurationMS)*time.Millisecond)))
	}
	if e.OutputFile != "" {
		b.WriteString(". Full output: <code>" + esc(e.OutputFile) + "</code>")
	}
	if e.Excerpt != "" {
		b.WriteString("<pre>" + esc(e.Excerpt) + "</pre>")
	}
	b.WriteString("</li>\n")
}

func writeRun(b *strings.Builder, r incident.CommandRun) {
	f := r.Intent.Fields
	at, who := r.Intent.At, r.Intent.Actor
	if r.Result != nil {
		if f == nil {
			f, at = r.Result.Fields, r.Result.At // a run known only from its result
		}
		who = orText(r.Result.Actor, who)
	}
	cmd := f[incident.FieldCommand]
	if cmd == "" && r.Result != nil {
		cmd = r.Result.Fields[incident.FieldCommand]
	}
	line := "- " + stamp(at, "when") + ": " + orText(code(firstLineOf(cmd), false), "a command")
	var from []string
	if rb := f[incident.FieldRunbook]; rb != "" {
		from = append(from, "runbook "+cell(rb))
	}
	if s := f[incident.FieldStep]; s != "" && s != firstLineOf(cmd) {
		from = append(from, "step "+cell(s))
	}
	if len(from) > 0 {
		line += " (" + strings.Join(from, ", ") + ")"
	}
	line += ", run by " + cell(orText(who, "someone"))
	if h := f[incident.FieldHost]; h != "" {
		line += " on " + cell(h)
	}
	line += ": " + outcome(r)
	b.WriteString(line + ".\n")
	if r.Result == nil {
		b.WriteString("  No result was recorded: oncall stopped while the command ran, so what it did is unknown.\n\n")
		return
	}
	if file := r.Result.Fields[incident.FieldOutputFile]; file != "" {
		b.WriteString("  Full output: " + fileLink(file) + " (on " + cell(orText(r.Result.Fields[incident.FieldHost], "the machine that ran it")) + "; attach it here).\n")
	}
	excerpt := r.Result.Fields[incident.FieldTail]
	if excerpt == "" {
		excerpt = r.Result.Fields[incident.FieldHead]
	}
	if strings.TrimSpace(excerpt) != "" {
		b.WriteString("\n" + codeBlock(excerpt, "  "))
	}
	b.WriteString("\n")
}

// outcome says how a run ended: status, exit code, duration.
func outcome(r incident.CommandRun) string {
	if r.Result == nil {
		return "**interrupted**"
	}
	f := r.Result.Fields
	s := "**" + cell(orText(r.Status, "unknown")) + "**"
	if c := f[incident.FieldExitCode]; c != "" && r.Status != incident.RunOK {
		s += ", exit " + cell(c)
	}
	if ms, err := strconv.ParseInt(f[incident.FieldDurationMS], 10, 64); err == nil && ms >= 0 {
		s += ", " + runDuration(time.Duration(ms)*time.Millisecond)
	}
	return s
}

// runDuration is duration with sub-second runs kept readable.
func runDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return duration(d)
}

// fileLink links a local output file: a file: link when the path can be
// one, else the path as code.
func fileLink(path string) string {
	p := oneLine(path)
	if filepath.IsAbs(p) && !strings.ContainsAny(p, "<>()[]\\` ") {
		return "[" + cell(filepath.Base(p)) + "](<file://" + p + ">)"
	}
	return code(p, false)
}

func firstLineOf(s string) string {
	first, rest, _ := strings.Cut(s, "\n")
	if strings.TrimSpace(rest) != "" {
		return first + " …"
	}
	return first
}
