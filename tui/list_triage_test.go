package tui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// sortTriage decides the order on keys read once and moves the incidents
// in place along the permutation's cycles; it must give exactly the order
// a stable sort by triageOrder gives, ties, repeats and odd priorities
// included.
func TestSortTriageEqualsTriageOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	prios := []string{"P1", "P2", "p3", " P4 ", "SEV1", "SEV-2", "sev3", "", "urgent", "P-1", "P10"}
	statuses := []incident.Status{incident.Triggered, incident.Acknowledged, incident.Resolved}
	urgencies := []incident.Urgency{incident.High, incident.Low, ""}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for round := 0; round < 50; round++ {
		n := r.IntN(300)
		list := make([]incident.Incident, n)
		for i := range list {
			list[i] = incident.Incident{
				ID:        fmt.Sprintf("P%03d", r.IntN(n+1)), // repeats on purpose
				Title:     fmt.Sprintf("row %d", i),
				Priority:  prios[r.IntN(len(prios))],
				Status:    statuses[r.IntN(len(statuses))],
				Urgency:   urgencies[r.IntN(len(urgencies))],
				CreatedAt: base.Add(time.Duration(r.IntN(20)) * time.Minute), // many ties
			}
		}
		want := slices.Clone(list)
		slices.SortStableFunc(want, triageOrder)
		got := slices.Clone(list)
		sortTriage(got)
		if len(got) != len(want) {
			t.Fatalf("round %d: %d incidents, want %d", round, len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i].ID || got[i].Title != want[i].Title {
				t.Fatalf("round %d, row %d: %s %q, want %s %q", round, i, got[i].ID, got[i].Title, want[i].ID, want[i].Title)
			}
		}
	}
}

// The list marks an incident new only when it appears after the first
// load; the cache and the first fetch mark nothing, and an incident known
// from either stays known when it comes back after a gap.
func TestListMarksOnlyIncidentsNewSinceTheFirstLoad(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	inc := func(id string) incident.Incident {
		return incident.Incident{ID: id, Title: id, Status: incident.Triggered, Urgency: incident.High}
	}
	l := newList(nil, nil, func() time.Time { return t0 })
	l.SetIncidents([]incident.Incident{inc("CACHED"), inc("GONE")}, time.Time{}) // the cache
	l.SetIncidents([]incident.Incident{inc("CACHED"), inc("FIRST")}, t0)         // the first fetch
	for _, id := range []string{"CACHED", "GONE", "FIRST"} {
		if l.IsNew(id, t0) {
			t.Errorf("%s is new after the first load", id)
		}
	}
	t1 := t0.Add(10 * time.Second)
	l.SetIncidents([]incident.Incident{inc("CACHED"), inc("FIRST"), inc("GONE"), inc("LATER")}, t1)
	for id, want := range map[string]bool{"CACHED": false, "FIRST": false, "GONE": false, "LATER": true} {
		if got := l.IsNew(id, t1); got != want {
			t.Errorf("after a later fetch: IsNew(%s) = %v, want %v", id, got, want)
		}
	}
	t2 := t1.Add(5 * time.Second)
	l.SetIncidents([]incident.Incident{inc("LATER"), inc("LAST")}, t2)
	if !l.IsNew("LATER", t2) || !l.IsNew("LAST", t2) {
		t.Errorf("LATER and LAST should be new at t2: %v %v", l.IsNew("LATER", t2), l.IsNew("LAST", t2))
	}
	if l.IsNew("LATER", t1.Add(newFor)) {
		t.Errorf("LATER is still new %v after it appeared", newFor)
	}
}

// number answers as strconv.Atoi does, on numbers, signs, spaces, words,
// overflow and the empty string.
func TestNumberAgreesWithAtoi(t *testing.T) {
	for _, s := range []string{"", "1", "01", "+1", "-1", "-0", "+", "-", "1a", "a1", " 1", "1 ", "99999999999999999999", "9223372036854775807", "-9223372036854775808", "١", "1_000", "0x10"} {
		want, err := strconv.Atoi(s)
		got, ok := number(s)
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("number(%q) = %d, %v; Atoi says %d, %v", s, got, ok, want, err)
		}
	}
}
