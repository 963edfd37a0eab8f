package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
)

// This file holds the verb commands (ack, resolve, decision, role, ...); the
// machinery they share, runAction and its report, is in action.go.

// verbCmd finishes a verb's command: the incident argument completes
// from the cached list, too few arguments is a usage error naming what is
// needed, read-only mode refuses before anything else, and the rest goes
// to runAction.
func verbCmd(f *factory, c *cobra.Command, v verb, minArgs, maxArgs int, need string, fill func(args []string) error) *cobra.Command {
	o := v.base()
	o.name = c.Name()
	c.ValidArgsFunction = completeIncidents(f)
	c.Args = func(_ *cobra.Command, args []string) error {
		if len(args) < minArgs || maxArgs >= 0 && len(args) > maxArgs {
			return usageError{fmt.Errorf("%s needs %s, e.g. oncall %s", o.name, need, firstExample(c.Example))}
		}
		return nil
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := f.Writable(o.name); err != nil {
			return err
		}
		o.incident = args[0]
		o.actor = f.g.set.from
		if fill != nil {
			if err := fill(args[1:]); err != nil {
				return err
			}
		}
		return runAction(cmd.Context(), v, f.actionEnv(o.name), cmd.OutOrStdout())
	}
	return c
}

// firstExample is the first example line without its "oncall " and
// comment.
func firstExample(ex string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(ex), "\n")
	line, _, _ = strings.Cut(line, "  #")
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "oncall "))
}

// joined is the words of a free-text argument, so it works quoted or not.
func joined(args []string) string { return strings.TrimSpace(strings.Join(args, " ")) }

// newVerbCmds returns the verbs beside note.
func newVerbCmds(g *globalOptions) []*cobra.Command {
	f := g.factory()
	return []*cobra.Command{
		newAckCmd(f), newResolveCmd(f), newDecisionCmd(f), newRoleCmd(f), newFollowUpCmd(f),
		newStatusUpdateCmd(f), newMitigatedCmd(f), newSnoozeCmd(f), newReassignCmd(f),
		newEscalateCmd(f), newTaskCmd(f), newStarCmd(f), newReopenCmd(f),
	}
}

type ackOptions struct{ actionOptions }

func (o *ackOptions) event(time.Time) (incident.Event, error) {
	return incident.Event{Kind: incident.KindAcknowledge, Summary: "acknowledged"}, nil
}

func newAckCmd(f *factory) *cobra.Command {
	o := &ackOptions{}
	return verbCmd(f, &cobra.Command{
		Use:   "ack INCIDENT",
		Short: "Acknowledge an incident",
		Long: `ack journals an acknowledgement, then sends it to PagerDuty; unreachable, it
stays queued and is sent later. INCIDENT is the PagerDuty id or the number
(1045 or #1045). An incident resolved in the meantime is not reopened.`,
		Example: `  oncall ack PT4KHLK
  oncall ack 1045`,
	}, o, 1, 1, "one incident", nil)
}

type resolveOptions struct{ actionOptions }

func (o *resolveOptions) event(time.Time) (incident.Event, error) {
	return incident.Event{Kind: incident.KindResolve, Summary: "resolved"}, nil
}

func newResolveCmd(f *factory) *cobra.Command {
	o := &resolveOptions{}
	return verbCmd(f, &cobra.Command{
		Use:   "resolve INCIDENT",
		Short: "Resolve an incident",
		Long: `resolve journals a resolution, then sends it to PagerDuty. It asks nothing:
a script that calls it means it (the interactive view asks first).`,
		Example: `  oncall resolve PT4KHLK
  oncall resolve '#1045'`,
	}, o, 1, 1, "one incident", nil)
}

type decisionOptions struct {
	actionOptions
	what, why, executor string
}

func (o *decisionOptions) event(time.Time) (incident.Event, error) {
	return incident.NewDecision(o.what, o.why, o.executor)
}

func newDecisionCmd(f *factory) *cobra.Command {
	o := &decisionOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "decision INCIDENT TEXT...",
		Short: "Log a decision on an incident",
		Long: `decision logs what the incident commander decided, with why and who carries
it out, in the journal and as a note on PagerDuty that every responder's
oncall reads back as a decision.`,
		Example: `  oncall decision PT4KHLK "roll back checkout-api to 4.11" --why "5xx began with 4.12" --executor Priya
  oncall decision 1045 fail over to the replica`,
	}, o, 2, -1, "an incident and the decision", func(args []string) error { o.what = joined(args); return nil })
	c.Flags().StringVar(&o.why, "why", "", "why it was decided")
	c.Flags().StringVar(&o.executor, "executor", "", "who carries it out")
	return c
}

