package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// newEmpty starts a simulator with no incidents and an adapter on it.
func newEmpty(t testing.TB, opts pdsim.Options, cfg Config) (*pdsim.Server, *Client, *pdsim.Clock) {
	t.Helper()
	clk := pdsim.NewClock(epoch)
	opts.Now = clk.Now
	if opts.Scenario == nil {
		opts.Scenario = pdsim.Scenario{}
	}
	sim := pdsim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	if cfg.Token == "" {
		cfg.Token = pdsim.DemoToken
	}
	cfg.APIURL = srv.URL
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	noSleep(c)
	return sim, c, clk
}

// addIncidents triggers n incidents one second apart, spread over the
// services, alternating urgency.
func addIncidents(t testing.TB, sim *pdsim.Server, n int) {
	t.Helper()
	services := []string{pdsim.ServiceCheckout, pdsim.ServicePayments, pdsim.ServiceSearch, pdsim.ServiceAuth}
	for i := range n {
		urgency := "high"
		if i%2 == 1 {
			urgency = "low"
		}
		_, err := sim.AddIncident(pdsim.IncidentSpec{
			Title:     fmt.Sprintf("disk full on node-%d", i),
			Service:   services[i%len(services)],
			Urgency:   urgency,
			CreatedAt: epoch.Add(-time.Duration(n-i) * time.Second),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestListingTwentyFiveHundredTakesTwentyFiveRequests(t *testing.T) {
	t.Parallel()
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	addIncidents(t, sim, 2500)
	got, err := c.Active(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2500 {
		t.Fatalf("listed %d incidents, want 2500", len(got))
	}
	if n := sim.Requests("GET /incidents"); n != 25 {
		t.Errorf("listing 2,500 incidents took %d requests, want 25", n)
	}
	if !slices.IsSortedFunc(got, func(a, b incident.Incident) int { return b.CreatedAt.Compare(a.CreatedAt) }) {
		t.Error("list is not newest first")
	}
}

func TestListStopsAtPagerDutysOffsetCap(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds 10,050 incidents")
	}
	sim, c, _ := newEmpty(t, pdsim.Options{}, Config{})
	addIncidents(t, sim, 10050)
	got, err := c.Active(context.Background())
	if !errors.Is(err, incident.ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "more than 10000") || strings.Contains(msg, "oncall ") {
		t.Errorf("message %q: want the count, and no command-line advice (the command line adds its own)", msg)
	}
	if len(got) != 10000 {
		t.Errorf("returned %d incidents with the error, want the first 10000", len(got))
	}
	if n := sim.Requests("GET /incidents"); n != 100 {
		t.Errorf("made %d list requests, want 100 (never one PagerDuty would refuse)", n)
	}
	// The advice works: two date ranges cover what one list could not.
	cut := epoch.Add(-5000 * time.Second)
	newer, err := c.List(context.Background(), incident.Filter{Since: cut})
	if err != nil || len(newer) != 5000 {
		t.Fatalf("since the cut: %d incidents, %v; want 5000", len(newer), err)
	}
	older, err := c.List(context.Background(), incident.Filter{Until: cut})
	if err != nil || len(older) != 5050 {
		t.Fatalf("until the cut: %d incidents, %v; want 5050", len(older), err)
	}
}

func TestFilters(t *testing.T) {
	sim, c := newSim(t, pdsim.Options{})
	ctx := context.Background()
	snaps := sim.Incidents()
	checkout, _ := sim.IncidentByKey(pdsim.DemoCheckout)
	tests := []struct {
		name   string
		filter incident.Filter
		want   func(s pdsim.IncidentSnapshot) bool
	}{
		{"default: open", incident.Filter{}, func(s pdsim.IncidentSnapshot) bool { return s.Status != "resolved" }},
		{"triggered", incident.Filter{Statuses: []incident.Status{incident.Triggered}},
			func(s pdsim.IncidentSnapshot) bool { return s.Status == "triggered" }},
		{"high urgency", incident.Filter{Urgencies: []incident.Urgency{incident.High}},
			func(s pdsim.IncidentSnapshot) bool { return s.Status != "resolved" && s.Urgency == "high" }},
		{"one service", incident.Filter{ServiceIDs: []string{checkout.ServiceID}},
			func(s pdsim.IncidentSnapshot) bool {
				return s.Status != "resolved" && s.ServiceID == checkout.ServiceID
			}},
		{"assigned to me", incident.Filter{AssignedToMe: true},
			func(s pdsim.IncidentSnapshot) bool {
				return s.Status != "resolved" && slices.Contains(s.Assignees, pdsim.DemoUserEmail)
			}},
		{"my teams", incident.Filter{MyTeams: true},
			func(s pdsim.IncidentSnapshot) bool {
				return s.Status != "resolved" && (s.EscalationPolicy == "Checkout On-Call" || s.EscalationPolicy == "Payments On-Call")
			}},
		{"a team", incident.Filter{TeamIDs: []string{pdsim.TeamSearch}},
			func(s pdsim.IncidentSnapshot) bool {
				return s.Status != "resolved" && s.EscalationPolicy == "Search On-Call"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.List(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, s := range snaps {
				if tt.want(s) {
					want = append(want, s.ID)
				}
			}
			var ids []string
			for _, in := range got {
				ids = append(ids, in.ID)
			}
			slices.Sort(want)
			slices.Sort(ids)
			if len(want) == 0 || !slices.Equal(ids, want) {
				t.Errorf("listed %v, want %v", ids, want)
			}
		})
	}

	before := sim.Requests("GET /incidents")
	if _, err := c.List(ctx, incident.Filter{Statuses: []incident.Status{"open"}}); err == nil || !strings.Contains(err.Error(), "triggered, acknowledged or resolved") {
		t.Errorf("unknown status: %v", err)
	}
	if sim.Requests("GET /incidents") != before {
		t.Error("an invalid filter reached PagerDuty")
	}
}

func TestPickers(t *testing.T) {
	_, c := newSim(t, pdsim.Options{})
	users, err := c.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 8 || !slices.ContainsFunc(users, func(u incident.Responder) bool {
		return u.ID == pdsim.DemoUserID && u.Email == pdsim.DemoUserEmail && u.Name == "Alex Rivera"
	}) {
		t.Errorf("users: %+v", users)
	}
	policies, err := c.EscalationPolicies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(policies) != 5 || !slices.Contains(policies, incident.EscalationPolicy{ID: "PEP2PAY", Name: "Payments On-Call", Levels: 3}) {
		t.Errorf("policies: %+v", policies)
	}
}

// newServer serves sim over real HTTP for the test and returns its URL.
func newServer(t testing.TB, sim *pdsim.Server) string {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv.URL
}
