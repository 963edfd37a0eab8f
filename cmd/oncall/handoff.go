package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/state"
	"github.com/oncallkit/oncall/runbook"
)

// handoffOptions are oncall handoff's: the document's format and file,
// and, to record the handoff itself, whom the role goes to.
type handoffOptions struct {
	actionOptions
	format, output string
	message        string
	role, to       string
	cadence        time.Duration
	runbooksDir    string
	// report is where the handoff event's journal line goes (the
	// document may be on standard output).
	report io.Writer
}

// event builds the handoff to record (with --to); prepare names who
// hands over.
func (o *handoffOptions) event(time.Time) (incident.Event, error) {
	return incident.NewHandoff(o.role, "placeholder", o.to, o.message)
}

// prepare names the outgoing holder: whoever holds the role in the
// incident's state now, or, when nobody does, the person handing over.
func (o *handoffOptions) prepare(ctx context.Context, env *actionEnv, incidentID string, e incident.Event) (incident.Event, error) {
	doc, _, err := deriveForVerb(ctx, env, incidentID, o.now())
	if err != nil {
		return incident.Event{}, err
	}
	from := doc.Holder(e.Fields[incident.FieldRole])
	if from == "" {
		if from, err = whoAmI(ctx, env.src, o.actor); err != nil {
			return incident.Event{}, err
		}
	}
	return incident.NewHandoff(e.Fields[incident.FieldRole], from, o.to, o.message)
}

