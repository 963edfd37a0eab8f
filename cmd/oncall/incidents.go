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
)

type incidentsOptions struct {
	json      bool
	mine      bool
	statuses  []string
	services  []string
	since     string
	until     string
	urgencies []string
	now       func() time.Time
}

func newIncidentsCmd(g *globalOptions) *cobra.Command {
	o := &incidentsOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "incidents",
		Short: "List incidents, as a table or as JSON lines",
		Long: `incidents lists PagerDuty incidents, newest first: by default every
triggered and acknowledged one. The table is for people (text from
PagerDuty is sanitized); --json writes one JSON object per line for scripts.`,
		Example: `  oncall incidents
  oncall incidents --urgency high --status triggered
  oncall incidents --mine --json | jq -r .id`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := o.filter()
			if err != nil {
				return err
			}
			src, err := g.factory().OneShotSource() // a person waits for this listing, which ends soon
			if err != nil {
				return err
			}
			ctx, stop := withProgress(cmd.Context(), cmd.ErrOrStderr())
			defer stop()
			return runIncidents(ctx, o, f, src, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "write JSON lines instead of a table")
	cmd.Flags().BoolVar(&o.mine, "mine", false, "only incidents assigned to the token's user")
	cmd.Flags().StringSliceVar(&o.statuses, "status", nil, "triggered, acknowledged or resolved (repeat or comma-separate; default: triggered,acknowledged)")
	cmd.Flags().StringSliceVar(&o.urgencies, "urgency", nil, "high or low (repeat or comma-separate)")
	cmd.Flags().StringSliceVar(&o.services, "service", nil, "PagerDuty service ids (repeat or comma-separate)")
	cmd.Flags().StringVar(&o.since, "since", "", "only incidents created at or after this time (RFC 3339, a date, or a duration ago like 72h)")
	cmd.Flags().StringVar(&o.until, "until", "", "only incidents created before this time (same forms as --since)")
	return cmd
}

// filter turns the flags into an incident.Filter; a value PagerDuty
// would not know is a usage error.
func (o *incidentsOptions) filter() (incident.Filter, error) {
	f := incident.Filter{AssignedToMe: o.mine}
	for _, s := range o.statuses {
		f.Statuses = append(f.Statuses, incident.Status(strings.ToLower(strings.TrimSpace(s))))
	}
	for _, u := range o.urgencies {
		f.Urgencies = append(f.Urgencies, incident.Urgency(strings.ToLower(strings.TrimSpace(u))))
	}
	var err error
	if f.Since, err = parseWhen(o.since, o.now()); err != nil {
		return incident.Filter{}, usageError{fmt.Errorf("--since: %w", err)}
	}
	if f.Until, err = parseWhen(o.until, o.now()); err != nil {
		return incident.Filter{}, usageError{fmt.Errorf("--until: %w", err)}
	}
	for _, s := range o.services {
		if s = strings.TrimSpace(s); s != "" {
			f.ServiceIDs = append(f.ServiceIDs, s)
		}
	}
	if err := f.Validate(); err != nil {
		return f, usageError{err}
	}
	return f, nil
}

// lister is what incidents needs from the source.
type lister interface {
	List(ctx context.Context, f incident.Filter) ([]incident.Incident, error)
}

func runIncidents(ctx context.Context, o *incidentsOptions, f incident.Filter, src lister, stdout io.Writer) error {
	list, err := src.List(ctx, f)
	if err != nil && !errors.Is(err, incident.ErrTruncated) {
		return err
	}
	var werr error
	if o.json {
		werr = writeJSONLines(stdout, list)
	} else {
		werr = writeTable(stdout, list, o.now())
	}
	if werr != nil {
		return fmt.Errorf("write incidents: %w", werr)
	}
	return err // the truncation, after the incidents that did come
}

// writeJSONLines writes one incident per line, cleaned as the table is.
func writeJSONLines(w io.Writer, list []incident.Incident) error {
	for _, in := range list {
		if err := writeJSON(w, in, false); err != nil {
			return err
		}
	}
	return nil
}

// writeTable writes one line per incident. Every string from PagerDuty
// goes through incident.Clean: a title may carry terminal escapes.
func writeTable(w io.Writer, list []incident.Incident, now time.Time) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "no incidents match")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNUMBER\tSTATUS\tURGENCY\tPRIORITY\tSERVICE\tAGE\tTITLE")
	for _, in := range list {
		prio := incident.Clean(in.Priority)
		if prio == "" {
			prio = "-"
		}
		fmt.Fprintf(tw, "%s\t#%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			incident.Clean(in.ID), in.Number, incident.Clean(string(in.Status)), incident.Clean(string(in.Urgency)),
			prio, cell(in.Service.Name), incident.Age(now.Sub(in.CreatedAt)), cell(in.Title))
	}
	return tw.Flush()
}

// cell is Clean, with tabs gone too (Clean turns them into spaces) and
// an empty value shown as "-".
func cell(s string) string {
	if s = incident.Clean(s); s == "" {
		return "-"
	}
	return s
}

// parseWhen reads a point in time: RFC 3339, a date (midnight UTC), or a
// duration before now ("72h"). Empty is the zero time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use 2026-11-20T03:00:00Z, 2026-11-20, or a duration ago like 72h", s)
}
