package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/store"
)

type exportOptions struct {
	incidentID string
	output     string
	dbPath     string
	now        func() time.Time
}

func newExportCmd(g *globalOptions) *cobra.Command {
	o := &exportOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "export INCIDENT",
		Short: "Write a postmortem draft for an incident",
		Long: `export writes a Markdown postmortem draft for an incident: its facts, the
responders, and the merged timeline of PagerDuty's log, alerts and notes
with this machine's journal. It works for open incidents too (marked so).`,
		Example: `  oncall export PT4KHLK -o postmortem.md
  oncall export PT4KHLK -o -              # to standard output`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("export needs exactly one incident id, e.g. oncall export PT4KHLK -o draft.md")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.incidentID = args[0]
			o.dbPath = g.db
			src, err := g.source()
			if err != nil {
				return err
			}
			return runExport(cmd.Context(), o, src, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "-", "file to write, or - for standard output")
	return cmd
}

func runExport(ctx context.Context, o *exportOptions, src incident.Source, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	inc, err := src.Get(ctx, o.incidentID)
	if err != nil {
		return err
	}
	remote, err := src.Events(ctx, o.incidentID)
	if err != nil {
		return err
	}
	var local []incident.Event
	path, err := journalPath(o.dbPath)
	if err != nil {
		return err
	}
	if _, statErr := os.Stat(path); statErr == nil {
		local, err = journalEvents(path, o.incidentID)
		if errors.Is(err, store.ErrLocked) {
			// A running oncall holds the journal: PagerDuty's record still
			// makes a useful draft, so say what is missing and go on.
			fmt.Fprintf(stderr, "oncall: warning: %v; the draft has PagerDuty's timeline only\n", err)
		} else if err != nil {
			return err
		}
	}
	in := postmortem.Input{Incident: inc, Timeline: incident.Merge(remote, local), Now: o.now()}
	if o.output == "-" {
		return postmortem.Markdown(stdout, in)
	}
	// O_EXCL: never overwrite a draft someone may have edited.
	f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return usageError{fmt.Errorf("%s already exists; not overwriting it (choose another -o)", o.output)}
		}
		return fmt.Errorf("write draft: %w", err)
	}
	if err := postmortem.Markdown(f, in); err != nil {
		f.Close()
		os.Remove(o.output)
		return fmt.Errorf("write draft %s: %w", o.output, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write draft %s: %w", o.output, err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", o.output)
	return nil
}

func journalEvents(path, incidentID string) ([]incident.Event, error) {
	j, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	return j.Events(incidentID)
}
