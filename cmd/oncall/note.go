package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

type noteOptions struct {
	incidentID string
	text       string
	dbPath     string
	actor      string
	timeout    time.Duration
}

func newNoteCmd(g *globalOptions) *cobra.Command {
	o := &noteOptions{timeout: 20 * time.Second}
	cmd := &cobra.Command{
		Use:   "note INCIDENT TEXT...",
		Short: "Journal a note on an incident and send it to PagerDuty",
		Long: `note writes a note to the local journal first, then sends it to
PagerDuty. If PagerDuty cannot be reached (or is rate limiting), the note
stays queued in the journal and is sent later; the command still succeeds,
and says whether the note was sent or queued.`,
		Example: `  oncall note PT4KHLK "rolled back checkout-api to 4.11"
  oncall note PT4KHLK restarted the pool on db-inv-2`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{errors.New(`note needs an incident id and the text, e.g. oncall note PT4KHLK "rolled back to 4.11"`)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.writable("note"); err != nil {
				return err
			}
			o.incidentID = strings.TrimSpace(args[0])
			o.text = strings.TrimSpace(strings.Join(args[1:], " "))
			o.dbPath = g.db
			o.actor = g.set.from
			if o.text == "" {
				return usageError{errors.New("the note is empty")}
			}
			// Build the source before journaling: a missing token is a
			// mistake to fix now, not a note to queue.
			src, err := g.source()
			if err != nil {
				return err
			}
			path, err := journalPath(o.dbPath)
			if err != nil {
				return err
			}
			j, err := store.Open(path)
			if err != nil {
				return fmt.Errorf("open the journal: %w", err)
			}
			defer j.Close()
			return runNote(cmd.Context(), o, outbox.New(j, src, outbox.Options{}), j, cmd.OutOrStdout())
		},
	}
	return cmd
}

// noteJournal is what note needs from the journal.
type noteJournal interface {
	Append(incidentID string, e incident.Event) (incident.Event, error)
}

// noteOutbox sends what the journal holds, exactly once.
type noteOutbox interface {
	Flush(ctx context.Context, incidentID string) (outbox.Report, error)
}

// runNote journals the note, durably, then sends it through the outbox
// (which records the attempt first, so a lost answer never makes a second
// note). Only a journal failure loses the note, so only then (and when
// PagerDuty refuses it for good) does it fail; an unreachable or
// rate-limiting PagerDuty leaves it queued and succeeds.
func runNote(ctx context.Context, o *noteOptions, ob noteOutbox, j noteJournal, stdout io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	e, err := j.Append(o.incidentID, incident.Event{Kind: incident.KindNote, Summary: o.text, Actor: o.actor})
	if err != nil {
		return fmt.Errorf("journal the note: %w", err)
	}
	sendCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep, ferr := ob.Flush(sendCtx, o.incidentID)
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
	id := incident.Clean(o.incidentID)
	switch {
	case res.Outcome == outbox.Sent || res.Outcome == outbox.Landed:
		fmt.Fprintf(stdout, "note sent to PagerDuty for %s (journal id %s)\n", id, e.ID)
		return nil
	case res.Outcome == outbox.Failed || res.Outcome == outbox.Skipped:
		return fmt.Errorf("PagerDuty refused the note (kept in the journal as not sent): %w", why)
	case errors.Is(why, incident.ErrUnauthorized), errors.Is(why, incident.ErrForbidden):
		// The token needs fixing, the note does not: it stays queued.
		return fmt.Errorf("note journaled for %s (id %s) and left queued, but not sent: %w", id, e.ID, why)
	default:
		fmt.Fprintf(stdout, "note queued for %s (journal id %s): PagerDuty could not be reached; oncall sync (or the next oncall) sends it\n", id, e.ID)
		return nil
	}
}
