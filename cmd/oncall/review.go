package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/review"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/tui"
)

// This file holds oncall review: the weekly incident review (package
// review) as Markdown, JSON, HTML or a screen, and the minutes of the
// meeting (review decision, review follow-up), which are the decision and
// follow-up verbs with the review's context on the event.

type reviewOptions struct {
	since, until string
	services     []string
	format       string
	output       string
	zone         string
	workHours    string
	sleepHours   string
	tui          bool
	noCache      bool
	now          func() time.Time
}

// maxReviewPeriod bounds one review: a year and a bit, so that a typo in
// --since does not walk an account's whole history.
const maxReviewPeriod = 400 * 24 * time.Hour

func newReviewCmd(g *globalOptions) *cobra.Command {
	o := &reviewOptions{now: time.Now}
	f := g.factory()
	cmd := &cobra.Command{
		Use:   "review [--since 7d|DATE] [--until DATE] [--service S]... [--format md|json|html] [-o FILE]",
		Short: "Prepare the weekly incident review: numbers, load, repeats, follow-ups, budgets, agenda",
		Long: `review gathers a period's incidents from PagerDuty with their logs, this
machine's journal and the postmortem drafts in postmortems_dir, and writes the
agenda of the weekly review: time to acknowledge, mitigate and resolve as p50
and p90 (nearest rank) per service against the previous period; pages in
business, off and sleep hours per responder and service; repeats; follow-ups
(overdue first) and the completion rate; error budgets of the configured SLOs;
which postmortems are missing, still drafts or past their review date; and the
incidents to discuss, by impact.

--since takes a span back from now (7d, 2w, 36h) or a date (YYYY-MM-DD, the
start of that day in --zone) or an RFC 3339 time; --until a date (the end of
that day) or a time; the default is the last 7 days. What was fetched is cached
in the journal, so the next review fetches only new and still-open incidents.
Progress goes to standard error. The minutes of the meeting are journaled
with the subcommands decision and follow-up.`,
		Example: `  oncall review                              # the last 7 days, Markdown on standard output
  oncall review --since 2026-11-16 --until 2026-11-22 --format html -o review.html
  oncall review --since 28d --service checkout-api --format json | jq .follow_ups
  oncall review --tui`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.useTeam(g.set.team, cmd.Flags().Changed)
			ro, err := o.options(o.now())
			if err != nil {
				return err
			}
			ro.SLOs = postmortemSLOs(g.set.slos)
			ro.PostmortemsDir = g.set.postmortemsDir
			stderr := cmd.ErrOrStderr()
			ro.Foreseen = foreseenBy(&premortemOptions{g: g, errW: stderr}, ro.Location, stderr)
			src, err := f.OneShotSource() // a person waits for the period's incidents to come
			if err != nil {
				return err
			}
			j, c, closeJ, err := reviewJournal(f, g.set.readOnly, o.noCache, stderr)
			if err != nil {
				return err
			}
			defer closeJ()
			ro.Progress = stderr
			rep, err := gatherReview(cmd.Context(), src, j, c, ro)
			if err != nil {
				return err
			}
			if o.tui {
				return runReviewTUI(cmd.Context(), f, rep, g.set.from)
			}
			return writeReview(rep, o.format, o.output, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.since, "since", "7d", "start: a span back from now (7d, 2w, 36h), a date (YYYY-MM-DD) or an RFC 3339 time")
	fl.StringVar(&o.until, "until", "", "end: a date (its end) or an RFC 3339 time (default now)")
	fl.StringSliceVar(&o.services, "service", nil, "only these services (id or name; repeat or comma-separate)")
	fl.StringVar(&o.format, "format", "md", "md (Markdown), json or html")
	fl.StringVarP(&o.output, "output", "o", "-", "file to write (never overwritten), or - for standard output")
	fl.StringVar(&o.zone, "zone", "", "the team's time zone for hours and days, e.g. Europe/Paris (default: config zone, else the machine's)")
	fl.StringVar(&o.workHours, "work-hours", review.DefaultWork.String(), "business hours, Monday to Friday, HH:MM-HH:MM (default: config work_hours, else this)")
	fl.StringVar(&o.sleepHours, "sleep-hours", review.DefaultSleep.String(), "sleep hours, every day, HH:MM-HH:MM, may cross midnight (default: config sleep_hours, else this)")
	fl.BoolVar(&o.tui, "tui", false, "show the review on a screen for the meeting instead of writing it")
	fl.BoolVar(&o.noCache, "no-cache", false, "fetch everything again, ignoring (and not writing) the review cache")
	cmd.AddCommand(newReviewDecisionCmd(f), newReviewFollowUpCmd(f))
	return cmd
}

// useTeam takes the configured zone, working hours and sleep hours for
// those of the flags not given on the command line (changed reports
// which were; nil means none): flags > configuration file > defaults.
func (o *reviewOptions) useTeam(team config.Config, changed func(string) bool) {
	given := func(flag string) bool { return changed != nil && changed(flag) }
	if !given("zone") && team.Zone != "" {
		o.zone = team.Zone
	}
	if !given("work-hours") && team.WorkHours != (config.Hours{}) {
		o.workHours = team.WorkHours.String()
	}
	if !given("sleep-hours") && team.SleepHours != (config.Hours{}) {
		o.sleepHours = team.SleepHours.String()
	}
}

// options checks the flags, before any request, and turns them into the
// review's options as of now.
func (o *reviewOptions) options(now time.Time) (review.Options, error) {
	var ro review.Options
	switch format := o.format; format {
	case "md", "json", "html":
	default:
		return ro, usageError{fmt.Errorf("--format %q: use md, json or html", format)}
	}
	if o.tui && (o.output != "-" && o.output != "") {
		return ro, usageError{errors.New("--tui shows the review; it writes no file (drop -o)")}
	}
	loc := time.Local
	if o.zone != "" {
		l, err := time.LoadLocation(o.zone)
		if err != nil {
			return ro, usageError{fmt.Errorf("--zone %q: not a time zone (use an IANA name such as Europe/Paris or UTC)", o.zone)}
		}
		loc = l
	}
	work, err := parseSpan("--work-hours", o.workHours)
	if err != nil {
		return ro, err
	}
	if work.End <= work.Start {
		return ro, usageError{fmt.Errorf("--work-hours %q: the day must end after it starts", o.workHours)}
	}
	sleep, err := parseSpan("--sleep-hours", o.sleepHours)
	if err != nil {
		return ro, err
	}
	since, err := parseReviewWhen("--since", o.since, now, loc, false)
	if err != nil {
		return ro, err
	}
	until := now
	if o.until != "" {
		if until, err = parseReviewWhen("--until", o.until, now, loc, true); err != nil {
			return ro, err
		}
	}
	switch {
	case !until.After(since):
		return ro, usageError{fmt.Errorf("--since (%s) must be before --until (%s)", since.Format(time.RFC3339), until.Format(time.RFC3339))}
	case since.After(now):
		return ro, usageError{fmt.Errorf("--since %s is in the future", since.Format(time.RFC3339))}
	case until.Sub(since) > maxReviewPeriod:
		return ro, usageError{fmt.Errorf("the period is %d days; a review covers at most %d", int(until.Sub(since).Hours()/24), int(maxReviewPeriod.Hours()/24))}
	}
	var services []string
	for _, s := range o.services {
		if s = strings.TrimSpace(s); s != "" {
			services = append(services, s)
		}
	}
	return review.Options{Since: since, Until: until, Now: now, Location: loc, Work: work, Sleep: sleep, Services: services}, nil
}

// The patterns are compiled on first use: package init runs for every command.
var (
	spanPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$`)
	})
	agoPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d{1,4})([hdw])$`) })
)

