package incident

import (
	"strings"
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

// TestMergeTypedCopyStands: the author's journal copy and PagerDuty's typed
// copy of one event show once, as PagerDuty's (the record everyone shares);
// a second copy sent by a retry shows not at all, and a typed copy beats
// an older version's plain one.
func TestMergeTypedCopyStands(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	what := map[string]string{FieldWhat: "roll back"}
	remote := []Event{
		{ID: "D1", LocalID: "D1", Kind: KindDecision, At: t0.Add(2 * time.Second), Origin: Remote, Actor: "Alex Rivera", Fields: what},
		{ID: "D1", LocalID: "D1", Kind: KindDecision, At: t0.Add(40 * time.Second), Origin: Remote, Actor: "Alex Rivera", Fields: what},
		{ID: "PN7", LocalID: "R1", Kind: KindNote, At: t0.Add(time.Second), Origin: Remote, Summary: "Role: Yuki is scribe"},
		{ID: "R1", LocalID: "R1", Kind: KindRole, At: t0.Add(3 * time.Second), Origin: Remote, Fields: map[string]string{FieldRole: RoleScribe, FieldPerson: "Yuki"}},
		{ID: "PN8", Kind: KindNote, At: t0.Add(time.Minute), Origin: Remote, Summary: "typed by a person"},
	}
	local := []Event{
		{ID: "D1", Kind: KindDecision, At: t0, Origin: Local, State: Sent, Actor: "Alex Rivera", Fields: what},
		{ID: "M1", Kind: KindMitigated, At: t0.Add(2 * time.Minute), Origin: Local, State: Queued},
	}
	got := Merge(remote, local)
	var rows []string
	for _, e := range got {
		rows = append(rows, e.ID+" "+string(e.Kind)+" "+string(e.Origin)+" "+e.At.Format("04:05"))
	}
	want := []string{
		"D1 decision pagerduty 00:02",
		"R1 role pagerduty 00:03",
		"PN8 note pagerduty 01:00",
		"M1 mitigated local 02:00", // not yet on PagerDuty: the journal's copy
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Merge =\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	// Another responder, with no journal copy, sees the same rows but M1.
	got = Merge(remote, nil)
	if len(got) != 3 || got[0].ID != "D1" || got[1].ID != "R1" || got[2].ID != "PN8" {
		t.Fatalf("Merge without a journal = %+v", got)
	}
}

// TestSplitNoteTagTrusts: SplitNoteTag takes a note's local id from a
// trailer only when the whole trailer is well formed, so that a note a
// person typed to look like one is never folded into a journal's event.
func TestSplitNoteTagTrusts(t *testing.T) {
	// A payload that uses '-' and '_', the two URL-safe base64 letters.
	var tr string
	both := func() bool { return strings.Contains(tr, "_") && strings.Contains(tr, "-") }
	for n := 1; n < 64 && !both(); n++ {
		var err error
		tr, err = EncodeTrailer(Trailer{LocalID: "L1", Kind: KindDecision,
			Fields: map[string]string{FieldWhat: strings.Repeat("?>", n) + "~"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !both() {
		t.Fatalf("no payload with '-' and '_' found; last %q", tr)
	}
	if _, id := SplitNoteTag("roll back\n" + tr); id != "L1" {
		t.Errorf("trailer %q: local id %q, want L1", tr, id)
	}
	// Trailing whitespace up to the scan limit is allowed.
	padded := "x\n" + tr + strings.Repeat(" ", maxTrailerLen+64-len(tr))
	if _, id := SplitNoteTag(padded); id != "L1" {
		t.Errorf("trailer padded to the scan limit: local id %q, want L1", id)
	}
	for _, c := range []string{
		"x\n[oncall:v1 L1 mitigated bnVsbA]", // a payload of JSON null
		"x\n[oncall:v1 L1 mitigated x",       // no closing bracket
		"x\n[oncall:v1 L1 mitigated",
		"x\n" + tr + strings.Repeat(" ", maxTrailerLen+65-len(tr)), // past the scan limit
	} {
		if text, id := SplitNoteTag(c); id != "" || text != c {
			t.Errorf("SplitNoteTag(%q) = (%q, %q), want it untouched", c, text, id)
		}
	}
}
