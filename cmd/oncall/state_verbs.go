package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
)

// This file holds the verbs of the commander's state: the life of a task
// or a follow-up after it was recorded (task done|extend|cancel,
// follow-up done|cancel|extend|link) and taking a role (take). They are
// verbs like the others (verbs.go): journaled first, sent through the
// outbox as mirrored notes, refused in read-only mode, and bad input is
// one line and exit 2 with nothing journaled.

// addStateCmds adds the state verbs to root: take and handoff as commands,
// and the item changes as subcommands of task and follow-up, which keep
// recording new items when their first argument is an incident.
func addStateCmds(root *cobra.Command, g *globalOptions) {
	f := g.factory()
	root.AddCommand(newTakeCmd(f), newHandoffCmd(g))
	for _, c := range root.Commands() {
		switch c.Name() {
		case "task":
			c.AddCommand(newItemCmd(f, incident.KindTask, incident.ChangeDone),
				newItemCmd(f, incident.KindTask, incident.ChangeExtended),
				newItemCmd(f, incident.KindTask, incident.ChangeCancelled))
		case "follow-up":
			c.AddCommand(newItemCmd(f, incident.KindActionItem, incident.ChangeDone),
				newItemCmd(f, incident.KindActionItem, incident.ChangeCancelled),
				newItemCmd(f, incident.KindActionItem, incident.ChangeExtended),
				newItemCmd(f, incident.KindActionItem, incident.ChangeLinked))
		}
	}
}

// itemOptions change one task or follow-up.
type itemOptions struct {
	actionOptions
	kind   incident.Kind // incident.KindTask or incident.KindActionItem
	change string        // one of incident.ItemChanges
	item   string        // as typed: a local id, or a 1-based number
	by     string        // task extend: how much longer
	due    string        // follow-up extend: the new due date
	ticket string        // follow-up link
}

// noun is the item's kind as the command line names it.
func (o *itemOptions) noun() string {
	if o.kind == incident.KindTask {
		return "task"
	}
	return "follow-up"
}

// event checks what can be checked before the incident is read: the
// item's form, the change's argument. prepare builds the real update.
func (o *itemOptions) event(now time.Time) (incident.Event, error) {
	item := strings.TrimSpace(o.item)
	if _, isNum := itemNumber(item); !isNum {
		if _, err := incident.NewItemUpdate(item, incident.ChangeDone); err != nil {
			return incident.Event{}, usageError{fmt.Errorf("%s: %q is neither a %s's number (1, 2, ...) nor its id", o.name, incident.Clean(item), o.noun())}
		}
	}
	var opts []incident.ItemOption
	switch o.change {
	case incident.ChangeExtended:
		due, err := o.newDue(now, time.Time{})
		if err != nil {
			return incident.Event{}, err
		}
		opts = append(opts, incident.ItemDue(due))
	case incident.ChangeLinked:
		opts = append(opts, incident.ItemTicket(o.ticket))
	}
	return incident.NewItemUpdate("placeholder", o.change, opts...)
}

// newDue is an extended item's new due. A task's --by counts from its due,
// or from now when that has passed (more time means more time from now);
// a follow-up's --due is a date, as when it was recorded.
func (o *itemOptions) newDue(now, due time.Time) (string, error) {
	if o.kind == incident.KindActionItem {
		d, err := incident.ParseDue(o.due, now)
		if err != nil {
			return "", err
		}
		if d == "" {
			return "", usageError{fmt.Errorf("%s needs --due: a date like 2026-12-01, or +7d", o.name)}
		}
		return d, nil
	}
	by, err := time.ParseDuration(strings.TrimSpace(o.by))
	if err != nil || by < time.Minute || by > incident.TaskMax {
		return "", usageError{fmt.Errorf("%s --by %q: a duration from 1m to 24h, like 10m", o.name, incident.Clean(o.by))}
	}
	from := now
	if due.After(now) {
		from = due
	}
	return from.UTC().Add(by.Round(time.Minute)).Format(time.RFC3339), nil
}

// itemNumber reads a 1-based number (local ids are 26 letters and digits,
// never this short).
func itemNumber(s string) (int, bool) {
	if len(s) == 0 || len(s) > 6 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1
}

