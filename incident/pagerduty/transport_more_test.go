package pagerduty

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// Tests that each kill a change to transport.go the older suite let pass;
// the mutation pass in TESTING.md runs them.

// fakeBucket gives the client a bucket on a clock the test moves.
func fakeBucket(c *Client, perMinute int) *time.Time {
	now := epoch
	c.tr.bucket = newBucket(perMinute, func() time.Time { return now })
	return &now
}

func TestBucketRefills(t *testing.T) {
	now := epoch
	b := newBucket(60, func() time.Time { return now }) // one a second
	for range burstSize {
		b.take()
	}
	if w := b.take(); w != time.Second {
		t.Fatalf("past the burst: waits %s, want 1s", w)
	}
	now = now.Add(time.Hour) // long idle: refilled, but only to the burst
	for i := range burstSize {
		if w := b.take(); w != 0 {
			t.Fatalf("after an hour, request %d waits %s", i, w)
		}
	}
	if w := b.take(); w != time.Second {
		t.Errorf("the bucket held more than its burst: waits %s, want 1s", w)
	}
}

func TestALongerPauseIsNotShortened(t *testing.T) {
	now := epoch
	b := newBucket(6000, func() time.Time { return now })
	b.pauseFor(10 * time.Second)
	b.pauseFor(2 * time.Second)
	if w := b.take(); w != 10*time.Second {
		t.Errorf("waits %s, want the longer pause, 10s", w)
	}
	now = now.Add(11 * time.Second)
	if w := b.take(); w != 0 {
		t.Errorf("after the pause: waits %s", w)
	}
}

