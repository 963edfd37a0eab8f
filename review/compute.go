package review

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
)

// Percentile is the p-th percentile (0 < p <= 100) of values by nearest
// rank: the value at rank ceil(p/100 × n) of the sorted values. ok is
// false for no values.
func Percentile(values []int64, p float64) (v int64, ok bool) {
	if len(values) == 0 || p <= 0 || p > 100 {
		return 0, false
	}
	s := slices.Clone(values)
	slices.Sort(s)
	// p×n is exact for the p used here, and so is its quotient by 100
	// when that is a whole number: rank 9 of 10 at p90, never 10.
	rank := max(int(math.Ceil(p*float64(len(s))/100)), 1)
	return s[rank-1], true
}

func stat(values []int64) Stat {
	st := Stat{N: len(values)}
	if v, ok := Percentile(values, 50); ok {
		st.P50 = &v
	}
	if v, ok := Percentile(values, 90); ok {
		st.P90 = &v
	}
	return st
}

// Bucket says which hour bucket t falls in, read in loc: sleep hours
// first, then business hours (Monday to Friday), else off-hours.
func Bucket(t time.Time, loc *time.Location, work, sleep Span) string {
	lt := t.In(loc)
	c := At(lt.Hour(), lt.Minute())
	switch {
	case sleep.contains(c):
		return "sleep"
	case lt.Weekday() != time.Saturday && lt.Weekday() != time.Sunday && work.contains(c):
		return "business"
	}
	return "off_hours"
}

func (b *Buckets) add(bucket string) {
	switch bucket {
	case "sleep":
		b.Sleep++
	case "business":
		b.Business++
	default:
		b.OffHours++
	}
}

