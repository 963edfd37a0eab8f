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
//   - Requests are paced under PagerDuty's rate limit: steadily for a
//     program that polls (PaceSteady), or spending the whole budget for a
//     command that fetches once (PaceBudget), and never past what
//     ratelimit-remaining says is left. A 429 is waited out and retried
//     (see transport); a GET is also retried after a 5xx or a broken
//     connection, a write never is.
//   - Every listing walks PagerDuty's pages in one place (walk), stopping
//     at its offset cap of 10,000, and reports its progress to a context
//     that asks (WithProgress).
//   - A malformed response is an error, never a panic: go-pagerduty's
//     decoders can panic on unexpected JSON types, so calls recover.
package pagerduty

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

// ErrNoToken is New's answer to an empty token; the caller, which knows
// where a token could come from, says so to the user.
var ErrNoToken = errors.New("no PagerDuty token")

// DefaultAPIURL is PagerDuty's US service region; the EU region is
// https://api.eu.pagerduty.com.
const DefaultAPIURL = "https://api.pagerduty.com"

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
	// 30 through, or with PaceBudget the whole minute's): 0 means 480, half
	// of PagerDuty's 960 per token, or with PaceBudget 960; negative turns
	// pacing off. Either way no more is spent than PagerDuty's
	// ratelimit-remaining header says is left.
	RequestsPerMinute int
	// Pacing says how the rate limit is spent: PaceSteady (the zero value)
	// for a program that polls for hours, PaceBudget for a command that
	// fetches once and exits.
	Pacing Pacing
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

// Pacing is how a client spends PagerDuty's rate limit.
type Pacing int

const (
	// PaceSteady keeps to RequestsPerMinute with a burst of 30: a terminal
	// left open all night leaves room for the user's other tools.
	PaceSteady Pacing = iota
	// PaceBudget spends the budget PagerDuty gives, 960 requests a minute
	// per user, as fast as the answers come, slowing only when
	// ratelimit-remaining runs out: a one-shot command (a listing, an
	// export) is waited on by a person and ends soon.
	PaceBudget
)

// PagerDutyRequestsPerMinute is PagerDuty's documented REST API limit per
// user token.
const PagerDutyRequestsPerMinute = 960

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
		return nil, ErrNoToken
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
	tr := newTransport(hc.Transport, 0, retries, cfg.OnWait)
	tr.bucket = bucketFor(cfg)
	hc.Transport = tr
	hc.CheckRedirect = sameOrigin(api, hc.CheckRedirect)
	c := pd.NewClient(cfg.Token, pdOpts...)
	c.HTTPClient = hc
	return &Client{pd: c, cfg: cfg, tr: tr, timeout: cfg.Timeout}, nil
}

// Pacing is how the client spends the rate limit (what New or the last
// SetPacing set), for a command's debug log.
func (c *Client) Pacing() Pacing { return c.cfg.Pacing }

// String names the pacing as the debug log shows it.
func (p Pacing) String() string {
	if p == PaceBudget {
		return "budget"
	}
	return "steady"
}

// SetPacing changes how the client spends the rate limit, for a command
// handed a client built for every command; call it before the first
// request. Pacing turned off (RequestsPerMinute negative) stays off.
func (c *Client) SetPacing(p Pacing) {
	if c.cfg.Pacing == p {
		return
	}
	c.cfg.Pacing = p
	c.tr.bucket = bucketFor(c.cfg)
}

// bucketFor is the pacing cfg asks for: nil when it is turned off.
func bucketFor(cfg Config) *bucket {
	perMinute := cfg.RequestsPerMinute
	switch {
	case perMinute < 0:
		return nil
	case perMinute == 0 && cfg.Pacing == PaceBudget:
		perMinute = PagerDutyRequestsPerMinute
	case perMinute == 0:
		perMinute = DefaultRequestsPerMinute
	}
	if cfg.Pacing == PaceBudget {
		return newBudget(perMinute, time.Now)
	}
	return newBucket(perMinute, time.Now)
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