// TestA429PausesTheWholeClient: after a 429 that says "7 seconds", the
// retry waits once (not again for pacing), and the client's next request
// waits out the same pause.
func TestA429PausesTheWholeClient(t *testing.T) {
	var heard waitLog
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{OnWait: heard.OnWait})
	waits := noSleep(c)
	fakeBucket(c, 480)
	addIncidents(t, sim, 1)
	id := sim.Incidents()[0].ID
	sim.Inject(pdsim.Fault{Route: "GET /incidents", Status: 429, Reset: 7 * time.Second})
	if _, err := c.Active(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 1 || (*waits)[0] != 7*time.Second {
		t.Fatalf("waits %v, want one of 7s", *waits)
	}
	if _, err := c.Get(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 2 || (*waits)[1] != 7*time.Second {
		t.Errorf("waits %v: the next request did not wait out the pause", *waits)
	}
	if !strings.Contains(heard.String(), "pacing requests, retrying in 7s") {
		t.Errorf("OnWait heard %q", heard.String())
	}
}

func TestShortPacingWaitsAreNotReported(t *testing.T) {
	var heard waitLog
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{OnWait: heard.OnWait})
	waits := noSleep(c)
	fakeBucket(c, 480) // 125ms a request past the burst
	addIncidents(t, sim, 1)
	id := sim.Incidents()[0].ID
	for range burstSize + 1 {
		if _, err := c.Get(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if len(*waits) != 1 || (*waits)[0] != 125*time.Millisecond {
		t.Errorf("waits %v, want one of 125ms", *waits)
	}
	if heard.String() != "" {
		t.Errorf("a sub-second pacing wait was reported: %q", heard.String())
	}
}

func TestAnUnreachableAPIIsNotRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused
	c, err := New(Config{Token: "t", APIURL: "http://" + addr, RequestsPerMinute: -1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	waits := noSleep(c)
	_, err = c.Get(context.Background(), "Q1")
	if !errors.Is(err, incident.ErrUnreachable) || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("err = %v", err)
	}
	if len(*waits) != 0 {
		t.Errorf("a refused connection was retried after %v", *waits)
	}
}

func TestAResetPastTwoMinutesIsNotSleptThrough(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{Timeout: time.Hour, RequestsPerMinute: -1})
	waits := noSleep(c)
	sim.Inject(pdsim.Fault{Status: 429, Reset: maxHonouredWait + time.Second})
	if _, err := c.Active(context.Background()); !errors.Is(err, incident.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if len(*waits) != 0 || sim.Requests("GET /incidents") != 1 {
		t.Errorf("waited %v over %d requests for a reset of more than two minutes", *waits, sim.Requests("GET /incidents"))
	}
	sim.Inject(pdsim.Fault{Status: 429, Reset: maxHonouredWait})
	if _, err := c.Active(context.Background()); err != nil || len(*waits) != 1 || (*waits)[0] != maxHonouredWait {
		t.Errorf("a reset of exactly two minutes: %v, waits %v", err, *waits)
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	tr := newTransport(nil, 0, 10, nil)
	tr.jitter = func(d time.Duration) time.Duration { return d }
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}
	for attempt, w := range want {
		if got := tr.backoff(attempt); got != w {
			t.Errorf("backoff(%d) = %s, want %s", attempt, got, w)
		}
	}
	// The real jitter stays within [d/2, d] and does vary.
	tr = newTransport(nil, 0, 10, nil)
	seen := map[time.Duration]bool{}
	for range 200 {
		d := tr.jitter(8 * time.Second)
		if d < 4*time.Second || d > 8*time.Second {
			t.Fatalf("jitter(8s) = %s", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Errorf("jitter always gave %v", seen)
	}
}

func TestServerWait(t *testing.T) {
	at := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		h        http.Header
		min, max time.Duration
		ok       bool
	}{
		{http.Header{"Ratelimit-Reset": {"1.5"}}, 1500 * time.Millisecond, 1500 * time.Millisecond, true},
		{http.Header{"Ratelimit-Reset": {"0"}}, 0, 0, true},
		{http.Header{"Ratelimit-Reset": {"-3"}, "Retry-After": {"4"}}, 4 * time.Second, 4 * time.Second, true},
		{http.Header{"Ratelimit-Reset": {"soon"}}, 0, 0, false},
		{http.Header{"Retry-After": {at}}, 59 * time.Minute, time.Hour, true},
		{http.Header{"Retry-After": {"Mon, 02 Jan 2006 15:04:05 GMT"}}, 0, 0, true}, // in the past: no wait
		{http.Header{"Retry-After": {"-1"}}, 0, 0, false},
		{http.Header{}, 0, 0, false},
	}
	for _, tt := range tests {
		d, ok := serverWait(tt.h)
		if ok != tt.ok || d < tt.min || d > tt.max {
			t.Errorf("serverWait(%v) = %s, %v; want [%s, %s], %v", tt.h, d, ok, tt.min, tt.max, tt.ok)
		}
	}
}

// countingBody counts what is read of it.
type countingBody struct {
	r    io.Reader
	read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}
func (b *countingBody) Close() error { return nil }

func TestBoundedAnswers(t *testing.T) {
	// Announced too large: refused before a byte is read.
	body := &countingBody{r: strings.NewReader("x")}
	if _, err := bounded(&http.Response{ContentLength: maxResponseBytes + 1, Body: body}, nil); !errors.Is(err, errResponseTooLarge) || body.read != 0 {
		t.Errorf("announced too large: %v after reading %d bytes", err, body.read)
	}
	// Exactly the limit reads to the end; one byte more fails, having
	// handed over no more than the limit.
	for _, size := range []int{maxResponseBytes, maxResponseBytes + 1} {
		resp, err := bounded(&http.Response{ContentLength: -1, Body: io.NopCloser(strings.NewReader(strings.Repeat("a", size)))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		switch {
		case size == maxResponseBytes && (err != nil || len(got) != size):
			t.Errorf("a body of exactly the limit: %d bytes, %v", len(got), err)
		case size > maxResponseBytes && (!errors.Is(err, errResponseTooLarge) || len(got) > maxResponseBytes):
			t.Errorf("a body over the limit: %d bytes, %v", len(got), err)
		}
	}
	// A transport error passes through untouched.
	boom := errors.New("boom")
	if _, err := bounded(nil, boom); err != boom {
		t.Errorf("error: %v", err)
	}
}

func TestSameOriginDefaultPorts(t *testing.T) {
	check := sameOrigin(mustURL(t, "https://api.pagerduty.com"), nil)
	via, _ := http.NewRequest(http.MethodGet, "https://api.pagerduty.com/incidents", nil)
	for to, ok := range map[string]bool{
		"https://api.pagerduty.com:443/incidents": true,
		"https://API.pagerduty.com/incidents":     true,
		"https://api.pagerduty.com:8443/x":        false,
		"http://api.pagerduty.com/x":              false,
		"https://api.eu.pagerduty.com/x":          false,
	} {
		r, _ := http.NewRequest(http.MethodGet, to, nil)
		if err := check(r, []*http.Request{via}); (err == nil) != ok {
			t.Errorf("redirect to %s: %v, want allowed=%v", to, err, ok)
		}
	}
	check = sameOrigin(mustURL(t, "http://127.0.0.1"), nil)
	r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:80/x", nil)
	if err := check(r, []*http.Request{via}); err != nil {
		t.Errorf("http default port: %v", err)
	}
	// Within the origin, a caller's own policy still applies, and the
	// default stops loops.
	calls := 0
	check = sameOrigin(mustURL(t, "http://127.0.0.1"), func(*http.Request, []*http.Request) error { calls++; return nil })
	_ = check(r, []*http.Request{via})
	if calls != 1 {
		t.Errorf("the caller's CheckRedirect ran %d times", calls)
	}
	check = sameOrigin(mustURL(t, "http://127.0.0.1"), nil)
	if err := check(r, make([]*http.Request, 10)); err == nil {
		t.Error("the eleventh redirect was followed")
	}
}

func TestQueryIsAddedToReadsOnly(t *testing.T) {
	var got []string
	tr := newTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.Method+" "+r.URL.RawQuery)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
	}), 0, 0, nil)
	ctx := withQuery(context.Background(), "include[]", "conference_bridge")
	for _, m := range []string{http.MethodGet, http.MethodPut} {
		req, _ := http.NewRequestWithContext(ctx, m, "http://x/incidents/Q1?a=b", nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] != "GET a=b&include%5B%5D=conference_bridge" || got[1] != "PUT a=b" {
		t.Errorf("queries sent: %q", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAFromAlreadySetIsKept(t *testing.T) {
	var got []string
	tr := newTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.Method+" "+r.Header.Get("From"))
		return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
	}), 0, 0, nil)
	ctx := withFrom(context.Background(), "ctx@example.com")
	for _, tc := range []struct{ method, from string }{{http.MethodPost, "set@example.com"}, {http.MethodPost, ""}, {http.MethodGet, ""}} {
		req, _ := http.NewRequestWithContext(ctx, tc.method, "http://x/incidents/Q1/snooze", nil)
		if tc.from != "" {
			req.Header.Set("From", tc.from)
		}
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"POST set@example.com", "POST ctx@example.com", "GET "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("From sent: %q, want %q", got, want)
	}
}

func TestPacingIsOnUnlessTurnedOff(t *testing.T) {
	for _, tc := range []struct {
		perMinute int
		rate      float64 // tokens a second; 0: no bucket
	}{{0, float64(DefaultRequestsPerMinute) / 60}, {60, 1}, {1, 1.0 / 60}, {-1, 0}} {
		c, err := New(Config{Token: "t", APIURL: "http://127.0.0.1:1", RequestsPerMinute: tc.perMinute})
		if err != nil {
			t.Fatal(err)
		}
		switch b := c.tr.bucket; {
		case tc.rate == 0 && b != nil:
			t.Errorf("RequestsPerMinute %d: pacing is on", tc.perMinute)
		case tc.rate != 0 && (b == nil || b.rate != tc.rate || b.tokens != burstSize):
			t.Errorf("RequestsPerMinute %d: bucket %+v, want %v a second and a full burst", tc.perMinute, b, tc.rate)
		}
	}
}

// closeBody records whether it was read and closed.
type closeBody struct {
	io.Reader
	closed bool
}

func (b *closeBody) Close() error { b.closed = true; return nil }

func TestTheTransportLeavesTheCallersRequestAlone(t *testing.T) {
	tr := newTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
	}), 0, 0, nil)
	ctx := withQuery(withFrom(context.Background(), "a@example.com"), "include[]", "x")
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequestWithContext(ctx, m, "http://x/incidents?a=b", nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("From") != "" || req.URL.RawQuery != "a=b" {
			t.Errorf("%s: the caller's request changed: From %q, query %q", m, req.Header.Get("From"), req.URL.RawQuery)
		}
	}
}