func parseSpan(flag, s string) (review.Span, error) {
	m := spanPattern().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return review.Span{}, usageError{fmt.Errorf("%s %q: want HH:MM-HH:MM, e.g. 09:00-18:00", flag, s)}
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	sp := review.Span{Start: review.At(n(1), n(2)), End: review.At(n(3), n(4))}
	if sp.End > review.At(24, 0) || sp.Start == sp.End {
		return review.Span{}, usageError{fmt.Errorf("%s %q: the span is empty or runs past 24:00", flag, s)}
	}
	return sp, nil
}

// parseReviewWhen reads a span back from now (7d), a date (its start, or with
// end its end, in loc) or an RFC 3339 time.
func parseReviewWhen(flag, s string, now time.Time, loc *time.Location, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if m := agoPattern().FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		return now.Add(-time.Duration(n) * unit), nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usageError{fmt.Errorf("%s %q: want a span such as 7d, 2w or 36h, a date such as 2026-11-16, or an RFC 3339 time", flag, s)}
}

// reviewJournal opens what the review reads and caches in. Read-only
// mode (or --no-cache) reads the journal without writing: the cache is
// then read-only too, or unused.
func reviewJournal(f *factory, readOnly, noCache bool, stderr io.Writer) (review.Journal, review.Cache, func(), error) {
	var (
		j   *store.Store
		err error
	)
	if readOnly || noCache {
		j, err = f.ReadJournal()
	} else {
		j, err = f.Journal("review") // the cache is kept in it, so it is created if need be
	}
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "oncall: warning: %v; the review goes without the journal and its cache\n", err)
		return nil, nil, func() {}, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if j == nil { // none yet, and reading creates none
		return nil, nil, func() {}, nil
	}
	closeJ := func() { j.Close() }
	switch {
	case noCache:
		return j, nil, closeJ, nil
	case j.ReadOnly():
		return j, readOnlyCache{j}, closeJ, nil
	}
	return j, j, closeJ, nil
}

