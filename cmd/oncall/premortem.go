package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/xdg"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/runbook"
)

// premortemOptions are what every premortem subcommand shares.
type premortemOptions struct {
	g    *globalOptions
	dir  string // --premortems; "" for the configuration or the default
	now  func() time.Time
	loc  *time.Location // the team's zone for calendar windows: the process's
	errW io.Writer      // notes that do not stop the command
}

// premortemsDir resolves the pre-mortems directory: --premortems, then
// premortems_dir in the configuration, then ./premortems if it exists,
// else premortems/ in oncall's configuration directory.
func (o *premortemOptions) premortemsDir() string {
	if o.dir != "" {
		return o.dir
	}
	return o.g.premortemsDir()
}

// premortemsDir is premortemOptions.premortemsDir for commands other than
// premortem's (the view, export).
func (g *globalOptions) premortemsDir() string {
	if g != nil && g.premortems != "" {
		return g.premortems
	}
	if g != nil && g.set.premortemsDir != "" {
		return g.set.premortemsDir
	}
	if fi, err := os.Stat("premortems"); err == nil && fi.IsDir() {
		return "premortems"
	}
	return filepath.Join(xdg.ConfigHome(), "oncall", "premortems")
}

// load loads the pre-mortems, printing what is wrong with them on errW; a
// missing directory is a usage error naming it.
func (o *premortemOptions) load() (*premortem.Set, error) {
	dir := o.premortemsDir()
	set, diags, err := premortem.Load(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError{fmt.Errorf("no pre-mortems at %s: the directory does not exist (oncall premortem new writes one)", dir)}
	}
	if err != nil {
		return nil, err
	}
	if premortem.HasErrors(diags) {
		fmt.Fprintf(o.errW, "oncall: some pre-mortems have errors and were skipped; see oncall premortem lint %s\n", incident.Clean(dir))
	}
	return set, nil
}

func newPremortemCmd(g *globalOptions) *cobra.Command {
	o := &premortemOptions{g: g, now: time.Now, loc: time.Local}
	cmd := &cobra.Command{
		Use:   "premortem",
		Short: "Work with pre-mortems: failures assumed before they happen",
		Long: `A pre-mortem is a workshop's record: concrete failures the team assumed
(service, what fails, for how long and when), their customer impact rated
relative to each other, and countermeasures before, during and after each.
They are Markdown files with YAML front matter; oncall matches them to
incidents as it matches runbooks. See premortems/ for two examples.

The directory is --premortems, else premortems_dir in the configuration,
else ./premortems if it exists, else $XDG_CONFIG_HOME/oncall/premortems.
Calendar windows (days_of_month) are read in the local time zone (TZ).`,
		Example: `  oncall premortem new premortems/billing-2026-q4.md
  oncall premortem lint
  oncall premortem list --service billing-api
  oncall premortem due
  oncall premortem tick 1046 card-processor-timeouts 1`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPremortemLintCmd(o), newPremortemListCmd(o), newPremortemDueCmd(o), newPremortemNewCmd(o),
		newPremortemTickCmd(g))
	return cmd
}

func newPremortemLintCmd(o *premortemOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Check pre-mortems for errors, overdue reviews and reminders",
		Long: `lint parses every pre-mortem (*.md, README.md excepted) in DIR and its
subdirectories and prints one line per problem, as file:line: message.
Errors (bad YAML, unknown keys, a failure id used twice, impact or
likelihood outside 1..5, an unknown phase or status, a runbook id that
names no runbook in the runbooks directory) make the command exit 1;
warnings (a review overdue, a reminder come, a failure without
countermeasures) do not.`,
		Example: `  oncall premortem lint
  oncall premortem lint ~/team/premortems --runbooks ~/team/runbooks
  oncall premortem lint premortems/payments-2026-q4.md`,
		Args: argCount(0, 1, "premortem lint takes at most one directory, e.g. oncall premortem lint premortems/"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.errW = cmd.ErrOrStderr()
			path := o.premortemsDir()
			if len(args) == 1 {
				path = args[0]
			}
			return runPremortemLint(o, path, cmd.OutOrStdout())
		},
	}
}

