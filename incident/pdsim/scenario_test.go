package pdsim_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

func activeTitles(t *testing.T, e *env) []string {
	t.Helper()
	resp, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{
		Limit: 100, Statuses: []string{"triggered", "acknowledged"}, SortBy: "created_at:desc"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range resp.Incidents {
		out = append(out, in.Title)
	}
	return out
}

func TestDemoScenario(t *testing.T) {
	e := newEnv(t, nil) // nil: the demo

	// At the start: six open incidents, newest first, across six services.
	resp, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{
		Limit: 100, Statuses: []string{"triggered", "acknowledged"}, SortBy: "created_at:desc"})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ service, status, urgency, priority, createdAt string }
	var got []row
	for _, in := range resp.Incidents {
		p := ""
		if in.Priority != nil {
			p = in.Priority.Summary
		}
		got = append(got, row{in.Service.Summary, in.Status, in.Urgency, p, in.CreatedAt})
	}
	want := []row{
		{"search", "triggered", "high", "P3", "2026-03-07T13:58:00Z"},
		{"payments-gateway", "triggered", "high", "P2", "2026-03-07T13:54:00Z"},
		{"checkout-api", "acknowledged", "high", "P1", "2026-03-07T13:46:00Z"},
		{"auth", "acknowledged", "low", "P4", "2026-03-07T13:15:00Z"},
		{"cdn-edge", "acknowledged", "low", "P4", "2026-03-07T12:30:00Z"},
		{"notifications", "triggered", "low", "", "2026-03-07T11:00:00Z"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("open incidents at start:\n got %v\nwant %v", got, want)
	}

	checkout, _ := e.srv.IncidentByKey(pdsim.DemoCheckout)
	payments, _ := e.srv.IncidentByKey(pdsim.DemoPayments)
	if len(e.srv.Notes(checkout.ID)) != 1 || checkout.Alerts != 1 {
		t.Errorf("checkout at start: %d notes, %d alerts", len(e.srv.Notes(checkout.ID)), checkout.Alerts)
	}

	steps := []struct {
		at    time.Duration
		check func(t *testing.T)
	}{
		{19 * time.Second, func(t *testing.T) {
			if n := len(e.srv.Notes(checkout.ID)); n != 1 {
				t.Errorf("a note arrived early: %d notes", n)
			}
		}},
		{20 * time.Second, func(t *testing.T) {
			notes, err := e.client.ListIncidentNotesWithContext(ctx, checkout.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := notes[len(notes)-1]
			if len(notes) != 2 || last.User.Summary != "Jamal Okafor" || last.CreatedAt != "2026-03-07T09:00:20-05:00" {
				t.Errorf("notes at +20s: %+v", notes)
			}
		}},
		{40 * time.Second, func(t *testing.T) {
			alerts, err := e.client.ListIncidentAlertsWithContext(ctx, checkout.ID, pd.ListIncidentAlertsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts.Alerts) != 2 || alerts.Alerts[1].CreatedAt != "2026-03-07T14:00:40Z" {
				t.Errorf("alerts at +40s: %d", len(alerts.Alerts))
			}
		}},
		{60 * time.Second, func(t *testing.T) {
			titles := activeTitles(t, e)
			if len(titles) != 7 || !strings.HasPrefix(titles[0], "inventory-db:") {
				t.Errorf("open at +60s: %v", titles)
			}
		}},
		{90 * time.Second, func(t *testing.T) {
			in, err := e.client.GetIncidentWithContext(ctx, payments.ID)
			if err != nil {
				t.Fatal(err)
			}
			if in.Status != "triggered" || len(in.Assignments) != 1 || in.Assignments[0].Assignee.Summary != "Alex Rivera" {
				t.Errorf("payments at +90s: %s %+v", in.Status, in.Assignments)
			}
			le, err := e.client.ListIncidentLogEntriesWithContext(ctx, payments.ID, pd.ListIncidentLogEntriesOptions{Since: ts(t0.Add(90 * time.Second))})
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, l := range le.LogEntries {
				types = append(types, l.Type)
			}
			if want := []string{"notify_log_entry", "assign_log_entry", "escalate_log_entry"}; !slices.Equal(types, want) {
				t.Errorf("payments log since +90s = %v, want %v", types, want)
			}
		}},
		{2 * time.Minute, func(t *testing.T) {
			s, _ := e.srv.IncidentByKey(pdsim.DemoSearch)
			if s.Status != "acknowledged" || !slices.Equal(s.Acknowledgers, []string{pdsim.EmailMarcus}) {
				t.Errorf("search at +2m: %s by %v", s.Status, s.Acknowledgers)
			}
		}},
		{3 * time.Minute, func(t *testing.T) {
			n, _ := e.srv.IncidentByKey(pdsim.DemoNotifications)
			if n.Status != "resolved" || !n.ResolvedAt.Equal(t0.Add(3*time.Minute)) {
				t.Errorf("notifications at +3m: %s at %s", n.Status, n.ResolvedAt)
			}
			log := e.srv.LogEntries(n.ID)
			if last := log[len(log)-1]; last.Type != "resolve_log_entry" || last.Agent != "notifications" {
				t.Errorf("auto-resolve entry: %+v", last)
			}
		}},
		{11 * time.Minute, func(t *testing.T) {
			titles := activeTitles(t, e)
			if len(titles) != 4 {
				t.Errorf("open at the end: %v", titles)
			}
		}},
	}
	elapsed := time.Duration(0)
	for _, st := range steps {
		e.clock.Advance(st.at - elapsed)
		elapsed = st.at
		t.Run("+"+st.at.String(), st.check)
	}
}

// The demo user can act in the demo: acknowledging payments before the
// timeout stops the scripted escalation.
func TestDemoUserPreemptsEscalation(t *testing.T) {
	e := newEnv(t, nil)
	payments, _ := e.srv.IncidentByKey(pdsim.DemoPayments)
	e.clock.Advance(30 * time.Second)
	if _, err := e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: payments.ID, Status: "acknowledged"}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)
	got, _ := e.srv.Incident(payments.ID)
	if got.Status != "acknowledged" || got.EscalationLevel != 1 || !slices.Equal(got.Acknowledgers, []string{pdsim.DemoUserEmail}) {
		t.Errorf("payments: %+v", got)
	}
}

