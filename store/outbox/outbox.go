// Package outbox sends the actions waiting in the journal's outbox to
// PagerDuty: exactly once, in order per incident, with backoff while
// PagerDuty is unreachable or rate-limits.
//
// Invariants:
//   - The journal is written before and after every network call: an
//     attempt is recorded (store.Journal.BeginAttempt, marking the action
//     uncertain and noting when the attempt began) before the call, and its
//     outcome after. A crash between the two leaves the action uncertain,
//     never forgotten.
//   - An uncertain action is not sent again before its Handler's Landed
//     check has looked at PagerDuty: a note whose tag carries the action's
//     local id, an acknowledge already in place. So a timeout, a dropped
//     connection, a 5xx or a crash never makes a duplicate.
//   - The settle rule: an uncertain action is neither checked nor sent
//     again until Options.Settle has passed since its last attempt BEGAN
//     (store.Action.LastAttempt); until then it waits. The check only sees
//     what PagerDuty has already stored, and a request held on its way (a
//     slow proxy, a congested link) is stored whenever it arrives, even
//     after oncall gave up on it: a check made while it may still arrive
//     finds nothing and sends a second copy. Each attempt runs under its
//     own deadline (Options.AttemptTimeout), whatever the caller allows,
//     and Settle is longer than that deadline by a margin. The rule rests
//     on one assumption that nothing here can enforce: nothing between
//     oncall and PagerDuty delivers a request later than Settle after it
//     was sent. Forcing a pass (Flush) skips backoff, never the settle
//     period.
//   - A check that fails decides nothing: when Landed or a Guard cannot
//     read PagerDuty, the action waits, as uncertain as it was, and is
//     checked again next time. Only an answer moves it.
//   - One incident's actions go in append order: while one waits (backing
//     off, settling, held for want of a Handler, or not reached in a pass
//     that stopped), the ones after it wait too. Incidents do not hold
//     each other up, except that PagerDuty being unreachable, rate-limiting
//     or refusing the token ends the whole pass: the next incident would
//     only meet the same answer.
//   - A state change is decided on PagerDuty's state, not the state the
//     responder saw: before an acknowledge, resolve, snooze, escalation or
//     reassignment, its Guard reads the incident, and one already resolved
//     makes the action moot. PagerDuty reopens a resolved incident that is
//     acknowledged and pages again, so a queued acknowledge must never
//     reach an incident that a colleague resolved meanwhile. Reopening is
//     its own kind (incident.KindReopen), sent only when asked for.
//   - A permanent refusal (a 4xx other than 429 and 401) marks the action
//     Failed, with PagerDuty's reason, and it is not retried; 401 (also on
//     GET /users/me, asked to learn the From email) leaves every action
//     queued, since the token, not the action, is at fault.
//   - One sender at a time: Drain, Flush and Run share a lock in this
//     process, and each pass also holds the journal's sender lock across
//     processes when the Journal offers one (see SenderLocker).
//   - Errors name what failed: the journal's failures wrap ErrJournal, an
//     action that reached PagerDuty but whose result the journal could
//     not record wraps ErrUnrecorded, an earlier attempt that may still
//     land wraps ErrSettling, and PagerDuty's failures wrap incident's
//     sentinels (incident.ErrUnreachable, incident.ErrRateLimited, ...).
//   - Kinds are sent by registered Handlers; an action of a kind with no
//     Handler is held in the outbox (reported as Held), never dropped.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
)

// Journal is what the drainer needs from the journal; *store.Store has it.
type Journal interface {
	Outbox() ([]store.Action, error)
	BeginAttempt(incidentID, eventID string, at time.Time) (store.Action, error)
	Postpone(incidentID, eventID string, next time.Time, errText string, uncertain bool) error
	SetState(incidentID, eventID string, state incident.SyncState, errText string) error
}

var _ Journal = (*store.Store)(nil)

// SenderLocker is what a Journal shared by several processes offers so
// that only one of them sends its outbox at a time: LockSender blocks
// until this process is the only sender, or ctx ends. A Journal without
// it is taken to have one process only.
type SenderLocker interface {
	LockSender(ctx context.Context) (release func(), err error)
}

