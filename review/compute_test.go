package review

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
)

// The reviewed week: Monday 16 to Monday 23 November 2026, judged on the
// morning of the 23rd.
var (
	since = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	until = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	now   = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
)

func opts() Options { return Options{Since: since, Until: until, Now: now} }

// inc builds a resolved incident with its provider timeline: triggered at
// at, acknowledged after ack, resolved after res (0: left open), and one
// page per entry of pages (times after at).
func inc(id string, n int, title, svc string, at time.Time, ack, res time.Duration, pages ...time.Duration) Item {
	in := incident.Incident{ID: id, Number: n, Title: title, Service: incident.Ref{ID: "S" + strings.ToUpper(svc), Name: svc},
		CreatedAt: at, Status: incident.Triggered, Priority: "P3"}
	tl := incident.Timeline{{ID: id + "-t", Kind: incident.KindTrigger, At: at, Origin: incident.Remote}}
	for i, p := range pages {
		tl = append(tl, incident.Event{ID: id + "-n" + string(rune('a'+i)), Kind: incident.KindNotify, At: at.Add(p),
			Summary: "Notified Jane Doe by SMS.", Origin: incident.Remote})
	}
	if ack > 0 {
		in.Status = incident.Acknowledged
		tl = append(tl, incident.Event{ID: id + "-a", Kind: incident.KindAcknowledge, At: at.Add(ack), Origin: incident.Remote})
	}
	if res > 0 {
		in.Status, in.ResolvedAt = incident.Resolved, at.Add(res)
		tl = append(tl, incident.Event{ID: id + "-r", Kind: incident.KindResolve, At: at.Add(res), Origin: incident.Remote})
	}
	slices.SortStableFunc(tl, func(a, b incident.Event) int { return a.At.Compare(b.At) })
	return Item{Incident: in, Timeline: tl}
}

// TestPercentileNearestRank checks the nearest-rank method on data worked
// out by hand: rank = ceil(p/100 × n) in the sorted values.
func TestPercentileNearestRank(t *testing.T) {
	tests := []struct {
		name     string
		values   []int64
		p50, p90 int64
	}{
		// n=1: ceil(0.5)=1 and ceil(0.9)=1: the one value.
		{"n=1", []int64{42}, 42, 42},
		// n=2: ceil(1.0)=1 -> 10; ceil(1.8)=2 -> 20.
		{"n=2", []int64{20, 10}, 10, 20},
		// n=4, unsorted: 10 20 30 40; ceil(2.0)=2 -> 20; ceil(3.6)=4 -> 40.
		// (An interpolating median would say 25.)
		{"even", []int64{40, 10, 30, 20}, 20, 40},
		// n=10: ceil(5)=5 -> 5; ceil(9)=9 -> 9, not 10.
		{"ten", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 9},
		// ties: 5 5 5 7; ceil(2)=2 -> 5; ceil(3.6)=4 -> 7.
		{"ties", []int64{5, 7, 5, 5}, 5, 7},
		// ties across the median: 3 3 9 9 9; ceil(2.5)=3 -> 9; ceil(4.5)=5 -> 9.
		{"ties at the median", []int64{9, 3, 9, 3, 9}, 9, 9},
	}
	for _, tt := range tests {
		orig := slices.Clone(tt.values)
		p50, ok50 := Percentile(tt.values, 50)
		p90, ok90 := Percentile(tt.values, 90)
		if !ok50 || !ok90 || p50 != tt.p50 || p90 != tt.p90 {
			t.Errorf("%s: p50, p90 of %v = %d, %d; want %d, %d", tt.name, tt.values, p50, p90, tt.p50, tt.p90)
		}
		if !slices.Equal(orig, tt.values) {
			t.Errorf("%s: Percentile sorted its caller's slice", tt.name)
		}
	}
	if _, ok := Percentile(nil, 50); ok {
		t.Error("the percentile of no values exists")
	}
	s := stat(nil)
	if s.P50 != nil || s.P90 != nil || s.N != 0 {
		t.Errorf("stat(nil) = %+v, want nulls", s)
	}
}

