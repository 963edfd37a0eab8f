package incident

import (
	"testing"
	"time"
)

// TestSnoozeSummaryIsHuman: a snooze journaled here (and not yet
// confirmed by PagerDuty's own entry) reads as people write durations,
// never Go's 30m0s.
func TestSnoozeSummaryIsHuman(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Minute, "Snoozed for 30m"},
		{time.Hour, "Snoozed for 1h"},
		{90 * time.Minute, "Snoozed for 1h30m"},
		{SnoozeMax, "Snoozed for 7d"},
		{28 * time.Hour, "Snoozed for 1d4h"},
	} {
		e, err := NewSnooze(c.d)
		if err != nil {
			t.Fatal(err)
		}
		if e.Summary != c.want {
			t.Errorf("snooze %s: summary %q, want %q", c.d, e.Summary, c.want)
		}
		if got := Summary(e); got != c.want {
			t.Errorf("snooze %s: Summary %q, want %q", c.d, got, c.want)
		}
	}
	// A field that is not a Go duration is shown as it came.
	e := Event{Kind: KindSnooze, Fields: map[string]string{FieldDuration: "until 9am"}}
	if got := Summary(e); got != "Snoozed for until 9am" {
		t.Errorf("foreign duration: %q", got)
	}
}
