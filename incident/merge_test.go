package incident

import (
	"strings"
	"testing"
	"time"
)

// ids lists a timeline's event ids, for comparison in one line.
func ids(tl Timeline) string {
	var s []string
	for _, e := range tl {
		s = append(s, e.ID)
	}
	return strings.Join(s, " ")
}

// TestMergeAbsorbsSentStatusChanges: a local acknowledge, resolve, snooze,
// reassign or escalate that PagerDuty confirmed shows once, as PagerDuty's
// log entry of its kind,
// when the two are at most absorbWindow apart either way. Anything else (not
// yet sent, refused, another kind, too far apart) keeps its local row, so a
// resolve that did not happen is never hidden behind one that did.
func TestMergeAbsorbsSentStatusChanges(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	remoteAt := func(id string, k Kind, d time.Duration) Event {
		return Event{ID: id, Kind: k, At: t0.Add(d), Origin: Remote}
	}
	local := func(k Kind, st SyncState) Event {
		return Event{ID: "L1", Kind: k, At: t0, Origin: Local, State: st}
	}
	cases := []struct {
		name   string
		remote []Event
		local  Event
		want   string
	}{
		{"sent resolve, provider's 30s later", []Event{remoteAt("R", KindResolve, 30*time.Second)}, local(KindResolve, Sent), "R"},
		{"sent resolve, provider's 30s earlier", []Event{remoteAt("R", KindResolve, -30*time.Second)}, local(KindResolve, Sent), "R"},
		{"sent resolve, window's end after", []Event{remoteAt("R", KindResolve, absorbWindow)}, local(KindResolve, Sent), "R"},
		{"sent resolve, window's end before", []Event{remoteAt("R", KindResolve, -absorbWindow)}, local(KindResolve, Sent), "R"},
		{"sent resolve, just past the window", []Event{remoteAt("R", KindResolve, absorbWindow+time.Second)}, local(KindResolve, Sent), "L1 R"},
		{"sent resolve, just before the window", []Event{remoteAt("R", KindResolve, -absorbWindow-time.Second)}, local(KindResolve, Sent), "R L1"},
		{"sent resolve, the near one second", []Event{
			remoteAt("R1", KindResolve, -time.Hour), remoteAt("R2", KindResolve, time.Minute),
		}, local(KindResolve, Sent), "R1 R2"},
		{"sent resolve, only an acknowledge", []Event{remoteAt("A", KindAcknowledge, time.Minute)}, local(KindResolve, Sent), "L1 A"},
		{"sent resolve, no provider entry", nil, local(KindResolve, Sent), "L1"},
		{"queued resolve", []Event{remoteAt("R", KindResolve, time.Minute)}, local(KindResolve, Queued), "L1 R"},
		{"failed resolve", []Event{remoteAt("R", KindResolve, time.Minute)}, local(KindResolve, Failed), "L1 R"},
		{"sent acknowledge", []Event{remoteAt("A", KindAcknowledge, time.Minute)}, local(KindAcknowledge, Sent), "A"},
		{"sent acknowledge, only a resolve", []Event{remoteAt("R", KindResolve, time.Minute)}, local(KindAcknowledge, Sent), "L1 R"},
		{"queued acknowledge", []Event{remoteAt("A", KindAcknowledge, time.Minute)}, local(KindAcknowledge, Queued), "L1 A"},
		// Snooze, reassign and escalate are PagerDuty's own log entries too
		// (a reassign is logged as an assignment), so they are absorbed the
		// same way; a queued one keeps its row.
		{"sent snooze", []Event{remoteAt("S", KindSnooze, time.Minute)}, local(KindSnooze, Sent), "S"},
		{"queued snooze", []Event{remoteAt("S", KindSnooze, time.Minute)}, local(KindSnooze, Queued), "L1 S"},
		{"sent escalate", []Event{remoteAt("E", KindEscalate, time.Minute)}, local(KindEscalate, Sent), "E"},
		{"sent reassign", []Event{remoteAt("G", KindAssign, time.Minute)}, local(KindReassign, Sent), "G"},
		{"sent reassign, only a snooze", []Event{remoteAt("S", KindSnooze, time.Minute)}, local(KindReassign, Sent), "L1 S"},
		// Kinds PagerDuty has no log entry for are matched by local id only.
		{"sent note, a provider note nearby", []Event{remoteAt("N", KindNote, time.Minute)}, local(KindNote, Sent), "L1 N"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(Merge(c.remote, []Event{c.local})); got != c.want {
				t.Errorf("Merge = %q, want %q", got, c.want)
			}
		})
	}
}