// TestBucketsAcrossDSTAndWeekend reads hours in New York across the end of
// daylight saving time (1 November 2026, 02:00 EDT -> 01:00 EST) and a
// weekend. A fixed offset would put 13:30 UTC on the Monday at 09:30
// (business) instead of 08:30 EST (off-hours), and 11:30 UTC at 07:30
// instead of 06:30 (sleep).
func TestBucketsAcrossDSTAndWeekend(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database: ", err)
	}
	u := func(d, h, m int) time.Time { return time.Date(2026, 10, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		at   time.Time
		want string
	}{
		{u(30, 12, 59), "off_hours"}, // Fri 08:59 EDT
		{u(30, 13, 0), "business"},   // Fri 09:00 EDT
		{u(30, 21, 59), "business"},  // Fri 17:59 EDT
		{u(30, 22, 0), "off_hours"},  // Fri 18:00 EDT
		{u(31, 2, 0), "sleep"},       // Fri 22:00 EDT
		{u(31, 10, 59), "sleep"},     // Sat 06:59 EDT
		{u(31, 14, 0), "off_hours"},  // Sat 10:00 EDT: weekend
		{u(32, 3, 0), "sleep"},       // Sat 23:00 EDT
		{u(32, 5, 30), "sleep"},      // Sun 01:30 EDT, the first one
		{u(32, 6, 30), "sleep"},      // Sun 01:30 EST, the second one
		{u(32, 15, 0), "off_hours"},  // Sun 10:00 EST: weekend
		{u(33, 11, 30), "sleep"},     // Mon 06:30 EST
		{u(33, 12, 0), "off_hours"},  // Mon 07:00 EST
		{u(33, 13, 30), "off_hours"}, // Mon 08:30 EST
		{u(33, 14, 0), "business"},   // Mon 09:00 EST
		{u(33, 22, 59), "business"},  // Mon 17:59 EST
		{u(33, 23, 0), "off_hours"},  // Mon 18:00 EST
		{u(34, 3, 0), "sleep"},       // Mon 22:00 EST
		{u(34, 2, 59), "off_hours"},  // Mon 21:59 EST
	}
	for _, tt := range tests {
		if got := Bucket(tt.at, ny, DefaultWork, DefaultSleep); got != tt.want {
			t.Errorf("%s (%s) = %s, want %s", tt.at.Format(time.RFC3339), tt.at.In(ny).Format("Mon 15:04 MST"), got, tt.want)
		}
	}

	// The same pages through Compute: per bucket, per responder, per
	// service and by hour of day, all in the team's zone.
	o := Options{Since: u(26, 0, 0), Until: u(35, 0, 0), Now: u(35, 0, 0), Location: ny}
	var offsets []time.Duration
	start := u(30, 12, 0)
	for _, tt := range tests {
		offsets = append(offsets, tt.at.Sub(start))
	}
	item := inc("P1", 1, "pages", "checkout", start, 0, 0, offsets...)
	r := Compute(Data{Incidents: []Item{item}}, o)
	want := Buckets{}
	for _, tt := range tests {
		want.add(tt.want)
	}
	if r.PagesByHours != want || r.LoadByResponder["Jane Doe"] != want || r.LoadByService["checkout"] != want {
		t.Errorf("Compute: pages %+v, Jane %+v, checkout %+v; want %+v each", r.PagesByHours, r.LoadByResponder["Jane Doe"], r.LoadByService["checkout"], want)
	}
	// Both 01:30s (EDT and EST) land in hour 1.
	if r.PagesByHourOfDay[1] != 2 || r.PagesByHourOfDay[9] != 2 {
		t.Errorf("pages at 01:xx = %d, 09:xx = %d; want 2 and 2 (hours read in New York)", r.PagesByHourOfDay[1], r.PagesByHourOfDay[9])
	}
	if r.IncidentsByHours.OffHours != 1 || r.IncidentsByHours.Total() != 1 { // created Fri 08:00 EDT
		t.Errorf("incidents by hours = %+v, want one off-hours", r.IncidentsByHours)
	}
	// Configured hours: a 08:00-16:00 day and 23:00-06:00 nights.
	if got := Bucket(u(30, 12, 30), ny, Span{At(8, 0), At(16, 0)}, Span{At(23, 0), At(6, 0)}); got != "business" {
		t.Errorf("Fri 08:30 EDT with an 08:00 start = %s, want business", got)
	}
	if got := Bucket(u(31, 2, 30), ny, Span{At(8, 0), At(16, 0)}, Span{At(23, 0), At(6, 0)}); got != "off_hours" {
		t.Errorf("Fri 22:30 EDT with 23:00 nights = %s, want off_hours", got)
	}
}

