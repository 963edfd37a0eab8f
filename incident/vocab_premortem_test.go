package incident

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestNewCountermeasure(t *testing.T) {
	e, err := NewCountermeasure("billing-2026-q4", "invoices-not-issued", "during", "Re-run the batch", "invoices-not-issued/during/0a1b2c3d", ChangeDone)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{FieldPremortem: "billing-2026-q4", FieldFailure: "invoices-not-issued", FieldPhase: "during",
		FieldAction: "Re-run the batch", FieldStepKey: "invoices-not-issued/during/0a1b2c3d", FieldChange: ChangeDone}
	if e.Kind != KindCountermeasure || !maps.Equal(e.Fields, want) {
		t.Fatalf("got %s %v", e.Kind, e.Fields)
	}
	if !strings.Contains(e.Summary, "invoices-not-issued") || !strings.Contains(e.Summary, "Re-run the batch") {
		t.Errorf("summary %q names neither the failure nor the action", e.Summary)
	}
	for _, bad := range [][]string{
		{"p", "f", "during", "act", "finished"},
		{"p", "f", "meanwhile", "act", ChangeDone},
		{"", "f", "during", "act", ChangeDone},
		{"p", "", "during", "act", ChangeDone},
		{"p", "f", "during", " ", ChangeDone},
		{"p", "f", "during", "act\x1b[31m", ChangeDone},
	} {
		if _, err := NewCountermeasure(bad[0], bad[1], bad[2], bad[3], "", bad[4]); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewCountermeasure%q = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCountermeasureMirrors(t *testing.T) {
	e, _ := NewCountermeasure("pm", "f", "after", "Tell accounts", "", ChangeUndone)
	e.ID = "LOCAL1"
	note, err := Mirror(e)
	if err != nil {
		t.Fatal(err)
	}
	got := ParseNote(note)
	if got.Kind != KindCountermeasure || !maps.Equal(got.Fields, e.Fields) || got.Summary != e.Summary {
		t.Errorf("came back as %s %v %q", got.Kind, got.Fields, got.Summary)
	}
	for _, f := range []map[string]string{
		{FieldPremortem: "pm", FieldFailure: "f", FieldPhase: "never", FieldAction: "a", FieldChange: ChangeDone},
		{FieldPremortem: "pm", FieldFailure: "f", FieldPhase: "during", FieldAction: "a", FieldChange: "maybe"},
		{FieldFailure: "f", FieldPhase: "during", FieldAction: "a", FieldChange: ChangeDone},
		{FieldPremortem: "pm", FieldPhase: "during", FieldAction: "a", FieldChange: ChangeDone},
	} {
		s, err := EncodeTrailer(Trailer{LocalID: "LOCAL2", Kind: KindCountermeasure, Fields: f})
		if err != nil {
			t.Fatal(err)
		}
		if got := ParseNote("text\n" + s); got.Kind != KindNote {
			t.Errorf("%v read back typed; want a plain note", f)
		}
	}
}
