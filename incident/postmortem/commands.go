package postmortem

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// CommandsSection renders the "Commands run" section of a draft from an
// incident's timeline: each runbook command run from oncall, with when it
// started, who ran it and where, how it ended, how long it took, a short
// excerpt of its output, and a link to the full output file on the machine
// that ran it, for the author to attach. It is "" when no command was run.
//
// Everything in it is outside text: the excerpts were masked for secrets
// when the command ran, and are sanitised and fenced here like any
// command output.
func CommandsSection(tl incident.Timeline) string {
	runs := incident.CommandRuns(tl, nil)
	if len(runs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Commands run\n\n")
	b.WriteString("Commands run from the runbooks during the incident, oldest first; their output was masked for secrets when they ran.\n\n")
	for _, r := range runs {
		writeRun(&b, r)
	}
	return b.String()
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
