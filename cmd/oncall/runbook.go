package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/redact"
	"github.com/oncallkit/oncall/internal/xdg"
	"github.com/oncallkit/oncall/runbook"
	runner "github.com/oncallkit/oncall/runbook/run"
	"github.com/oncallkit/oncall/tui"
)

func newRunbookCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runbook",
		Short: "Work with runbooks",
		Long: `Runbooks are Markdown files with YAML front matter that oncall matches to
the incident on screen. See runbooks/README.md for the format.`,
		Example: `  oncall runbook lint              # ./runbooks, else $XDG_CONFIG_HOME/oncall/runbooks
  oncall runbook lint ops/runbooks
  oncall runbook run 1045 checkout-deploy-rollback rollout-history`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newRunbookLintCmd(g), newRunbookRunCmd(g))
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
		Args: argCount(0, 1, "runbook lint takes at most one directory, e.g. oncall runbook lint runbooks/"),
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
	return filepath.Join(xdg.ConfigHome(), "oncall", "runbooks")
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
	for _, d := range diags {
		fmt.Fprintln(stdout, incident.Clean(d.String()))
	}
	errs, warns := tally(diags)
	fmt.Fprintf(stdout, "%s: %s loaded, %s, %s\n", incident.Clean(path), lintCount(loaded, "runbook"), lintCount(errs, "error"), lintCount(warns, "warning"))
	if errs > 0 {
		return fmt.Errorf("%s in %s", lintCount(errs, "runbook error"), path)
	}
	return nil
}

// tally counts a lint's diagnostics by severity (pre-mortems share the
// runbooks' type), for the summaries of oncall runbook lint, oncall
// premortem lint and oncall doctor.
func tally(diags []runbook.Diagnostic) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == runbook.Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

// lintCount says "1 error" or "2 errors".
func lintCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// runbookRunOptions are what `oncall runbook run` was given.
type runbookRunOptions struct {
	incident, runbookID, which string
	yes                        bool
	// interactive is true when standard input is a terminal: a write
	// command may then be confirmed by typing.
	interactive bool
	stdin       io.Reader
	stdout      io.Writer
	stderr      io.Writer
}

func newRunbookRunCmd(g *globalOptions) *cobra.Command {
	o := &runbookRunOptions{}
	c := &cobra.Command{
		Use:   "run INCIDENT RUNBOOK-ID STEP",
		Short: "Run a runbook's command for an incident, journaling it and its output",
		Long: `run runs one command of a runbook, as the runbook pane does: with $SHELL -c
(sh when SHELL is unset), in runbook_workdir (default: the runbook's
directory), with your environment, in its own process group, for at most the
block's timeout= (60s unless it says). ctrl+c cancels it (SIGINT to its
group, SIGKILL 5s later).

STEP is the command's name= attribute, its number among the runbook's
commands (1 is the first), or its step key.

Before it starts, the run is journaled; when it ends, its result is: exit
code, duration, who ran it, on which host, and the first and last lines of
output, with secrets masked (values of variables ending in TOKEN, KEY, SECRET
or PASSWORD, redact_env, redact patterns, the PagerDuty token). The whole
output goes to a file beside the journal (mode 0600). The result is posted to
PagerDuty as a note unless post_output is false (in the configuration or the
runbook's front matter). A successful run ticks its step.

A command marked oncall:read runs at once. Any other one changes something:
it needs --yes, or, on a terminal, typing the step's name (or yes) after
seeing the command with its variables expanded. In read-only mode only read
commands run, and nothing is journaled.

The exit status is the command's own (a command killed by a signal: 128 plus
the signal); oncall's own failures exit 1 to 4 with a message on stderr.`,
		Example: `  oncall runbook run 1045 checkout-deploy-rollback rollout-history
  oncall runbook run PT4KHLK checkout-high-5xx canary-order --yes`,
		Args: argCount(3, 3, "runbook run needs an incident, a runbook id and a step, e.g. oncall runbook run 1045 checkout-high-5xx 1"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.incident, o.runbookID, o.which = args[0], args[1], args[2]
			o.stdin, o.stdout, o.stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			if f, ok := o.stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
				o.interactive = true
			}
			return runRunbookRun(cmd.Context(), g.factory(), o)
		},
	}
	c.Flags().BoolVar(&o.yes, "yes", false, "run a command that changes something without asking")
	c.ValidArgsFunction = completeRunbookRun(g)
	return c
}

