package pdsim_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// addMany adds n incidents, one a minute before t0 going back, cycling
// through services, urgencies and statuses.
func addMany(t *testing.T, e *env, n int) []pdsim.IncidentSnapshot {
	t.Helper()
	services := []string{pdsim.ServiceCheckout, pdsim.ServicePayments, pdsim.ServiceSearch, pdsim.ServiceAuth, pdsim.ServiceCDN}
	statuses := []string{"triggered", "acknowledged", "resolved", "triggered"}
	out := make([]pdsim.IncidentSnapshot, 0, n)
	for i := range n {
		urgency := "high"
		if i%2 == 1 {
			urgency = "low"
		}
		out = append(out, e.add(t, pdsim.IncidentSpec{
			Key:       fmt.Sprintf("bulk-%04d", i),
			Title:     fmt.Sprintf("bulk incident %d", i),
			Service:   services[i%len(services)],
			Urgency:   urgency,
			Status:    statuses[i%len(statuses)],
			CreatedAt: t0.Add(-time.Duration(n-i) * time.Minute),
		}))
	}
	return out
}

func TestListIncidentsPagination(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	all := addMany(t, e, 250)

	tests := []struct {
		name      string
		opts      pd.ListIncidentsOptions
		wantLen   int
		wantMore  bool
		wantTotal uint
		wantFirst int // index into all of the first incident on the page
	}{
		{"default limit is 25", pd.ListIncidentsOptions{}, 25, true, 0, 0},
		{"page 1", pd.ListIncidentsOptions{Limit: 100, SortBy: "created_at:desc", Total: true}, 100, true, 250, 249},
		{"page 2", pd.ListIncidentsOptions{Limit: 100, Offset: 100, SortBy: "created_at:desc", Total: true}, 100, true, 250, 149},
		{"page 3", pd.ListIncidentsOptions{Limit: 100, Offset: 200, SortBy: "created_at:desc", Total: true}, 50, false, 250, 49},
		{"past the end", pd.ListIncidentsOptions{Limit: 100, Offset: 300}, 0, false, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.client.ListIncidentsWithContext(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Incidents) != tt.wantLen || resp.More != tt.wantMore || resp.Total != tt.wantTotal {
				t.Fatalf("len=%d more=%v total=%d, want %d %v %d",
					len(resp.Incidents), resp.More, resp.Total, tt.wantLen, tt.wantMore, tt.wantTotal)
			}
			if tt.wantFirst >= 0 && resp.Incidents[0].ID != all[tt.wantFirst].ID {
				t.Errorf("first = %s (#%d), want %s", resp.Incidents[0].ID, resp.Incidents[0].IncidentNumber, all[tt.wantFirst].ID)
			}
		})
	}

	// Walking all pages sees every incident once.
	seen := map[string]bool{}
	for offset := uint(0); ; offset += 100 {
		resp, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Limit: 100, Offset: offset, SortBy: "created_at:desc"})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range resp.Incidents {
			if seen[in.ID] {
				t.Fatalf("incident %s seen twice", in.ID)
			}
			seen[in.ID] = true
		}
		if !resp.More {
			break
		}
	}
	if len(seen) != 250 {
		t.Errorf("walked %d incidents, want 250", len(seen))
	}
	if got := e.srv.Requests("GET /incidents"); got != len(tests)+3 {
		t.Errorf(`Requests("GET /incidents") = %d, want %d`, got, len(tests)+3)
	}
}

