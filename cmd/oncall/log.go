package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

type logOptions struct {
	incidentID string
	json       bool
	// journal opens the journal if there is one (nil and no error when
	// there is none: log never creates one just to read it). In read-only
	// mode it opens it so that nothing is written to it, not even the
	// cached copy of the incident.
	journal func() (*store.Store, error)
	now     func() time.Time
}

func newLogCmd(g *globalOptions) *cobra.Command {
	o := &logOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "log INCIDENT",
		Short: "Print an incident's timeline: PagerDuty's and this machine's journal, merged",
		Long: `log prints an incident's timeline, oldest first: PagerDuty's log entries,
alerts and notes merged with the actions journaled on this machine, each
local one with its sync state (queued, sent, failed).

When PagerDuty cannot be reached, or no token is set, it prints what this
machine knows: the journal, and the incident as last fetched (saying how
old that is).`,
		Example: `  oncall log PT4KHLK
  oncall log PT4KHLK --json | jq '.events[] | select(.origin == "local")'`,
		ValidArgsFunction: completeIncidents(g.factory()),
		Args:              argCount(1, 1, "log needs exactly one incident id, e.g. oncall log PT4KHLK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.journal = g.factory().ExistingJournal
			// No token still leaves the journal and the cache to show.
			src, srcErr := g.factory().Source()
			var ask incidentGetter
			if srcErr == nil {
				ask = src
			}
			id, err := g.factory().ResolveIncident(cmd.Context(), args[0], ask)
			if err != nil {
				return err
			}
			o.incidentID = id
			if srcErr != nil {
				return runLog(cmd.Context(), o, nil, srcErr, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runLog(cmd.Context(), o, src, nil, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON: the incident, where it came from, and the events")
	return cmd
}

// timelineView is what log prints.
type timelineView struct {
	Incident incident.Incident `json:"incident"`
	// Source is "pagerduty" (fetched now) or "cache" (PagerDuty could not
	// be asked; Offline says why).
	Source    string           `json:"source"`
	FetchedAt time.Time        `json:"fetched_at,omitzero"`
	Stale     bool             `json:"stale"`
	Offline   string           `json:"offline_reason,omitempty"`
	Events    []incident.Event `json:"events"`
}

// runLog prints the merged timeline. srcErr, with a nil src, says why
// PagerDuty is not asked (no token); the journal and the cache answer
// alone then.
func runLog(ctx context.Context, o *logOptions, src incident.Source, srcErr error, stdout, stderr io.Writer) error {
	if o.now == nil {
		o.now = time.Now
	}
	j, err := o.journal()
	switch {
	case errors.Is(err, store.ErrLocked):
		// A running oncall holds it: PagerDuty's record is still worth showing.
		fmt.Fprintf(stderr, "oncall: warning: %s; showing PagerDuty's timeline only\n", incident.Clean(err.Error()))
	case err != nil:
		return err
	}
	if j != nil {
		defer j.Close()
	}
	var local []incident.Event
	if j != nil {
		if local, err = j.Events(o.incidentID); err != nil {
			return err
		}
	}

	view := timelineView{Source: "pagerduty"}
	var remote []incident.Event
	if src != nil {
		view.Incident, err = src.Get(ctx, o.incidentID)
		if err == nil {
			remote, err = src.Events(ctx, o.incidentID)
		}
		if err == nil {
			view.FetchedAt = o.now().UTC()
			if j != nil {
				// Best effort: the next offline log starts from here.
				_ = j.SaveSnapshot(store.Snapshot{Incident: view.Incident, Events: remote, FetchedAt: view.FetchedAt})
			}
		}
	} else {
		err = srcErr
	}
	if err != nil {
		if src != nil && !errors.Is(err, incident.ErrUnreachable) && !errors.Is(err, incident.ErrRateLimited) {
			return err
		}
		var snap store.Snapshot
		known := false
		if j != nil {
			var cerr error
			if snap, known, cerr = j.Snapshot(o.incidentID); cerr != nil {
				return cerr
			}
		}
		if !known && len(local) == 0 {
			if src == nil {
				return srcErr
			}
			return fmt.Errorf("%w; and neither the journal nor its cache knows incident %s", err, incident.Clean(o.incidentID))
		}
		reason := srcErr
		if src != nil {
			reason = err
		}
		view.Source, view.Offline = "cache", incident.Clean(reason.Error())
		view.Incident, remote, view.FetchedAt = snap.Incident, snap.Events, snap.FetchedAt
		if !known {
			view.Incident = incident.Incident{ID: o.incidentID}
		}
		view.Stale = true
		what := "this machine's journal only (the incident was never fetched here)"
		if !view.FetchedAt.IsZero() {
			what = "this machine's journal and the incident as fetched " + incident.Age(o.now().Sub(view.FetchedAt)) + " ago"
		}
		fmt.Fprintf(stderr, "oncall: working offline (%s); showing %s\n", view.Offline, what)
	}
	view.Events = incident.Merge(remote, local)
	if view.Events == nil {
		view.Events = []incident.Event{}
	}
	view = sanitized(view) // for the terminal and for JSON alike
	if o.json {
		return writeJSON(stdout, view, true)
	}
	return writeTimeline(stdout, view, o.now())
}

func writeTimeline(w io.Writer, v timelineView, now time.Time) error {
	in := v.Incident
	head := in.ID
	if in.Number > 0 {
		head += fmt.Sprintf("  #%d", in.Number)
	}
	for _, s := range []string{string(in.Status), string(in.Urgency), in.Priority, in.Service.Name} {
		if s != "" {
			head += "  " + s
		}
	}
	fmt.Fprintln(w, head)
	if in.Title != "" {
		fmt.Fprintln(w, in.Title)
	}
	switch {
	case v.Source == "pagerduty":
		fmt.Fprintln(w, "from PagerDuty, just now, and this machine's journal")
	case v.FetchedAt.IsZero():
		fmt.Fprintln(w, "from this machine's journal only: PagerDuty could not be asked and the incident was never fetched here")
	default:
		fmt.Fprintf(w, "STALE: from the cache, fetched %s ago (%s), and this machine's journal: PagerDuty could not be asked\n",
			incident.Age(now.Sub(v.FetchedAt)), v.FetchedAt.Format("2006-01-02 15:04:05Z"))
	}
	fmt.Fprintln(w)
	if len(v.Events) == 0 {
		_, err := fmt.Fprintln(w, "no events")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tFROM\tKIND\tSTATE\tWHO\tWHAT")
	for _, e := range v.Events {
		state := string(e.State)
		if e.Origin != incident.Local || state == "" || e.State == incident.LocalOnly {
			state = "-"
		}
		what := e.Summary
		if e.State == incident.Failed && e.Error != "" {
			what += " (not sent: " + e.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format("2006-01-02 15:04:05"),
			orDash(string(e.Origin)), orDash(string(e.Kind)), state, orDash(e.Actor), orDash(what))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
