package review

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// Source is what a review reads from the provider: the incidents of a
// date range and each one's log. The PagerDuty adapter is one.
type Source interface {
	List(ctx context.Context, f incident.Filter) ([]incident.Incident, error)
	Events(ctx context.Context, id string) ([]incident.Event, error)
	EventsSince(ctx context.Context, id string, since time.Time) ([]incident.Event, error)
}

// Journal is what a review reads from the local journal.
type Journal interface {
	Events(incidentID string) ([]incident.Event, error)
	JournaledIncidents() ([]string, error)
}

// Cache keeps what earlier reviews fetched (store's review cache).
type Cache interface {
	ReviewEntries(ids []string) (map[string]store.ReviewEntry, error)
	SaveReviewEntries(entries []store.ReviewEntry) error
}

// Data is what Gather found: the input of Compute.
type Data struct {
	// Incidents are the period's, with their merged timelines.
	Incidents []Item
	// Earlier are the incidents created before the period, as far back as
	// repeats, the previous period and the SLO windows need; no timelines.
	Earlier []incident.Incident
	// Local is the journal's events of every incident it holds, by id:
	// where follow-ups recorded before the period are found.
	Local map[string][]incident.Event
	// Drafts are the postmortem drafts in Options.PostmortemsDir.
	Drafts []Draft
	Stats  Stats
}

// Item is one incident with its timeline.
type Item struct {
	Incident incident.Incident
	Timeline incident.Timeline
}

// Stats says what Gather asked for and what it took from the cache.
type Stats struct {
	Listed    int // incidents listed, period and lookback
	Fetched   int // timelines read whole
	Refreshed int // cached timelines brought up to date with what is new
	Cached    int // timelines taken from the cache without a request
}

const (
	defaultListWindow = 30 * 24 * time.Hour
	minListWindow     = time.Hour
	defaultWorkers    = 4
	// saveEvery bounds what an interrupted review loses: fetched timelines
	// are cached in batches of this many.
	saveEvery = 500
	// refreshOverlap is how far before the cached fetch a refresh asks
	// from, for clocks that differ; events come back by id, so overlap is
	// harmless.
	refreshOverlap = time.Minute
)

// ErrPeriod is returned for a period that cannot be reviewed.
var ErrPeriod = errors.New("invalid review period")

// lookback is how far before Since Gather lists: the previous period,
// the repeats' 30 days, and the longest SLO window, whichever is longest.
func (o Options) lookback() time.Duration {
	d := max(o.Until.Sub(o.Since), RepeatLookback)
	for _, s := range o.SLOs {
		if s.Valid() {
			d = max(d, s.Window)
		}
	}
	return d
}

