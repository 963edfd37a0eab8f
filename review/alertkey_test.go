package review_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/review"
	"github.com/oncallkit/oncall/store"
)

// TestAlertKeyRepeatsOverHTTP: one monitor (alert key orders-5xx) fires
// on checkout ten days ago and on payments two days ago under an unrelated
// title; another key on checkout is no relation. Through the real client
// and pdsim over HTTP, the adapter carries incident_key and alert_key, the
// review flags the payments incident as a repeat of the checkout one by
// its key alone, and the postmortem draft of the payments incident names
// the checkout one under Related incidents, found by listing by key.
// Without the key on the wire, in the adapter, or in either matcher, the
// two incidents share nothing: different services, different words.
func TestAlertKeyRepeatsOverHTTP(t *testing.T) {
	epoch := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now, Scenario: pdsim.Scenario{}})
	add := func(key, svc, title string, ago time.Duration) pdsim.IncidentSnapshot {
		t.Helper()
		s, err := sim.AddIncident(pdsim.IncidentSpec{Key: key, Service: svc, Title: title, Status: "resolved", CreatedAt: epoch.Add(-ago)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := add("orders-5xx", pdsim.ServiceCheckout, "Checkout error rate above 2%", 10*24*time.Hour)
	other := add("disk-full", pdsim.ServiceCheckout, "Disk full on db-3", 9*24*time.Hour)
	// The same key again once the first incident resolved: a new incident.
	again := add("orders-5xx", pdsim.ServicePayments, "Card declines spiking", 2*24*time.Hour)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, RequestsPerMinute: -1, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	alerts, err := src.Alerts(ctx, again.ID)
	if err != nil || len(alerts) == 0 || alerts[0].Key != "orders-5xx" {
		t.Fatalf("alerts of the repeat = %+v (%v), want alert_key orders-5xx", alerts, err)
	}
	byKey, err := src.List(ctx, incident.Filter{IncidentKey: "orders-5xx", Statuses: []incident.Status{incident.Resolved},
		Since: epoch.Add(-30 * 24 * time.Hour), Until: epoch})
	if err != nil || len(byKey) != 2 || byKey[0].Key != "orders-5xx" || byKey[1].Key != "orders-5xx" {
		t.Fatalf("listing by incident_key = %+v (%v), want the two orders-5xx incidents", byKey, err)
	}

	j, err := store.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	o := review.Options{Since: epoch.Add(-7 * 24 * time.Hour), Until: epoch, Now: epoch}
	d, err := review.Gather(ctx, src, j, j, o)
	if err != nil {
		t.Fatal(err)
	}
	r := review.Compute(d, o)
	if len(r.Repeats) != 1 {
		t.Fatalf("repeats = %+v, want the payments incident only", r.Repeats)
	}
	rp := r.Repeats[0]
	if rp.Incident.ID != again.ID || rp.Reason != "same alert key" || rp.EarlierCount != 1 || len(rp.Earlier) != 1 || rp.Earlier[0].ID != first.ID {
		t.Errorf("repeat = %+v, want %s repeating %s by its alert key", rp, again.ID, first.ID)
	}

	var inc incident.Incident
	for _, it := range d.Incidents {
		if it.Incident.ID == again.ID {
			inc = it.Incident
		}
	}
	in := postmortem.Input{Incident: inc, Now: epoch}
	if err := postmortem.Gather(ctx, src, &in, postmortem.GatherOptions{}); err != nil {
		t.Fatal(err)
	}
	rel := postmortem.Build(in).Related
	if len(rel) != 1 || rel[0].ID != first.ID || rel[0].Why != "same alert key" {
		t.Errorf("related = %+v, want only %s by its alert key (not %s, another key on another service)", rel, first.ID, other.ID)
	}
}
