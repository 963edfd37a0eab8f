package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/store"
)

type exportOptions struct {
	incidentID string
	output     string // a file, or "-" for standard output
	dir        string // a directory: the draft is named for the incident and never overwrites
	format     string // "md" or "json"
	// journal opens the journal read-only if there is one (nil and no
	// error when there is none).
	journal func() (*store.Store, error)
	now     func() time.Time
	// slos (by service id or name) and location (working hours) come from
	// the configuration; nil means none and UTC.
	slos      map[string]postmortem.SLO
	location  *time.Location
	workHours postmortem.Hours // zero: 09:00-18:00
	sleep     postmortem.Hours // zero: 22:00-07:00
	// fiveWhys adds the five-whys prompt; runbooksDir and draftsDir are
	// read for the draft's links and the drafts of related incidents.
	fiveWhys               bool
	runbooksDir, draftsDir string
	// premortems loads the pre-mortems the draft's "Foreseen in a
	// pre-mortem?" section matches; nil means none (the section then
	// offers a stub for the next workshop).
	premortems func() (*premortem.Set, []string)
}

func newExportCmd(g *globalOptions) *cobra.Command {
	o := &exportOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "export INCIDENT",
		Short: "Write a postmortem draft for an incident",
		Long: `export writes a postmortem draft for an incident: its facts, the impact and
error budget, detection and response metrics, responders and roles, the merged
timeline of PagerDuty's log, alerts and notes with this machine's journal,
decisions, runbook steps, action items, messaging skeletons, and blameless
review hints. It works for open incidents too (marked so).

--format json writes the same content as data (schema oncall.postmortem/v1,
documented in the postmortem package: times in UTC, durations in seconds).
--format html writes one self-contained page (no scripts, no external
loads) that pastes with its tables into Google Docs or Confluence and prints
well. --five-whys adds a five-whys prompt block.

The draft also lists earlier incidents on the same service in the 90 days
before (with their drafts in postmortems_dir), and the links of the matched
runbooks and of the alerts under Supporting information. Working hours are
counted in the machine's zone (TZ), named.

With -o FILE the file must not exist yet. With --dir DIR the draft is named
YYYY-MM-DD-<number>-<slug>.md (or .json) in DIR; if that name is taken, by a
draft a person may have edited, the new draft goes beside it (-2, -3, ...).`,
		Example: `  oncall export PT4KHLK -o postmortem.md
  oncall export PT4KHLK -o -              # to standard output
  oncall export PT4KHLK --dir postmortems
  oncall export PT4KHLK --format json | jq .metrics`,
		ValidArgsFunction: completeIncidents(g.factory()),
		Args:              argCount(1, 1, "export needs exactly one incident id, e.g. oncall export PT4KHLK -o draft.md"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.journal = g.factory().ReadJournal
			o.slos = postmortemSLOs(g.set.slos)
			o.location, o.workHours = g.set.team.Location, postmortem.Hours(g.set.team.WorkHours) // config zone, work_hours
			o.sleep = postmortem.Hours(g.set.team.SleepHours)                                     // config sleep_hours
			o.runbooksDir, o.draftsDir = g.set.runbooksDir, g.set.postmortemsDir
			o.premortems = g.viewPremortems
			if err := o.validate(cmd.Flags().Changed("output")); err != nil {
				return err
			}
			src, err := g.factory().OneShotSource() // a person waits for this fetch, which ends soon
			if err != nil {
				return err
			}
			ctx, stop := withProgress(cmd.Context(), cmd.ErrOrStderr())
			defer stop()
			if o.incidentID, err = g.factory().ResolveIncident(ctx, args[0], src); err != nil {
				return err
			}
			return runExport(ctx, o, src, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "-", "file to write, or - for standard output")
	cmd.Flags().StringVar(&o.dir, "dir", "", "write into this directory under the incident's name, beside (never over) earlier drafts")
	cmd.Flags().StringVar(&o.format, "format", "md", "md (Markdown), json or html (one self-contained page)")
	cmd.Flags().BoolVar(&o.fiveWhys, "five-whys", false, "add a five-whys prompt block")
	return cmd
}

// validate checks the flags before any request is made.
func (o *exportOptions) validate(outputSet bool) error {
	switch postmortem.Format(o.format) {
	case postmortem.FormatMarkdown, postmortem.FormatJSON, postmortem.FormatHTML:
	default:
		return usageError{fmt.Errorf("--format %q: use md, json or html", o.format)}
	}
	if o.dir != "" && outputSet {
		return usageError{errors.New("use either -o FILE or --dir DIR, not both")}
	}
	return nil
}

func runExport(ctx context.Context, o *exportOptions, src incident.Source, stdout, stderr io.Writer) error {
	if o.format == "" {
		o.format = string(postmortem.FormatMarkdown)
	}
	if err := o.validate(false); err != nil {
		return err
	}
	inc, err := src.Get(ctx, o.incidentID)
	if err != nil {
		return err
	}
	remote, err := src.Events(ctx, o.incidentID)
	if err != nil {
		return err
	}
	local, err := journalEvents(o.journal, o.incidentID)
	if errors.Is(err, store.ErrLocked) {
		// A running oncall holds the journal: PagerDuty's record still
		// makes a useful draft, so say what is missing and go on.
		fmt.Fprintf(stderr, "oncall: warning: %v; the draft has PagerDuty's timeline only\n", err)
	} else if err != nil {
		return err
	}
	in := postmortem.Input{Incident: inc, Timeline: incident.Merge(remote, local), Now: o.now(),
		SLOs: o.slos, Location: o.location, WorkHours: o.workHours, SleepHours: o.sleep, FiveWhys: o.fiveWhys}
	if in.Location == nil {
		in.Location = postmortem.LocalZone() // named, as the TUI's draft names it
	}
	if err := postmortem.Gather(ctx, src, &in, postmortem.GatherOptions{RunbooksDir: o.runbooksDir, DraftsDir: o.draftsDir}); err != nil {
		fmt.Fprintf(stderr, "oncall: warning: the draft lacks some links: %s\n", incident.Clean(err.Error()))
	}
	if inc.Active() {
		fmt.Fprintf(stderr, "oncall: note: #%d is still %s; the draft says so and is incomplete\n", inc.Number, incident.Clean(string(inc.Status)))
	}
	var pms *premortem.Set
	if o.premortems != nil {
		var problems []string
		if pms, problems = o.premortems(); len(problems) > 0 {
			fmt.Fprintf(stderr, "oncall: warning: %d pre-mortem file(s) skipped: %s\n", len(problems), incident.Clean(problems[0]))
		}
	}
	in.Sections = premortem.Sections(pms, in) // after Gather: matching reads the alerts

	write := func(w io.Writer, in postmortem.Input) error {
		return postmortem.Render(w, in, postmortem.Format(o.format))
	}
	switch {
	case o.dir != "":
		p, err := postmortem.Write(o.dir, in, postmortem.Format(o.format))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
		return nil
	case o.output == "-" || o.output == "":
		return write(stdout, in)
	}
	// O_EXCL: never overwrite a draft someone may have edited.
	f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return usageError{fmt.Errorf("%s already exists; not overwriting it (choose another -o, or use --dir to write beside it)", o.output)}
		}
		return fmt.Errorf("write draft: %w", err)
	}
	if err := write(f, in); err != nil {
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

// journalEvents reads the incident's events from the journal open
// opens; none when there is no journal.
func journalEvents(open func() (*store.Store, error), incidentID string) ([]incident.Event, error) {
	j, err := open()
	if err != nil || j == nil {
		return nil, err
	}
	defer j.Close()
	return j.Events(incidentID)
}

// postmortemSLOs converts the configured SLOs for the draft: the file
// says 99.9 (a percentage), the draft computes with 0.999.
func postmortemSLOs(in map[string]config.SLO) map[string]postmortem.SLO {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]postmortem.SLO, len(in))
	for k, v := range in {
		out[k] = postmortem.SLO{Target: v.Target / 100, Window: v.Window}
	}
	return out
}