func TestARetriedAnswerIsClosedAndPaced(t *testing.T) {
	var bodies []*closeBody
	calls := 0
	tr := newTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		b := &closeBody{Reader: strings.NewReader("busy")}
		bodies = append(bodies, b)
		if calls == 1 {
			return &http.Response{StatusCode: 503, Body: b, Header: http.Header{}}, nil
		}
		return &http.Response{StatusCode: 200, Body: b, Header: http.Header{}}, nil
	}), 60, 3, nil)
	now := epoch
	tr.bucket = newBucket(60, func() time.Time { return now })
	tr.bucket.tokens = 0 // empty: every request waits its turn
	var waits []time.Duration
	tr.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	tr.jitter = func(d time.Duration) time.Duration { return d }
	req, _ := http.NewRequest(http.MethodGet, "http://x/incidents", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	if !bodies[0].closed {
		t.Error("the 503's body was not closed before the retry")
	}
	// pace (1s), backoff (1s), pace again (2s: a 5xx is no 429, whose wait
	// would stand for pacing).
	if len(waits) != 3 || waits[2] != 2*time.Second {
		t.Errorf("waits %v, want pace, backoff, pace", waits)
	}
}

func TestGetRetriesABrokenConnectionAndA500(t *testing.T) {
	for _, fail := range []func() (*http.Response, error){
		func() (*http.Response, error) { return nil, errors.New("read: connection reset by peer") },
		func() (*http.Response, error) {
			return &http.Response{StatusCode: 500, Body: http.NoBody, Header: http.Header{}}, nil
		},
	} {
		calls := 0
		tr := newTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if calls++; calls == 1 {
				return fail()
			}
			return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
		}), 0, 3, nil)
		tr.sleep = func(context.Context, time.Duration) error { return nil }
		req, _ := http.NewRequest(http.MethodGet, "http://x/incidents", nil)
		if resp, err := tr.RoundTrip(req); err != nil || resp.StatusCode != 200 || calls != 2 {
			t.Errorf("after a failure: %v %v, %d calls, want a retry", resp, err, calls)
		}
	}
}