// A Handler sends one kind of action.
type Handler struct {
	// Guard, if set, reads PagerDuty before each send and returns a *Moot
	// when the action no longer makes sense there (an acknowledge of an
	// incident already resolved). Any other error means it could not tell:
	// nothing is sent and the action waits.
	Guard func(ctx context.Context, src incident.Source, a store.Action) error
	// Send performs the action on PagerDuty.
	Send func(ctx context.Context, src incident.Source, a store.Action) error
	// Landed reports whether an earlier attempt, whose outcome is unknown,
	// already took effect. It is asked before any retry of an uncertain
	// action. Nil means sending again is harmless (the action is
	// idempotent on PagerDuty).
	Landed func(ctx context.Context, src incident.Source, a store.Action) (bool, error)
}

// Moot is an error a Handler returns when PagerDuty's state makes the
// action pointless (acknowledging an incident already resolved). The
// action is marked Failed with Reason and not retried; Drain reports it
// as Skipped.
type Moot struct{ Reason string }

func (m *Moot) Error() string { return m.Reason }

// Errors a Result or a pass's error may wrap, for callers to say what
// failed.
var (
	// ErrJournal: the journal could not be read or written. PagerDuty was
	// not the problem; nothing more is sent until the journal works.
	ErrJournal = errors.New("the journal failed")
	// ErrUnrecorded: the action reached PagerDuty, but the journal could
	// not record that. It stays queued, uncertain, and is checked, not
	// sent blind, on a later pass. An error wrapping it wraps ErrJournal
	// too.
	ErrUnrecorded = errors.New("reached PagerDuty, but its result could not be recorded in the journal")
	// ErrSettling: an earlier attempt, whose outcome is unknown, may still
	// land on PagerDuty; the action waits for the settle period to end.
	ErrSettling = errors.New("an earlier attempt may still land on PagerDuty")
)

// Outcome is what became of an action in a pass.
type Outcome string

// Outcomes. Sent, Landed, Skipped and Failed are final: the action left
// the outbox. Waiting and Held stay.
const (
	Sent    Outcome = "sent"    // PagerDuty confirmed it
	Landed  Outcome = "landed"  // an earlier attempt had taken effect; not sent again
	Skipped Outcome = "skipped" // moot (see Moot); marked failed with the reason
	Failed  Outcome = "failed"  // PagerDuty refused it; not retried
	Waiting Outcome = "waiting" // to be retried at Result.Next
	Held    Outcome = "held"    // no Handler for its kind in this version of oncall
)

// Final reports whether the action has left the outbox.
func (o Outcome) Final() bool { return o == Sent || o == Landed || o == Skipped || o == Failed }

// Result is one action's outcome in a pass.
type Result struct {
	Event     incident.Event // as journaled before this pass
	Outcome   Outcome
	Err       error     // why it failed, was skipped, or waits; nil otherwise
	Attempts  int       // attempts so far, this pass's included
	Next      time.Time // for Waiting: the earliest retry; zero for "next pass"
	Attempted bool      // this pass called PagerDuty for it
}

// Report is what one pass did, action by action, in outbox order.
type Report struct {
	Results []Result
}

// Count returns how many results had outcome o.
func (r Report) Count(o Outcome) int {
	n := 0
	for _, x := range r.Results {
		if x.Outcome == o {
			n++
		}
	}
	return n
}

// Done reports whether nothing is left waiting or held.
func (r Report) Done() bool { return r.Count(Waiting) == 0 && r.Count(Held) == 0 }

// Options tune a Drainer. Zero values take the defaults.
type Options struct {
	// Backoff after the first failed attempt; it doubles with each
	// further one, up to MaxBackoff. Defaults: 2s and 5m.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// AttemptTimeout bounds each call to PagerDuty for one action (its
	// check, its guard, its send), whatever the caller's ctx allows.
	// Default 20s.
	AttemptTimeout time.Duration
	// Settle is how long after an attempt began its request may still
	// land (see the package comment). Default AttemptTimeout plus 40s; it
	// is never shorter than AttemptTimeout.
	Settle time.Duration
	// Idle is how long Run sleeps when nothing is pending, unless Kick
	// wakes it. Default 30s.
	Idle time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand returns a float in [0,1) for jitter; nil means math/rand/v2.
	Rand func() float64
}

