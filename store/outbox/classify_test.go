package outbox

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

func TestClassify(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(live)
	cancel()
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want class
	}{
		{live, nil, ok},
		{live, &Moot{Reason: "resolved"}, moot},
		{live, fmt.Errorf("wrapped: %w", &Moot{}), moot},
		{live, fmt.Errorf("x: %w", incident.ErrRateLimited), rateLimited},
		{live, fmt.Errorf("x: %w", incident.ErrUnauthorized), unauthorized},
		{live, fmt.Errorf("x: %w", incident.ErrForbidden), permanent},
		{live, fmt.Errorf("x: %w", incident.ErrNotFound), permanent},
		{live, fmt.Errorf("x: %w", incident.ErrUnreachable), unknown},
		{live, errors.New("add note to P1: PagerDuty answered 400: Invalid Input Provided"), permanent},
		{live, errors.New("add note to P1: PagerDuty answered 409"), permanent},
		{live, errors.New("add note to P1: PagerDuty answered 429"), rateLimited},
		{live, errors.New("add note to P1: PagerDuty answered 502"), unknown},
		{live, errors.New("add note to P1: malformed response from http://x"), unknown},
		{done, fmt.Errorf("x: %w", incident.ErrUnreachable), interrupted},
		{live, fmt.Errorf("x: %w", context.Canceled), interrupted},
	} {
		if got := classify(c.ctx, c.err); got != c.want {
			t.Errorf("classify(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999} {
		d := New(nil, nil, Options{Backoff: time.Second, MaxBackoff: 10 * time.Second, Rand: func() float64 { return r }})
		for n, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 60: 10 * time.Second} {
			got := d.backoff(n)
			if got < base/2 || got >= base || (r == 0 && got != base/2) {
				t.Errorf("rand %v: backoff(%d) = %v, want in [%v, %v)", r, n, got, base/2, base)
			}
		}
	}
}
