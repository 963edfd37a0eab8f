package premortem

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/golden"
	"github.com/oncallkit/oncall/runbook"
)

func loadGood(t *testing.T) *Set {
	t.Helper()
	s, diags, err := Load("testdata/good")
	if err != nil || HasErrors(diags) {
		t.Fatalf("%v %v", err, diags)
	}
	return s
}

var (
	billing = incident.Ref{ID: "PBILL01", Name: "billing-api"}
	day15   = time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)
)

func ids(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Failure.ID)
	}
	return out
}

// TestMatch: service by name or id, a runbook's rules, and the calendar
// window read in the team's zone.
func TestMatch(t *testing.T) {
	s := loadGood(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	cases := []struct {
		name string
		inc  incident.Incident
		loc  *time.Location
		want []string
	}{
		{"title and window", incident.Incident{Title: "Invoice job failing", Service: billing, Urgency: incident.High, CreatedAt: day15}, nil,
			[]string{"invoices-not-issued", "card-payments-declined"}},
		{"by service id only", incident.Incident{Title: "Invoice job failing", Service: incident.Ref{ID: "PBILL01"}, CreatedAt: day15}, nil,
			[]string{"card-payments-declined"}},
		{"outside the window", incident.Incident{Title: "Invoice job failing", Service: billing, Urgency: incident.High, CreatedAt: day15.AddDate(0, 0, 10)}, nil,
			[]string{"card-payments-declined"}},
		{"window by zone: 9th in UTC, 10th in Berlin", incident.Incident{Title: "invoices", Service: billing, Urgency: incident.High, CreatedAt: time.Date(2026, 11, 9, 23, 30, 0, 0, time.UTC)}, berlin,
			[]string{"invoices-not-issued", "card-payments-declined"}},
		{"window by zone: 9th in UTC", incident.Incident{Title: "invoices", Service: billing, Urgency: incident.High, CreatedAt: time.Date(2026, 11, 9, 23, 30, 0, 0, time.UTC)}, time.UTC,
			[]string{"card-payments-declined"}},
		{"urgency rule", incident.Incident{Title: "Tax job", Service: incident.Ref{Name: "Billing-API"}, Urgency: incident.Low, CreatedAt: day15}, nil,
			[]string{"tax-rates-stale"}},
		{"other service", incident.Incident{Title: "Invoice search failing", Service: incident.Ref{ID: "PX", Name: "search-api"}, CreatedAt: day15}, nil,
			[]string{"search-results-empty"}},
		{"no service", incident.Incident{Title: "Invoice", CreatedAt: day15}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.Match(c.inc, nil, c.loc)
			if !slices.Equal(ids(got), c.want) {
				t.Errorf("matched %v, want %v", ids(got), c.want)
			}
		})
	}
	m := s.Match(cases[0].inc, nil, nil)[0]
	if m.Score != 3 || !slices.Contains(m.Why, "began on day 15, within days 10-20") || !slices.Contains(m.Why, "title matches (?i)invoice") {
		t.Errorf("why: %d %v", m.Score, m.Why)
	}
}

func TestDayRangeWraps(t *testing.T) {
	r := DayRange{28, 3}
	for d, want := range map[int]bool{27: false, 28: true, 31: true, 1: true, 3: true, 4: false} {
		if r.Contains(d) != want {
			t.Errorf("day %d: %v", d, !want)
		}
	}
}

func inc(id string, title string, at time.Time) Seen {
	return Seen{Incident: incident.Incident{ID: id, Title: title, Service: billing, Urgency: incident.High, CreatedAt: at}}
}

// TestRegister: ranked by impact then likelihood, countermeasures
// counted, and a failure matched by two incidents (one known from
// PagerDuty, one from the journal only) counts both with the latest time.
func TestRegister(t *testing.T) {
	s := loadGood(t)
	tick, _ := incident.NewCountermeasure("billing-2026-q4", "invoices-not-issued", "during", "Re-run", "k", incident.ChangeDone)
	tick.IncidentID, tick.At = "Q3", time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC)
	other, _ := incident.NewCountermeasure("x", "no-such-failure", "during", "a", "", incident.ChangeDone)
	other.IncidentID = "Q4"
	seen := []Seen{
		inc("Q1", "Invoices stuck", day15),
		inc("Q2", "Invoices stuck again", day15.Add(48*time.Hour)),
		inc("Q9", "Invoices stuck", day15.AddDate(0, 0, 12)), // outside the window
	}
	// Q2 also ticked a countermeasure: it must count once.
	again := tick
	again.IncidentID = "Q2"
	rows := s.Register(seen, []incident.Event{tick, again, other}, nil, "")
	var order []string
	for _, r := range rows {
		order = append(order, r.Failure.ID)
	}
	if want := []string{"card-payments-declined", "invoices-not-issued", "search-results-empty", "tax-rates-stale"}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	inv := rows[1]
	if inv.Matched != 3 || !inv.Last.Equal(tick.At) || !slices.Equal(inv.Incidents, []string{"Q3", "Q2", "Q1"}) {
		t.Errorf("invoices: matched %d, last %v, %v", inv.Matched, inv.Last, inv.Incidents)
	}
	if inv.Counts[During][Done] != 1 || inv.Counts[During][Planned] != 1 || inv.Counts[Before][Done] != 1 || inv.Counts[After][Planned] != 1 {
		t.Errorf("counts %v", inv.Counts)
	}
	if card := rows[0]; card.Matched != 3 { // card declines: service only, no window
		t.Errorf("card declines matched %d", card.Matched)
	}
	if rows[2].Matched != 0 || !rows[2].Last.IsZero() {
		t.Errorf("search: %+v", rows[2])
	}
	only := s.Register(nil, nil, nil, "SEARCH-API")
	if len(only) != 1 || only[0].Failure.ID != "search-results-empty" {
		t.Errorf("--service: %v", only)
	}
	golden.AssertString(t, "golden/register.md", RegisterMarkdown(rows))
	js, err := json.MarshalIndent(RegisterJSON(rows), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertString(t, "golden/register.json", string(js)+"\n")
}

