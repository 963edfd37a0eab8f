package outbox

import (
	"context"
	"time"
)

// This file holds the background sender: Run makes a pass whenever the
// earliest waiting action is due, Kick is called, or Idle passes.

// Kick wakes Run for a pass now, as after journaling a new action. It
// never blocks.
func (d *Drainer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run drains in the background until ctx ends: a pass now, then one
// whenever the earliest waiting action is due, Kick is called, or Idle
// passes. notify, if not nil, hears every action a pass attempted or
// settled; it runs on Run's goroutine and must not block for long.
func (d *Drainer) Run(ctx context.Context, notify func(Result)) {
	for {
		rep, _ := d.Drain(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := d.opts.Idle
		now := d.opts.Now()
		for _, r := range rep.Results {
			if notify != nil && (r.Attempted || r.Outcome.Final()) {
				notify(r)
			}
			if r.Outcome == Waiting && !r.Next.IsZero() {
				wait = min(wait, r.Next.Sub(now))
			}
		}
		timer := time.NewTimer(max(wait, minWait))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-d.kick:
			timer.Stop()
			// A new action is worth one prompt try, even during a backoff
			// (never during a settle period, which no pass skips).
			d.mu.Lock()
			d.notBefore, d.why = time.Time{}, nil
			d.mu.Unlock()
		case <-timer.C:
		}
	}
}

// minWait keeps Run from spinning should a clock report a due time that
// a pass then finds not due.
const minWait = 10 * time.Millisecond
