package incident

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the vocabulary of runbook commands run from oncall. A run is
// two events: the intent (KindCommand), journaled before the process
// starts, and the result (KindCommandResult), journaled after it ends. Both
// carry the same run id. An intent with no result means the process that
// ran the command died with it (killed, crashed, the machine lost power):
// the run is shown as interrupted, never as lost.
//
// Everything in these events that came out of the command (the excerpts)
// has been masked for secrets before it reached a constructor; the command
// line is kept as the runbook wrote it, with $VAR references unexpanded.

// Kinds of a command run.
const (
	// KindCommand is the intent: fields runbook, step_key, step, command,
	// mode, host, run_id. It stays on this machine.
	KindCommand Kind = "command"
	// KindCommandResult is how the run ended: fields run_id, exit_code,
	// duration_ms, host, head, tail, output_file, status, and, so that a
	// reader elsewhere (who never sees the intent) knows what ran, runbook,
	// step_key, step and command. It is mirrored as a note.
	KindCommandResult Kind = "command_result"
)

// Field keys of command events (runbook, step_key, step and command are
// the runbook step's, in vocab.go).
const (
	FieldMode       = "mode"        // command: ModeRead or ModeWrite
	FieldHost       = "host"        // command, result: the machine it ran on
	FieldRunID      = "run_id"      // command, result: pairs them
	FieldExitCode   = "exit_code"   // result: the shell's exit status
	FieldDurationMS = "duration_ms" // result: whole milliseconds
	FieldHead       = "head"        // result: first lines of output, masked
	FieldTail       = "tail"        // result: last lines of output, masked
	FieldOutputFile = "output_file" // result: the full output, on host
	FieldStatus     = "status"      // result: one of the Run* statuses
)

// Modes of a runbook command.
const (
	ModeRead  = "read"  // a diagnostic that changes nothing
	ModeWrite = "write" // changes something; the default
)

// Statuses of a command run. RunInterrupted is never journaled by the run
// itself: it is what CommandRuns reports for an intent without a result.
const (
	RunOK          = "ok"
	RunFailed      = "failed"
	RunTimeout     = "timeout"
	RunCancelled   = "cancelled"
	RunInterrupted = "interrupted"
)

// ExcerptLimit bounds the head and the tail of a result, each, in
// characters: a few lines for the timeline and the note; the output file
// has the rest.
const ExcerptLimit = 600

// A result repeats what ran in less room than the intent has, so that its
// trailer fits in a note whatever the text (four bytes of trailer per
// character at worst).
const (
	resultStepLimit    = 200
	resultCommandLimit = 800
)

// noteExcerptLimit bounds the output quoted in a result's one line.
const noteExcerptLimit = 200

// NewCommand returns the intent to run a runbook command. command is the
// block as the runbook has it; step names the step (its name= attribute or
// its text) and defaults to the command's first line.
func NewCommand(runbookID, stepKey, step, command, mode, host, runID string) (Event, error) {
	if mode != ModeRead && mode != ModeWrite {
		return Event{}, invalid("command mode %q: %s or %s", oneLineShort(mode), ModeRead, ModeWrite)
	}
	if step == "" {
		step = firstLine(command)
	}
	e, err := build(KindCommand, FieldRunbook, runbookID, true, FieldStepKey, stepKey, true,
		FieldStep, cut(step, FieldLimit), true, FieldCommand, cut(command, FieldLimit), true,
		FieldMode, mode, true, FieldHost, host, true, FieldRunID, runID, true)
	if err != nil {
		return Event{}, err
	}
	e.Summary = commandSummary(e.Fields)
	return e, nil
}

// CommandResult is how a run ended, for NewCommandResult.
type CommandResult struct {
	RunID      string
	ExitCode   int
	Duration   time.Duration
	Host       string
	Head, Tail string // masked first and last lines of output
	OutputFile string
	Status     string // RunOK, RunFailed, RunTimeout or RunCancelled
	// What ran, copied from the intent.
	Runbook, StepKey, Step, Command string
}

// NewCommandResult returns the result of a run. Excerpts longer than
// ExcerptLimit are cut: the output file keeps everything.
func NewCommandResult(r CommandResult) (Event, error) {
	switch r.Status {
	case RunOK, RunFailed, RunTimeout, RunCancelled:
	default:
		return Event{}, invalid("command status %q: %s, %s, %s or %s", oneLineShort(r.Status), RunOK, RunFailed, RunTimeout, RunCancelled)
	}
	if r.Duration < 0 {
		r.Duration = 0
	}
	e, err := build(KindCommandResult,
		FieldRunID, r.RunID, true,
		FieldExitCode, strconv.Itoa(r.ExitCode), true,
		FieldDurationMS, strconv.FormatInt(r.Duration.Milliseconds(), 10), true,
		FieldHost, r.Host, true,
		FieldHead, cut(CleanLines(r.Head), ExcerptLimit), false,
		FieldTail, cut(CleanLines(r.Tail), ExcerptLimit), false,
		FieldOutputFile, r.OutputFile, false,
		FieldStatus, r.Status, true,
		FieldRunbook, r.Runbook, false,
		FieldStepKey, r.StepKey, false,
		FieldStep, cut(r.Step, resultStepLimit), false,
		FieldCommand, cut(r.Command, resultCommandLimit), false)
	if err != nil {
		return Event{}, err
	}
	e.Summary = resultSummary(e.Fields)
	return e, nil
}

