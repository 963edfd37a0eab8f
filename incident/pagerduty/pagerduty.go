// Package pagerduty adapts PagerDuty's REST API v2, through the
// github.com/PagerDuty/go-pagerduty client, to the incident.Source interface.
//
// Invariants:
//   - Every call runs under a deadline (Config.Timeout), so a hung API
//     cannot hold a caller forever.
//   - Errors callers branch on come back wrapping an incident sentinel
//     (ErrUnauthorized, ErrNotFound, ...); messages never contain the token.
//   - Writes carry a From header: the configured email, or the email of the
//     token's user (GET /users/me), looked up once. The transport adds it
//     where go-pagerduty does not (snooze).
//   - Requests are paced under PagerDuty's rate limit, and a 429 is waited
//     out and retried (see transport); a GET is also retried after a 5xx or
//     a broken connection, a write never is.
//   - A malformed response is an error, never a panic: go-pagerduty's
//     decoders can panic on unexpected JSON types, so calls recover.
package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

// DefaultAPIURL is PagerDuty's US service region; the EU region is
// https://api.eu.pagerduty.com.
const DefaultAPIURL = "https://api.pagerduty.com"

// pageSize is the largest page PagerDuty serves.
const pageSize = 100

// offsetCap is PagerDuty's limit on offset+limit for classic pagination.
const offsetCap = 10000

// codeAlreadyResolved is PagerDuty's error code "Incident Already
// Resolved" (its table of REST API error codes).
const codeAlreadyResolved = 1001

// Config says how to reach PagerDuty.
type Config struct {
	Token  string
	APIURL string // DefaultAPIURL when empty
	// From is the email sent with writes. Empty means: ask GET /users/me,
	// which works for user tokens only.
	From string
	// TokenSource names where the token came from ("env PAGERDUTY_TOKEN"),
	// for error messages that must not show the token itself.
	TokenSource string
	// FromSetting names the setting that supplies From, for the error an
	// account token meets on its first write; "PAGERDUTY_FROM" when empty.
	FromSetting string
	Timeout     time.Duration // per call, retries included; 15s when zero
	HTTPClient  *http.Client  // nil means a client with sane timeouts; its transport is wrapped
	// RequestsPerMinute paces requests (a token bucket that lets a burst of
	// 30 through): 0 means 480, half of PagerDuty's 960 per token;
	// negative turns pacing off.
	RequestsPerMinute int
	// MaxRetries bounds the retries of one request after a 429 (or, for a
	// GET, a 5xx or a broken connection): 0 means 3, negative none.
	MaxRetries int
	// OnWait, when set, hears of every wait before a retry, and of pacing
	// waits of a second or more, with a short reason ("rate limited"), so a
	// UI can show "rate limited, retrying in 3s". It is called on the
	// goroutine making the request.
	OnWait func(d time.Duration, reason string)
	// TokenType says what Token is: TokenAPI ("" or "token": a REST API
	// key, sent as "Authorization: Token token=...") or TokenOAuth
	// ("oauth": an OAuth access token, sent as "Authorization: Bearer ...").
	TokenType string
	// Now is the clock that open-ended date ranges end at; nil means
	// time.Now.
	Now func() time.Time
}

// Token types for Config.TokenType.
const (
	TokenAPI   = "token"
	TokenOAuth = "oauth"
)

// DefaultRequestsPerMinute is the client's own pace: half PagerDuty's limit,
// which leaves room for other tools using the same token.
const DefaultRequestsPerMinute = 480

// Client is an incident.Source backed by PagerDuty.
type Client struct {
	pd      *pd.Client
	cfg     Config
	tr      *transport
	meMu    sync.Mutex
	me      *me // the token's user, once looked up
	timeout time.Duration

	coveredMu sync.Mutex
	covered   map[string]map[string]bool // incident id -> log entry ids, see isNew
}

// me is what the adapter needs of the token's user.
type me struct {
	id, email string
	teamIDs   []string
	name      string
}

var _ incident.Source = (*Client)(nil)

