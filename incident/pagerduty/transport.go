package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// transport sits under go-pagerduty's client and makes every request a
// good citizen of PagerDuty's API:
//
//   - it paces requests with a token bucket, so that a busy terminal stays
//     well under PagerDuty's 960 requests per minute per token, and it
//     never spends more than PagerDuty says is left: ratelimit-remaining
//     caps the bucket, and at zero every request waits for
//     ratelimit-reset (the budget is per user, shared with other tools);
//   - on 429 it waits for what ratelimit-reset (or Retry-After) says, or
//     backs off exponentially with jitter when neither is sent, and tries
//     again, a bounded number of times and never past the request's
//     deadline; a 429 means the request was not applied, so any method may
//     be retried;
//   - a GET that meets a 5xx or a connection broken mid-request is retried
//     the same way; writes are not, since PagerDuty may have applied them,
//     and neither is a request that could not connect at all (failing
//     fast is better there: the next poll comes soon);
//   - a write without a From header gets the one its context carries
//     (withFrom), since go-pagerduty sends none on snooze; a GET gets the
//     query parameters its context carries (withQuery), for the include[]
//     go-pagerduty cannot send;
//   - no answer is read past maxResponseBytes, so a hostile or broken
//     server cannot grow the process without bound.
//
// Redirects are the client's business (sameOrigin): none is followed off
// the configured API URL's scheme, host and port, so the token is never
// sent anywhere else.
//
// Every wait is reported through onWait, so a UI can say "rate limited,
// retrying in 3s" instead of showing an error.
type transport struct {
	base       http.RoundTripper
	bucket     *bucket // nil: no pacing
	maxRetries int
	onWait     func(d time.Duration, reason string)
	// sleep waits for d or until ctx ends; tests replace it to run fast.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter picks a duration in [d/2, d]; tests make it deterministic.
	jitter func(d time.Duration) time.Duration
}

// Backoff bounds when PagerDuty gives no hint.
const (
	backoffBase = time.Second
	backoffMax  = 30 * time.Second
	// maxHonouredWait caps a server-requested wait: a reset further away
	// than this is reported as rate limited rather than slept through.
	maxHonouredWait = 2 * time.Minute
)

func newTransport(base http.RoundTripper, perMinute, maxRetries int, onWait func(time.Duration, string)) *transport {
	if base == nil {
		base = http.DefaultTransport
	}
	t := &transport{
		base:       base,
		maxRetries: maxRetries,
		onWait:     onWait,
		sleep:      sleepCtx,
		jitter:     func(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) },
	}
	if perMinute > 0 {
		t.bucket = newBucket(perMinute, time.Now)
	}
	return t
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type fromKey struct{}

type queryKey struct{}

// withQuery returns a context whose GET requests carry the query
// parameter name=value as well as their own.
func withQuery(ctx context.Context, name, value string) context.Context {
	return context.WithValue(ctx, queryKey{}, [2]string{name, value})
}

// maxResponseBytes bounds one answer. PagerDuty's largest page, 100
// incidents, is well under a megabyte.
const maxResponseBytes = 4 << 20

// errResponseTooLarge is what reading an answer past maxResponseBytes
// meets.
var errResponseTooLarge = errors.New("response larger than the client accepts")

