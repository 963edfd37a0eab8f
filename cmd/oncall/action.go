package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store/outbox"
)

// This file holds the machinery every verb shares: the verb interface, runAction
// (journal, then send through the outbox) and the wording of its report.

// Every action a responder takes in the TUI has a verb on the command
// line, for scripts, chat bots and a plain shell. A verb is an options
// struct that builds the event to journal (validating what was typed
// through incident's vocabulary) and the one runAction that journals it,
// durably, before sending it through the outbox. So a verb's exit status
// says: 0, the action is in the journal (sent, or queued for oncall sync);
// 2, it was refused as typed and nothing was journaled.

// verb is one command-line action.
type verb interface {
	base() *actionOptions
	// event builds the action from the options, or refuses them with an
	// error wrapping incident.ErrInvalid (or a usageError).
	event(now time.Time) (incident.Event, error)
}

// preparer is a verb that must look something up, once the incident is
// known and before anything is journaled: who an email belongs to, what
// a starred event was.
type preparer interface {
	prepare(ctx context.Context, env *actionEnv, incidentID string, e incident.Event) (incident.Event, error)
}

// actionOptions are what every verb has.
type actionOptions struct {
	name     string // the command, as the user typed it: "follow-up"
	incident string // as typed: PT4KHLK, 1045 or #1045
	actor    string // who the journal records as acting
	// timeout bounds the wait for PagerDuty after journaling; past it the
	// action stays queued.
	timeout time.Duration
	now     func() time.Time
}

func (o *actionOptions) base() *actionOptions { return o }

// actionJournal is what a verb needs from the journal: the cached list,
// to resolve incident numbers, and Append.
type actionJournal interface {
	incidentCache
	Append(incidentID string, e incident.Event) (incident.Event, error)
	Events(incidentID string) ([]incident.Event, error)
}

// actionSource is what a verb asks PagerDuty before journaling: an
// incident by number, users by email, an incident's events.
type actionSource interface {
	incidentGetter
	Users(ctx context.Context) ([]incident.Responder, error)
	Events(ctx context.Context, id string) ([]incident.Event, error)
}

// actionOutbox sends what the journal holds, exactly once.
type actionOutbox interface {
	Flush(ctx context.Context, incidentID string) (outbox.Report, error)
}

// actionEnv is what runAction works with.
type actionEnv struct {
	journal actionJournal
	src     actionSource
	outbox  actionOutbox
	close   func()
}

// openActionEnv builds the env once the typed input has passed its
// checks: a verb with bad input touches neither the journal nor the
// network.
type openActionEnv func() (*actionEnv, error)

// actionEnv opens what a verb needs: the source first (a missing token is
// a mistake to fix now, not an action to queue), then the journal, which
// the factory refuses in read-only mode.
func (f *factory) actionEnv(command string) openActionEnv {
	return func() (*actionEnv, error) {
		src, err := f.Source()
		if err != nil {
			return nil, err
		}
		j, err := f.Journal(command)
		if err != nil {
			return nil, err
		}
		return &actionEnv{journal: j, src: src, outbox: f.Drainer(j, src), close: func() { j.Close() }}, nil
	}
}

const actionTimeout = 30 * time.Second

// runAction journals v's action on its incident, durably, then sends it
// through the outbox (which records each attempt first, so a lost answer
// never makes a second copy), and prints whether it was sent or queued.
// Input is checked before anything is opened: a bad incident, a bad
// value, or an incident number nobody knows is a usage error, and nothing
// is journaled.
func runAction(ctx context.Context, v verb, open openActionEnv, stdout io.Writer) error {
	o := v.base()
	if o.now == nil {
		o.now = time.Now
	}
	if o.timeout <= 0 {
		o.timeout = actionTimeout
	}
	ref, err := parseIncidentRef(o.incident)
	if err != nil {
		return err
	}
	e, err := v.event(o.now())
	if err != nil {
		return asUsage(o.name, err)
	}
	env, err := open()
	if err != nil {
		return err
	}
	if env.close != nil {
		defer env.close()
	}
	id, err := ref.resolve(ctx, env.journal, env.src)
	if err != nil {
		return err
	}
	if p, ok := v.(preparer); ok {
		if e, err = p.prepare(ctx, env, id, e); err != nil {
			return asUsage(o.name, err)
		}
	}
	e.Actor = o.actor
	stored, err := env.journal.Append(id, e)
	if err != nil {
		return fmt.Errorf("journal the %s (nothing was sent): %w", o.name, err)
	}
	shown := incident.Clean(id)
	if ref.id == "" {
		shown += fmt.Sprintf(" (#%d)", ref.number)
	}
	if stored.State == incident.LocalOnly {
		fmt.Fprintf(stdout, "%s journaled for %s (journal id %s); it stays on this machine\n", o.name, shown, stored.ID)
		return nil
	}
	sendCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, ferr := env.outbox.Flush(sendCtx, id)
	if !reported(rep, stored.ID) && ferr == nil {
		// Another oncall sharing the journal sent it (or refused it)
		// first: the journal says what became of it.
		if evs, err := env.journal.Events(id); err == nil {
			for _, ev := range evs {
				if ev.ID == stored.ID {
					stored = ev
				}
			}
		}
	}
	return reportAction(stdout, o.name, shown, stored, rep, ferr, o.timeout)
}