// New returns a Client. It does no I/O.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("no PagerDuty token: set PAGERDUTY_TOKEN (or use `oncall demo` to try the built-in simulator)")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasPrefix(cfg.APIURL, "http://") && !strings.HasPrefix(cfg.APIURL, "https://") {
		return nil, fmt.Errorf("API URL %q must start with https:// (or http:// for a local simulator)", cfg.APIURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.FromSetting == "" {
		cfg.FromSetting = "PAGERDUTY_FROM"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pdOpts := []pd.ClientOptions{pd.WithAPIEndpoint(strings.TrimRight(cfg.APIURL, "/"))}
	switch strings.ToLower(strings.TrimSpace(cfg.TokenType)) {
	case "", TokenAPI:
	case TokenOAuth:
		pdOpts = append(pdOpts, pd.WithOAuth())
	default:
		return nil, fmt.Errorf("token type %q: use %q (a REST API key) or %q (an OAuth access token)", cfg.TokenType, TokenAPI, TokenOAuth)
	}
	api, err := url.Parse(cfg.APIURL)
	if err != nil || api.Host == "" {
		return nil, fmt.Errorf("API URL %q is not a URL", cfg.APIURL)
	}
	perMinute := cfg.RequestsPerMinute
	if perMinute == 0 {
		perMinute = DefaultRequestsPerMinute
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = 3
	case retries < 0:
		retries = 0
	}
	hc := &http.Client{Timeout: cfg.Timeout + 5*time.Second}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient // the caller's client stays as it was
		hc = &copied
	}
	tr := newTransport(hc.Transport, perMinute, retries, cfg.OnWait)
	hc.Transport = tr
	hc.CheckRedirect = sameOrigin(api, hc.CheckRedirect)
	c := pd.NewClient(cfg.Token, pdOpts...)
	c.HTTPClient = hc
	return &Client{pd: c, cfg: cfg, tr: tr, timeout: cfg.Timeout}, nil
}

// call runs fn under the client's deadline, turning panics in response
// decoding into errors and provider errors into incident sentinels.
func (c *Client) call(ctx context.Context, what string, fn func(ctx context.Context) error) (err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: malformed response from %s", what, c.cfg.APIURL)
		}
	}()
	if err := fn(ctx); err != nil {
		return c.translate(ctx, what, err)
	}
	return nil
}

// translate maps go-pagerduty's errors to the incident sentinels, with a
// one-line message a responder can act on.
func (c *Client) translate(ctx context.Context, what string, err error) error {
	var apiErr pd.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("%s: PagerDuty rejected the token from %s (401): check it is valid and not revoked: %w",
				what, c.tokenSource(), incident.ErrUnauthorized)
		case apiErr.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: the token from %s may not do this (403): %w", what, c.tokenSource(), incident.ErrForbidden)
		case apiErr.NotFound():
			return fmt.Errorf("%s: %w", what, incident.ErrNotFound)
		case apiErr.RateLimited():
			return fmt.Errorf("%s: PagerDuty is rate limiting this token (429) and waiting did not help in time: %w", what, incident.ErrRateLimited)
		case apiErr.StatusCode >= 500:
			return fmt.Errorf("%s: PagerDuty answered %d: %w", what, apiErr.StatusCode, incident.ErrUnreachable)
		}
		if apiErr.StatusCode == http.StatusBadRequest && apiErr.APIError.Valid && apiErr.APIError.ErrorObject.Code == codeAlreadyResolved {
			// Worded like the other refusals ("PagerDuty answered 400"),
			// which callers that predate the sentinel read.
			return fmt.Errorf("%s: PagerDuty answered 400: Incident Already Resolved, so nothing was changed: %w", what, incident.ErrAlreadyResolved)
		}
		msg := apiErr.StatusCode
		detail := ""
		if apiErr.APIError.Valid {
			detail = ": " + incident.Clean(apiErr.APIError.ErrorObject.Message)
			if errs := apiErr.APIError.ErrorObject.Errors; len(errs) > 0 {
				detail += " (" + incident.Clean(strings.Join(errs, "; ")) + ")"
			}
		}
		return fmt.Errorf("%s: PagerDuty answered %d%s", what, msg, detail)
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s: no answer from %s within %s: %w", what, c.cfg.APIURL, c.timeout, incident.ErrUnreachable)
		}
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
	if errors.Is(err, errResponseTooLarge) || strings.Contains(err.Error(), errResponseTooLarge.Error()) {
		return fmt.Errorf("%s: %s sent more than %d MB in one answer; refused, to keep memory bounded: %w",
			what, c.cfg.APIURL, maxResponseBytes>>20, incident.ErrUnreachable)
	}
	if strings.Contains(err.Error(), errRedirectRefused.Error()) {
		return fmt.Errorf("%s: %s answered with a redirect to another host, scheme or port, which is not followed so that the token stays with the configured API URL; check the API URL: %w",
			what, c.cfg.APIURL, incident.ErrUnreachable)
	}
	if strings.Contains(err.Error(), "error calling the API endpoint") {
		return fmt.Errorf("%s: cannot reach %s: %w", what, c.cfg.APIURL, incident.ErrUnreachable)
	}
	return fmt.Errorf("%s: unexpected response from %s: %v", what, c.cfg.APIURL, err)
}