// TestNumbersAndServices: percentiles of time to acknowledge, mitigate and
// resolve over the period only, per service against the previous period.
func TestNumbersAndServices(t *testing.T) {
	d := Data{
		Incidents: []Item{
			inc("P1", 1, "a", "checkout", since.Add(1*time.Hour), 2*time.Minute, 30*time.Minute),
			inc("P2", 2, "b", "checkout", since.Add(26*time.Hour), 4*time.Minute, 90*time.Minute),
			inc("P3", 3, "c", "search", since.Add(50*time.Hour), 10*time.Minute, 0),
			// Outside the period: ignored even if handed in.
			inc("P9", 9, "z", "search", until.Add(time.Hour), time.Minute, time.Hour),
		},
		Earlier: []incident.Incident{
			{ID: "E1", Number: 0, Service: incident.Ref{ID: "SSEARCH", Name: "search"}, CreatedAt: since.Add(-time.Hour)},
			{ID: "E2", Service: incident.Ref{ID: "SSEARCH", Name: "search"}, CreatedAt: since.Add(-2 * time.Hour)},
			{ID: "E3", Service: incident.Ref{ID: "SAUTH", Name: "auth"}, CreatedAt: since.Add(-3 * time.Hour)},
			// Before the previous period: not counted.
			{ID: "E4", Service: incident.Ref{ID: "SAUTH", Name: "auth"}, CreatedAt: since.Add(-8 * 24 * time.Hour)},
		},
	}
	// P2 was marked mitigated 20 minutes in.
	d.Incidents[1].Timeline = append(d.Incidents[1].Timeline, incident.Event{ID: "m", Kind: incident.KindMitigated,
		At: d.Incidents[1].Incident.CreatedAt.Add(20 * time.Minute), Origin: incident.Local, State: incident.Sent})
	r := Compute(d, opts())
	if r.Incidents != 3 || r.PreviousIncidents != 3 {
		t.Fatalf("incidents %d, previous %d; want 3 and 3", r.Incidents, r.PreviousIncidents)
	}
	// TTA 120, 240, 600: p50 rank 2 = 240, p90 rank 3 = 600.
	if *r.TTA.P50 != 240 || *r.TTA.P90 != 600 || r.TTA.N != 3 {
		t.Errorf("TTA = %d/%d/%d", *r.TTA.P50, *r.TTA.P90, r.TTA.N)
	}
	// TTR 1800, 5400 (P3 is open): p50 rank 1 = 1800, p90 rank 2 = 5400.
	if *r.TTR.P50 != 1800 || *r.TTR.P90 != 5400 || r.TTR.N != 2 {
		t.Errorf("TTR = %d/%d/%d", *r.TTR.P50, *r.TTR.P90, r.TTR.N)
	}
	if r.TTM.N != 1 || *r.TTM.P50 != 1200 {
		t.Errorf("TTM = %+v, want one of 1200s", r.TTM)
	}
	co, se, au := r.ByService["checkout"], r.ByService["search"], r.ByService["auth"]
	if co.Incidents != 2 || co.Previous != 0 || co.Change != 2 || co.ChangePercent != nil || *co.TTR.P90 != 5400 {
		t.Errorf("checkout = %+v", co)
	}
	if se.Incidents != 1 || se.Previous != 2 || se.Change != -1 || *se.ChangePercent != -50 {
		t.Errorf("search = %+v", se)
	}
	if au.Incidents != 0 || au.Previous != 1 || *au.ChangePercent != -100 {
		t.Errorf("auth = %+v", au)
	}
	if len(r.PerDay) != 7 || r.PerDay[0].Incidents != 1 || r.PerDay[1].Incidents != 1 || r.PerDay[2].Incidents != 1 || r.PerDay[6].Date != "2026-11-22" {
		t.Errorf("per day = %+v", r.PerDay)
	}
}