func reported(rep outbox.Report, eventID string) bool {
	for _, r := range rep.Results {
		if r.Event.ID == eventID {
			return true
		}
	}
	return false
}

// asUsage makes a refusal of typed input a usage error (exit 2).
func asUsage(name string, err error) error {
	if errors.Is(err, incident.ErrInvalid) {
		if strings.HasPrefix(err.Error(), name) {
			return usageError{err}
		}
		return usageError{fmt.Errorf("%s: %w", name, err)}
	}
	return err
}

// reportAction says what became of a journaled action: sent, or queued
// and why, naming what actually failed (PagerDuty, or this machine's
// journal). The action is durable either way, so only a verdict gives an
// error: PagerDuty refused the action, or the token needs fixing. Anything
// else exits 0, as a caller who retried would journal the action twice.
func reportAction(stdout io.Writer, name, shown string, e incident.Event, rep outbox.Report, ferr error, timeout time.Duration) error {
	var res outbox.Result
	for _, r := range rep.Results {
		if r.Event.ID == e.ID {
			res = r
		}
	}
	why := ferr
	if res.Err != nil {
		why = res.Err
	}
	if !reported(rep, e.ID) && !errors.Is(ferr, outbox.ErrJournal) {
		// Not in this pass: another process sending the same journal's
		// outbox took it (e is as the journal has it now), or held the
		// sender's lock until this process stopped waiting.
		switch {
		case ferr == nil && e.State == incident.Sent:
			fmt.Fprintf(stdout, "%s sent to PagerDuty for %s (journal id %s), by another oncall sharing the journal\n", name, shown, e.ID)
			return nil
		case ferr == nil && e.State == incident.Failed:
			return fmt.Errorf("PagerDuty refused the %s for %s (kept in the journal as not sent): %s", name, shown, incident.Clean(e.Error))
		}
		fmt.Fprintf(stdout, "%s queued for %s (journal id %s): another oncall sharing the journal is sending its outbox, and sends it\n", name, shown, e.ID)
		return nil
	}
	switch {
	case res.Outcome == outbox.Sent || res.Outcome == outbox.Landed:
		fmt.Fprintf(stdout, "%s sent to PagerDuty for %s (journal id %s)\n", name, shown, e.ID)
		return nil
	case res.Outcome == outbox.Skipped:
		return fmt.Errorf("%s for %s not sent, as there was nothing left to do on PagerDuty (kept in the journal, marked failed): %w", name, shown, why)
	case res.Outcome == outbox.Failed:
		return fmt.Errorf("PagerDuty refused the %s for %s (kept in the journal as not sent): %w", name, shown, why)
	case errors.Is(why, outbox.ErrUnrecorded):
		// Durable, and on PagerDuty: exit 0, since a retry by the caller
		// would make a second copy.
		fmt.Fprintf(stdout, "%s for %s (journal id %s) reached PagerDuty, but the result could not be recorded in the journal (%s); oncall sync checks PagerDuty and does not send it again\n",
			name, shown, e.ID, incident.Clean(why.Error()))
		return nil
	case errors.Is(why, outbox.ErrJournal), errors.Is(ferr, outbox.ErrJournal):
		if errors.Is(ferr, outbox.ErrJournal) {
			why = ferr
		}
		fmt.Fprintf(stdout, "%s queued for %s (journal id %s), not sent, as this machine's journal failed (%s); oncall doctor checks the journal\n",
			name, shown, e.ID, incident.Clean(why.Error()))
		return nil
	case errors.Is(why, incident.ErrUnauthorized), errors.Is(why, incident.ErrForbidden):
		// The token needs fixing, the action does not: it stays queued.
		return fmt.Errorf("%s journaled for %s (id %s) and left queued, but not sent: %w", name, shown, e.ID, why)
	}
	fmt.Fprintf(stdout, "%s queued for %s (journal id %s): %s; oncall sync (or the next oncall) sends it\n", name, shown, e.ID, queuedWhy(res, why, timeout))
	return nil
}

// queuedWhy says why an action waits, in the words of what failed.
func queuedWhy(res outbox.Result, why error, timeout time.Duration) string {
	switch {
	case res.Outcome == outbox.Held:
		return "this version of oncall cannot send it"
	case errors.Is(why, outbox.ErrSettling):
		return incident.Clean(why.Error())
	case errors.Is(why, context.DeadlineExceeded):
		return fmt.Sprintf("PagerDuty did not answer within %s", timeout)
	case errors.Is(why, incident.ErrUnreachable):
		return "PagerDuty could not be reached"
	case errors.Is(why, incident.ErrRateLimited):
		return "PagerDuty is rate limiting"
	case why == nil:
		return "not sent yet"
	}
	return incident.Clean(why.Error())
}
