package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/premortem"
)

// TestPremortemTickJournalsAndMirrors: the CLI's tick is the Pre-mortem
// tab's x: the countermeasure event is journaled, sent, and read back
// typed from PagerDuty; --undo records the reverse; bad input and
// read-only mode journal nothing.
func TestPremortemTickJournalsAndMirrors(t *testing.T) {
	e := newVerbEnv(t)
	dir, err := filepath.Abs("../../premortems")
	if err != nil {
		t.Fatal(err)
	}
	set, _, err := premortem.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := set.Failure("card-processor-timeouts")
	if !ok {
		t.Fatal("the shipped pre-mortems lack card-processor-timeouts")
	}
	var during []premortem.Countermeasure
	for _, c := range f.Countermeasures {
		if c.Phase == premortem.During {
			during = append(during, c)
		}
	}
	if len(during) < 2 {
		t.Fatalf("card-processor-timeouts has %d during countermeasures, the test needs 2", len(during))
	}
	pm := []string{"--premortems", dir}

	for _, c := range []struct {
		args    []string
		want    string
		message string
	}{
		{[]string{"premortem", "tick", e.inc, "no-such-failure", "1"}, "", `no assumed failure "no-such-failure"`},
		{[]string{"premortem", "tick", e.inc, f.ID, "9"}, "", fmt.Sprintf("countermeasure 9: it has %d during countermeasures", len(during))},
		{[]string{"premortem", "tick", e.inc, f.ID, "0"}, "", "countermeasure 0"},
		{[]string{"premortem", "tick", e.inc, f.ID, "not-a-key"}, "", `no during countermeasure "not-a-key"`},
		{[]string{"premortem", "tick", e.inc, f.ID}, "", "needs an incident, a failure id and a countermeasure"},
		{[]string{"premortem", "tick", e.inc, f.ID, "1", "--read-only"}, "", "oncall premortem tick changes incidents, and read-only mode is on"},
	} {
		code, _, stderr := e.run(t, append(c.args, pm...)...)
		if code != exitUsage || !strings.Contains(stderr, c.message) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", c.args, code, stderr, c.message)
		}
	}
	if evs := e.events(t); len(evs) != 0 {
		t.Fatalf("refused ticks journaled %+v", evs)
	}

	if code, _, _ := e.run(t, append([]string{"premortem", "tick", e.inc, f.ID, "2"}, pm...)...); code != exitOK {
		t.Fatalf("tick: exit %d", code)
	}
	if code, _, _ := e.run(t, append([]string{"premortem", "tick", e.inc, f.ID, during[1].Key, "--undo"}, pm...)...); code != exitOK {
		t.Fatalf("tick --undo: exit %d", code)
	}
	evs := e.events(t)
	if len(evs) != 2 {
		t.Fatalf("journal holds %d events, want 2: %+v", len(evs), evs)
	}
	for i, change := range []string{incident.ChangeDone, incident.ChangeUndone} {
		ev := evs[i]
		want := map[string]string{
			incident.FieldPremortem: f.Premortem.ID, incident.FieldFailure: f.ID, incident.FieldPhase: "during",
			incident.FieldStepKey: during[1].Key, incident.FieldChange: change,
		}
		if ev.Kind != incident.KindCountermeasure || ev.State != incident.Sent {
			t.Errorf("event %d: %s %s, want a sent countermeasure", i, ev.Kind, ev.State)
		}
		for k, v := range want {
			if ev.Fields[k] != v {
				t.Errorf("event %d: %s = %q, want %q", i, k, ev.Fields[k], v)
			}
		}
		back := e.mirrors(ev.ID)
		if len(back) != 1 || back[0].Kind != incident.KindCountermeasure || back[0].Fields[incident.FieldChange] != change {
			t.Errorf("event %d read back from PagerDuty as %+v", i, back)
		}
	}
}
