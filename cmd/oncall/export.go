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
	"github.com/oncallkit/oncall/internal/regularfile"
	"github.com/oncallkit/oncall/store"
)

type exportOptions struct {
	incidentID string
	output     string // a file, or "-" for standard output
	dir        string // a directory: the draft is named for the incident and never overwrites
	format     string // "md" or "json"
	dbPath     string
	now        func() time.Time
	// slos (by service id or name) and location (working hours) come from
	// the configuration; nil means none and UTC.
	slos     map[string]postmortem.SLO
	location *time.Location
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

With -o FILE the file must not exist yet. With --dir DIR the draft is named
YYYY-MM-DD-<number>-<slug>.md (or .json) in DIR; if that name is taken, by a
draft a person may have edited, the new draft goes beside it (-2, -3, ...).`,
		Example: `  oncall export PT4KHLK -o postmortem.md
  oncall export PT4KHLK -o -              # to standard output
  oncall export PT4KHLK --dir postmortems
  oncall export PT4KHLK --format json | jq .metrics`,
		ValidArgsFunction: completeIncidents(g.factory()),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("export needs exactly one incident id, e.g. oncall export PT4KHLK -o draft.md")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dbPath = g.db
			o.slos = postmortemSLOs(g.set.slos)
			if err := o.validate(cmd.Flags().Changed("output")); err != nil {
				return err
			}
			src, err := g.source()
			if err != nil {
				return err
			}
			if o.incidentID, err = g.factory().ResolveIncident(cmd.Context(), args[0], src); err != nil {
				return err
			}
			return runExport(cmd.Context(), o, src, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "-", "file to write, or - for standard output")
	cmd.Flags().StringVar(&o.dir, "dir", "", "write into this directory under the incident's name, beside (never over) earlier drafts")
	cmd.Flags().StringVar(&o.format, "format", "md", "md (Markdown) or json")
	return cmd
}

// validate checks the flags before any request is made.
func (o *exportOptions) validate(outputSet bool) error {
	switch postmortem.Format(o.format) {
	case postmortem.FormatMarkdown, postmortem.FormatJSON:
	default:
		return usageError{fmt.Errorf("--format %q: use md or json", o.format)}
	}
	if o.dir != "" && outputSet {
		return usageError{errors.New("use either -o FILE or --dir DIR, not both")}
	}
	return nil
}

func runExport(ctx context.Context, o *exportOptions, src incident.Source, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
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
	in := postmortem.Input{Incident: inc, Timeline: incident.Merge(remote, local), Now: o.now(),
		SLOs: o.slos, Location: o.location}
	if inc.Active() {
		fmt.Fprintf(stderr, "oncall: note: #%d is still %s; the draft says so and is incomplete\n", inc.Number, incident.Clean(string(inc.Status)))
	}

	write := postmortem.Markdown
	if postmortem.Format(o.format) == postmortem.FormatJSON {
		write = postmortem.JSON
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

func journalEvents(path, incidentID string) ([]incident.Event, error) {
	j, err := openExistingJournal(path, true)
	if err != nil || j == nil {
		return nil, err
	}
	defer j.Close()
	return j.Events(incidentID)
}

// newPostmortemCmd is "oncall postmortem": for now its lint subcommand.
// The root command registers it.
func newPostmortemCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "postmortem",
		Short: "Work with postmortem drafts",
		Long: `A postmortem draft is written when an incident resolves (see postmortems_dir)
or with oncall export. lint reads a draft a person has edited and points at
blame-shaped wording and action items without an owner, a due date or a verb.`,
		Example: `  oncall postmortem lint postmortems/2026-11-21-1046-payments-gateway-upstream-timeouts.md
  oncall postmortem lint --strict draft.md   # exit 1 when there are hints`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPostmortemLintCmd())
	return cmd
}

type postmortemLintOptions struct {
	path   string
	strict bool
}

func newPostmortemLintCmd() *cobra.Command {
	o := &postmortemLintOptions{}
	cmd := &cobra.Command{
		Use:   "lint FILE",
		Short: "Check a postmortem draft for blame-shaped language and vague action items",
		Long: `lint reads a postmortem draft (Markdown, as oncall export writes it, after a
person edited it) and prints one line per review hint, as FILE:LINE: rule:
message. It flags blame-shaped phrases ("human error", "X's fault", "should
have", "careless", a person as the subject of a failure verb) with a
systems-focused wording to try, and action items without an owner, without
a due date, not starting with a verb, or open-ended ("investigate ...").
The "Review hints" section and code are not read.

Hints are advice: the exit status is 0 unless --strict is given, which
exits 1 when there are any.`,
		Example: `  oncall postmortem lint postmortems/2026-03-05-4242-orders-api-5xx.md`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("postmortem lint needs exactly one file, e.g. oncall postmortem lint draft.md")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			return runPostmortemLint(o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.strict, "strict", false, "exit 1 when there are hints")
	return cmd
}

// errHints makes --strict exit non-zero; the hints are already printed.
var errHints = errors.New("the draft has review hints")

func runPostmortemLint(o *postmortemLintOptions, stdout io.Writer) error {
	name := incident.Clean(o.path)
	// A pipe, a device, a huge file or something that is not a draft at
	// all would otherwise hang, fill memory or pass as "no review hints".
	src, err := regularfile.Read(o.path, postmortem.MaxDraftSize)
	if errors.Is(err, regularfile.ErrNotRegular) || errors.Is(err, regularfile.ErrTooLarge) {
		return usageError{fmt.Errorf("postmortem lint: %w", err)}
	}
	if err != nil {
		return fmt.Errorf("postmortem lint: %w", err)
	}
	if err := postmortem.CheckMarkdown(src); err != nil {
		return usageError{fmt.Errorf("postmortem lint: %s: %w", o.path, err)}
	}
	hints := postmortem.LintMarkdown(src)
	for _, h := range hints {
		line := fmt.Sprintf("%s:%d: %s: %s", name, h.Line, h.Rule, h.Message)
		if h.Excerpt != "" {
			line += fmt.Sprintf(" (%q)", h.Excerpt)
		}
		if h.Suggestion != "" {
			line += " Try: " + h.Suggestion
		}
		fmt.Fprintln(stdout, incident.Clean(line))
	}
	if len(hints) == 0 {
		fmt.Fprintf(stdout, "%s: no review hints\n", name)
		return nil
	}
	if o.strict {
		return fmt.Errorf("%s: %d review hint(s): %w", name, len(hints), errHints)
	}
	return nil
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
