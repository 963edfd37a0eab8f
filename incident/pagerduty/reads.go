package pagerduty

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

// This file holds the reads: incident listings and their date windows, one
// incident, its events and alerts, and the users and policies for pickers.

// pageSize is the largest page PagerDuty serves.
const pageSize = 100

// offsetCap is PagerDuty's limit on offset+limit for classic pagination.
const offsetCap = 10000

// Active lists triggered and acknowledged incidents, newest first.
func (c *Client) Active(ctx context.Context) ([]incident.Incident, error) {
	return c.List(ctx, incident.Filter{})
}

// List lists the incidents f selects, newest first, walking every page of
// 100 (so 2,500 incidents take 25 requests). PagerDuty cannot page past
// offset+limit 10,000: reaching that returns the first 10,000 with an
// error wrapping incident.ErrTruncated (narrower filters get the rest).
func (c *Client) List(ctx context.Context, f incident.Filter) ([]incident.Incident, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	opts := pd.ListIncidentsOptions{
		Limit:      pageSize,
		SortBy:     "created_at:desc",
		Includes:   []string{"conference_bridge"}, // PagerDuty sends the bridge only when asked
		Statuses:   strs(f.Statuses),
		Urgencies:  strs(f.Urgencies),
		ServiceIDs: slices.Clone(f.ServiceIDs),
		TeamIDs:    slices.Clone(f.TeamIDs),
		UserIDs:    slices.Clone(f.UserIDs),
		// PagerDuty matches it against incident_key and the alerts' alert_key.
		IncidentKey: f.IncidentKey,
	}
	if len(opts.Statuses) == 0 {
		opts.Statuses = []string{string(incident.Triggered), string(incident.Acknowledged)}
	}
	windows := []window{{}} // none: PagerDuty's default range, or date_range=all
	switch {
	case !f.Since.IsZero():
		windows = dateWindows(f.Since, cmpTime(f.Until, c.cfg.Now()))
	case !f.Until.IsZero():
		// Without since PagerDuty covers the month before until; ask for
		// that month explicitly, so the answer does not depend on it.
		windows = dateWindows(f.Until.AddDate(0, -1, 0), f.Until)
	case !slices.Contains(opts.Statuses, string(incident.Resolved)):
		// PagerDuty lists the last month unless told otherwise; an incident
		// still open after that is still someone's problem.
		opts.DateRange = "all"
	}
	if f.AssignedToMe || f.MyTeams {
		u, err := c.currentUser(ctx)
		if err != nil {
			return nil, err
		}
		if f.AssignedToMe {
			opts.UserIDs = append(opts.UserIDs, u.id)
		}
		if f.MyTeams {
			if len(u.teamIDs) == 0 {
				return nil, nil // on no team: no team's incidents
			}
			opts.TeamIDs = append(opts.TeamIDs, u.teamIDs...)
		}
	}
	var out []incident.Incident
	seen := make(map[string]bool)
	for _, w := range windows {
		if !w.since.IsZero() {
			opts.Since, opts.Until = w.since.UTC().Format(time.RFC3339), w.until.UTC().Format(time.RFC3339)
		}
		capped, err := walk(ctx, c, "list incidents", "incidents", func(ctx context.Context, offset uint, total bool) (page[pd.Incident], error) {
			opts.Offset, opts.Total = offset, total
			resp, err := c.pd.ListIncidentsWithContext(ctx, opts)
			if err != nil {
				return page[pd.Incident]{}, err
			}
			return page[pd.Incident]{resp.Incidents, resp.More, resp.Total}, nil
		}, func(in pd.Incident) {
			if !seen[in.ID] { // windows overlap by a second
				seen[in.ID] = true
				out = append(out, convertIncident(in))
			}
		})
		if err != nil {
			return nil, err
		}
		if capped {
			// What to narrow by is the caller's to say: it knows its flags.
			return out, fmt.Errorf("list incidents: more than %d match and PagerDuty cannot page further; these are the newest %d: %w",
				offsetCap, len(out), incident.ErrTruncated)
		}
	}
	return out, nil
}

// window is one date range of a listing; zero means no dates.
type window struct{ since, until time.Time }

