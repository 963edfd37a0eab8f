package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestReviewCountsFollowTheMark: in the running program, marking a
// follow-up done moves the review's counts at once (done, open and the
// completion rate), not only its row.
func TestReviewCountsFollowTheMark(t *testing.T) {
	h := newHarness(t, 120, 40, withReview)
	followUpOn(t, h, pdsim.DemoPayments, "Alert on card processor timeouts")
	followUpOn(t, h, pdsim.DemoPayments, "Raise the processor client timeout")
	h.keys("W")
	h.wantScreen("Follow-ups: 0% done · 0 done · 2 open · 0 overdue")
	toFollowUps(t, h)
	h.keys("x")
	h.wantScreen("done (pending)", "Follow-ups: 50% done · 1 done · 1 open · 0 overdue")
}

// TestReviewCountsOfAnOverdueMark: an overdue follow-up marked done leaves
// the overdue count for the done one, and when the mark cannot be
// recorded (undo) the counts are the report's again.
func TestReviewCountsOfAnOverdueMark(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	v := NewReview(reviewReport(), &st, &keys).SetSize(100, 40)
	const before = "Follow-ups: 25% done · 1 done · 1 open · 1 overdue · 1 without owner or due"
	if s := ansi.Strip(v.View()); !strings.Contains(s, before) {
		t.Fatalf("before marking, the screen lacks %q:\n%s", before, s)
	}
	v, _ = press(v, "tab")
	v, msg := press(v, "x")
	if m, ok := msg.(ReviewDoneMsg); !ok || m.ItemID != "f1" {
		t.Fatalf("x = %#v, want the overdue f1 marked", msg)
	}
	const after = "Follow-ups: 50% done · 2 done · 1 open · 0 overdue · 1 without owner or due"
	if s := ansi.Strip(v.View()); !strings.Contains(s, after) {
		t.Fatalf("after marking, the screen lacks %q:\n%s", after, s)
	}
	v = v.undo("f1")
	if s := ansi.Strip(v.View()); !strings.Contains(s, before) {
		t.Fatalf("after the mark was undone, the screen lacks %q:\n%s", before, s)
	}
}
