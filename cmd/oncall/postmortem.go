package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/internal/regularfile"
)

// newPostmortemCmd is "oncall postmortem": lint and actions. The root
// command registers it.
func newPostmortemCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "postmortem",
		Short: "Work with postmortem drafts",
		Long: `A postmortem draft is written when an incident resolves (see postmortems_dir)
or with oncall export. lint reads a draft a person has edited and points at
blame-shaped wording and action items that cannot be verified. actions turns
a draft's action items into tickets: a CSV for Jira or Linear, JSON lines, a
gh script or a Markdown checklist.`,
		Example: `  oncall postmortem lint postmortems/2026-11-21-1046-payments-gateway-upstream-timeouts.md
  oncall postmortem lint --strict draft.md   # exit 1 when there are hints
  oncall postmortem actions draft.md --format csv > follow-ups.csv`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPostmortemLintCmd(), newPostmortemActionsCmd(g))
	return cmd
}

type postmortemActionsOptions struct {
	arg    string // a draft file, "-", or an incident
	format string
	now    func() time.Time
	stdin  io.Reader
}

func newPostmortemActionsCmd(g *globalOptions) *cobra.Command {
	o := &postmortemActionsOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "actions FILE|-|INCIDENT",
		Short: "Turn a draft's action items into tickets: CSV, JSON lines, a gh script or a checklist",
		Long: `actions reads the action items of a postmortem draft (Markdown after a person
edited it, or JSON; - reads standard input), or of an incident's draft made
on the spot from PagerDuty and the journal when the argument is not a file,
and prints them for a tracker:

  --format csv    Summary, Description, Issue Type, Labels, Labels, Assignee,
                  Due Date, Status, Ticket: for Jira's and Linear's CSV
                  importers (see README, Follow-ups as tickets)
  --format jsonl  one JSON object per item, with the incident and the draft
  --format gh     a shell script of gh issue create commands, with title,
                  body (linking the incident and the draft) and labels; oncall
                  never runs it: read it, then run it in the right repository
  --format md     a Markdown checklist

Items already done, cancelled or linked to a ticket are left out of the gh
script, and marked in the other formats.`,
		Example: `  oncall postmortem actions postmortems/2026-03-05-4242-orders-api-5xx.md --format csv > follow-ups.csv
  oncall postmortem actions 4242 --format gh > follow-ups.sh && less follow-ups.sh
  oncall export 4242 --format json | oncall postmortem actions - --format jsonl`,
		Args: argCount(1, 1, "postmortem actions needs one draft file, - or an incident, e.g. oncall postmortem actions draft.md --format csv"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.arg, o.stdin = args[0], cmd.InOrStdin()
			if !slices.Contains(postmortem.ActionFormats, o.format) {
				return usageError{fmt.Errorf("--format %q: use %s", o.format, strings.Join(postmortem.ActionFormats, ", "))}
			}
			a, err := o.read(cmd.Context(), g)
			if err != nil {
				return err
			}
			return postmortem.WriteActions(cmd.OutOrStdout(), a, o.format)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "md", strings.Join(postmortem.ActionFormats, ", "))
	return cmd
}

// read finds the action items: in the file named, else in the incident's
// draft built now.
func (o *postmortemActionsOptions) read(ctx context.Context, g *globalOptions) (postmortem.Actions, error) {
	var src []byte
	var err error
	draft := ""
	switch info, statErr := os.Stat(o.arg); {
	case o.arg == "-":
		src, err = readBounded(o.stdin, postmortem.MaxDraftSize)
	case statErr == nil && !info.IsDir():
		draft = o.arg
		src, err = regularfile.Read(o.arg, postmortem.MaxDraftSize)
	default:
		return o.fromIncident(ctx, g)
	}
	if err != nil {
		return postmortem.Actions{}, usageError{fmt.Errorf("postmortem actions: %w", err)}
	}
	a, err := postmortem.ReadActions(src)
	if err != nil {
		return postmortem.Actions{}, usageError{fmt.Errorf("postmortem actions: %s: %w", incident.Clean(orStdin(o.arg)), err)}
	}
	a.Draft = draft
	return a, nil
}

func orStdin(arg string) string {
	if arg == "-" {
		return "<stdin>"
	}
	return arg
}

