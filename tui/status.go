package tui

import "time"

// statusKind says what a status line is about, and so what may replace
// it: the line is one value, never a set of flags.
type statusKind int

const (
	// statusInfo is plain information; the next message replaces it.
	statusInfo statusKind = iota
	// statusProgress waits for a fetch ("Loading incidents…",
	// "refreshing…"); the fetch's answer clears it.
	statusProgress
	// statusWait is a retry wait the provider asked for; the next
	// successful fetch clears it.
	statusWait
	// statusStale is a background fetch that failed; the next successful
	// fetch clears it.
	statusStale
	// statusError is the fate of something the responder did; it stays
	// until something else is said.
	statusError
	// statusWarning is a start-up warning (bad key config, broken
	// runbooks): background fetches never replace or clear it.
	statusWarning
	// statusGiveBack reports an action the journal refused whose text is
	// back in its prompt; while the note prompt is open it takes the key
	// line, since the prompt takes the status line.
	statusGiveBack
)

// status is the status line.
type status struct {
	kind statusKind
	text string
	// holdUntil protects an action's outcome: until then, background
	// noise (stale fetches, retry waits) does not replace it; the title
	// bar's "stale" still says a refresh failed.
	holdUntil time.Time
}

// isErr reports a line drawn as an error.
func (s status) isErr() bool {
	switch s.kind {
	case statusStale, statusError, statusWarning, statusGiveBack:
		return true
	}
	return false
}

// yieldsToBackground reports whether a background fetch's error or wait
// notice may replace s at now.
func (s status) yieldsToBackground(now time.Time) bool {
	return s.kind != statusWarning && !now.Before(s.holdUntil)
}

// clearsOnSuccess reports whether a successful fetch ends s: it was
// waiting for that fetch, or said that fetches failed.
func (s status) clearsOnSuccess() bool {
	switch s.kind {
	case statusProgress, statusWait, statusStale:
		return true
	}
	return false
}

// actionStickiness is how long an action's outcome holds the status line
// against background refresh errors.
const actionStickiness = 10 * time.Second
