package postmortem

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin whatever the machine has installed

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/golden"
)

// ut reads a UTC time on 2026-03-05, a Thursday, and hands it over in New
// York's offset: the draft must not care which zone times arrive in.
func ut(hhmmss string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", "2026-03-05 "+hhmmss)
	if err != nil {
		panic(err)
	}
	return t.In(time.FixedZone("EST", -5*60*60))
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fullInput is a whole incident with every kind of fact the draft uses.
// Times are exact, so every metric below is known to the second:
//
//	16:50:00 first alert                        started
//	16:52:00 triggered, created                 detected   (TTD 120 s)
//	16:52:00 Jane paged (17:52 Berlin: inside working hours)
//	16:58:30 Jane acknowledges                  (TTA 390 s)
//	17:05:00 escalated; Ravi paged (18:05 Berlin: outside)
//	17:08:00 priority P3 -> P2
//	17:21:00 marked mitigated                   (TTM 1860 s)
//	17:31:00 resolved                           (TTR 2460 s)
//
// With an SLO of 99.9% over 28 days the budget is 2419.2 s, and the
// 1860 s of impact consume 76.88% of it. The review of a P2 resolved on a
// Thursday is due 5 business days later: Thursday 2026-03-12.
func fullInput(t testing.TB) Input {
	inc := incident.Incident{
		ID: "Q2ORDERS", Number: 4242, Title: "Orders API 5xx after deploy 4.12",
		Status: incident.Resolved, Urgency: incident.High, Priority: "P2",
		Service:          incident.Ref{ID: "PORD", Name: "orders-api"},
		EscalationPolicy: incident.Ref{ID: "PEP", Name: "Orders"},
		URL:              "https://acme.pagerduty.com/incidents/Q2ORDERS",
		CreatedAt:        ut("16:52:00"), ResolvedAt: ut("17:31:00"),
	}
	remote := []incident.Event{
		{ID: "A1", Kind: incident.KindAlert, At: ut("16:50:00"), Summary: "HTTP 5xx ratio 7.2% on POST /v2/orders (threshold 5%)", Origin: incident.Remote},
		{ID: "L1", Kind: incident.KindTrigger, At: ut("16:52:00"), Actor: "Datadog", Summary: "Triggered through the API.", Origin: incident.Remote},
		{ID: "L2", Kind: incident.KindAssign, At: ut("16:52:00"), Actor: "orders-api", Summary: "Assigned to Jane Doe.", Origin: incident.Remote},
		{ID: "L3", Kind: incident.KindNotify, At: ut("16:52:00"), Actor: "Jane Doe", Summary: "Notified Jane Doe by push notification.", Origin: incident.Remote},
		{ID: "L4", Kind: incident.KindAcknowledge, At: ut("16:58:30"), Actor: "Jane Doe", Summary: "Acknowledged by Jane Doe.", Origin: incident.Remote},
		{ID: "N1", Kind: incident.KindNote, At: ut("17:02:00"), Actor: "Jane Doe",
			Summary: "5xx started with deploy 4.12, see https://grafana.example.com/d/orders?from=now-1h.", Origin: incident.Remote},
		{ID: "L5", Kind: incident.KindEscalate, At: ut("17:05:00"), Actor: "Jane Doe", Summary: "Escalated to level 2 by Jane Doe.", Origin: incident.Remote},
		{ID: "L6", Kind: incident.KindAssign, At: ut("17:05:00"), Actor: "Orders", Summary: "Assigned to Ravi Kumar.", Origin: incident.Remote},
		{ID: "L7", Kind: incident.KindNotify, At: ut("17:05:00"), Actor: "Ravi Kumar", Summary: "Notified Ravi Kumar by phone call.", Origin: incident.Remote},
		{ID: "L8", Kind: incident.KindOther, At: ut("17:08:00"), Actor: "Jane Doe", Summary: "Priority changed from P3 to P2.", Origin: incident.Remote},
		// The decision's mirror on PagerDuty: Merge keeps the local copy.
		{ID: "N2", Kind: incident.KindNote, At: ut("17:10:01"), Actor: "Jane Doe", LocalID: "D1",
			Summary: "Decision: roll back orders-api to 4.11", Origin: incident.Remote},
		{ID: "N3", Kind: incident.KindNote, At: ut("17:20:00"), Actor: "Ravi Kumar", Summary: "Error rate back to baseline after the rollback", Origin: incident.Remote},
		{ID: "N4", Kind: incident.KindNote, At: ut("17:27:00"), Actor: "Jane Doe",
			Summary: "Ravi forgot to check the canary dashboard; human error", Origin: incident.Remote},
		{ID: "L9", Kind: incident.KindResolve, At: ut("17:31:00"), Actor: "Jane Doe", Summary: "Resolved by Jane Doe.", Origin: incident.Remote},
	}
	local := []incident.Event{
		{ID: "R1", Kind: incident.KindRole, At: ut("17:00:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"role": "incident commander", "person": "Jane Doe"}},
		// Refused by PagerDuty: not an escalation.
		{ID: "X1", Kind: incident.KindEscalate, At: ut("17:04:00"), Actor: "Ravi Kumar", Origin: incident.Local, State: incident.Failed,
			Summary: "Escalated to level 2", Error: "409 Conflict"},
		{ID: "R2", Kind: incident.KindRole, At: ut("17:06:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Queued,
			Fields: map[string]string{"role": "scribe", "person": "Ravi Kumar"}},
		{ID: "D1", Kind: incident.KindDecision, At: ut("17:10:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"what": "roll back orders-api to 4.11", "why": "the 5xx spike started with the 4.12 deploy", "who": "Ravi Kumar"}},
		{ID: "S1", Kind: incident.KindRunbookStep, At: ut("17:12:00"), Actor: "Ravi Kumar", Origin: incident.Local, State: incident.LocalOnly,
			Fields: map[string]string{"runbook": "orders-rollback", "step": "kubectl -n orders rollout undo deploy/orders-api", "step_key": "s2",
				"action": "copied", "command": "kubectl -n orders rollout undo deploy/orders-api"}},
		{ID: "S2", Kind: incident.KindRunbookStep, At: ut("17:13:00"), Actor: "Ravi Kumar", Origin: incident.Local, State: incident.LocalOnly,
			Fields: map[string]string{"runbook": "orders-rollback", "step": "Watch the 5xx ratio for five minutes", "step_key": "s3", "action": "done"}},
		{ID: "S3", Kind: incident.KindRunbookStep, At: ut("17:14:00"), Actor: "Ravi Kumar", Origin: incident.Local, State: incident.LocalOnly,
			Fields: map[string]string{"runbook": "orders-rollback", "step": "psql -c 'select 1' …", "step_key": "s4", "action": "copied",
				"command": "psql -c 'select 1' | grep `x`\nexit"}},
		{ID: "U1", Kind: incident.KindStatusUpdate, At: ut("17:15:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"message": "Orders API is failing ~7% of checkouts. Rolling back 4.12. Next update 17:45 UTC."}},
		{ID: "M1", Kind: incident.KindMitigated, At: ut("17:21:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent},
		{ID: "T1", Kind: incident.KindStar, At: ut("17:22:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.LocalOnly,
			Fields: map[string]string{"event_id": "N1"}},
		{ID: "T2", Kind: incident.KindStar, At: ut("17:22:10"), Actor: "Jane Doe", Origin: incident.Local, State: incident.LocalOnly,
			Fields: map[string]string{"event_id": "M1"}},
		{ID: "I1", Kind: incident.KindActionItem, At: ut("17:25:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"title": "Add a canary stage to orders-api deploys", "type": "prevent", "owner": "Ravi Kumar", "due": "2026-03-19"}},
		{ID: "I2", Kind: incident.KindActionItem, At: ut("17:26:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Queued,
			Fields: map[string]string{"title": "Investigate why the 4.12 tests passed", "type": "process"}},
		{ID: "U2", Kind: incident.KindStatusUpdate, At: ut("17:30:00"), Actor: "Jane Doe", Origin: incident.Local, State: incident.Sent,
			Fields: map[string]string{"message": "Resolved: the error rate is normal since 17:20 UTC."}},
	}
	return Input{
		Incident: inc,
		Timeline: incident.Merge(remote, local),
		Now:      ut("18:00:00"),
		SLOs:     map[string]SLO{"orders-api": {Target: 0.999, Window: 28 * 24 * time.Hour}},
		Location: mustZone(t, "Europe/Berlin"),
	}
}

func TestFullMarkdownGolden(t *testing.T) {
	got := renderMD(t, fullInput(t))
	golden.AssertString(t, "full.md.golden", got)
	checkStructure(t, got)
	for _, want := range []string{
		"- **Review meeting due:** 2026-03-12 (second severity: within 5 business days of resolution)\n",
		"in Europe/Berlin (UTC+01:00 when the incident started)",
		"- **Time at each priority:** P3 for 16m 0s (from 2026-03-05 16:52:00), then P2 for 23m 0s (from 2026-03-05 17:08:00)\n",
		"- **Error budget:** SLO 99.9% over 28 days: the window's budget is 40m 19s (2419.2 s); counting the whole impact as fully bad, this incident consumed 31m 0s (1860 s), **76.88%** of it\n",
		"| Mitigated | 2026-03-05 17:21:00 | marked mitigated by the incident commander |\n",
		"- **Time to detect:** 2m 0s (120 s; started to detected)\n",
		"- **Time to acknowledge:** 6m 30s (390 s; detected to acknowledged)\n",
		"- **Time to mitigate:** 31m 0s (1860 s; started to mitigated)\n",
		"- **Time to resolve:** 41m 0s (2460 s; started to resolved)\n",
		"- **Escalations:** 1\n",
		"- **People paged:** 2 (Jane Doe, Ravi Kumar)\n",
		"- **Pages:** 2, of which 1 outside working hours",
		"- incident commander: **Jane Doe** (from 2026-03-05 17:00:00 UTC)\n",
		"- scribe: **Ravi Kumar** (from 2026-03-05 17:06:00 UTC, assigned by Jane Doe)\n",
		"| 2026-03-05 17:02:00 | Jane Doe | ★ Note: 5xx started with deploy 4.12",
		"| 2026-03-05 17:21:00 | Jane Doe | ★ Marked mitigated: customer impact has stopped |\n",
		// Key moments: state changes, roles and decisions, in order.
		"| 2026-03-05 16:52:00 | Datadog | Triggered through the API. |\n| 2026-03-05 16:58:30 | Jane Doe | Acknowledged |\n" +
			"| 2026-03-05 17:00:00 | Jane Doe | Role: Jane Doe is incident commander |\n",
		"| 2026-03-05 17:10:00 | Jane Doe | Decision: roll back orders-api to 4.11",
		// Everything else, notifications folded by escalation step.
		"| 2026-03-05 16:52:00 | — | Notified at step 1: Jane Doe by push notification |  |\n",
		"| 2026-03-05 17:05:00 | — | Notified at step 2: Ravi Kumar by phone call |  |\n",
		"| 2026-03-05 16:50:00 | — | Alert: HTTP 5xx ratio 7.2% on POST /v2/orders (threshold 5%) | <https://acme.pagerduty.com/alerts/A1> |\n",
		"- **Mitigated:** 2026-03-05 17:21:00 UTC, by Jane Doe\n- **Resolved:** 2026-03-05 17:31:00 UTC, by Jane Doe\n",
		"The first alert, at 2026-03-05 16:50:00 UTC, was \"HTTP 5xx ratio 7.2% on POST /v2/orders (threshold 5%)\"; Datadog triggered the incident.",
		// Responders are people: not the integration, service or policy.
		"### Responders\n\n- **Jane Doe**: acknowledged,",
		"- **Ravi Kumar**: 1 notification, 1 note, 3 runbook steps, 1 action that failed to sync\n\n## Timeline",
		"| 2026-03-05 17:10:00 | roll back orders-api to 4.11 | the 5xx spike started with the 4.12 deploy | Ravi Kumar | Jane Doe |\n",
		"(command copied): `kubectl -n orders rollout undo deploy/orders-api`\n",
		"(command copied): `` psql -c 'select 1' | grep `x` `` _(and 1 more line)_\n\n## Lessons learned",
		"| Add a canary stage to orders-api deploys | prevent | Ravi Kumar | 2026-03-19 | _<ticket: link>_ |\n",
		"| Investigate why the 4.12 tests passed | process | _<owner: a person or team>_ | _<due: a date>_ | _<ticket: link>_ |\n",
		"- 2026-03-05 17:15:00 UTC, Jane Doe: Orders API is failing ~7% of checkouts.",
		"(person-subject)", "(blame-phrase)", "(open-ended)", "(no-owner)", "(no-due)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	// The star marks are not rows of their own; the failed escalation is a
	// row, marked, but not counted.
	for _, bad := range []string{"starred", "| Jane Doe | Note: Decision:", "Still open", "- **Datadog**", "- **Orders**", "- **orders-api**",
		"Notified Jane Doe", "Notified Ravi Kumar"} {
		if strings.Contains(got, bad) {
			t.Errorf("draft contains %q", bad)
		}
	}
}

func renderJSON(t testing.TB, in Input) string {
	t.Helper()
	var b bytes.Buffer
	if err := JSON(&b, in); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	return b.String()
}

func TestFullJSONGolden(t *testing.T) {
	got := renderJSON(t, fullInput(t))
	golden.AssertString(t, "full.json.golden", got)

	var r Report
	dec := json.NewDecoder(strings.NewReader(got))
	dec.DisallowUnknownFields() // the schema is the Report type
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	m := r.Metrics
	for _, c := range []struct {
		name string
		got  *int64
		want int64
	}{
		{"time_to_detect", m.TimeToDetect, 120},
		{"time_to_acknowledge", m.TimeToAcknowledge, 390},
		{"time_to_mitigate", m.TimeToMitigate, 1860},
		{"time_to_resolve", m.TimeToResolve, 2460},
		{"impact duration", r.Impact.DurationSeconds, 1860},
	} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %v, want %d", c.name, c.got, c.want)
		}
	}
	if m.Escalations != 1 || m.Pages != 2 || m.PagesOutsideWorkingHours != 1 || len(m.PeoplePaged) != 2 {
		t.Errorf("metrics = %+v", m)
	}
	eb := r.Impact.ErrorBudget
	if eb == nil || eb.BudgetSeconds != 2419.2 || eb.ConsumedSeconds != 1860 || eb.ConsumedPercent != 76.88 || eb.WindowSeconds != 2419200 {
		t.Errorf("error budget = %+v", eb)
	}
	if r.Review.Due != "2026-03-12" || r.Review.Severity != 2 {
		t.Errorf("review = %+v", r.Review)
	}
	if len(r.Decisions) != 1 || len(r.ActionItems) != 2 || len(r.Roles) != 2 || len(r.RunbookSteps) != 3 || len(r.Updates) != 2 {
		t.Errorf("sections: %d decisions, %d action items, %d roles, %d runbook steps, %d updates",
			len(r.Decisions), len(r.ActionItems), len(r.Roles), len(r.RunbookSteps), len(r.Updates))
	}
	if strings.Join(r.KeyMoments, ",") != "N1,M1" {
		t.Errorf("key moments = %v", r.KeyMoments)
	}
	if r.Incident.Open || r.Schema != SchemaVersion {
		t.Errorf("incident = %+v, schema %q", r.Incident, r.Schema)
	}
	// Markdown and JSON carry the same hints.
	md := renderMD(t, fullInput(t))
	for _, h := range r.Hints {
		if !strings.Contains(md, "("+h.Rule+")") {
			t.Errorf("hint %+v missing from the Markdown", h)
		}
	}
	if n := strings.Count(md, "\n- **") - strings.Count(md[:strings.Index(md, "## Review hints")], "\n- **"); n != len(r.Hints) {
		t.Errorf("Markdown has %d hints, JSON %d", n, len(r.Hints))
	}
}

func TestJSONOpenIncident(t *testing.T) {
	in := activeInput()
	var r Report
	if err := json.Unmarshal([]byte(renderJSON(t, in)), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Incident.Open || r.Incident.State != "acknowledged" || !r.Metrics.ResolvedAt.IsZero() || r.Metrics.TimeToResolve != nil {
		t.Errorf("open incident: %+v / %+v", r.Incident, r.Metrics)
	}
	if r.Impact.EndedBy != "ongoing" || r.Impact.DurationSeconds == nil || *r.Impact.DurationSeconds != 72*60 {
		t.Errorf("impact of an open incident = %+v", r.Impact)
	}
	if r.Review.Due != "" {
		t.Errorf("an open incident's review has a date: %+v", r.Review)
	}
}

func TestFullDraftIndependentOfZone(t *testing.T) {
	a := fullInput(t)
	b := fullInput(t)
	tokyo := time.FixedZone("JST", 9*60*60)
	b.Incident.CreatedAt = b.Incident.CreatedAt.In(tokyo)
	b.Incident.ResolvedAt = b.Incident.ResolvedAt.In(time.UTC)
	b.Now = b.Now.In(tokyo)
	for i := range b.Timeline {
		b.Timeline[i].At = b.Timeline[i].At.In(tokyo)
	}
	if ga, gb := renderMD(t, a), renderMD(t, b); ga != gb {
		t.Error("Markdown depends on the zone of its times")
	}
	if ga, gb := renderJSON(t, a), renderJSON(t, b); ga != gb {
		t.Error("JSON depends on the zone of its times")
	}
}

func TestDuplicatesDropped(t *testing.T) {
	in := fullInput(t)
	want := renderMD(t, in)
	// A poll that overlapped the last one, and a copy under another id.
	dup := in.Timeline[3]
	copyOf := in.Timeline[5]
	copyOf.ID = "other-id"
	in.Timeline = append(in.Timeline, dup)
	in.Timeline = append(incident.Timeline{copyOf}, in.Timeline...)
	if got := renderMD(t, in); got != want {
		t.Errorf("duplicates changed the draft:\n%s", got)
	}
}

// bigInput is the full incident stretched to 10,000 events, one a second.
func bigInput(b testing.TB) Input {
	in := fullInput(b)
	base := in.Timeline
	tl := make(incident.Timeline, 0, 10000)
	start := ut("16:50:00")
	for i := 0; len(tl) < 10000; i++ {
		e := base[i%len(base)]
		e.ID = e.ID + "-" + strconv.Itoa(i)
		e.At = start.Add(time.Duration(i) * time.Second)
		tl = append(tl, e)
	}
	in.Timeline = tl
	return in
}

func BenchmarkExport10000Events(b *testing.B) {
	in := bigInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Markdown(&bytes.Buffer{}, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportJSON10000Events(b *testing.B) {
	in := bigInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := JSON(&bytes.Buffer{}, in); err != nil {
			b.Fatal(err)
		}
	}
}
