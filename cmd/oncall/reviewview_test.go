package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/review"
	"github.com/oncallkit/oncall/store"
)

// TestViewReviewLoader: the interactive view's review is the last 7 days
// gathered through the review package from PagerDuty (the simulator)
// and the view's journal: a follow-up journaled here is in it, progress
// is reported, and what was fetched is cached in that journal, so the
// next review fetches only what changed. Without a journal it still
// loads, from PagerDuty alone.
func TestViewReviewLoader(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("PAGERDUTY_FROM", pdsim.DemoUserEmail)
	snap, _ := sim.IncidentByKey(pdsim.DemoCheckout)
	db := filepath.Join(t.TempDir(), "j.db")
	simNow := func() time.Time { return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC) } // newSim's clock
	g := &globalOptions{apiURL: url, db: db}
	f := g.factory()
	src, err := f.Source()
	if err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// A follow-up a responder recorded an hour ago, on this machine.
	ai, err := incident.NewActionItem("add a canary", "payments", "2026-12-01", "prevent", simNow())
	if err != nil {
		t.Fatal(err)
	}
	ai.At = simNow().Add(-time.Hour)
	if _, err := j.Append(snap.ID, ai); err != nil {
		t.Fatal(err)
	}

	var progress bytes.Buffer
	rep, err := f.reviewLoader(src, j, simNow)(t.Context(), &progress)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Incidents == 0 || !slices.ContainsFunc(rep.FollowUps.Items, func(it review.FollowUp) bool { return it.Title == "add a canary" }) {
		t.Fatalf("review: %d incidents, follow-ups %+v", rep.Incidents, rep.FollowUps.Items)
	}
	if got := rep.Period.Until.Sub(rep.Period.Since).Hours(); got != 7*24 {
		t.Errorf("the view's review covers %vh, want the last 7 days", got)
	}
	if !strings.Contains(progress.String(), "review: ") {
		t.Errorf("no progress reported: %q", progress.String())
	}
	cached, err := j.ReviewEntries([]string{snap.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(cached) != 1 {
		t.Errorf("the review cached %d timelines of %s in the view's journal", len(cached), snap.ID)
	}

	rep, err = f.reviewLoader(src, nil, simNow)(t.Context(), nil)
	if err != nil || rep.Incidents == 0 {
		t.Fatalf("without a journal: %d incidents, %v", rep.Incidents, err)
	}
}