// notified reads the person in PagerDuty's "Notified Jane Doe by push
// notification." log line.
var notified = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^Notified (.+?) (?:by|via) [^.]+\.?$`)
})

// analysed is one incident with what the postmortem's Build made of it.
type analysed struct {
	Item
	pm postmortem.Report
}

// Compute turns what Gather found into the review. It is pure.
func Compute(d Data, o Options) Report {
	loc, work, sleep := o.loc(), o.work(), o.sleep()
	r := Report{
		Schema:           SchemaVersion,
		GeneratedAt:      o.Now.UTC(),
		Period:           Period{Since: o.Since.UTC(), Until: o.Until.UTC(), Zone: loc.String()},
		Hours:            Hours{Business: work.String() + " Monday-Friday", Sleep: sleep.String() + " every day"},
		PercentileMethod: PercentileMethod,
		ByService:        map[string]Svc{},
		PerDay:           []DayCount{},
		LoadByResponder:  map[string]Buckets{},
		LoadByService:    map[string]Buckets{},
		Repeats:          []Repeat{},
		ErrorBudgets:     []Budget{},
		Postmortems:      []Postmortem{},
		Agenda:           []AgendaItem{},
		Minutes:          []Minute{},
		TTASamples:       []int64{},
		TTRSamples:       []int64{},
	}
	// The drafts count pages outside the same working hours and in the
	// same sleep hours.
	workHours := postmortem.Hours{Start: time.Duration(work.Start) * time.Minute, End: time.Duration(work.End) * time.Minute}
	sleepHours := postmortem.Hours{Start: time.Duration(sleep.Start) * time.Minute, End: time.Duration(sleep.End) * time.Minute}
	items := make([]analysed, 0, len(d.Incidents))
	for _, it := range d.Incidents {
		if it.Incident.CreatedAt.Before(o.Since) || !it.Incident.CreatedAt.Before(o.Until) || !wanted(it.Incident, o.Services) {
			continue
		}
		pm := postmortem.Build(postmortem.Input{Incident: it.Incident, Timeline: it.Timeline, Now: o.Now,
			SLOs: o.SLOs, Location: loc, WorkHours: workHours, SleepHours: sleepHours})
		items = append(items, analysed{it, pm})
	}
	slices.SortStableFunc(items, func(a, b analysed) int { return a.Incident.CreatedAt.Compare(b.Incident.CreatedAt) })
	r.Incidents = len(items)

	// Numbers.
	var tta, ttm, ttr []int64
	svcTTA, svcTTR := map[string][]int64{}, map[string][]int64{}
	perDay := map[string]int{}
	for _, a := range items {
		m := a.pm.Metrics
		svc := serviceName(a.Incident)
		s := r.ByService[svc]
		s.Incidents++
		r.ByService[svc] = s
		if m.TimeToAcknowledge != nil {
			tta = append(tta, *m.TimeToAcknowledge)
			svcTTA[svc] = append(svcTTA[svc], *m.TimeToAcknowledge)
		}
		if m.TimeToMitigate != nil {
			ttm = append(ttm, *m.TimeToMitigate)
		}
		if m.TimeToResolve != nil {
			ttr = append(ttr, *m.TimeToResolve)
			svcTTR[svc] = append(svcTTR[svc], *m.TimeToResolve)
		}
		perDay[a.Incident.CreatedAt.In(loc).Format(time.DateOnly)]++
	}
	r.TTA, r.TTM, r.TTR = stat(tta), stat(ttm), stat(ttr)
	r.TTASamples, r.TTRSamples = append(r.TTASamples, tta...), append(r.TTRSamples, ttr...)
	prevSince := o.Since.Add(-o.Until.Sub(o.Since))
	for _, in := range d.Earlier {
		if in.CreatedAt.Before(prevSince) || !in.CreatedAt.Before(o.Since) || !wanted(in, o.Services) {
			continue
		}
		r.PreviousIncidents++
		svc := serviceName(in)
		s := r.ByService[svc]
		s.Previous++
		r.ByService[svc] = s
	}
	for name, s := range r.ByService {
		s.Change = s.Incidents - s.Previous
		if s.Previous > 0 {
			pct := math.Round(float64(s.Change)/float64(s.Previous)*1000) / 10
			s.ChangePercent = &pct
		}
		s.TTA, s.TTR = stat(svcTTA[name]), stat(svcTTR[name])
		r.ByService[name] = s
	}
	for day := o.Since.In(loc); day.Before(o.Until); day = nextDay(day) {
		key := day.Format(time.DateOnly)
		r.PerDay = append(r.PerDay, DayCount{Date: key, Incidents: perDay[key]})
	}

	// Load on people.
	for _, a := range items {
		svc := serviceName(a.Incident)
		r.IncidentsByHours.add(Bucket(a.Incident.CreatedAt, loc, work, sleep))
		for _, e := range a.Timeline {
			if e.Kind != incident.KindNotify || e.At.IsZero() || e.State == incident.Failed {
				continue
			}
			b := Bucket(e.At, loc, work, sleep)
			r.PagesByHours.add(b)
			r.PagesByHourOfDay[e.At.In(loc).Hour()]++
			who := incident.Clean(e.Actor)
			if m := notified().FindStringSubmatch(incident.Clean(e.Summary)); m != nil {
				who = m[1]
			}
			if who == "" {
				who = "unknown"
			}
			rb := r.LoadByResponder[who]
			rb.add(b)
			r.LoadByResponder[who] = rb
			sb := r.LoadByService[svc]
			sb.add(b)
			r.LoadByService[svc] = sb
		}
	}

	// Drafts by incident number, for links.
	draftOf := func(in incident.Incident) string {
		if dr, ok := newestDraft(d.Drafts, in.Number); ok {
			return dr.Path
		}
		return ""
	}
	ref := func(in incident.Incident) Ref {
		return Ref{ID: incident.Clean(in.ID), Number: in.Number, Title: oneLine(in.Title), Service: serviceName(in),
			CreatedAt: in.CreatedAt.UTC(), URL: safeURL(in.URL), Draft: draftOf(in)}
	}

	// Repeats.
	var repeatOf map[string]bool
	r.Repeats, repeatOf = repeats(d.Earlier, items, o, ref)

	r.FollowUps = followUps(d, items, o, ref)
	r.Minutes = minutes(d, items, o, ref)
	r.ErrorBudgets = budgets(d, items, o)

	// Postmortems.
	for _, a := range items {
		if a.Incident.Status != incident.Resolved {
			continue
		}
		p := Postmortem{Incident: ref(a.Incident), State: "missing", ReviewDue: a.pm.Review.Due}
		if dr, ok := newestDraft(d.Drafts, a.Incident.Number); ok {
			p.State = "draft"
			if dr.Edited {
				p.State = "edited"
			}
			p.Hints = len(dr.Hints)
			for _, h := range dr.Hints[:min(3, len(dr.Hints))] {
				p.HintSamples = append(p.HintSamples, oneLine(fmt.Sprintf("%s: %s", h.Where, h.Message)))
			}
		}
		if p.ReviewDue != "" && p.State != "edited" {
			if due, err := time.ParseInLocation(time.DateOnly, p.ReviewDue, loc); err == nil && !o.Now.Before(due) {
				p.ReviewOverdue = true
			}
		}
		if o.Foreseen != nil {
			if name, ok := o.Foreseen(a.Incident, a.Timeline); ok {
				p.Foreseen = oneLine(name)
			}
		}
		r.Postmortems = append(r.Postmortems, p)
	}

	// Agenda.
	for _, a := range items {
		im := a.pm.Impact
		ai := AgendaItem{Incident: ref(a.Incident), Priority: oneLine(a.Incident.Priority), Severity: a.pm.Review.Severity,
			DurationSeconds: im.DurationSeconds, Repeat: repeatOf[a.Incident.ID]}
		if im.ErrorBudget != nil {
			ai.BudgetPercent = im.ErrorBudget.ConsumedPercent
		}
		ai.Summary = agendaLine(ai, a.pm)
		r.Agenda = append(r.Agenda, ai)
	}
	slices.SortStableFunc(r.Agenda, func(x, y AgendaItem) int {
		return cmp.Or(
			cmp.Compare(sevRank(x.Severity), sevRank(y.Severity)),
			-cmp.Compare(x.BudgetPercent, y.BudgetPercent),
			-cmp.Compare(deref(x.DurationSeconds), deref(y.DurationSeconds)),
			cmp.Compare(x.Incident.Number, y.Incident.Number),
		)
	})
	limit := o.AgendaLimit
	if limit <= 0 {
		limit = 20
	}
	r.Agenda = r.Agenda[:min(limit, len(r.Agenda))]
	return r
}

func nextDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// sevRank orders severities 1, 2, then unknown (0) and the rest.
func sevRank(s int) int {
	if s <= 0 {
		return math.MaxInt
	}
	return s
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func agendaLine(a AgendaItem, pm postmortem.Report) string {
	var parts []string
	parts = append(parts, cmp.Or(a.Priority, "no priority"))
	if a.DurationSeconds != nil {
		parts = append(parts, "impact "+Duration(*a.DurationSeconds)+" ("+pm.Impact.EndedBy+")")
	} else {
		parts = append(parts, "impact unknown")
	}
	if a.BudgetPercent > 0 {
		parts = append(parts, fmt.Sprintf("%.2f%% of the error budget", a.BudgetPercent))
	}
	if pm.Metrics.Pages > 0 {
		parts = append(parts, plural(pm.Metrics.Pages, "page"))
	}
	if n := len(pm.ActionItems); n > 0 {
		parts = append(parts, plural(n, "follow-up"))
	}
	if a.Repeat {
		parts = append(parts, "repeat")
	}
	return strings.Join(parts, " · ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Duration is seconds as people read them: "45s", "12m", "3h 05m", "2d 4h".
func Duration(sec int64) string {
	d := time.Duration(sec) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", sec)
	case d < time.Hour:
		return fmt.Sprintf("%dm", int64(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %02dm", int64(d/time.Hour), int64(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd %dh", int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour))
}

func serviceName(in incident.Incident) string {
	return cmp.Or(oneLine(in.Service.Name), oneLine(in.Service.ID), "unknown service")
}

// maxEarlier bounds the earlier incidents a repeat lists (the newest);
// Repeat.EarlierCount says how many there were.
const maxEarlier = 5

// repeats finds, for each incident of the period, the earlier ones on its
// service with a similar title, or with its alert key (PagerDuty's
// incident_key) on any service, in the period or RepeatLookback before it.
// Titles are grouped by their word sets per service, so each incident is
// compared with its service's distinct titles, not with every incident:
// a noisy service's thousand pages of one alert cost a thousand lookups.
// The incidents of a key are grouped by the same shapes, so one found
// both ways is counted once.
func repeats(earlier []incident.Incident, items []analysed, o Options, ref func(incident.Incident) Ref) ([]Repeat, map[string]bool) {
	type shape struct {
		words map[string]bool
		list  []incident.Incident // oldest first
	}
	byService := map[string]map[string]*shape{}
	byKey := map[string]map[*shape][]incident.Incident{} // oldest first
	add := func(in incident.Incident, ws map[string]bool) {
		svc := serviceKey(in)
		key := wordsKey(ws)
		if byService[svc] == nil {
			byService[svc] = map[string]*shape{}
		}
		sh := byService[svc][key]
		if sh == nil {
			sh = &shape{words: ws}
			byService[svc][key] = sh
		}
		sh.list = append(sh.list, in)
		if k := alertKey(in); k != "" {
			if byKey[k] == nil {
				byKey[k] = map[*shape][]incident.Incident{}
			}
			byKey[k][sh] = append(byKey[k][sh], in)
		}
	}
	before := func(list []incident.Incident, t time.Time) int {
		n, _ := slices.BinarySearchFunc(list, t, func(x incident.Incident, t time.Time) int {
			if x.CreatedAt.Before(t) {
				return -1
			}
			return 1
		})
		return n
	}
	var history []incident.Incident
	for _, in := range earlier {
		if !in.CreatedAt.Before(o.Since.Add(-RepeatLookback)) && in.CreatedAt.Before(o.Since) && wanted(in, o.Services) {
			history = append(history, in)
		}
	}
	slices.SortStableFunc(history, func(a, b incident.Incident) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for _, in := range history {
		add(in, words(in.Title))
	}
	out, repeatOf := []Repeat{}, map[string]bool{}
	for _, a := range items {
		t := a.Incident.CreatedAt
		ws := words(a.Incident.Title)
		var found []incident.Incident
		count, byTitle, byAlertKey := 0, false, false
		similarShapes := map[*shape]bool{}
		for _, sh := range byService[serviceKey(a.Incident)] {
			if !similarSets(ws, sh.words) {
				continue
			}
			similarShapes[sh] = true
			n := before(sh.list, t)
			count += n
			byTitle = byTitle || n > 0
			found = append(found, sh.list[max(0, n-maxEarlier):n]...)
		}
		if k := alertKey(a.Incident); k != "" {
			for sh, list := range byKey[k] {
				n := before(list, t)
				byAlertKey = byAlertKey || n > 0
				if similarShapes[sh] {
					continue // counted with the similar titles
				}
				count += n
				found = append(found, list[max(0, n-maxEarlier):n]...)
			}
		}
		add(a.Incident, ws)
		if count == 0 {
			continue
		}
		slices.SortFunc(found, func(x, y incident.Incident) int {
			return cmp.Or(y.CreatedAt.Compare(x.CreatedAt), cmp.Compare(x.ID, y.ID))
		})
		refs := make([]Ref, 0, min(len(found), maxEarlier))
		for _, in := range found[:min(len(found), maxEarlier)] {
			refs = append(refs, ref(in))
		}
		var reasons []string
		if byTitle {
			reasons = append(reasons, "same service, similar title")
		}
		if byAlertKey {
			reasons = append(reasons, "same alert key")
		}
		out = append(out, Repeat{Incident: ref(a.Incident), Reason: strings.Join(reasons, "; "), Earlier: refs, EarlierCount: count})
		repeatOf[a.Incident.ID] = true
	}
	return out, repeatOf
}

// alertKey is the incident's de-duplication key as a repeat compares it.
func alertKey(in incident.Incident) string { return strings.TrimSpace(incident.Clean(in.Key)) }

func serviceKey(in incident.Incident) string {
	if in.Service.ID != "" {
		return "id:" + in.Service.ID
	}
	return "name:" + strings.ToLower(in.Service.Name)
}

func wordsKey(ws map[string]bool) string {
	return strings.Join(slices.Sorted(maps.Keys(ws)), " ")
}

// similar reports whether two titles name the same failure: their words,
// lowercased, without numbers, ids and hosts' digits, overlap by at least
// two thirds (Jaccard). "High latency on checkout-api (pod 7f3a)" and
// "High latency on checkout-api (pod 91bc)" are similar.
func similar(a, b string) bool { return similarSets(words(a), words(b)) }

func similarSets(wa, wb map[string]bool) bool {
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	inter := 0
	for w := range wa {
		if wb[w] {
			inter++
		}
	}
	union := len(wa) + len(wb) - inter
	return inter*3 >= union*2
}

var wordPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[\p{L}\p{N}]+`)
})

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range wordPattern().FindAllString(strings.ToLower(incident.Clean(s)), -1) {
		if len(w) < 2 || strings.ContainsAny(w, "0123456789") {
			continue // numbers, ids, pod hashes with digits
		}
		out[w] = true
	}
	return out
}