// maxWindow is the longest range asked of GET /incidents at once:
// PagerDuty's reference allows six months, and 180 days is shorter than
// any six calendar months.
const maxWindow = 180 * 24 * time.Hour

// dateWindows splits [since, until) into ranges of at most maxWindow,
// newest first, so that a listing sorted newest first stays so when the
// pages of each are appended. Neighbours overlap by a second: PagerDuty's
// reference does not say whether since and until are inclusive, and an
// incident on a boundary must be found (List drops the repeat).
func dateWindows(since, until time.Time) []window {
	var out []window
	for end := until; end.After(since); end = end.Add(-maxWindow) {
		start := end.Add(-maxWindow)
		if start.Before(since) {
			start = since
		}
		to := end
		if len(out) > 0 {
			to = end.Add(time.Second)
		}
		out = append(out, window{since: start, until: to})
	}
	return out
}

func cmpTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func strs[T ~string](in []T) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, string(v))
	}
	return out
}

// Get fetches one incident.
func (c *Client) Get(ctx context.Context, id string) (incident.Incident, error) {
	if err := checkID(id); err != nil {
		return incident.Incident{}, err
	}
	var in *pd.Incident
	err := c.call(ctx, "get incident "+id, func(ctx context.Context) error {
		var err error
		// go-pagerduty's GetIncident takes no include[]; the transport adds
		// it, since PagerDuty sends the bridge only when asked.
		in, err = c.pd.GetIncidentWithContext(withQuery(ctx, "include[]", "conference_bridge"), id)
		return err
	})
	if err != nil {
		return incident.Incident{}, err
	}
	return convertIncident(*in), nil
}

// Events returns log entries, notes and alert arrivals for an incident.
// Notes come from the notes endpoint (their full text); the log's
// annotate entries for them are skipped so each note shows once.
func (c *Client) Events(ctx context.Context, id string) ([]incident.Event, error) {
	return c.EventsSince(ctx, id, time.Time{})
}

