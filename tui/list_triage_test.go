package tui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// triageSorted decides the order on keys read once; it must give exactly
// the order triageOrder defines, ties and odd priorities included.
func TestTriageSortedEqualsTriageOrder(t *testing.T) {
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
		got := triageSorted(list)
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