// prepare finds the item in the incident's state, derived from this
// journal and PagerDuty's notes (an item another responder recorded is
// found too), refuses a change its state does not allow, and builds the
// update naming it.
func (o *itemOptions) prepare(ctx context.Context, env *actionEnv, incidentID string, _ incident.Event) (incident.Event, error) {
	doc, offline, err := deriveForVerb(ctx, env, incidentID, o.now())
	if err != nil {
		return incident.Event{}, err
	}
	list := doc.Tasks
	if o.kind == incident.KindActionItem {
		list = doc.FollowUps
	}
	item := strings.TrimSpace(o.item)
	var it state.Item
	found := false
	for _, x := range list {
		if n, isNum := itemNumber(item); isNum && x.Number == n || x.ID == item {
			it, found = x, true
		}
	}
	if !found {
		msg := fmt.Sprintf("incident %s has no %s %s (%d recorded)", incident.Clean(incidentID), o.noun(), incident.Clean(item), len(list))
		if offline != nil {
			msg += "; PagerDuty could not be asked for other responders' items: " + incident.Clean(offline.Error())
		}
		return incident.Event{}, usageError{errors.New(msg)}
	}
	if !it.Open() && o.change != incident.ChangeLinked {
		return incident.Event{}, usageError{fmt.Errorf("%s %d (%s) is already %s", o.noun(), it.Number, incident.Clean(it.What), it.State)}
	}
	opts := []incident.ItemOption{incident.ItemLabel(it.What)}
	switch o.change {
	case incident.ChangeExtended:
		var cur time.Time
		if t, ok := it.DueAt(time.UTC); ok && o.kind == incident.KindTask {
			cur = t
		}
		due, err := o.newDue(o.now(), cur)
		if err != nil {
			return incident.Event{}, err
		}
		opts = append(opts, incident.ItemDue(due))
	case incident.ChangeLinked:
		opts = append(opts, incident.ItemTicket(o.ticket))
	}
	return incident.NewItemUpdate(it.ID, o.change, opts...)
}

// deriveForVerb derives the incident's state for a verb: the journal's
// events merged with PagerDuty's. PagerDuty out of reach (or rate
// limiting) leaves the journal's alone, and offline says why.
func deriveForVerb(ctx context.Context, env *actionEnv, incidentID string, now time.Time) (doc state.Doc, offline error, err error) {
	local, err := env.journal.Events(incidentID)
	if err != nil {
		return state.Doc{}, nil, fmt.Errorf("read the journal: %w", err)
	}
	remote, err := env.src.Events(ctx, incidentID)
	switch {
	case errors.Is(err, incident.ErrUnreachable), errors.Is(err, incident.ErrRateLimited), errors.Is(err, context.DeadlineExceeded):
		offline, remote = err, nil
	case err != nil:
		return state.Doc{}, nil, fmt.Errorf("read incident %s's timeline: %w", incident.Clean(incidentID), err)
	}
	return state.Derive(state.Input{Timeline: incident.Merge(remote, local), Now: now}), offline, nil
}

// itemCmdText are the help texts of the task and follow-up verbs, by
// "noun change". A slice of constants, laid out by the linker: a map would
// be built at package init, which every command pays for.
var itemCmdText = []struct{ key, short, long string }{
	{"task " + incident.ChangeDone, "Mark a task done",
		`task done marks a time-boxed task done: it leaves the open tasks of every
responder's state pane and handoff. TASK is the task's number (1 for the
first task recorded on the incident) or its id.`},
	{"task " + incident.ChangeExtended, "Give a task more time",
		`task extend moves a task's due by --by (1m to 24h): from its due, or from now
when it is already overdue.`},
	{"task " + incident.ChangeCancelled, "Cancel a task nobody needs any more",
		`task cancel closes a task without it being done.`},
	{"follow-up " + incident.ChangeDone, "Mark a follow-up action item done",
		`follow-up done marks an action item done. ITEM is its number (1 for the first
follow-up recorded on the incident) or its id.`},
	{"follow-up " + incident.ChangeCancelled, "Cancel a follow-up action item",
		`follow-up cancel closes an action item that will not be done.`},
	{"follow-up " + incident.ChangeExtended, "Move a follow-up's due date",
		`follow-up extend sets a new due date (YYYY-MM-DD, or +Nd) for an action item.`},
	{"follow-up " + incident.ChangeLinked, "Link a follow-up to its ticket",
		`follow-up link records the ticket (an http or https URL) that tracks an action
item.`},
}

// itemText is the help text of the verb for noun and change.
func itemText(noun, change string) (short, long string) {
	key := noun + " " + change
	for _, t := range itemCmdText {
		if t.key == key {
			return t.short, t.long
		}
	}
	return "", ""
}

// verbOf is the word the command line uses for a change.
func verbOf(change string) string {
	switch change {
	case incident.ChangeExtended:
		return "extend"
	case incident.ChangeCancelled:
		return "cancel"
	case incident.ChangeLinked:
		return "link"
	}
	return change
}

