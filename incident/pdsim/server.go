package pdsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the account's time zone must load on machines without a zoneinfo database
)

// DemoToken is the API token the server accepts when Options.Token is empty.
// It is Alex Rivera's (DemoUserEmail). Every simulated user also has a token
// of their own: see UserToken.
const DemoToken = "demo-token"

// Options configures a Server.
type Options struct {
	Token    string           // the accepted API token; "" means DemoToken
	Now      func() time.Time // the clock; nil means time.Now. The scenario advances by it.
	Scenario Scenario         // nil means Demo(); an empty, non-nil Scenario{} starts with no incidents
	// RateLimit, when positive, is the number of requests allowed per
	// minute (PagerDuty allows 960 per user). Responses then carry
	// ratelimit-limit, ratelimit-remaining and ratelimit-reset headers and
	// requests over the limit answer 429. Zero means unlimited.
	RateLimit int
	// AccountToken, when set, is also accepted, as an account-level API
	// token: it belongs to no user, so GET /users/me answers 400 and writes
	// must name their user in the From header.
	AccountToken string
	// RequireAccept makes a request without "Accept:
	// application/vnd.pagerduty+json;version=2" a 400. PagerDuty itself
	// picks the version from the token when the header is missing, so this
	// is off by default; tests turn it on to prove a client sends it. An
	// Accept header that asks for another version is always refused
	// (version 1 is retired).
	RequireAccept bool
	// SinceExclusive makes GET /incidents/{id}/log_entries leave out
	// entries created exactly at since (to the second). PagerDuty's
	// reference does not say whether since is inclusive, so tests run a
	// poller against both behaviours; the default is inclusive.
	SinceExclusive bool
	// TimeZone is the account's time zone, in which log entries and notes
	// are rendered unless a request asks for another (time_zone). ""
	// means AccountTimeZone: an offset other than UTC, so that clients
	// prove they parse offsets.
	TimeZone string
}

// AccountTimeZone is the simulated account's default time zone.
const AccountTimeZone = "America/New_York"

// Server is a PagerDuty REST API v2 simulator. It is an http.Handler; serve
// it with httptest.NewServer or http.Server. All methods are safe for
// concurrent use.
type Server struct {
	tokens    map[string]*user // user tokens (Options.Token and UserToken's) to their user
	account   string
	sinceExcl bool
	zone      *time.Location // the account's: log entries and notes
	strict    bool
	now       func() time.Time
	rateLimit int
	mux       *http.ServeMux
	patterns  []string // the API's route patterns, in registration order (Routes)

	mu         sync.Mutex
	start      time.Time
	world      *world
	steps      []Step // sorted by At
	nextStep   int
	failStatus int
	failUntil  time.Time
	requests   map[string]int
	window     time.Time // start of the current rate-limit minute
	windowUsed int
	faults     []Fault
	reopens    []Reopen
}

// New returns a Server whose scenario starts now (by Options.Now). Steps
// at or before offset zero are applied at once. New panics if the scenario
// is inconsistent (an unknown service, email or incident key), since that
// is a mistake in the program, not in its input.
func New(opts Options) *Server {
	s := &Server{
		now:       opts.Now,
		rateLimit: opts.RateLimit,
		account:   opts.AccountToken,
		strict:    opts.RequireAccept,
		sinceExcl: opts.SinceExclusive,
		requests:  make(map[string]int),
	}
	if s.now == nil {
		s.now = time.Now
	}
	zone, err := time.LoadLocation(cmpOr(opts.TimeZone, AccountTimeZone))
	if err != nil {
		panic("pdsim: time zone: " + err.Error())
	}
	s.zone = zone
	sc := opts.Scenario
	if sc == nil {
		sc = Demo()
	}
	s.start = s.clock()
	dir := newDirectory(s.start.Add(-400 * 24 * time.Hour))
	s.world = newWorld(dir)
	s.tokens = make(map[string]*user)
	for _, u := range dir.users {
		s.tokens[tokenOf(u)] = u
	}
	s.tokens[cmpOr(opts.Token, DemoToken)] = dir.userByEmail(DemoUserEmail)
	steps, err := sc.prepare(dir)
	if err != nil {
		panic("pdsim: " + err.Error())
	}
	s.steps = steps
	s.advance(s.start)
	s.routes()
	return s
}

