package pdsim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// t0 is the fake clock's start: the scenario's offset zero.
var t0 = time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)

// env is a simulator behind a real HTTP server and a real client.
type env struct {
	srv    *pdsim.Server
	url    string
	clock  *pdsim.Clock
	client *pd.Client
}

func newEnv(t *testing.T, sc pdsim.Scenario) *env {
	t.Helper()
	clock := pdsim.NewClock(t0)
	srv := pdsim.New(pdsim.Options{Now: clock.Now, Scenario: sc})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{srv: srv, url: hs.URL, clock: clock,
		client: pd.NewClient(pdsim.DemoToken, pd.WithAPIEndpoint(hs.URL))}
}

// fromTransport adds a From header to writes that lack one, as
// go-pagerduty does not send it on snooze.
type fromTransport struct{ from string }

func (f fromTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet && r.Header.Get("From") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("From", f.from)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (e *env) add(t *testing.T, spec pdsim.IncidentSpec) pdsim.IncidentSnapshot {
	t.Helper()
	snap, err := e.srv.AddIncident(spec)
	if err != nil {
		t.Fatalf("AddIncident(%+v): %v", spec, err)
	}
	return snap
}

// apiError asserts that err is a pagerduty.APIError with status and code.
func apiError(t *testing.T, err error, status, code int) pd.APIError {
	t.Helper()
	var ae pd.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not a pagerduty.APIError", err, err)
	}
	if ae.StatusCode != status {
		t.Errorf("status = %d, want %d (%v)", ae.StatusCode, status, err)
	}
	if !ae.APIError.Valid {
		t.Fatalf("error body missing: %v", err)
	}
	if ae.APIError.ErrorObject.Code != code {
		t.Errorf("code = %d, want %d (%v)", ae.APIError.ErrorObject.Code, code, err)
	}
	return ae
}

var ctx = context.Background()

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// newRequest builds a request for the handler: method, path, the
// Authorization header, then optionally a body and header name/value pairs.
func newRequest(t *testing.T, method, path, auth string, bodyAndHeaders ...string) *http.Request {
	t.Helper()
	var body io.Reader
	if len(bodyAndHeaders) > 0 {
		body = strings.NewReader(bodyAndHeaders[0])
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 1; i+1 < len(bodyAndHeaders); i += 2 {
		req.Header.Set(bodyAndHeaders[i], bodyAndHeaders[i+1])
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// as returns a client acting with the token of the user with email: the
// simulator attributes writes to the token's user, as PagerDuty does.
func (e *env) as(email string) *pd.Client {
	return pd.NewClient(pdsim.UserToken(email), pd.WithAPIEndpoint(e.url))
}
