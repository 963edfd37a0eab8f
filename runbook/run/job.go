package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

// Journal is what a journaled run needs of the journal.
type Journal interface {
	Append(incidentID string, e incident.Event) (incident.Event, error)
}

// Job is one run of a runbook's command for an incident, journaled.
type Job struct {
	IncidentID string
	Runbook    *runbook.Runbook
	Step       runbook.Step
	Actor      string
	Host       string // "" is os.Hostname
	// Post sends the result to PagerDuty as a note; otherwise it stays in
	// the journal.
	Post bool
	// RunID names the run; "" makes one (NewRunID). A caller that must
	// know the run while it is live (the TUI, to tell it from an
	// interrupted one) makes it first.
	RunID string
	// Now stamps the events; nil leaves it to the journal (the time of
	// the write). The TUI passes its clock, as for every action.
	Now func() time.Time
	// OutputDir holds the full output files, one per run, under a
	// directory per incident; "" keeps no file.
	OutputDir string
	// Spec is how to run; its Command and Timeout come from Step and its
	// OutputPath from OutputDir.
	Spec Spec
}

// Outcome is what a journaled run left.
type Outcome struct {
	Intent, Result incident.Event // as journaled
	Run            Result
	// Tick is the runbook step journaled as done after a successful run
	// (the command's checklist item, or the command itself); zero when
	// the run failed.
	Tick incident.Event
}

// ErrIntent means the intent could not be journaled, so nothing ran.
var ErrIntent = errors.New("the run could not be journaled, so the command was not run")

// unsafeName is what may not be in a file name made from an incident id.
var unsafeName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[^A-Za-z0-9._-]`)
})

// Run journals the intent, runs the command, journals the result and, when
// the command succeeded, ticks its step. The result is journaled whatever
// happened to the process, so that only a death of this process leaves an
// intent without one. The error is ErrIntent (wrapped) when nothing ran,
// or a failure to journal the result or keep the output.
func (j Job) Run(ctx context.Context, journal Journal) (Outcome, error) {
	var out Outcome
	if j.Step.Kind != runbook.Command || !j.Step.Runnable() {
		return out, fmt.Errorf("%w: step %s is not a command oncall can run", ErrIntent, j.Step.Key)
	}
	host := j.Host
	if host == "" {
		host, _ = os.Hostname()
		host = incident.Clean(host)
		if host == "" {
			host = "unknown host"
		}
	}
	runID := j.RunID
	if runID == "" {
		runID = NewRunID(time.Now())
	}
	// The command is journaled as the runbook writes it ($VAR unexpanded),
	// masked too: a runbook that spells a secret out must not spread it.
	shown := j.Spec.Redactor.String(j.Step.Text)
	intent, err := incident.NewCommand(j.Runbook.ID, j.Step.Key, j.Step.Label(), shown, j.Step.Mode, host, runID)
	if err != nil {
		return out, fmt.Errorf("%w: %w", ErrIntent, err)
	}
	intent.Actor, intent.State, intent.At = j.Actor, incident.LocalOnly, j.stamp()
	if out.Intent, err = journal.Append(j.IncidentID, intent); err != nil {
		return out, fmt.Errorf("%w: %w", ErrIntent, err)
	}

	spec := j.Spec
	spec.Command, spec.Timeout = j.Step.Text, j.Step.RunTimeout()
	if j.OutputDir != "" {
		spec.OutputPath = filepath.Join(j.OutputDir, unsafeName().ReplaceAllString(j.IncidentID, "_"), runID+".log")
	}
	res, runErr := Run(ctx, spec)
	if errors.Is(runErr, ErrStart) {
		// Nothing ran; say so in the result rather than leave the intent
		// looking interrupted.
		res = Result{Status: incident.RunFailed, ExitCode: 127, Tail: []string{incident.Clean(spec.Redactor.String(runErr.Error()))}, Lines: 1}
		if ctx.Err() != nil {
			res.Status, res.ExitCode = incident.RunCancelled, 130 // cancelled before it could start
		}
		spec.OutputPath = ""
	}
	out.Run = res
	result, err := incident.NewCommandResult(incident.CommandResult{
		RunID: runID, ExitCode: res.ExitCode, Duration: res.Duration, Host: host,
		Head: strings.Join(res.Head, "\n"), Tail: strings.Join(res.Tail, "\n"),
		OutputFile: spec.OutputPath, Status: res.Status,
		Runbook: j.Runbook.ID, StepKey: j.Step.Key, Step: j.Step.Label(), Command: shown,
	})
	if err != nil {
		return out, fmt.Errorf("record the result: %w", err)
	}
	result.Actor, result.State, result.At = j.Actor, incident.LocalOnly, j.stamp()
	if j.Post {
		result.State = incident.Queued
	}
	if out.Result, err = journal.Append(j.IncidentID, result); err != nil {
		return out, fmt.Errorf("journal the result: %w", err)
	}
	if res.Status == incident.RunOK {
		tick, err := j.tick()
		if err == nil {
			tick.Actor, tick.At = j.Actor, j.stamp()
			out.Tick, err = journal.Append(j.IncidentID, tick)
		}
		if err != nil {
			return out, fmt.Errorf("tick the step: %w", err)
		}
	}
	if runErr != nil && !errors.Is(runErr, ErrStart) {
		return out, runErr
	}
	return out, nil
}

// stamp is the time of an event: zero (the journal's clock) without Now.
func (j Job) stamp() time.Time {
	if j.Now == nil {
		return time.Time{}
	}
	return j.Now().UTC()
}

// tick is the runbook step a successful run marks done: the checklist item
// the command belongs to, else the command itself.
func (j Job) tick() (incident.Event, error) {
	if item, ok := j.Runbook.StepByKey(j.Step.Of); ok && j.Step.Of != "" {
		return incident.NewRunbookStep(j.Runbook.ID, item.Key, item.Text, "", incident.StepDone)
	}
	return incident.NewRunbookStep(j.Runbook.ID, j.Step.Key, j.Step.Label(), j.Spec.Redactor.String(j.Step.Text), incident.StepDone)
}

// NewRunID returns a run id: the time, for reading, and random digits,
// for uniqueness across machines.
func NewRunID(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}