type roleOptions struct {
	actionOptions
	role, person string
}

func (o *roleOptions) event(time.Time) (incident.Event, error) {
	return incident.NewRole(o.role, o.person)
}

func newRoleCmd(f *factory) *cobra.Command {
	o := &roleOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "role INCIDENT ROLE PERSON...",
		Short: "Assign an incident role to a person",
		Long: `role records who holds a role in the response: ` + incident.RoleHint + `
(incident commander, deputy, scribe, subject-matter expert, liaison).`,
		Example: `  oncall role PT4KHLK ic "Priya Patel"
  oncall role 1045 scribe Yuki`,
	}, o, 3, -1, "an incident, a role ("+incident.RoleHint+") and a person", func(args []string) error {
		o.role, o.person = args[0], joined(args[1:])
		return nil
	})
	c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return []cobra.Completion{"ic", "deputy", "scribe", "sme", "liaison"}, cobra.ShellCompDirectiveNoFileComp
		}
		return completeIncidents(f)(cmd, args, toComplete)
	}
	return c
}

type followUpOptions struct {
	actionOptions
	title, owner, due, typ string
}

func (o *followUpOptions) event(now time.Time) (incident.Event, error) {
	if strings.TrimSpace(o.due) == "" {
		return incident.Event{}, usageError{errors.New("follow-up needs --due: a date like 2026-12-01, or +7d")}
	}
	return incident.NewActionItem(o.title, o.owner, o.due, o.typ, now)
}

func newFollowUpCmd(f *factory) *cobra.Command {
	o := &followUpOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "follow-up INCIDENT TEXT... --owner NAME --due DATE|+Nd",
		Short: "Record a follow-up action item with an owner and a due date",
		Long: `follow-up records an action item for the postmortem: what is to be done, its
owner, its due date (YYYY-MM-DD, or +Nd for N days from today; not in the
past) and its type: mitigate, prevent (the default), detect or process.`,
		Example: `  oncall follow-up PT4KHLK "alert on card processor timeouts" --owner payments --due +14d --type detect
  oncall follow-up 1045 add a canary stage --owner Priya --due 2026-12-15`,
	}, o, 2, -1, "an incident and the action item, with --owner and --due", func(args []string) error { o.title = joined(args); return nil })
	c.Flags().StringVar(&o.owner, "owner", "", "who owns it: a person or a team (required)")
	c.Flags().StringVar(&o.due, "due", "", "when it is due: YYYY-MM-DD or +Nd (required)")
	c.Flags().StringVar(&o.typ, "type", "prevent", "mitigate, prevent, detect or process")
	return c
}

type statusUpdateOptions struct {
	actionOptions
	message string
}

func (o *statusUpdateOptions) event(time.Time) (incident.Event, error) {
	return incident.NewStatusUpdate(o.message)
}

func newStatusUpdateCmd(f *factory) *cobra.Command {
	o := &statusUpdateOptions{}
	return verbCmd(f, &cobra.Command{
		Use:   "status-update INCIDENT TEXT...",
		Short: "Post a status update to the incident's subscribers",
		Long: `status-update posts a status update to PagerDuty, which sends it to the
incident's subscribers, and journals it for the postmortem.`,
		Example: `  oncall status-update PT4KHLK "Checkout errors are falling after the rollback; next update in 30 minutes."`,
	}, o, 2, -1, "an incident and the update", func(args []string) error { o.message = joined(args); return nil })
}

type mitigatedOptions struct{ actionOptions }

func (o *mitigatedOptions) event(time.Time) (incident.Event, error) { return incident.NewMitigated() }

func newMitigatedCmd(f *factory) *cobra.Command {
	o := &mitigatedOptions{}
	return verbCmd(f, &cobra.Command{
		Use:   "mitigated INCIDENT",
		Short: "Mark that customer impact has stopped",
		Long: `mitigated records the moment customer impact stopped, which the postmortem
draft uses for time to mitigate. The incident stays open.`,
		Example: `  oncall mitigated PT4KHLK`,
	}, o, 1, 1, "one incident", nil)
}

type snoozeOptions struct {
	actionOptions
	duration string
}

func (o *snoozeOptions) event(time.Time) (incident.Event, error) {
	d, err := incident.ParseSnooze(o.duration)
	if err != nil {
		return incident.Event{}, err
	}
	return incident.NewSnooze(d)
}