// Gather reads what the review needs. j, c may be nil (no journal, no
// cache). A cache that cannot be written (a read-only journal) costs the
// next review requests, nothing more, so it is reported on Progress and
// not returned.
func Gather(ctx context.Context, src Source, j Journal, c Cache, o Options) (Data, error) {
	if o.Since.IsZero() || o.Until.IsZero() || !o.Until.After(o.Since) {
		return Data{}, fmt.Errorf("%w: since %s must be before until %s", ErrPeriod, o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	p := progress{w: o.Progress}
	var d Data
	from := o.Since.Add(-o.lookback())
	all, err := listRange(ctx, src, from, o.Until, o.ListWindow, &p)
	if err != nil {
		return Data{}, err
	}
	d.Stats.Listed = len(all)
	var period []incident.Incident
	for _, in := range all {
		if !wanted(in, o.Services) {
			continue
		}
		if in.CreatedAt.Before(o.Since) {
			d.Earlier = append(d.Earlier, in)
		} else {
			period = append(period, in)
		}
	}

	d.Local = map[string][]incident.Event{}
	if j != nil {
		ids, err := j.JournaledIncidents()
		if err != nil {
			return Data{}, fmt.Errorf("review: %w", err)
		}
		for _, id := range ids {
			evs, err := j.Events(id)
			if err != nil {
				return Data{}, fmt.Errorf("review: %w", err)
			}
			d.Local[id] = evs
		}
	}

	remote, err := timelines(ctx, src, c, period, o, &d.Stats, &p)
	if err != nil {
		return Data{}, err
	}
	for i, in := range period {
		d.Incidents = append(d.Incidents, Item{Incident: in, Timeline: incident.Merge(remote[i], d.Local[in.ID])})
	}
	if o.PostmortemsDir != "" {
		drafts, warnings, err := ReadDrafts(o.PostmortemsDir)
		if err != nil {
			return Data{}, err
		}
		for _, w := range warnings {
			p.linef("warning: %s", w)
		}
		d.Drafts = drafts
	}
	return d, nil
}

// wanted reports whether in is on one of services (by id or name,
// case-insensitively); no services means every one.
func wanted(in incident.Incident, services []string) bool {
	if len(services) == 0 {
		return true
	}
	for _, s := range services {
		if strings.EqualFold(s, in.Service.ID) || strings.EqualFold(s, in.Service.Name) {
			return true
		}
	}
	return false
}

// listRange lists every incident created in [from, until), in windows of
// at most window; a window that meets the provider's 10,000 cap is halved
// and listed again, down to an hour.
func listRange(ctx context.Context, src Source, from, until time.Time, window time.Duration, p *progress) ([]incident.Incident, error) {
	if window <= 0 {
		window = defaultListWindow
	}
	seen := map[string]bool{}
	var out []incident.Incident
	var list func(a, b time.Time) error
	list = func(a, b time.Time) error {
		got, err := src.List(ctx, incident.Filter{
			Statuses: []incident.Status{incident.Triggered, incident.Acknowledged, incident.Resolved},
			Since:    a, Until: b,
		})
		if errors.Is(err, incident.ErrTruncated) && b.Sub(a) > minListWindow {
			mid := a.Add(b.Sub(a) / 2).Truncate(time.Second)
			p.linef("more than the provider pages in %s..%s: splitting", a.Format(time.DateOnly), b.Format(time.DateOnly))
			if err := list(a, mid); err != nil {
				return err
			}
			return list(mid, b)
		}
		if err != nil {
			return fmt.Errorf("review: listing incidents %s to %s: %w", a.Format(time.RFC3339), b.Format(time.RFC3339), err)
		}
		for _, in := range got {
			// Windows overlap at their edges; each incident counts once,
			// in the window its creation falls in.
			if seen[in.ID] || in.CreatedAt.Before(from) || !in.CreatedAt.Before(until) {
				continue
			}
			seen[in.ID] = true
			out = append(out, in)
		}
		p.linef("listed %s..%s: %d incidents so far", a.UTC().Format(time.DateOnly), b.UTC().Format(time.DateOnly), len(out))
		return nil
	}
	for a := from; a.Before(until); a = a.Add(window) {
		if err := list(a, minTime(a.Add(window), until)); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(x, y incident.Incident) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// settled reports whether a cached timeline still tells all of in: both
// resolved, at the same time, with the same alerts, and fetched after the
// resolution. A note added to a resolved incident later is not seen until
// the incident changes; that is the cache's one staleness.
func settled(e store.ReviewEntry, in incident.Incident) bool {
	c := e.Incident
	return in.Status == incident.Resolved && c.Status == incident.Resolved &&
		c.ResolvedAt.Equal(in.ResolvedAt) && c.AlertCount == in.AlertCount &&
		!e.FetchedAt.Before(in.ResolvedAt) && !in.ResolvedAt.IsZero()
}

// timelines returns the provider's events of each incident (index for
// index): from the cache when settled, brought up to date when cached,
// read whole otherwise. Several are fetched at once; the first error
// stops the rest.
func timelines(ctx context.Context, src Source, c Cache, list []incident.Incident, o Options, st *Stats, p *progress) ([][]incident.Event, error) {
	out := make([][]incident.Event, len(list))
	cached := map[string]store.ReviewEntry{}
	if c != nil && len(list) > 0 {
		ids := make([]string, len(list))
		for i, in := range list {
			ids[i] = in.ID
		}
		var err error
		if cached, err = c.ReviewEntries(ids); err != nil {
			p.linef("warning: the review cache cannot be read (%v); fetching everything", err)
			cached = map[string]store.ReviewEntry{}
		}
	}
	var todo []int
	for i, in := range list {
		if e, ok := cached[in.ID]; ok && settled(e, in) {
			out[i] = e.Events
			st.Cached++
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	workers := o.Workers
	if workers <= 0 {
		workers = defaultWorkers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		firstEr error
		pending []store.ReviewEntry
		done    int
		saveErr error
	)
	save := func(force bool) {
		// Called with mu held.
		if c == nil || len(pending) == 0 || (!force && len(pending) < saveEvery) {
			return
		}
		if err := c.SaveReviewEntries(pending); err != nil && saveErr == nil {
			saveErr = err
		}
		pending = pending[:0]
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				in := list[i]
				at := o.fetchTime()
				var (
					evs       []incident.Event
					err       error
					refreshed bool
				)
				if e, ok := cached[in.ID]; ok && !e.FetchedAt.IsZero() {
					var fresh []incident.Event
					fresh, err = src.EventsSince(ctx, in.ID, e.FetchedAt.Add(-refreshOverlap))
					evs, refreshed = byID(e.Events, fresh), true
				} else {
					evs, err = src.Events(ctx, in.ID)
				}
				mu.Lock()
				if err != nil {
					if firstEr == nil {
						firstEr = fmt.Errorf("review: reading the log of #%d (%s): %w", in.Number, in.ID, err)
						cancel()
					}
					mu.Unlock()
					continue
				}
				out[i] = evs
				if refreshed {
					st.Refreshed++
				} else {
					st.Fetched++
				}
				pending = append(pending, store.ReviewEntry{Incident: in, Events: evs, FetchedAt: at})
				save(false)
				done++
				p.step("timelines", done, len(todo))
				mu.Unlock()
			}
		}()
	}
feed:
	for _, i := range todo {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	save(true) // what was fetched before an error is kept too
	p.end()
	if saveErr != nil {
		p.linef("warning: the review cache was not written (%v); the next review fetches these again", saveErr)
	}
	if firstEr != nil {
		return nil, firstEr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	return out, nil
}

// fetchTime is when a fetch starts, as the cache records it.
func (o Options) fetchTime() time.Time {
	if !o.Now.IsZero() {
		return o.Now.UTC()
	}
	return time.Now().UTC()
}

// byID is old with fresh added, an event of an id already held replaced
// by its newer copy, oldest first.
func byID(old, fresh []incident.Event) []incident.Event {
	idx := make(map[string]int, len(old))
	out := slices.Clone(old)
	for i, e := range out {
		idx[e.ID] = i
	}
	for _, e := range fresh {
		if i, ok := idx[e.ID]; ok && e.ID != "" {
			out[i] = e
			continue
		}
		idx[e.ID] = len(out)
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b incident.Event) int { return a.At.Compare(b.At) })
	return out
}

// progress reports on a writer (stderr): lines for steps, and one line
// rewritten in place for the timelines' count.
type progress struct {
	w      io.Writer
	inLine bool
	last   int
}

func (p *progress) linef(format string, a ...any) {
	if p.w == nil {
		return
	}
	if p.inLine {
		fmt.Fprintln(p.w)
		p.inLine = false
	}
	fmt.Fprintf(p.w, "review: "+format+"\n", a...)
}

// step rewrites the progress line, at most a hundred times in all.
func (p *progress) step(what string, done, total int) {
	if p.w == nil || total == 0 {
		return
	}
	pct := done * 100 / total
	if p.inLine && pct == p.last && done != total {
		return
	}
	p.last, p.inLine = pct, true
	const width = 30
	bar := strings.Repeat("#", pct*width/100) + strings.Repeat(".", width-pct*width/100)
	fmt.Fprintf(p.w, "\rreview: %s [%s] %d/%d", what, bar, done, total)
}

func (p *progress) end() {
	if p.w != nil && p.inLine {
		fmt.Fprintln(p.w)
		p.inLine = false
	}
}
