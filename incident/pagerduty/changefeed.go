package pagerduty

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Feed follows the account's change feed for a program that polls: each
// call to Changed reads the log entries written since the previous one
// (one request while the account is quiet) and names the incidents they
// belong to. It holds its cursor, so it is shared, not copied; it is safe
// for concurrent use, and calls are served one at a time so that no
// change falls between two cursors.
type Feed struct {
	c   *Client
	mu  sync.Mutex
	cur Cursor
}

// Feed starts a change feed at from: changes at or after from are
// reported. Start it no later than the listing it keeps current, so that
// nothing changed while that listing was read goes unreported.
func (c *Client) Feed(from time.Time) *Feed {
	return &Feed{c: c, cur: CursorAt(from)}
}

// Changed returns the ids of the incidents with a log entry since the
// previous call, most recently changed first. An error wrapping
// incident.ErrTruncated means more changed than one read covers: re-list
// (the feed goes on from the time of the call, which the re-listing
// covers). On any other error the cursor stays, so the next call covers
// the same span.
func (f *Feed) Changed(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start := time.Now()
	ids, next, err := f.c.Changes(ctx, f.cur)
	switch {
	case errors.Is(err, incident.ErrTruncated):
		f.cur = CursorAt(start)
		return ids, err
	case err != nil:
		return ids, err
	}
	f.cur = next
	return ids, nil
}
