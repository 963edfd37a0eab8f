package review

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// JSON writes r as one indented JSON object with a final newline.
func JSON(w io.Writer, r Report) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // data for tools, not a page
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode review: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// md escapes outside text for Markdown: cleaned to one line, then each
// mark that could start structure inside a line backslash-escaped
// (emphasis, code, links and images, raw HTML and entities, table cells,
// strikethrough, a closing heading sequence), so the text reads literally.
// It never starts a line, so list and heading markers at a line's start
// cannot arise.
func md(s string) string {
	s = oneLine(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#~&!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func pct(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

func secs(p *int64) string {
	if p == nil {
		return "n/a"
	}
	return Duration(*p)
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

func incLabel(r Ref) string {
	if r.Number > 0 {
		return fmt.Sprintf("#%d", r.Number)
	}
	return cmp.Or(md(r.ID), "?")
}

// Markdown writes the review as a meeting agenda in Markdown.
func Markdown(w io.Writer, r Report) error {
	var b bytes.Buffer
	pf := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	pf("# Incident review: %s to %s\n\n", r.Period.Since.Format(time.DateOnly), r.Period.Until.Format(time.DateOnly))
	pf("- **Period:** %s to %s (times in UTC; hours of the day read in %s)\n",
		r.Period.Since.Format(time.RFC3339), r.Period.Until.Format(time.RFC3339), md(r.Period.Zone))
	pf("- **Generated:** %s\n", r.GeneratedAt.Format(time.RFC3339))
	pf("- **Business hours:** %s; **sleep hours:** %s\n\n", r.Hours.Business, r.Hours.Sleep)

	pf("## Numbers\n\n")
	pf("%d incidents (previous period of the same length: %d, %s).\n\n", r.Incidents, r.PreviousIncidents, signed(r.Incidents-r.PreviousIncidents))
	pf("Percentiles by the %s.\n\n", PercentileMethod)
	pf("| Measure | p50 | p90 | Incidents |\n|---|---|---|---|\n")
	for _, row := range []struct {
		name string
		s    Stat
	}{{"Time to acknowledge", r.TTA}, {"Time to mitigate", r.TTM}, {"Time to resolve", r.TTR}} {
		pf("| %s | %s | %s | %d |\n", row.name, secs(row.s.P50), secs(row.s.P90), row.s.N)
	}
	pf("\n### Per service\n\n")
	if len(r.ByService) == 0 {
		pf("No incidents in either period.\n")
	} else {
		pf("| Service | Incidents | Previous | Change | TTA p50 | TTR p50 | TTR p90 |\n|---|---|---|---|---|---|---|\n")
		for _, name := range sortedServices(r.ByService) {
			s := r.ByService[name]
			change := signed(s.Change)
			if s.ChangePercent != nil {
				change += fmt.Sprintf(" (%+.1f%%)", *s.ChangePercent)
			}
			pf("| %s | %d | %d | %s | %s | %s | %s |\n", md(name), s.Incidents, s.Previous, change, secs(s.TTA.P50), secs(s.TTR.P50), secs(s.TTR.P90))
		}
	}
	pf("\n### Incidents per day\n\n")
	var days []string
	for _, d := range r.PerDay {
		days = append(days, fmt.Sprintf("%s: %d", d.Date, d.Incidents))
	}
	pf("%s\n\n", cmp.Or(strings.Join(days, " · "), "none"))

	pf("## Load on people\n\n")
	pf("| Count | Business hours | Off-hours | Sleep hours | Total |\n|---|---|---|---|---|\n")
	pf("| Pages | %d | %d | %d | %d |\n", r.PagesByHours.Business, r.PagesByHours.OffHours, r.PagesByHours.Sleep, r.PagesByHours.Total())
	pf("| Incidents | %d | %d | %d | %d |\n\n", r.IncidentsByHours.Business, r.IncidentsByHours.OffHours, r.IncidentsByHours.Sleep, r.IncidentsByHours.Total())
	for _, sec := range []struct {
		title, col string
		m          map[string]Buckets
	}{{"Pages per responder", "Responder", r.LoadByResponder}, {"Pages per service", "Service", r.LoadByService}} {
		pf("### %s\n\n", sec.title)
		if len(sec.m) == 0 {
			pf("No pages.\n\n")
			continue
		}
		pf("| %s | Business hours | Off-hours | Sleep hours | Total |\n|---|---|---|---|---|\n", sec.col)
		for _, name := range byLoad(sec.m) {
			l := sec.m[name]
			pf("| %s | %d | %d | %d | %d |\n", md(name), l.Business, l.OffHours, l.Sleep, l.Total())
		}
		pf("\n")
	}

	pf("## Repeats\n\n")
	if len(r.Repeats) == 0 {
		pf("No repeats: no incident matched an earlier one on its service or alert key (in the period or the %d days before).\n\n", int(RepeatLookback.Hours()/24))
	}
	for _, rp := range r.Repeats {
		var earlier []string
		for _, e := range rp.Earlier {
			s := fmt.Sprintf("%s %s (%s)", incLabel(e), md(e.Title), e.CreatedAt.Format(time.DateOnly))
			if e.Draft != "" {
				s += ", postmortem " + md(e.Draft)
			}
			earlier = append(earlier, s)
		}
		more := ""
		if n := rp.EarlierCount - len(rp.Earlier); n > 0 {
			more = fmt.Sprintf("; and %d earlier", n)
		}
		pf("- %s %s on %s, %s: repeats %s%s\n", incLabel(rp.Incident), md(rp.Incident.Title), md(rp.Incident.Service), rp.Reason, strings.Join(earlier, "; "), more)
	}
	if len(r.Repeats) > 0 {
		pf("\n")
	}

	f := r.FollowUps
	pf("## Follow-ups\n\n")
	pf("%d done, %d open, %d overdue, %d without an owner or due date, %d cancelled; completion rate %s.\n\n",
		f.Done, f.Open, f.Overdue, f.NoOwnerOrDue, f.Cancelled, pct(f.CompletionRate))
	if len(f.Items) > 0 {
		pf("| State | Follow-up | Owner | Due | Incident | Ticket |\n|---|---|---|---|---|---|\n")
		for _, it := range f.Items {
			state := strings.ReplaceAll(it.State, "_", " ")
			if it.State == StateOverdue {
				state = "**overdue**"
			}
			pf("| %s | %s | %s | %s | %s | %s |\n", state, md(it.Title), cmp.Or(md(it.Owner), "none"), cmp.Or(md(it.Due), "none"),
				incLabel(it.Incident), cmp.Or(md(it.Ticket), ""))
		}
		pf("\n")
	}

	pf("## Error budgets\n\n")
	if len(r.ErrorBudgets) == 0 {
		pf("No SLOs are configured.\n\n")
	} else {
		pf("| SLO | Target | Window | Budget | Incidents | Consumed in period | Remaining in window |\n|---|---|---|---|---|---|---|\n")
		for _, bu := range r.ErrorBudgets {
			pf("| %s | %s%% | %s | %s | %d | %s (%.2f%%) | %s (%.2f%%) |\n", md(bu.Service), trimFloat(bu.Target*100), Duration(bu.WindowSeconds),
				Duration(int64(bu.BudgetSeconds)), bu.Incidents, Duration(bu.ConsumedSeconds), bu.ConsumedPercent,
				signedDuration(bu.RemainingSeconds), bu.RemainingPercent)
		}
		pf("\n")
	}

	pf("## Postmortems\n\n")
	if len(r.Postmortems) == 0 {
		pf("No resolved incidents in the period.\n\n")
	} else {
		pf("| Incident | Postmortem | Review due | Lint hints | Foreseen |\n|---|---|---|---|---|\n")
		for _, p := range r.Postmortems {
			state := map[string]string{"missing": "no draft", "draft": "still the draft", "edited": "written"}[p.State]
			if p.Incident.Draft != "" {
				state += ": " + md(p.Incident.Draft)
			}
			due := cmp.Or(p.ReviewDue, "none")
			if p.ReviewOverdue {
				due = "**" + due + ", overdue**"
			}
			pf("| %s %s | %s | %s | %d | %s |\n", incLabel(p.Incident), md(p.Incident.Title), state, due, p.Hints, cmp.Or(md(p.Foreseen), "no"))
		}
		pf("\n")
		for _, p := range r.Postmortems {
			for _, h := range p.HintSamples {
				pf("- %s: %s\n", incLabel(p.Incident), md(h))
			}
		}
	}

	pf("\n## Agenda\n\n")
	if len(r.Agenda) == 0 {
		pf("No incidents to discuss.\n")
	}
	for i, a := range r.Agenda {
		link := "no draft yet"
		if a.Incident.Draft != "" {
			link = "draft " + md(a.Incident.Draft)
		}
		pf("%d. **%s %s** (%s): %s; %s\n", i+1, incLabel(a.Incident), md(a.Incident.Title), md(a.Incident.Service), md(a.Summary), link)
	}
	pf("\n## Minutes\n\n")
	if len(r.Minutes) == 0 {
		pf("Nothing recorded in a review yet (oncall review decision, oncall review follow-up).\n")
	}
	for _, m := range r.Minutes {
		by := ""
		if m.By != "" {
			by = " (" + md(m.By) + ")"
		}
		pf("- %s UTC, on %s: %s%s\n", m.At.Format("2006-01-02 15:04"), incLabel(m.Incident), md(m.Text), by)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func trimFloat(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", f), "0"), ".")
}

func signedDuration(s float64) string {
	if s < 0 {
		return "-" + Duration(int64(-s))
	}
	return Duration(int64(s))
}

// sortedServices orders services by incidents, then name.
func sortedServices(m map[string]Svc) []string {
	names := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(names, func(a, b string) int { return -cmp.Compare(m[a].Incidents, m[b].Incidents) })
	return names
}

// byLoad orders names by sleep pages, then all pages, then name: the
// people woken most come first.
func byLoad(m map[string]Buckets) []string {
	names := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(names, func(a, b string) int {
		return cmp.Or(-cmp.Compare(m[a].Sleep, m[b].Sleep), -cmp.Compare(m[a].Total(), m[b].Total()))
	})
	return names
}