// TestRepeats: the same service with a similar title, in the period or
// the 30 days before, is a repeat; another service, another failure, or
// older than 30 days is not. Earlier drafts are linked.
func TestRepeats(t *testing.T) {
	ref := func(id string, n int, title, svc string, at time.Time) incident.Incident {
		return incident.Incident{ID: id, Number: n, Title: title, Service: incident.Ref{ID: "S" + strings.ToUpper(svc), Name: svc}, CreatedAt: at, Status: incident.Resolved}
	}
	d := Data{
		Incidents: []Item{
			inc("P1", 101, "High latency on checkout-api (pod 7f3a)", "checkout", since.Add(time.Hour), time.Minute, time.Hour),
			inc("P2", 102, "Disk full on search-db-3", "search", since.Add(2*time.Hour), time.Minute, time.Hour),
			inc("P3", 103, "HIGH LATENCY on checkout-api (pod 0000)", "checkout", since.Add(3*time.Hour), time.Minute, time.Hour),
		},
		Earlier: []incident.Incident{
			ref("E1", 90, "High latency on checkout-api (pod 91bc)", "checkout", since.Add(-10*24*time.Hour)),
			ref("E2", 91, "High latency on checkout-api (pod 91bc)", "payments", since.Add(-9*24*time.Hour)), // other service
			ref("E3", 80, "High latency on checkout-api", "checkout", since.Add(-31*24*time.Hour)),           // too old
			ref("E4", 92, "Certificate expires soon", "checkout", since.Add(-5*24*time.Hour)),                // other failure
		},
		Drafts: []Draft{{Path: "pm/2026-11-06-90-high-latency.md", Number: 90, Version: 1}},
	}
	r := Compute(d, opts())
	if len(r.Repeats) != 2 {
		t.Fatalf("repeats = %+v, want #101 and #103", r.Repeats)
	}
	first, second := r.Repeats[0], r.Repeats[1]
	if first.EarlierCount != 1 || second.EarlierCount != 2 {
		t.Errorf("earlier counts = %d, %d; want 1 and 2", first.EarlierCount, second.EarlierCount)
	}
	if first.Incident.Number != 101 || len(first.Earlier) != 1 || first.Earlier[0].Number != 90 || first.Earlier[0].Draft != "pm/2026-11-06-90-high-latency.md" {
		t.Errorf("first repeat = %+v", first)
	}
	// #103 repeats #101 (in the period) and #90, newest first.
	if second.Incident.Number != 103 || len(second.Earlier) != 2 || second.Earlier[0].Number != 101 || second.Earlier[1].Number != 90 {
		t.Errorf("second repeat = %+v", second)
	}
	for _, a := range r.Agenda {
		if a.Repeat != (a.Incident.Number != 102) {
			t.Errorf("agenda #%d repeat = %v", a.Incident.Number, a.Repeat)
		}
	}
	if similar("Disk full on search-db-3", "Disk full on search-db-4") != true || similar("Disk full", "Memory full on search") {
		t.Error("similar: numbers must not count, different failures must not match")
	}
}

