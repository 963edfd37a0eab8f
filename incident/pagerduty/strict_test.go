package pagerduty

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// The adapter against a simulator as strict as PagerDuty's reference:
// each test would pass against a kinder server and fail against the real
// API if the adapter lost the behaviour it checks.

func TestTheBridgeIsAskedForWhereverItIsShown(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "checkout down", Service: pdsim.ServiceCheckout,
		BridgeURL: "https://meet.example.com/checkout"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: "by phone", Service: pdsim.ServiceSearch, BridgeNumber: "+1 555 0100"}); err != nil {
		t.Fatal(err)
	}
	// pdsim sends conference_bridge only with include[]=conference_bridge,
	// so a bridge arriving proves the request asked for it.
	got, err := c.Get(context.Background(), snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bridge != "https://meet.example.com/checkout" {
		t.Errorf("Get: bridge %q", got.Bridge)
	}
	list, err := c.Active(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	bridges := map[string]string{}
	for _, in := range list {
		bridges[in.Title] = in.Bridge
	}
	if bridges["checkout down"] != "https://meet.example.com/checkout" || bridges["by phone"] != "+1 555 0100" {
		t.Errorf("list: bridges %v", bridges)
	}
}

func TestLongDateRangesAreSplitIntoWindows(t *testing.T) {
	day := 24 * time.Hour
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	c.cfg.Now = func() time.Time { return epoch }
	for _, age := range []time.Duration{2 * day, 90 * day, 200 * day} {
		if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: "resolved " + age.String(), Service: pdsim.ServiceSearch,
			Status: "resolved", CreatedAt: epoch.Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	resolved := []incident.Status{incident.Resolved}

	// oncall incidents --status resolved --since 120d: one window, and the
	// 90-day-old incident is in it.
	before := sim.Requests("GET /incidents")
	got, err := c.List(context.Background(), incident.Filter{Statuses: resolved, Since: epoch.Add(-120 * day)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Title != "resolved 48h0m0s" || got[1].Title != "resolved 2160h0m0s" {
		t.Errorf("since 120d: %v", titles(got))
	}
	if n := sim.Requests("GET /incidents") - before; n != 1 {
		t.Errorf("since 120d took %d requests, want 1", n)
	}

	// Seven months: more than PagerDuty answers at once, so two windows,
	// newest first, and all three incidents.
	before = sim.Requests("GET /incidents")
	got, err = c.List(context.Background(), incident.Filter{Statuses: resolved, Since: epoch.AddDate(0, -7, 0)})
	if err != nil {
		t.Fatalf("a 7-month range: %v", err)
	}
	if len(got) != 3 || got[0].Title != "resolved 48h0m0s" || got[2].Title != "resolved 4800h0m0s" {
		t.Errorf("7 months: %v", titles(got))
	}
	if n := sim.Requests("GET /incidents") - before; n != 2 {
		t.Errorf("7 months took %d requests, want 2 windows", n)
	}

	// An incident on a window boundary is found once.
	boundary := epoch.Add(-maxWindow)
	if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: "on the boundary", Service: pdsim.ServiceSearch, Status: "resolved", CreatedAt: boundary}); err != nil {
		t.Fatal(err)
	}
	got, err = c.List(context.Background(), incident.Filter{Statuses: resolved, Since: epoch.AddDate(0, -7, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(titles(got), "|"), "on the boundary"); n != 1 {
		t.Errorf("the boundary incident came %d times: %v", n, titles(got))
	}

	// Active incidents still ask for every date.
	if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: "open for a year", Service: pdsim.ServiceSearch, CreatedAt: epoch.Add(-365 * day)}); err != nil {
		t.Fatal(err)
	}
	active, err := c.Active(context.Background())
	if err != nil || len(active) != 1 {
		t.Errorf("active: %v %v", titles(active), err)
	}
}

func titles(in []incident.Incident) []string {
	var out []string
	for _, i := range in {
		out = append(out, i.Title)
	}
	return out
}

func TestDateWindows(t *testing.T) {
	day := 24 * time.Hour
	until := epoch
	w := dateWindows(until.Add(-400*day), until)
	if len(w) != 3 {
		t.Fatalf("400 days in %d windows: %+v", len(w), w)
	}
	if !w[0].until.Equal(until) || !w[2].since.Equal(until.Add(-400*day)) {
		t.Errorf("windows do not span the range: %+v", w)
	}
	for i, x := range w {
		if x.since.AddDate(0, 6, 0).Before(x.until) {
			t.Errorf("window %d is longer than six months: %+v", i, x)
		}
		if i > 0 && !(x.until.After(w[i-1].since)) {
			t.Errorf("window %d does not overlap the newer one: %+v, %+v", i, x, w[i-1])
		}
	}
	if w := dateWindows(until, until); len(w) != 0 {
		t.Errorf("an empty range gave %+v", w)
	}
}

func TestLogTimesInAnotherZoneCompareRight(t *testing.T) {
	// pdsim writes log entries and notes in the account's zone (New York),
	// with an offset: the adapter must land them on the same instant.
	sim, c, clk := newEmpty(t, pdsim.Options{}, Config{})
	snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "t", Service: pdsim.ServiceCheckout})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(90 * time.Second)
	if err := c.AddNote(context.Background(), snap.ID, "L1", "zone check"); err != nil {
		t.Fatal(err)
	}
	events, err := c.Events(context.Background(), snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	var note, trigger bool
	for _, e := range events {
		switch e.Kind {
		case incident.KindNote:
			note = e.At.Equal(epoch.Add(90*time.Second)) && e.At.Location() == time.UTC
		case incident.KindTrigger:
			trigger = e.At.Equal(epoch)
		}
	}
	if !note || !trigger {
		t.Errorf("times in the account's zone were misread: %+v", events)
	}
}

func TestOAuthTokens(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{Token: pdsim.UserToken(pdsim.EmailPriya), TokenType: TokenOAuth})
	me, err := c.Me(context.Background())
	if err != nil || me != "Priya Natarajan" {
		t.Fatalf("Me with an OAuth token: %q %v", me, err)
	}
	snap, _ := sim.AddIncident(pdsim.IncidentSpec{Title: "t", Service: pdsim.ServicePayments})
	if err := c.AddNote(context.Background(), snap.ID, "L1", "via OAuth"); err != nil {
		t.Fatal(err)
	}
	if n := sim.Notes(snap.ID); len(n) != 1 || n[0].UserEmail != pdsim.EmailPriya {
		t.Errorf("notes = %+v", n)
	}
	// The same token sent as an API key is a different credential to a
	// server that checks the scheme; a bad type is refused up front.
	if _, err := New(Config{Token: "x", TokenType: "jwt"}); err == nil || !strings.Contains(err.Error(), "oauth") {
		t.Errorf("token type jwt: %v", err)
	}
}