func TestListIncidentsFilters(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	addMany(t, e, 40) // i%4: triggered, acknowledged, resolved, triggered; i%2: high, low; i%5: service

	tests := []struct {
		name string
		opts pd.ListIncidentsOptions
		want int
	}{
		{"all statuses by default", pd.ListIncidentsOptions{}, 40},
		{"triggered", pd.ListIncidentsOptions{Statuses: []string{"triggered"}}, 20},
		{"open", pd.ListIncidentsOptions{Statuses: []string{"triggered", "acknowledged"}}, 30},
		{"resolved", pd.ListIncidentsOptions{Statuses: []string{"resolved"}}, 10},
		{"low urgency", pd.ListIncidentsOptions{Urgencies: []string{"low"}}, 20},
		{"one service", pd.ListIncidentsOptions{ServiceIDs: []string{"PSV1CKO"}}, 8},
		{"two services, triggered", pd.ListIncidentsOptions{ServiceIDs: []string{"PSV1CKO", "PSV2PAY"}, Statuses: []string{"triggered"}}, 8},
		{"since", pd.ListIncidentsOptions{Since: ts(t0.Add(-10 * time.Minute))}, 10},
		{"since and until", pd.ListIncidentsOptions{Since: ts(t0.Add(-20 * time.Minute)), Until: ts(t0.Add(-10 * time.Minute))}, 10},
		{"date_range all ignores since", pd.ListIncidentsOptions{Since: ts(t0), DateRange: "all"}, 40},
		{"incident key", pd.ListIncidentsOptions{IncidentKey: "bulk-0007"}, 1},
		{"assigned to Priya", pd.ListIncidentsOptions{UserIDs: []string{"PPN7T2Q"}}, 6}, // payments, not resolved
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Limit = 100
			resp, err := e.client.ListIncidentsWithContext(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Incidents) != tt.want {
				t.Errorf("got %d incidents, want %d", len(resp.Incidents), tt.want)
			}
		})
	}
}

func TestListIncidentsBadInput(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	tests := []struct {
		name string
		opts pd.ListIncidentsOptions
		code int
	}{
		{"offset+limit over 10000", pd.ListIncidentsOptions{Limit: 100, Offset: 9950}, 2002},
		{"limit over 100", pd.ListIncidentsOptions{Limit: 101}, 2001},
		{"bad status", pd.ListIncidentsOptions{Statuses: []string{"open"}}, 2001},
		{"bad urgency", pd.ListIncidentsOptions{Urgencies: []string{"urgent"}}, 2001},
		{"bad since", pd.ListIncidentsOptions{Since: "yesterday"}, 2001},
		{"bad sort", pd.ListIncidentsOptions{SortBy: "title"}, 2001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.ListIncidentsWithContext(ctx, tt.opts)
			apiError(t, err, http.StatusBadRequest, tt.code)
		})
	}
	// Exactly at the cap is allowed.
	if _, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Limit: 100, Offset: 9900}); err != nil {
		t.Errorf("offset 9900 limit 100: %v", err)
	}
}