func runPremortemLint(o *premortemOptions, path string, stdout io.Writer) error {
	rbDir := defaultRunbooksDir()
	if o.g != nil && o.g.set.runbooksDir != "" {
		rbDir = o.g.set.runbooksDir
	}
	rbs, _, err := runbook.Load(rbDir)
	if err != nil {
		rbs = nil
		fmt.Fprintf(stdout, "%s: warning: runbook ids not checked: no runbooks at %s\n", incident.Clean(path), incident.Clean(rbDir))
	}
	set, diags, err := premortem.Lint(path, rbs, o.now())
	if errors.Is(err, fs.ErrNotExist) {
		return usageError{fmt.Errorf("no pre-mortems at %s: the directory does not exist", path)}
	}
	if err != nil {
		return err
	}
	for _, d := range diags {
		fmt.Fprintln(stdout, incident.Clean(d.String()))
	}
	errs, warns := tally(diags)
	fmt.Fprintf(stdout, "%s: %s in %s, %s, %s\n", incident.Clean(path), lintCount(set.Len(), "failure"),
		lintCount(len(set.Premortems()), "pre-mortem"), lintCount(errs, "error"), lintCount(warns, "warning"))
	if errs > 0 {
		return fmt.Errorf("%s in %s", lintCount(errs, "pre-mortem error"), path)
	}
	return nil
}

func newPremortemListCmd(o *premortemOptions) *cobra.Command {
	var service, format string
	var offline bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "The risk register: every assumed failure, worst first",
		Long: `list prints the risk register: every assumed failure, ranked by impact and
then likelihood, with its countermeasures counted by phase and status, and
how many incidents matched it and when the last one began. Matches come
from PagerDuty's incidents of the last month (open and resolved, by the
failures' rules) and from the journal (incidents in which a countermeasure
of the failure was ticked). Without a token, or offline, only the journal
counts, and a note on stderr says so.

--format md prints a Markdown table; --format json an array of objects
whose keys README.md lists.`,
		Example: `  oncall premortem list
  oncall premortem list --service payments-gateway
  oncall premortem list --format json | jq '.[] | select(.matched == 0) | .id'
  oncall premortem list --offline`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "md" && format != "json" {
				return usageError{fmt.Errorf("--format %q: use md or json", format)}
			}
			o.errW = cmd.ErrOrStderr()
			return runPremortemList(cmd.Context(), o, service, format, offline, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "only the failures of this service (name or id, as the files give it)")
	cmd.Flags().StringVar(&format, "format", "md", "md or json")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask PagerDuty; count matches from the journal only")
	return cmd
}

func runPremortemList(ctx context.Context, o *premortemOptions, service, format string, offline bool, stdout io.Writer) error {
	set, err := o.load()
	if err != nil {
		return err
	}
	var seen []premortem.Seen
	if !offline && o.g != nil {
		seen, err = o.seen(ctx, set)
		if err != nil {
			fmt.Fprintf(o.errW, "oncall: matches from the journal only: %s\n", incident.Clean(err.Error()))
		}
	}
	journal, err := o.countermeasureEvents()
	if err != nil {
		return err
	}
	rows := set.Register(seen, journal, o.loc, service)
	if format == "json" {
		return writeJSON(stdout, premortem.RegisterJSON(rows), true)
	}
	_, err = io.WriteString(stdout, premortem.RegisterMarkdown(rows))
	return err
}