// clock reads Now, in UTC, to the second: PagerDuty's resolution.
func (s *Server) clock() time.Time { return s.now().UTC().Truncate(time.Second) }

// Start is when the scenario started: offset zero of its steps.
func (s *Server) Start() time.Time { return s.start }

// advance applies, in time order, every scenario step and snooze expiry due
// at or before now. The caller holds s.mu (or is New).
func (s *Server) advance(now time.Time) {
	for {
		var stepAt time.Time
		haveStep := s.nextStep < len(s.steps)
		if haveStep {
			stepAt = s.start.Add(s.steps[s.nextStep].At).Truncate(time.Second)
		}
		wake := s.world.nextWake()
		switch {
		case !wake.IsZero() && !wake.After(now) && (!haveStep || wake.Before(stepAt)):
			s.world.wake(wake)
		case haveStep && !stepAt.After(now):
			s.steps[s.nextStep].Action.apply(s.world, stepAt)
			s.nextStep++
		default:
			return
		}
	}
}

// FailFor makes every request answer status, with PagerDuty's error body,
// until Now()+d. A 429 carries ratelimit-* and Retry-After headers. A
// status below 400 or d <= 0 ends a failure early.
func (s *Server) FailFor(status int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status < 400 || d <= 0 {
		s.failStatus, s.failUntil = 0, time.Time{}
		return
	}
	s.failStatus, s.failUntil = status, s.now().UTC().Add(d)
}

// Requests counts the requests received for a route pattern, such as
// "GET /incidents" or "POST /incidents/{id}/notes", including those
// answered with an error. Requests to unknown routes count under "/".
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

// ServeHTTP serves the REST API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// call is one request as a handler sees it.
type call struct {
	r       *http.Request
	now     time.Time
	from    *user // who acts, on writes: the token's user, or with the account token the From header's
	me      *user // the token's user; nil for the account token
	body    []byte
	account bool // authenticated with the account token
}

// decode reads the JSON body into v.
func (c *call) decode(v any) *apiError {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return errInvalid("The request body is empty")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errInvalid("The request body is not valid JSON: " + err.Error())
	}
	return nil
}

// handlerFunc answers a call with a status and a JSON document. It runs
// with s.mu held.
type handlerFunc func(c *call) (int, any, *apiError)