func TestCustomScenario(t *testing.T) {
	sc := pdsim.Scenario{
		{At: time.Minute, Action: pdsim.Acknowledge("k", pdsim.EmailMarcus)}, // listed first, sorted by time
		{At: -time.Hour, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "k", Title: "t", Service: pdsim.ServiceSearch})},
		{At: 2 * time.Minute, Action: pdsim.Reassign("k", pdsim.EmailMarcus, pdsim.EmailHannah, pdsim.DemoUserEmail)},
		{At: 3 * time.Minute, Action: pdsim.Escalate("k", 2, "")}, // re-triggered by the reassign: escalates
		{At: 4 * time.Minute, Action: pdsim.Resolve("k", pdsim.EmailHannah)},
		{At: 5 * time.Minute, Action: pdsim.Acknowledge("k", pdsim.EmailMarcus)}, // overtaken: no-op
	}
	e := newEnv(t, sc)
	snap, ok := e.srv.IncidentByKey("k")
	if !ok || !snap.CreatedAt.Equal(t0.Add(-time.Hour)) || snap.Status != "triggered" {
		t.Fatalf("at start: %+v", snap)
	}
	e.clock.Advance(10 * time.Minute)
	var got []string
	for _, le := range e.srv.LogEntries(snap.ID) {
		got = append(got, le.CreatedAt.Sub(t0).String()+" "+le.Type+" "+le.Agent)
	}
	want := []string{
		"-1h0m0s trigger_log_entry search",
		"-1h0m0s assign_log_entry search",
		"-1h0m0s notify_log_entry Marcus Chen",
		"1m0s acknowledge_log_entry Marcus Chen",
		"2m0s assign_log_entry Marcus Chen",
		"2m0s notify_log_entry Hannah Weber",
		"2m0s notify_log_entry Alex Rivera",
		// The timeout acts as the service: the reference's log entry agents
		// are users, services and integrations, never escalation policies.
		"3m0s escalate_log_entry search",
		"3m0s assign_log_entry search",
		"3m0s notify_log_entry Hannah Weber",
		"4m0s resolve_log_entry Hannah Weber",
	}
	if !slices.Equal(got, want) {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
}

