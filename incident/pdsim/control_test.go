package pdsim_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestControlFail: POST /_pdsim/fail makes the API fail for a while, as
// FailFor does, and can end the failure early; the control itself keeps
// answering while the API fails, needs the token, and is not counted.
func TestControlFail(t *testing.T) {
	clock := pdsim.NewClock(t0)
	srv := pdsim.New(pdsim.Options{Now: clock.Now})
	auth := "Token token=" + pdsim.DemoToken
	list := func() int { return serve(srv, newRequest(t, "GET", "/incidents", auth)).Code }

	if got := list(); got != 200 {
		t.Fatalf("GET /incidents before any failure = %d, want 200", got)
	}
	rec := serve(srv, newRequest(t, "POST", "/_pdsim/fail?status=503&for=30s", auth))
	if rec.Code != 200 {
		t.Fatalf("POST /_pdsim/fail = %d %s, want 200", rec.Code, rec.Body)
	}
	var ans struct {
		Status int    `json:"status"`
		Until  string `json:"until"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatalf("answer %s: %v", rec.Body, err)
	}
	if want := t0.Add(30 * time.Second).Format(time.RFC3339Nano); ans.Status != 503 || ans.Until != want {
		t.Errorf("answer = %+v, want status 503 until %s", ans, want)
	}
	if got := list(); got != 503 {
		t.Errorf("GET /incidents while failing = %d, want 503", got)
	}
	clock.Advance(29 * time.Second)
	if got := list(); got != 503 {
		t.Errorf("GET /incidents at 29s = %d, want 503", got)
	}
	clock.Advance(time.Second)
	if got := list(); got != 200 {
		t.Errorf("GET /incidents at 30s = %d, want 200 (the failure is over)", got)
	}

	// status defaults to 503; for=0 ends a failure early, and the control
	// answers while the API fails.
	if rec := serve(srv, newRequest(t, "POST", "/_pdsim/fail?for=1m", auth)); rec.Code != 200 || list() != 503 {
		t.Fatalf("fail for 1m: control %d, list %d; want 200 and 503", rec.Code, list())
	}
	if rec := serve(srv, newRequest(t, "POST", "/_pdsim/fail?for=0", auth)); rec.Code != 200 || rec.Body.String() != `{"status":0}` {
		t.Fatalf("fail for 0 = %d %s, want 200 {\"status\":0}", rec.Code, rec.Body)
	}
	if got := list(); got != 200 {
		t.Errorf("GET /incidents after for=0 = %d, want 200", got)
	}
	if n := srv.Requests("/"); n != 0 {
		t.Errorf("controls counted as unknown routes: Requests(\"/\") = %d", n)
	}
}

func TestControlFailRejects(t *testing.T) {
	srv := pdsim.New(pdsim.Options{Now: func() time.Time { return t0 }})
	auth := "Token token=" + pdsim.DemoToken
	tests := []struct {
		name, method, path, auth string
		status                   int
	}{
		{"no token", "POST", "/_pdsim/fail?status=503&for=30s", "", 401},
		{"wrong token", "POST", "/_pdsim/fail?status=503&for=30s", "Token token=nope", 401},
		{"no duration", "POST", "/_pdsim/fail?status=503", auth, 400},
		{"bad duration", "POST", "/_pdsim/fail?for=soon", auth, 400},
		{"negative duration", "POST", "/_pdsim/fail?for=-1s", auth, 400},
		{"not an error status", "POST", "/_pdsim/fail?status=200&for=30s", auth, 400},
		{"status not a number", "POST", "/_pdsim/fail?status=abc&for=30s", auth, 400},
		{"GET is not a control", "GET", "/_pdsim/fail?for=30s", auth, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(srv, newRequest(t, tt.method, tt.path, tt.auth))
			if rec.Code != tt.status {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, rec.Code, rec.Body, tt.status)
			}
			var body struct {
				Error struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == 0 {
				t.Errorf("body %s is not PagerDuty's error shape", rec.Body)
			}
		})
	}
	if got := serve(srv, newRequest(t, "GET", "/incidents", auth)).Code; got != 200 {
		t.Errorf("a refused control changed the API: GET /incidents = %d", got)
	}
}
