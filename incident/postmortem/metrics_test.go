package postmortem

import (
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestResponseMetrics(t *testing.T) {
	t0 := d("2026-03-05 10:00")
	ev := func(k incident.Kind, min int, st incident.SyncState) incident.Event {
		return incident.Event{Kind: k, At: t0.Add(time.Duration(min) * time.Minute), State: st, Origin: incident.Remote}
	}
	i64 := func(n int64) *int64 { return &n }
	type want struct {
		tta, ttm, ttr, ttd, impact *int64
		endedBy                    string
	}
	for _, c := range []struct {
		name   string
		inc    incident.Incident
		events []incident.Event
		now    time.Time
		want   want
	}{
		{"all milestones",
			incident.Incident{Status: incident.Resolved, CreatedAt: t0.Add(2 * time.Minute), ResolvedAt: t0.Add(60 * time.Minute)},
			[]incident.Event{ev(incident.KindAlert, 0, ""), ev(incident.KindAcknowledge, 5, ""), ev(incident.KindMitigated, 30, incident.Sent)},
			time.Time{},
			want{tta: i64(180), ttm: i64(1800), ttr: i64(3600), ttd: i64(120), impact: i64(1800), endedBy: "mitigated"}},
		{"no mitigation mark: impact runs to resolution",
			incident.Incident{Status: incident.Resolved, CreatedAt: t0, ResolvedAt: t0.Add(45 * time.Minute)},
			[]incident.Event{ev(incident.KindAcknowledge, 1, "")},
			time.Time{},
			want{tta: i64(60), ttr: i64(2700), ttd: i64(0), impact: i64(2700), endedBy: "resolved"}},
		{"failed acknowledge is not an acknowledgement",
			incident.Incident{Status: incident.Resolved, CreatedAt: t0, ResolvedAt: t0.Add(10 * time.Minute)},
			[]incident.Event{ev(incident.KindAcknowledge, 1, incident.Failed), ev(incident.KindAcknowledge, 3, "")},
			time.Time{},
			want{tta: i64(180), ttr: i64(600), ttd: i64(0), impact: i64(600), endedBy: "resolved"}},
		{"alert grouped after creation does not move the start",
			incident.Incident{Status: incident.Resolved, CreatedAt: t0, ResolvedAt: t0.Add(10 * time.Minute)},
			[]incident.Event{ev(incident.KindAlert, 4, "")},
			time.Time{},
			want{ttr: i64(600), ttd: i64(0), impact: i64(600), endedBy: "resolved"}},
		{"resolved time from the log when the incident lacks it",
			incident.Incident{Status: incident.Resolved, CreatedAt: t0},
			[]incident.Event{ev(incident.KindResolve, 20, ""), ev(incident.KindResolve, 25, incident.Failed)},
			time.Time{},
			want{ttr: i64(1200), ttd: i64(0), impact: i64(1200), endedBy: "resolved"}},
		{"open: nothing resolved, impact so far",
			incident.Incident{Status: incident.Acknowledged, CreatedAt: t0},
			[]incident.Event{ev(incident.KindAcknowledge, 2, ""), ev(incident.KindResolve, 9, incident.Queued)},
			t0.Add(15 * time.Minute),
			want{tta: i64(120), ttd: i64(0), impact: i64(900), endedBy: "ongoing"}},
		{"open and mitigated",
			incident.Incident{Status: incident.Triggered, CreatedAt: t0},
			[]incident.Event{ev(incident.KindMitigated, 7, incident.Queued)},
			t0.Add(15 * time.Minute),
			want{ttm: i64(420), ttd: i64(0), impact: i64(420), endedBy: "mitigated"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Build(Input{Incident: c.inc, Timeline: c.events, Now: c.now})
			m := r.Metrics
			for _, x := range []struct {
				name      string
				got, want *int64
			}{
				{"TTA", m.TimeToAcknowledge, c.want.tta}, {"TTM", m.TimeToMitigate, c.want.ttm},
				{"TTR", m.TimeToResolve, c.want.ttr}, {"TTD", m.TimeToDetect, c.want.ttd},
				{"impact", r.Impact.DurationSeconds, c.want.impact},
			} {
				if (x.got == nil) != (x.want == nil) || (x.got != nil && *x.got != *x.want) {
					t.Errorf("%s = %v, want %v", x.name, show(x.got), show(x.want))
				}
			}
			if r.Impact.EndedBy != c.want.endedBy {
				t.Errorf("ended by %q, want %q", r.Impact.EndedBy, c.want.endedBy)
			}
		})
	}
}

func show(p *int64) any {
	if p == nil {
		return "unknown"
	}
	return *p
}

func TestReviewDue(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	for _, c := range []struct {
		name     string
		priority string
		resolved time.Time
		loc      *time.Location
		want     string // "" for no date
	}{
		{"P1 on a Friday: 3 calendar days, weekend included", "P1", d("2026-03-06 15:00"), nil, "2026-03-09"},
		{"SEV1 on a Wednesday", "SEV1", d("2026-03-04 15:00"), nil, "2026-03-07"},
		{"P2 on a Monday: 5 business days", "P2", d("2026-03-02 10:00"), nil, "2026-03-09"},
		{"P2 on a Thursday crosses a weekend", "P2", d("2026-03-05 10:00"), nil, "2026-03-12"},
		{"P2 on a Friday", "SEV-2", d("2026-03-06 10:00"), nil, "2026-03-13"},
		{"P2 on a Saturday counts from Monday", "Sev 2", d("2026-03-07 10:00"), nil, "2026-03-13"},
		{"P2 on a Sunday", "P2", d("2026-03-08 10:00"), nil, "2026-03-13"},
		// Thursday 23:30 UTC is already Friday in Berlin.
		{"P2 late Thursday in UTC", "P2", d("2026-03-05 23:30"), nil, "2026-03-12"},
		{"P2 late Thursday UTC is Friday in Berlin", "P2", d("2026-03-05 23:30"), berlin, "2026-03-13"},
		{"P2 across a month end", "P2", d("2026-04-29 10:00"), nil, "2026-05-06"},
		{"P3 has no deadline", "P3", d("2026-03-05 10:00"), nil, ""},
		{"no priority", "", d("2026-03-05 10:00"), nil, ""},
		{"not a severity", "Priority 1", d("2026-03-05 10:00"), nil, ""},
		{"open incident", "P1", time.Time{}, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := review(c.priority, c.resolved, c.loc).Due; got != c.want {
				t.Errorf("due %q, want %q", got, c.want)
			}
		})
	}
}