func newItemCmd(f *factory, kind incident.Kind, change string) *cobra.Command {
	o := &itemOptions{kind: kind, change: change}
	noun, word := o.noun(), verbOf(change)
	arg := "TASK"
	if kind == incident.KindActionItem {
		arg = "ITEM"
	}
	use := fmt.Sprintf("%s INCIDENT %s", word, arg)
	ex := fmt.Sprintf("  oncall %s %s PT4KHLK 2", noun, word)
	nargs, need := 2, "an incident and a "+noun+" (its number or id)"
	switch {
	case kind == incident.KindTask && change == incident.ChangeExtended:
		use += " --by DURATION"
		ex += " --by 10m"
		need += ", with --by"
	case change == incident.ChangeExtended:
		use += " --due DATE|+Nd"
		ex += " --due +7d"
		need += ", with --due"
	case change == incident.ChangeLinked:
		use += " URL"
		ex += " https://jira.example.com/browse/OPS-123"
		nargs, need = 3, "an incident, a follow-up (its number or id) and a ticket URL"
	}
	short, long := itemText(noun, change)
	c := verbCmd(f, &cobra.Command{Use: use, Short: short, Long: long, Example: ex}, o, nargs, nargs, need,
		func(args []string) error {
			o.item = args[0]
			if len(args) > 1 {
				o.ticket = args[1]
			}
			return nil
		})
	o.name = noun + " " + word
	switch {
	case kind == incident.KindTask && change == incident.ChangeExtended:
		c.Flags().StringVar(&o.by, "by", "", "how much longer: 10m, 1h (required)")
	case change == incident.ChangeExtended:
		c.Flags().StringVar(&o.due, "due", "", "the new due date: YYYY-MM-DD or +Nd (required)")
	}
	return c
}

// takeOptions take a role.
type takeOptions struct {
	actionOptions
	role string
}

func (o *takeOptions) event(time.Time) (incident.Event, error) {
	return incident.NewRoleMarked(o.role, "placeholder", incident.RoleMarks{Taken: true})
}

// prepare names who takes the role: the PagerDuty user the token (or
// PAGERDUTY_FROM) speaks for, by name as the team's timeline shows them.
func (o *takeOptions) prepare(ctx context.Context, env *actionEnv, _ string, e incident.Event) (incident.Event, error) {
	me, err := whoAmI(ctx, env.src, o.actor)
	if err != nil {
		return incident.Event{}, err
	}
	return incident.NewRoleMarked(e.Fields[incident.FieldRole], me, incident.RoleMarks{Taken: true})
}

// whoAmI names the person acting: the token's user (or the From email
// set), as a name when PagerDuty lists the user, else as given.
func whoAmI(ctx context.Context, src actionSource, actor string) (string, error) {
	me := strings.TrimSpace(actor)
	if s, ok := src.(interface {
		Me(context.Context) (string, error)
	}); ok && me == "" {
		var err error
		if me, err = s.Me(ctx); err != nil {
			return "", fmt.Errorf("find out who you are on PagerDuty (set PAGERDUTY_FROM to your email): %w", err)
		}
	}
	if me == "" {
		return "", usageError{errors.New("who are you? set PAGERDUTY_FROM (or from_email in the configuration) to your PagerDuty email")}
	}
	if strings.Contains(me, "@") {
		if users, err := src.Users(ctx); err == nil {
			for _, u := range users {
				if strings.EqualFold(u.Email, me) && strings.TrimSpace(u.Name) != "" {
					return u.Name, nil
				}
			}
		}
	}
	return me, nil
}

func newTakeCmd(f *factory) *cobra.Command {
	o := &takeOptions{}
	c := verbCmd(f, &cobra.Command{
		Use:   "take INCIDENT ROLE",
		Short: "Take a role yourself: you now hold it, and the previous holder's turn ends",
		Long: `take records that you acknowledge holding ROLE (` + incident.RoleHint + `)
from now on. The previous holder's turn ends at this moment, in every
responder's state pane and in the postmortem draft's roles. You are named as
PagerDuty knows you (your token's user, or PAGERDUTY_FROM).`,
		Example: `  oncall take PT4KHLK ic
  oncall take 1045 scribe`,
	}, o, 2, 2, "an incident and a role ("+incident.RoleHint+")", func(args []string) error { o.role = args[0]; return nil })
	c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return []cobra.Completion{"ic", "deputy", "scribe", "sme", "liaison"}, cobra.ShellCompDirectiveNoFileComp
		}
		return completeIncidents(f)(cmd, args, toComplete)
	}
	return c
}
