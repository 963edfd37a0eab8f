package premortem

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// mdPunct are the characters escaped in outside text so that it reads
// literally wherever it lands in Markdown and cannot open raw HTML (<, &),
// emphasis, code, links or table cells.
const mdPunct = "\\`*_[]<>|~$&#!"

// md cleans outside text onto one line and backslash-escapes Markdown's
// metacharacters, so that rendered to HTML it shows as the text itself.
func md(s string) string {
	s = clean(s)
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune(mdPunct, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fence returns a code fence longer than any run of backticks in s.
func fence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// text says what happened, as plain text: the duration and day, and the
// urgency with the priority.
func (h Happened) text() (what, urgency string) {
	what = fmt.Sprintf("%d minutes", h.Minutes)
	if h.Ongoing {
		what = fmt.Sprintf("%d minutes so far (still open)", h.Minutes)
	}
	if h.DayOfMonth > 0 {
		what += fmt.Sprintf(", began on day %d of the month", h.DayOfMonth)
	}
	urgency = cmp.Or(h.Urgency, "unknown")
	if h.Priority != "" {
		urgency += ", " + h.Priority
	}
	return what, urgency
}

// happenedText is what happened on one line.
func (d Draft) happenedText() string {
	what, urgency := d.Happened.text()
	return what + "; urgency " + urgency
}

// Title is the section's heading.
const Title = "Foreseen in a pre-mortem?"

// Markdown renders the section, heading included, at level 2.
func (d Draft) Markdown() string { return "## " + Title + "\n\n" + d.markdownBody() }

// markdownBody is the section without its heading.
func (d Draft) markdownBody() string {
	var b strings.Builder
	what, urgency := d.Happened.text()
	urgency = md(urgency)
	if !d.Foreseen {
		b.WriteString("**Not foreseen.** No failure assumed in a pre-mortem matches this incident ")
		fmt.Fprintf(&b, "(%s; urgency %s).\n\n", what, urgency)
		for _, p := range d.Prompts {
			b.WriteString("> " + md(p) + "\n")
		}
		f := fence(d.Stub)
		fmt.Fprintf(&b, "\nA failure for the next workshop, to paste under `failures:`:\n\n%syaml\n%s%s\n", f, d.Stub, f)
		return b.String()
	}
	for i, f := range d.Failures {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "**Foreseen:** %s (`%s`, service %s), in the workshop *%s* (%s", md(f.Failure), f.ID, md(f.Service), md(f.Premortem.Title), md(f.Premortem.ID))
		if f.Premortem.HeldOn != "" {
			fmt.Fprintf(&b, ", held %s", f.Premortem.HeldOn)
		}
		b.WriteString(").\n")
		if len(f.Why) > 0 {
			parts := make([]string, len(f.Why))
			for j, w := range f.Why {
				parts[j] = md(w)
			}
			fmt.Fprintf(&b, "Matched by: %s.\n", strings.Join(parts, "; "))
		}
		b.WriteString("\n| | Foreseen | What happened |\n|---|---|---|\n")
		fmt.Fprintf(&b, "| Impact | %d of 5 | _say what customers saw_ |\n", f.Impact)
		period := cmp.Or(md(f.Period), "not said")
		if f.DaysOfMonth != "" {
			period += " (days " + f.DaysOfMonth + ")"
		}
		fmt.Fprintf(&b, "| Period | %s | %s |\n", period, what)
		likelihood := "not rated"
		if f.Likelihood > 0 {
			likelihood = fmt.Sprintf("%d of 5", f.Likelihood)
		}
		fmt.Fprintf(&b, "| Likelihood, urgency | %s | %s |\n", likelihood, urgency)

		b.WriteString("\n### Before: what was in place\n\n")
		if len(f.Before) == 0 {
			b.WriteString("None was listed.\n")
		}
		for _, c := range f.Before {
			fmt.Fprintf(&b, "- %s (%s%s). Did it help? _to write_\n", md(c.Action), c.Status, ownerMD(c.Owner))
		}
		b.WriteString("\n### During: the checklist\n\n")
		if len(f.During) == 0 {
			b.WriteString("None was listed.\n")
		}
		for _, c := range f.During {
			box := "[ ]"
			if c.Ticked != nil && *c.Ticked {
				box = "[x]"
			}
			fmt.Fprintf(&b, "- %s %s (%s%s", box, md(c.Action), c.Status, ownerMD(c.Owner))
			if c.Runbook != "" {
				fmt.Fprintf(&b, "; runbook `%s`", c.Runbook)
			}
			b.WriteString(")\n")
		}
		b.WriteString("\n### After: follow-ups the workshop suggested\n\n")
		if len(f.After) == 0 {
			b.WriteString("None was listed.\n")
		}
		for _, c := range f.After {
			fmt.Fprintf(&b, "- %s (%s%s", md(c.Action), c.Status, ownerMD(c.Owner))
			if c.RemindAt != "" {
				fmt.Fprintf(&b, "; reminder %s", c.RemindAt)
			}
			b.WriteString(")\n")
		}
	}
	b.WriteString("\n")
	for _, p := range d.Prompts {
		b.WriteString("> " + md(p) + "\n")
	}
	return b.String()
}

func ownerMD(owner string) string {
	if owner == "" {
		return ""
	}
	return "; owner " + md(owner)
}

// RegisterMarkdown renders the risk register as a Markdown table.
func RegisterMarkdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| Impact | Likelihood | Failure | Service | Workshop | Before | During | After | Matched | Last matched |\n")
	b.WriteString("|---:|---:|---|---|---|---|---|---|---:|---|\n")
	for _, r := range rows {
		f := r.Failure
		likelihood := "-"
		if f.Likelihood > 0 {
			likelihood = fmt.Sprint(f.Likelihood)
		}
		last := "never"
		if !r.Last.IsZero() {
			last = r.Last.UTC().Format("2006-01-02 15:04Z")
		}
		fmt.Fprintf(&b, "| %d | %s | %s (`%s`) | %s | %s | %s | %s | %s | %d | %s |\n",
			f.Impact, likelihood, md(f.Failure), f.ID, md(f.Service), md(f.Premortem.ID),
			counts(r.Counts[Before]), counts(r.Counts[During]), counts(r.Counts[After]), r.Matched, last)
	}
	return b.String()
}

