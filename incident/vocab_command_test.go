package incident

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCommandResultTravelsAsNote(t *testing.T) {
	e, err := NewCommandResult(CommandResult{
		RunID: "run1", ExitCode: 3, Duration: 1500 * time.Millisecond, Host: "laptop",
		Head: "checking\nacquirer", Tail: "acquirer\nconnection refused", OutputFile: "/state/out/run1.log",
		Status: RunFailed, Runbook: "checkout-5xx", StepKey: "checkout-5xx/abc", Step: "check-acquirer", Command: "curl -sf $ACQ_URL",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.ID = "L1"
	if want := "Command check-acquirer on laptop: failed, exit 3 after 1.5s; last output: connection refused"; e.Summary != want {
		t.Errorf("summary\n got %q\nwant %q", e.Summary, want)
	}
	content, err := Mirror(e)
	if err != nil {
		t.Fatal(err)
	}
	back := ParseNote(content)
	if back.Kind != KindCommandResult || back.LocalID != "L1" {
		t.Fatalf("read back as %s %q, want a command_result L1:\n%s", back.Kind, back.LocalID, content)
	}
	for k, v := range e.Fields {
		if back.Fields[k] != v {
			t.Errorf("field %s: got %q, want %q", k, back.Fields[k], v)
		}
	}
	if back.Summary != e.Summary {
		t.Errorf("summary read back %q, want %q", back.Summary, e.Summary)
	}
}

func TestCommandResultRefusedFieldsStayPlain(t *testing.T) {
	good, err := NewCommandResult(CommandResult{RunID: "r", ExitCode: 0, Host: "h", Status: RunOK})
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(map[string]string){
		"unknown status":   func(f map[string]string) { f[FieldStatus] = "interrupted" },
		"exit not number":  func(f map[string]string) { f[FieldExitCode] = "three" },
		"no run id":        func(f map[string]string) { delete(f, FieldRunID) },
		"overlong excerpt": func(f map[string]string) { f[FieldTail] = strings.Repeat("x", ExcerptLimit+1) },
	} {
		f := map[string]string{}
		for k, v := range good.Fields {
			f[k] = v
		}
		change(f)
		tr, err := EncodeTrailer(Trailer{LocalID: "L1", Kind: KindCommandResult, Fields: f})
		if err != nil {
			t.Fatal(err)
		}
		if got := ParseNote("x\n" + tr); got.Kind != KindNote {
			t.Errorf("%s: read as %s, want a plain note", name, got.Kind)
		}
	}
}

func TestNewCommandRefusesUnknownMode(t *testing.T) {
	if _, err := NewCommand("rb", "rb/1", "", "ls", "maybe", "h", "r"); !errors.Is(err, ErrInvalid) {
		t.Errorf("mode maybe: %v, want ErrInvalid", err)
	}
	if _, err := NewCommandResult(CommandResult{RunID: "r", Host: "h", Status: RunInterrupted}); !errors.Is(err, ErrInvalid) {
		t.Errorf("status interrupted journaled by a run: %v, want ErrInvalid", err)
	}
	e, err := NewCommand("rb", "rb/1", "", "echo $TOKEN\nls", ModeRead, "h", "r")
	if err != nil {
		t.Fatal(err)
	}
	if e.Fields[FieldCommand] != "echo $TOKEN\nls" || e.Fields[FieldStep] != "echo $TOKEN …" {
		t.Errorf("fields %v: the command is kept unexpanded, the step is its first line", e.Fields)
	}
}

func TestCommandRunsInterrupted(t *testing.T) {
	intent := func(id string) Event {
		return Event{ID: "i" + id, Kind: KindCommand, Fields: map[string]string{FieldRunID: id}}
	}
	result := func(id, status string) Event {
		return Event{ID: "r" + id, Kind: KindCommandResult, Fields: map[string]string{FieldRunID: id, FieldStatus: status}}
	}
	events := []Event{intent("a"), intent("b"), result("a", RunFailed), intent("c"), result("x", RunOK), {Kind: KindNote}}
	runs := CommandRuns(events, func(id string) bool { return id == "c" })
	got := []string{}
	for _, r := range runs {
		got = append(got, r.Intent.Fields[FieldRunID]+"="+r.Status)
	}
	if want := "a=failed b=interrupted c= =ok"; strings.Join(got, " ") != want {
		t.Errorf("runs %q, want %q", strings.Join(got, " "), want)
	}
	if runs := CommandRuns(events[:2], nil); runs[0].Status != RunInterrupted || runs[1].Status != RunInterrupted {
		t.Errorf("without live runs every intent without a result is interrupted: %+v", runs)
	}
}
