package incident

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestNewItemUpdate(t *testing.T) {
	ok := []struct {
		name   string
		id, ch string
		opts   []ItemOption
		want   map[string]string
		sum    string
	}{
		{"done", "L1", "done", []ItemOption{ItemLabel("restart the pods")},
			map[string]string{FieldItem: "L1", FieldChange: ChangeDone, FieldText: "restart the pods"}, "Done: restart the pods"},
		{"cancelled in any case", "L1", " Cancelled ", nil,
			map[string]string{FieldItem: "L1", FieldChange: ChangeCancelled}, "Cancelled: item L1"},
		{"task extended", "L2", "extended", []ItemOption{ItemDue("2026-11-21T04:00:00Z")},
			map[string]string{FieldItem: "L2", FieldChange: ChangeExtended, FieldDue: "2026-11-21T04:00:00Z"}, "Extended to 2026-11-21T04:00:00Z: item L2"},
		{"follow-up extended in review", "L3", "extended", []ItemOption{ItemDue("2026-12-01"), InReview()},
			map[string]string{FieldItem: "L3", FieldChange: ChangeExtended, FieldDue: "2026-12-01", FieldContext: ContextReview}, "Extended to 2026-12-01: item L3"},
		{"linked", "L3", "linked", []ItemOption{ItemTicket("https://jira.example.com/browse/OPS-1")},
			map[string]string{FieldItem: "L3", FieldChange: ChangeLinked, FieldTicket: "https://jira.example.com/browse/OPS-1"}, "Linked item L3 to https://jira.example.com/browse/OPS-1"},
		{"label sanitized", "L1", "reopened", []ItemOption{ItemLabel("a\x1b[31m red\nlabel")},
			map[string]string{FieldItem: "L1", FieldChange: ChangeReopened, FieldText: "a red label"}, "Reopened: a red label"},
	}
	for _, c := range ok {
		e, err := NewItemUpdate(c.id, c.ch, c.opts...)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if e.Kind != KindItemUpdate || !maps.Equal(e.Fields, c.want) || e.Summary != c.sum {
			t.Errorf("%s: got %s %v %q; want %v %q", c.name, e.Kind, e.Fields, e.Summary, c.want, c.sum)
		}
	}
	bad := []struct {
		name   string
		id, ch string
		opts   []ItemOption
	}{
		{"no id", "", "done", nil},
		{"id with space", "L 1", "done", nil},
		{"unknown change", "L1", "finished", nil},
		{"extended without due", "L1", "extended", nil},
		{"due without extended", "L1", "done", []ItemOption{ItemDue("2026-12-01")}},
		{"bad due", "L1", "extended", []ItemOption{ItemDue("next week")}},
		{"linked without ticket", "L1", "linked", nil},
		{"ticket without linked", "L1", "done", []ItemOption{ItemTicket("https://x.example")}},
		{"ticket not a URL", "L1", "linked", []ItemOption{ItemTicket("OPS-1")}},
		{"ticket not http", "L1", "linked", []ItemOption{ItemTicket("javascript:alert(1)")}},
		{"ticket with control characters", "L1", "linked", []ItemOption{ItemTicket("https://x.example/\x1b[2J")}},
	}
	for _, c := range bad {
		if e, err := NewItemUpdate(c.id, c.ch, c.opts...); !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, %v; want one line matching ErrInvalid", c.name, e, err)
		}
	}
}

func TestNewHandoff(t *testing.T) {
	e, err := NewHandoff("ic", "Alice", "Bob", "the rollback is at 60%")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{FieldRole: RoleCommander, FieldFrom: "Alice", FieldTo: "Bob", FieldMessage: "the rollback is at 60%"}
	if !maps.Equal(e.Fields, want) || e.Summary != "Handoff: incident commander from Alice to Bob; the rollback is at 60%" {
		t.Errorf("got %v %q", e.Fields, e.Summary)
	}
	for _, c := range [][4]string{{"king", "a", "b", ""}, {"ic", "", "b", ""}, {"ic", "a", "", ""}, {"ic", "Alice", "alice", ""}, {"ic", "a", "b", "\x1b[2J"}} {
		if _, err := NewHandoff(c[0], c[1], c[2], c[3]); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewHandoff%q = %v; want ErrInvalid", c, err)
		}
	}
}