func TestTokensOfATeam(t *testing.T) {
	sim, alex, _ := newEmpty(t, pdsim.Options{}, Config{})
	srvURL := alex.cfg.APIURL
	yuki, err := New(Config{Token: pdsim.UserToken(pdsim.EmailYuki), APIURL: srvURL})
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := sim.AddIncident(pdsim.IncidentSpec{Title: "t", Service: pdsim.ServiceCDN})
	if err := yuki.Acknowledge(context.Background(), snap.ID); err != nil {
		t.Fatal(err)
	}
	if err := alex.AddNote(context.Background(), snap.ID, "L1", "from Alex"); err != nil {
		t.Fatal(err)
	}
	got, _ := sim.Incident(snap.ID)
	if len(got.Acknowledgers) != 1 || got.Acknowledgers[0] != pdsim.EmailYuki {
		t.Errorf("acknowledgers %v", got.Acknowledgers)
	}
	if n := sim.Notes(snap.ID); len(n) != 1 || n[0].UserEmail != pdsim.DemoUserEmail {
		t.Errorf("notes %+v", n)
	}
}

func TestUsersMeRefusedIsUnauthorized(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		sim, c, _ := newEmpty(t, pdsim.Options{}, Config{TokenSource: "env PAGERDUTY_TOKEN"})
		snap, _ := sim.AddIncident(pdsim.IncidentSpec{Title: "t", Service: pdsim.ServiceCheckout})
		sim.Inject(pdsim.Fault{Route: "GET /users/me", Status: status})
		err := c.Acknowledge(context.Background(), snap.ID)
		if !errors.Is(err, incident.ErrUnauthorized) {
			t.Errorf("%d on /users/me: %v, want ErrUnauthorized", status, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "env PAGERDUTY_TOKEN") || !strings.Contains(msg, "PAGERDUTY_FROM") || strings.Contains(msg, "\n") {
			t.Errorf("%d: message %q does not say what to fix", status, msg)
		}
		if sim.Requests("PUT /incidents") != 0 {
			t.Errorf("%d: the write was sent without a From", status)
		}
	}
}

