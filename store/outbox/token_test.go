package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store/outbox"
)

// A token problem is never a verdict on an action. The adapter asks GET
// /users/me for the email writes are sent From; a 401 or a 403 there says
// the token must be fixed, so the note stays queued, and goes once the
// token works. A 403 on the action itself is PagerDuty refusing that
// action: it fails.
func TestTokenProblemIsNoVerdict(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			e := newEnv(t)
			a := e.incident("checkout 5xx")
			e.append(a, incident.KindNote, "one")
			e.append(a, incident.KindNote, "two")
			// No From configured: the adapter learns it from GET /users/me.
			src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: "http://" + e.addr,
				Timeout: adapterTimeout, MaxRetries: -1, RequestsPerMinute: -1})
			if err != nil {
				t.Fatal(err)
			}
			e.sim.Inject(pdsim.Fault{Route: "GET /users/me", Status: status})
			d := outbox.New(e.j, src, outbox.Options{Now: e.clock.Now})
			rep, err := d.Drain(context.Background())
			if !errors.Is(err, incident.ErrUnauthorized) {
				t.Fatalf("Drain error %v", err)
			}
			if got := outcomes(rep); got != "waiting waiting" || e.pending() != 2 {
				t.Fatalf("outcomes %q, %d pending", got, e.pending())
			}
			if r := rep.Results[0]; !errors.Is(r.Err, incident.ErrUnauthorized) || !strings.Contains(r.Err.Error(), "token") {
				t.Fatalf("the result does not say the token is at fault: %v", r.Err)
			}
			acts, _ := e.j.Outbox()
			if acts[0].Uncertain {
				t.Fatal("nothing was sent, yet the note is marked uncertain")
			}
			e.clock.Advance(time.Hour)
			if got := outcomes(e.drain(d)); got != "sent sent" {
				t.Fatalf("with the token fixed: %q", got)
			}
			e.wantNotes(a, "one", "two")
		})
	}
	t.Run("Forbidden on the action", func(t *testing.T) {
		e := newEnv(t)
		a := e.incident("checkout 5xx")
		e.append(a, incident.KindNote, "one")
		e.append(a, incident.KindNote, "two")
		e.sim.Inject(pdsim.Fault{Route: routeNotes, Status: http.StatusForbidden})
		rep := e.drain(e.drainer())
		if got := outcomes(rep); got != "failed sent" || !errors.Is(rep.Results[0].Err, incident.ErrForbidden) {
			t.Fatalf("outcomes %q, %v", got, rep.Results[0].Err)
		}
		e.wantNotes(a, "two")
	})
}
