package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
)

// fit truncates or pads s to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if plainASCII(s) {
		// The common case (ids, times, most English text): one byte is one
		// cell, so no grapheme walk is needed. It runs for every cell.
		if len(s) > w {
			if w == 1 {
				return "…"
			}
			return s[:w-1] + "…"
		}
		return s + strings.Repeat(" ", w-len(s))
	}
	s = ansi.Truncate(s, w, "…")
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// stamp formats an event time in the display zone with its UTC offset, so
// responders in different zones can line timelines up.
func stamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Jan 02 15:04:05 -07:00")
}

// kindLabel is the word a timeline shows for an event kind.
func kindLabel(k incident.Kind) string {
	switch k {
	case incident.KindTrigger:
		return "triggered"
	case incident.KindAcknowledge:
		return "acked"
	case incident.KindResolve:
		return "resolved"
	case incident.KindReopen:
		return "reopen"
	case incident.KindAssign:
		return "assigned"
	case incident.KindEscalate:
		return "escalated"
	case incident.KindNotify:
		return "notified"
	case incident.KindSnooze:
		return "snoozed"
	case incident.KindAlert:
		return "alert"
	case incident.KindNote:
		return "note"
	case incident.KindDecision:
		return "decision"
	case incident.KindActionItem:
		return "follow-up"
	case incident.KindRole:
		return "role"
	case incident.KindStatusUpdate:
		return "update"
	case incident.KindMitigated:
		return "mitigated"
	case incident.KindStar:
		return "star"
	case incident.KindRunbookStep:
		return "runbook"
	case incident.KindReassign:
		return "reassign"
	case incident.KindRespondersReq:
		return "responders"
	case incident.KindTask:
		return "task"
	case incident.KindItemUpdate:
		return "item"
	case incident.KindHandoff:
		return "handoff"
	case incident.KindCommand:
		return "command"
	case incident.KindCommandResult:
		return "result"
	case incident.KindCountermeasure:
		return "premortem"
	default:
		return "event"
	}
}

func priorityOrDash(p string) string {
	if p == "" {
		return "-"
	}
	return incident.Clean(p)
}

// wrap breaks s into lines of at most w cells.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, " "), "\n")
}

// plainASCII reports printable ASCII only: no escape sequences, no wide or
// combining characters.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
