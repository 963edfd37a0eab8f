package pdsim_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// Behaviour PagerDuty's reference documents and a kinder simulator would
// let a client get wrong. Each test goes through the real go-pagerduty
// client over real HTTP where the client can express the request.

func TestAcknowledgingAResolvedIncidentReopensIt(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Key: "a", Title: "payments down", Service: pdsim.ServicePayments, Status: "resolved"})
	e.clock.Advance(time.Minute)

	// Yuki (her own token) acknowledges the resolved incident: PagerDuty
	// reopens it and assigns it to her, the current user.
	resp, err := e.as(pdsim.EmailYuki).ManageIncidentsWithContext(ctx, pdsim.EmailYuki,
		[]pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}})
	if err != nil {
		t.Fatal(err)
	}
	if in := resp.Incidents[0]; in.Status != "acknowledged" || in.ResolvedAt != "" || len(in.Assignments) != 1 ||
		in.Assignments[0].Assignee.ID != "PYT5W7J" {
		t.Errorf("reopened: status %s resolved_at %q assignments %+v", in.Status, in.ResolvedAt, in.Assignments)
	}
	got, _ := e.srv.Incident(a.ID)
	if got.Status != "acknowledged" || !slices.Equal(got.Assignees, []string{pdsim.EmailYuki}) || !got.ResolvedAt.IsZero() {
		t.Errorf("snapshot after reopen: %+v", got)
	}
	want := []pdsim.Reopen{{IncidentID: a.ID, Status: "acknowledged", ByEmail: pdsim.EmailYuki, At: t0.Add(time.Minute)}}
	if r := e.srv.Reopens(); !slices.EqualFunc(r, want, func(a, b pdsim.Reopen) bool { return a == b && a.At.Equal(b.At) }) {
		t.Errorf("Reopens() = %+v, want %+v", r, want)
	}

	// PUT /incidents/{id} to triggered reopens too, assigned to the
	// policy's first level when no assignee is named.
	b := e.add(t, pdsim.IncidentSpec{Key: "b", Title: "search slow", Service: pdsim.ServiceSearch, Status: "resolved"})
	body := `{"incident":{"type":"incident_reference","status":"triggered"}}`
	rec := serve(e.srv, newRequest(t, http.MethodPut, "/incidents/"+b.ID, "Token token="+pdsim.DemoToken, body, "From", pdsim.DemoUserEmail))
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT /incidents/{id} triggered: %d %s", rec.Code, rec.Body)
	}
	got, _ = e.srv.Incident(b.ID)
	if got.Status != "triggered" || !slices.Equal(got.Assignees, []string{pdsim.EmailMarcus}) {
		t.Errorf("reopened to triggered: %+v", got)
	}
	if r := e.srv.Reopens(); len(r) != 2 || r[1].IncidentID != b.ID || r[1].Status != "triggered" || r[1].ByEmail != pdsim.DemoUserEmail {
		t.Errorf("Reopens() = %+v", r)
	}
}

func TestAcknowledgerBecomesAnAssignee(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "search slow", Service: pdsim.ServiceSearch}) // Marcus's
	mine := func() int {
		resp, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{UserIDs: []string{pdsim.DemoUserID}, DateRange: "all"})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.Incidents)
	}
	if n := mine(); n != 0 {
		t.Fatalf("Alex has %d incidents before acknowledging", n)
	}
	if _, err := e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: a.ID, Status: "acknowledged"}}); err != nil {
		t.Fatal(err)
	}
	if n := mine(); n != 1 {
		t.Errorf("Alex has %d incidents after acknowledging, want 1", n)
	}
	if got, _ := e.srv.Incident(a.ID); !slices.Equal(got.Assignees, []string{pdsim.EmailMarcus, pdsim.DemoUserEmail}) {
		t.Errorf("assignees = %v", got.Assignees)
	}
}

func TestConferenceBridgeOnlyWhenAsked(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "checkout down", Service: pdsim.ServiceCheckout,
		BridgeURL: "https://meet.example.com/checkout", BridgeNumber: "+1 555 0100,,123#"})

	list := func(includes ...string) *pd.ConferenceBridge {
		resp, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Includes: includes})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Incidents) != 1 {
			t.Fatalf("%d incidents", len(resp.Incidents))
		}
		return resp.Incidents[0].ConferenceBridge
	}
	if b := list(); b != nil {
		t.Errorf("bridge without include[]: %+v", b)
	}
	if b := list("conference_bridge"); b == nil || b.ConferenceURL != "https://meet.example.com/checkout" || b.ConferenceNumber != "+1 555 0100,,123#" {
		t.Errorf("bridge with include[]=conference_bridge: %+v", b)
	}
	if b := list("teams"); b != nil {
		t.Errorf("bridge with another include[]: %+v", b)
	}

	get := func(query string) map[string]any {
		rec := serve(e.srv, newRequest(t, http.MethodGet, "/incidents/"+a.ID+query, "Token token="+pdsim.DemoToken))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", query, rec.Code, rec.Body)
		}
		var doc struct{ Incident map[string]any }
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Incident
	}
	if _, ok := get("")["conference_bridge"]; ok {
		t.Error("GET /incidents/{id} sent conference_bridge unasked")
	}
	if b, _ := get("?include[]=conference_bridge")["conference_bridge"].(map[string]any); b["conference_url"] != "https://meet.example.com/checkout" {
		t.Errorf("GET /incidents/{id}?include[]=conference_bridge: %v", b)
	}

	_, err := e.client.ListIncidentsWithContext(ctx, pd.ListIncidentsOptions{Includes: []string{"bridges"}})
	apiError(t, err, http.StatusBadRequest, 2001)
}

