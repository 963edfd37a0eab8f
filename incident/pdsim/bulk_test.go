package pdsim_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestBulkLoadsTheAPI: 10,000 incidents and a 10,000-entry timeline made
// by Bulk are what the API serves: all of them list within GET /incidents'
// default month, in every status, and the timeline's log has every entry.
func TestBulkLoadsTheAPI(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	res, err := e.srv.Bulk(pdsim.BulkSpec{Incidents: 10000, LogEntries: 10000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Incidents != 10000 || res.LogEntries != 10000 || res.LastNumber-res.FirstNumber != 9999 || res.TimelineIncident == "" {
		t.Fatalf("Bulk = %+v, want 10,000 consecutive incidents and 10,000 entries on one", res)
	}

	list, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Limit: 1, Total: true})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 10000 {
		t.Errorf("GET /incidents?total=true (the default month) = %d incidents, want 10000", list.Total)
	}
	for _, status := range []string{"triggered", "acknowledged", "resolved"} {
		l, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Limit: 1, Total: true, Statuses: []string{status}})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total == 0 || l.Total == 10000 {
			t.Errorf("%d incidents %s: a history has some of each status", l.Total, status)
		}
	}

	snap, ok := e.srv.Incident(res.TimelineIncident)
	if !ok {
		t.Fatalf("no timeline incident %s", res.TimelineIncident)
	}
	if snap.Status == "resolved" {
		t.Errorf("the timeline incident is resolved; its entries would follow its resolution")
	}
	if snap.Notes != 2000 {
		t.Errorf("timeline incident has %d notes, want PagerDuty's limit of 2000 reached and kept", snap.Notes)
	}
	entries := e.srv.LogEntries(res.TimelineIncident)
	if len(entries) < 10000 {
		t.Fatalf("timeline incident has %d log entries, want at least 10000", len(entries))
	}
	now := e.clock.Now()
	for i, le := range entries {
		if le.CreatedAt.After(now) {
			t.Fatalf("log entry %d at %s is after now (%s)", i, le.CreatedAt, now)
		}
		if i > 0 && le.CreatedAt.Before(entries[i-1].CreatedAt) {
			t.Fatalf("log entry %d at %s is before the one before it (%s)", i, le.CreatedAt, entries[i-1].CreatedAt)
		}
	}
	logs, err := e.client.ListIncidentLogEntriesWithContext(ctx, res.TimelineIncident, pd.ListIncidentLogEntriesOptions{Limit: 1, Total: true})
	if err != nil {
		t.Fatal(err)
	}
	if logs.Total != uint(len(entries)) {
		t.Errorf("GET /incidents/{id}/log_entries total = %d, want %d", logs.Total, len(entries))
	}
}

