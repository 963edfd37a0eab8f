package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// waitLog records what OnWait heard.
type waitLog struct {
	mu    sync.Mutex
	lines []string
}

func (w *waitLog) OnWait(d time.Duration, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, fmt.Sprintf("%s, retrying in %s", reason, d.Round(time.Second)))
}

func (w *waitLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "; ")
}

func TestRateLimitIsWaitedOutAndRetried(t *testing.T) {
	tests := []struct {
		name     string
		fault    pdsim.Fault
		min, max time.Duration // the wait the client must choose
		heard    string
	}{
		{"ratelimit-reset", pdsim.Fault{Status: 429, Reset: 7 * time.Second}, 7 * time.Second, 7 * time.Second, "rate limited, retrying in 7s"},
		{"Retry-After only", pdsim.Fault{Status: 429, RetryAfter: 3 * time.Second}, 3 * time.Second, 3 * time.Second, "rate limited, retrying in 3s"},
		{"reset wins over Retry-After", pdsim.Fault{Status: 429, Reset: 2 * time.Second, RetryAfter: 9 * time.Second}, 2 * time.Second, 2 * time.Second, "retrying in 2s"},
		{"bare 429: backoff with jitter", pdsim.Fault{Status: 429}, backoffBase / 2, backoffBase, "rate limited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var heard waitLog
			sim, c, _ := newEmpty(t, pdsim.Options{}, Config{OnWait: heard.OnWait, RequestsPerMinute: -1})
			waits := noSleep(c)
			addIncidents(t, sim, 3)
			tt.fault.Route = "GET /incidents"
			sim.Inject(tt.fault)
			got, err := c.Active(context.Background())
			if err != nil || len(got) != 3 {
				t.Fatalf("Active after one 429: %d incidents, %v", len(got), err)
			}
			if n := sim.Requests("GET /incidents"); n != 2 {
				t.Errorf("%d requests, want the 429 and one retry", n)
			}
			if len(*waits) != 1 || (*waits)[0] < tt.min || (*waits)[0] > tt.max {
				t.Errorf("waited %v, want one wait in [%s, %s]", *waits, tt.min, tt.max)
			}
			if !strings.Contains(heard.String(), tt.heard) {
				t.Errorf("OnWait heard %q, want %q", heard.String(), tt.heard)
			}
		})
	}
}

// TestSleepEndsWithItsContext: the real sleep used between attempts gives
// up when the call's context ends (a hang here is caught by the test
// binary's timeout, not by a wall-clock budget).
func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleep on a cancelled context: %v", err)
	}
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Errorf("a short sleep: %v", err)
	}
	if err := sleepCtx(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("a zero sleep on a cancelled context: %v", err)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{MaxRetries: 2, RequestsPerMinute: -1})
	sim.Inject(pdsim.Fault{Status: 429, Reset: time.Second, Times: 10})
	_, err := c.Active(context.Background())
	if !errors.Is(err, incident.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if n := sim.Requests("GET /incidents"); n != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", n)
	}
}

func TestAResetBeyondTheDeadlineIsNotWaitedFor(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{Timeout: time.Second, RequestsPerMinute: -1})
	waits := noSleep(c)
	sim.Inject(pdsim.Fault{Status: 429, Reset: 30 * time.Second})
	if _, err := c.Active(context.Background()); !errors.Is(err, incident.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited at once", err)
	}
	if len(*waits) != 0 {
		t.Errorf("waited %v past the call's deadline", *waits)
	}
}

