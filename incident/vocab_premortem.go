package incident

import (
	"fmt"
	"slices"
)

// This file is the vocabulary of pre-mortems during an incident: ticking
// (or unticking) a countermeasure a workshop foresaw for the failure that
// is now happening. It travels to the team like a runbook step, so every
// responder sees the same checklist. The invariants of vocab.go hold.

// KindCountermeasure records a change to a pre-mortem's countermeasure.
// Fields: premortem, failure, phase, action, change, step_key.
const KindCountermeasure Kind = "countermeasure"

// Field keys of countermeasure events; action (FieldAction), change
// (FieldChange) and step_key (FieldStepKey) are shared with other kinds.
const (
	FieldPremortem = "premortem" // countermeasure: the pre-mortem's id
	FieldFailure   = "failure"   // countermeasure: the failure's id
	FieldPhase     = "phase"     // countermeasure: before, during or after
)

// Changes a countermeasure event makes (done is ChangeDone).
const ChangeUndone = "undone"

// countermeasurePhases are the phases of a failure's timeline.
var countermeasurePhases = []string{"before", "during", "after"}

// NewCountermeasure returns the record of ticking (ChangeDone) or
// unticking (ChangeUndone) a countermeasure: the pre-mortem's and the
// failure's ids, the phase, the action's text (cut to FieldLimit: the
// file keeps the whole text) and the countermeasure's stable key, which
// may be empty.
func NewCountermeasure(premortemID, failureID, phase, action, key, change string) (Event, error) {
	if change != ChangeDone && change != ChangeUndone {
		return Event{}, invalid("countermeasure change %q: %s or %s", oneLineShort(change), ChangeDone, ChangeUndone)
	}
	if !slices.Contains(countermeasurePhases, phase) {
		return Event{}, invalid("countermeasure phase %q: before, during or after", oneLineShort(phase))
	}
	e, err := build(KindCountermeasure, FieldPremortem, premortemID, true, FieldFailure, failureID, true,
		FieldPhase, phase, true, FieldAction, cut(action, FieldLimit), true, FieldStepKey, key, false,
		FieldChange, change, true)
	if err != nil {
		return Event{}, err
	}
	e.Summary = countermeasureSummary(e.Fields)
	return e, nil
}

func countermeasureSummary(f map[string]string) string {
	verb := "Done"
	if f[FieldChange] == ChangeUndone {
		verb = "Not done after all"
	}
	return fmt.Sprintf("Pre-mortem %s, failure %s (%s): %s: %s", f[FieldPremortem], f[FieldFailure], f[FieldPhase], verb, Clean(firstLine(f[FieldAction])))
}

// checkPremortemFields is what a mirrored countermeasure's fields must
// hold; it accepts every other kind.
func checkPremortemFields(k Kind, f map[string]string) error {
	if k != KindCountermeasure {
		return nil
	}
	for _, key := range []string{FieldPremortem, FieldFailure, FieldPhase, FieldAction, FieldChange} {
		if f[key] == "" {
			return fmt.Errorf("no %s", key)
		}
	}
	if !slices.Contains(countermeasurePhases, f[FieldPhase]) {
		return fmt.Errorf("unknown phase %q", f[FieldPhase])
	}
	if c := f[FieldChange]; c != ChangeDone && c != ChangeUndone {
		return fmt.Errorf("unknown change %q", c)
	}
	return nil
}