// TestBulkIsReproducible: the same seed gives the same account, ids and
// all; another seed gives another.
func TestBulkIsReproducible(t *testing.T) {
	load := func(seed uint64) []pdsim.IncidentSnapshot {
		srv := pdsim.New(pdsim.Options{Now: pdsim.NewClock(t0).Now, Scenario: pdsim.Scenario{}})
		if _, err := srv.Bulk(pdsim.BulkSpec{Incidents: 300, LogEntries: 50, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return srv.Incidents()
	}
	a, b, c := load(1), load(1), load(2)
	if len(a) != 300 {
		t.Fatalf("%d incidents, want 300", len(a))
	}
	same := func(x, y []pdsim.IncidentSnapshot) bool {
		return slices.EqualFunc(x, y, func(p, q pdsim.IncidentSnapshot) bool {
			return p.ID == q.ID && p.Title == q.Title && p.Status == q.Status && p.CreatedAt.Equal(q.CreatedAt) &&
				p.ServiceID == q.ServiceID && p.LogEntries == q.LogEntries
		})
	}
	if !same(a, b) {
		t.Error("the same seed gave different incidents")
	}
	if same(a, c) {
		t.Error("seeds 1 and 2 gave the same incidents")
	}
	services := map[string]bool{}
	for _, s := range a {
		services[s.Service] = true
		if !t0.Add(-28*24*time.Hour).Before(s.CreatedAt) || s.CreatedAt.After(t0) {
			t.Errorf("incident %d created at %s, outside the last 28 days", s.Number, s.CreatedAt)
		}
	}
	if len(services) != 7 {
		t.Errorf("300 incidents on %d services, want all 7", len(services))
	}
}

func TestBulkRejects(t *testing.T) {
	srv := pdsim.New(pdsim.Options{Now: pdsim.NewClock(t0).Now, Scenario: pdsim.Scenario{}})
	for _, spec := range []pdsim.BulkSpec{
		{Incidents: -1},
		{Incidents: pdsim.MaxBulkIncidents + 1},
		{LogEntries: -5},
		{LogEntries: pdsim.MaxBulkLogEntries + 1},
		{LogEntries: 10},                                   // no incident to put them on
		{Incidents: 3, TimelineIncident: "QNOSUCH"},        // an unknown incident
		{LogEntries: 3, TimelineIncident: "QNOSUCHEITHER"}, // the same, alone
	} {
		if _, err := srv.Bulk(spec); err == nil {
			t.Errorf("Bulk(%+v) succeeded", spec)
		}
	}
	if n := len(srv.Incidents()); n != 0 {
		t.Errorf("refused loads left %d incidents behind", n)
	}
}

// TestControlBulk: POST /_pdsim/bulk loads a running simulator over HTTP,
// as `oncall simulate` users and outside tools do; it needs the token,
// refuses bad numbers with PagerDuty's error shape, and is not counted
// as an API request.
func TestControlBulk(t *testing.T) {
	srv := pdsim.New(pdsim.Options{Now: pdsim.NewClock(t0).Now, Scenario: pdsim.Scenario{}})
	auth := "Token token=" + pdsim.DemoToken
	rec := serve(srv, newRequest(t, "POST", "/_pdsim/bulk?incidents=40&log_entries=120&seed=3", auth))
	if rec.Code != 201 {
		t.Fatalf("POST /_pdsim/bulk = %d %s, want 201", rec.Code, rec.Body)
	}
	var res pdsim.BulkResult
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("answer %s: %v", rec.Body, err)
	}
	if res.Incidents != 40 || res.LogEntries != 120 || res.TimelineIncident == "" {
		t.Errorf("answer = %+v, want 40 incidents and 120 entries", res)
	}
	if n := len(srv.Incidents()); n != 40 {
		t.Errorf("%d incidents after the load, want 40", n)
	}
	// More entries on a named incident.
	before := len(srv.LogEntries(res.TimelineIncident))
	rec = serve(srv, newRequest(t, "POST", "/_pdsim/bulk?log_entries=7&incident_id="+res.TimelineIncident, auth))
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"log_entries":7`) {
		t.Fatalf("POST /_pdsim/bulk with incident_id = %d %s, want 201 reporting 7 entries", rec.Code, rec.Body)
	}
	if after := len(srv.LogEntries(res.TimelineIncident)); after != before+7 {
		t.Errorf("the named incident has %d log entries, want %d", after, before+7)
	}

	for _, tt := range []struct {
		name, path, auth string
		status           int
	}{
		{"no token", "/_pdsim/bulk?incidents=1", "", 401},
		{"negative", "/_pdsim/bulk?incidents=-1", auth, 400},
		{"not a number", "/_pdsim/bulk?incidents=many", auth, 400},
		{"over the bound", fmt.Sprintf("/_pdsim/bulk?log_entries=%d", pdsim.MaxBulkLogEntries+1), auth, 400},
		{"bad seed", "/_pdsim/bulk?incidents=1&seed=x", auth, 400},
		{"nothing asked", "/_pdsim/bulk", auth, 400},
		{"unknown incident", "/_pdsim/bulk?log_entries=1&incident_id=QNOSUCH", auth, 400},
	} {
		rec := serve(srv, newRequest(t, "POST", tt.path, tt.auth))
		var body struct {
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		if rec.Code != tt.status || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error.Code == 0 {
			t.Errorf("%s: POST %s = %d %s, want %d with PagerDuty's error body", tt.name, tt.path, rec.Code, rec.Body, tt.status)
		}
	}
	if n := len(srv.Incidents()); n != 40 {
		t.Errorf("refused loads changed the account: %d incidents, want 40", n)
	}
	if n := srv.Requests("/"); n != 0 {
		t.Errorf("the control counted as API requests: Requests(\"/\") = %d", n)
	}
}

// BenchmarkBulk10000 measures creating 10,000 incidents, each with its
// alert and log, alone and with a 10,000-entry timeline: what `oncall
// simulate --incidents 10000 --log-entries 10000` does before it serves.
func BenchmarkBulk10000(b *testing.B) {
	for _, bm := range []struct {
		name string
		spec pdsim.BulkSpec
	}{
		{"incidents", pdsim.BulkSpec{Incidents: 10000, Seed: 1}},
		{"incidents+timeline", pdsim.BulkSpec{Incidents: 10000, LogEntries: 10000, Seed: 1}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				srv := pdsim.New(pdsim.Options{Now: pdsim.NewClock(t0).Now, Scenario: pdsim.Scenario{}})
				b.StartTimer()
				if _, err := srv.Bulk(bm.spec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