// TestWhatIsRetried: reads survive 5xx and dropped connections; a write
// is retried only after a 429 (PagerDuty did not apply it), never after an
// answer or a silence that may mean it landed.
func TestWhatIsRetried(t *testing.T) {
	tests := []struct {
		name     string
		route    string
		fault    pdsim.Fault
		call     func(c *Client, id string) error
		ok       bool
		requests int
	}{
		{"GET after 503", "GET /incidents/{id}", pdsim.Fault{Status: 503}, get, true, 2},
		{"GET after 502 twice", "GET /incidents/{id}", pdsim.Fault{Status: 502, Times: 2}, get, true, 3},
		{"GET after a dropped connection", "GET /incidents/{id}", pdsim.Fault{Drop: true}, get, true, 2},
		{"note after 429", "POST /incidents/{id}/notes", pdsim.Fault{Status: 429, Reset: time.Second}, note, true, 2},
		{"note after 503", "POST /incidents/{id}/notes", pdsim.Fault{Status: 503}, note, false, 1},
		{"note after a dropped connection", "POST /incidents/{id}/notes", pdsim.Fault{Drop: true}, note, false, 1},
		{"acknowledge after 500", "PUT /incidents", pdsim.Fault{Status: 500}, ack, false, 1},
		{"acknowledge after 429", "PUT /incidents", pdsim.Fault{Status: 429}, ack, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c, _ := newEmpty(t, pdsim.Options{}, Config{RequestsPerMinute: -1})
			addIncidents(t, sim, 1)
			id := sim.Incidents()[0].ID
			if _, err := c.fromEmail(context.Background()); err != nil { // look From up before the fault
				t.Fatal(err)
			}
			tt.fault.Route = tt.route
			sim.Inject(tt.fault)
			err := tt.call(c, id)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, incident.ErrUnreachable) {
				t.Errorf("err = %v, want ErrUnreachable", err)
			}
			if n := sim.Requests(tt.route); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.route == "POST /incidents/{id}/notes" && tt.ok && len(sim.Notes(id)) != 1 {
				t.Errorf("notes: %+v, want exactly one", sim.Notes(id))
			}
		})
	}
}

func get(c *Client, id string) error {
	_, err := c.Get(context.Background(), id)
	return err
}

func note(c *Client, id string) error {
	return c.AddNote(context.Background(), id, "L1", "checked the pool")
}

func ack(c *Client, id string) error { return c.Acknowledge(context.Background(), id) }

// TestSlowAnswerCostsOneTimeout: a slow simulator answer ends at the
// deadline, is not retried past it, and says so.
func TestSlowAnswerCostsOneTimeout(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{Timeout: 300 * time.Millisecond, RequestsPerMinute: -1})
	sim.Inject(pdsim.Fault{Route: "GET /incidents", Delay: 5 * time.Second, Times: 5})
	_, err := c.Active(context.Background())
	if !errors.Is(err, incident.ErrUnreachable) || !strings.Contains(err.Error(), "no answer") || !strings.Contains(err.Error(), "300ms") {
		t.Fatalf("err = %v", err)
	}
	if n := sim.Requests("GET /incidents"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestAuthErrorsNameTheSourceNotTheToken(t *testing.T) {
	tests := []struct {
		name     string
		token    string
		source   string
		fail     int
		sentinel error
		want     string
	}{
		{"401 from env", "s3cretTOKEN1", "env PAGERDUTY_TOKEN", 0, incident.ErrUnauthorized, "rejected the token from env PAGERDUTY_TOKEN (401)"},
		{"401 from a token file", "s3cretTOKEN2", "token file /home/a/.pd", 0, incident.ErrUnauthorized, "rejected the token from token file /home/a/.pd"},
		{"403", pdsim.DemoToken, "env PAGERDUTY_TOKEN", 403, incident.ErrForbidden, "the token from env PAGERDUTY_TOKEN may not do this (403)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c, _ := newEmpty(t, pdsim.Options{}, Config{Token: tt.token, TokenSource: tt.source})
			if tt.fail != 0 {
				sim.FailFor(tt.fail, time.Hour)
			}
			_, err := c.Active(context.Background())
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, tt.token) || strings.Contains(msg, "\n") {
				t.Errorf("message %q: want one line with %q and no token", msg, tt.want)
			}
			if n := sim.Requests("GET /incidents"); n != 1 {
				t.Errorf("%d requests: an auth failure must not be retried", n)
			}
		})
	}
}

func TestTheClientSendsPagerDutysHeaders(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{RequireAccept: true}, Config{})
	addIncidents(t, sim, 1)
	id := sim.Incidents()[0].ID
	if _, err := c.Active(context.Background()); err != nil {
		t.Fatalf("with the Accept version required: %v", err)
	}
	if err := c.AddNote(context.Background(), id, "L1", "hello"); err != nil {
		t.Fatalf("write with the Accept version required: %v", err)
	}
}

