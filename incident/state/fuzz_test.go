package state

import (
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// FuzzDerive: whatever a journal or a note holds (fields no constructor
// would write included), Derive does not panic and its invariants hold:
// at most one current holder per role, turns that end where the next
// begins, items numbered 1..n in order, closed items with a close mark
// and never overdue.
func FuzzDerive(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, "ic", "Alice", "t1", "done", "2026-11-21T03:30:00Z")
	f.Add([]byte{3, 3, 4, 1, 0, 7}, "incident commander", "bob", "x", "extended", "2026-11-22")
	f.Fuzz(func(t *testing.T, ops []byte, role, person, item, change, due string) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		kinds := []incident.Kind{incident.KindRole, incident.KindHandoff, incident.KindTask, incident.KindActionItem,
			incident.KindItemUpdate, incident.KindStatusUpdate, incident.KindSnooze, incident.KindRunbookStep}
		var tl incident.Timeline
		ids := []string{item, "t0", "t1"}
		for i, op := range ops {
			e := incident.Event{ID: ids[i%len(ids)], Kind: kinds[int(op)%len(kinds)], At: t0.Add(time.Duration(op) * time.Minute),
				Actor: person, Fields: map[string]string{
					incident.FieldRole: role, incident.FieldPerson: person, incident.FieldFrom: person, incident.FieldTo: item,
					incident.FieldItem: item, incident.FieldChange: change, incident.FieldDue: due, incident.FieldWhat: item,
					incident.FieldTitle: item, incident.FieldDuration: due, incident.FieldAction: change, incident.FieldStepKey: item,
					incident.FieldTaken: change, incident.FieldMessage: due,
				}}
			if op%5 == 0 {
				e.ID = item + string(rune('a'+i))
			}
			tl = append(tl, e)
		}
		d := Derive(Input{Incident: openIncident(), Timeline: tl, Now: t0.Add(time.Hour), Cadence: time.Minute, RunbookSteps: int(len(ops) % 4)})
		for _, r := range d.Roles {
			for i, turn := range r.Turns {
				last := i == len(r.Turns)-1
				if !last && (turn.EndedAt.IsZero() || !turn.EndedAt.Equal(r.Turns[i+1].AssumedAt)) {
					t.Fatalf("role %q turn %d ends %v, next begins %v", r.Role, i, turn.EndedAt, r.Turns[i+1].AssumedAt)
				}
				if last && !turn.EndedAt.IsZero() {
					t.Fatalf("role %q: the last turn has ended", r.Role)
				}
			}
		}
		for _, list := range [][]Item{d.Tasks, d.FollowUps} {
			for i, it := range list {
				if it.Number != i+1 {
					t.Fatalf("item %d numbered %d", i, it.Number)
				}
				if !it.Open() && (it.Closed == nil || it.Overdue) {
					t.Fatalf("closed item %+v", it)
				}
			}
		}
		if d.Runbook.Done > d.Runbook.Total || len(d.Recent) > RecentLimit {
			t.Fatalf("runbook %+v, %d recent", d.Runbook, len(d.Recent))
		}
	})
}
