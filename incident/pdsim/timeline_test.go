package pdsim_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

func TestLogEntriesSince(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "checkout errors", Service: pdsim.ServiceCheckout})

	e.clock.Advance(5 * time.Minute)
	if _, err := e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)
	if _, err := e.as(pdsim.EmailJamal).CreateIncidentNoteWithContext(ctx, a.ID, pd.IncidentNote{Content: "rolling back", User: pd.APIObject{Summary: pdsim.EmailJamal}}); err != nil {
		t.Fatal(err)
	}

	type row struct{ typ, at, agent, summary, channel string }
	tests := []struct {
		name string
		opts pd.ListIncidentLogEntriesOptions
		want []row
	}{
		{"since the acknowledgement", pd.ListIncidentLogEntriesOptions{Since: ts(t0.Add(time.Minute))}, []row{
			{"annotate_log_entry", "2026-03-07T09:10:00-05:00", "Jamal Okafor", "Note added.", "note"},
			{"acknowledge_log_entry", "2026-03-07T09:05:00-05:00", "Alex Rivera", "Acknowledged by Alex Rivera.", "website"},
		}},
		{"until the acknowledgement", pd.ListIncidentLogEntriesOptions{Until: ts(t0.Add(5 * time.Minute))}, []row{
			{"notify_log_entry", "2026-03-07T09:00:00-05:00", "Alex Rivera", "Notified Alex Rivera by push notification.", "push_notification"},
			{"assign_log_entry", "2026-03-07T09:00:00-05:00", "checkout-api", "Assigned to Alex Rivera.", "auto"},
			{"trigger_log_entry", "2026-03-07T09:00:00-05:00", "checkout-api", "Triggered through the API.", "api"},
		}},
		// Log entries come in the account's time zone unless time_zone
		// names another, as PagerDuty's reference says.
		{"in the requested time zone", pd.ListIncidentLogEntriesOptions{TimeZone: "Asia/Tokyo", Since: ts(t0.Add(6 * time.Minute))}, []row{
			{"annotate_log_entry", "2026-03-07T23:10:00+09:00", "Jamal Okafor", "Note added.", "note"},
		}},
		{"overview drops notifications", pd.ListIncidentLogEntriesOptions{IsOverview: true, Until: ts(t0.Add(time.Minute))}, []row{
			{"assign_log_entry", "2026-03-07T09:00:00-05:00", "checkout-api", "Assigned to Alex Rivera.", "auto"},
			{"trigger_log_entry", "2026-03-07T09:00:00-05:00", "checkout-api", "Triggered through the API.", "api"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.client.ListIncidentLogEntriesWithContext(ctx, a.ID, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, le := range resp.LogEntries {
				got = append(got, row{le.Type, le.CreatedAt, le.Agent.Summary, le.Summary, le.Channel.Type})
				if le.Incident.ID != a.ID || le.Service.ID != "PSV1CKO" {
					t.Errorf("entry %s: incident %s service %s", le.ID, le.Incident.ID, le.Service.ID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}

	// Paginated: 5 entries, 4 per page.
	p1, err := e.client.ListIncidentLogEntriesWithContext(ctx, a.ID, pd.ListIncidentLogEntriesOptions{Limit: 4, Total: true})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.client.ListIncidentLogEntriesWithContext(ctx, a.ID, pd.ListIncidentLogEntriesOptions{Limit: 4, Offset: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.LogEntries) != 4 || !p1.More || p1.Total != 5 || len(p2.LogEntries) != 1 || p2.More {
		t.Errorf("pages: %d more=%v total=%d; %d more=%v", len(p1.LogEntries), p1.More, p1.Total, len(p2.LogEntries), p2.More)
	}
}

func TestAlerts(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{
		Key: "db-lag", Title: "inventory-db lag", Service: pdsim.ServiceInventoryDB,
		Alerts: []pdsim.AlertSpec{
			{Summary: "lag 45s on db-inv-2", Severity: "critical", Details: map[string]any{
				"runbook_url": "https://runbooks.example.com/db/lag", "component": "postgresql",
				"class": "replication_lag", "source": "prometheus", "lag_seconds": 45,
			}},
			{Summary: "lag 20s on db-inv-3", Severity: "warning"},
		},
	})
	resp, err := e.client.ListIncidentAlertsWithContext(ctx, a.ID, pd.ListIncidentAlertsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Alerts) != 2 {
		t.Fatalf("got %d alerts", len(resp.Alerts))
	}
	first := resp.Alerts[0]
	details, _ := first.Body["details"].(map[string]any)
	checks := []struct {
		field     string
		got, want any
	}{
		{"summary", first.Summary, "lag 45s on db-inv-2"},
		{"severity", first.Severity, "critical"},
		{"status", first.Status, "triggered"},
		{"created_at", first.CreatedAt, "2026-03-07T14:00:00Z"},
		{"alert_key", first.AlertKey, "db-lag"},
		{"service", first.Service.Summary, "inventory-db"},
		{"incident", first.Incident.ID, a.ID},
		{"runbook_url", details["runbook_url"], "https://runbooks.example.com/db/lag"},
		{"component", details["component"], "postgresql"},
		{"class", details["class"], "replication_lag"},
		{"source", details["source"], "prometheus"},
		{"lag_seconds", details["lag_seconds"], float64(45)},
		{"second severity", resp.Alerts[1].Severity, "warning"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}

	if _, err := e.as(pdsim.EmailYuki).ManageIncidentsWithContext(ctx, pdsim.EmailYuki, []pd.ManageIncidentsOptions{{ID: a.ID, Status: "resolved"}}); err != nil {
		t.Fatal(err)
	}
	resp, err = e.client.ListIncidentAlertsWithContext(ctx, a.ID, pd.ListIncidentAlertsOptions{Statuses: []string{"triggered"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Alerts) != 0 {
		t.Errorf("%d alerts still triggered after resolve", len(resp.Alerts))
	}
}

func TestNotes(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "auth errors", Service: pdsim.ServiceAuth})

	e.clock.Advance(90 * time.Second)
	n, err := e.client.CreateIncidentNoteWithContext(ctx, a.ID, pd.IncidentNote{
		Content: "Rolled back token-service 2.3 [oncall:L1]", User: pd.APIObject{Summary: pdsim.DemoUserEmail}})
	if err != nil {
		t.Fatal(err)
	}
	if n.ID == "" || n.Content != "Rolled back token-service 2.3 [oncall:L1]" || n.User.Summary != "Alex Rivera" ||
		n.User.ID != "PAR1V3A" || n.CreatedAt != "2026-03-07T09:01:30-05:00" {
		t.Errorf("created note: %+v", n)
	}

	e.clock.Advance(30 * time.Second)
	if _, err := e.as(pdsim.EmailSofia).CreateIncidentNoteWithContext(ctx, a.ID, pd.IncidentNote{
		Content: "Confirmed: errors back to baseline.", User: pd.APIObject{Summary: pdsim.EmailSofia}}); err != nil {
		t.Fatal(err)
	}

	listed, err := e.client.ListIncidentNotesWithContext(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0].ID != n.ID || listed[1].User.Summary != "Sofia Lindqvist" {
		t.Errorf("listed notes: %+v", listed)
	}
	want := []pdsim.Note{
		{ID: n.ID, Content: "Rolled back token-service 2.3 [oncall:L1]", UserEmail: pdsim.DemoUserEmail, UserName: "Alex Rivera", CreatedAt: t0.Add(90 * time.Second)},
		{ID: listed[1].ID, Content: "Confirmed: errors back to baseline.", UserEmail: pdsim.EmailSofia, UserName: "Sofia Lindqvist", CreatedAt: t0.Add(2 * time.Minute)},
	}
	if got := e.srv.Notes(a.ID); !slices.EqualFunc(got, want, func(a, b pdsim.Note) bool { return a == b && a.CreatedAt.Equal(b.CreatedAt) }) {
		t.Errorf("Notes() = %+v\nwant %+v", got, want)
	}

	// Writes need a From header naming a known user.
	tests := []struct {
		name string
		from string
		body string
		code int
	}{
		{"no From", "", "x", 2016},
		{"unknown From", "mallory@example.com", "x", 1008},
		{"malformed From", "Alex Rivera", "x", 1028},
		{"empty content", pdsim.DemoUserEmail, "  ", 2001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.CreateIncidentNoteWithContext(ctx, a.ID, pd.IncidentNote{Content: tt.body, User: pd.APIObject{Summary: tt.from}})
			apiError(t, err, http.StatusBadRequest, tt.code)
		})
	}
	if got := len(e.srv.Notes(a.ID)); got != 2 {
		t.Errorf("%d notes after refused writes, want 2", got)
	}
	if got := e.srv.Requests("POST /incidents/{id}/notes"); got != 6 {
		t.Errorf(`Requests("POST /incidents/{id}/notes") = %d, want 6`, got)
	}
	if e.srv.Notes("QNOPE") != nil {
		t.Error("Notes of an unknown incident is not nil")
	}
}

func TestSnooze(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "cert expiry", Service: pdsim.ServiceCDN, Urgency: "low"})

	// go-pagerduty sends no From on snooze: PagerDuty refuses that.
	_, err := e.client.SnoozeIncidentWithContext(ctx, a.ID, 3600)
	apiError(t, err, http.StatusBadRequest, 2016)

	withFrom := pd.NewClient(pdsim.UserToken(pdsim.EmailYuki), pd.WithAPIEndpoint(e.url))
	withFrom.HTTPClient = &http.Client{Transport: fromTransport{from: pdsim.EmailYuki}}

	// Only an acknowledged incident can be snoozed: code 1012.
	_, err = withFrom.SnoozeIncidentWithContext(ctx, a.ID, 3600)
	apiError(t, err, http.StatusBadRequest, 1012)

	if _, err := withFrom.ManageIncidentsWithContext(ctx, pdsim.EmailYuki, []pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}}); err != nil {
		t.Fatal(err)
	}
	in, err := withFrom.SnoozeIncidentWithContext(ctx, a.ID, 3600)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.PendingActions) != 1 || in.PendingActions[0].Type != "unacknowledge" || in.PendingActions[0].At != "2026-03-07T15:00:00Z" {
		t.Errorf("pending actions: %+v", in.PendingActions)
	}

	e.clock.Advance(59 * time.Minute)
	if got, _ := e.srv.Incident(a.ID); got.Status != "acknowledged" || !got.SnoozedUntil.Equal(t0.Add(time.Hour)) {
		t.Errorf("during snooze: %s until %s", got.Status, got.SnoozedUntil)
	}
	e.clock.Advance(2 * time.Minute)
	got, _ := e.srv.Incident(a.ID)
	if got.Status != "triggered" || !got.LastStatusChangeAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after snooze: %s at %s", got.Status, got.LastStatusChangeAt)
	}
	var types []string
	for _, le := range e.srv.LogEntries(a.ID)[3:] {
		types = append(types, le.Type)
	}
	if want := []string{"acknowledge_log_entry", "snooze_log_entry", "unacknowledge_log_entry", "notify_log_entry"}; !slices.Equal(types, want) {
		t.Errorf("log = %v, want %v", types, want)
	}
}