// readOnlyCache reads the review cache and keeps what it would write.
type readOnlyCache struct{ j *store.Store }

func (c readOnlyCache) ReviewEntries(ids []string) (map[string]store.ReviewEntry, error) {
	return c.j.ReviewEntries(ids)
}
func (readOnlyCache) SaveReviewEntries([]store.ReviewEntry) error { return nil }

func gatherReview(ctx context.Context, src review.Source, j review.Journal, c review.Cache, ro review.Options) (review.Report, error) {
	d, err := review.Gather(ctx, src, j, c, ro)
	if err != nil {
		return review.Report{}, err
	}
	if ro.Progress != nil {
		fmt.Fprintf(ro.Progress, "review: %d incidents listed; timelines: %d fetched, %d refreshed, %d from the cache\n",
			d.Stats.Listed, d.Stats.Fetched, d.Stats.Refreshed, d.Stats.Cached)
	}
	return review.Compute(d, ro), nil
}

// foreseenBy is the pre-mortem hook: the best-matching assumed failure of
// the pre-mortems in the configured directory. Without pre-mortems there
// is no hook, and the review says nothing of them.
func foreseenBy(po *premortemOptions, loc *time.Location, stderr io.Writer) func(incident.Incident, incident.Timeline) (string, bool) {
	dir := po.premortemsDir()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	set, diags, err := premortem.Load(dir)
	if err != nil {
		fmt.Fprintf(stderr, "oncall: warning: pre-mortems in %s not read: %v\n", incident.Clean(dir), err)
		return nil
	}
	if premortem.HasErrors(diags) {
		fmt.Fprintf(stderr, "oncall: warning: some pre-mortems have errors and were skipped; see oncall premortem lint %s\n", incident.Clean(dir))
	}
	if set == nil || set.Len() == 0 {
		return nil
	}
	return func(in incident.Incident, _ incident.Timeline) (string, bool) {
		ms := set.Match(in, nil, loc)
		if len(ms) == 0 {
			return "", false
		}
		f := ms[0].Failure
		name := f.ID
		if f.Premortem != nil && f.Premortem.Title != "" {
			name = f.Premortem.Title + ": " + f.ID
		}
		return name, true
	}
}

// writeReview writes the report in format to output: "-" is stdout; a
// file must not exist yet (a review someone annotated is never replaced).
func writeReview(r review.Report, format, output string, stdout io.Writer) error {
	var b bytes.Buffer
	var err error
	switch format {
	case "json":
		err = review.JSON(&b, r)
	case "html":
		err = review.HTML(&b, r)
	default:
		err = review.Markdown(&b, r)
	}
	if err != nil {
		return err
	}
	if output == "-" || output == "" {
		_, err := stdout.Write(b.Bytes())
		return err
	}
	f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return usageError{fmt.Errorf("%s already exists; not overwriting it (choose another -o)", output)}
	}
	if err != nil {
		return fmt.Errorf("write the review: %w", err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		os.Remove(output)
		return fmt.Errorf("write the review %s: %w", output, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the review %s: %w", output, err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", output)
	return nil
}

// The minutes of the meeting: a decision or a follow-up on the incident
// under discussion, journaled and mirrored as the decision and follow-up
// verbs do, with context=review on the event so every reader knows where
// it was raised.

type reviewDecisionOptions struct{ decisionOptions }

func (o *reviewDecisionOptions) event(now time.Time) (incident.Event, error) {
	return inReview(o.decisionOptions.event(now))
}

type reviewFollowUpOptions struct{ followUpOptions }

func (o *reviewFollowUpOptions) event(now time.Time) (incident.Event, error) {
	return inReview(o.followUpOptions.event(now))
}

// reviewDoneOptions marks a follow-up done from the review screen.
type reviewDoneOptions struct {
	actionOptions
	item, label string
}

func (o *reviewDoneOptions) event(time.Time) (incident.Event, error) {
	return incident.NewItemUpdate(o.item, incident.ChangeDone, incident.ItemLabel(o.label), incident.InReview())
}

func inReview(e incident.Event, err error) (incident.Event, error) {
	if err != nil {
		return e, err
	}
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[incident.FieldContext] = incident.ContextReview
	return e, nil
}

func newReviewDecisionCmd(f *factory) *cobra.Command {
	o := &reviewDecisionOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "decision INCIDENT TEXT...",
		Short: "Journal a decision taken in the review, on the incident discussed",
		Long: `review decision logs a decision of the review meeting against the incident
under discussion, as oncall decision does, marked as taken in the review
(context review), and mirrors it to PagerDuty.`,
		Example: `  oncall review decision 1045 "retire the legacy card processor" --why "3 repeats this quarter"`,
	}, o, 2, -1, "an incident and the decision", func(args []string) error { o.what = joined(args); return nil })
	c.Flags().StringVar(&o.why, "why", "", "why it was decided")
	c.Flags().StringVar(&o.executor, "executor", "", "who carries it out")
	return c
}

