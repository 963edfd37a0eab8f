package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pagerduty"
)

// TestTheProgressBarWaitsASecondThenDrawsAndErases: nothing is drawn for
// a fetch quicker than a second; after that the bar shows the count
// against the total, and stop leaves the line blank for the output.
func TestTheProgressBarWaitsASecondThenDrawsAndErases(t *testing.T) {
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	b := newProgressBar(&out, func() time.Time { return now })
	b.report(pagerduty.Progress{What: "log entries", Done: 100, Total: 10000})
	now = now.Add(999 * time.Millisecond)
	b.report(pagerduty.Progress{What: "log entries", Done: 200, Total: 10000})
	if out.Len() != 0 {
		t.Fatalf("drawn before a second had passed: %q", out.String())
	}
	now = now.Add(time.Millisecond)
	b.report(pagerduty.Progress{What: "log entries", Done: 5000, Total: 10000})
	if got, want := out.String(), "fetching log entries 5,000/10,000 [##########          ]"; !strings.HasSuffix(got, want) || !strings.HasPrefix(got, "\r") {
		t.Fatalf("bar %q, want a redraw in place ending %q", got, want)
	}
	out.Reset()
	now = now.Add(10 * time.Millisecond)
	b.report(pagerduty.Progress{What: "log entries", Done: 5100, Total: 10000})
	if out.Len() != 0 {
		t.Errorf("redrawn after 10ms: %q (at most ten redraws a second)", out.String())
	}
	now = now.Add(time.Second)
	b.report(pagerduty.Progress{What: "log entries", Done: 9900, Total: 10000})
	if !strings.HasSuffix(out.String(), "9,900/10,000 [################### ]") {
		t.Errorf("bar %q, want 9,900/10,000 drawn", out.String())
	}
	out.Reset()
	b.report(pagerduty.Progress{What: "log entries", Done: 10000, Total: 10000, Last: true})
	if out.String() != "\r\x1b[K" {
		t.Errorf("the last page wrote %q, want the bar erased for the output that follows", out.String())
	}
	out.Reset()
	b.stop()
	if out.Len() != 0 {
		t.Errorf("stop after an erased bar wrote %q", out.String())
	}
}

// TestStopErasesABarLeftMidway: a listing that fails midway leaves no bar
// under the error message.
func TestStopErasesABarLeftMidway(t *testing.T) {
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	b := newProgressBar(&out, func() time.Time { return now })
	now = now.Add(2 * time.Second)
	b.report(pagerduty.Progress{What: "incidents", Done: 100, Total: 10000})
	out.Reset()
	b.stop()
	if out.String() != "\r\x1b[K" {
		t.Errorf("stop wrote %q, want the line erased", out.String())
	}
}

// TestNoProgressOffATerminal: stderr redirected to a file or a buffer gets
// no bar, and the context is left as it was.
func TestNoProgressOffATerminal(t *testing.T) {
	ctx := context.Background()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, w := range []io.Writer{f, &bytes.Buffer{}} {
		got, stop := withProgress(ctx, w)
		stop()
		if got != ctx {
			t.Errorf("%T: the context gained a progress reporter off a terminal", w)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
