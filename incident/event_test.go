package incident

import (
	"testing"
	"time"
)

func TestMergeOrdersAndDeduplicates(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	remote := []Event{
		{ID: "R2", Kind: KindAcknowledge, At: t0.Add(2 * time.Minute), Origin: Remote},
		{ID: "R1", Kind: KindTrigger, At: t0, Origin: Remote},
		{ID: "N1", Kind: KindNote, At: t0.Add(3 * time.Minute), Origin: Remote, LocalID: "L2", Summary: "rolled back"},
	}
	local := []Event{
		{ID: "L1", Kind: KindAcknowledge, At: t0.Add(2 * time.Minute), Origin: Local, State: Sent},
		{ID: "L2", Kind: KindNote, At: t0.Add(170 * time.Second), Origin: Local, State: Sent, Summary: "rolled back"},
		{ID: "L3", Kind: KindNote, At: t0.Add(4 * time.Minute), Origin: Local, State: Queued},
		// Failed, and far from any remote resolve: both stay.
		{ID: "L4", Kind: KindResolve, At: t0.Add(5 * time.Minute), Origin: Local, State: Failed},
	}
	got := Merge(remote, local)
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	// L1 is absorbed by R2 (sent, same kind, same minute); L2 by N1's tag.
	want := []string{"R1", "R2", "N1", "L3", "L4"}
	if len(ids) != len(want) {
		t.Fatalf("Merge = %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("Merge = %v, want %v", ids, want)
		}
	}
}

func TestNoteTagRoundTrip(t *testing.T) {
	cases := []struct{ text, id string }{
		{"rolled back 4.12", "01JD3X"},
		{"note with [brackets] inside", "abc_123-x"},
		{"", "Z"},
	}
	for _, c := range cases {
		text, id := SplitNoteTag(NoteTag(c.text, c.id))
		if text != c.text || id != c.id {
			t.Errorf("round trip of (%q,%q) = (%q,%q)", c.text, c.id, text, id)
		}
	}
	if text, id := SplitNoteTag("just a note [oncall:]"); id != "" || text != "just a note [oncall:]" {
		t.Errorf("empty tag parsed as (%q,%q)", text, id)
	}
	if _, id := SplitNoteTag("tag [oncall:abc] not at the end"); id != "" {
		t.Errorf("tag in the middle parsed as %q", id)
	}
}

func TestMergeKeepsStructuredLocalEvents(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	remote := []Event{{ID: "N9", Kind: KindNote, At: t0, Origin: Remote, LocalID: "D1", Summary: "[decision] roll back"}}
	local := []Event{{ID: "D1", Kind: KindDecision, At: t0, Origin: Local, State: Sent, Fields: map[string]string{"what": "roll back"}}}
	got := Merge(remote, local)
	if len(got) != 1 || got[0].ID != "D1" || got[0].Kind != KindDecision {
		t.Fatalf("Merge = %+v, want the local decision only", got)
	}
}
