package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fate is what the chaos proxy does to one request.
type fate int

const (
	fatePass        fate = iota // forwarded, answered at once
	fateDelay                   // forwarded, answered late but within the client's patience
	fateHold                    // held past the client's deadline, then forwarded: it lands after the client gave up
	fateDropBefore              // the connection is closed before anything is forwarded
	fateDropAfter               // forwarded (it lands), then the connection is closed without an answer
	fateGateway                 // forwarded (it lands), then answered 502, as a gateway that lost the upstream answer
	fateUnavailable             // answered 503 without forwarding
	fateCount
)

func (f fate) String() string {
	return [...]string{"pass", "delay", "hold", "drop-before", "drop-after", "502-after", "503-before"}[f]
}

// Fate weights, per hundred. Writes meet the trouble that can make a
// duplicate (held past the client's deadline, landed but unanswered);
// reads, which the adapter retries and which every process starts with,
// mostly pass, so that the actions behind them get as far as their write.
var (
	writeWeights = [fateCount]int{
		fatePass:        44,
		fateDelay:       10,
		fateHold:        14,
		fateDropBefore:  8,
		fateDropAfter:   12,
		fateGateway:     7,
		fateUnavailable: 5,
	}
	readWeights = [fateCount]int{
		fatePass:        78,
		fateDelay:       10,
		fateHold:        3,
		fateDropBefore:  4,
		fateDropAfter:   2,
		fateGateway:     1,
		fateUnavailable: 2,
	}
)

// chaosProxy is an HTTP proxy in front of the simulator that holds, drops
// and delays requests, driven by a seed. A request's fate depends only on
// the seed, the request itself (method, path, query, body) and how many
// times that same request was seen before, not on when it arrives or on
// what other processes do meanwhile. So a seed replays the same fates for
// the same actions, although kill timing and the interleaving of processes
// differ from run to run.
//
// Nothing forwarded is ever abandoned: a held request is forwarded after
// its hold whether or not its client is still waiting, as a slow network
// would deliver it, and Wait returns only once every forwarded request has
// reached the simulator.
type chaosProxy struct {
	t        *testing.T
	upstream string
	seed     uint64
	// A held request waits between holdMin and holdMax before it is
	// forwarded.
	holdMin, holdMax time.Duration
	client           *http.Client
	srv              *httptest.Server

	inflight sync.WaitGroup
	mu       sync.Mutex
	seen     map[string]int
	fates    [fateCount]int
	late     int           // held requests forwarded after their client had gone
	slowest  time.Duration // the longest a request took from arrival to its answer from the simulator
	log      []string      // one line per request, for a failure's report
	calm     bool          // pass everything
	start    time.Time
}

func newChaosProxy(t *testing.T, upstream string, seed uint64, holdMin, holdMax time.Duration) *chaosProxy {
	p := &chaosProxy{
		t: t, upstream: strings.TrimRight(upstream, "/"), seed: seed, holdMin: holdMin, holdMax: holdMax,
		// No client timeout: a forwarded request is bounded by the context
		// set in forward, so a late one still lands.
		client: &http.Client{Transport: &http.Transport{}},
		seen:   map[string]int{},
		start:  time.Now(),
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.srv.Close()
		p.client.CloseIdleConnections()
	})
	return p
}

// URL is the proxy's address, to give the CLI as --api-url.
func (p *chaosProxy) URL() string { return p.srv.URL }

// latest is the longest any request took from reaching the proxy to being
// stored by the simulator.
func (p *chaosProxy) latest() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.slowest
}

// Wait blocks until every request the proxy took has been answered or
// dropped, and every held one has reached the simulator.
func (p *chaosProxy) Wait() { p.inflight.Wait() }