// TestFollowUpStates replays action items through their updates with a
// fixed clock (Monday 23 November, 10:00 UTC).
func TestFollowUpStates(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	item := func(id string, at time.Time, title, owner, due string) incident.Event {
		f := map[string]string{incident.FieldTitle: title, incident.FieldOwner: owner, incident.FieldType: "prevent"}
		if due != "" {
			f[incident.FieldDue] = due
		}
		return incident.Event{ID: id, Kind: incident.KindActionItem, At: at, Origin: incident.Local, State: incident.Sent, Fields: f}
	}
	upd := func(id, of string, at time.Time, change string, extra ...string) incident.Event {
		f := map[string]string{incident.FieldItem: of, incident.FieldChange: change}
		for i := 0; i+1 < len(extra); i += 2 {
			f[extra[i]] = extra[i+1]
		}
		return incident.Event{ID: id, Kind: incident.KindItemUpdate, At: at, Origin: incident.Local, State: incident.Sent, Fields: f}
	}
	period := inc("P1", 1, "checkout down", "checkout", day(17), time.Minute, time.Hour)
	period.Timeline = append(period.Timeline,
		item("open", day(17), "add a canary", "Priya", "2026-11-30"),
		item("late", day(17), "alert on timeouts", "Ravi", "2026-11-20"),
		item("today", day(17), "due today", "Ravi", "2026-11-23"),
		item("done", day(17), "fix retries", "Yuki", "2026-11-22"),
		upd("u1", "done", day(19), incident.ChangeDone),
		item("noone", day(17), "write the runbook", "", "2026-12-01"),
		item("nodue", day(17), "ask the vendor", "Jane", ""),
		item("gone", day(17), "duplicate", "Jane", "2026-11-25"),
		upd("u2", "gone", day(18), incident.ChangeCancelled),
		item("moved", day(17), "rotate keys", "Jane", "2026-11-15"),
		upd("u3", "moved", day(18), incident.ChangeExtended, incident.FieldDue, "2026-12-01"),
		item("again", day(17), "tune the pool", "Jane", "2026-11-21"),
		upd("u4", "again", day(18), incident.ChangeDone),
		upd("u5", "again", day(20), incident.ChangeReopened),
		item("review", day(22), "raised in the review", "Jane", "2026-12-10"),
		// After the review began: not yet.
		item("future", now.Add(time.Hour), "later", "Jane", "2026-12-10"),
	)
	period.Timeline[len(period.Timeline)-2].Fields[incident.FieldContext] = incident.ContextReview
	// A teammate's copy of "open" (read back from PagerDuty) and their
	// update marking "late" linked to a ticket: each counts once.
	period.Timeline = append(period.Timeline,
		incident.Event{ID: "PDNOTE1", LocalID: "open", Kind: incident.KindActionItem, At: day(17).Add(time.Second), Origin: incident.Remote,
			Fields: map[string]string{incident.FieldTitle: "add a canary", incident.FieldOwner: "Priya", incident.FieldDue: "2026-11-30"}},
		incident.Event{ID: "PDNOTE2", LocalID: "u6", Kind: incident.KindItemUpdate, At: day(21), Origin: incident.Remote,
			Fields: map[string]string{incident.FieldItem: "late", incident.FieldChange: incident.ChangeLinked, incident.FieldTicket: "https://tickets.example/OPS-7"}},
	)
	slices.SortStableFunc(period.Timeline, func(a, b incident.Event) int { return a.At.Compare(b.At) })
	d := Data{
		Incidents: []Item{period},
		Earlier:   []incident.Incident{{ID: "P0", Number: 7, Title: "old", CreatedAt: day(1)}},
		Local: map[string][]incident.Event{
			"P0": {
				item("old-open", day(2), "old but open", "Ravi", "2026-11-10"),
				item("old-done", day(2), "closed before", "Ravi", "2026-11-10"),
				upd("u7", "old-done", day(5), incident.ChangeDone),
				item("old-late-done", day(2), "closed during", "Ravi", "2026-11-10"),
				upd("u8", "old-late-done", day(18), incident.ChangeDone),
				// Refused by PagerDuty: not part of the record.
				{ID: "failed", Kind: incident.KindActionItem, At: day(18), Origin: incident.Local, State: incident.Failed,
					Fields: map[string]string{incident.FieldTitle: "x", incident.FieldOwner: "y"}},
			},
		},
	}
	r := Compute(d, opts())
	f := r.FollowUps
	got := map[string]string{}
	for _, it := range f.Items {
		got[it.ID] = it.State
	}
	want := map[string]string{
		"open": StateOpen, "late": StateOverdue, "today": StateOpen, "done": StateDone, "noone": StateNoOwnerOrDue,
		"nodue": StateNoOwnerOrDue, "gone": StateCancelled, "moved": StateOpen, "again": StateOverdue, "review": StateOpen,
		"old-open": StateOverdue, "old-late-done": StateDone,
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q", id, got[id], w)
		}
	}
	if len(got) != len(want) || len(f.Items) != len(want) {
		t.Errorf("items %v, want exactly %v", got, want)
	}
	if f.Done != 2 || f.Open != 4 || f.Overdue != 3 || f.NoOwnerOrDue != 2 || f.Cancelled != 1 {
		t.Errorf("counts = %+v", f)
	}
	// 2 done of 11 that count (the cancelled one does not): 0.1818.
	if f.CompletionRate == nil || *f.CompletionRate != 0.1818 {
		t.Errorf("completion rate = %v, want 0.1818", f.CompletionRate)
	}
	// Overdue first, earliest due first.
	if f.Items[0].ID != "old-open" || f.Items[1].ID != "late" || f.Items[2].ID != "again" {
		t.Errorf("first items = %s, %s, %s; want the overdue ones by due", f.Items[0].ID, f.Items[1].ID, f.Items[2].ID)
	}
	for _, it := range f.Items {
		switch it.ID {
		case "late":
			if it.Ticket != "https://tickets.example/OPS-7" {
				t.Errorf("late's ticket = %q", it.Ticket)
			}
		case "moved":
			if it.Due != "2026-12-01" {
				t.Errorf("moved's due = %q", it.Due)
			}
		case "review":
			if !it.InReview {
				t.Error("the review's follow-up is not marked so")
			}
		case "old-open":
			if it.Incident.Number != 7 {
				t.Errorf("old-open's incident = %+v", it.Incident)
			}
		}
	}
}