type route struct {
	pattern string
	write   bool // requires a From header
	h       handlerFunc
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	for _, rt := range []route{
		{"GET /incidents", false, s.listIncidents},
		{"PUT /incidents", true, s.manageIncidents},
		{"GET /incidents/{id}", false, s.getIncident},
		{"PUT /incidents/{id}", true, s.updateIncident},
		{"GET /incidents/{id}/log_entries", false, s.listLogEntries},
		{"GET /incidents/{id}/alerts", false, s.listAlerts},
		{"GET /incidents/{id}/notes", false, s.listNotes},
		{"POST /incidents/{id}/notes", true, s.createNote},
		{"POST /incidents/{id}/snooze", true, s.snoozeIncident},
		{"POST /incidents/{id}/status_updates", true, s.createStatusUpdate},
		{"POST /incidents/{id}/responder_requests", false, s.createResponderRequest},
		{"GET /teams", false, s.listTeams},
		{"GET /users/me", false, s.currentUser},
		{"GET /users", false, s.listUsers},
		{"GET /users/{id}", false, s.getUser},
		{"GET /services", false, s.listServices},
		{"GET /escalation_policies", false, s.listPolicies},
		{"GET /priorities", false, s.listPriorities},
		{"GET /teams/{id}", false, s.getTeam}, // routes_account.go, routes_create.go
		{"GET /teams/{id}/members", false, s.listTeamMembers},
		{"GET /escalation_policies/{id}", false, s.getPolicy},
		{"GET /services/{id}", false, s.getService},
		{"GET /oncalls", false, s.listOncalls},
		{"GET /log_entries", false, s.listAccountLogEntries},
		{"POST /incidents", true, s.createIncident},
		{"PUT /incidents/{id}/merge", true, s.mergeIncidents},
		{"/", false, func(c *call) (int, any, *apiError) {
			return 0, nil, errNotFound(fmt.Sprintf("No route for %s %s", c.r.Method, c.r.URL.Path))
		}},
	} {
		s.mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(rt, w, r) })
		s.patterns = append(s.patterns, rt.pattern)
	}
	s.mountControl() // test controls under /_pdsim/ (control.go), not PagerDuty's API
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// serve runs the checks every request goes through, in PagerDuty's order
// (outage, authentication, rate limit, From), then the handler.
func (s *Server) serve(rt route, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, errInvalid("The request body could not be read"))
		return
	}
	if len(body) > maxBody {
		writeError(w, &apiError{status: http.StatusRequestEntityTooLarge, code: codeInvalidInput,
			message: "Request Entity Too Large"})
		return
	}

	s.mu.Lock()
	s.requests[rt.pattern]++
	f, faulted := s.takeFault(rt.pattern)
	s.mu.Unlock()
	if faulted && !s.misbehave(f, w, r) {
		return
	}

	s.mu.Lock()
	nowExact := s.now().UTC()
	now := nowExact.Truncate(time.Second)

	// PagerDuty sends its rate-limit headers on every answer, not only on
	// a 429; an unlimited simulator reports PagerDuty's 960 a minute.
	limit := s.rateLimit
	if limit <= 0 {
		limit = defaultRateLimit
	}
	if now.Sub(s.window) >= time.Minute {
		s.window, s.windowUsed = now, 0
	}
	reset := s.window.Add(time.Minute).Sub(nowExact)

	if s.failStatus != 0 && nowExact.Before(s.failUntil) {
		e, until := errInjected(s.failStatus), s.failUntil
		s.mu.Unlock()
		if e.status == http.StatusTooManyRequests {
			setRateLimitHeaders(w, limit, 0, until.Sub(nowExact), true)
		} else {
			setRateLimitHeaders(w, limit, max(limit-s.windowUsed, 0), reset, false)
		}
		writeError(w, e)
		return
	}
	me, account, ok := s.authorized(r)
	if !ok {
		s.mu.Unlock()
		writeError(w, errAuth())
		return
	}
	if s.rateLimit > 0 && s.windowUsed >= s.rateLimit {
		s.mu.Unlock()
		setRateLimitHeaders(w, limit, 0, reset, true)
		writeError(w, errInjected(http.StatusTooManyRequests))
		return
	}
	s.windowUsed++
	setRateLimitHeaders(w, limit, max(limit-s.windowUsed, 0), reset, false)
	if e := s.checkAccept(r); e != nil {
		s.mu.Unlock()
		writeError(w, e)
		return
	}

	s.advance(now)
	c := &call{r: r, now: now, body: body, account: account, me: me}
	if rt.write {
		from, e := s.fromUser(r, me)
		if e != nil {
			s.mu.Unlock()
			writeError(w, e)
			return
		}
		c.from = from
	}
	status, doc, apiErr := rt.h(c)
	var out []byte
	if apiErr == nil {
		// Under the lock: doc may share maps with the world. A list answer
		// writes its own JSON, which json.Marshal would only copy and
		// re-check: on a 10,000-incident listing that was a fifth of the
		// simulator's time.
		if body, ok := doc.(json.Marshaler); ok {
			out, err = body.MarshalJSON()
		} else {
			out, err = json.Marshal(doc)
		}
	}
	s.mu.Unlock()

	switch {
	case apiErr != nil:
		writeError(w, apiErr)
	case err != nil:
		writeError(w, &apiError{status: http.StatusInternalServerError, code: codeInternal, message: "Internal Error"})
	default:
		writeJSON(w, status, out)
	}
}