// budgets prices each configured SLO with postmortem's Build: the
// period's incidents' impact, and the impact of the SLO window ending at
// the period's end (earlier incidents from their listed times alone).
func budgets(d Data, items []analysed, o Options) []Budget {
	out := []Budget{}
	keys := slices.Sorted(maps.Keys(o.SLOs))
	for _, key := range keys {
		slo := o.SLOs[key]
		if !slo.Valid() {
			continue
		}
		match := func(in incident.Incident) bool {
			return key != "" && (in.Service.ID == key || in.Service.Name == key)
		}
		b := Budget{Service: oneLine(key), Target: slo.Target, WindowSeconds: int64(slo.Window / time.Second),
			BudgetSeconds: math.Round((1-slo.Target)*slo.Window.Seconds()*1000) / 1000}
		windowStart := o.Until.Add(-slo.Window)
		for _, a := range items {
			if !match(a.Incident) {
				continue
			}
			b.Incidents++
			if eb := a.pm.Impact.ErrorBudget; eb != nil {
				b.ConsumedSeconds += eb.ConsumedSeconds
				if !a.Incident.CreatedAt.Before(windowStart) {
					b.WindowConsumedSeconds += eb.ConsumedSeconds
				}
			}
		}
		for _, in := range d.Earlier {
			if !match(in) || in.CreatedAt.Before(windowStart) || !in.CreatedAt.Before(o.Since) {
				continue
			}
			pm := postmortem.Build(postmortem.Input{Incident: in, Now: o.Now, SLOs: o.SLOs, Location: o.loc()})
			if eb := pm.Impact.ErrorBudget; eb != nil {
				b.WindowConsumedSeconds += eb.ConsumedSeconds
			}
		}
		if b.BudgetSeconds > 0 {
			b.ConsumedPercent = math.Round(float64(b.ConsumedSeconds)/b.BudgetSeconds*10000) / 100
			b.RemainingSeconds = math.Round((b.BudgetSeconds-float64(b.WindowConsumedSeconds))*1000) / 1000
			b.RemainingPercent = math.Round(b.RemainingSeconds/b.BudgetSeconds*10000) / 100
		}
		out = append(out, b)
	}
	return out
}

// oneLine is outside text for one line: cleaned, whitespace folded.
func oneLine(s string) string { return strings.Join(strings.Fields(incident.Clean(s)), " ") }

// safeURL keeps a plain http(s) address, nothing else.
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	if (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, " \t\r\n<>\"'`\\") {
		return u
	}
	return ""
}