func (c *Client) tokenSource() string {
	if c.cfg.TokenSource != "" {
		return c.cfg.TokenSource
	}
	return "the configuration"
}

// Active lists triggered and acknowledged incidents, newest first.
func (c *Client) Active(ctx context.Context) ([]incident.Incident, error) {
	return c.List(ctx, incident.Filter{})
}

// List lists the incidents f selects, newest first, walking every page of
// 100 (so 2,500 incidents take 25 requests). PagerDuty cannot page past
// offset+limit 10,000: reaching that returns the first 10,000 with an
// error wrapping incident.ErrTruncated that says to narrow the filter.
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
		for offset := uint(0); ; offset += pageSize {
			if offset+pageSize > offsetCap {
				return out, fmt.Errorf("list incidents: more than %d match and PagerDuty cannot page further; these are the newest %d: narrow by date (oncall incidents --since/--until), service, team, urgency or status: %w",
					offsetCap, len(out), incident.ErrTruncated)
			}
			opts.Offset = offset
			var resp *pd.ListIncidentsResponse
			err := c.call(ctx, "list incidents", func(ctx context.Context) error {
				var err error
				resp, err = c.pd.ListIncidentsWithContext(ctx, opts)
				return err
			})
			if err != nil {
				return nil, err
			}
			for _, in := range resp.Incidents {
				if !seen[in.ID] { // windows overlap by a second
					seen[in.ID] = true
					out = append(out, convertIncident(in))
				}
			}
			if !resp.More || len(resp.Incidents) == 0 {
				break
			}
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
func (c *Client) EventsSince(ctx context.Context, id string, since time.Time) ([]incident.Event, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	full := since.IsZero()
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
	if needNotes {
		var notes []pd.IncidentNote
		err := c.call(ctx, "incident notes "+id, func(ctx context.Context) error {
			var err error
			notes, err = c.pd.ListIncidentNotesWithContext(ctx, id)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, n := range notes {
			at := parseTime(n.CreatedAt)
			if at.Before(since) {
				continue
			}
			out = append(out, convertNote(id, n))
		}
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
	var out []pd.LogEntry
	for offset := uint(0); offset+pageSize <= offsetCap; offset += pageSize {
		opts.Offset = offset
		var resp *pd.ListIncidentLogEntriesResponse
		err := c.call(ctx, "incident log "+id, func(ctx context.Context) error {
			var err error
			resp, err = c.pd.ListIncidentLogEntriesWithContext(ctx, id, opts)
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.LogEntries...)
		if !resp.More || len(resp.LogEntries) == 0 {
			break
		}
	}
	return out, nil
}

// Alerts lists the alerts grouped into an incident.
func (c *Client) Alerts(ctx context.Context, id string) ([]incident.Alert, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out []incident.Alert
	for offset := uint(0); offset+pageSize <= offsetCap; offset += pageSize {
		var resp *pd.ListAlertsResponse
		err := c.call(ctx, "incident alerts "+id, func(ctx context.Context) error {
			var err error
			resp, err = c.pd.ListIncidentAlertsWithContext(ctx, id, pd.ListIncidentAlertsOptions{Limit: pageSize, Offset: offset})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, a := range resp.Alerts {
			out = append(out, convertAlert(a))
		}
		if !resp.More || len(resp.Alerts) == 0 {
			break
		}
	}
	return out, nil
}

// Acknowledge acknowledges an incident.
func (c *Client) Acknowledge(ctx context.Context, id string) error {
	return c.setStatus(ctx, id, incident.Acknowledged, "acknowledge")
}

// Resolve resolves an incident.
func (c *Client) Resolve(ctx context.Context, id string) error {
	return c.setStatus(ctx, id, incident.Resolved, "resolve")
}

func (c *Client) setStatus(ctx context.Context, id string, s incident.Status, verb string) error {
	if err := checkID(id); err != nil {
		return err
	}
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	return c.call(withFrom(ctx, from), verb+" "+id, func(ctx context.Context) error {
		_, err := c.pd.ManageIncidentsWithContext(ctx, from, []pd.ManageIncidentsOptions{{ID: id, Status: string(s)}})
		return err
	})
}

// AddNote adds a note carrying localID in a trailing tag.
func (c *Client) AddNote(ctx context.Context, id, localID, text string) error {
	if err := checkID(id); err != nil {
		return err
	}
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	note := pd.IncidentNote{Content: incident.NoteTag(text, localID), User: pd.APIObject{Summary: from}}
	return c.call(withFrom(ctx, from), "add note to "+id, func(ctx context.Context) error {
		_, err := c.pd.CreateIncidentNoteWithContext(ctx, id, note)
		return err
	})
}

// Reassign gives an incident to users, or to an escalation policy (which
// pages its first level).
func (c *Client) Reassign(ctx context.Context, id string, to incident.Reassignment) error {
	if err := checkID(id); err != nil {
		return err
	}
	opt := pd.ManageIncidentsOptions{ID: id}
	switch {
	case len(to.UserIDs) > 0 && to.EscalationPolicyID != "":
		return errors.New("reassign: choose users or an escalation policy, not both")
	case len(to.UserIDs) > 0:
		for _, u := range to.UserIDs {
			if err := checkRef("user", u); err != nil {
				return err
			}
			opt.Assignments = append(opt.Assignments, pd.Assignee{Assignee: pd.APIObject{ID: u, Type: "user_reference"}})
		}
	case to.EscalationPolicyID != "":
		if err := checkRef("escalation policy", to.EscalationPolicyID); err != nil {
			return err
		}
		opt.EscalationPolicy = &pd.APIReference{ID: to.EscalationPolicyID, Type: "escalation_policy_reference"}
	default:
		return errors.New("reassign: name at least one user or an escalation policy")
	}
	return c.manage(ctx, "reassign "+id, opt)
}

// Escalate moves an incident to level (1-based) of its escalation policy.
func (c *Client) Escalate(ctx context.Context, id string, level int) error {
	if err := checkID(id); err != nil {
		return err
	}
	if level < 1 {
		return fmt.Errorf("escalate %s: level %d: levels start at 1", id, level)
	}
	return c.manage(ctx, fmt.Sprintf("escalate %s to level %d", id, level), pd.ManageIncidentsOptions{ID: id, EscalationLevel: uint(level)})
}

// manage sends one PUT /incidents update with From.
func (c *Client) manage(ctx context.Context, what string, opt pd.ManageIncidentsOptions) error {
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	return c.call(withFrom(ctx, from), what, func(ctx context.Context) error {
		_, err := c.pd.ManageIncidentsWithContext(ctx, from, []pd.ManageIncidentsOptions{opt})
		return err
	})
}

// maxSnooze is the longest snooze PagerDuty accepts.
const maxSnooze = 7 * 24 * time.Hour

// Snooze holds an acknowledged incident for d (rounded up to a second, at
// most a week), after which it triggers again. go-pagerduty sends no From
// on snooze; the transport adds it from the context.
func (c *Client) Snooze(ctx context.Context, id string, d time.Duration) error {
	if err := checkID(id); err != nil {
		return err
	}
	if d <= 0 || d > maxSnooze {
		return fmt.Errorf("snooze %s: %s is not between a second and a week", id, d)
	}
	secs := uint((d + time.Second - 1) / time.Second)
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	return c.call(withFrom(ctx, from), "snooze "+id, func(ctx context.Context) error {
		_, err := c.pd.SnoozeIncidentWithContext(ctx, id, secs)
		return err
	})
}

// RequestResponders asks users and escalation policies to join an
// incident (POST /incidents/{id}/responder_requests), on behalf of the
// token's user, or with an account token, the user whose email is From.
func (c *Client) RequestResponders(ctx context.Context, id string, r incident.ResponderRequest) error {
	if err := checkID(id); err != nil {
		return err
	}
	if strings.TrimSpace(r.Message) == "" {
		return errors.New("request responders: the request needs a message")
	}
	var targets []pd.ResponderRequestTargetWrapper
	add := func(kind, typ string, ids []string) error {
		for _, ref := range ids {
			if err := checkRef(kind, ref); err != nil {
				return err
			}
			targets = append(targets, pd.ResponderRequestTargetWrapper{Target: pd.ResponderRequestTarget{APIObject: pd.APIObject{ID: ref, Type: typ}}})
		}
		return nil
	}
	if err := add("user", "user_reference", r.UserIDs); err != nil {
		return err
	}
	if err := add("escalation policy", "escalation_policy_reference", r.EscalationPolicyIDs); err != nil {
		return err
	}
	if len(targets) == 0 {
		return errors.New("request responders: name at least one user or escalation policy")
	}
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	requester, err := c.requesterID(ctx, from)
	if err != nil {
		return err
	}
	return c.call(withFrom(ctx, from), "request responders for "+id, func(ctx context.Context) error {
		_, err := c.pd.ResponderRequestWithContext(ctx, id, pd.ResponderRequestOptions{
			From: from, Message: r.Message, RequesterID: requester, Targets: targets,
		})
		return err
	})
}

// PostStatusUpdate posts a status update (POST /incidents/{id}/status_updates).
func (c *Client) PostStatusUpdate(ctx context.Context, id, message string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if strings.TrimSpace(message) == "" {
		return errors.New("status update: the message is empty")
	}
	from, err := c.fromEmail(ctx)
	if err != nil {
		return err
	}
	return c.call(withFrom(ctx, from), "post a status update to "+id, func(ctx context.Context) error {
		_, err := c.pd.CreateIncidentStatusUpdate(ctx, id, from, message)
		return err
	})
}

// Users lists the account's users, for pickers.
func (c *Client) Users(ctx context.Context) ([]incident.Responder, error) {
	var out []incident.Responder
	for offset := uint(0); offset+pageSize <= offsetCap; offset += pageSize {
		var resp *pd.ListUsersResponse
		err := c.call(ctx, "list users", func(ctx context.Context) error {
			var err error
			resp, err = c.pd.ListUsersWithContext(ctx, pd.ListUsersOptions{Limit: pageSize, Offset: offset})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, u := range resp.Users {
			out = append(out, incident.Responder{ID: u.ID, Name: u.Name, Email: u.Email})
		}
		if !resp.More || len(resp.Users) == 0 {
			break
		}
	}
	return out, nil
}

// EscalationPolicies lists the account's escalation policies, for pickers.
func (c *Client) EscalationPolicies(ctx context.Context) ([]incident.EscalationPolicy, error) {
	var out []incident.EscalationPolicy
	for offset := uint(0); offset+pageSize <= offsetCap; offset += pageSize {
		var resp *pd.ListEscalationPoliciesResponse
		err := c.call(ctx, "list escalation policies", func(ctx context.Context) error {
			var err error
			resp, err = c.pd.ListEscalationPoliciesWithContext(ctx, pd.ListEscalationPoliciesOptions{Limit: pageSize, Offset: offset})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, p := range resp.EscalationPolicies {
			out = append(out, incident.EscalationPolicy{ID: p.ID, Name: p.Name, Levels: len(p.EscalationRules)})
		}
		if !resp.More || len(resp.EscalationPolicies) == 0 {
			break
		}
	}
	return out, nil
}

// fromEmail returns the email PagerDuty requires on writes: the configured
// one, else the token's user's.
func (c *Client) fromEmail(ctx context.Context) (string, error) {
	if c.cfg.From != "" {
		return c.cfg.From, nil
	}
	u, err := c.currentUser(ctx)
	if err != nil {
		return "", err
	}
	if u.email == "" {
		return "", fmt.Errorf("PagerDuty returned no email for the token's user; set %s to your PagerDuty login email", c.cfg.FromSetting)
	}
	return u.email, nil
}

// Me names the person acting through this client, for the journal: the
// token user's name, or the configured From email (account tokens).
func (c *Client) Me(ctx context.Context) (string, error) {
	if c.cfg.From != "" {
		return c.cfg.From, nil
	}
	u, err := c.currentUser(ctx)
	if err != nil {
		return "", err
	}
	if u.name != "" {
		return u.name, nil
	}
	return u.email, nil
}

// requesterID is the id of the user acting: the token's user, or for an
// account token the user whose email is from.
func (c *Client) requesterID(ctx context.Context, from string) (string, error) {
	if c.cfg.From == "" {
		u, err := c.currentUser(ctx)
		if err != nil {
			return "", err
		}
		return u.id, nil
	}
	var users []pd.User
	err := c.call(ctx, "look up "+from, func(ctx context.Context) error {
		resp, err := c.pd.ListUsersWithContext(ctx, pd.ListUsersOptions{Query: from, Limit: pageSize})
		if err == nil {
			users = resp.Users
		}
		return err
	})
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, from) {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("no PagerDuty user has the email %s (from %s): %w", incident.Clean(from), c.cfg.FromSetting, incident.ErrNotFound)
}

// currentUser looks up the token's user once (GET /users/me). An account
// token has no user: PagerDuty answers 400, and the error says which
// setting supplies the email instead.
func (c *Client) currentUser(ctx context.Context) (me, error) {
	c.meMu.Lock()
	defer c.meMu.Unlock()
	if c.me != nil {
		return *c.me, nil
	}
	var (
		u      *pd.User
		status int
	)
	err := c.call(ctx, "look up the token's user", func(ctx context.Context) error {
		var err error
		u, err = c.pd.GetCurrentUserWithContext(ctx, pd.GetCurrentUserOptions{})
		var apiErr pd.APIError
		if errors.As(err, &apiErr) {
			status = apiErr.StatusCode
		}
		return err
	})
	switch {
	case status == http.StatusBadRequest || status == http.StatusNotFound:
		return me{}, fmt.Errorf("the token from %s is not a user's token (GET /users/me answered %d), so it has no email to act as; set %s to your PagerDuty login email",
			c.tokenSource(), status, c.cfg.FromSetting)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// Not a verdict on whatever the caller meant to send: the token is
		// the problem, and a caller keeps its action until it is fixed.
		return me{}, fmt.Errorf("look up the token's user: PagerDuty refused the token from %s on GET /users/me (%d): replace it with a valid user token (or, for an account token, set %s to your PagerDuty login email): %w",
			c.tokenSource(), status, c.cfg.FromSetting, incident.ErrUnauthorized)
	case err != nil:
		return me{}, err
	}
	out := me{id: u.ID, email: u.Email, name: u.Name}
	for _, t := range u.Teams {
		out.teamIDs = append(out.teamIDs, t.ID)
	}
	c.me = &out
	return out, nil
}

// checkRef refuses a user or policy id that could not be a PagerDuty id.
func checkRef(kind, id string) error {
	if err := checkID(id); err != nil {
		return fmt.Errorf("%s id %q is not a PagerDuty id", kind, incident.Clean(id))
	}
	return nil
}

// checkID refuses ids that could not be PagerDuty ids before they reach a
// URL path.
func checkID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("incident id %q: %w", incident.Clean(id), incident.ErrNotFound)
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("incident id %q is not a PagerDuty id: %w", incident.Clean(id), incident.ErrNotFound)
		}
	}
	return nil
}