func newHandoffCmd(g *globalOptions) *cobra.Command {
	o := &handoffOptions{}
	f := g.factory()
	c := &cobra.Command{
		Use:   "handoff INCIDENT [--to PERSON] [--message TEXT] [--format md|json] [-o FILE]",
		Short: "Write the incident state document for whoever takes over",
		Long: `handoff writes the incident state document: the summary, status and impact,
how long the incident has been open, the command post (bridge and incident
URL), the roles and their holders, what was tried and decided, hypotheses
ruled in and out, open tasks and follow-ups, the last status update and when
the next is due, the matched runbook's progress, the last ten events, and
what the outgoing commander wants the incoming one to know (--message).

With --to PERSON, the handoff of --role (the incident commander by default)
to PERSON is recorded too: journaled, then sent as a note every responder
reads back, so the timeline and the draft show the transfer. PERSON then
confirms with oncall take. Without --to nothing is recorded, and the
document can be written in read-only mode.

--format json writes the same content as data (schema oncall.handoff/v1;
README lists its keys). With -o FILE the file must not exist yet.`,
		Example: `  oncall handoff PT4KHLK
  oncall handoff 1045 --to "Dan Park" --message "replica lag is the open question" -o handoff.md
  oncall handoff 1045 --format json | jq .open_tasks`,
		ValidArgsFunction: completeIncidents(f),
		Args:              argCount(1, 1, "handoff needs exactly one incident, e.g. oncall handoff PT4KHLK"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name, o.incident, o.actor = "handoff", args[0], g.set.from
			o.cadence, o.runbooksDir = g.set.updateEvery, g.set.runbooksDir
			o.report = cmd.ErrOrStderr()
			if o.output != "-" && o.output != "" {
				o.report = cmd.OutOrStdout()
			}
			return runHandoff(cmd.Context(), o, f, cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.format, "format", "md", "md (Markdown) or json")
	c.Flags().StringVarP(&o.output, "output", "o", "-", "file to write (must not exist), or - for standard output")
	c.Flags().StringVar(&o.message, "message", "", "what you want the incoming commander to know")
	c.Flags().StringVar(&o.to, "to", "", "record the handoff of --role to this person")
	c.Flags().StringVar(&o.role, "role", "ic", "the role handed over, with --to: "+incident.RoleHint)
	return c
}

// runHandoff checks the input, records the handoff when --to asks for
// it, then writes the document from the incident's state as PagerDuty
// and the journal now have it.
func runHandoff(ctx context.Context, o *handoffOptions, f *factory, stdout io.Writer) error {
	if o.now == nil {
		o.now = time.Now
	}
	if o.format != "md" && o.format != "json" {
		return usageError{fmt.Errorf("handoff --format %q: use md or json", o.format)}
	}
	if _, err := incident.ParseRole(o.role); err != nil {
		return asUsage("handoff --role", err)
	}
	if strings.TrimSpace(o.to) == "" && strings.TrimSpace(o.message) != "" {
		if _, err := incident.NewHandoff(o.role, "a", "b", o.message); err != nil {
			return asUsage("handoff --message", err)
		}
	}
	if _, err := parseIncidentRef(o.incident); err != nil {
		return err
	}
	if o.output != "-" && o.output != "" {
		if _, err := os.Stat(o.output); err == nil {
			return usageError{fmt.Errorf("%s already exists; not overwriting it (choose another -o)", o.output)}
		}
	}
	if strings.TrimSpace(o.to) != "" {
		if err := f.Writable("handoff --to"); err != nil {
			return err
		}
		if err := runAction(ctx, o, f.actionEnv("handoff"), o.report); err != nil {
			return err
		}
	}
	src, err := f.Source()
	if err != nil {
		return err
	}
	id, err := f.ResolveIncident(ctx, o.incident, src)
	if err != nil {
		return err
	}
	inc, err := src.Get(ctx, id)
	if err != nil {
		return err
	}
	remote, err := src.Events(ctx, id)
	if err != nil {
		return err
	}
	var local []incident.Event
	j, err := f.ReadJournal()
	if err != nil {
		return fmt.Errorf("read the journal: %w", err)
	}
	if j != nil {
		local, err = j.Events(id)
		j.Close()
		if err != nil {
			return fmt.Errorf("read the journal: %w", err)
		}
	}
	tl := incident.Merge(remote, local)
	in := state.Input{Incident: inc, Timeline: tl, Now: o.now(), Cadence: o.cadence}
	in.Runbook, in.RunbookSteps = matchedRunbook(ctx, o.runbooksDir, src, inc, tl)
	h := state.HandoffDoc{Doc: state.Derive(in), Message: o.message, Cadence: o.cadence}
	write := h.Markdown
	if o.format == "json" {
		write = h.JSON
	}
	if o.output == "-" || o.output == "" {
		return write(stdout)
	}
	// O_EXCL: never overwrite a document someone may have edited.
	file, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return usageError{fmt.Errorf("%s already exists; not overwriting it (choose another -o)", o.output)}
		}
		return fmt.Errorf("write the handoff: %w", err)
	}
	if err := write(file); err != nil {
		file.Close()
		os.Remove(o.output)
		return err
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write the handoff %s: %w", o.output, err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", o.output)
	return nil
}

// matchedRunbook is the runbook whose progress the handoff reports: the
// one the team last ticked a step of, else the best match for the
// incident; its id and step count, or none. Runbooks that cannot be read
// only leave the progress out: the handoff matters more.
func matchedRunbook(ctx context.Context, dir string, src interface {
	Alerts(context.Context, string) ([]incident.Alert, error)
}, inc incident.Incident, tl incident.Timeline) (string, int) {
	if dir == "" {
		return "", 0
	}
	if _, err := os.Stat(dir); err != nil {
		return "", 0
	}
	set, _, err := runbook.Load(dir)
	if err != nil || set == nil {
		return "", 0
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Kind == incident.KindRunbookStep {
			if rb, ok := set.Get(tl[i].Fields[incident.FieldRunbook]); ok {
				return rb.ID, len(rb.Steps)
			}
		}
	}
	alerts, _ := src.Alerts(ctx, inc.ID)
	for _, m := range set.Match(inc, alerts) {
		if m.Runbook != nil {
			return m.Runbook.ID, len(m.Runbook.Steps)
		}
	}
	return "", 0
}
