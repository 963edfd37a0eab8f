package pdsim

import (
	"net/http"
	"time"
)

// Fault is a scripted misbehaviour for requests to come, so that a
// client's handling of rate limits, outages, slowness and broken
// connections can be tested. Faults queue in the order they are injected;
// a request takes the first one whose Route matches it.
type Fault struct {
	// Route is a route pattern as Requests counts them, such as
	// "GET /incidents"; "" matches every request.
	Route string
	// Times is how many requests the fault hits; zero means one.
	Times int
	// Status, when set, is the answer, with PagerDuty's error body (code
	// 2020 for 429, 2000 for 5xx). A 429 carries ratelimit-limit,
	// ratelimit-remaining and ratelimit-reset when Reset is set, and
	// Retry-After when RetryAfter is set; with neither it is the bare 429
	// PagerDuty may also send.
	Status     int
	Reset      time.Duration // rounded up to whole seconds
	RetryAfter time.Duration // rounded up to whole seconds
	// Delay holds the request this long (wall time, not Options.Now)
	// before anything else happens; a client that gives up ends it early.
	// With no Status and no Drop the request is then served normally.
	Delay time.Duration
	// Drop closes the connection without any answer.
	Drop bool
}

// Inject queues a fault for the requests to come.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFault takes one use of the first fault matching route; the caller
// holds s.mu.
func (s *Server) takeFault(route string) (Fault, bool) {
	for i := range s.faults {
		f := &s.faults[i]
		if f.Route != "" && f.Route != route {
			continue
		}
		out := *f
		if f.Times--; f.Times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return out, true
	}
	return Fault{}, false
}

// misbehave acts out f and reports whether the request should still be
// served normally.
func (s *Server) misbehave(f Fault, w http.ResponseWriter, r *http.Request) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return false
			}
		}
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	if f.Status == 0 {
		return true
	}
	if f.Status == http.StatusTooManyRequests {
		s.mu.Lock()
		limit := max(s.rateLimit, 960)
		s.mu.Unlock()
		h := w.Header()
		if f.Reset > 0 {
			h.Set("ratelimit-limit", itoa(limit))
			h.Set("ratelimit-remaining", "0")
			h.Set("ratelimit-reset", itoa(ceilSeconds(f.Reset)))
		}
		if f.RetryAfter > 0 {
			h.Set("Retry-After", itoa(ceilSeconds(f.RetryAfter)))
		}
	}
	writeError(w, errInjected(f.Status))
	return false
}