func newSnoozeCmd(f *factory) *cobra.Command {
	o := &snoozeOptions{}
	return verbCmd(f, &cobra.Command{
		Use:   "snooze INCIDENT DURATION",
		Short: "Snooze an acknowledged incident; it triggers again after",
		Long: `snooze holds an acknowledged incident for DURATION (30m, 4h, 2d; from 1m to
7d, PagerDuty's limit), after which it triggers again.`,
		Example: `  oncall snooze PT4KHLK 2h`,
	}, o, 2, 2, "an incident and a duration", func(args []string) error { o.duration = args[0]; return nil })
}

type escalateOptions struct {
	actionOptions
	level string
}

func (o *escalateOptions) event(time.Time) (incident.Event, error) {
	n, err := incident.ParseLevel(o.level)
	if err != nil {
		return incident.Event{}, err
	}
	return incident.NewEscalate(n)
}

func newEscalateCmd(f *factory) *cobra.Command {
	o := &escalateOptions{}
	return verbCmd(f, &cobra.Command{
		Use:     "escalate INCIDENT LEVEL",
		Short:   "Escalate an incident to a level of its escalation policy",
		Long:    `escalate moves the incident to LEVEL (1, 2, ...) of its escalation policy.`,
		Example: `  oncall escalate PT4KHLK 2`,
	}, o, 2, 2, "an incident and a level", func(args []string) error { o.level = args[0]; return nil })
}

type taskOptions struct {
	actionOptions
	person, what, in string
}

func (o *taskOptions) event(now time.Time) (incident.Event, error) {
	in, err := time.ParseDuration(strings.TrimSpace(o.in))
	if err != nil {
		return incident.Event{}, usageError{fmt.Errorf("task --in %q: a duration like 10m or 1h", incident.Clean(o.in))}
	}
	return incident.NewTask(o.person, o.what, in, now)
}

func newTaskCmd(f *factory) *cobra.Command {
	o := &taskOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "task INCIDENT PERSON TEXT... --in DURATION",
		Short: `Time-box a task: "back to you in 10 minutes"`,
		Long: `task records that PERSON is doing TEXT and reports back within DURATION
(1m to 24h). Every responder's view counts down to the same moment.`,
		Example: `  oncall task PT4KHLK Priya "check replica lag on db-inv-2" --in 10m`,
	}, o, 3, -1, "an incident, a person and the task, with --in", func(args []string) error {
		o.person, o.what = args[0], joined(args[1:])
		return nil
	})
	c.Flags().StringVar(&o.in, "in", "", "when the person reports back: 10m, 1h (required)")
	return c
}

type starOptions struct {
	actionOptions
	eventID string
}

func (o *starOptions) event(time.Time) (incident.Event, error) {
	return incident.NewStar(strings.TrimSpace(o.eventID))
}

// prepare checks that the starred event is on the incident's timeline
// (this machine's journal, then PagerDuty's) and labels the star with it,
// so a typo does not star nothing. Offline (or rate limited), an event
// the journal does not hold is starred unlabelled: PagerDuty cannot be
// asked, and the star is worth keeping.
func (o *starOptions) prepare(ctx context.Context, env *actionEnv, incidentID string, e incident.Event) (incident.Event, error) {
	id := e.Fields[incident.FieldEventID]
	find := func(events []incident.Event) (incident.Event, bool) {
		for _, ev := range events {
			if ev.ID == id {
				return ev, true
			}
		}
		return incident.Event{}, false
	}
	local, err := env.journal.Events(incidentID)
	if err != nil {
		return e, fmt.Errorf("read the journal: %w", err)
	}
	target, ok := find(local)
	if !ok {
		remote, err := env.src.Events(ctx, incidentID)
		switch {
		case errors.Is(err, incident.ErrUnreachable), errors.Is(err, incident.ErrRateLimited):
			return e, nil
		case err != nil:
			return e, fmt.Errorf("look for event %s on incident %s: %w", incident.Clean(id), incident.Clean(incidentID), err)
		}
		if target, ok = find(remote); !ok {
			return e, usageError{fmt.Errorf("incident %s has no event %s (oncall log %s lists them)", incident.Clean(incidentID), incident.Clean(id), incident.Clean(incidentID))}
		}
	}
	label := incident.Clean(incident.Summary(target))
	if r := []rune(label); len(r) > 200 {
		label = string(r[:199]) + "…"
	}
	return incident.NewStarOn(id, label)
}

