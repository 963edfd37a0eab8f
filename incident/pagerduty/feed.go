package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

// This file holds the change feed: the account-wide log read since a
// point, so that a poller re-fetches only the incidents that changed
// instead of re-listing the account.

// Cursor is where a change feed stands: the time of the newest log entry
// read, and the entries of that very second already counted. PagerDuty
// keeps time in seconds and its reference does not say whether since is
// inclusive, so the next read asks from a second earlier and skips what
// was counted; a quiet account then reports nothing changed, not the
// last incident again and again.
type Cursor struct {
	At   time.Time
	seen []string // ids of the entries at At already reported
}

// CursorAt starts a feed at t: changes at or after t are reported.
func CursorAt(t time.Time) Cursor { return Cursor{At: t.UTC().Truncate(time.Second)} }

// ErrNoCursor is Changes' answer to a zero cursor: reading the whole
// account's log would cost as much as the re-listing a feed replaces.
var ErrNoCursor = errors.New("change feed needs a starting time")

// Changes reads the account-wide log (GET /log_entries) from cur and
// returns the ids of the incidents with an entry since, most recently
// changed first and each once, with the cursor for the next read. One
// request when little changed: a page holds 100 entries.
//
// More than PagerDuty's 10,000 entries since cur returns what was read
// with an error wrapping incident.ErrTruncated: re-list instead.
func (c *Client) Changes(ctx context.Context, cur Cursor) ([]string, Cursor, error) {
	if cur.At.IsZero() {
		return nil, cur, ErrNoCursor
	}
	opts := pd.ListLogEntriesOptions{Limit: pageSize, Since: cur.At.Add(-sinceOverlap).UTC().Format(time.RFC3339)}
	var (
		ids     []string
		named   = make(map[string]bool)
		counted = make(map[string]bool) // entry ids: pages shift while they are read
		next    = cur
	)
	capped, err := walk(ctx, c, "account log", "log entries", func(ctx context.Context, offset uint, total bool) (page[pd.LogEntry], error) {
		opts.Offset, opts.Total = offset, total
		resp, err := c.pd.ListLogEntriesWithContext(ctx, opts)
		if err != nil {
			return page[pd.LogEntry]{}, err
		}
		return page[pd.LogEntry]{resp.LogEntries, resp.More, resp.Total}, nil
	}, func(le pd.LogEntry) {
		at := parseTime(le.CreatedAt).UTC()
		if counted[le.ID] || at.Before(cur.At) || at.Equal(cur.At) && slices.Contains(cur.seen, le.ID) {
			return // the overlap second, or an entry already reported
		}
		counted[le.ID] = true
		switch {
		case at.After(next.At):
			next = Cursor{At: at, seen: []string{le.ID}}
		case at.Equal(next.At):
			next.seen = append(slices.Clip(next.seen), le.ID)
		}
		if id := le.Incident.ID; id != "" && !named[id] {
			named[id] = true
			ids = append(ids, id)
		}
	})
	if err != nil {
		return nil, cur, err
	}
	if capped {
		return ids, next, fmt.Errorf("account log: more than %d entries since %s; re-list the incidents: %w",
			offsetCap, cur.At.Format(time.RFC3339), incident.ErrTruncated)
	}
	return ids, next, nil
}