// commandSummary is an intent's one line.
func commandSummary(f map[string]string) string {
	return fmt.Sprintf("Running %s command from runbook %s: %s", or(f[FieldMode], ModeWrite), or(f[FieldRunbook], "unnamed"), Clean(firstLine(or(f[FieldStep], f[FieldCommand]))))
}

// resultSummary is a result's one line, which is also the readable part of
// its note: what ran, how it ended, and the last line of output.
func resultSummary(f map[string]string) string {
	what := firstLine(or(f[FieldStep], firstLine(f[FieldCommand])))
	s := "Command"
	if what != "" {
		s += " " + Clean(what)
	}
	if f[FieldHost] != "" {
		s += " on " + f[FieldHost]
	}
	switch f[FieldStatus] {
	case RunOK:
		s += ": ok"
	case RunFailed:
		s += ": failed, exit " + f[FieldExitCode]
	case RunTimeout:
		s += ": timed out"
	case RunCancelled:
		s += ": cancelled"
	}
	if ms, err := strconv.ParseInt(f[FieldDurationMS], 10, 64); err == nil {
		s += " after " + (time.Duration(ms) * time.Millisecond).Round(time.Millisecond).String()
	}
	if last := lastLine(or(f[FieldTail], f[FieldHead])); last != "" {
		s += "; last output: " + cut(last, noteExcerptLimit)
	}
	return s
}

// lastLine is the last non-blank line of s, cleaned.
func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(Clean(lines[i])); l != "" {
			return l
		}
	}
	return ""
}

// checkCommandFields is what a mirrored command result's fields must hold
// to be trusted (see checkFields).
func checkCommandFields(k Kind, f map[string]string) error {
	if k != KindCommandResult {
		return nil
	}
	for _, key := range []string{FieldRunID, FieldExitCode, FieldDurationMS, FieldStatus} {
		if f[key] == "" {
			return fmt.Errorf("no %s", key)
		}
	}
	if _, err := strconv.Atoi(f[FieldExitCode]); err != nil {
		return fmt.Errorf("exit_code %q", f[FieldExitCode])
	}
	if _, err := strconv.ParseInt(f[FieldDurationMS], 10, 64); err != nil {
		return fmt.Errorf("duration_ms %q", f[FieldDurationMS])
	}
	switch f[FieldStatus] {
	case RunOK, RunFailed, RunTimeout, RunCancelled:
	default:
		return fmt.Errorf("unknown status %q", f[FieldStatus])
	}
	for _, key := range []string{FieldHead, FieldTail} {
		if utf8.RuneCountInString(f[key]) > ExcerptLimit {
			return fmt.Errorf("%s is longer than %d characters", key, ExcerptLimit)
		}
	}
	return nil
}

// CommandRun is one run of a command as a timeline tells it: its intent
// and, once it ended, its result.
type CommandRun struct {
	Intent Event
	Result *Event // nil while running or when interrupted
	// Status is the result's status; RunInterrupted when there is no
	// result and the run is not live; "" while it is live.
	Status string
}

// CommandRuns pairs each intent in events with its result, oldest first.
// live reports whether a run id is still running in this process (nil:
// none is); any other intent without a result was interrupted, since the
// result is journaled by the process that ran the command, when the
// command ends, whatever the outcome. A result without an intent (read
// back from another responder's note) is a run of its own.
func CommandRuns(events []Event, live func(runID string) bool) []CommandRun {
	var runs []CommandRun
	byID := make(map[string]int)
	for _, e := range events {
		id := e.Fields[FieldRunID]
		switch e.Kind {
		case KindCommand:
			if id == "" {
				continue
			}
			if _, dup := byID[id]; dup {
				continue
			}
			byID[id] = len(runs)
			runs = append(runs, CommandRun{Intent: e})
		case KindCommandResult:
			r := e
			if i, ok := byID[id]; ok && id != "" {
				if runs[i].Result == nil {
					runs[i].Result, runs[i].Status = &r, e.Fields[FieldStatus]
				}
				continue
			}
			if id != "" {
				byID[id] = len(runs)
			}
			runs = append(runs, CommandRun{Result: &r, Status: e.Fields[FieldStatus]})
		}
	}
	for i := range runs {
		if runs[i].Result == nil && (live == nil || !live(runs[i].Intent.Fields[FieldRunID])) {
			runs[i].Status = RunInterrupted
		}
	}
	return runs
}