// Defaults of Options: Settle defaults to AttemptTimeout plus
// DefaultSettleMargin, 60s in all.
const (
	DefaultAttemptTimeout = 20 * time.Second
	DefaultSettleMargin   = 40 * time.Second
)

// Drainer sends the outbox. Make one with New.
type Drainer struct {
	j        Journal
	src      incident.Source
	opts     Options
	handlers map[incident.Kind]Handler
	kick     chan struct{}

	mu        sync.Mutex // one pass at a time
	notBefore time.Time  // after a pass-wide failure: no pass before this
	why       error      // that failure
	failures  int        // consecutive pass-wide failures, for their backoff
}

// New returns a Drainer that sends j's outbox to src, with Handlers
// registered for acknowledge, resolve, reopen and note, and for the kinds
// the program mirrors to PagerDuty as notes whose text is the event's
// summary (decision, action item, role, mitigated, status update).
func New(j Journal, src incident.Source, opts Options) *Drainer {
	if opts.Backoff <= 0 {
		opts.Backoff = 2 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxBackoff < opts.Backoff {
		opts.MaxBackoff = opts.Backoff
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = DefaultAttemptTimeout
	}
	if opts.Settle <= 0 {
		opts.Settle = opts.AttemptTimeout + DefaultSettleMargin
	}
	// A request may be delivered as late as its own deadline.
	opts.Settle = max(opts.Settle, opts.AttemptTimeout)
	if opts.Idle <= 0 {
		opts.Idle = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	d := &Drainer{j: j, src: src, opts: opts, handlers: make(map[incident.Kind]Handler), kick: make(chan struct{}, 1)}
	d.Register(incident.KindAcknowledge, Handler{Guard: guardAcknowledge, Send: sendAcknowledge, Landed: acknowledgeLanded})
	d.Register(incident.KindResolve, Handler{Guard: guardResolve, Send: sendResolve})
	d.Register(incident.KindReopen, Handler{Guard: guardReopen, Send: sendReopen, Landed: reopenLanded})
	// Every mirrored kind (a kind added to incident.MirroredKinds included)
	// goes as a note with its trailer; a status update is posted as well.
	for _, k := range incident.MirroredKinds {
		d.Register(k, Handler{Send: sendNote, Landed: noteLanded})
	}
	d.Register(incident.KindStatusUpdate, Handler{Send: sendStatusUpdate, Landed: noteLanded})
	d.Register(incident.KindReassign, Handler{Guard: unlessResolved("reassigned"), Send: sendReassign})
	d.Register(incident.KindEscalate, Handler{Guard: unlessResolved("escalated"), Send: sendEscalate})
	d.Register(incident.KindSnooze, Handler{Guard: unlessResolved("snoozed"), Send: sendSnooze})
	d.Register(incident.KindRespondersReq, Handler{Send: sendResponders})
	return d
}

// Register sets the Handler for a kind, replacing any before it. Call it
// before Drain or Run.
func (d *Drainer) Register(k incident.Kind, h Handler) {
	if h.Send == nil {
		panic("outbox: Register " + string(k) + " without Send")
	}
	d.handlers[k] = h
}

// Drain makes one pass over the outbox. Its error is for the journal
// failing, the token being refused, or ctx ending; the report says what
// happened to each action either way.
func (d *Drainer) Drain(ctx context.Context) (Report, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pass(ctx, "", false)
}

// Flush is Drain for a responder who asked: it tries every action now,
// whatever its backoff (oncall sync), and with incidentID set, only that
// incident's actions (right after journaling one, as oncall note does).
// It does not cut short the settle period of an action whose earlier
// attempt may still land. Sending through the drainer, rather than
// straight to the Source, is what keeps a send whose outcome is lost from
// being repeated blind.
func (d *Drainer) Flush(ctx context.Context, incidentID string) (Report, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pass(ctx, incidentID, true)
}

func (d *Drainer) pass(ctx context.Context, only string, force bool) (Report, error) {
	var rep Report
	if l, ok := d.j.(SenderLocker); ok {
		release, err := l.LockSender(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return rep, fmt.Errorf("waiting for another oncall process to finish sending this journal's outbox: %w", err)
			}
			return rep, fmt.Errorf("%w: taking the sender lock: %w", ErrJournal, err)
		}
		defer release()
	}
	all, err := d.j.Outbox()
	if err != nil {
		return rep, fmt.Errorf("%w: %w", ErrJournal, err)
	}
	actions := all[:0:0]
	for _, a := range all {
		if only == "" || a.Event.IncidentID == only {
			if force {
				a.NextAttempt = time.Time{}
			}
			actions = append(actions, a)
		}
	}
	if force {
		d.notBefore, d.why = time.Time{}, nil
	}
	now := d.opts.Now()
	var (
		stop     bool  // the pass ended early: the rest wait
		stopErr  error // why
		passErr  error
		progress bool
		blocker  = map[string]int{} // incident -> index of the result its later actions wait for
	)
	for _, a := range actions {
		e := a.Event
		res := Result{Event: e, Attempts: a.Attempts, Next: a.NextAttempt}
		if a.LastError != "" {
			res.Err = errors.New(a.LastError)
		}
		h, known := d.handlers[e.Kind]
		settled := a.LastAttempt.Add(d.opts.Settle)
		switch i, blocked := blocker[e.IncidentID]; {
		case !known:
			res.Outcome = Held
			res.Err = fmt.Errorf("this version of oncall cannot send a %s to PagerDuty; it stays queued", e.Kind)
		case blocked:
			res.Outcome, res.Next = Waiting, rep.Results[i].Next
			res.Err = fmt.Errorf("waits for an earlier action on incident %s", e.IncidentID)
		case stop:
			res.Outcome, res.Err = Waiting, fmt.Errorf("not tried in this pass: %w", stopErr)
		case a.Uncertain && now.Before(settled):
			res.Outcome, res.Next = Waiting, later(a.NextAttempt, settled)
			res.Err = fmt.Errorf("%w (the attempt begun at %s); it is checked, not sent again, from %s",
				ErrSettling, clock(a.LastAttempt), clock(settled))
		case d.notBefore.After(now):
			res.Outcome, res.Next = Waiting, later(a.NextAttempt, d.notBefore)
			res.Err = fmt.Errorf("backing off: %w", d.why)
		case a.NextAttempt.After(now):
			res.Outcome, res.Next = Waiting, a.NextAttempt
		default:
			var end bool
			var err error
			res, end, err = d.attempt(ctx, h, a)
			if err != nil {
				passErr = err
			}
			if end {
				stop, stopErr = true, res.Err
			}
			progress = progress || res.Outcome.Final()
		}
		if !res.Outcome.Final() {
			if _, ok := blocker[e.IncidentID]; !ok {
				blocker[e.IncidentID] = len(rep.Results)
			}
		}
		rep.Results = append(rep.Results, res)
	}

	switch {
	case !stop:
		if !d.notBefore.After(now) {
			d.failures, d.notBefore, d.why = 0, time.Time{}, nil
		}
	case ctx.Err() != nil:
		d.notBefore, d.why = time.Time{}, nil
	default:
		// PagerDuty is down, rate-limiting or refusing the token, or the
		// journal failed: no pass before a backoff that grows while no
		// pass gets anything through.
		if progress {
			d.failures = 1
		} else {
			d.failures++
		}
		d.notBefore, d.why = now.Add(d.backoff(d.failures)), stopErr
		for i := range rep.Results {
			if r := &rep.Results[i]; r.Outcome == Waiting && !r.Next.After(d.notBefore) {
				r.Next = d.notBefore
			}
		}
	}
	if passErr == nil && ctx.Err() != nil {
		passErr = ctx.Err()
	}
	return rep, passErr
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// clock formats a time for an error a responder reads.
func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

// attempt checks, guards, sends one due action and records its outcome.
// end means the pass must stop: PagerDuty unreachable, rate-limiting or
// refusing the token, ctx ended, or the journal failed. err is for the
// journal failing, or the token being refused.
func (d *Drainer) attempt(ctx context.Context, h Handler, a store.Action) (res Result, end bool, err error) {
	e := a.Event
	res = Result{Event: e, Attempts: a.Attempts, Next: a.NextAttempt}

	checked := false // a check found that no earlier attempt landed
	if a.Uncertain && h.Landed != nil {
		res.Attempted = true
		cctx, cancel := context.WithTimeout(ctx, d.opts.AttemptTimeout)
		landed, lerr := h.Landed(cctx, d.src, a)
		cancel()
		switch {
		case lerr != nil:
			return d.finish(ctx, a, res, lerr, true, true)
		case landed:
			if err := d.j.SetState(e.IncidentID, e.ID, incident.Sent, ""); err != nil {
				return d.journalFailed(res, unrecorded(e, err))
			}
			res.Outcome, res.Err = Landed, nil
			return res, false, nil
		}
		checked = true
	}
	if h.Guard != nil {
		res.Attempted = true
		gctx, cancel := context.WithTimeout(ctx, d.opts.AttemptTimeout)
		gerr := h.Guard(gctx, d.src, a)
		cancel()
		if gerr != nil {
			// Nothing was sent: the action is as uncertain as it was.
			return d.finish(ctx, a, res, gerr, true, a.Uncertain && !checked)
		}
	}

	begun, err := d.j.BeginAttempt(e.IncidentID, e.ID, d.opts.Now())
	if err != nil {
		return d.journalFailed(res, err)
	}
	res.Attempts, res.Attempted = begun.Attempts, true
	sctx, cancel := context.WithTimeout(ctx, d.opts.AttemptTimeout)
	sendErr := h.Send(sctx, d.src, a)
	cancel()
	// The action may have taken effect if this attempt's outcome is
	// unknown (see finish), or if an earlier one's was and no check
	// cleared it.
	return d.finish(ctx, a, res, sendErr, false, a.Uncertain && !checked && h.Landed != nil)
}

// unrecorded is the error for an action that reached PagerDuty when the
// journal then failed to record it.
func unrecorded(e incident.Event, err error) error {
	return fmt.Errorf("the %s %w (%w: %w)", e.Kind, ErrUnrecorded, ErrJournal, err)
}

// finish records what err makes of the action. A check's error (a Landed
// check or a Guard that could not read PagerDuty) is never a verdict: the
// action waits, and uncertain says whether it stays uncertain. A send's
// error is classified; an unknown outcome makes the action uncertain
// whatever it was.
func (d *Drainer) finish(ctx context.Context, a store.Action, res Result, err error, check, uncertain bool) (Result, bool, error) {
	e := a.Event
	res.Err = err
	c := classify(ctx, err)
	var jerr error
	switch {
	case c == classOK:
		res.Outcome = Sent
		if jerr = d.j.SetState(e.IncidentID, e.ID, incident.Sent, ""); jerr != nil {
			return d.journalFailed(res, unrecorded(e, jerr))
		}
		return res, false, nil
	case c == classMoot:
		res.Outcome = Skipped
		jerr = d.j.SetState(e.IncidentID, e.ID, incident.Failed, err.Error())
	case c == classRefused && !check:
		res.Outcome = Failed
		jerr = d.j.SetState(e.IncidentID, e.ID, incident.Failed, err.Error())
	default:
		res.Outcome = Waiting
		if !check {
			uncertain = uncertain || c == classUnknown || c == classInterrupted
		}
		if c != classInterrupted {
			res.Next = d.opts.Now().Add(d.backoff(max(res.Attempts, 1)))
		}
		jerr = d.j.Postpone(e.IncidentID, e.ID, res.Next, err.Error(), uncertain)
	}
	if jerr != nil {
		return d.journalFailed(res, jerr)
	}
	if c == classUnauthorized {
		return res, true, err
	}
	return res, res.Outcome == Waiting && c.passWide(), nil
}

// journalFailed ends the pass: without the journal, nothing may be sent.
// The pass's backoff says when the next one may try.
func (d *Drainer) journalFailed(res Result, err error) (Result, bool, error) {
	if !errors.Is(err, ErrJournal) {
		err = fmt.Errorf("%w: %w", ErrJournal, err)
	}
	res.Outcome, res.Err, res.Next = Waiting, err, time.Time{}
	return res, true, err
}
