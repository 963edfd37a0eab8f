package postmortem

import (
	"regexp"
	"strings"
	"sync"
)

func (d *draft) trigger() {
	t := d.r.Trigger
	d.printf("\n## Trigger\n\n")
	switch {
	case t.Alert != "":
		d.printf("The first alert, at %s, was \"%s\"", stamp(t.At, ""), inline(t.Alert))
		if t.Source != "" {
			d.printf("; %s triggered the incident", inline(t.Source))
		}
		d.printf(".\n\n")
	case t.Source != "":
		d.printf("%s triggered the incident at %s.\n\n", inline(t.Source), stamp(t.At, ""))
	}
	d.printf("_<trigger: the change or event that set the failure off, such as a deploy, a config change or a spike in traffic>_\n")
}

func (d *draft) rootCauses() {
	d.printf("\n## Root causes and contributing factors\n\n" +
		"_<factors: which conditions in the system, its code, configuration, dependencies or process " +
		"made this failure possible or made it worse? List several; there is rarely a single root cause.>_\n")
}

func (d *draft) resolution() {
	res := d.r.Resolution
	d.printf("\n## Resolution and recovery\n\n")
	if !res.MitigatedAt.IsZero() {
		d.printf("- **Mitigated:** %s%s\n", stamp(res.MitigatedAt, ""), byText(res.MitigatedBy))
	}
	if !res.ResolvedAt.IsZero() {
		d.printf("- **Resolved:** %s%s\n", stamp(res.ResolvedAt, ""), byText(res.ResolvedBy))
	}
	if !res.MitigatedAt.IsZero() || !res.ResolvedAt.IsZero() {
		d.printf("\n")
	}
	d.printf("_<recovery: what stopped the impact, how service was restored, and what was left to clean up afterwards>_\n")
}

func byText(who string) string {
	if who == "" {
		return ""
	}
	return ", by " + inline(who)
}

func (d *draft) fiveWhys() {
	if len(d.r.FiveWhys) == 0 {
		return
	}
	d.printf("\n## Five whys\n\nStart from the impact and ask why, each answer about the system, not a person.\n\n")
	for i := range d.r.FiveWhys {
		d.printf("%d. _<why: why did the answer above happen (the impact, for the first)?>_\n", i+1)
	}
}

func (d *draft) lessons() {
	d.printf("\n## Lessons learned\n\n### What went well\n\n" +
		"_<well: which alerts, dashboards, runbooks, tools or safeguards helped detect, diagnose or mitigate it?>_\n")
	d.printf("\n### What went wrong\n\n" +
		"_<wrong: where did the system, its signals or our process make detection, diagnosis or " +
		"mitigation slower or harder?>_\n")
	d.printf("\n### Where we got lucky\n\n" +
		"_<lucky: what limited the impact by chance rather than by design, and could fail us next time?>_\n")
}

func (d *draft) extras() {
	for _, s := range d.r.extra {
		d.printf("\n## %s\n\n", strings.ReplaceAll(orText(inline(s.Title), "More"), "#", `\#`))
		body := strings.TrimRight(s.Markdown, "\n")
		if body == "" {
			body = "None recorded."
		}
		d.printf("%s\n", body)
	}
}

// draftPath is a draft's name as oncall writes it: safe in a relative link.
var draftPath = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
})

// draftLink is the Draft cell: a link to a related incident's draft.
func draftLink(p string) string {
	switch {
	case p == "":
		return "none"
	case safeURL(p) != "":
		return autolink(p)
	case draftPath().MatchString(p) && !strings.Contains(p, ".."):
		name := p[strings.LastIndex(p, "/")+1:]
		return "[" + cell(name) + "](" + p + ")"
	default:
		return code(p, true)
	}
}

func (d *draft) related() {
	d.printf("\n## Related incidents\n\n")
	if len(d.r.Related) == 0 {
		d.printf("None on the same service or with the same alert key in the %d days before this one.\n", int(RelatedWindow.Hours()/24))
		return
	}
	d.printf("Earlier incidents on the same service or with the same alert key, in the %d days before: repeats worth naming.\n\n", int(RelatedWindow.Hours()/24))
	d.printf("| Incident | Began (UTC) | Title | Why | Draft |\n|---|---|---|---|---|\n")
	for _, x := range d.r.Related {
		ref := incidentRef(IncidentInfo{ID: x.ID, Number: x.Number})
		if x.URL != "" {
			ref += " " + autolink(x.URL)
		}
		d.printf("| %s | %s | %s | %s | %s |\n", ref, clock(x.CreatedAt), orText(cell(x.Title), "untitled"), x.Why, draftLink(x.Draft))
	}
}

func (d *draft) supporting() {
	d.printf("\n## Supporting information\n\n")
	for _, l := range d.r.SupportingLinks {
		d.printf("- %s (from %s): %s\n", inline(l.Label), inline(l.From), autolink(l.URL))
	}
	if len(d.r.SupportingLinks) > 0 {
		d.printf("\n")
	}
	d.printf("_<links: dashboards, graphs, logs and chat threads that show what happened>_\n")
}