func newReviewFollowUpCmd(f *factory) *cobra.Command {
	o := &reviewFollowUpOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "follow-up INCIDENT TEXT... --owner NAME --due DATE|+Nd",
		Short: "Journal a follow-up raised in the review, on the incident discussed",
		Long: `review follow-up records an action item raised in the review meeting against
the incident under discussion, as oncall follow-up does, marked as raised in
the review (context review), and mirrors it to PagerDuty.`,
		Example: `  oncall review follow-up 1045 "load-test the failover" --owner payments --due +14d`,
	}, o, 2, -1, "an incident and the action item, with --owner and --due", func(args []string) error { o.title = joined(args); return nil })
	c.Flags().StringVar(&o.owner, "owner", "", "who owns it: a person or a team (required)")
	c.Flags().StringVar(&o.due, "due", "", "when it is due: YYYY-MM-DD or +Nd (required)")
	c.Flags().StringVar(&o.typ, "type", "prevent", "mitigate, prevent, detect or process")
	return c
}

// reviewModel is the small program around the review screen: it sizes the
// screen, quits, journals a follow-up marked done (as the verbs do, in a
// command), and says on its last line what became of it, or how to act on
// what the screen asked for.
type reviewModel struct {
	screen tui.Review
	keys   *tui.KeyMap
	status string
	f      *factory
	actor  string
	ctx    context.Context
}

type reviewStatusMsg string

func runReviewTUI(ctx context.Context, f *factory, r review.Report, actor string) error {
	st, keys := tui.DefaultStyles(true), tui.DefaultKeyMap()
	m := reviewModel{screen: tui.NewReview(r, &st, &keys), keys: &keys, f: f, actor: actor, ctx: ctx}
	_, err := tea.NewProgram(m, f.g.programOptions(ctx)...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

func (m reviewModel) Init() tea.Cmd { return nil }

func (m reviewModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.screen = m.screen.SetSize(msg.Width, msg.Height-1)
		return m, nil
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" || msg.String() == "q" {
			return m, tea.Quit
		}
	case reviewStatusMsg:
		m.status = string(msg)
		return m, nil
	case tui.ReviewOpenMsg:
		if msg.Draft != "" {
			m.status = "draft: " + incident.Clean(msg.Draft)
		} else {
			m.status = "no draft yet; timeline: oncall log " + incident.Clean(msg.IncidentID)
		}
		return m, nil
	case tui.ReviewMinuteMsg:
		verb := "decision"
		if msg.Kind == incident.KindActionItem {
			verb = "follow-up"
		}
		m.status = fmt.Sprintf("minute: oncall review %s %s ...", verb, incident.Clean(msg.IncidentID))
		return m, nil
	case tui.ReviewDoneMsg:
		v := &reviewDoneOptions{item: msg.ItemID, label: msg.Title}
		v.name, v.incident, v.actor = "follow-up done", msg.IncidentID, m.actor
		f, ctx := m.f, m.ctx
		return m, func() tea.Msg {
			if err := f.Writable("review"); err != nil {
				return reviewStatusMsg(err.Error())
			}
			var out bytes.Buffer
			if err := runAction(ctx, v, f.actionEnv(v.name), &out); err != nil {
				return reviewStatusMsg(incident.Clean(err.Error()))
			}
			return reviewStatusMsg(strings.TrimSpace(incident.Clean(out.String())))
		}
	}
	var cmd tea.Cmd
	m.screen, cmd = m.screen.Update(msg)
	return m, cmd
}

func (m reviewModel) View() tea.View {
	v := tea.NewView(m.screen.View() + "\n" + m.status)
	v.AltScreen = true
	return v
}