// TestDue: with a fixed clock, reminders come on their day, not before,
// and never for what is done.
func TestDue(t *testing.T) {
	s := loadGood(t)
	keys := func(now time.Time) []string {
		var out []string
		for _, r := range s.Due(now) {
			out = append(out, r.Failure.ID+":"+r.Countermeasure.Owner)
		}
		return out
	}
	if got := keys(time.Date(2026, 10, 31, 23, 59, 0, 0, time.UTC)); len(got) != 0 {
		t.Errorf("before any reminder: %v", got)
	}
	if got := keys(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"card-payments-declined:team-payments"}) {
		t.Errorf("on the first reminder's day: %v", got)
	}
	if got := keys(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)); !slices.Equal(got, []string{"card-payments-declined:team-payments", "invoices-not-issued:cs-lead"}) {
		t.Errorf("after both: %v", got)
	}
}

// TestLoadAcrossFiles: a failure id used in two files is an error at the
// second, which is skipped; the directory still loads.
func TestLoadAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.md", "---\nid: a\ntitle: A\n"+okFailure+"---\n")
	write("b.md", "---\nid: b\ntitle: B\nfailures:\n  - id: g\n    service: s\n    failure: y\n    impact: 2\n  - id: f\n    service: s\n    failure: z\n    impact: 2\n---\n")
	write("broken.md", "---\nid: c\n")
	write("README.md", "not a pre-mortem")
	big := "---\nid: d\ntitle: D\n" + okFailure + "---\n" + strings.Repeat("x", MaxSize)
	write("big.md", big)
	s, diags, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.String())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{
		filepath.Join(dir, "b.md") + `:9: duplicate failure id "f" (also in ` + filepath.Join(dir, "a.md") + ":5)",
		filepath.Join(dir, "broken.md") + ":1: front matter has no closing",
		filepath.Join(dir, "big.md") + ": cannot read: file too large",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in\n%s", want, joined)
		}
	}
	if s.Len() != 2 || len(s.Premortems()) != 2 {
		t.Errorf("loaded %d failures in %d workshops", s.Len(), len(s.Premortems()))
	}
	if f, _ := s.Failure("f"); f.Premortem.ID != "a" {
		t.Errorf("the first file's failure should win")
	}
	if _, _, err := Load(filepath.Join(dir, "missing")); !os.IsNotExist(errorsUnwrap(err)) {
		t.Errorf("missing dir: %v", err)
	}
}

func errorsUnwrap(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestLint: the whole-picture problems, errors and warnings, at their
// lines; a runbook id must name a loaded runbook.
func TestLint(t *testing.T) {
	rbs, rdiags, err := runbook.Load("testdata/runbooks")
	if err != nil || runbook.HasErrors(rdiags) {
		t.Fatal(err, rdiags)
	}
	now := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	_, diags, err := Lint("testdata/good", rbs, now)
	if err != nil {
		t.Fatal(err)
	}
	if HasErrors(diags) {
		t.Errorf("errors with the runbook present: %v", diags)
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := []string{
		"testdata/good/billing.md:4: warning: review overdue since 2027-01-12 (held on 2026-10-14, review every 90 days): hold the workshop again",
		`testdata/good/billing.md:35: warning: failure "invoices-not-issued": reminder of 2026-12-01 has come: Tell affected accounts by email within a day (planned, owner cs-lead)`,
		`testdata/good/billing.md:43: warning: failure "card-payments-declined": reminder of 2026-11-01 has come: Second payment processor on standby (not-feasible, owner team-payments)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	empty, _ := runbook.NewSet()
	_, diags, _ = Lint("testdata/good/billing.md", empty, now)
	if !HasErrors(diags) || !slices.ContainsFunc(diags, func(d Diagnostic) bool {
		return d.Line == 27 && strings.Contains(d.Message, `runbook "billing-invoice-rerun" names no runbook`)
	}) {
		t.Errorf("unknown runbook: %v", diags)
	}
}
