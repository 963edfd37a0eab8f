package postmortem

func (d *draft) messaging() {
	inc, m, im := d.r.Incident, d.r.Metrics, d.r.Impact
	d.printf("\n## Messaging\n\n### Status updates posted\n\n")
	if len(d.r.Updates) == 0 {
		d.printf("None were posted from oncall.\n")
	}
	for _, u := range d.r.Updates {
		d.printf("- %s, %s: %s\n", stamp(u.At, ""), orText(inline(u.Actor), noOne), inline(u.Message))
	}

	service := orPlaceholder(inline(inc.Service), "service: which system was affected")
	state := "was resolved"
	if inc.Open {
		state = "is still " + inline(inc.State)
	}
	d.printf("\n### Internal update (skeleton)\n\n")
	d.printf("> **[%s] %s %s %s**\n>\n", orText(inline(inc.Priority), "incident"), incidentRef(inc), orText(inline(inc.Title), "untitled"), state)
	d.printf("> Impact on %s began at %s", service, stamp(m.StartedAt, "start: when it began"))
	switch im.EndedBy {
	case "ongoing":
		d.printf(" and is ongoing.")
	default:
		d.printf(" and was %s at %s.", im.EndedBy, stamp(im.End, ""))
	}
	d.printf(" Cause: _<cause: what in the system failed>_. Impact: _<impact: who was affected, how much>_.\n")
	if n := len(d.r.Updates); n > 0 {
		d.printf(">\n> %d status update(s) went out; the last, at %s: \"%s\"\n", n, stamp(d.r.Updates[n-1].At, ""), inline(d.r.Updates[n-1].Message))
	}
	if len(d.r.Decisions) > 0 {
		d.printf(">\n> Key decision: %s.\n", inline(d.r.Decisions[len(d.r.Decisions)-1].What))
	}
	d.printf(">\n> Postmortem owner: _<owner: who drives the review>_; review by %s. Action items: %d recorded so far.\n",
		orText(d.r.Review.Due, "_<review: a date>_"), len(d.r.ActionItems))

	d.printf("\n### External update (skeleton)\n\n")
	d.printf("> **%s:** ", map[bool]string{true: "Investigating", false: "Resolved"}[inc.Open])
	d.printf("Between %s and ", stamp(m.StartedAt, "start: when it began"))
	if im.EndedBy == "ongoing" {
		d.printf("now")
	} else {
		d.printf("%s", stamp(im.End, ""))
	}
	d.printf(", some users of _<product: the customer-facing name of the affected service>_ experienced _<impact: what customers saw, in their words>_. ")
	if inc.Open {
		d.printf("We are working on a fix and will post another update by _<next: a time>_.\n")
	} else {
		d.printf("The issue is resolved. _<prevention: one sentence on what we are changing so it does not happen again>_\n")
	}
	d.printf(">\n> _<check: keep internal names, hosts and people out of this message>_\n")
}

func (d *draft) hints() {
	d.printf("\n## Review hints\n\n")
	if len(d.r.Hints) == 0 {
		d.printf("The blameless lint found nothing to review in the notes, decisions, action items and updates. " +
			"Run `oncall postmortem lint FILE` after editing.\n")
		return
	}
	d.printf("Found by the blameless lint in the notes, decisions, action items and updates. " +
		"Run `oncall postmortem lint FILE` after editing.\n\n")
	for _, h := range d.r.Hints {
		d.printf("- **%s** (%s): %s", inline(h.Where), h.Rule, inline(h.Message))
		if h.Excerpt != "" {
			d.printf(" In: \"%s\".", inline(h.Excerpt))
		}
		if h.Suggestion != "" {
			d.printf(" Try: %s", inline(h.Suggestion))
		}
		d.printf("\n")
	}
}