// TestErrorBudgets prices a 99.9% SLO over 28 days (2419.2 s of budget):
// the period's incident consumed 1200 s; an earlier one inside the window
// 600 s more; one outside the window and one on another service nothing.
func TestErrorBudgets(t *testing.T) {
	o := opts()
	o.SLOs = map[string]postmortem.SLO{"checkout": {Target: 0.999, Window: 28 * 24 * time.Hour}, "bad": {Target: 99.9, Window: time.Hour}}
	earlier := func(id, svc string, at time.Time, d time.Duration) incident.Incident {
		return incident.Incident{ID: id, Service: incident.Ref{ID: "S" + strings.ToUpper(svc), Name: svc}, CreatedAt: at,
			Status: incident.Resolved, ResolvedAt: at.Add(d)}
	}
	d := Data{
		Incidents: []Item{
			inc("P1", 1, "a", "checkout", since.Add(time.Hour), time.Minute, 20*time.Minute),
			inc("P2", 2, "b", "search", since.Add(time.Hour), time.Minute, 5*time.Hour),
		},
		Earlier: []incident.Incident{
			earlier("E1", "checkout", until.Add(-10*24*time.Hour), 10*time.Minute),
			earlier("E2", "checkout", until.Add(-30*24*time.Hour), 10*time.Hour),
		},
	}
	r := Compute(d, o)
	if len(r.ErrorBudgets) != 1 {
		t.Fatalf("budgets = %+v, want checkout's only (the 99.9 target is not a fraction)", r.ErrorBudgets)
	}
	b := r.ErrorBudgets[0]
	if b.Service != "checkout" || b.BudgetSeconds != 2419.2 || b.Incidents != 1 || b.ConsumedSeconds != 1200 || b.ConsumedPercent != 49.6 {
		t.Errorf("period: %+v", b)
	}
	// 2419.2 - 1800 = 619.2 left, 25.6%.
	if b.WindowConsumedSeconds != 1800 || b.RemainingSeconds != 619.2 || b.RemainingPercent != 25.6 {
		t.Errorf("window: %+v", b)
	}
	// The agenda ranks by budget consumed: the checkout incident first,
	// though the search one lasted longer.
	if r.Agenda[0].Incident.ID != "P1" || r.Agenda[0].BudgetPercent != 49.6 {
		t.Errorf("agenda = %+v", r.Agenda)
	}
}