func TestGetIncident(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	snap := e.add(t, pdsim.IncidentSpec{
		Key: "disk-full", Title: "checkout-api: disk 95% full on web-3",
		Service: pdsim.ServiceCheckout, Urgency: "high", Priority: "P1",
		CreatedAt: t0.Add(-5 * time.Minute),
	})
	in, err := e.client.GetIncidentWithContext(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"id", in.ID, snap.ID},
		{"type", in.Type, "incident"},
		{"incident_number", in.IncidentNumber, uint(snap.Number)},
		{"summary", in.Summary, fmt.Sprintf("[#%d] checkout-api: disk 95%% full on web-3", snap.Number)},
		{"title", in.Title, "checkout-api: disk 95% full on web-3"},
		{"status", in.Status, "triggered"},
		{"urgency", in.Urgency, "high"},
		{"priority", in.Priority.Summary, "P1"},
		{"incident_key", in.IncidentKey, "disk-full"},
		{"service.id", in.Service.ID, "PSV1CKO"},
		{"service.summary", in.Service.Summary, "checkout-api"},
		{"service.type", in.Service.Type, "service_reference"},
		{"escalation_policy", in.EscalationPolicy.Summary, "Checkout On-Call"},
		{"assignee", in.Assignments[0].Assignee.Summary, "Alex Rivera"},
		{"assignee id", in.Assignments[0].Assignee.ID, "PAR1V3A"},
		{"created_at", in.CreatedAt, "2026-03-07T13:55:00Z"},
		{"last_status_change_at", in.LastStatusChangeAt, "2026-03-07T13:55:00Z"},
		{"resolved_at", in.ResolvedAt, ""},
		{"html_url", in.HTMLURL, snap.URL},
		{"alert_counts.all", in.AlertCounts.All, uint(1)},
		{"first_trigger_log_entry", in.FirstTriggerLogEntry.Type, "trigger_log_entry_reference"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}

	// An incident without a priority has none on the wire.
	low := e.add(t, pdsim.IncidentSpec{Title: "queue backlog", Service: pdsim.ServiceNotifications, Urgency: "low"})
	in, err = e.client.GetIncidentWithContext(ctx, low.ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.Priority != nil || in.Urgency != "low" || in.Assignments[0].Assignee.Summary != "Yuki Tanaka" {
		t.Errorf("priority=%v urgency=%s assignee=%s", in.Priority, in.Urgency, in.Assignments[0].Assignee.Summary)
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	_, err := e.client.GetIncidentWithContext(ctx, "QNOSUCHINCIDENT")
	ae := apiError(t, err, http.StatusNotFound, 2100)
	if !ae.NotFound() {
		t.Error("NotFound() = false")
	}
	_, err = e.client.ListIncidentNotesWithContext(ctx, "QNOSUCHINCIDENT")
	apiError(t, err, http.StatusNotFound, 2100)
	_, err = e.client.ListIncidentLogEntriesWithContext(ctx, "QNOSUCHINCIDENT", pd.ListIncidentLogEntriesOptions{})
	apiError(t, err, http.StatusNotFound, 2100)
}

func TestUnauthorized(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	bad := pd.NewClient("wrong-token", pd.WithAPIEndpoint(e.url))
	_, err := bad.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{})
	apiError(t, err, http.StatusUnauthorized, 2006)

	for _, auth := range []string{"", "Bearer", "Bearer wrong-token", "Basic " + pdsim.DemoToken, "Token " + pdsim.DemoToken, "Token token=demo-token-x"} {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/users/me", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("Authorization %q: %d %s", auth, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	// A custom token replaces the demo token.
	srv := pdsim.New(pdsim.Options{Token: "s3cret", Scenario: pdsim.Scenario{}})
	req := newRequest(t, http.MethodGet, "/users/me", "Token token=s3cret")
	if rec := serve(srv, req); rec.Code != http.StatusOK {
		t.Errorf("custom token: %d", rec.Code)
	}
	req = newRequest(t, http.MethodGet, "/users/me", "Token token="+pdsim.DemoToken)
	if rec := serve(srv, req); rec.Code != http.StatusUnauthorized {
		t.Errorf("demo token on a custom server: %d", rec.Code)
	}
}

func TestManageIncidentsAcknowledgeThenResolve(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	snap := e.add(t, pdsim.IncidentSpec{Key: "k", Title: "payments down", Service: pdsim.ServicePayments})

	e.clock.Advance(2 * time.Minute)
	resp, err := e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: snap.ID, Status: "acknowledged"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Incidents) != 1 || resp.Incidents[0].Status != "acknowledged" ||
		resp.Incidents[0].Acknowledgements[0].Acknowledger.Summary != "Alex Rivera" {
		t.Fatalf("ack response: %+v", resp.Incidents)
	}
	got, _ := e.srv.Incident(snap.ID)
	if got.Status != "acknowledged" || !slices.Equal(got.Acknowledgers, []string{pdsim.DemoUserEmail}) ||
		!slices.Equal(got.Assignees, []string{pdsim.EmailPriya, pdsim.DemoUserEmail}) ||
		!got.LastStatusChangeAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("after ack: %+v", got)
	}

	e.clock.Advance(3 * time.Minute)
	resp, err = e.as(pdsim.EmailPriya).ManageIncidentsWithContext(ctx, pdsim.EmailPriya, []pd.ManageIncidentsOptions{{ID: snap.ID, Status: "resolved"}})
	if err != nil {
		t.Fatal(err)
	}
	in := resp.Incidents[0]
	if in.Status != "resolved" || in.ResolvedAt != "2026-03-07T14:05:00Z" || len(in.Assignments) != 0 ||
		in.LastStatusChangeBy.Summary != "Priya Natarajan" || in.AlertCounts.Resolved != 1 {
		t.Errorf("resolve response: status=%s resolved_at=%s assignments=%d by=%s alerts=%+v",
			in.Status, in.ResolvedAt, len(in.Assignments), in.LastStatusChangeBy.Summary, in.AlertCounts)
	}

	var types, agents []string
	for _, le := range e.srv.LogEntries(snap.ID) {
		types = append(types, le.Type)
		agents = append(agents, le.Agent)
	}
	// Alex acknowledged Priya's incident and so became an assignee, as on
	// PagerDuty.
	wantTypes := []string{"trigger_log_entry", "assign_log_entry", "notify_log_entry", "acknowledge_log_entry", "resolve_log_entry"}
	wantAgents := []string{"payments-gateway", "payments-gateway", "Priya Natarajan", "Alex Rivera", "Priya Natarajan"}
	if !slices.Equal(types, wantTypes) || !slices.Equal(agents, wantAgents) {
		t.Errorf("log = %v by %v\nwant %v by %v", types, agents, wantTypes, wantAgents)
	}

	// Resolving a resolved incident is refused with code 1001 and changes
	// nothing.
	_, err = e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: snap.ID, Status: "resolved"}})
	apiError(t, err, http.StatusBadRequest, 1001)
	if n := len(e.srv.LogEntries(snap.ID)); n != 5 {
		t.Errorf("log has %d entries after a repeated resolve, want 5", n)
	}
	if r := e.srv.Reopens(); len(r) != 0 {
		t.Errorf("reopens = %+v, want none", r)
	}
}

