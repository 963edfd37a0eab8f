package pdsim_test

import (
	"net/http"
	"strconv"
	"testing"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestGetIncidentByNumber: GET /incidents/{id} "accepts either an incident
// id, or an incident number", as PagerDuty's reference says of that route
// alone; the routes that change an incident take the id only.
func TestGetIncidentByNumber(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	snap := e.add(t, pdsim.IncidentSpec{Title: "checkout 5xx", Service: pdsim.ServiceCheckout})
	n := strconv.Itoa(snap.Number)

	got, err := e.client.GetIncidentWithContext(ctx, n)
	if err != nil || got.ID != snap.ID || got.IncidentNumber != uint(snap.Number) {
		t.Fatalf("GET /incidents/%s: %+v, %v", n, got, err)
	}
	for _, bad := range []string{"0", "0" + n, "99999", "-" + n, n + "x"} {
		_, err := e.client.GetIncidentWithContext(ctx, bad)
		apiError(t, err, http.StatusNotFound, 2100)
	}
	_, err = e.client.CreateIncidentNoteWithContext(ctx, n, pd.IncidentNote{Content: "by number", User: pd.APIObject{Summary: pdsim.DemoUserEmail}})
	apiError(t, err, http.StatusNotFound, 2100)
	if len(e.srv.Notes(snap.ID)) != 0 {
		t.Error("a note reached the incident through its number")
	}
}