func TestScenarioValidation(t *testing.T) {
	tests := []struct {
		name string
		sc   pdsim.Scenario
		want string
	}{
		{"unknown key", pdsim.Scenario{{At: 0, Action: pdsim.Acknowledge("nope", pdsim.DemoUserEmail)}}, `no earlier step triggers incident "nope"`},
		{"unknown user", pdsim.Scenario{
			{At: 0, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "k", Title: "t", Service: pdsim.ServiceAuth})},
			{At: 1, Action: pdsim.AddNote("k", "ghost@example.com", "boo")},
		}, `unknown user "ghost@example.com"`},
		{"unknown service", pdsim.Scenario{{At: 0, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "k", Title: "t", Service: "mainframe"})}}, `unknown service "mainframe"`},
		{"ack before trigger", pdsim.Scenario{
			{At: time.Minute, Action: pdsim.Trigger(pdsim.IncidentSpec{Key: "k", Title: "t", Service: pdsim.ServiceAuth})},
			{At: 0, Action: pdsim.Acknowledge("k", pdsim.DemoUserEmail)},
		}, `no earlier step triggers incident "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %v, want it to mention %s", r, tt.want)
				}
			}()
			pdsim.New(pdsim.Options{Scenario: tt.sc})
		})
	}
}

func TestFailFor(t *testing.T) {
	e := newEnv(t, nil)
	checkout, _ := e.srv.IncidentByKey(pdsim.DemoCheckout)

	e.srv.FailFor(http.StatusServiceUnavailable, 30*time.Second)
	_, err := e.client.GetIncidentWithContext(ctx, checkout.ID)
	ae := apiError(t, err, http.StatusServiceUnavailable, 2000)
	if !ae.Temporary() {
		t.Error("503 is not Temporary()")
	}
	// Even a bad token gets the outage answer.
	_, err = pd.NewClient("bad", pd.WithAPIEndpoint(e.url)).GetIncidentWithContext(ctx, checkout.ID)
	apiError(t, err, http.StatusServiceUnavailable, 2000)

	e.clock.Advance(30 * time.Second)
	if _, err := e.client.GetIncidentWithContext(ctx, checkout.ID); err != nil {
		t.Errorf("after the outage: %v", err)
	}
	if got := e.srv.Requests("GET /incidents/{id}"); got != 3 {
		t.Errorf(`Requests("GET /incidents/{id}") = %d, want 3`, got)
	}

	// 429 carries PagerDuty's rate-limit headers and Retry-After.
	e.srv.FailFor(http.StatusTooManyRequests, 10*time.Second)
	_, err = e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{})
	if ae := apiError(t, err, http.StatusTooManyRequests, 2020); !ae.RateLimited() {
		t.Error("429 is not RateLimited()")
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/incidents", nil)
	req.Header.Set("Authorization", "Token token="+pdsim.DemoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "10", "Retry-After": "10"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	e.srv.FailFor(0, 0) // ends it early
	if _, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{}); err != nil {
		t.Errorf("after FailFor(0, 0): %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	clock := pdsim.NewClock(t0)
	srv := pdsim.New(pdsim.Options{Now: clock.Now, Scenario: pdsim.Scenario{}, RateLimit: 3})
	auth := "Token token=" + pdsim.DemoToken
	for i, want := range []string{"2", "1", "0"} {
		rec := serve(srv, newRequest(t, http.MethodGet, "/users/me", auth))
		if rec.Code != http.StatusOK || rec.Header().Get("ratelimit-remaining") != want || rec.Header().Get("ratelimit-limit") != "3" {
			t.Errorf("request %d: %d remaining=%s", i, rec.Code, rec.Header().Get("ratelimit-remaining"))
		}
	}
	clock.Advance(20 * time.Second)
	rec := serve(srv, newRequest(t, http.MethodGet, "/users/me", auth))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("ratelimit-reset") != "40" || rec.Header().Get("Retry-After") != "40" {
		t.Errorf("over the limit: %d reset=%s", rec.Code, rec.Header().Get("ratelimit-reset"))
	}
	if !strings.Contains(rec.Body.String(), `"code":2020`) {
		t.Errorf("body = %s", rec.Body)
	}
	clock.Advance(40 * time.Second)
	if rec := serve(srv, newRequest(t, http.MethodGet, "/users/me", auth)); rec.Code != http.StatusOK {
		t.Errorf("next minute: %d", rec.Code)
	}
}

func TestDirectory(t *testing.T) {
	e := newEnv(t, nil)
	me, err := e.client.GetCurrentUserWithContext(ctx, pd.GetCurrentUserOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if me.Email != pdsim.DemoUserEmail || me.Name != "Alex Rivera" || me.ID != "PAR1V3A" {
		t.Errorf("users/me = %+v", me)
	}
	users, err := e.client.ListUsersWithContext(ctx, pd.ListUsersOptions{Limit: 5, Total: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != 5 || !users.More || users.Total != 8 {
		t.Errorf("users: %d more=%v total=%d", len(users.Users), users.More, users.Total)
	}
	found, err := e.client.ListUsersWithContext(ctx, pd.ListUsersOptions{Query: "priya"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Users) != 1 || found.Users[0].Email != pdsim.EmailPriya {
		t.Errorf("query priya: %+v", found.Users)
	}
	services, err := e.client.ListServicesWithContext(ctx, pd.ListServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, s := range services.Services {
		status[s.Name] = s.Status
	}
	if len(services.Services) != 7 || status["search"] != "critical" || status["auth"] != "warning" || status["inventory-db"] != "active" {
		t.Errorf("services: %v", status)
	}
	policies, err := e.client.ListEscalationPoliciesWithContext(ctx, pd.ListEscalationPoliciesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(policies.EscalationPolicies) != 5 {
		t.Fatalf("%d policies", len(policies.EscalationPolicies))
	}
	pay := policies.EscalationPolicies[1]
	if pay.Name != "Payments On-Call" || len(pay.EscalationRules) != 3 || pay.EscalationRules[1].Targets[0].Summary != "Alex Rivera" ||
		pay.Services[0].Summary != "payments-gateway" {
		t.Errorf("payments policy: %+v", pay)
	}
	rec := serve(e.srv, newRequest(t, http.MethodGet, "/no/such/route", "Token token="+pdsim.DemoToken))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":2100`) {
		t.Errorf("unknown route: %d %s", rec.Code, rec.Body)
	}
}

// Concurrent readers and writers, for the race detector.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, nil)
	checkout, _ := e.srv.IncidentByKey(pdsim.DemoCheckout)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				switch i % 4 {
				case 0:
					_, _ = e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Limit: 100})
				case 1:
					_, _ = e.as(pdsim.EmailJamal).CreateIncidentNoteWithContext(ctx, checkout.ID, pd.IncidentNote{Content: "x", User: pd.APIObject{Summary: pdsim.EmailJamal}})
				case 2:
					e.clock.Advance(5 * time.Second)
					_ = e.srv.Notes(checkout.ID)
				case 3:
					_, _ = e.client.ListIncidentLogEntriesWithContext(ctx, checkout.ID, pd.ListIncidentLogEntriesOptions{})
					_ = e.srv.Requests("GET /incidents")
				}
			}
		}()
	}
	wg.Wait()
	if n := len(e.srv.Notes(checkout.ID)); n < 20 {
		t.Errorf("%d notes, want at least 20", n)
	}
}
