package pagerduty

import (
	"context"
)

// This file holds the one walk over PagerDuty's classic pagination that
// every listing uses, and the progress it reports to a caller who asked.

// page is one answer of a paginated listing.
type page[T any] struct {
	items []T
	more  bool
	total uint // the listing's size, when total=true was asked; else 0
}

// walk reads a listing page by page, pageSize at a time, handing each
// item to keep in order, until PagerDuty says there is no more. fetch
// asks for the page at offset; total is true when the caller's context
// wants progress and this is the first page, so that a count is asked
// for once (PagerDuty computes it only when asked).
//
// PagerDuty cannot page past offset+limit 10,000: walk then stops and
// reports capped, and the caller decides whether that is an error.
// Each request runs through call (its own deadline, errors translated),
// so a slow listing is bounded per page, not as a whole.
func walk[T any](ctx context.Context, c *Client, what, noun string,
	fetch func(ctx context.Context, offset uint, total bool) (page[T], error), keep func(T),
) (capped bool, err error) {
	return walkPages(ctx, c, what, noun, fetch, func(items []T) {
		for _, it := range items {
			keep(it)
		}
	})
}

// walkPages is walk handing on each page's items at once, as decoded: a
// caller keeping large items (a log entry is 1.6 KB) can join the pages
// once at the end rather than copy the items again at every doubling.
func walkPages[T any](ctx context.Context, c *Client, what, noun string,
	fetch func(ctx context.Context, offset uint, total bool) (page[T], error), keep func([]T),
) (capped bool, err error) {
	report, _ := ctx.Value(progressKey{}).(func(Progress))
	done, total := 0, 0
	for offset := uint(0); ; offset += pageSize {
		if offset+pageSize > offsetCap {
			return true, nil
		}
		var p page[T]
		err := c.call(ctx, what, func(ctx context.Context) error {
			var err error
			p, err = fetch(ctx, offset, report != nil && offset == 0)
			return err
		})
		if err != nil {
			return false, err
		}
		keep(p.items)
		done += len(p.items)
		if offset == 0 {
			total = int(p.total)
		}
		last := !p.more || len(p.items) == 0
		if report != nil {
			report(Progress{What: noun, Done: done, Total: max(total, done), Last: last || offset+2*pageSize > offsetCap})
		}
		if last {
			return false, nil
		}
	}
}

// Progress is how far a listing has come: Done items of Total read so
// far (Total is Done when PagerDuty gave no count). What names the
// items ("log entries"); Last says this was the listing's last page.
type Progress struct {
	What        string
	Done, Total int
	Last        bool
}

type progressKey struct{}

// WithProgress returns a context whose listings report each page read to
// fn, on the goroutine making the requests; a one-shot command uses it to
// draw a progress bar. Listings under it ask PagerDuty for a count on
// their first page.
func WithProgress(ctx context.Context, fn func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}
