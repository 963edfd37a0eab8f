package pdsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// The routes added for clients that call more than oncall does, driven by
// the real go-pagerduty client over real HTTP. TestResponsesMatchReference
// holds their answers to the reference; these tests hold their behaviour.

func TestGetTeamAndMembers(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	team, err := e.client.GetTeamWithContext(ctx, pdsim.TeamCheckout)
	if err != nil {
		t.Fatal(err)
	}
	if team.ID != pdsim.TeamCheckout || team.Name != "Checkout" || team.Type != "team" {
		t.Errorf("GET /teams/%s = %+v", pdsim.TeamCheckout, team)
	}
	_, err = e.client.GetTeamWithContext(ctx, "PNOSUCH")
	apiError(t, err, 404, 2100)

	members, err := e.client.ListTeamMembers(ctx, pdsim.TeamCheckout, pd.ListTeamMembersOptions{Total: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range members.Members {
		got[m.User.ID] = m.Role
	}
	// Checkout On-Call pages Alex, then Jamal (the engineering manager).
	want := map[string]string{pdsim.DemoUserID: "responder", "PJO6K1F": "manager"}
	if len(got) != len(want) || got[pdsim.DemoUserID] != want[pdsim.DemoUserID] || got["PJO6K1F"] != want["PJO6K1F"] {
		t.Errorf("Checkout's members = %v, want %v", got, want)
	}
	page, err := e.client.ListTeamMembers(ctx, pdsim.TeamCheckout, pd.ListTeamMembersOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Members) != 1 || !page.More {
		t.Errorf("members with limit 1 = %d, more %v; want 1 and more", len(page.Members), page.More)
	}
	_, err = e.client.ListTeamMembers(ctx, "PNOSUCH", pd.ListTeamMembersOptions{})
	apiError(t, err, 404, 2100)
}

func TestGetPolicyAndService(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	pol, err := e.client.GetEscalationPolicyWithContext(ctx, "PEP2PAY", &pd.GetEscalationPolicyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var levels []string
	for _, r := range pol.EscalationRules {
		for _, tg := range r.Targets {
			levels = append(levels, tg.ID)
		}
	}
	// Payments pages Priya, then Alex, then Jamal.
	if pol.Name != "Payments On-Call" || !slices.Equal(levels, []string{"PPN7T2Q", pdsim.DemoUserID, "PJO6K1F"}) {
		t.Errorf("GET /escalation_policies/PEP2PAY = %q with targets %v", pol.Name, levels)
	}
	_, err = e.client.GetEscalationPolicyWithContext(ctx, "PNOSUCH", &pd.GetEscalationPolicyOptions{})
	apiError(t, err, 404, 2100)

	svc, err := e.client.GetServiceWithContext(ctx, "PSV1CKO", &pd.GetServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Name != pdsim.ServiceCheckout || svc.EscalationPolicy.ID != "PEP1CHK" {
		t.Errorf("GET /services/PSV1CKO = %q on policy %q", svc.Name, svc.EscalationPolicy.ID)
	}
	// The REST API looks services up by id only.
	_, err = e.client.GetServiceWithContext(ctx, pdsim.ServiceCheckout, &pd.GetServiceOptions{})
	apiError(t, err, 404, 2100)
	// include[] values outside the reference's list are refused.
	_, err = e.client.GetServiceWithContext(ctx, "PSV1CKO", &pd.GetServiceOptions{Includes: []string{"everything"}})
	apiError(t, err, 400, 2001)
}

func TestListOncalls(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	all, err := e.client.ListOnCallsWithContext(ctx, pd.ListOnCallOptions{Total: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// Five policies: Checkout 2 levels, Payments 3, Search 2, Identity 2, Platform 2.
	if len(all.OnCalls) != 11 || all.Total != 11 {
		t.Fatalf("GET /oncalls = %d on-calls (total %d), want 11", len(all.OnCalls), all.Total)
	}
	for _, oc := range all.OnCalls {
		if oc.Start != "" || oc.End != "" || oc.Schedule.ID != "" {
			t.Errorf("on-call %+v: a direct user target is permanent, with no schedule, start or end", oc)
		}
	}
	mine, err := e.client.ListOnCallsWithContext(ctx, pd.ListOnCallOptions{UserIDs: []string{pdsim.DemoUserID}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, oc := range mine.OnCalls {
		got = append(got, fmt.Sprintf("%s@%d", oc.EscalationPolicy.ID, oc.EscalationLevel))
	}
	if !slices.Equal(got, []string{"PEP1CHK@1", "PEP2PAY@2"}) {
		t.Errorf("Alex's on-calls = %v, want level 1 of Checkout and level 2 of Payments", got)
	}
	byPolicy, err := e.client.ListOnCallsWithContext(ctx, pd.ListOnCallOptions{EscalationPolicyIDs: []string{"PEP3SRC"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(byPolicy.OnCalls) != 2 {
		t.Errorf("Search On-Call has %d on-calls, want 2", len(byPolicy.OnCalls))
	}
	// schedule_ids[] keeps on-calls from those schedules; "null" keeps
	// the permanent ones, the only kind here.
	sched, err := e.client.ListOnCallsWithContext(ctx, pd.ListOnCallOptions{ScheduleIDs: []string{"PSCHED1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sched.OnCalls) != 0 {
		t.Errorf("on-calls of schedule PSCHED1 = %d, want 0", len(sched.OnCalls))
	}
	perm, err := e.client.ListOnCallsWithContext(ctx, pd.ListOnCallOptions{ScheduleIDs: []string{"null"}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(perm.OnCalls) != 11 {
		t.Errorf("permanent on-calls = %d, want 11", len(perm.OnCalls))
	}
	_, err = e.client.ListOnCallsWithContext(ctx, pd.ListOnCallOptions{Since: ts(t0), Until: ts(t0.Add(-time.Hour))})
	apiError(t, err, 400, 2001)
	_, err = e.client.ListOnCallsWithContext(ctx, pd.ListOnCallOptions{TimeZone: "Mars/Olympus"})
	apiError(t, err, 400, 2001)
}

// TestListAccountLogEntries: GET /log_entries holds every incident's
// entries, newest first, pages, and honours since, until and team_ids[].
func TestListAccountLogEntries(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	old := e.add(t, pdsim.IncidentSpec{Title: "old", Service: pdsim.ServiceSearch, CreatedAt: t0.Add(-2 * time.Hour)})
	mid := e.add(t, pdsim.IncidentSpec{Title: "mid", Service: pdsim.ServiceCheckout, CreatedAt: t0.Add(-time.Hour), Status: "acknowledged"})
	last := e.add(t, pdsim.IncidentSpec{Title: "now", Service: pdsim.ServiceCheckout, Status: "resolved"})
	want := old.LogEntries + mid.LogEntries + last.LogEntries

	all, err := e.client.ListLogEntriesWithContext(ctx, pd.ListLogEntriesOptions{Total: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if int(all.Total) != want || len(all.LogEntries) != want {
		t.Fatalf("GET /log_entries = %d entries (total %d), want %d", len(all.LogEntries), all.Total, want)
	}
	var prev time.Time
	incidents := map[string]bool{}
	for i, le := range all.LogEntries {
		at, err := time.Parse(time.RFC3339, le.CreatedAt)
		if err != nil {
			t.Fatalf("entry %d created_at %q: %v", i, le.CreatedAt, err)
		}
		if i > 0 && at.After(prev) {
			t.Errorf("entry %d at %s is newer than the one before (%s): want newest first", i, at, prev)
		}
		prev = at
		incidents[le.Incident.ID] = true
	}
	if len(incidents) != 3 {
		t.Errorf("entries of %d incidents, want all 3", len(incidents))
	}

	since, err := e.client.ListLogEntriesWithContext(ctx, pd.ListLogEntriesOptions{Since: ts(t0.Add(-90 * time.Minute)), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(since.LogEntries) != mid.LogEntries+last.LogEntries {
		t.Errorf("since -90m: %d entries, want %d (the two newer incidents')", len(since.LogEntries), mid.LogEntries+last.LogEntries)
	}
	window, err := e.client.ListLogEntriesWithContext(ctx, pd.ListLogEntriesOptions{Since: ts(t0.Add(-3 * time.Hour)), Until: ts(t0.Add(-90 * time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	for _, le := range window.LogEntries {
		if le.Incident.ID != old.ID {
			t.Errorf("until -90m returned an entry of %s", le.Incident.ID)
		}
	}
	if len(window.LogEntries) != old.LogEntries {
		t.Errorf("-3h to -90m: %d entries, want %d", len(window.LogEntries), old.LogEntries)
	}
	team, err := e.client.ListLogEntriesWithContext(ctx, pd.ListLogEntriesOptions{TeamIDs: []string{pdsim.TeamSearch}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(team.LogEntries) != old.LogEntries {
		t.Errorf("team Search: %d entries, want %d", len(team.LogEntries), old.LogEntries)
	}
	p1, err := e.client.ListLogEntriesWithContext(ctx, pd.ListLogEntriesOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.client.ListLogEntriesWithContext(ctx, pd.ListLogEntriesOptions{Limit: 2, Offset: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !p1.More || len(p1.LogEntries) != 2 || len(p2.LogEntries) != 2 ||
		p1.LogEntries[0].ID != all.LogEntries[0].ID || p2.LogEntries[0].ID != all.LogEntries[2].ID {
		t.Errorf("pages of 2 do not follow the full list")
	}
	_, err = e.client.ListLogEntriesWithContext(ctx, pd.ListLogEntriesOptions{Limit: 100, Offset: 9950})
	apiError(t, err, 400, 2002)
}

// TestCreateIncident: POST /incidents makes an incident as the acting user,
// with no alerts; a second create with the key of an open incident on the
// same service is refused, and accepted again once it resolves.
func TestCreateIncident(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	opts := &pd.CreateIncidentOptions{
		Title:       "Checkout: card form does not render in Safari",
		Service:     &pd.APIReference{ID: "PSV1CKO", Type: "service_reference"},
		Priority:    &pd.APIReference{ID: "PRI2MB7", Type: "priority_reference"},
		Urgency:     "low",
		IncidentKey: "safari-card-form",
		Body:        &pd.APIDetails{Type: "incident_body", Details: "Reported by support."},
		ConferenceBridge: &pd.ConferenceBridge{ConferenceNumber: "+1 415-555-1212,,,,1234#",
			ConferenceURL: "https://meet.example.com/safari"},
	}
	inc, err := e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, opts)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Status != "triggered" || inc.Urgency != "low" || inc.Priority == nil || inc.Priority.Summary != "P2" ||
		inc.IncidentKey != "safari-card-form" || inc.Service.ID != "PSV1CKO" {
		t.Errorf("created incident = status %s, urgency %s, priority %v, key %s, service %s",
			inc.Status, inc.Urgency, inc.Priority, inc.IncidentKey, inc.Service.ID)
	}
	snap, _ := e.srv.Incident(inc.ID)
	if !slices.Equal(snap.Assignees, []string{pdsim.DemoUserEmail}) || snap.Alerts != 0 {
		t.Errorf("created incident assigned to %v with %d alerts; want Checkout's first level and no alerts", snap.Assignees, snap.Alerts)
	}
	logs := e.srv.LogEntries(inc.ID)
	if len(logs) == 0 || logs[0].Type != "trigger_log_entry" || logs[0].Agent != "Alex Rivera" {
		t.Errorf("first log entry = %+v, want a trigger by the acting user", logs)
	}
	rec := serve(e.srv, newRequest(t, "GET", "/incidents/"+inc.ID+"?include[]=conference_bridge", "Token token="+pdsim.DemoToken))
	var got struct {
		Incident struct {
			Bridge struct {
				URL string `json:"conference_url"`
			} `json:"conference_bridge"`
		} `json:"incident"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Incident.Bridge.URL != "https://meet.example.com/safari" {
		t.Errorf("the created incident's bridge = %q (%v), want the one given", got.Incident.Bridge.URL, err)
	}

	// The same key on the same service while the first is open: refused.
	_, err = e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, opts)
	apiError(t, err, 400, 2001)
	// On another service the key is free.
	other := *opts
	other.Service = &pd.APIReference{ID: "PSV2PAY", Type: "service_reference"}
	if _, err := e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, &other); err != nil {
		t.Errorf("the same key on another service: %v", err)
	}
	// The newest incident with the key is on payments now; the older one
	// on checkout is still open and still blocks the key there.
	_, err = e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, opts)
	apiError(t, err, 400, 2001)
	// Once the first resolves, the key is free again.
	if _, err := e.client.ManageIncidentsWithContext(ctx, pdsim.DemoUserEmail, []pd.ManageIncidentsOptions{{ID: inc.ID, Type: "incident_reference", Status: "resolved"}}); err != nil {
		t.Fatal(err)
	}
	again, err := e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, opts)
	if err != nil {
		t.Fatalf("the key of a resolved incident: %v", err)
	}
	if again.ID == inc.ID || again.IncidentKey != "safari-card-form" {
		t.Errorf("re-created incident %s with key %s", again.ID, again.IncidentKey)
	}

	// An escalation policy routes the incident there.
	viaPolicy, err := e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, &pd.CreateIncidentOptions{
		Title: "Payments look slow from checkout", Service: &pd.APIReference{ID: "PSV1CKO", Type: "service_reference"},
		EscalationPolicy: &pd.APIReference{ID: "PEP2PAY", Type: "escalation_policy_reference"}})
	if err != nil {
		t.Fatal(err)
	}
	if snap, _ := e.srv.Incident(viaPolicy.ID); snap.EscalationPolicyID != "PEP2PAY" || !slices.Equal(snap.Assignees, []string{pdsim.EmailPriya}) {
		t.Errorf("created via Payments On-Call: policy %s, assignees %v", snap.EscalationPolicyID, snap.Assignees)
	}
	// Assignments name the assignees.
	assigned, err := e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, &pd.CreateIncidentOptions{
		Title: "Look at this", Service: &pd.APIReference{ID: "PSV3SRC", Type: "service_reference"},
		Assignments: []pd.Assignee{{Assignee: pd.APIObject{ID: "PHW3M5C", Type: "user_reference"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if snap, _ := e.srv.Incident(assigned.ID); !slices.Equal(snap.Assignees, []string{pdsim.EmailHannah}) {
		t.Errorf("created with an assignment: assignees %v, want Hannah", snap.Assignees)
	}
}

func TestCreateIncidentRejects(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	auth := "Token token=" + pdsim.DemoToken
	svc := `"service":{"id":"PSV1CKO","type":"service_reference"}`
	for _, tt := range []struct {
		name, body, from string
		status, code     int
	}{
		{"no From", `{"incident":{"type":"incident","title":"t",` + svc + `}}`, "", 400, 2016},
		{"no incident", `{}`, pdsim.DemoUserEmail, 400, 2001},
		{"no type", `{"incident":{"title":"t",` + svc + `}}`, pdsim.DemoUserEmail, 400, 2001},
		{"no title", `{"incident":{"type":"incident",` + svc + `}}`, pdsim.DemoUserEmail, 400, 2001},
		{"no service", `{"incident":{"type":"incident","title":"t"}}`, pdsim.DemoUserEmail, 400, 2001},
		{"service by name", `{"incident":{"type":"incident","title":"t","service":{"id":"checkout-api","type":"service_reference"}}}`, pdsim.DemoUserEmail, 400, 2001},
		{"service of the wrong type", `{"incident":{"type":"incident","title":"t","service":{"id":"PSV1CKO","type":"service"}}}`, pdsim.DemoUserEmail, 400, 2001},
		{"bad urgency", `{"incident":{"type":"incident","title":"t",` + svc + `,"urgency":"urgent"}}`, pdsim.DemoUserEmail, 400, 2001},
		{"unknown priority", `{"incident":{"type":"incident","title":"t",` + svc + `,"priority":{"id":"PX","type":"priority_reference"}}}`, pdsim.DemoUserEmail, 400, 2001},
		{"body without a type", `{"incident":{"type":"incident","title":"t",` + svc + `,"body":{"details":"x"}}}`, pdsim.DemoUserEmail, 400, 2001},
		{"assignments and a policy", `{"incident":{"type":"incident","title":"t",` + svc + `,"escalation_policy":{"id":"PEP1CHK","type":"escalation_policy_reference"},"assignments":[{"assignee":{"id":"PAR1V3A","type":"user_reference"}}]}}`, pdsim.DemoUserEmail, 400, 2001},
		{"unknown assignee", `{"incident":{"type":"incident","title":"t",` + svc + `,"assignments":[{"assignee":{"id":"PNOBODY","type":"user_reference"}}]}}`, pdsim.DemoUserEmail, 400, 2001},
		{"unknown policy", `{"incident":{"type":"incident","title":"t",` + svc + `,"escalation_policy":{"id":"PX","type":"escalation_policy_reference"}}}`, pdsim.DemoUserEmail, 400, 2001},
		{"title of the wrong type", `{"incident":{"type":"incident","title":7,` + svc + `}}`, pdsim.DemoUserEmail, 400, 2001},
	} {
		headers := []string{}
		if tt.from != "" {
			headers = []string{"From", tt.from}
		}
		rec := serve(e.srv, newRequest(t, "POST", "/incidents", auth, append([]string{tt.body}, headers...)...))
		var body struct {
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tt.status || body.Error.Code != tt.code {
			t.Errorf("%s: POST /incidents = %d code %d (%s), want %d code %d", tt.name, rec.Code, body.Error.Code, rec.Body, tt.status, tt.code)
		}
	}
	if n := len(e.srv.Incidents()); n != 0 {
		t.Errorf("refused creates left %d incidents", n)
	}
}

// TestMergeIncidents: the source's alerts move to the target, the source
// resolves with a merge reason naming the target, and the reference's
// limits hold.
func TestMergeIncidents(t *testing.T) {
	e := newEnv(t, pdsim.Scenario{})
	target := e.add(t, pdsim.IncidentSpec{Title: "checkout 5xx", Service: pdsim.ServiceCheckout})
	source := e.add(t, pdsim.IncidentSpec{Title: "checkout latency", Service: pdsim.ServiceCheckout,
		Alerts: []pdsim.AlertSpec{{Summary: "p99 2s"}, {Summary: "p99 3s"}}})
	ref := func(id string) []pd.MergeIncidentsOptions {
		return []pd.MergeIncidentsOptions{{ID: id, Type: "incident_reference"}}
	}
	merged, err := e.client.MergeIncidentsWithContext(ctx, pdsim.DemoUserEmail, target.ID, ref(source.ID))
	if err != nil {
		t.Fatal(err)
	}
	if merged.ID != target.ID {
		t.Errorf("merge answered incident %s, want the target %s", merged.ID, target.ID)
	}
	tgt, _ := e.srv.Incident(target.ID)
	src, _ := e.srv.Incident(source.ID)
	if tgt.Alerts != 3 || src.Alerts != 0 || src.Status != "resolved" || tgt.Status != "triggered" {
		t.Errorf("after the merge: target %d alerts (%s), source %d alerts (%s); want 3 open and 0 resolved",
			tgt.Alerts, tgt.Status, src.Alerts, src.Status)
	}
	rec := serve(e.srv, newRequest(t, "GET", "/incidents/"+source.ID, "Token token="+pdsim.DemoToken))
	var got struct {
		Incident struct {
			ResolveReason *struct {
				Type     string `json:"type"`
				Incident struct {
					ID string `json:"id"`
				} `json:"incident"`
			} `json:"resolve_reason"`
		} `json:"incident"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Incident.ResolveReason == nil ||
		got.Incident.ResolveReason.Type != "merge_resolve_reason" || got.Incident.ResolveReason.Incident.ID != target.ID {
		t.Errorf("the source's resolve_reason = %+v (%v), want a merge into %s", got.Incident.ResolveReason, err, target.ID)
	}
	rec = serve(e.srv, newRequest(t, "GET", "/incidents/"+target.ID, "Token token="+pdsim.DemoToken))
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Incident.ResolveReason != nil {
		t.Errorf("the open target has resolve_reason %+v, want null", got.Incident.ResolveReason)
	}

	created, err := e.client.CreateIncidentWithContext(ctx, pdsim.DemoUserEmail, &pd.CreateIncidentOptions{
		Title: "made by hand", Service: &pd.APIReference{ID: "PSV1CKO", Type: "service_reference"}})
	if err != nil {
		t.Fatal(err)
	}
	other := e.add(t, pdsim.IncidentSpec{Title: "other", Service: pdsim.ServiceSearch})
	_, err = e.client.MergeIncidentsWithContext(ctx, pdsim.DemoUserEmail, target.ID, ref(created.ID))
	apiError(t, err, 400, 2001) // an incident made through the API has no alerts
	_, err = e.client.MergeIncidentsWithContext(ctx, pdsim.DemoUserEmail, target.ID, ref(target.ID))
	apiError(t, err, 400, 2001)
	_, err = e.client.MergeIncidentsWithContext(ctx, pdsim.DemoUserEmail, target.ID, ref("QNOSUCH"))
	apiError(t, err, 404, 2100)
	_, err = e.client.MergeIncidentsWithContext(ctx, pdsim.DemoUserEmail, target.ID, []pd.MergeIncidentsOptions{{ID: other.ID, Type: "incident"}})
	apiError(t, err, 400, 2001)
	_, err = e.client.MergeIncidentsWithContext(ctx, pdsim.DemoUserEmail, source.ID, ref(other.ID))
	apiError(t, err, 400, 1001) // the target is resolved
	// The target holds 3 alerts; 998 more would pass the limit of 1000.
	storm := make([]pdsim.AlertSpec, 998)
	for i := range storm {
		storm[i].Summary = "edge 502s"
	}
	big := e.add(t, pdsim.IncidentSpec{Title: "storm", Service: pdsim.ServiceCDN, Alerts: storm})
	_, err = e.client.MergeIncidentsWithContext(ctx, pdsim.DemoUserEmail, target.ID, ref(big.ID))
	apiError(t, err, 400, 2001)
	if b, _ := e.srv.Incident(big.ID); b.Status != "triggered" || b.Alerts != 998 {
		t.Errorf("a refused merge changed the storm: %s with %d alerts", b.Status, b.Alerts)
	}
	if o, _ := e.srv.Incident(other.ID); o.Status != "triggered" || o.Alerts != 1 {
		t.Errorf("refused merges changed %s: %s with %d alerts", other.ID, o.Status, o.Alerts)
	}
	if rec := serve(e.srv, newRequest(t, "PUT", "/incidents/"+target.ID+"/merge", "Token token="+pdsim.DemoToken,
		`{"source_incidents":[]}`, "From", pdsim.DemoUserEmail)); rec.Code != http.StatusBadRequest {
		t.Errorf("merge of nothing = %d, want 400", rec.Code)
	}
}