func TestIncidentDateWindows(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	day := 24 * time.Hour
	recent := e.add(t, pdsim.IncidentSpec{Title: "recent", Service: pdsim.ServiceSearch, Status: "resolved", CreatedAt: t0.Add(-3 * day)})
	old := e.add(t, pdsim.IncidentSpec{Title: "old", Service: pdsim.ServiceSearch, Status: "resolved", CreatedAt: t0.Add(-90 * day)})
	list := func(o pd.ListIncidentsOptions) ([]string, error) {
		o.Statuses = []string{"resolved"}
		resp, err := e.client.ListIncidentsWithContext(ctx, o)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, in := range resp.Incidents {
			ids = append(ids, in.ID)
		}
		return ids, nil
	}

	// No since or until: the last month only.
	if ids, err := list(pd.ListIncidentsOptions{}); err != nil || !slices.Equal(ids, []string{recent.ID}) {
		t.Errorf("default window: %v %v, want only the recent incident", ids, err)
	}
	// date_range=all ignores the window.
	if ids, err := list(pd.ListIncidentsOptions{DateRange: "all"}); err != nil || len(ids) != 2 {
		t.Errorf("date_range=all: %v %v", ids, err)
	}
	// An explicit range of up to six months reaches back.
	if ids, err := list(pd.ListIncidentsOptions{Since: ts(t0.Add(-120 * day)), Until: ts(t0)}); err != nil || !slices.Equal(ids, []string{old.ID, recent.ID}) {
		t.Errorf("120-day range: %v %v", ids, err)
	}
	// Since alone runs to now.
	if ids, err := list(pd.ListIncidentsOptions{Since: ts(t0.Add(-100 * day))}); err != nil || len(ids) != 2 {
		t.Errorf("since alone: %v %v", ids, err)
	}
	// Until alone covers the month before it.
	if ids, err := list(pd.ListIncidentsOptions{Until: ts(t0.Add(-80 * day))}); err != nil || !slices.Equal(ids, []string{old.ID}) {
		t.Errorf("until alone: %v %v", ids, err)
	}
	// Over six months is PagerDuty's 400, with since alone too.
	_, err := list(pd.ListIncidentsOptions{Since: ts(t0.AddDate(0, -7, 0)), Until: ts(t0)})
	ae := apiError(t, err, http.StatusBadRequest, 2001)
	if !strings.Contains(strings.Join(ae.APIError.ErrorObject.Errors, " "), "6 months") {
		t.Errorf("errors = %v", ae.APIError.ErrorObject.Errors)
	}
	_, err = list(pd.ListIncidentsOptions{Since: ts(t0.AddDate(0, -6, -1))})
	apiError(t, err, http.StatusBadRequest, 2001)
	if _, err := list(pd.ListIncidentsOptions{Since: ts(t0.AddDate(0, -6, 0)), Until: ts(t0)}); err != nil {
		t.Errorf("exactly six months: %v", err)
	}
}