// TestAgendaOrder: priority first (P1 before P2 before none), then budget,
// then duration.
func TestAgendaOrder(t *testing.T) {
	a := inc("A", 1, "a", "x", since.Add(time.Hour), time.Minute, 10*time.Minute)
	b := inc("B", 2, "b", "x", since.Add(2*time.Hour), time.Minute, 5*time.Hour)
	c := inc("C", 3, "c", "x", since.Add(3*time.Hour), time.Minute, time.Hour)
	e := inc("E", 5, "e", "x", since.Add(4*time.Hour), time.Minute, 3*time.Hour)
	a.Incident.Priority, b.Incident.Priority, c.Incident.Priority, e.Incident.Priority = "P2", "", "P1", "P2"
	r := Compute(Data{Incidents: []Item{a, b, c, e}}, opts())
	var got []string
	for _, it := range r.Agenda {
		got = append(got, it.Incident.ID)
	}
	if !slices.Equal(got, []string{"C", "E", "A", "B"}) {
		t.Errorf("agenda order = %v, want C (P1), E then A (P2, longer first), B (no priority)", got)
	}
	o := opts()
	o.AgendaLimit = 2
	if n := len(Compute(Data{Incidents: []Item{a, b, c, e}}, o).Agenda); n != 2 {
		t.Errorf("agenda limit 2 gave %d", n)
	}
}

// TestJSONKeys: the keys the JSON promises are there, with their shapes,
// and every key the JSON has is documented in README.md.
func TestJSONKeys(t *testing.T) {
	r := sampleReport(t)
	var b strings.Builder
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	has := func(m map[string]any, path string, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s has no %q", path, k)
			}
		}
	}
	has(doc, "top", "period", "incidents", "tta_seconds", "ttr_seconds", "by_service", "pages_by_hours", "repeats", "follow_ups", "error_budgets", "agenda")
	has(doc["period"].(map[string]any), "period", "since", "until")
	has(doc["tta_seconds"].(map[string]any), "tta_seconds", "p50", "p90", "n")
	has(doc["ttr_seconds"].(map[string]any), "ttr_seconds", "p50", "p90", "n")
	has(doc["pages_by_hours"].(map[string]any), "pages_by_hours", "business", "off_hours", "sleep")
	has(doc["follow_ups"].(map[string]any), "follow_ups", "done", "open", "overdue", "completion_rate")
	for name, v := range doc["by_service"].(map[string]any) {
		has(v.(map[string]any), "by_service."+name, "incidents", "tta_seconds", "ttr_seconds")
	}
	if n, ok := doc["incidents"].(float64); !ok || int(n) != r.Incidents {
		t.Errorf("incidents = %v, want the count %d", doc["incidents"], r.Incidents)
	}

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Skip("README.md not found: ", err)
	}
	keys := map[string]bool{}
	var walk func(v any, mapOfNames bool)
	walk = func(v any, names bool) {
		switch v := v.(type) {
		case map[string]any:
			for k, sub := range v {
				if !names {
					keys[k] = true
				}
				// by_service and the load maps are keyed by names, not schema.
				walk(sub, !names && (k == "by_service" || k == "load_by_responder" || k == "load_by_service"))
			}
		case []any:
			for _, sub := range v {
				walk(sub, false)
			}
		}
	}
	walk(doc, false)
	var missing []string
	for k := range keys {
		if !strings.Contains(string(readme), "`"+k+"`") {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("README.md does not document these review JSON keys: %v", missing)
	}
}

