package premortems_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/premortems"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

// TestShippedLintClean: the shipped pre-mortems load without errors, and
// every runbook they name ships too.
func TestShippedLintClean(t *testing.T) {
	set, diags, err := premortem.LoadFS(premortems.FS)
	if err != nil || premortem.HasErrors(diags) {
		t.Fatal(err, diags)
	}
	if n := len(set.Premortems()); n != 2 {
		t.Errorf("%d workshops ship, want 2", n)
	}
	rbs, _, err := runbook.LoadFS(runbooks.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range set.Failures() {
		for _, c := range f.Countermeasures {
			if _, ok := rbs.Get(c.Runbook); c.Runbook != "" && !ok {
				t.Errorf("%s: runbook %q does not ship", f.ID, c.Runbook)
			}
		}
	}
}

// TestDemoIncidentForeseen: the demo's payments incident, read from the
// simulator through the real PagerDuty client, matches the shipped
// card-processor failure, so `oncall demo` shows the banner; the checkout
// incident matches the bad-deploy failure once its alerts are known.
func TestDemoIncidentForeseen(t *testing.T) {
	srv := httptest.NewServer(pdsim.New(pdsim.Options{}))
	defer srv.Close()
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	incs, err := src.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := premortem.LoadFS(premortems.FS)
	if err != nil {
		t.Fatal(err)
	}
	matched := map[string][]string{}
	for _, in := range incs {
		alerts, err := src.Alerts(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range set.Match(in, alerts, time.UTC) {
			matched[in.Service.Name] = append(matched[in.Service.Name], m.Failure.ID)
		}
	}
	if got := matched[pdsim.ServicePayments]; !slices.Equal(got, []string{"card-processor-timeouts"}) {
		t.Errorf("payments incident matched %v, want the card processor failure (all: %v)", got, matched)
	}
	if got := matched[pdsim.ServiceCheckout]; !slices.Contains(got, "checkout-bad-deploy") {
		t.Errorf("checkout incident matched %v", got)
	}
	if got := matched[pdsim.ServiceSearch]; len(got) != 0 {
		t.Errorf("search incident matched %v; no workshop foresaw it", got)
	}
}
