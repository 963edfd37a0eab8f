package pdsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestRejections: what PagerDuty refuses, the simulator refuses, with
// PagerDuty's status, code and body.
func TestRejections(t *testing.T) {
	srv := pdsim.New(pdsim.Options{Now: func() time.Time { return t0 }, AccountToken: "acct"})
	strict := pdsim.New(pdsim.Options{Now: func() time.Time { return t0 }, RequireAccept: true})
	snap, _ := srv.IncidentByKey(pdsim.DemoCheckout)
	auth := "Token token=" + pdsim.DemoToken
	inc := "/incidents/" + snap.ID
	tests := []struct {
		name   string
		h      http.Handler
		req    *http.Request
		status int
		code   int
		detail string
	}{
		{"bad token", srv, newRequest(t, "GET", "/incidents", "Token token=nope"), 401, 2006, "valid API token"},
		{"no token", srv, newRequest(t, "GET", "/incidents", ""), 401, 2006, ""},
		{"limit over 100", srv, newRequest(t, "GET", "/incidents?limit=101", auth), 400, 2001, "at most 100"},
		{"offset+limit over 10000", srv, newRequest(t, "GET", "/incidents?limit=100&offset=9901", auth), 400, 2002, "10000"},
		{"unknown status", srv, newRequest(t, "GET", "/incidents?statuses[]=open", auth), 400, 2001, "Statuses"},
		{"another API version", srv, withAccept(newRequest(t, "GET", "/incidents", auth), "application/vnd.pagerduty+json;version=1"), 400, 2001, "version"},
		{"no Accept version when required", strict, withAccept(newRequest(t, "GET", "/incidents", auth), "application/json"), 400, 2001, "Accept"},
		{"status update without From", srv, newRequest(t, "POST", inc+"/status_updates", auth, `{"message":"x"}`), 400, 2016, ""},
		{"status update without a message", srv, newRequest(t, "POST", inc+"/status_updates", auth, `{}`, "From", pdsim.DemoUserEmail), 400, 2001, "Message"},
		{"snooze without From", srv, newRequest(t, "POST", inc+"/snooze", auth, `{"duration":60}`), 400, 2016, ""},
		{"snooze longer than a week", srv, newRequest(t, "POST", inc+"/snooze", auth, `{"duration":604801}`, "From", pdsim.DemoUserEmail), 400, 2001, "604800"},
		{"responders without requester", srv, newRequest(t, "POST", inc+"/responder_requests", auth,
			`{"message":"m","responder_request_targets":[{"responder_request_target":{"id":"PYT5W7J","type":"user_reference"}}]}`), 400, 2001, "Requester"},
		{"responders to nobody", srv, newRequest(t, "POST", inc+"/responder_requests", auth,
			`{"requester_id":"PAR1V3A","message":"m","responder_request_targets":[]}`), 400, 2001, "targets"},
		{"responders: unknown target type", srv, newRequest(t, "POST", inc+"/responder_requests", auth,
			`{"requester_id":"PAR1V3A","message":"m","responder_request_targets":[{"responder_request_target":{"id":"PYT5W7J","type":"team_reference"}}]}`), 400, 2001, "Target type"},
		{"account token has no /users/me", srv, newRequest(t, "GET", "/users/me", "Token token=acct"), 400, 2001, "account-level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(tt.h, tt.req)
			var body struct {
				Error struct {
					Message string   `json:"message"`
					Code    int      `json:"code"`
					Errors  []string `json:"errors"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tt.status || body.Error.Code != tt.code || body.Error.Message == "" || body.Error.Errors == nil {
				t.Errorf("%d %+v, want %d code %d", rec.Code, body.Error, tt.status, tt.code)
			}
			if !strings.Contains(strings.Join(body.Error.Errors, " ")+body.Error.Message, tt.detail) {
				t.Errorf("errors %v lack %q", body.Error.Errors, tt.detail)
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
			}
		})
	}
}

func withAccept(r *http.Request, accept string) *http.Request {
	r.Header.Set("Accept", accept)
	return r
}

func TestResponderRequestsAndStatusUpdatesHavePagerDutysShapes(t *testing.T) {
	e := newEnv(t, nil)
	checkout, _ := e.srv.IncidentByKey(pdsim.DemoCheckout)
	resp, err := e.client.ResponderRequestWithContext(ctx, checkout.ID, pd.ResponderRequestOptions{
		From: pdsim.DemoUserEmail, Message: "join", RequesterID: pdsim.DemoUserID,
		Targets: []pd.ResponderRequestTargetWrapper{
			{Target: pd.ResponderRequestTarget{APIObject: pd.APIObject{ID: "PYT5W7J", Type: "user_reference"}}},
			{Target: pd.ResponderRequestTarget{APIObject: pd.APIObject{ID: "PEP3SRC", Type: "escalation_policy_reference"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rr := resp.ResponderRequest
	if rr.Incident.ID != checkout.ID || rr.Requester.ID != pdsim.DemoUserID || rr.Message != "join" || len(rr.Targets) != 2 ||
		rr.Targets[0].Target.ID != "PYT5W7J" || len(rr.Targets[1].Target.Responders) != 1 || rr.Targets[1].Target.Responders[0].State != "pending" {
		t.Errorf("responder request decoded as %+v", rr)
	}
	// The users asked are paged.
	log := e.srv.LogEntries(checkout.ID)
	if n := len(log); log[n-2].Type != "notify_log_entry" || log[n-1].Type != "notify_log_entry" {
		t.Errorf("log ends %+v, want the two responders notified", log[n-2:])
	}

	su, err := e.as(pdsim.EmailJamal).CreateIncidentStatusUpdate(ctx, checkout.ID, pdsim.EmailJamal, "Rolled back.")
	if err != nil {
		t.Fatal(err)
	}
	if su.ID == "" || su.Message != "Rolled back." || su.Sender.Summary != "Jamal Okafor" || su.CreatedAt != ts(t0) {
		t.Errorf("status update decoded as %+v", su)
	}
}

func TestInjectedFaults(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	hs := httptest.NewServer(e.srv)
	defer hs.Close()
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest("GET", hs.URL+"/incidents", nil)
		req.Header.Set("Authorization", "Token token="+pdsim.DemoToken)
		return http.DefaultClient.Do(req)
	}

	e.srv.Inject(pdsim.Fault{Route: "GET /incidents", Status: 429, Reset: 1500 * time.Millisecond})
	e.srv.Inject(pdsim.Fault{Route: "GET /incidents", Status: 429})
	e.srv.Inject(pdsim.Fault{Route: "GET /services", Status: 503}) // another route: untouched here
	e.srv.Inject(pdsim.Fault{Route: "GET /incidents", Drop: true})
	e.srv.Inject(pdsim.Fault{Route: "GET /incidents", Delay: 50 * time.Millisecond})

	resp, err := get()
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("ratelimit-reset") != "2" || resp.Header.Get("Retry-After") != "" {
		t.Fatalf("first: %v %v", resp, err)
	}
	resp, err = get()
	if err != nil || resp.StatusCode != 429 || resp.Header.Get("ratelimit-reset") != "" {
		t.Fatalf("second (bare 429): %v %v", resp, err)
	}
	if _, err = get(); err == nil {
		t.Fatal("third: the connection was not dropped")
	}
	start := time.Now()
	resp, err = get()
	if err != nil || resp.StatusCode != 200 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("fourth (slow): %v %v after %s", resp, err, time.Since(start))
	}
	if resp, err = get(); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the faults: %v %v", resp, err)
	}
	if n := e.srv.Requests("GET /incidents"); n != 5 {
		t.Errorf("counted %d requests, want 5 (faulted ones too)", n)
	}
}
