package pdsim_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/incident/pdsim/internal/oapi"
)

// The reference is PagerDuty's OpenAPI document. It is not part of the
// project: tests read it from ONCALL_PD_REFERENCE, or from
// shared/reference/ beside the repository, and skip when it is absent.
const referenceFile = "pagerduty-rest-openapiv3.json"

// genericError is the error body every error response in the reference
// shares (components/responses/* point to it). An answer whose status the
// operation does not list is held to it.
const genericError = "#/components/responses/Conflict/content/application~1json/schema"

var (
	refOnce sync.Once
	refDoc  *oapi.Document
	refErr  error
	refPath string
)

func findReference() string {
	if p := os.Getenv("ONCALL_PD_REFERENCE"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "reference", referenceFile)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// erratum corrects one error in the reference document, with its reason.
// Each is a place where the document contradicts itself, so that no
// answer (PagerDuty's own included) could pass it; docs/pdsim.md lists
// them. Nothing else is relaxed.
type erratum struct {
	why   string
	apply func(d *oapi.Document) error
}

var errata = []erratum{
	{"Channel: its oneOf branches (NagiosChannel, APIChannel, EmailChannel, ...) leave type a free string, " +
		"so every channel matches several of them and a strict oneOf refuses every answer; the description " +
		"says the shape depends on channel[type], which is anyOf",
		func(d *oapi.Document) error {
			return d.Move("#/components/schemas/Channel/oneOf", "#/components/schemas/Channel/anyOf")
		}},
	{"AcknowledgeLogEntry: its type enum says acknowledgement_log_entry, but LogEntry's enum (which it " +
		"extends with allOf) says acknowledge_log_entry, so no entry can satisfy both",
		func(d *oapi.Document) error {
			return d.Set("#/components/schemas/AcknowledgeLogEntry/allOf/1/properties/type/enum", `["acknowledge_log_entry"]`)
		}},
	{"Incident resolved_at: its description says it is null if the incident is not resolved, but it is not nullable",
		func(d *oapi.Document) error {
			return d.Set("#/components/schemas/Incident/allOf/1/properties/resolved_at/nullable", "true")
		}},
	{"Incident resolve_reason: the document's own examples of incidents (GET /incidents, GET /incidents/{id}) " +
		"have \"resolve_reason\": null, but ResolveReason is not nullable",
		func(d *oapi.Document) error {
			return d.Set("#/components/schemas/ResolveReason/nullable", "true")
		}},
	{"Oncall start and end: their descriptions say null means a permanent on-call, but they are not nullable",
		func(d *oapi.Document) error {
			return errors.Join(d.Set("#/components/schemas/Oncall/properties/start/nullable", "true"),
				d.Set("#/components/schemas/Oncall/properties/end/nullable", "true"))
		}},
	{"Oncall schedule: a permanent on-call of a direct user target comes from no schedule (GET /oncalls, " +
		"schedule_ids[]: \"If null is provided in the array, it includes permanent on-calls due to direct " +
		"user escalation targets\"), but schedule is not nullable",
		func(d *oapi.Document) error {
			return d.Set("#/components/schemas/Oncall/properties/schedule/nullable", "true")
		}},
}

// reference loads the document once, with the errata applied, or skips.
func reference(t testing.TB) *oapi.Document {
	t.Helper()
	refOnce.Do(func() {
		refPath = findReference()
		if refPath == "" {
			return
		}
		if refDoc, refErr = oapi.Load(refPath); refErr != nil {
			return
		}
		for _, e := range errata {
			if err := e.apply(refDoc); err != nil {
				refErr = fmt.Errorf("erratum (%s): %w", e.why, err)
				return
			}
		}
	})
	switch {
	case refPath == "":
		t.Skip("PagerDuty's OpenAPI document is absent: set ONCALL_PD_REFERENCE to " + referenceFile +
			" or put it in shared/reference/ beside the repository")
	case refErr != nil:
		if errors.Is(refErr, os.ErrNotExist) {
			t.Skipf("PagerDuty's OpenAPI document is absent: %v", refErr)
		}
		t.Fatalf("load the reference: %v", refErr)
	}
	return refDoc
}

// answer is one raw HTTP answer.
type answer struct {
	status int
	ctype  string
	body   []byte
}

// do sends one request over real HTTP, with PagerDuty's headers, the demo
// token unless auth is false, and a From header on writes.
func do(t *testing.T, base, method, path, body string, auth bool, header ...string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	req.Header.Set("Content-Type", "application/json")
	if auth {
		req.Header.Set("Authorization", "Token token="+pdsim.DemoToken)
	}
	if method != http.MethodGet {
		req.Header.Set("From", pdsim.DemoUserEmail)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), b}
}

