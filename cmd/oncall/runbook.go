package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/adrg/xdg"
	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

func newRunbookCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runbook",
		Short: "Work with runbooks",
		Long: `Runbooks are Markdown files with YAML front matter that oncall matches to
the incident on screen. See runbooks/README.md for the format.`,
		Example: `  oncall runbook lint              # ./runbooks, else $XDG_CONFIG_HOME/oncall/runbooks
  oncall runbook lint ops/runbooks`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newRunbookLintCmd(g))
	return cmd
}

type runbookLintOptions struct {
	path string // a directory or one file; "" for the default directory
	now  func() time.Time
}

func newRunbookLintCmd(g *globalOptions) *cobra.Command {
	o := &runbookLintOptions{now: time.Now}
	return &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Check runbooks for errors and overdue reviews",
		Long: `lint parses every runbook (*.md, README.md excepted) in DIR and its
subdirectories and prints one line per problem, as file:line: message.
Errors (bad YAML, unknown keys, invalid regexes, duplicate ids, a missing id
or title) make a runbook unusable and the command exit non-zero; warnings
(a review overdue, no owners, no steps) do not.

DIR defaults to ./runbooks if it exists, else runbooks/ in oncall's
configuration directory ($XDG_CONFIG_HOME/oncall/runbooks).`,
		Example: `  oncall runbook lint
  oncall runbook lint ~/team/runbooks
  oncall runbook lint runbooks/checkout-high-5xx.md`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{errors.New("runbook lint takes at most one directory, e.g. oncall runbook lint runbooks/")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 1:
				o.path = args[0]
			case g != nil:
				o.path = g.set.runbooksDir // --runbooks, runbooks_dir, or the default
			}
			return runRunbookLint(o, cmd.OutOrStdout())
		},
	}
}

// defaultRunbooksDir is where runbooks live when no directory is given:
// ./runbooks when there is one (a team's repository), else the user's
// configuration directory.
func defaultRunbooksDir() string {
	if fi, err := os.Stat("runbooks"); err == nil && fi.IsDir() {
		return "runbooks"
	}
	return filepath.Join(xdg.ConfigHome, "oncall", "runbooks")
}

func runRunbookLint(o *runbookLintOptions, stdout io.Writer) error {
	path := o.path
	if path == "" {
		path = defaultRunbooksDir()
	}
	diags, loaded, err := runbook.Lint(path, o.now())
	if errors.Is(err, fs.ErrNotExist) {
		return usageError{fmt.Errorf("no runbooks at %s: the directory does not exist", path)}
	}
	if err != nil {
		return err
	}
	errs, warns := 0, 0
	for _, d := range diags {
		if d.Severity == runbook.Error {
			errs++
		} else {
			warns++
		}
		fmt.Fprintln(stdout, incident.Clean(d.String()))
	}
	fmt.Fprintf(stdout, "%s: %s loaded, %s, %s\n", incident.Clean(path), lintCount(loaded, "runbook"), lintCount(errs, "error"), lintCount(warns, "warning"))
	if errs > 0 {
		return fmt.Errorf("%s in %s", lintCount(errs, "runbook error"), path)
	}
	return nil
}

// lintCount says "1 error" or "2 errors".
func lintCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
