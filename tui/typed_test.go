package tui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// switchJournal is the harness's journal, except that actions are
// appended to appendTo: a real journal opened read-only makes them fail,
// then the harness's own makes them succeed, within one session.
type switchJournal struct {
	Journal
	appendTo Journal
}

func (s *switchJournal) Append(incidentID string, e incident.Event) (incident.Event, error) {
	return s.appendTo.Append(incidentID, e)
}

// failingAppends wires a switchJournal into the harness's options.
func failingAppends(t *testing.T, sw *switchJournal) func(*Options) {
	sw.appendTo = readOnlyJournal(t)
	return func(o *Options) { sw.Journal, o.Journal = o.Journal, sw }
}

// readOnlyJournal is a real journal file opened read-only: every write
// fails with store.ErrReadOnly, as on a full disk or a lost file.
func readOnlyJournal(t *testing.T) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ro.db")
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

func TestTypedNoteIsKeptWhenTheJournalFails(t *testing.T) {
	sw := &switchJournal{}
	h := newHarness(t, 140, 40, failingAppends(t, sw))
	h.keys("enter")
	id := h.model().detail.inc.ID
	notesBefore := len(h.sim.Notes(id))

	h.keys("n")
	h.typeText("pool resized to 200")
	h.keys("enter")
	h.wantScreen("could not write the journal", "your text is kept")
	if m := h.model(); m.prompt != promptNote || m.input.Value() != "pool resized to 200" {
		t.Fatalf("after a failed write: prompt %v, input %q; want the note prompt with the text", m.prompt, m.input.Value())
	}
	if n := len(h.sim.Notes(id)); n != notesBefore {
		t.Fatalf("a note that was never journaled reached PagerDuty (%d notes, had %d)", n, notesBefore)
	}

	// The journal works again: enter retries the same text, once.
	sw.appendTo = h.journal
	h.keys("enter")
	if m := h.model(); m.prompt != promptNone || m.input.Value() != "" {
		t.Fatalf("after the retry: prompt %v, input %q; want it closed and empty", m.prompt, m.input.Value())
	}
	local, err := h.journal.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != 1 || local[0].Kind != incident.KindNote || !strings.Contains(local[0].Summary, "pool resized to 200") {
		t.Fatalf("journal after the retry: %+v", local)
	}
	if n := len(h.sim.Notes(id)); n != notesBefore+1 {
		t.Fatalf("%d notes on PagerDuty after the retry, want %d", n, notesBefore+1)
	}
}

func TestFormFieldsAreKeptWhenTheJournalFails(t *testing.T) {
	sw := &switchJournal{}
	h := newHarness(t, 140, 50, failingAppends(t, sw))
	h.keys("enter")
	id := h.model().detail.inc.ID

	h.keys("d")
	h.typeText("roll back checkout-api to 4.11")
	h.keys("tab")
	h.typeText("5xx started with 4.12")
	h.keys("tab", "enter")
	h.wantScreen("could not write the journal", "your text is kept", "Log a decision")
	m := h.model()
	if m.prompt != promptForm {
		t.Fatalf("prompt %v after a failed write, want the form back", m.prompt)
	}
	if v := m.form.values(); v[incident.FieldWhat] != "roll back checkout-api to 4.11" || v[incident.FieldWhy] != "5xx started with 4.12" {
		t.Fatalf("form values after a failed write: %v", v)
	}

	sw.appendTo = h.journal
	h.keys("enter")
	h.wantScreen("Decision: roll back checkout-api to 4.11")
	local, err := h.journal.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != 1 || local[0].Kind != incident.KindDecision || local[0].Fields[incident.FieldWhat] != "roll back checkout-api to 4.11" {
		t.Fatalf("journal after the retry: %+v", local)
	}
}

// Esc on the given-back prompt discards the text, as it always does.
func TestGivenBackNoteCanBeDiscarded(t *testing.T) {
	sw := &switchJournal{}
	h := newHarness(t, 140, 40, failingAppends(t, sw))
	h.keys("enter")
	h.keys("n")
	h.typeText("never mind")
	h.keys("enter")
	h.keys("esc")
	h.wantScreen("note discarded")
	if m := h.model(); m.prompt != promptNone {
		t.Fatalf("prompt %v after esc", m.prompt)
	}
}