// counts writes one phase's counts by status, "2 done, 1 planned", or "-".
func counts(m map[Status]int) string {
	var parts []string
	for _, s := range Statuses {
		if n := m[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// RegisterRow is a register row's JSON form; README lists its keys.
type RegisterRow struct {
	ID              string                   `json:"id"`
	Premortem       string                   `json:"premortem"`
	File            string                   `json:"file"`
	Service         string                   `json:"service"`
	Failure         string                   `json:"failure"`
	Period          string                   `json:"period,omitempty"`
	DaysOfMonth     string                   `json:"days_of_month,omitempty"`
	Impact          int                      `json:"impact"`
	Likelihood      int                      `json:"likelihood,omitempty"`
	WarningSigns    []string                 `json:"warning_signs"`
	Countermeasures map[Phase]map[Status]int `json:"countermeasures"`
	Matched         int                      `json:"matched"`
	LastMatched     *time.Time               `json:"last_matched,omitempty"`
	Incidents       []string                 `json:"incidents"`
}

// RegisterJSON returns the rows in their JSON form, every phase present.
func RegisterJSON(rows []Row) []RegisterRow {
	out := make([]RegisterRow, 0, len(rows))
	for _, r := range rows {
		f := r.Failure
		jr := RegisterRow{
			ID: f.ID, Premortem: f.Premortem.ID, File: f.Premortem.File, Service: clean(f.Service), Failure: clean(f.Failure),
			Period: clean(f.Period), Impact: f.Impact, Likelihood: f.Likelihood, WarningSigns: []string{},
			Countermeasures: make(map[Phase]map[Status]int), Matched: r.Matched, Incidents: append([]string{}, r.Incidents...),
		}
		if f.Days != nil {
			jr.DaysOfMonth = f.Days.String()
		}
		for _, w := range f.WarningSigns {
			jr.WarningSigns = append(jr.WarningSigns, clean(w))
		}
		for _, ph := range Phases {
			jr.Countermeasures[ph] = make(map[Status]int)
			for s, n := range r.Counts[ph] {
				jr.Countermeasures[ph][s] = n
			}
		}
		if !r.Last.IsZero() {
			t := r.Last.UTC()
			jr.LastMatched = &t
		}
		out = append(out, jr)
	}
	return out
}
