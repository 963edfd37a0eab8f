package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
)

type noteOptions struct {
	actionOptions
	text string
}

func (o *noteOptions) event(time.Time) (incident.Event, error) { return incident.NewNote(o.text) }

func newNoteCmd(g *globalOptions) *cobra.Command {
	o := &noteOptions{}
	return verbCmd(g.factory(), &cobra.Command{
		Use:   "note INCIDENT TEXT...",
		Short: "Journal a note on an incident and send it to PagerDuty",
		Long: `note writes a note to the local journal first, then sends it to
PagerDuty. If PagerDuty cannot be reached (or is rate limiting), the note
stays queued in the journal and is sent later; the command still succeeds,
and says whether the note was sent or queued. INCIDENT is the PagerDuty id
or the incident's number (1045 or #1045).`,
		Example: `  oncall note PT4KHLK "rolled back checkout-api to 4.11"
  oncall note 1045 restarted the pool on db-inv-2`,
	}, o, 2, -1, "an incident id and the text", func(args []string) error { o.text = joined(args); return nil })
}