// limitedBody reads at most n bytes of an answer, then fails.
type limitedBody struct {
	rc io.ReadCloser
	n  int64 // bytes still allowed
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.rc.Read(p)
	b.n -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// errRedirectRefused is what CheckRedirect answers for a redirect off the
// API's origin.
var errRedirectRefused = errors.New("redirect off the API URL refused")

// sameOrigin is a CheckRedirect that follows a redirect only to the API
// URL's own scheme, host and port (then as next would), and refuses any
// other: Go's client keeps the Authorization header on a redirect to
// another port of the same host, and the token must not travel there.
func sameOrigin(api *url.URL, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !strings.EqualFold(req.URL.Scheme, api.Scheme) || !strings.EqualFold(req.URL.Hostname(), api.Hostname()) ||
			portOf(req.URL) != portOf(api) {
			return fmt.Errorf("%w: %s to %s://%s", errRedirectRefused, via[len(via)-1].URL.Host, req.URL.Scheme, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// portOf is u's port, or its scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}

// withFrom returns a context whose write requests carry From: email
// unless they already name one.
func withFrom(ctx context.Context, email string) context.Context {
	return context.WithValue(ctx, fromKey{}, email)
}

func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !isRead(req.Method) && req.Header.Get("From") == "" {
		if from, _ := ctx.Value(fromKey{}).(string); from != "" {
			req = req.Clone(ctx)
			req.Header.Set("From", from)
		}
	}
	if kv, ok := ctx.Value(queryKey{}).([2]string); ok && req.Method == http.MethodGet {
		req = req.Clone(ctx)
		q := req.URL.Query()
		q.Add(kv[0], kv[1])
		req.URL.RawQuery = q.Encode()
	}
	limited := false // the last attempt was a 429, whose wait stands for pacing
	for attempt := 0; ; attempt++ {
		if !limited {
			if err := t.pace(ctx); err != nil {
				return nil, err
			}
		}
		try := req
		if attempt > 0 {
			var err error
			if try, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.base.RoundTrip(try)
		if err == nil && t.bucket != nil {
			t.bucket.observe(resp.Header)
		}
		wait, reason, retry := t.decide(req, resp, err, attempt)
		if !retry {
			return bounded(resp, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return bounded(resp, err) // no time to wait: the caller gets the answer as it is
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		limited = resp != nil && resp.StatusCode == http.StatusTooManyRequests
		if limited && t.bucket != nil {
			t.bucket.pauseFor(wait) // the whole client waits, not just this request
		}
		t.report(wait, reason)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// bounded refuses an answer announced larger than maxResponseBytes and
// limits the reading of any other to that size.
func bounded(resp *http.Response, err error) (*http.Response, error) {
	if resp == nil || err != nil {
		return resp, err
	}
	if resp.ContentLength > maxResponseBytes {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes announced", errResponseTooLarge, resp.ContentLength)
	}
	resp.Body = &limitedBody{rc: resp.Body, n: maxResponseBytes}
	return resp, nil
}

// pace takes a token from the bucket, waiting for one when it is empty.
func (t *transport) pace(ctx context.Context) error {
	if t.bucket == nil {
		return nil
	}
	wait := t.bucket.take()
	if wait <= 0 {
		return nil
	}
	if wait >= time.Second {
		t.report(wait, "pacing requests")
	}
	return t.sleep(ctx, wait)
}

func (t *transport) report(d time.Duration, reason string) {
	if t.onWait != nil {
		t.onWait(d, reason)
	}
}

// decide says whether a request is tried again, after how long, and why.
func (t *transport) decide(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, string, bool) {
	if attempt >= t.maxRetries || req.Context().Err() != nil {
		return 0, "", false
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return 0, "", false // the body cannot be sent twice
	}
	switch {
	case err != nil:
		var opErr *net.OpError
		if !isRead(req.Method) || errors.As(err, &opErr) && opErr.Op == "dial" {
			// A write may have landed; and when nothing answers at all, the
			// next poll will try again soon enough: fail fast.
			return 0, "", false
		}
		return t.backoff(attempt), "connection to PagerDuty broke", true
	case resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := serverWait(resp.Header); ok {
			if d > maxHonouredWait {
				return 0, "", false
			}
			return d, "rate limited", true
		}
		return t.backoff(attempt), "rate limited", true
	case resp.StatusCode >= 500 && isRead(req.Method):
		return t.backoff(attempt), fmt.Sprintf("PagerDuty answered %d", resp.StatusCode), true
	}
	return 0, "", false
}

// backoff is the attempt'th exponential wait, jittered.
func (t *transport) backoff(attempt int) time.Duration {
	d := backoffBase << min(attempt, 5)
	return t.jitter(min(d, backoffMax))
}

// serverWait reads how long PagerDuty asked us to wait: ratelimit-reset
// (seconds until the window resets), else Retry-After (seconds or an HTTP
// date).
func serverWait(h http.Header) (time.Duration, bool) {
	if v := h.Get("ratelimit-reset"); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			return time.Duration(n * float64(time.Second)), true
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(time.Until(at), 0), true
		}
	}
	return 0, false
}

// rewind makes a fresh copy of req for another attempt.
func rewind(req *http.Request) (*http.Request, error) {
	out := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("resend request body: %w", err)
		}
		out.Body = body
	} else if req.Body != nil && req.Body != http.NoBody {
		return nil, errors.New("request body cannot be sent twice")
	}
	return out, nil
}

// bucket is a token bucket: rate tokens per second, up to burst at once.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	paused time.Time // no request before this (after a 429)
	now    func() time.Time
}

// burstSize lets a full incident list (25 pages for 2,500 incidents) go
// out at once; the steady rate is what keeps the client under the limit.
const burstSize = 30

func newBucket(perMinute int, now func() time.Time) *bucket {
	return &bucket{rate: float64(perMinute) / 60, burst: burstSize, tokens: burstSize, last: now(), now: now}
}

// newBudget is the bucket of PaceBudget: a whole minute's requests may
// go at once, since what bounds them is PagerDuty's own count (observe).
func newBudget(perMinute int, now func() time.Time) *bucket {
	b := newBucket(perMinute, now)
	b.burst, b.tokens = float64(perMinute), float64(perMinute)
	return b
}

// observe takes PagerDuty's count from an answer's headers: no more than
// ratelimit-remaining requests go out before ratelimit-reset whatever the
// bucket holds, and at zero every request waits for the reset (at most
// maxHonouredWait). An answer without both headers changes nothing.
func (b *bucket) observe(h http.Header) {
	remaining, err := strconv.Atoi(h.Get("ratelimit-remaining"))
	if err != nil || remaining < 0 {
		return
	}
	reset, err := strconv.ParseFloat(h.Get("ratelimit-reset"), 64)
	if err != nil || reset < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.refill(now)
	b.tokens = min(b.tokens, float64(remaining))
	if remaining == 0 {
		d := min(time.Duration(reset*float64(time.Second)), maxHonouredWait)
		if until := now.Add(d); until.After(b.paused) {
			b.paused = until
		}
	}
}

// refill adds the tokens earned since the last look; the caller holds mu.
func (b *bucket) refill(now time.Time) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed*b.rate)
		b.last = now
	}
}

// take spends a token and returns how long to wait before using it.
func (b *bucket) take() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.refill(now)
	b.tokens--
	wait := time.Duration(0)
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	if p := b.paused.Sub(now); p > wait {
		wait = p
	}
	return wait
}

// pauseFor holds every request for d from now.
func (b *bucket) pauseFor(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := b.now().Add(d); until.After(b.paused) {
		b.paused = until
	}
}