// fromIncident builds the incident's draft as export would and takes its
// action items, with the draft in postmortems_dir when there is one.
func (o *postmortemActionsOptions) fromIncident(ctx context.Context, g *globalOptions) (postmortem.Actions, error) {
	f := g.factory()
	src, err := f.Source()
	if err != nil {
		return postmortem.Actions{}, err
	}
	id, err := f.ResolveIncident(ctx, o.arg, src)
	if err != nil {
		return postmortem.Actions{}, err
	}
	inc, err := src.Get(ctx, id)
	if err != nil {
		return postmortem.Actions{}, err
	}
	remote, err := src.Events(ctx, id)
	if err != nil {
		return postmortem.Actions{}, err
	}
	local, err := journalEvents(g.factory().ReadJournal, id)
	if err != nil {
		return postmortem.Actions{}, err
	}
	r := postmortem.Build(postmortem.Input{Incident: inc, Timeline: incident.Merge(remote, local), Now: o.now()})
	a := postmortem.ActionsOf(r)
	if dir := g.set.postmortemsDir; dir != "" {
		if name := postmortem.FindDraft(dir, inc); name != "" {
			a.Draft = filepath.Join(dir, name)
		}
	}
	return a, nil
}

type postmortemLintOptions struct {
	path   string // a file, or "-" for standard input
	strict bool
	format string // "text" or "json"
	stdin  io.Reader
}

func newPostmortemLintCmd() *cobra.Command {
	o := &postmortemLintOptions{}
	cmd := &cobra.Command{
		Use:   "lint FILE|-",
		Short: "Check a postmortem draft for blame-shaped language and vague action items",
		Long: `lint reads a postmortem draft (Markdown, as oncall export writes it, after a
person edited it; - reads standard input) and prints one line per review
hint, as FILE:LINE:COLUMN: rule: message. It flags blame-shaped phrases
("human error", "X's fault"), hindsight ("should have", "failed to
notice"), minimisers ("obviously", "simply"), judgments of people
("careless", "too slow"), a person as the subject of a failure ("Bob did
not follow the runbook", with the names the draft's tables know), and
"be more careful" remedies ("retrain", "remind"), each with why and a
systems-focused wording to try. It flags action items without an owner,
without a due date or with a vague one ("TBD", "ASAP"), without a verb or
an object ("Fix it"), or open-ended ("investigate ..."). Headings, lists
and tables are read; code spans, code blocks and the "Review hints"
section are not.

--format json prints {"file": ..., "hints": [...]}, each hint with its line
and column.

Exit status: 0, also when there are hints (they are advice), unless
--strict is given, which exits 1 when there are any; 2 when the input is
not a Markdown draft (empty, binary, JSON) or cannot be read.`,
		Example: `  oncall postmortem lint postmortems/2026-03-05-4242-orders-api-5xx.md
  oncall postmortem lint --strict draft.md   # exit 1 when there are hints
  pbpaste | oncall postmortem lint --format json -`,
		Args: argCount(1, 1, "postmortem lint needs exactly one file (or - for standard input), e.g. oncall postmortem lint draft.md"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path, o.stdin = args[0], cmd.InOrStdin()
			return runPostmortemLint(o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.strict, "strict", false, "exit 1 when there are hints")
	cmd.Flags().StringVar(&o.format, "format", "text", "text or json")
	return cmd
}

// errHints makes --strict exit non-zero; the hints are already printed.
var errHints = errors.New("the draft has review hints")

// lintReport is what --format json prints.
type lintReport struct {
	File  string            `json:"file"`
	Hints []postmortem.Hint `json:"hints"`
}

func runPostmortemLint(o *postmortemLintOptions, stdout io.Writer) error {
	if o.format == "" {
		o.format = "text"
	}
	if o.format != "text" && o.format != "json" {
		return usageError{fmt.Errorf("--format %q: use text or json", o.format)}
	}
	name := incident.Clean(o.path)
	var src []byte
	var err error
	if o.path == "-" {
		name = "<stdin>"
		src, err = readBounded(o.stdin, postmortem.MaxDraftSize)
	} else {
		// A pipe, a device, a huge file or something that is not a draft
		// at all would otherwise hang, fill memory or pass as "no review
		// hints".
		src, err = regularfile.Read(o.path, postmortem.MaxDraftSize)
	}
	if err != nil {
		return usageError{fmt.Errorf("postmortem lint: %w", err)}
	}
	if err := postmortem.CheckMarkdown(src); err != nil {
		return usageError{fmt.Errorf("postmortem lint: %s: %w", name, err)}
	}
	hints := postmortem.LintMarkdown(src)
	if o.format == "json" {
		b, err := json.MarshalIndent(lintReport{File: name, Hints: hints}, "", "  ")
		if err != nil {
			return fmt.Errorf("postmortem lint: %w", err)
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	} else {
		for _, h := range hints {
			line := fmt.Sprintf("%s:%d:%d: %s: %s", name, h.Line, h.Column, h.Rule, h.Message)
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
		}
	}
	if len(hints) > 0 && o.strict {
		return fmt.Errorf("%s: %d review hint(s): %w", name, len(hints), errHints)
	}
	return nil
}

// errTooLarge says standard input held more than a draft can.
var errTooLarge = errors.New("standard input is larger than a postmortem draft can be")

// readBounded reads r to its end, refusing more than limit bytes.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (%d MiB)", errTooLarge, limit>>20)
	}
	return b, nil
}
