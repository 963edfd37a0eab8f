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
		{live, nil, classOK},
		{live, &Moot{Reason: "resolved"}, classMoot},
		{live, fmt.Errorf("wrapped: %w", &Moot{}), classMoot},
		{live, fmt.Errorf("x: %w", incident.ErrRateLimited), classRateLimited},
		{live, fmt.Errorf("x: %w", incident.ErrUnauthorized), classUnauthorized},
		{live, fmt.Errorf("x: %w", incident.ErrForbidden), classRefused},
		{live, fmt.Errorf("x: %w", incident.ErrNotFound), classRefused},
		{live, fmt.Errorf("x: %w", incident.ErrUnreachable), classUnknown},
		{live, errors.New("add note to P1: PagerDuty answered 400: Invalid Input Provided"), classRefused},
		{live, errors.New("add note to P1: PagerDuty answered 409"), classRefused},
		{live, errors.New("add note to P1: PagerDuty answered 429"), classRateLimited},
		{live, errors.New("add note to P1: PagerDuty answered 502"), classUnknown},
		{live, errors.New("add note to P1: malformed response from http://x"), classUnknown},
		{done, fmt.Errorf("x: %w", incident.ErrUnreachable), classInterrupted},
		{live, fmt.Errorf("x: %w", context.Canceled), classInterrupted},
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