func TestRedirectsOffTheAPIAreNotFollowed(t *testing.T) {
	var leaked atomic.Int32
	var mu sync.Mutex
	var auth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"incidents":[],"more":false}`))
	}))
	defer other.Close()
	var sameHost atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved/incidents" {
			sameHost.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"incidents":[],"more":false}`))
			return
		}
		if r.URL.Query().Get("hop") == "same" {
			http.Redirect(w, r, "/moved/incidents", http.StatusTemporaryRedirect)
			return
		}
		// Another port on the same host: Go's client would keep the token.
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	if !strings.HasPrefix(other.URL, "http://127.0.0.1:") || !strings.HasPrefix(api.URL, "http://127.0.0.1:") {
		t.Fatalf("servers at %s and %s, want two ports of 127.0.0.1", api.URL, other.URL)
	}
	c, err := New(Config{Token: "s3cretTOKEN", APIURL: api.URL, RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Active(context.Background())
	if err == nil || !strings.Contains(err.Error(), "redirect") || strings.Contains(err.Error(), "s3cretTOKEN") {
		t.Errorf("redirect to another port: %v", err)
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("the other port got %d requests (Authorization %q)", n, auth)
	}

	// A redirect within the API's own origin is allowed; another scheme,
	// host or port is not.
	check := sameOrigin(mustURL(t, api.URL), nil)
	same, _ := http.NewRequest(http.MethodGet, api.URL+"/moved/incidents", nil)
	via, _ := http.NewRequest(http.MethodGet, api.URL+"/incidents", nil)
	if err := check(same, []*http.Request{via}); err != nil {
		t.Errorf("same-origin redirect refused: %v", err)
	}
	for _, to := range []string{other.URL + "/incidents", strings.Replace(api.URL, "http:", "https:", 1) + "/incidents", "http://localhost:" + api.URL[len("http://127.0.0.1:"):] + "/incidents"} {
		r, _ := http.NewRequest(http.MethodGet, to, nil)
		if err := check(r, []*http.Request{via}); !errors.Is(err, errRedirectRefused) {
			t.Errorf("redirect to %s: %v, want refused", to, err)
		}
	}
}

func TestOversizedAnswersAreRefused(t *testing.T) {
	const huge = 50 << 20
	for _, announce := range []bool{false, true} {
		var written atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if announce {
				w.Header().Set("Content-Length", "52428800")
			}
			chunk := []byte(`{"incidents":[` + strings.Repeat(" ", 64<<10-14))
			for written.Load() < huge {
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
				chunk = []byte(strings.Repeat(" ", 64<<10))
			}
		}))
		c, err := New(Config{Token: "t", APIURL: srv.URL, RequestsPerMinute: -1, Timeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Active(context.Background())
		if !errors.Is(err, incident.ErrUnreachable) || !strings.Contains(err.Error(), "more than 4 MB") {
			t.Errorf("announce=%v: %v", announce, err)
		}
		srv.CloseClientConnections()
		srv.Close()
		// The client stopped reading near the limit: the server could not
		// push the whole 50 MB through (kernel buffers take a few MB).
		if n := written.Load(); n >= huge {
			t.Errorf("announce=%v: the server wrote all %d bytes: the answer was read to the end", announce, n)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestTheDemosSecondResponderArrivesTyped: in `oncall demo`, Priya's role,
// decision and status update on payments reach Alex's oncall through
// PagerDuty as typed events, each once, named as hers.
func TestTheDemosSecondResponderArrivesTyped(t *testing.T) {
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := New(Config{Token: pdsim.DemoToken, APIURL: srv.URL, RequestsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(9 * time.Minute)
	payments, _ := sim.IncidentByKey(pdsim.DemoPayments)
	events, err := c.Events(context.Background(), payments.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[incident.Kind]int{}
	for _, e := range events {
		switch e.Kind {
		case incident.KindRole, incident.KindDecision, incident.KindStatusUpdate:
			kinds[e.Kind]++
			if e.Actor != "Priya Natarajan" {
				t.Errorf("%s by %q", e.Kind, e.Actor)
			}
		}
		if e.Kind == incident.KindDecision && e.Fields[incident.FieldWhat] != "fail over to the secondary acquirer" {
			t.Errorf("decision fields %v", e.Fields)
		}
	}
	if kinds[incident.KindRole] != 1 || kinds[incident.KindDecision] != 1 || kinds[incident.KindStatusUpdate] != 1 {
		t.Errorf("typed events %v in %+v", kinds, events)
	}
}

func TestChangingAResolvedIncidentIsErrAlreadyResolved(t *testing.T) {
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	snap, _ := sim.AddIncident(pdsim.IncidentSpec{Title: "t", Service: pdsim.ServiceCheckout, Status: "resolved"})
	for name, do := range map[string]func() error{
		"resolve":  func() error { return c.Resolve(context.Background(), snap.ID) },
		"escalate": func() error { return c.Escalate(context.Background(), snap.ID, 2) },
		"reassign": func() error {
			return c.Reassign(context.Background(), snap.ID, incident.Reassignment{UserIDs: []string{pdsim.DemoUserID}})
		},
	} {
		err := do()
		if !errors.Is(err, incident.ErrAlreadyResolved) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s a resolved incident: %v, want ErrAlreadyResolved", name, err)
		}
	}
	if got, _ := sim.Incident(snap.ID); got.Status != "resolved" || len(sim.Reopens()) != 0 {
		t.Errorf("the incident changed: %+v, reopens %+v", got, sim.Reopens())
	}
}