// completeRunbookRun completes the incident, then the runbook's id, then
// its commands' names (or numbers, for commands without one).
func completeRunbookRun(g *globalOptions) cobra.CompletionFunc {
	incidents := completeIncidents(g.factory())
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return incidents(cmd, args, toComplete)
		}
		dir := cmp.Or(g.set.runbooksDir, g.runbooks, defaultRunbooksDir())
		set, _, err := runbook.Load(dir)
		if err != nil || len(args) > 2 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		if len(args) == 1 {
			for _, rb := range set.Runbooks() {
				out = append(out, cobra.CompletionWithDesc(rb.ID, incident.Clean(rb.Title)))
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		rb, ok := set.Get(args[1])
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		n := 0
		for _, s := range rb.Steps {
			if !s.Runnable() {
				continue
			}
			n++
			name := cmp.Or(s.Name, strconv.Itoa(n))
			out = append(out, cobra.CompletionWithDesc(name, s.Mode+": "+incident.Clean(firstLineOfCommand(s.Text))))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func firstLineOfCommand(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// commandExit is a run's own non-zero exit status, which oncall exits with.
type commandExit struct {
	code   int
	status string
}

func (e commandExit) Error() string {
	switch e.status {
	case incident.RunTimeout:
		return "the command timed out"
	case incident.RunCancelled:
		return "the command was cancelled"
	}
	return fmt.Sprintf("the command exited %d", e.code)
}

// ExitCode is the status oncall exits with.
func (e commandExit) ExitCode() int { return e.code }

func runRunbookRun(ctx context.Context, f *factory, o *runbookRunOptions) error {
	ref, err := parseIncidentRef(o.incident)
	if err != nil {
		return err
	}
	rb, step, err := findRunbookCommand(f.g.set.runbooksDir, o.runbookID, o.which)
	if err != nil {
		return err
	}
	cmds := f.g.set.commands
	_ = f.g.set.loadToken() // a missing token is reported when it is needed; masking wants it if it is there
	redactor, err := redact.New(redact.Config{Environ: os.Environ(), EnvNames: cmds.RedactEnv, Patterns: cmds.Redact, Secrets: []string{f.g.set.token}})
	if err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	readOnly := f.g.set.readOnly
	if step.Mode != incident.ModeRead {
		if readOnly {
			return usageError{fmt.Errorf("%s is a write command (not marked oncall:read), and read-only mode is on (%s); nothing ran", incident.Clean(step.Label()), f.g.set.readOnlyFrom)}
		}
		if err := confirmWrite(o, step, redactor); err != nil {
			return err
		}
	}
	workdir := cmds.RunbookWorkdir
	if workdir == "" {
		workdir = filepath.Dir(rb.File)
	}
	spec := runner.Spec{Dir: workdir, Redactor: redactor, OnLine: func(l string) { fmt.Fprintln(o.stdout, l) }}

	if readOnly {
		fmt.Fprintln(o.stderr, "oncall: read-only mode: this run is not journaled")
		spec.Command, spec.Timeout = step.Text, step.RunTimeout()
		res, err := runner.Run(ctx, spec)
		if err != nil {
			return err
		}
		return exitOf(res)
	}

	env, err := f.actionEnv("runbook run")()
	if err != nil {
		return err
	}
	defer env.close()
	id, err := ref.resolve(ctx, env.journal, env.src)
	if err != nil {
		return err
	}
	jpath, err := f.JournalPath()
	if err != nil {
		return err
	}
	post := cmds.PostOutput && (rb.PostOutput == nil || *rb.PostOutput)
	job := runner.Job{IncidentID: id, Runbook: rb, Step: step, Actor: f.g.set.from, Post: post,
		OutputDir: filepath.Join(filepath.Dir(jpath), "output"), Spec: spec}
	out, err := job.Run(ctx, env.journal)
	if errors.Is(err, runner.ErrIntent) {
		return fmt.Errorf("%w", err)
	}
	if out.Result.ID != "" {
		file := ""
		if p := out.Result.Fields[incident.FieldOutputFile]; p != "" {
			file = "; output in " + p
		}
		fmt.Fprintf(o.stderr, "oncall: %s (run %s journaled%s)\n", incident.Clean(out.Result.Summary), out.Result.Fields[incident.FieldRunID], file)
		// The context may be cancelled (ctrl+c stopped the command): the
		// result still goes out, within the send timeout.
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), actionTimeout)
		defer cancel()
		if _, ferr := env.outbox.Flush(sendCtx, id); ferr != nil {
			fmt.Fprintf(o.stderr, "oncall: the result is queued; oncall sync sends it (%s)\n", incident.Clean(ferr.Error()))
		}
	}
	if err != nil {
		return err
	}
	return exitOf(out.Run)
}

// exitOf is nil for a command that succeeded, else its exit status.
func exitOf(r runner.Result) error {
	if r.Status == incident.RunOK {
		return nil
	}
	code := r.ExitCode
	if code <= 0 {
		code = exitError
	}
	return commandExit{code: code, status: r.Status}
}

// findRunbookCommand loads the runbooks and finds the command which names.
func findRunbookCommand(dir, id, which string) (*runbook.Runbook, runbook.Step, error) {
	if dir == "" {
		dir = defaultRunbooksDir()
	}
	set, _, err := runbook.Load(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, runbook.Step{}, usageError{fmt.Errorf("no runbooks at %s: the directory does not exist", dir)}
	}
	if err != nil {
		return nil, runbook.Step{}, err
	}
	rb, ok := set.Get(id)
	if !ok {
		return nil, runbook.Step{}, usageError{fmt.Errorf("no runbook %q in %s (oncall runbook lint lists problems)", incident.Clean(id), dir)}
	}
	step, ok := rb.Command(which)
	if !ok {
		var names []string
		n := 0
		for _, s := range rb.Steps {
			if s.Runnable() {
				n++
				names = append(names, fmt.Sprintf("%d %s (%s)", n, s.Label(), s.Mode))
			}
		}
		if len(names) == 0 {
			return nil, runbook.Step{}, usageError{fmt.Errorf("runbook %s has no commands to run", rb.ID)}
		}
		return nil, runbook.Step{}, usageError{fmt.Errorf("runbook %s has no command %q; its commands: %s", rb.ID, incident.Clean(which), incident.Clean(strings.Join(names, ", ")))}
	}
	return rb, step, nil
}

// confirmWrite asks for a write command's confirmation: --yes, or, on a
// terminal, the step's name or "yes" typed after the command is shown
// with its variables expanded (and masked, as output is).
func confirmWrite(o *runbookRunOptions, step runbook.Step, r *redact.Redactor) error {
	if o.yes {
		return nil
	}
	if !o.interactive {
		return usageError{fmt.Errorf("%s changes something (it is not marked oncall:read): pass --yes to run it from a script; nothing ran", incident.Clean(step.Label()))}
	}
	fmt.Fprintln(o.stderr, "This command changes something:")
	for _, l := range strings.Split(r.String(os.ExpandEnv(step.Text)), "\n") {
		fmt.Fprintln(o.stderr, "  "+incident.Clean(l))
	}
	want := "yes"
	if step.Name != "" {
		want = step.Name
		fmt.Fprintf(o.stderr, "Type %s (or yes) to run it: ", step.Name)
	} else {
		fmt.Fprint(o.stderr, "Type yes to run it: ")
	}
	line, _ := bufio.NewReader(io.LimitReader(o.stdin, 1024)).ReadString('\n')
	if typed := strings.TrimSpace(line); typed != want && typed != "yes" {
		return usageError{errors.New("not confirmed; nothing ran")}
	}
	return nil
}

// viewCommands is how the view's runbook pane runs commands: masked as
// `oncall runbook run` masks (secret-named variables, redact_env, redact
// patterns, the PagerDuty token), in runbook_workdir, with each run's
// output in a file beside the journal, posted unless post_output is false.
func (f *factory) viewCommands() (tui.Commands, error) {
	s := f.g.set
	cmds := s.commands
	_ = s.loadToken() // a missing token is reported when it is needed; masking wants it if it is there
	r, err := redact.New(redact.Config{Environ: os.Environ(), EnvNames: cmds.RedactEnv, Patterns: cmds.Redact, Secrets: []string{s.token}})
	if err != nil {
		return tui.Commands{}, usageError{fmt.Errorf("configuration: %w", err)}
	}
	c := tui.Commands{Redactor: r, Workdir: cmds.RunbookWorkdir, NoPost: !cmds.PostOutput}
	if jpath, err := f.JournalPath(); err == nil {
		c.OutputDir = filepath.Join(filepath.Dir(jpath), "output")
	}
	return c, nil
}