// TestRepeatsListTheNewestFive: a title seen eight times before lists the
// newest five earlier incidents and counts all eight.
func TestRepeatsListTheNewestFive(t *testing.T) {
	var d Data
	for i := range 8 {
		d.Earlier = append(d.Earlier, incident.Incident{ID: fmt.Sprintf("E%d", i), Number: 10 + i, Title: "Queue backlog on worker-7",
			Service: incident.Ref{ID: "SW", Name: "worker"}, CreatedAt: since.Add(-time.Duration(20-i) * 24 * time.Hour)})
	}
	d.Incidents = []Item{inc("P1", 100, "Queue backlog on worker-3", "w", since.Add(time.Hour), time.Minute, time.Hour)}
	d.Incidents[0].Incident.Service = incident.Ref{ID: "SW", Name: "worker"}
	r := Compute(d, opts())
	if len(r.Repeats) != 1 {
		t.Fatalf("repeats = %+v", r.Repeats)
	}
	rp := r.Repeats[0]
	var nums []int
	for _, e := range rp.Earlier {
		nums = append(nums, e.Number)
	}
	if rp.EarlierCount != 8 || !slices.Equal(nums, []int{17, 16, 15, 14, 13}) {
		t.Errorf("earlier = %v (count %d), want the newest five of 8", nums, rp.EarlierCount)
	}
	var b strings.Builder
	if err := Markdown(&b, r); err != nil || !strings.Contains(b.String(), "#13 Queue backlog on worker-7 (2026-10-30); and 3 earlier") {
		t.Errorf("Markdown does not count the rest (%v):\n%s", err, b.String())
	}
}

// BenchmarkCompute10k is Compute alone over 10,000 incidents on ten
// services with few distinct titles, as a noisy month looks.
func BenchmarkCompute10k(b *testing.B) {
	o := Options{Since: since.Add(-21 * 24 * time.Hour), Until: until, Now: now}
	var d Data
	for i := range 10000 {
		at := o.Since.Add(time.Duration(i) * 3 * time.Minute)
		it := inc(fmt.Sprintf("P%05d", i), i+1, fmt.Sprintf("Latency high on node-%d (%s)", i%97, []string{"api", "db", "queue"}[i%3]),
			fmt.Sprintf("svc%d", i%10), at, time.Duration(1+i%15)*time.Minute, time.Duration(10+i%170)*time.Minute, time.Minute, 2*time.Minute)
		d.Incidents = append(d.Incidents, it)
	}
	for b.Loop() {
		_ = Compute(d, o)
	}
}

// TestMinutes: decisions and follow-ups with the review's context, from
// the period's start to the time of writing, each once; others are not
// minutes.
func TestMinutes(t *testing.T) {
	ev := func(id string, k incident.Kind, at time.Time, review bool, f ...string) incident.Event {
		fields := map[string]string{}
		for i := 0; i+1 < len(f); i += 2 {
			fields[f[i]] = f[i+1]
		}
		if review {
			fields[incident.FieldContext] = incident.ContextReview
		}
		return incident.Event{ID: id, Kind: k, At: at, Origin: incident.Local, State: incident.Sent, Fields: fields}
	}
	it := inc("P1", 1, "a", "x", since.Add(time.Hour), time.Minute, time.Hour)
	it.Timeline = append(it.Timeline,
		ev("d1", incident.KindDecision, now.Add(-time.Hour), true, incident.FieldWhat, "retire it"),
		ev("d2", incident.KindDecision, since.Add(2*time.Hour), false, incident.FieldWhat, "during the incident"),
		ev("f1", incident.KindActionItem, now.Add(-30*time.Minute), true, incident.FieldTitle, "load-test", incident.FieldOwner, "ops"),
		ev("d3", incident.KindDecision, now.Add(time.Hour), true, incident.FieldWhat, "later"),
	)
	d := Data{Incidents: []Item{it}, Local: map[string][]incident.Event{
		"P1":  {ev("d1", incident.KindDecision, now.Add(-time.Hour), true, incident.FieldWhat, "retire it")},
		"OLD": {ev("d0", incident.KindDecision, since.Add(-time.Hour), true, incident.FieldWhat, "before the period")},
	}}
	r := Compute(d, opts())
	if len(r.Minutes) != 2 || r.Minutes[0].Text != "Decision: retire it" || r.Minutes[1].Kind != "action_item" || r.Minutes[0].Incident.Number != 1 {
		t.Errorf("minutes = %+v", r.Minutes)
	}
}