// EventsSince returns the events at or after since; a zero since means
// all of them. Polling an open incident this way costs one request for the
// log entries since then. Notes are fetched only when the log shows a new
// annotation, and alerts only when it shows a trigger: a steady poll of a
// quiet incident is one small request however long its timeline. (An alert
// grouped later shows in Incident.AlertCount, which the list carries; call
// Alerts when it grows.) Events exactly at since may come again: PagerDuty
// counts time in seconds, so callers keep events by ID.
//
// PagerDuty's reference does not say whether since is inclusive, so the
// request asks from a second earlier (sinceOverlap) and drops what is
// older than since: an event written in the same second as the caller's
// newest is found either way. Each log entry is returned once per call,
// even when new entries shift the pages while they are read.
//
// A full read under incident.WithEventPages reads the notes first and
// hands them on as a page of their own, then the log's pages; the notes
// are read again at the end only if the log announces one added since.
func (c *Client) EventsSince(ctx context.Context, id string, since time.Time) ([]incident.Event, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	full := since.IsZero()
	var (
		notes     []pd.IncidentNote
		haveNotes bool
	)
	if pages, ok := incident.EventPagesFrom(ctx); ok && full {
		// A long read hands its log pages on as they come (logEntries),
		// and the log's annotations carry no text: the notes, one
		// request, are read first so the conversation shows from the
		// first page rather than when the last has come.
		var err error
		if notes, err = c.notes(ctx, id); err != nil {
			return nil, err
		}
		haveNotes = true
		pages(incident.EventPage{Events: convertNotes(id, notes, since)})
	}
	entries, err := c.logEntries(ctx, id, since)
	if err != nil {
		return nil, err
	}
	var out []incident.Event
	needNotes, needAlerts := full, full
	var markers []string // annotate and trigger entries this call covers
	seen := make(map[string]bool, len(entries))
	for _, le := range entries {
		if seen[le.ID] || !full && parseTime(le.CreatedAt).Before(since) {
			continue // a repeat from a shifted page, or the overlap second
		}
		seen[le.ID] = true
		switch strings.TrimSuffix(le.Type, "_reference") {
		case "annotate_log_entry":
			needNotes = needNotes || c.isNew(id, le, since)
			markers = append(markers, le.ID)
		case "trigger_log_entry":
			needAlerts = needAlerts || c.isNew(id, le, since)
			markers = append(markers, le.ID)
		}
		if e, ok := convertLogEntry(id, le); ok {
			out = append(out, e)
		}
	}
	if needNotes && (!haveNotes || notesBehind(entries, notes)) {
		if notes, err = c.notes(ctx, id); err != nil {
			return nil, err
		}
	}
	if needNotes {
		out = append(out, convertNotes(id, notes, since)...)
	}
	if needAlerts {
		alerts, err := c.Alerts(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, a := range alerts {
			if a.CreatedAt.Before(since) {
				continue
			}
			out = append(out, incident.Event{
				ID: a.ID, IncidentID: id, Kind: incident.KindAlert, At: a.CreatedAt,
				Summary: a.Summary, Origin: incident.Remote,
			})
		}
	}
	c.cover(id, markers)
	return out, nil
}

// notes reads an incident's notes (PagerDuty sends them all at once).
func (c *Client) notes(ctx context.Context, id string) ([]pd.IncidentNote, error) {
	var notes []pd.IncidentNote
	err := c.call(ctx, "incident notes "+id, func(ctx context.Context) error {
		var err error
		notes, err = c.pd.ListIncidentNotesWithContext(ctx, id)
		return err
	})
	return notes, err
}

// convertNotes converts the notes at or after since.
func convertNotes(id string, notes []pd.IncidentNote, since time.Time) []incident.Event {
	var out []incident.Event
	for _, n := range notes {
		if parseTime(n.CreatedAt).Before(since) {
			continue
		}
		out = append(out, convertNote(id, n))
	}
	return out
}

// notesBehind reports whether notes read before the log may lack a note
// the log announces: a note added while the pages were read. Each note
// makes one annotate entry, so it is when the log has an annotation
// after the newest note read, or more annotations in that note's second
// than notes. Without a second read such a note would be missed for
// good: later polls start after it.
func notesBehind(entries []pd.LogEntry, notes []pd.IncidentNote) bool {
	var newest time.Time
	for _, n := range notes {
		if at := parseTime(n.CreatedAt); at.After(newest) {
			newest = at
		}
	}
	annotations, atNewest := 0, 0
	for _, le := range entries {
		if strings.TrimSuffix(le.Type, "_reference") != "annotate_log_entry" {
			continue
		}
		at := parseTime(le.CreatedAt)
		if at.After(newest) {
			return true // with no notes read, any annotation is one
		}
		if at.Equal(newest) {
			annotations++
		}
	}
	for _, n := range notes {
		if parseTime(n.CreatedAt).Equal(newest) {
			atNewest++
		}
	}
	return annotations > atNewest
}

// isNew says whether an annotate or trigger entry may announce a note or
// alert the caller has not seen: any entry after since may; one at since
// itself (PagerDuty counts in seconds, so the last poll's newest second
// comes back) only if this client has not fetched for it already.
// Without this, an incident whose newest event is a note would cost a
// notes request on every poll.
func (c *Client) isNew(id string, le pd.LogEntry, since time.Time) bool {
	if parseTime(le.CreatedAt).After(since) {
		return true
	}
	c.coveredMu.Lock()
	defer c.coveredMu.Unlock()
	return !c.covered[id][le.ID]
}

// cover remembers the annotate and trigger entries whose notes and alerts
// have been read. Only the boundary second consults it, so it needs no
// pruning beyond one set per incident polled.
func (c *Client) cover(id string, entryIDs []string) {
	if len(entryIDs) == 0 {
		return
	}
	c.coveredMu.Lock()
	defer c.coveredMu.Unlock()
	if c.covered == nil {
		c.covered = make(map[string]map[string]bool)
	}
	set := c.covered[id]
	if set == nil {
		set = make(map[string]bool)
		c.covered[id] = set
	}
	for _, e := range entryIDs {
		set[e] = true
	}
}

// sinceOverlap is how far before since the log is asked for: one second,
// PagerDuty's resolution, so an inclusive and an exclusive since both
// return the entries at since.
const sinceOverlap = time.Second

// logEntries walks an incident's log entries at or after since (all of
// them when since is zero).
func (c *Client) logEntries(ctx context.Context, id string, since time.Time) ([]pd.LogEntry, error) {
	opts := pd.ListIncidentLogEntriesOptions{Limit: pageSize}
	if !since.IsZero() {
		opts.Since = since.Add(-sinceOverlap).UTC().Format(time.RFC3339)
	}
	// The pages as decoded, joined once at the end: appending 10,000
	// entries of 1.6 KB one by one copied them again at every doubling.
	var read [][]pd.LogEntry
	if pages, ok := incident.EventPagesFrom(ctx); ok && since.IsZero() {
		// Hand each page on as it comes, converted; the notes went
		// first (EventsSince), de-duplication waits for the whole read.
		outer, _ := ctx.Value(progressKey{}).(func(Progress))
		handed := 0
		ctx = WithProgress(ctx, func(p Progress) {
			var events []incident.Event
			for _, page := range read[handed:] {
				for i := range page {
					if e, ok := convertLogEntry(id, page[i]); ok {
						events = append(events, e)
					}
				}
			}
			handed = len(read)
			pages(incident.EventPage{Events: events, Done: p.Done, Total: p.Total})
			if outer != nil {
				outer(p)
			}
		})
	}
	_, err := walkPages(ctx, c, "incident log "+id, "log entries", func(ctx context.Context, offset uint, total bool) (page[pd.LogEntry], error) {
		opts.Offset, opts.Total = offset, total
		resp, err := c.pd.ListIncidentLogEntriesWithContext(ctx, id, opts)
		if err != nil {
			return page[pd.LogEntry]{}, err
		}
		return page[pd.LogEntry]{resp.LogEntries, resp.More, resp.Total}, nil
	}, func(items []pd.LogEntry) { read = append(read, items) })
	if err != nil {
		return nil, err
	}
	return slices.Concat(read...), nil
}

// Alerts lists the alerts grouped into an incident.
func (c *Client) Alerts(ctx context.Context, id string) ([]incident.Alert, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out []incident.Alert
	_, err := walk(ctx, c, "incident alerts "+id, "alerts", func(ctx context.Context, offset uint, total bool) (page[pd.IncidentAlert], error) {
		resp, err := c.pd.ListIncidentAlertsWithContext(ctx, id, pd.ListIncidentAlertsOptions{Limit: pageSize, Offset: offset, Total: total})
		if err != nil {
			return page[pd.IncidentAlert]{}, err
		}
		return page[pd.IncidentAlert]{resp.Alerts, resp.More, resp.Total}, nil
	}, func(a pd.IncidentAlert) { out = append(out, convertAlert(a)) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Users lists the account's users, for pickers.
func (c *Client) Users(ctx context.Context) ([]incident.Responder, error) {
	var out []incident.Responder
	_, err := walk(ctx, c, "list users", "users", func(ctx context.Context, offset uint, total bool) (page[pd.User], error) {
		resp, err := c.pd.ListUsersWithContext(ctx, pd.ListUsersOptions{Limit: pageSize, Offset: offset, Total: total})
		if err != nil {
			return page[pd.User]{}, err
		}
		return page[pd.User]{resp.Users, resp.More, resp.Total}, nil
	}, func(u pd.User) { out = append(out, incident.Responder{ID: u.ID, Name: u.Name, Email: u.Email}) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EscalationPolicies lists the account's escalation policies, for pickers.
func (c *Client) EscalationPolicies(ctx context.Context) ([]incident.EscalationPolicy, error) {
	var out []incident.EscalationPolicy
	_, err := walk(ctx, c, "list escalation policies", "escalation policies", func(ctx context.Context, offset uint, total bool) (page[pd.EscalationPolicy], error) {
		resp, err := c.pd.ListEscalationPoliciesWithContext(ctx, pd.ListEscalationPoliciesOptions{Limit: pageSize, Offset: offset, Total: total})
		if err != nil {
			return page[pd.EscalationPolicy]{}, err
		}
		return page[pd.EscalationPolicy]{resp.EscalationPolicies, resp.More, resp.Total}, nil
	}, func(p pd.EscalationPolicy) {
		out = append(out, incident.EscalationPolicy{ID: p.ID, Name: p.Name, Levels: len(p.EscalationRules)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