// checkAnswer validates an answer against the reference: a 2xx against
// the operation's documented response, an error against the operation's
// response for that status or, when it lists none, the generic error body.
func checkAnswer(t *testing.T, doc *oapi.Document, pattern string, a answer) {
	t.Helper()
	method, path, _ := strings.Cut(pattern, " ")
	if !strings.HasPrefix(a.ctype, "application/json") {
		t.Errorf("%s answered %d with Content-Type %q, want application/json", pattern, a.status, a.ctype)
	}
	err := doc.ValidateResponse(method, path, a.status, a.body)
	if errors.Is(err, oapi.ErrNoResponse) && a.status >= 400 {
		err = doc.Validate(genericError, a.body)
	}
	if err != nil {
		t.Errorf("%s answered %d, which breaks the reference's schema:\n%v\nbody: %.600s", pattern, a.status, err, a.body)
	}
}

// TestResponsesMatchReference drives every route of the simulator with
// realistic requests, then validates each answer, success or error,
// against PagerDuty's OpenAPI document. Every route must have at least
// one successful answer and one error answer checked; a route added
// without a case here fails the test.
func TestResponsesMatchReference(t *testing.T) {
	doc := reference(t)
	e := newEnv(t, nil)
	srv := e.srv
	id := func(key string) string {
		snap, ok := srv.IncidentByKey(key)
		if !ok {
			t.Fatalf("no demo incident %q", key)
		}
		return snap.ID
	}
	checkout, search, auth, cdn, notifications := id(pdsim.DemoCheckout), id(pdsim.DemoSearch), id(pdsim.DemoAuth),
		id(pdsim.DemoCDN), id(pdsim.DemoNotifications)

	type step struct {
		pattern, path, body string
		status              int
		header              []string // name, value
	}
	// In order: each write leaves the state the next read validates
	// (a snoozed incident, a merge, a created incident without alerts).
	steps := []step{
		{"GET /incidents", "/incidents?total=true&statuses[]=triggered&statuses[]=acknowledged&date_range=all", "", 200, nil},
		{"GET /incidents", "/incidents?statuses[]=bogus", "", 400, nil},
		{"GET /incidents/{id}", "/incidents/" + checkout + "?include[]=conference_bridge", "", 200, nil},
		{"GET /incidents/{id}", "/incidents/PNOSUCH", "", 404, nil},
		{"GET /incidents/{id}/alerts", "/incidents/" + checkout + "/alerts", "", 200, nil},
		{"GET /incidents/{id}/alerts", "/incidents/PNOSUCH/alerts", "", 404, nil},
		{"GET /incidents/{id}/notes", "/incidents/" + cdn + "/notes", "", 200, nil},
		{"GET /incidents/{id}/notes", "/incidents/PNOSUCH/notes", "", 404, nil},
		{"POST /incidents/{id}/notes", "/incidents/" + checkout + "/notes", `{"note":{"content":"Rolling back 4.12."}}`, 200, nil},
		{"POST /incidents/{id}/notes", "/incidents/" + checkout + "/notes", `{"note":{"content":"  "}}`, 400, nil},
		{"POST /incidents/{id}/status_updates", "/incidents/" + checkout + "/status_updates", `{"message":"Checkout errors are falling after the rollback."}`, 200, nil},
		{"POST /incidents/{id}/status_updates", "/incidents/" + checkout + "/status_updates", `{}`, 400, nil},
		{"POST /incidents/{id}/responder_requests", "/incidents/" + checkout + "/responder_requests",
			`{"requester_id":"` + pdsim.DemoUserID + `","message":"Need payments here","responder_request_targets":[{"responder_request_target":{"id":"PEP2PAY","type":"escalation_policy_reference"}}]}`, 200, nil},
		{"POST /incidents/{id}/responder_requests", "/incidents/" + checkout + "/responder_requests", `{"message":"who?"}`, 400, nil},
		{"POST /incidents/{id}/snooze", "/incidents/" + notifications + "/snooze", `{"duration":3600}`, 400, nil}, // triggered
		{"PUT /incidents/{id}", "/incidents/" + checkout, `{"incident":{"type":"incident_reference","status":"acknowledged"}}`, 200, nil},
		{"PUT /incidents/{id}", "/incidents/PNOSUCH", `{"incident":{"type":"incident_reference","status":"acknowledged"}}`, 404, nil},
		{"POST /incidents/{id}/snooze", "/incidents/" + checkout + "/snooze", `{"duration":3600}`, 201, nil},
		{"PUT /incidents", "/incidents", `{"incidents":[{"id":"` + auth + `","type":"incident_reference","status":"resolved"}]}`, 200, nil},
		{"PUT /incidents", "/incidents", `{"incidents":[]}`, 400, nil},
		{"PUT /incidents/{id}/merge", "/incidents/" + checkout + "/merge", `{"source_incidents":[{"id":"` + search + `","type":"incident_reference"}]}`, 200, nil},
		{"PUT /incidents/{id}/merge", "/incidents/" + checkout + "/merge", `{"source_incidents":[{"id":"` + checkout + `","type":"incident_reference"}]}`, 400, nil},
		{"POST /incidents", "/incidents", `{"incident":{"type":"incident","title":"Checkout: card form does not render in Safari",
			"service":{"id":"PSV1CKO","type":"service_reference"},"priority":{"id":"PRI2MB7","type":"priority_reference"},"urgency":"high",
			"incident_key":"safari-card-form","body":{"type":"incident_body","details":"Reported by support."},
			"conference_bridge":{"conference_number":"+1 415-555-1212,,,,1234#","conference_url":"https://meet.example.com/safari"}}}`, 201, nil},
		{"POST /incidents", "/incidents", `{"incident":{"type":"incident","title":"again","service":{"id":"PSV1CKO","type":"service_reference"},"incident_key":"safari-card-form"}}`, 400, nil},
		{"POST /incidents", "/incidents", `{"incident":{"type":"incident","title":"no service"}}`, 400, nil},
		// Let the scenario run out (escalations by timeout, resolutions by
		// the integration), so the logs hold every kind of entry it writes.
		{"", "", "", 0, nil},
		{"GET /incidents", "/incidents?date_range=all&limit=100", "", 200, nil},
		{"GET /incidents", "/incidents?time_zone=Asia/Tokyo&sort_by=created_at:desc&urgencies[]=high", "", 200, nil},
		{"GET /incidents/{id}/log_entries", "/incidents/" + cdn + "/log_entries?is_overview=true", "", 200, nil},
		{"GET /incidents/{id}/alerts", "/incidents/" + checkout + "/alerts?statuses[]=resolved&sort_by=created_at:desc", "", 200, nil},
		{"GET /incidents/{id}/log_entries", "/incidents/" + checkout + "/log_entries?total=true", "", 200, nil},
		{"GET /incidents/{id}/log_entries", "/incidents/" + search + "/log_entries?time_zone=Asia/Tokyo", "", 200, nil},
		{"GET /incidents/{id}/log_entries", "/incidents/PNOSUCH/log_entries", "", 404, nil},
		{"GET /log_entries", "/log_entries?limit=100&total=true", "", 200, nil},
		{"GET /log_entries", "/log_entries?limit=100&offset=100&time_zone=UTC", "", 200, nil},
		{"GET /log_entries", "/log_entries?since=yesterday", "", 400, nil},
		{"GET /teams", "/teams", "", 200, nil},
		{"GET /teams", "/teams?limit=101", "", 400, nil},
		{"GET /teams/{id}", "/teams/" + pdsim.TeamCheckout, "", 200, nil},
		{"GET /teams/{id}", "/teams/PNOSUCH", "", 404, nil},
		{"GET /teams/{id}/members", "/teams/" + pdsim.TeamCheckout + "/members", "", 200, nil},
		{"GET /teams/{id}/members", "/teams/PNOSUCH/members", "", 404, nil},
		{"GET /users/me", "/users/me", "", 200, nil},
		{"GET /users/me", "/users/me", "", 400, []string{"Accept", "application/vnd.pagerduty+json;version=1"}},
		{"GET /users", "/users?total=true", "", 200, nil},
		{"GET /users", "/users?offset=9999&limit=2", "", 400, nil},
		{"GET /users/{id}", "/users/" + pdsim.DemoUserID, "", 200, nil},
		{"GET /users/{id}", "/users/PNOSUCH", "", 404, nil},
		{"GET /services", "/services", "", 200, nil},
		{"GET /services", "/services?limit=x", "", 400, nil},
		{"GET /services/{id}", "/services/PSV1CKO", "", 200, nil},
		{"GET /services/{id}", "/services/" + pdsim.ServiceCheckout, "", 404, nil}, // by id only, not by name
		{"GET /escalation_policies", "/escalation_policies", "", 200, nil},
		{"GET /escalation_policies", "/escalation_policies?limit=-1", "", 400, nil},
		{"GET /escalation_policies/{id}", "/escalation_policies/PEP2PAY", "", 200, nil},
		{"GET /escalation_policies/{id}", "/escalation_policies/PNOSUCH", "", 404, nil},
		{"GET /priorities", "/priorities", "", 200, nil},
		{"GET /priorities", "/priorities?total=maybe", "", 400, nil},
		{"GET /oncalls", "/oncalls?total=true", "", 200, nil},
		{"GET /oncalls", "/oncalls?since=2026-03-08T00:00:00Z&until=2026-03-07T00:00:00Z", "", 400, nil},
	}

	ok, failed := map[string]bool{}, map[string]bool{}
	for _, st := range steps {
		if st.pattern == "" {
			e.clock.Advance(time.Hour)
			continue
		}
		method, _, _ := strings.Cut(st.pattern, " ")
		before := srv.Requests(st.pattern)
		a := do(t, e.url, method, st.path, st.body, true, st.header...)
		if a.status != st.status {
			t.Errorf("%s %s = %d, want %d: %.400s", method, st.path, a.status, st.status, a.body)
			continue
		}
		if srv.Requests(st.pattern) != before+1 {
			t.Fatalf("%s %s was not served by the route %q: fix the case", method, st.path, st.pattern)
		}
		checkAnswer(t, doc, st.pattern, a)
		if a.status < 300 {
			ok[st.pattern] = true
		} else {
			failed[st.pattern] = true
		}
	}

	// Without a token every route answers 401, in the reference's error shape.
	for _, pattern := range srv.Routes() {
		method, path, _ := strings.Cut(pattern, " ")
		a := do(t, e.url, method, strings.ReplaceAll(path, "{id}", checkout), `{}`, false)
		if a.status != http.StatusUnauthorized {
			t.Errorf("%s without a token = %d, want 401", pattern, a.status)
			continue
		}
		checkAnswer(t, doc, pattern, a)
	}

	// The created incident has a conference bridge: shown when asked for.
	created, found := srv.IncidentByKey("safari-card-form")
	if !found {
		t.Fatal("the created incident is not there")
	}
	a := do(t, e.url, "GET", "/incidents/"+created.ID+"?include[]=conference_bridge", "", true)
	if a.status != 200 || !strings.Contains(string(a.body), `"conference_bridge":{`) {
		t.Errorf("GET the created incident with its bridge = %d %.300s", a.status, a.body)
	}
	checkAnswer(t, doc, "GET /incidents/{id}", a)

	// Throttled and failing answers, on a read and a write.
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		srv.FailFor(status, time.Minute)
		for _, pattern := range []string{"GET /incidents", "POST /incidents/{id}/notes"} {
			method, path, _ := strings.Cut(pattern, " ")
			a := do(t, e.url, method, strings.ReplaceAll(path, "{id}", checkout), `{"note":{"content":"x"}}`, true)
			if a.status != status {
				t.Errorf("%s while failing with %d = %d", pattern, status, a.status)
				continue
			}
			checkAnswer(t, doc, pattern, a)
		}
		srv.FailFor(0, 0)
	}

	for _, pattern := range srv.Routes() {
		if !ok[pattern] {
			t.Errorf("route %s has no successful answer checked against the reference: add a case", pattern)
		}
		if !failed[pattern] {
			t.Errorf("route %s has no error answer (other than 401) checked against the reference: add a case", pattern)
		}
	}
	for p := range ok {
		if !slices.Contains(srv.Routes(), p) {
			t.Errorf("case for %s, which the server does not list", p)
		}
	}
}