func TestFromHeader(t *testing.T) {
	ctx := context.Background()
	t.Run("user token: snooze carries the user's email", func(t *testing.T) {
		sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
		_, err := sim.AddIncident(pdsim.IncidentSpec{Title: "t", Service: pdsim.ServiceCheckout, Status: "acknowledged"})
		if err != nil {
			t.Fatal(err)
		}
		id := sim.Incidents()[0].ID
		if err := c.Snooze(ctx, id, 30*time.Minute); err != nil {
			t.Fatal(err)
		}
		log := sim.LogEntries(id)
		last := log[len(log)-1]
		if last.Type != "snooze_log_entry" || last.Agent != "Alex Rivera" {
			t.Errorf("last log entry %+v, want a snooze by the token's user", last)
		}
		if s, _ := sim.Incident(id); !s.SnoozedUntil.Equal(epoch.Add(30 * time.Minute)) {
			t.Errorf("snoozed until %s", s.SnoozedUntil)
		}
		if n := sim.Requests("GET /users/me"); n != 1 {
			t.Errorf("looked the user up %d times", n)
		}
	})
	t.Run("account token without From: the error names the setting", func(t *testing.T) {
		sim, c, _ := newEmpty(t, pdsim.Options{AccountToken: "acct-token"}, Config{Token: "acct-token", FromSetting: "PAGERDUTY_FROM"})
		addIncidents(t, sim, 1)
		err := c.Acknowledge(ctx, sim.Incidents()[0].ID)
		if err == nil || !strings.Contains(err.Error(), "set PAGERDUTY_FROM") {
			t.Fatalf("err = %v", err)
		}
		if n := sim.Requests("PUT /incidents"); n != 0 {
			t.Errorf("sent %d writes without a From", n)
		}
	})
	t.Run("account token with From: every write acts as that user", func(t *testing.T) {
		sim, c, _ := newEmpty(t, pdsim.Options{AccountToken: "acct-token"}, Config{Token: "acct-token", From: pdsim.EmailPriya})
		_, err := sim.AddIncident(pdsim.IncidentSpec{Title: "t", Service: pdsim.ServicePayments, Status: "acknowledged"})
		if err != nil {
			t.Fatal(err)
		}
		id := sim.Incidents()[0].ID
		if err := c.Snooze(ctx, id, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := c.RequestResponders(ctx, id, incident.ResponderRequest{UserIDs: []string{pdsim.DemoUserID}, Message: "join the bridge"}); err != nil {
			t.Fatal(err)
		}
		log := sim.LogEntries(id)
		if !strings.Contains(fmt.Sprint(log), "snooze_log_entry") {
			t.Errorf("no snooze in %+v", log)
		}
		if rr := sim.ResponderRequests(id); len(rr) != 1 || rr[0].RequesterEmail != pdsim.EmailPriya {
			t.Errorf("responder requests %+v, want one by Priya", rr)
		}
	})
}

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "  u+abc123\n", 0o600)
	if tok, err := ReadTokenFile(good); err != nil || tok != "u+abc123" {
		t.Errorf("ReadTokenFile(0600) = %q, %v", tok, err)
	}
	for _, tt := range []struct {
		name string
		mode os.FileMode
		body string
		want string
	}{
		{"group-readable", 0o640, "zq9secret", "chmod 600 "},
		{"world-readable", 0o644, "zq9secret", "chmod 600 "},
		{"empty", 0o600, " \n", "is empty"},
		{"two-words", 0o600, "zq9 secret", "only the token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := write(tt.name, tt.body, tt.mode)
			_, err := ReadTokenFile(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(tt.want, "chmod") && !strings.Contains(err.Error(), "chmod 600 "+p) {
				t.Errorf("err %q does not name the file to fix", err)
			}
			if strings.Contains(err.Error(), tt.body) && strings.TrimSpace(tt.body) != "" {
				t.Errorf("err %q shows the file's content", err)
			}
		})
	}
	if _, err := ReadTokenFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestBucketPacesSteadyState(t *testing.T) {
	now := epoch
	b := newBucket(480, func() time.Time { return now })
	for i := range burstSize {
		if w := b.take(); w != 0 {
			t.Fatalf("request %d of the burst waited %s", i, w)
		}
	}
	if w := b.take(); w != 125*time.Millisecond {
		t.Errorf("first request past the burst waits %s, want 125ms (480/min)", w)
	}
	now = now.Add(time.Minute)
	b.pauseFor(5 * time.Second)
	if w := b.take(); w != 5*time.Second {
		t.Errorf("after a 429 pause: waits %s, want 5s", w)
	}
}

// TestTransportKeepsACallersClient: a caller's http.Client is copied, not
// changed.
func TestTransportKeepsACallersClient(t *testing.T) {
	hc := &http.Client{Timeout: time.Second}
	srv := httptest.NewServer(pdsim.New(pdsim.Options{}))
	defer srv.Close()
	if _, err := New(Config{Token: "t", APIURL: srv.URL, HTTPClient: hc}); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil {
		t.Error("New changed the caller's http.Client")
	}
}
