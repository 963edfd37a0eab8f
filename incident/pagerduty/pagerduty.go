// Package pagerduty adapts PagerDuty's REST API v2, through the
// github.com/PagerDuty/go-pagerduty client, to the incident.Source interface.
//
// Invariants:
//   - Every call runs under a deadline (Config.Timeout), so a hung API
//     cannot hold a caller forever.
//   - Errors callers branch on come back wrapping an incident sentinel
//     (ErrUnauthorized, ErrNotFound, ...); messages never contain the token.
//   - Writes carry a From header: the configured email, or the email of the
//     token's user (GET /users/me), looked up once.
//   - A malformed response is an error, never a panic: go-pagerduty's
//     decoders can panic on unexpected JSON types, so calls recover.
package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	Timeout     time.Duration // per call; 15s when zero
	HTTPClient  *http.Client  // nil means a client with sane timeouts
}

// Client is an incident.Source backed by PagerDuty.
type Client struct {
	pd      *pd.Client
	cfg     Config
	fromMu  sync.Mutex
	from    string
	timeout time.Duration
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
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout + 5*time.Second}
	}
	c := pd.NewClient(cfg.Token, pd.WithAPIEndpoint(strings.TrimRight(cfg.APIURL, "/")))
	c.HTTPClient = hc
	return &Client{pd: c, cfg: cfg, from: cfg.From, timeout: cfg.Timeout}, nil
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
			return fmt.Errorf("%s: PagerDuty says slow down (429): %w", what, incident.ErrRateLimited)
		case apiErr.StatusCode >= 500:
			return fmt.Errorf("%s: PagerDuty answered %d: %w", what, apiErr.StatusCode, incident.ErrUnreachable)
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

// Active lists triggered and acknowledged incidents, newest first, walking
// every page. PagerDuty cannot page past offset+limit 10,000; reaching that
// is an error that says so rather than a silently short list.
func (c *Client) Active(ctx context.Context) ([]incident.Incident, error) {
	var out []incident.Incident
	for offset := uint(0); ; offset += pageSize {
		if offset+pageSize > offsetCap {
			return out, fmt.Errorf("list incidents: more than %d active incidents; PagerDuty cannot page further, narrow the list by service or date", offsetCap)
		}
		var resp *pd.ListIncidentsResponse
		err := c.call(ctx, "list incidents", func(ctx context.Context) error {
			var err error
			resp, err = c.pd.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{
				Limit:    pageSize,
				Offset:   offset,
				Statuses: []string{string(incident.Triggered), string(incident.Acknowledged)},
				SortBy:   "created_at:desc",
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, in := range resp.Incidents {
			out = append(out, convertIncident(in))
		}
		if !resp.More || len(resp.Incidents) == 0 {
			return out, nil
		}
	}
}

// Get fetches one incident.
func (c *Client) Get(ctx context.Context, id string) (incident.Incident, error) {
	if err := checkID(id); err != nil {
		return incident.Incident{}, err
	}
	var in *pd.Incident
	err := c.call(ctx, "get incident "+id, func(ctx context.Context) error {
		var err error
		in, err = c.pd.GetIncidentWithContext(ctx, id)
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
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out []incident.Event
	for offset := uint(0); offset+pageSize <= offsetCap; offset += pageSize {
		var resp *pd.ListIncidentLogEntriesResponse
		err := c.call(ctx, "incident log "+id, func(ctx context.Context) error {
			var err error
			resp, err = c.pd.ListIncidentLogEntriesWithContext(ctx, id, pd.ListIncidentLogEntriesOptions{
				Limit: pageSize, Offset: offset,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, le := range resp.LogEntries {
			if e, ok := convertLogEntry(id, le); ok {
				out = append(out, e)
			}
		}
		if !resp.More || len(resp.LogEntries) == 0 {
			break
		}
	}
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
		text, localID := incident.SplitNoteTag(n.Content)
		out = append(out, incident.Event{
			ID: n.ID, IncidentID: id, Kind: incident.KindNote, At: parseTime(n.CreatedAt),
			Actor: n.User.Summary, Summary: text, Origin: incident.Remote, LocalID: localID,
		})
	}
	alerts, err := c.Alerts(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		out = append(out, incident.Event{
			ID: a.ID, IncidentID: id, Kind: incident.KindAlert, At: a.CreatedAt,
			Summary: a.Summary, Origin: incident.Remote,
		})
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
	return c.call(ctx, verb+" "+id, func(ctx context.Context) error {
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
	return c.call(ctx, "add note to "+id, func(ctx context.Context) error {
		_, err := c.pd.CreateIncidentNoteWithContext(ctx, id, note)
		return err
	})
}

// fromEmail returns the email PagerDuty requires on writes.
func (c *Client) fromEmail(ctx context.Context) (string, error) {
	c.fromMu.Lock()
	defer c.fromMu.Unlock()
	if c.from != "" {
		return c.from, nil
	}
	var u *pd.User
	err := c.call(ctx, "look up the token's user", func(ctx context.Context) error {
		var err error
		u, err = c.pd.GetCurrentUserWithContext(ctx, pd.GetCurrentUserOptions{})
		return err
	})
	if err != nil {
		if errors.Is(err, incident.ErrUnauthorized) || errors.Is(err, incident.ErrNotFound) || errors.Is(err, incident.ErrForbidden) {
			return "", fmt.Errorf("%w; if this is an account token, set from_email to your PagerDuty login email", err)
		}
		return "", err
	}
	if u.Email == "" {
		return "", errors.New("PagerDuty returned no email for the token's user; set from_email to your PagerDuty login email")
	}
	c.from = u.Email
	return c.from, nil
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
