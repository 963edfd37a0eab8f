package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/postmortem"
	"github.com/oncallkit/oncall/internal/regularfile"
)

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
