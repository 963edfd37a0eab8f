package review_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/review"
	"github.com/oncallkit/oncall/store"
)

// counting counts the requests that leave the client.
type counting struct {
	n    atomic.Int64
	base http.RoundTripper
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// BenchmarkReview10k reviews 28 days of 10,000 simulated incidents over
// real HTTP with the real client (pacing off: the simulator does not
// limit), twice on one journal: the first run reads every incident's log,
// the second takes the resolved ones from the cache. It reports each
// run's requests and wall time, and the time of Compute alone.
//
//	go test ./review -run '^$' -bench Review10k -benchtime 1x
func BenchmarkReview10k(b *testing.B) {
	epoch := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clk := pdsim.NewClock(epoch)
	sim := pdsim.New(pdsim.Options{Now: clk.Now, Scenario: pdsim.Scenario{}})
	if _, err := sim.Bulk(pdsim.BulkSpec{Incidents: 10000, Seed: 11}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	tr := &counting{base: http.DefaultTransport.(*http.Transport).Clone()}
	tr.base.(*http.Transport).MaxIdleConnsPerHost = 16
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, RequestsPerMinute: -1, Now: clk.Now,
		HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		b.Fatal(err)
	}
	o := review.Options{Since: epoch.Add(-28 * 24 * time.Hour), Until: epoch.Add(time.Hour), Now: epoch}
	var first, second, firstMS, secondMS, computeMS float64
	for range b.N {
		j, err := store.Open(filepath.Join(b.TempDir(), "journal.db"))
		if err != nil {
			b.Fatal(err)
		}
		run := func() (float64, float64, review.Data) {
			start, before := time.Now(), tr.n.Load()
			d, err := review.Gather(context.Background(), src, j, j, o)
			if err != nil {
				b.Fatal(err)
			}
			return float64(tr.n.Load() - before), float64(time.Since(start).Milliseconds()), d
		}
		var d review.Data
		first, firstMS, d = run()
		if len(d.Incidents) != 10000 {
			b.Fatalf("reviewed %d incidents, want 10000", len(d.Incidents))
		}
		start := time.Now()
		_ = review.Compute(d, o)
		computeMS = float64(time.Since(start).Milliseconds())
		second, secondMS, _ = run()
		j.Close()
	}
	b.ReportMetric(first, "requests-first")
	b.ReportMetric(firstMS, "ms-first")
	b.ReportMetric(second, "requests-second")
	b.ReportMetric(secondMS, "ms-second")
	b.ReportMetric(computeMS, "ms-compute")
}
