package outbox

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// This file holds how an attempt's error is read: classify sorts it into a
// class (ok, refused, moot, rate-limited, unknown outcome, unauthorized,
// interrupted), passWide says whether the class ends the pass, and backoff
// is the wait after consecutive failures.

// class is how an attempt's error decides what happens next.
type class int

const (
	classOK           class = iota
	classRefused            // refused: mark Failed, go on with the incident
	classMoot               // pointless: mark Failed with the reason, go on
	classRateLimited        // not applied; retry later; end the pass
	classUnknown            // may have been applied; check, then retry; end the pass
	classUnauthorized       // the token: keep everything queued; end the pass
	classInterrupted        // ctx ended: outcome unknown; stop without backoff
)

// answered matches the adapter's message for a status it has no sentinel
// for: "...: PagerDuty answered 400: ...". It is compiled on first use, as
// package init runs for every command.
var answered = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`PagerDuty answered (\d{3})\b`) })

// classify reads an attempt's error; ctx is the pass's, not the attempt's,
// so that an attempt running out of its own time is an unknown outcome to
// back off from, not the caller giving up.
func classify(ctx context.Context, err error) class {
	var m *Moot
	switch {
	case err == nil:
		return classOK
	case errors.As(err, &m):
		return classMoot
	case ctx.Err() != nil, errors.Is(err, context.Canceled):
		return classInterrupted
	case errors.Is(err, incident.ErrRateLimited):
		return classRateLimited
	case errors.Is(err, incident.ErrUnauthorized):
		return classUnauthorized
	case errors.Is(err, incident.ErrForbidden), errors.Is(err, incident.ErrNotFound):
		return classRefused
	case errors.Is(err, incident.ErrUnreachable):
		return classUnknown
	}
	if sm := answered().FindStringSubmatch(err.Error()); sm != nil {
		code, _ := strconv.Atoi(sm[1])
		switch {
		case code == 429:
			return classRateLimited
		case code >= 400 && code < 500:
			return classRefused
		}
	}
	// A malformed or unexpected answer: the request may have been applied.
	return classUnknown
}

// passWide reports whether c says something about PagerDuty or the token,
// not about one action: the pass ends, as the next action would only meet
// the same answer.
func (c class) passWide() bool {
	return c == classRateLimited || c == classUnknown || c == classUnauthorized || c == classInterrupted
}

// backoff is the wait after the n-th consecutive failure (n >= 1):
// Backoff doubled n-1 times, capped, with jitter in [d/2, d).
func (d *Drainer) backoff(n int) time.Duration {
	w := d.opts.Backoff
	for i := 1; i < n && w < d.opts.MaxBackoff; i++ {
		w *= 2
	}
	w = min(w, d.opts.MaxBackoff)
	return w/2 + time.Duration(d.opts.Rand()*float64(w/2))
}