// seen lists PagerDuty's incidents of the last month with, for those
// whose service has failures that match on alerts, their alerts (one
// request each, only where a rule needs them).
func (o *premortemOptions) seen(ctx context.Context, set *premortem.Set) ([]premortem.Seen, error) {
	src, err := o.g.factory().Source()
	if err != nil {
		return nil, err
	}
	incs, err := src.List(ctx, incident.Filter{Statuses: []incident.Status{incident.Triggered, incident.Acknowledged, incident.Resolved}})
	if err != nil {
		return nil, err
	}
	out := make([]premortem.Seen, 0, len(incs))
	for _, in := range incs {
		x := premortem.Seen{Incident: in}
		if set.NeedsAlerts(in.Service) {
			if x.Alerts, err = src.Alerts(ctx, in.ID); err != nil {
				return nil, fmt.Errorf("alerts of %s: %w", in.ID, err)
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// incidents lists PagerDuty's incidents of the last month, open and
// resolved.
func (o *premortemOptions) incidents(ctx context.Context) ([]incident.Incident, error) {
	src, err := o.g.factory().Source()
	if err != nil {
		return nil, err
	}
	return src.List(ctx, incident.Filter{Statuses: []incident.Status{incident.Triggered, incident.Acknowledged, incident.Resolved}})
}

// countermeasureEvents reads the journal's countermeasure events, each
// with its incident id; none when there is no journal yet.
func (o *premortemOptions) countermeasureEvents() ([]incident.Event, error) {
	if o.g == nil {
		return nil, nil
	}
	j, err := o.g.factory().ReadJournal()
	if err != nil || j == nil {
		return nil, err
	}
	defer j.Close()
	ids, err := j.JournaledIncidents()
	if err != nil {
		return nil, fmt.Errorf("read the journal: %w", err)
	}
	var out []incident.Event
	for _, id := range ids {
		evs, err := j.Events(id)
		if err != nil {
			return nil, fmt.Errorf("read the journal: %w", err)
		}
		for _, e := range evs {
			if e.Kind == incident.KindCountermeasure {
				e.IncidentID = cmp.Or(e.IncidentID, id)
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func newPremortemDueCmd(o *premortemOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "due",
		Short: "Countermeasures whose reminder has come and that are not done",
		Long: `due lists the countermeasures whose remind_at date has come (today or
before) and whose status is not done, earliest first, with their owners:
the workshop's "bring it up again" for what was not feasible yet.`,
		Example: `  oncall premortem due
  oncall premortem due --premortems ~/team/premortems`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.errW = cmd.ErrOrStderr()
			return runPremortemDue(o, cmd.OutOrStdout())
		},
	}
}

func runPremortemDue(o *premortemOptions, stdout io.Writer) error {
	set, err := o.load()
	if err != nil {
		return err
	}
	due := set.Due(o.now())
	if len(due) == 0 {
		fmt.Fprintln(stdout, "No reminders due.")
		return nil
	}
	for _, r := range due {
		c := r.Countermeasure
		fmt.Fprintf(stdout, "%s  %-14s  %s (%s, %s): %s [%s]\n", c.RemindAt.Format(time.DateOnly), incident.Clean(cmp.Or(c.Owner, "no owner")),
			r.Failure.ID, c.Phase, c.Status, incident.Clean(c.Action), incident.Clean(r.Failure.Premortem.File))
	}
	return nil
}

func newPremortemNewCmd(o *premortemOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "new [FILE]",
		Short: "Write a pre-mortem template for a workshop and open it in $EDITOR",
		Long: `new writes a pre-mortem template to FILE (default: premortem-DATE.md in the
pre-mortems directory) with one failure to fill in for each service
PagerDuty knows from the last month's incidents, then opens it in $VISUAL
or $EDITOR. It never overwrites a file: an existing FILE is an error.`,
		Example: `  oncall premortem new
  oncall premortem new premortems/billing-2026-q4.md
  EDITOR=nano oncall premortem new`,
		Args: argCount(0, 1, "premortem new takes at most one file, e.g. oncall premortem new premortems/billing.md"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.errW = cmd.ErrOrStderr()
			file := filepath.Join(o.premortemsDir(), "premortem-"+o.now().Format(time.DateOnly)+".md")
			if len(args) == 1 {
				file = args[0]
			}
			return runPremortemNew(cmd.Context(), o, file, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}

func runPremortemNew(ctx context.Context, o *premortemOptions, file string, stdin io.Reader, stdout io.Writer) error {
	var services []string
	if o.g != nil {
		incs, err := o.incidents(ctx)
		if err != nil {
			fmt.Fprintf(o.errW, "oncall: no services from PagerDuty (%s); the template has a placeholder\n", incident.Clean(err.Error()))
		}
		for _, in := range incs {
			if s := strings.Join(strings.Fields(incident.Clean(cmp.Or(in.Service.Name, in.Service.ID))), " "); s != "" && !slices.Contains(services, s) {
				services = append(services, s)
			}
		}
		slices.Sort(services)
	}
	body := premortemTemplate(o.now(), services)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("make the directory for %s: %w", file, err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; oncall premortem new never overwrites a file: name another", file)
	}
	if err != nil {
		return fmt.Errorf("write the template: %w", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return fmt.Errorf("write the template: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the template: %w", err)
	}
	fmt.Fprintf(stdout, "Wrote %s (%s).\n", file, lintCount(max(len(services), 1), "failure"))
	editor := strings.Fields(cmp.Or(os.Getenv("VISUAL"), os.Getenv("EDITOR")))
	if len(editor) == 0 {
		fmt.Fprintf(stdout, "Set $EDITOR to open it; then check it with: oncall premortem lint %s\n", filepath.Dir(file))
		return nil
	}
	ed := exec.CommandContext(ctx, editor[0], append(editor[1:], file)...)
	ed.Stdin, ed.Stdout, ed.Stderr = stdin, stdout, o.errW
	if err := ed.Run(); err != nil {
		return fmt.Errorf("the editor (%s) failed: %w; the template is in %s", editor[0], err, file)
	}
	fmt.Fprintf(stdout, "Check it with: oncall premortem lint %s\n", filepath.Dir(file))
	return nil
}

// slugChars is compiled on first use: package init runs for every command.
var slugChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9]+`) })

// premortemTemplate is a workshop's file to fill in: one failure per
// service, every key present or shown in a comment, and valid as it is
// (lint passes on it), so the team can save early and often.
func premortemTemplate(now time.Time, services []string) string {
	date := now.Format(time.DateOnly)
	var b strings.Builder
	fmt.Fprintf(&b, `---
# A pre-mortem: failures the team assumes will happen, written before they do.
# Fill it in during the workshop; check it with: oncall premortem lint
id: premortem-%s
title: Pre-mortem, %s
held_on: %s
participants: []        # product, customer support and engineers
review_every_days: 90
failures:
`, date, date, date)
	if len(services) == 0 {
		services = []string{"your-service"}
	}
	used := map[string]bool{}
	for _, svc := range services {
		id := strings.Trim(slugChars().ReplaceAllString(strings.ToLower(svc), "-"), "-")
		if len(id) > 40 {
			id = strings.TrimRight(id[:40], "-")
		}
		base := cmp.Or(id, "service") + "-failure"
		id = base
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		used[id] = true
		quoted, _ := json.Marshal(svc) // a JSON string is a YAML double-quoted one
		fmt.Fprintf(&b, `  - id: %s       # unique across all pre-mortems
    service: %s
    failure: What fails, as a customer sees it
    period: for how long and when, e.g. 30 minutes, mid-month
    # days_of_month: "10-20"   # a calendar window, for matching
    impact: 3                 # 1 (tolerable) .. 5 (severe), relative to the other failures
    # likelihood: 2           # 1 .. 5
    warning_signs: []
    # match: {title: '(?i)word'}   # a runbook's match rules: title, summary, component, class, source, urgency, min_priority
    countermeasures:
      - phase: before         # before | during | after
        action: What would prevent it, or catch it early
        status: idea          # done | planned | not-feasible | idea
        # owner: a-team
        # cost: low           # low | medium | high, upkeep included
        # runbook: a-runbook-id
        # remind_at: %s
`, id, bytes.TrimSpace(quoted), now.AddDate(0, 3, 0).Format(time.DateOnly))
	}
	b.WriteString("---\n# Workshop notes\n\nWho was in the room, how the impacts were rated against each other, what was left for later.\n")
	return b.String()
}

// viewPremortems loads the pre-mortems for the interactive view and the
// drafts: none when the directory does not exist (a team without
// pre-mortems is not at fault), and the errors of files skipped as
// file:line lines, for the view to show at start.
func (g *globalOptions) viewPremortems() (*premortem.Set, []string) {
	dir := g.premortemsDir()
	return loadViewPremortems(os.DirFS(dir), dir)
}

// loadViewPremortems is viewPremortems over a file system: the demo's is
// embedded. dir names fsys in messages, and says to read it from disk
// ("" reads fsys as it is).
func loadViewPremortems(fsys fs.FS, dir string) (*premortem.Set, []string) {
	var (
		set   *premortem.Set
		diags []premortem.Diagnostic
		err   error
	)
	if dir != "" {
		set, diags, err = premortem.Load(dir) // bounded reads of regular files only
	} else {
		set, diags, err = premortem.LoadFS(fsys)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []string{"pre-mortems not read: " + err.Error()}
	}
	var problems []string
	for _, d := range diags {
		if d.Severity == premortem.Error {
			problems = append(problems, d.String())
		}
	}
	return set, problems
}
