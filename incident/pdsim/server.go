package pdsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DemoToken is the API token the server accepts when Options.Token is empty.
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
}

// Server is a PagerDuty REST API v2 simulator. It is an http.Handler; serve
// it with httptest.NewServer or http.Server. All methods are safe for
// concurrent use.
type Server struct {
	token     string
	account   string
	strict    bool
	now       func() time.Time
	rateLimit int
	mux       *http.ServeMux

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
}

// New returns a Server whose scenario starts now (by Options.Now). Steps
// at or before offset zero are applied at once. New panics if the scenario
// is inconsistent (an unknown service, email or incident key), since that
// is a mistake in the program, not in its input.
func New(opts Options) *Server {
	s := &Server{
		token:     opts.Token,
		now:       opts.Now,
		rateLimit: opts.RateLimit,
		account:   opts.AccountToken,
		strict:    opts.RequireAccept,
		requests:  make(map[string]int),
	}
	if s.token == "" {
		s.token = DemoToken
	}
	if s.now == nil {
		s.now = time.Now
	}
	sc := opts.Scenario
	if sc == nil {
		sc = Demo()
	}
	s.start = s.clock()
	dir := newDirectory(s.start.Add(-400 * 24 * time.Hour))
	s.world = newWorld(dir)
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
	from    *user // the From header's user, on writes
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
		{"/", false, func(c *call) (int, any, *apiError) {
			return 0, nil, errNotFound(fmt.Sprintf("No route for %s %s", c.r.Method, c.r.URL.Path))
		}},
	} {
		s.mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(rt, w, r) })
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

	if s.failStatus != 0 && nowExact.Before(s.failUntil) {
		e, until := errInjected(s.failStatus), s.failUntil
		s.mu.Unlock()
		if e.status == http.StatusTooManyRequests {
			setRateLimitHeaders(w, max(s.rateLimit, 960), 0, until.Sub(nowExact), true)
		}
		writeError(w, e)
		return
	}
	account, ok := s.authorized(r)
	if !ok {
		s.mu.Unlock()
		writeError(w, errAuth())
		return
	}
	if e := s.checkAccept(r); e != nil {
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	if s.rateLimit > 0 {
		if now.Sub(s.window) >= time.Minute {
			s.window, s.windowUsed = now, 0
		}
		reset := s.window.Add(time.Minute).Sub(nowExact)
		if s.windowUsed >= s.rateLimit {
			s.mu.Unlock()
			setRateLimitHeaders(w, s.rateLimit, 0, reset, true)
			writeError(w, errInjected(http.StatusTooManyRequests))
			return
		}
		s.windowUsed++
		setRateLimitHeaders(w, s.rateLimit, s.rateLimit-s.windowUsed, reset, false)
	}

	s.advance(now)
	c := &call{r: r, now: now, body: body, account: account}
	if rt.write {
		from := strings.TrimSpace(r.Header.Get("From"))
		if from == "" {
			s.mu.Unlock()
			writeError(w, errFromMissing())
			return
		}
		if c.from = s.world.dir.userByEmail(from); c.from == nil {
			s.mu.Unlock()
			writeError(w, errFromUnknown())
			return
		}
	}
	status, doc, apiErr := rt.h(c)
	var out []byte
	if apiErr == nil {
		out, err = json.Marshal(doc) // under the lock: doc may share maps with the world
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

// authorized checks "Authorization: Token token=<token>" and says whether
// the token is the account token.
func (s *Server) authorized(r *http.Request) (account, ok bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Token") {
		return false, false
	}
	tok, found := strings.CutPrefix(strings.TrimSpace(rest), "token=")
	switch {
	case !found || tok == "":
		return false, false
	case tok == s.token:
		return false, true
	case s.account != "" && tok == s.account:
		return true, true
	}
	return false, false
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