func newStarCmd(f *factory) *cobra.Command {
	o := &starOptions{}
	return verbCmd(f, &cobra.Command{
		Use:   "star INCIDENT EVENT_ID",
		Short: "Star an event of an incident's timeline as a key moment",
		Long: `star marks an event of the timeline (its id, as oncall log --json shows it)
as a key moment for the postmortem draft.`,
		Example: `  oncall star PT4KHLK R2YQ6N7PNXKZ4Q`,
	}, o, 2, 2, "an incident and an event id", func(args []string) error { o.eventID = args[0]; return nil })
}

type reassignOptions struct {
	actionOptions
	users  []string // ids or emails
	policy string
}

func (o *reassignOptions) event(time.Time) (incident.Event, error) {
	var users []string
	for _, u := range o.users {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	if len(users) == 0 && o.policy == "" {
		return incident.Event{}, usageError{errors.New("reassign needs --user EMAIL_OR_ID (one or more) or --policy ID")}
	}
	if len(users) > 0 && o.policy != "" {
		return incident.Event{}, usageError{errors.New("reassign to --user or to --policy, not both")}
	}
	for _, id := range append(users[:len(users):len(users)], o.policy) {
		if id != "" && !strings.Contains(id, "@") && !validID(id) {
			return incident.Event{}, usageError{fmt.Errorf("%q is not a PagerDuty id (upper-case letters and digits) nor an email", incident.Clean(id))}
		}
	}
	return incident.NewReassign(incident.Reassignment{UserIDs: users, EscalationPolicyID: o.policy})
}

// prepare turns emails into PagerDuty user ids, asking PagerDuty for its
// users: the journal keeps ids, which is what the send needs.
func (o *reassignOptions) prepare(ctx context.Context, env *actionEnv, _ string, e incident.Event) (incident.Event, error) {
	if o.policy != "" {
		return e, nil
	}
	var users, names []string
	var all []incident.Responder
	for _, u := range o.users {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if !strings.Contains(u, "@") {
			users, names = append(users, u), append(names, u)
			continue
		}
		if all == nil {
			var err error
			if all, err = env.src.Users(ctx); err != nil {
				return e, fmt.Errorf("look up %s among PagerDuty's users: %w", incident.Clean(u), err)
			}
		}
		found := false
		for _, r := range all {
			if strings.EqualFold(r.Email, u) && validID(r.ID) {
				users, names, found = append(users, r.ID), append(names, r.Name), true
				break
			}
		}
		if !found {
			return e, usageError{fmt.Errorf("no PagerDuty user has the email %s", incident.Clean(u))}
		}
	}
	return incident.NewReassignTo(incident.Reassignment{UserIDs: users}, strings.Join(names, ", "))
}

func newReassignCmd(f *factory) *cobra.Command {
	o := &reassignOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "reassign INCIDENT (--user EMAIL_OR_ID... | --policy ID)",
		Short: "Reassign an incident to users or to an escalation policy",
		Long: `reassign gives the incident to one or more users (by email or PagerDuty id;
repeat --user or separate with commas) or to an escalation policy.`,
		Example: `  oncall reassign PT4KHLK --user priya@example.com --user PXPGF42
  oncall reassign 1045 --policy PIJ90N7`,
	}, o, 1, 1, "one incident, with --user or --policy", nil)
	c.Flags().StringSliceVar(&o.users, "user", nil, "a user's email or PagerDuty id (repeat, or comma-separate)")
	c.Flags().StringVar(&o.policy, "policy", "", "an escalation policy's PagerDuty id")
	return c
}

type reopenOptions struct {
	actionOptions
	yes bool
}

func (o *reopenOptions) event(time.Time) (incident.Event, error) {
	if !o.yes {
		return incident.Event{}, usageError{errors.New("reopen sets a resolved incident back to acknowledged on PagerDuty, which assigns it to you and pages again; add --yes to do it on purpose")}
	}
	return incident.Event{Kind: incident.KindReopen, Summary: "reopened"}, nil
}

func newReopenCmd(f *factory) *cobra.Command {
	o := &reopenOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "reopen INCIDENT --yes",
		Short: "Reopen a resolved incident, on purpose",
		Long: `reopen sets a resolved incident back to acknowledged: PagerDuty reopens it,
assigns it to you and pages again. It needs --yes, so that it never happens
by accident. An incident already open again is left as it is.`,
		Example: `  oncall reopen PT4KHLK --yes`,
	}, o, 1, 1, "one incident, with --yes", nil)
	c.Flags().BoolVar(&o.yes, "yes", false, "reopen it: the incident was resolved too early")
	return c
}
