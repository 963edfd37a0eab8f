package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/oncallkit/oncall/incident/pagerduty"
)

// progressDelay is how long a fetch runs before its progress is shown: a
// quick command prints nothing but its answer.
const progressDelay = time.Second

// withProgress returns ctx carrying a progress bar for the long listings
// of a one-shot command (incidents, export), drawn on w when w is a
// terminal and the fetch has taken longer than progressDelay; stop erases
// the bar. When w is not a terminal (a pipe, a file, a test) ctx comes
// back as it was, so scripts see nothing new on stderr.
func withProgress(ctx context.Context, w io.Writer) (_ context.Context, stop func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return ctx, func() {}
	}
	b := newProgressBar(w, time.Now)
	return pagerduty.WithProgress(ctx, b.report), b.stop
}

// progressBar draws "fetching log entries 4,300/10,000 [#####     ]" on
// one line, redrawn in place at most every tenth of a second, and erased
// when the listing's last page is in.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	start time.Time
	last  time.Time // when the bar was last drawn; zero: never
}

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	return &progressBar{w: w, now: now, start: now()}
}

// barWidth is the bar's length in cells: the line stays under 60
// columns, so it never wraps on a narrow terminal.
const barWidth = 20

func (b *progressBar) report(p pagerduty.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.Last {
		// The listing is done: whatever the command writes next (its
		// answer, or the next listing's bar) starts on a clean line.
		b.eraseLocked()
		return
	}
	now := b.now()
	if now.Sub(b.start) < progressDelay || !b.last.IsZero() && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	filled := 0
	if p.Total > 0 {
		filled = min(barWidth*p.Done/p.Total, barWidth)
	}
	fmt.Fprintf(b.w, "\r\x1b[Kfetching %s %s/%s [%s%s]", p.What, thousands(p.Done), thousands(p.Total),
		strings.Repeat("#", filled), strings.Repeat(" ", barWidth-filled))
}

// stop erases the bar, if one was drawn, so the command's own output
// starts on a clean line.
func (b *progressBar) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.eraseLocked()
}

func (b *progressBar) eraseLocked() {
	if !b.last.IsZero() {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.last = time.Time{}
	}
}

// thousands writes n with commas: 10,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