func TestManageIncidentsErrors(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "a", Service: pdsim.ServiceSearch})
	tests := []struct {
		name   string
		from   string
		opts   []pd.ManageIncidentsOptions
		status int
		code   int
	}{
		{"no From", "", []pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}}, 400, 2016},
		{"unknown From", "nobody@example.com", []pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}}, 400, 1008},
		{"malformed From", "<alex", []pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}}, 400, 1028},
		{"unknown incident", pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: "QNOPE", Status: "acknowledged"}}, 404, 2100},
		{"bad status", pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: a.ID, Status: "snoozed"}}, 400, 2001},
		{"bad escalation level", pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: a.ID, EscalationLevel: 3}}, 400, 2001},
		{"all or nothing", pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}, {ID: "QNOPE", Status: "resolved"}}, 404, 2100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.ManageIncidentsWithContext(ctx, tt.from, tt.opts)
			apiError(t, err, tt.status, tt.code)
		})
	}
	if got, _ := e.srv.Incident(a.ID); got.Status != "triggered" {
		t.Errorf("status = %s after refused writes, want triggered", got.Status)
	}
}

func TestEscalateAndReassign(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "search slow", Service: pdsim.ServiceSearch, Status: "acknowledged"})

	resp, err := e.as(pdsim.EmailMarcus).ManageIncidentsWithContext(ctx, pdsim.EmailMarcus, []pd.ManageIncidentsOptions{{ID: a.ID, EscalationLevel: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if in := resp.Incidents[0]; in.Status != "triggered" || in.Assignments[0].Assignee.Summary != "Hannah Weber" {
		t.Errorf("after escalation: status=%s assignee=%s", in.Status, in.Assignments[0].Assignee.Summary)
	}
	got, _ := e.srv.Incident(a.ID)
	if got.EscalationLevel != 2 || !slices.Equal(got.Assignees, []string{pdsim.EmailHannah}) {
		t.Errorf("snapshot: %+v", got)
	}
	log := e.srv.LogEntries(a.ID)
	if esc := log[len(log)-3]; esc.Type != "escalate_log_entry" || esc.Summary != "Escalated to level 2 by Marcus Chen." || esc.Agent != "Marcus Chen" {
		t.Errorf("escalate entry: %+v", esc)
	}

	_, err = e.as(pdsim.EmailHannah).ManageIncidentsWithContext(ctx, pdsim.EmailHannah, []pd.ManageIncidentsOptions{{ID: a.ID,
		Assignments: []pd.Assignee{{Assignee: pd.APIObject{ID: "PAR1V3A", Type: "user_reference"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.srv.Incident(a.ID); !slices.Equal(got.Assignees, []string{pdsim.DemoUserEmail}) {
		t.Errorf("assignees after reassign = %v", got.Assignees)
	}
}

func TestUpdateOneIncident(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "cdn", Service: pdsim.ServiceCDN, Urgency: "low"})
	body := `{"incident":{"type":"incident_reference","status":"resolved","resolution":"Renewed the certificate.","priority":{"id":"PRI3QZ4","type":"priority_reference"}}}`
	rec := serve(e.srv, newRequest(t, http.MethodPut, "/incidents/"+a.ID, "Token token="+pdsim.UserToken(pdsim.EmailYuki), body, "From", pdsim.EmailYuki))
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT /incidents/{id}: %d %s", rec.Code, rec.Body)
	}
	got, _ := e.srv.Incident(a.ID)
	if got.Status != "resolved" || got.Priority != "P3" {
		t.Errorf("snapshot: %+v", got)
	}
	if notes := e.srv.Notes(a.ID); len(notes) != 1 || notes[0].Content != "Renewed the certificate." || notes[0].UserEmail != pdsim.EmailYuki {
		t.Errorf("resolution note: %+v", notes)
	}
}