func TestSinceInclusiveOrExclusive(t *testing.T) {
	for _, exclusive := range []bool{false, true} {
		t.Run(fmt.Sprintf("exclusive=%v", exclusive), func(t *testing.T) {
			clock := pdsim.NewClock(t0)
			srv := pdsim.New(pdsim.Options{Now: clock.Now, Scenario: pdsim.Scenario{}, SinceExclusive: exclusive})
			a, _ := srv.AddIncident(pdsim.IncidentSpec{Title: "x", Service: pdsim.ServiceSearch})
			rec := serve(srv, newRequest(t, http.MethodGet, "/incidents/"+a.ID+"/log_entries?since="+ts(t0), "Token token="+pdsim.DemoToken))
			var doc struct {
				LogEntries []json.RawMessage `json:"log_entries"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			want := 3 // trigger, assign, notify: all at t0
			if exclusive {
				want = 0
			}
			if len(doc.LogEntries) != want {
				t.Errorf("%d entries at since, want %d", len(doc.LogEntries), want)
			}
		})
	}
}

func TestPagerDutysErrorCodes(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "a", Service: pdsim.ServiceSearch})

	// More than 250 incidents in one PUT /incidents: 413.
	var many []pd.ManageIncidentsOptions
	for range 251 {
		many = append(many, pd.ManageIncidentsOptions{ID: a.ID, Status: "acknowledged"})
	}
	_, err := e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, many)
	apiError(t, err, http.StatusRequestEntityTooLarge, 2001)
	if _, err := e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, many[:250]); err != nil {
		t.Errorf("250 incidents: %v", err)
	}

	// At most 2000 notes per incident.
	b := e.add(t, pdsim.IncidentSpec{Title: "b", Service: pdsim.ServiceSearch})
	for i := range 2000 {
		if err := e.srv.AddNoteAs(b.ID, pdsim.DemoUserEmail, fmt.Sprintf("n%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.client.CreateIncidentNoteWithContext(ctx, b.ID, pd.IncidentNote{Content: "one more", User: pd.APIObject{Summary: pdsim.DemoUserEmail}})
	ae := apiError(t, err, http.StatusBadRequest, 2001)
	if !strings.Contains(strings.Join(ae.APIError.ErrorObject.Errors, " "), "2000") {
		t.Errorf("errors = %v", ae.APIError.ErrorObject.Errors)
	}
}

func TestRateLimitHeadersOnEveryAnswer(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	for _, path := range []string{"/incidents", "/users/me", "/incidents/QNOPE"} {
		req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
		req.Header.Set("Authorization", "Token token="+pdsim.DemoToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, h := range []string{"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("GET %s (%d) has no %s header", path, resp.StatusCode, h)
			}
		}
	}
	if rec := serve(e.srv, newRequest(t, http.MethodGet, "/users/me", "Token token="+pdsim.DemoToken)); rec.Header().Get("ratelimit-limit") != "960" {
		t.Errorf("ratelimit-limit = %q, want PagerDuty's 960", rec.Header().Get("ratelimit-limit"))
	}

	// The documented 429 body carries message and code, no errors array.
	e.srv.FailFor(http.StatusTooManyRequests, time.Minute)
	rec := serve(e.srv, newRequest(t, http.MethodGet, "/incidents", "Token token="+pdsim.DemoToken))
	var body struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if _, has := body.Error["errors"]; rec.Code != 429 || has || body.Error["code"] != float64(2020) {
		t.Errorf("429 body = %s", rec.Body)
	}
}

func TestEveryUserHasATokenAndBearerWorks(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	me := func(auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/users/me", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var doc struct{ User struct{ Email string } }
		_ = json.Unmarshal(b, &doc)
		return resp.StatusCode, doc.User.Email
	}
	for token, email := range map[string]string{
		pdsim.DemoToken: pdsim.DemoUserEmail, "demo-alex": pdsim.DemoUserEmail, "demo-priya": pdsim.EmailPriya,
		"demo-yuki": pdsim.EmailYuki, "demo-hannah": pdsim.EmailHannah,
	} {
		for _, auth := range []string{"Token token=" + token, "Bearer " + token} {
			if code, got := me(auth); code != http.StatusOK || got != email {
				t.Errorf("%s: %d %s, want %s", auth, code, got, email)
			}
		}
	}
	if pdsim.UserToken(pdsim.EmailMarcus) != "demo-marcus" || pdsim.UserToken("nobody@example.com") != "" {
		t.Errorf("UserToken: %q %q", pdsim.UserToken(pdsim.EmailMarcus), pdsim.UserToken("nobody@example.com"))
	}

	// go-pagerduty's OAuth client sends Bearer; the note's author is the
	// token's user, whatever From says.
	a := e.add(t, pdsim.IncidentSpec{Title: "a", Service: pdsim.ServiceSearch})
	oauth := pd.NewClient(pdsim.UserToken(pdsim.EmailPriya), pd.WithAPIEndpoint(e.url), pd.WithOAuth())
	if _, err := oauth.CreateIncidentNoteWithContext(ctx, a.ID, pd.IncidentNote{Content: "hi", User: pd.APIObject{Summary: pdsim.DemoUserEmail}}); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Notes(a.ID); len(n) != 1 || n[0].UserEmail != pdsim.EmailPriya {
		t.Errorf("notes = %+v, want Priya's", n)
	}
	if le := e.srv.LogEntries(a.ID); le[len(le)-1].Agent != "Priya Natarajan" {
		t.Errorf("last log entry by %q", le[len(le)-1].Agent)
	}
}

func TestNotesAreRefusedPastTheNoteLimit(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	a := e.add(t, pdsim.IncidentSpec{Title: "a", Service: pdsim.ServiceSearch})
	note := func(n int) error {
		_, err := e.client.CreateIncidentNoteWithContext(ctx, a.ID, pd.IncidentNote{Content: strings.Repeat("é", n), User: pd.APIObject{Summary: pdsim.DemoUserEmail}})
		return err
	}
	if err := note(incident.NoteLimit); err != nil {
		t.Errorf("a note of exactly NoteLimit characters: %v", err)
	}
	ae := apiError(t, note(incident.NoteLimit+1), http.StatusBadRequest, 2001)
	if !strings.Contains(strings.Join(ae.APIError.ErrorObject.Errors, " "), fmt.Sprint(incident.NoteLimit)) {
		t.Errorf("errors %v do not name the limit", ae.APIError.ErrorObject.Errors)
	}
	if n := len(e.srv.Notes(a.ID)); n != 1 {
		t.Errorf("%d notes, want only the one within the limit", n)
	}
}
