package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

type syncOptions struct {
	wait   time.Duration // keep retrying this long while actions wait
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) // tests make it instant
	outbox outbox.Options                             // timing from the hidden --outbox-* flags
}

func newSyncCmd(g *globalOptions) *cobra.Command {
	o := &syncOptions{now: time.Now, sleep: sleepCtx}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Send the journal's queued actions to PagerDuty now",
		Long: `sync sends every action waiting in the journal's outbox (notes,
acknowledgements, resolutions taken while PagerDuty was unreachable or
rate limiting) in order per incident, each exactly once, and reports what
was sent and what still waits.

It exits 0 when everything reached PagerDuty, 4 when PagerDuty could not
be reached, 3 when it refused the token, and 1 when something still waits
or PagerDuty refused an action. It may run while the interactive view has
the same journal open: one of them sends at a time, and each action goes
once.`,
		Example: `  oncall sync
  oncall sync --wait 2m      # keep retrying for up to two minutes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := g.factory()
			if err := f.Writable("sync"); err != nil {
				return err
			}
			o.outbox = g.outbox
			src, err := f.Source()
			if err != nil {
				return err
			}
			j, err := f.Journal("sync")
			if errors.Is(err, store.ErrLocked) {
				return fmt.Errorf("%w; a running oncall sends the outbox itself", err)
			}
			if err != nil {
				return err
			}
			defer j.Close()
			return runSync(cmd.Context(), o, src, j, cmd.OutOrStdout())
		},
	}
	cmd.Flags().DurationVar(&o.wait, "wait", 0, "keep retrying for up to this long while actions wait (e.g. 2m)")
	return cmd
}

// runSync flushes the outbox, then, within o.wait, retries what waits as
// its backoff allows. It prints one line per action and returns an error
// unless every action reached PagerDuty (or was moot).
func runSync(ctx context.Context, o *syncOptions, src incident.Source, j outbox.Journal, stdout io.Writer) error {
	if o.now == nil {
		o.now = time.Now
	}
	if o.sleep == nil {
		o.sleep = sleepCtx
	}
	opts := o.outbox
	opts.Now = o.now
	d := outbox.New(j, src, opts)
	deadline := o.now().Add(o.wait)

	// The latest result for each action, in the order first seen: a later
	// pass no longer lists what an earlier one settled.
	var order []string
	latest := map[string]outbox.Result{}
	record := func(rep outbox.Report) {
		for _, r := range rep.Results {
			if _, ok := latest[r.Event.ID]; !ok {
				order = append(order, r.Event.ID)
			}
			latest[r.Event.ID] = r
		}
	}
	rep, err := d.Flush(ctx, "")
	record(rep)
	for err == nil && rep.Count(outbox.Waiting) > 0 {
		var next time.Time
		for _, r := range rep.Results {
			if r.Outcome == outbox.Waiting && !r.Next.IsZero() && (next.IsZero() || r.Next.Before(next)) {
				next = r.Next
			}
		}
		if next.IsZero() || next.After(deadline) {
			break // nothing comes due in the time we have
		}
		o.sleep(ctx, next.Sub(o.now()))
		if ctx.Err() != nil {
			break
		}
		rep, err = d.Drain(ctx)
		record(rep)
	}

	if len(order) == 0 {
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "nothing to send: the outbox is empty")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	counts := map[outbox.Outcome]int{}
	// The error to exit with: the first one PagerDuty (or its absence)
	// gave, rather than "waits for an earlier action".
	var waitErr, failErr error
	causal := false
	for _, id := range order {
		r := latest[id]
		counts[r.Outcome]++
		e := r.Event
		what := syncWhat(e)
		switch r.Outcome {
		case outbox.Landed:
			what += " (it had already reached PagerDuty; not sent again)"
		case outbox.Waiting:
			if r.Attempts > 0 {
				what += fmt.Sprintf(" (attempts: %d)", r.Attempts)
			}
			what += ": " + errText(r.Err)
			if waitErr == nil || r.Attempted && !causal {
				waitErr, causal = r.Err, r.Attempted
			}
		case outbox.Held:
			what += ": " + errText(r.Err)
			if waitErr == nil {
				waitErr = r.Err
			}
		case outbox.Failed, outbox.Skipped:
			what += ": " + errText(r.Err)
			if r.Outcome == outbox.Failed {
				failErr = r.Err
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Outcome, incident.Clean(e.IncidentID), incident.Clean(string(e.Kind)), e.ID, what)
	}
	if ferr := tw.Flush(); ferr != nil {
		return ferr
	}
	fmt.Fprintln(stdout, syncSummary(counts))

	waiting := counts[outbox.Waiting] + counts[outbox.Held]
	switch {
	case err != nil:
		return fmt.Errorf("%d action(s) still wait in the journal: %w", waiting, err)
	case waiting > 0:
		return fmt.Errorf("%d action(s) still wait in the journal; run oncall sync again later: %w", waiting, waitErr)
	case counts[outbox.Failed] > 0:
		return fmt.Errorf("PagerDuty refused %d action(s); the journal keeps them, marked failed: %w", counts[outbox.Failed], failErr)
	}
	return nil
}

// syncWhat is an action's text for the report: a note's words, short.
func syncWhat(e incident.Event) string {
	s := incident.Clean(e.Summary)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	if s == "" {
		return "-"
	}
	return fmt.Sprintf("%q", s)
}

func errText(err error) string {
	if err == nil {
		return "no reason given"
	}
	return incident.Clean(err.Error())
}

func syncSummary(counts map[outbox.Outcome]int) string {
	var parts []string
	for _, o := range []outbox.Outcome{outbox.Sent, outbox.Landed, outbox.Skipped, outbox.Failed, outbox.Waiting, outbox.Held} {
		if n := counts[o]; n > 0 {
			label := string(o)
			switch o {
			case outbox.Landed:
				label = "already there"
			case outbox.Skipped:
				label = "no longer needed"
			case outbox.Held:
				label = "held (this version cannot send them)"
			case outbox.Waiting:
				label = "still waiting"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	return strings.Join(parts, ", ")
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