// fateFor picks a request's fate from the seed, the request and its
// repeat count.
func (p *chaosProxy) fateFor(r *http.Request, body []byte) (fate, time.Duration, int) {
	// The key leaves out what differs from run to run (the local id in a
	// note's tag, times in a query), so that a seed replays.
	key := r.Method + " " + r.URL.Path
	if m := chaosNoteText.Find(body); m != nil {
		key += " " + string(m)
	}
	p.mu.Lock()
	n := p.seen[key]
	p.seen[key]++
	calm := p.calm
	p.mu.Unlock()
	if calm {
		return fatePass, 0, n
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%d\x00%s", p.seed, n, key)
	rng := rand.New(rand.NewPCG(p.seed, h.Sum64()))
	weights := writeWeights
	if r.Method == http.MethodGet {
		weights = readWeights
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	pick := rng.IntN(total)
	f := fatePass
	for i, w := range weights {
		if pick < w {
			f = fate(i)
			break
		}
		pick -= w
	}
	var d time.Duration
	switch f {
	case fateDelay:
		d = time.Duration(100+rng.IntN(2900)) * time.Millisecond
	case fateHold:
		d = p.holdMin + time.Duration(rng.Int64N(int64(p.holdMax-p.holdMin)+1))
	}
	return f, d, n
}

func (p *chaosProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.inflight.Add(1)
	defer p.inflight.Done()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		p.drop(w)
		return
	}
	arrived := time.Now()
	f, d, n := p.fateFor(r, body)
	// The client's port tells one process's requests from another's: each
	// keeps its own connections.
	_, port, _ := net.SplitHostPort(r.RemoteAddr)
	line := fmt.Sprintf("%6.1fs :%-5s %-4s %s #%d %s", time.Since(p.start).Seconds(), port, r.Method, r.URL.Path, n, f)
	if m := chaosNoteText.Find(body); m != nil {
		line += fmt.Sprintf(" [%s]", m)
	}
	if d > 0 {
		line += " " + d.Round(100*time.Millisecond).String()
	}
	p.mu.Lock()
	p.fates[f]++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.log = append(p.log, line)
		p.mu.Unlock()
	}()

	switch f {
	case fateDropBefore:
		p.drop(w)
		return
	case fateUnavailable:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":{"message":"Service Unavailable","code":2002}}`)
		return
	case fateHold:
		time.Sleep(d) // whatever the client does meanwhile
		if r.Context().Err() != nil {
			p.mu.Lock()
			p.late++
			p.mu.Unlock()
			line += " (client gone; landing late)"
		}
	}

	resp, err := p.forward(r, body)
	p.mu.Lock()
	p.slowest = max(p.slowest, time.Since(arrived))
	p.mu.Unlock()
	if err != nil {
		line += " upstream: " + err.Error()
		p.drop(w)
		return
	}
	line += fmt.Sprintf(" -> %d", resp.status)
	switch f {
	case fateDropAfter:
		p.drop(w)
		return
	case fateGateway:
		w.WriteHeader(http.StatusBadGateway)
		return
	case fateDelay:
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	for k, vs := range resp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

type proxied struct {
	status int
	header http.Header
	body   []byte
}

// forward sends the request on to the simulator, detached from the
// client's connection: a request the client gave up on still lands.
func (p *chaosProxy) forward(r *http.Request, body []byte) (proxied, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return proxied{}, err
	}
	for k, vs := range r.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
			continue
		}
		req.Header[k] = vs
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return proxied{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return proxied{}, err
	}
	h := resp.Header.Clone()
	h.Del("Content-Length")
	return proxied{status: resp.StatusCode, header: h, body: b}, nil
}

// drop closes the client's connection without an answer.
func (p *chaosProxy) drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		p.t.Error("chaos proxy: the connection cannot be hijacked to drop it")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		p.t.Errorf("chaos proxy: hijack: %v", err)
		return
	}
	conn.Close()
}

// figures is one line of fate counts.
func (p *chaosProxy) figures() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts []string
	for f := fate(0); f < fateCount; f++ {
		parts = append(parts, fmt.Sprintf("%s %d", f, p.fates[f]))
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; held requests that landed after their client gave up: %d; the latest landing, after arrival: %v",
		p.late, p.slowest.Round(100*time.Millisecond))
}

// requestLog returns the proxy's log, a line per request, in the order
// the requests arrived.
func (p *chaosProxy) requestLog() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := append([]string(nil), p.log...)
	sort.Strings(out) // lines start with the time, padded
	return out
}