func TestWorkingTime(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	for _, c := range []struct {
		at   string
		loc  *time.Location
		want bool
	}{
		{"2026-03-02 08:59", nil, false}, // Monday
		{"2026-03-02 09:00", nil, true},
		{"2026-03-02 17:59", nil, true},
		{"2026-03-02 18:00", nil, false},
		{"2026-03-07 12:00", nil, false},    // Saturday
		{"2026-03-08 12:00", nil, false},    // Sunday
		{"2026-03-02 08:30", berlin, true},  // 09:30 in Berlin
		{"2026-03-02 17:30", berlin, false}, // 18:30 in Berlin
		{"2026-06-01 16:30", berlin, false}, // 18:30 in Berlin, summer time
		{"2026-03-06 23:30", berlin, false}, // Saturday 00:30 in Berlin
	} {
		if got := WorkingTime(d(c.at), c.loc); got != c.want {
			t.Errorf("WorkingTime(%s, %v) = %v, want %v", c.at, c.loc, got, c.want)
		}
	}
}

func TestPagesOutsideWorkingHours(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	notify := func(at, who string) incident.Event {
		return incident.Event{Kind: incident.KindNotify, At: d(at), Summary: "Notified " + who + " by phone call.", Origin: incident.Remote}
	}
	events := []incident.Event{
		notify("2026-03-06 07:30", "Jane Doe"),                                                       // Friday 08:30 Berlin: outside
		notify("2026-03-06 08:30", "Jane Doe"),                                                       // 09:30: inside
		notify("2026-03-06 16:59", "Ravi Kumar"),                                                     // 17:59: inside
		notify("2026-03-06 17:00", "Ravi Kumar"),                                                     // 18:00: outside
		notify("2026-03-07 10:00", "Ana Lima"),                                                       // Saturday: outside
		{Kind: incident.KindNotify, At: d("2026-03-07 11:00"), Actor: "Bo", Origin: incident.Remote}, // no summary: the actor
		{Kind: incident.KindAssign, At: d("2026-03-06 08:00"), Summary: "Assigned to Jane Doe, Chen Wu.", Origin: incident.Remote}, // assigned, not a page
	}
	m := Build(Input{Incident: incident.Incident{CreatedAt: d("2026-03-06 07:00")}, Timeline: events, Location: berlin}).Metrics
	if m.Pages != 6 || m.PagesOutsideWorkingHours != 4 {
		t.Errorf("pages %d, outside %d; want 6, 4", m.Pages, m.PagesOutsideWorkingHours)
	}
	if got, want := m.PeoplePaged, []string{"Ana Lima", "Bo", "Chen Wu", "Jane Doe", "Ravi Kumar"}; !equal(got, want) {
		t.Errorf("people paged %q, want %q", got, want)
	}
	// In UTC 07:30 and 08:30 are outside, 16:59 and 17:00 inside.
	m = Build(Input{Incident: incident.Incident{CreatedAt: d("2026-03-06 07:00")}, Timeline: events}).Metrics
	if m.PagesOutsideWorkingHours != 4 {
		t.Errorf("outside in UTC: %d, want 4", m.PagesOutsideWorkingHours)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestErrorBudget(t *testing.T) {
	t0 := d("2026-03-05 10:00")
	for _, c := range []struct {
		name        string
		slo         SLO
		impact      time.Duration
		key         string // how the SLO is keyed
		wantBudget  float64
		wantPercent float64
		none        bool
	}{
		{"99.9% over 28 days", SLO{0.999, 28 * 24 * time.Hour}, 31 * time.Minute, "orders-api", 2419.2, 76.88, false},
		{"99.95% over 30 days", SLO{0.9995, 30 * 24 * time.Hour}, time.Hour, "orders-api", 1296, 277.78, false},
		{"99% over 7 days", SLO{0.99, 7 * 24 * time.Hour}, 10 * time.Minute, "PORD", 6048, 9.92, false},
		{"99.99% over 28 days", SLO{0.9999, 28 * 24 * time.Hour}, 4*time.Minute + 2*time.Second, "orders-api", 241.92, 100.03, false},
		{"exactly the budget", SLO{0.999, 1000 * time.Second}, time.Second, "orders-api", 1, 100, false},
		{"a percentage is not a target", SLO{99.9, 28 * 24 * time.Hour}, time.Hour, "orders-api", 0, 0, true},
		{"no window", SLO{0.999, 0}, time.Hour, "orders-api", 0, 0, true},
		{"another service's SLO", SLO{0.999, 28 * 24 * time.Hour}, time.Hour, "search-api", 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := Input{
				Incident: incident.Incident{Status: incident.Resolved, CreatedAt: t0, ResolvedAt: t0.Add(c.impact),
					Service: incident.Ref{ID: "PORD", Name: "orders-api"}},
				SLOs: map[string]SLO{c.key: c.slo},
			}
			eb := Build(in).Impact.ErrorBudget
			if c.none {
				if eb != nil {
					t.Fatalf("budget %+v, want none", eb)
				}
				return
			}
			if eb == nil {
				t.Fatal("no budget")
			}
			if eb.BudgetSeconds != c.wantBudget || eb.ConsumedPercent != c.wantPercent || eb.ConsumedSeconds != int64(c.impact/time.Second) {
				t.Errorf("budget %v s, consumed %d s = %v%%; want %v s, %v%%", eb.BudgetSeconds, eb.ConsumedSeconds, eb.ConsumedPercent, c.wantBudget, c.wantPercent)
			}
		})
	}
	if got := (SLO{0.999, 28 * 24 * time.Hour}).Budget(); got != 40*time.Minute+19*time.Second+200*time.Millisecond {
		t.Errorf("Budget() = %v, want 40m19.2s", got)
	}
}

func TestPriorityPeriods(t *testing.T) {
	t0 := d("2026-03-05 10:00")
	other := func(min int, s string) incident.Event {
		return incident.Event{Kind: incident.KindOther, At: t0.Add(time.Duration(min) * time.Minute), Summary: s, Origin: incident.Remote}
	}
	in := Input{
		Incident: incident.Incident{Status: incident.Resolved, Priority: "P1", Urgency: incident.High, CreatedAt: t0, ResolvedAt: t0.Add(60 * time.Minute)},
		Timeline: []incident.Event{
			other(10, "Urgency changed from Low to High."),
			other(20, "Priority changed to P2"),
			other(30, "Priority changed from P2 to P1."),
			other(40, "Priority changed from P1 to P1."), // no change: one period
		},
	}
	im := Build(in).Impact
	got := func(ps []Period) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Value+"="+time.Duration(p.Seconds*int64(time.Second)).String())
		}
		return out
	}
	if g, w := got(im.Priorities), []string{"unknown=20m0s", "P2=10m0s", "P1=30m0s"}; !equal(g, w) {
		t.Errorf("priorities %q, want %q", g, w)
	}
	if g, w := got(im.Urgencies), []string{"low=10m0s", "high=50m0s"}; !equal(g, w) {
		t.Errorf("urgencies %q, want %q", g, w)
	}
}

func TestSeverity(t *testing.T) {
	for in, want := range map[string]int{
		"P1": 1, "p2": 2, "SEV1": 1, "SEV-2": 2, "Sev 1": 1, "SEV1 - Critical": 1, "P3": 3,
		"": 0, "Priority 1": 0, "critical": 0, "P12": 0, "P": 0,
	} {
		if got := severity(in); got != want {
			t.Errorf("severity(%q) = %d, want %d", in, got, want)
		}
	}
}
