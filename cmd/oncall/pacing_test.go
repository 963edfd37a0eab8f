package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestOneShotCommandsSpendTheBudget: incidents and export, run as a
// person runs them against the simulator, make their requests with a
// client that spends PagerDuty's budget (PaceBudget) rather than the
// steady pace of the interactive view, as their debug log, which reads the
// pacing off the very client the command used, says before the requests.
// The pacer itself is held to its behaviour in incident/pagerduty
// (pace_test.go); this holds the commands to using it. The two pacings
// differ only in how long requests wait, which a test does not time.
func TestOneShotCommandsSpendTheBudget(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(id, url, db string) []string
	}{
		{"incidents", func(_, url, db string) []string { return []string{"incidents", "--json", "--api-url", url, "--db", db} }},
		{"export", func(id, url, db string) []string {
			return []string{"export", id, "--api-url", url, "--db", db, "-o", filepath.Join(filepath.Dir(db), "draft.md")}
		}},
		{"review", func(_, url, db string) []string {
			return []string{"review", "--since", "30d", "--api-url", url, "--db", db, "-o", filepath.Join(filepath.Dir(db), "review.md")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, snap, url := checkoutOnSim(t)
			state := t.TempDir()
			t.Setenv("XDG_STATE_HOME", state)
			db := filepath.Join(t.TempDir(), "journal.db")
			code, _, stderr := cli(t, append([]string{"--debug"}, tc.args(snap.ID, url, db)...)...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			raw, err := os.ReadFile(filepath.Join(state, "oncall", "debug.log"))
			if err != nil {
				t.Fatal(err)
			}
			log := string(raw)
			paced := strings.Index(log, "msg=pacing spends=budget")
			if paced < 0 {
				t.Fatalf("the debug log does not say the command's client spends the budget:\n%s", log)
			}
			if strings.Count(log, "msg=pacing") != 1 {
				t.Errorf("the debug log names the pacing %d times, want once:\n%s", strings.Count(log, "msg=pacing"), log)
			}
			if first := strings.Index(log, "msg=http"); first < paced {
				t.Errorf("a request went out before the pacing was set (or none went out):\n%s", log)
			}
		})
	}
}

// rateWindow stands in front of a rate-limited simulator: it counts the
// requests and the 429s, and at the second request moves the
// simulator's clock to 2 s before its rate-limit window ends, so the
// window's budget runs out with its reset near (the clock runs on in
// real time from there).
type rateWindow struct {
	next           http.Handler
	jump           *atomic.Int64 // nanoseconds added to the simulator's clock
	requests, r429 atomic.Int32
}

func (w *rateWindow) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if w.requests.Add(1) == 2 { // the first opened the window
		w.jump.Store(int64(58 * time.Second))
	}
	rec := &statusRecorder{ResponseWriter: rw}
	w.next.ServeHTTP(rec, r)
	if rec.status == http.StatusTooManyRequests {
		w.r429.Add(1)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// rateRig serves 950 incidents (10 pages) from a simulator that allows
// 8 requests a minute, behind a rateWindow.
func rateRig(t *testing.T) (*rateWindow, string) {
	t.Helper()
	base := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	start := time.Now()
	jump := &atomic.Int64{}
	now := func() time.Time { return base.Add(time.Since(start) + time.Duration(jump.Load())) }
	sim := pdsim.New(pdsim.Options{Now: now, Scenario: pdsim.Scenario{}, RateLimit: 8})
	for i := range 950 {
		if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: fmt.Sprintf("disk full on node-%d", i), Service: pdsim.ServiceSearch,
			CreatedAt: base.Add(-time.Duration(1000-i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	w := &rateWindow{next: sim, jump: jump}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return w, srv.URL
}

// TestOneShotListingHonoursTheRemainingBudget: oncall incidents against
// a simulator that allows 8 requests a minute, listing 950 incidents (10
// pages): the client spends the window's 8, sees ratelimit-remaining at
// 0, waits for ratelimit-reset (about 2 s) and lists the rest in the next
// window, without meeting a 429. Counted at the simulator, not timed.
// The control, a client with no pacing at all (which reads no headers
// but a 429's), is refused on the same rig. The steady pacer honours
// the headers as the budget one does, so this holds the command's client
// to the headers, and TestOneShotCommandsSpendTheBudget to the budget.
func TestOneShotListingHonoursTheRemainingBudget(t *testing.T) {
	t.Run("control", func(t *testing.T) {
		w, url := rateRig(t)
		c, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: url, RequestsPerMinute: -1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Active(context.Background()); err != nil {
			t.Fatal(err)
		}
		if w.r429.Load() == 0 {
			t.Fatal("a client that reads no rate-limit headers met no 429: the rig does not test the headers")
		}
	})
	w, url := rateRig(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("ONCALL_DB", "")
	code, stdout, stderr := cli(t, "incidents", "--json", "--api-url", url, "--db", filepath.Join(t.TempDir(), "journal.db"))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if n := strings.Count(stdout, "\n"); n != 950 {
		t.Errorf("%d incidents listed, want 950", n)
	}
	if n := w.r429.Load(); n != 0 {
		t.Errorf("the listing met %d 429s: it spent past ratelimit-remaining", n)
	}
	if n := w.requests.Load(); n != 10 {
		t.Errorf("the listing made %d requests, want its 10 pages", n)
	}
}