// TestMergeSameSecondOrder: events that share a timestamp are told in
// causal order whatever order they arrive in, kinds oncall records itself
// after PagerDuty's, the provider's row before the journal's, and otherwise
// in arrival order.
func TestMergeSameSecondOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	at := func(id string, k Kind, o Origin) Event {
		e := Event{ID: id, Kind: k, At: t0, Origin: o}
		if o == Local {
			e.State = Queued
		}
		return e
	}
	remote := []Event{
		at("dec", KindDecision, Remote), // unknown to rank: last
		at("oth", KindOther, Remote),
		at("res", KindResolve, Remote),
		at("snz", KindSnooze, Remote),
		at("n2", KindNote, Remote),
		at("n1", KindNote, Remote),
		at("ack", KindAcknowledge, Remote),
		at("esc", KindEscalate, Remote),
		at("ntf", KindNotify, Remote),
		at("asg", KindAssign, Remote),
		at("trg", KindTrigger, Remote),
		at("alr", KindAlert, Remote),
	}
	local := []Event{
		at("lnote", KindNote, Local),
		at("lrole", KindRole, Local),
	}
	want := "alr trg asg ntf esc ack n2 n1 lnote snz res oth dec lrole"
	if got := ids(Merge(remote, local)); got != want {
		t.Errorf("Merge =\n%s\nwant\n%s", got, want)
	}

	// Time comes first: a later alert follows an earlier resolve.
	later := Event{ID: "late", Kind: KindAlert, At: t0.Add(time.Second), Origin: Remote}
	early := Event{ID: "early", Kind: KindResolve, At: t0, Origin: Remote}
	lnote := Event{ID: "lnote", Kind: KindNote, At: t0.Add(-time.Second), Origin: Local, State: Queued}
	if got := ids(Merge([]Event{later, early}, []Event{lnote})); got != "lnote early late" {
		t.Errorf("Merge across seconds = %q, want %q", got, "lnote early late")
	}
}

// TestMergeOneCopyPerLocalID: of several provider copies of one local id,
// one shows: a typed copy over a plain one whichever came first, and among
// copies alike the earliest, whatever order the provider lists them in.
func TestMergeOneCopyPerLocalID(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	plain := func(id string, d time.Duration) Event {
		return Event{ID: id, LocalID: "X", Kind: KindNote, At: t0.Add(d), Origin: Remote}
	}
	typed := func(id string, d time.Duration) Event {
		return Event{ID: id, LocalID: "X", Kind: KindMitigated, At: t0.Add(d), Origin: Remote}
	}
	cases := []struct {
		name   string
		remote []Event
		want   string
		// withJournal is the row shown when the journal holds the
		// structured original: a plain copy gives way to it.
		withJournal string
	}{
		{"typed first, plain earlier", []Event{typed("T", 5*time.Second), plain("P", time.Second)}, "T", "T"},
		{"plain earlier first", []Event{plain("P", time.Second), typed("T", 5*time.Second)}, "T", "T"},
		{"two plain, later listed first", []Event{plain("P2", 9*time.Second), plain("P1", time.Second)}, "P1", "X"},
		{"two typed, later listed first", []Event{typed("T2", 9*time.Second), typed("T1", time.Second)}, "T1", "T1"},
		{"three, typed in the middle", []Event{plain("P1", time.Second), typed("T", 7*time.Second), plain("P2", 2*time.Second)}, "T", "T"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(Merge(c.remote, nil)); got != c.want {
				t.Errorf("Merge = %q, want %q", got, c.want)
			}
			// With the journal's copy (sent), still one row.
			l := Event{ID: "X", Kind: KindMitigated, At: t0, Origin: Local, State: Sent}
			if got := ids(Merge(c.remote, []Event{l})); got != c.withJournal {
				t.Errorf("Merge with the journal's copy = %q, want %q", got, c.withJournal)
			}
		})
	}
	// Provider events without a local id are never folded together.
	a := Event{ID: "A", Kind: KindNote, At: t0, Origin: Remote}
	b := Event{ID: "B", Kind: KindNote, At: t0, Origin: Remote}
	if got := ids(Merge([]Event{a, b}, nil)); got != "A B" {
		t.Errorf("Merge of two untagged notes = %q, want %q", got, "A B")
	}
}
