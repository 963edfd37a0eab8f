package incident

import "context"

// A long incident's log is read in many pages (100 entries each at
// PagerDuty); a screen that waits for the last page before drawing the
// first keeps its user waiting seconds for nothing. A source that reads
// in pages hands each page to the function carried by the context, as
// it arrives, beside returning the whole at the end.

// EventPage is one page of a full timeline read: the events the page
// brought (in the provider's order, not yet merged or de-duplicated:
// the read's result is what counts), and how many entries of how many
// have been read so far (total is done when the provider gave no count).
type EventPage struct {
	Events      []Event
	Done, Total int
}

type eventPagesKey struct{}

// WithEventPages returns a context under which a source's full read of
// an incident's events (Events) calls fn with each page read, on the
// goroutine making the requests. fn must not keep the read waiting.
func WithEventPages(ctx context.Context, fn func(EventPage)) context.Context {
	return context.WithValue(ctx, eventPagesKey{}, fn)
}

// EventPagesFrom returns the function WithEventPages put in ctx, if any.
func EventPagesFrom(ctx context.Context) (func(EventPage), bool) {
	fn, ok := ctx.Value(eventPagesKey{}).(func(EventPage))
	return fn, ok && fn != nil
}