// TestReferenceRefusesWrongShapes proves that the check has teeth: answers
// shaped the way a careless simulator would send them fail it.
func TestReferenceRefusesWrongShapes(t *testing.T) {
	doc := reference(t)
	bad := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"a role the reference does not list", "GET", "/users/{id}", 200,
			`{"user":{"id":"P1","type":"user","name":"A","email":"a@example.com","role":"manager"}}`},
		{"an escalation policy as a log entry's agent", "GET", "/log_entries", 200,
			`{"log_entries":[{"id":"R1","type":"escalate_log_entry","created_at":"2026-03-07T14:00:00Z","channel":{"type":"timeout"},
			"agent":{"id":"PEP1","type":"escalation_policy_reference"}}],"limit":25,"offset":0,"more":false,"total":null}`},
		{"a list without its array", "GET", "/oncalls", 200, `{"limit":25,"offset":0,"more":false,"total":null}`},
		{"an error code as a string", "GET", "/teams/{id}", 404, `{"error":{"message":"Not Found","code":"2100"}}`},
		{"a merge answering a full incident list", "PUT", "/incidents/{id}/merge", 200, `{"incidents":[]}`},
		{"a created incident with an unknown status", "POST", "/incidents", 201,
			`{"incident":{"id":"Q1","type":"incident","status":"open"}}`},
	}
	for _, tt := range bad {
		if err := doc.ValidateResponse(tt.method, tt.path, tt.status, []byte(tt.body)); err == nil {
			t.Errorf("%s: %s %s %d passed the reference", tt.name, tt.method, tt.path, tt.status)
		}
	}
}

// TestReferenceSkipsWhenAbsent: without the document the schema tests
// skip with a message that says how to provide it.
func TestReferenceSkipsWhenAbsent(t *testing.T) {
	if os.Getenv("ONCALL_PD_REFERENCE") != "" {
		t.Skip("ONCALL_PD_REFERENCE is set")
	}
	t.Setenv("ONCALL_PD_REFERENCE", filepath.Join(t.TempDir(), referenceFile))
	if got := findReference(); !strings.HasSuffix(got, referenceFile) {
		t.Fatalf("findReference = %q, want the environment's path", got)
	}
	_, err := oapi.Load(findReference())
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing reference = %v, want a not-exist error (the tests skip on it)", err)
	}
}
