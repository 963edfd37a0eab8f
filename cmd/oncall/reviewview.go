package main

import (
	"context"
	"io"
	"time"

	"github.com/oncallkit/oncall/review"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/tui"
)

// reviewLoader is the interactive view's weekly review: the last 7 days,
// gathered and computed as oncall review does with its defaults and the
// configured SLOs, drafts and pre-mortems. j is the view's journal (nil
// when there is none): the review reads it and keeps its cache in it,
// unless it is read-only, when the cache is only read. now is the view's
// clock (nil is time.Now).
func (f *factory) reviewLoader(src review.Source, j *store.Store, now func() time.Time) tui.ReviewLoader {
	g := f.g
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, progress io.Writer) (review.Report, error) {
		o := reviewOptions{since: "7d", format: "md", workHours: review.DefaultWork.String(), sleepHours: review.DefaultSleep.String()}
		o.useTeam(g.set.team, nil) // the configured zone and hours, as oncall review reads them
		ro, err := o.options(now())
		if err != nil {
			return review.Report{}, err
		}
		ro.SLOs = postmortemSLOs(g.set.slos)
		ro.PostmortemsDir = g.set.postmortemsDir
		// Warnings about pre-mortems would write under the screen.
		ro.Foreseen = foreseenBy(&premortemOptions{g: g, errW: io.Discard}, ro.Location, io.Discard)
		ro.Progress = progress
		var (
			rj review.Journal
			c  review.Cache
		)
		switch {
		case j == nil:
		case j.ReadOnly():
			rj, c = j, readOnlyCache{j}
		default:
			rj, c = j, j
		}
		return gatherReview(ctx, src, rj, c, ro)
	}
}
