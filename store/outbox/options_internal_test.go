package outbox

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The defaults keep the settle rule's margin: a request may arrive as late
// as its own deadline, so Settle is never shorter than AttemptTimeout.
func TestOptionDefaults(t *testing.T) {
	for _, c := range []struct {
		in                                         Options
		attempt, settle, backoff, maxBackoff, idle time.Duration
	}{
		{Options{}, 20 * time.Second, 60 * time.Second, 2 * time.Second, 5 * time.Minute, 30 * time.Second},
		{Options{AttemptTimeout: 5 * time.Second}, 5 * time.Second, 45 * time.Second, 2 * time.Second, 5 * time.Minute, 30 * time.Second},
		{Options{AttemptTimeout: 30 * time.Second, Settle: 10 * time.Second}, 30 * time.Second, 30 * time.Second, 2 * time.Second, 5 * time.Minute, 30 * time.Second},
		{Options{Settle: 90 * time.Second, Backoff: 10 * time.Minute, Idle: time.Hour}, 20 * time.Second, 90 * time.Second, 10 * time.Minute, 10 * time.Minute, time.Hour},
	} {
		o := New(nil, nil, c.in).opts
		if o.AttemptTimeout != c.attempt || o.Settle != c.settle || o.Backoff != c.backoff || o.MaxBackoff != c.maxBackoff || o.Idle != c.idle {
			t.Errorf("New(%+v): attempt %v, settle %v, backoff %v..%v, idle %v", c.in, o.AttemptTimeout, o.Settle, o.Backoff, o.MaxBackoff, o.Idle)
		}
		if o.Now == nil || o.Rand == nil {
			t.Errorf("New(%+v): no clock or no jitter source", c.in)
		}
	}
}

// Only what speaks of PagerDuty or the token, not of one action, ends a
// pass.
func TestPassWide(t *testing.T) {
	for c, want := range map[class]bool{
		classOK: false, classRefused: false, classMoot: false,
		classRateLimited: true, classUnknown: true, classUnauthorized: true, classInterrupted: true,
	} {
		if c.passWide() != want {
			t.Errorf("class %d: passWide %v", c, !want)
		}
	}
}

// A Handler that cannot send is a mistake in the program, caught when it
// is registered rather than when its first action comes due.
func TestRegisterWithoutSendPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Register accepted a Handler without Send")
		}
	}()
	New(nil, nil, Options{}).Register("custom", Handler{})
}

// The edges of the statuses read from an adapter's message: 4xx is a
// refusal, 5xx an unknown outcome.
func TestClassifyStatusEdges(t *testing.T) {
	live := context.Background()
	for msg, want := range map[string]class{
		"PagerDuty answered 499: ?": classRefused,
		"PagerDuty answered 500":    classUnknown,
		"PagerDuty answered 399":    classUnknown,
	} {
		if got := classify(live, errors.New(msg)); got != want {
			t.Errorf("classify(%q) = %d, want %d", msg, got, want)
		}
	}
}