func TestNewRoleMarked(t *testing.T) {
	e, err := NewRoleMarked("sme", "dana@example.com", RoleMarks{Taken: true, External: true})
	if err != nil {
		t.Fatal(err)
	}
	if !Flag(e, FieldTaken) || !Flag(e, FieldExternal) || e.Fields[FieldRole] != RoleSME {
		t.Errorf("got %v", e.Fields)
	}
	plain, _ := NewRoleMarked("sme", "dana", RoleMarks{})
	if Flag(plain, FieldTaken) || Flag(plain, FieldExternal) || len(plain.Fields) != 2 {
		t.Errorf("unmarked role carries marks: %v", plain.Fields)
	}
}

// The new kinds travel typed through a note and come back as they left;
// a trailer whose fields no writer makes stays a plain note.
func TestStateKindsMirror(t *testing.T) {
	upd, _ := NewItemUpdate("L7", "extended", ItemDue("2026-12-01"), ItemLabel("canary stage"))
	hand, _ := NewHandoff("ic", "Alice", "Bob", "watch the error rate")
	role, _ := NewRoleMarked("ic", "Bob", RoleMarks{Taken: true})
	for _, e := range []Event{upd, hand, role} {
		e.ID = "LOCAL1"
		note, err := Mirror(e)
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		got := ParseNote(note)
		if got.Kind != e.Kind || got.LocalID != "LOCAL1" || !maps.Equal(got.Fields, e.Fields) {
			t.Errorf("%s came back as %s %v", e.Kind, got.Kind, got.Fields)
		}
		if got.Summary != Summary(e) && got.Summary != StateSummary(e) {
			t.Errorf("%s summary %q", e.Kind, got.Summary)
		}
	}
	bad := []Trailer{
		{Kind: KindItemUpdate, Fields: map[string]string{FieldItem: "L1", FieldChange: "finished"}},
		{Kind: KindItemUpdate, Fields: map[string]string{FieldChange: ChangeDone}},
		{Kind: KindItemUpdate, Fields: map[string]string{FieldItem: "L1", FieldChange: ChangeExtended}},
		{Kind: KindItemUpdate, Fields: map[string]string{FieldItem: "L1", FieldChange: ChangeDone, FieldDue: "2026-12-01"}},
		{Kind: KindItemUpdate, Fields: map[string]string{FieldItem: "L1", FieldChange: ChangeLinked, FieldTicket: "ftp://x"}},
		{Kind: KindItemUpdate, Fields: map[string]string{FieldItem: "L1", FieldChange: ChangeDone, FieldContext: "party"}},
		{Kind: KindDecision, Fields: map[string]string{FieldWhat: "roll back", FieldContext: "party"}},
		{Kind: KindHandoff, Fields: map[string]string{FieldRole: "king", FieldFrom: "a", FieldTo: "b"}},
		{Kind: KindHandoff, Fields: map[string]string{FieldRole: RoleCommander, FieldFrom: "a"}},
		{Kind: KindRole, Fields: map[string]string{FieldRole: RoleCommander, FieldPerson: "a", FieldTaken: "yes"}},
		{Kind: KindRole, Fields: map[string]string{FieldRole: RoleCommander, FieldPerson: "a", FieldExternal: "false"}},
	}
	for _, tr := range bad {
		tr.LocalID = "LOCAL2"
		s, err := EncodeTrailer(tr)
		if err != nil {
			t.Fatal(err)
		}
		if got := ParseNote("text\n" + s); got.Kind != KindNote {
			t.Errorf("%s %v read back typed; want a plain note", tr.Kind, tr.Fields)
		}
	}
	ok, _ := EncodeTrailer(Trailer{LocalID: "LOCAL3", Kind: KindDecision, Fields: map[string]string{FieldWhat: "roll back", FieldContext: ContextReview}})
	if got := ParseNote(ok); got.Kind != KindDecision {
		t.Errorf("a decision recorded in review read back as %s", got.Kind)
	}
}