func TestABodyThatCannotBeResentIsNotRetried(t *testing.T) {
	calls := 0
	tr := newTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return &http.Response{StatusCode: 429, Body: http.NoBody, Header: http.Header{"Ratelimit-Reset": {"1"}}}, nil
	}), 0, 3, nil)
	tr.sleep = func(context.Context, time.Duration) error { return nil }
	req, _ := http.NewRequest(http.MethodPost, "http://x/incidents/Q1/notes", nil)
	req.Body = io.NopCloser(strings.NewReader(`{"note":{}}`)) // no GetBody
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 429 || calls != 1 {
		t.Errorf("%v %v after %d calls: want the 429 itself", resp, err, calls)
	}
}

func TestEdgesOfWaitsAndSizes(t *testing.T) {
	// A pacing wait of exactly a second is reported.
	var heard waitLog
	tr := newTransport(nil, 60, 0, heard.OnWait)
	now := epoch
	tr.bucket = newBucket(60, func() time.Time { return now })
	tr.bucket.tokens = 0
	tr.sleep = func(context.Context, time.Duration) error { return nil }
	if err := tr.pace(context.Background()); err != nil || !strings.Contains(heard.String(), "pacing requests, retrying in 1s") {
		t.Errorf("a one-second pacing wait: %v, heard %q", err, heard.String())
	}
	// Retry-After: 0 means now.
	if d, ok := serverWait(http.Header{"Retry-After": {"0"}}); !ok || d != 0 {
		t.Errorf("Retry-After 0: %s %v", d, ok)
	}
	// An answer announced at exactly the limit is read; its body is closed
	// when one over is refused.
	if _, err := bounded(&http.Response{ContentLength: maxResponseBytes, Body: http.NoBody}, nil); err != nil {
		t.Errorf("announced at the limit: %v", err)
	}
	b := &closeBody{Reader: strings.NewReader("")}
	if _, err := bounded(&http.Response{ContentLength: maxResponseBytes + 1, Body: b}, nil); err == nil || !b.closed {
		t.Errorf("announced over the limit: %v, closed %v", err, b.closed)
	}
}