// defaultRateLimit is PagerDuty's documented limit per user token, per
// minute, reported in the headers when Options.RateLimit is zero.
const defaultRateLimit = 960

// fromUser checks the From header of a write and returns who acts. The
// header is required whatever the token, as PagerDuty's reference marks
// it; it must look like an email (else code 1028) and name a user of the
// account (else code 1008). A user's token acts as that user, whoever From
// names; the account token acts as the From user.
func (s *Server) fromUser(r *http.Request, me *user) (*user, *apiError) {
	from := strings.TrimSpace(r.Header.Get("From"))
	if from == "" {
		return nil, errFromMissing()
	}
	if addr, err := mail.ParseAddress(from); err != nil || addr.Address != from {
		return nil, errFromMalformed()
	}
	u := s.world.dir.userByEmail(from)
	if u == nil {
		return nil, errFromUnknown()
	}
	if me != nil {
		return me, nil
	}
	return u, nil
}

// authorized checks the Authorization header, "Token token=<token>" (an
// API token) or "Bearer <token>" (an OAuth token, mapped to users the same
// way), and returns the token's user, or account true for the account
// token.
func (s *Server) authorized(r *http.Request) (me *user, account, ok bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, found := strings.Cut(h, " ")
	if !found {
		return nil, false, false
	}
	var tok string
	switch {
	case strings.EqualFold(scheme, "Token"):
		tok, found = strings.CutPrefix(strings.TrimSpace(rest), "token=")
	case strings.EqualFold(scheme, "Bearer"):
		tok = strings.TrimSpace(rest)
	default:
		return nil, false, false
	}
	switch {
	case !found || tok == "":
		return nil, false, false
	case s.tokens[tok] != nil:
		return s.tokens[tok], false, true
	case s.account != "" && tok == s.account:
		return nil, true, true
	}
	return nil, false, false
}

// acceptV2 is the media type that asks for REST API v2.
const acceptV2 = "application/vnd.pagerduty+json;version=2"

// checkAccept refuses an Accept header that asks for another API version,
// and, with RequireAccept, one that names no version.
func (s *Server) checkAccept(r *http.Request) *apiError {
	accept := strings.ReplaceAll(strings.ToLower(r.Header.Get("Accept")), " ", "")
	for _, part := range strings.Split(accept, ",") {
		if mt, version, ok := strings.Cut(part, ";version="); ok && mt == "application/vnd.pagerduty+json" {
			if version != "2" {
				return errInvalid(fmt.Sprintf("API version %q is not available: send Accept: %s", version, acceptV2))
			}
			return nil
		}
	}
	if s.strict {
		return errInvalid("The Accept header must name the API version: " + acceptV2)
	}
	return nil
}

// setRateLimitHeaders writes PagerDuty's rate-limit headers; limited adds
// Retry-After to a 429.
func setRateLimitHeaders(w http.ResponseWriter, limit, remaining int, reset time.Duration, limited bool) {
	secs := ceilSeconds(reset)
	h := w.Header()
	h.Set("ratelimit-limit", strconv.Itoa(limit))
	h.Set("ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("ratelimit-reset", strconv.Itoa(secs))
	if limited {
		h.Set("Retry-After", strconv.Itoa(secs))
	}
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(e.body())
	writeJSON(w, e.status, body)
}

// ceilSeconds is d in whole seconds, rounded up, at least one.
func ceilSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

func itoa(n int) string { return strconv.Itoa(n) }
