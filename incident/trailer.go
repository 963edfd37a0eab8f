package incident

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A mirrored note is how an event recorded by one responder reaches every
// other: PagerDuty stores it as an incident note, and every oncall that
// reads the incident's notes turns it back into the same typed event.
//
// The note is the event's Summary, which reads well in PagerDuty's web UI,
// then, on its own last line, a trailer:
//
//	[oncall:v1 <local id> <kind> <fields>]
//
// <fields> is the event's Fields as compact JSON (an object of strings),
// base64url without padding, and is left out when there are none. The
// trailer is plain ASCII with no characters that Markdown or HTML would
// reformat, and the decoder ignores whitespace around and inside it, so a
// web UI that rewraps lines or collapses spaces leaves it readable.
//
// Decoding trusts nothing: a trailer that is damaged, from another version,
// names a kind outside MirroredKinds, is oversized, carries invalid UTF-8,
// control characters or bidirectional overrides in any field, or fields
// that do not make sense for its kind, is ignored, and the note stays a
// plain note. Notes from older versions end in [oncall:<local id>]; they
// still parse, as plain notes that carry their local id.

// TrailerVersion is the version of the trailer this code writes and reads.
const TrailerVersion = 1

// MirroredKinds are the kinds a trailer may carry: every kind a responder
// records that is the team's record rather than a change of the incident's
// state (acknowledge, snooze and the like reach PagerDuty as themselves).
// Adding a kind here is all it takes for the outbox to send it as a note
// and for every reader to take it back typed; checkFields may add what its
// fields must hold.
var MirroredKinds = []Kind{KindNote, KindDecision, KindRole, KindActionItem, KindStatusUpdate,
	KindMitigated, KindTask, KindStar, KindRunbookStep, KindCommandResult,
	KindItemUpdate, KindHandoff, KindCountermeasure}

// Mirrored reports whether k is one of MirroredKinds.
func Mirrored(k Kind) bool { return slices.Contains(MirroredKinds, k) }

// ErrNoMirror is returned by Mirror for an event that cannot be carried in
// a note: no local id, or fields that do not fit.
var ErrNoMirror = errors.New("cannot be mirrored as a note")

// Limits of the decoder; a trailer beyond them is not read.
const (
	maxTrailerFields = 16
	maxFieldKey      = 32
	// maxTrailerLen bounds a whole trailer: half a note, so that the
	// human text always keeps the other half.
	maxTrailerLen = NoteLimit / 2
)

// The shapes of a trailer's local id, kind and field keys. They are the
// regular expressions ^[0-9A-Za-z_-]{1,64}$ and ^[a-z_]{1,32}$ matched by
// hand: nothing to compile at package init, and no regexp machinery for a
// check made on every field of every note.
var (
	localIDPattern = idPattern{max: 64, wide: true}
	kindPattern    = idPattern{max: 32}
	keyPattern     = idPattern{max: 32}
)

// idPattern matches 1 to max bytes, each a lower-case letter or an
// underscore, and with wide also an upper-case letter, a digit or a dash.
type idPattern struct {
	max  int
	wide bool
}

// MatchString reports whether s has the pattern's shape.
func (p idPattern) MatchString(s string) bool {
	if len(s) == 0 || len(s) > p.max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case p.wide && (c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Trailer is what a mirrored note's trailer carries.
type Trailer struct {
	LocalID string
	Kind    Kind
	Fields  map[string]string
}

// EncodeTrailer returns the trailer line for t. It refuses a local id or
// kind the decoder would not read, and a trailer longer than half a note.
// Field values are written as they are, except that a value the decoder
// would refuse (control characters, over FieldLimit: only an event from a
// journal older than the constructors can have one) is sanitized and cut
// first, so the event still arrives typed.
func EncodeTrailer(t Trailer) (string, error) {
	if !localIDPattern.MatchString(t.LocalID) {
		return "", fmt.Errorf("local id %q: %w", t.LocalID, ErrNoMirror)
	}
	if !kindPattern.MatchString(string(t.Kind)) {
		return "", fmt.Errorf("kind %q: %w", t.Kind, ErrNoMirror)
	}
	s := fmt.Sprintf("[oncall:v%d %s %s", TrailerVersion, t.LocalID, t.Kind)
	if len(t.Fields) > 0 {
		if len(t.Fields) > maxTrailerFields {
			return "", fmt.Errorf("%d fields: %w", len(t.Fields), ErrNoMirror)
		}
		fields := make(map[string]string, len(t.Fields))
		for k, v := range t.Fields {
			if !keyPattern.MatchString(k) {
				return "", fmt.Errorf("field %q: %w", k, ErrNoMirror)
			}
			if !safeText(v) || utf8.RuneCountInString(v) > FieldLimit {
				v = cut(CleanLines(v), FieldLimit)
			}
			fields[k] = v
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(fields); err != nil { // map[string]string always encodes
			return "", fmt.Errorf("encoding fields: %w", err)
		}
		s += " " + base64.RawURLEncoding.EncodeToString(bytes.TrimSpace(buf.Bytes()))
	}
	s += "]"
	if len(s) > maxTrailerLen {
		return "", fmt.Errorf("a trailer of %d characters: %w", len(s), ErrNoMirror)
	}
	return s, nil
}

// Mirror returns the content of the note that carries e, a local event
// with its journal id, to PagerDuty: its readable text, a line break, and
// its trailer. The whole fits in NoteLimit: a structured event's text is
// cut to make room (its trailer carries every field, so nothing is lost). A
// plain note's text is the note itself and is never cut; one too long for
// PagerDuty is refused there, visibly, rather than shortened here.
func Mirror(e Event) (string, error) {
	t := Trailer{LocalID: e.ID, Kind: e.Kind, Fields: e.Fields}
	text := e.Summary
	if e.Kind == KindNote {
		t.Fields = nil
	} else {
		text = Summary(e)
	}
	tr, err := EncodeTrailer(t)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", e.Kind, e.ID, err)
	}
	text = strings.TrimRight(text, " \t\r\n")
	if e.Kind != KindNote {
		text = cut(text, NoteLimit-len(tr)-1)
	}
	if text == "" {
		return tr, nil
	}
	return text + "\n" + tr, nil
}

// cut shortens s to at most n characters, marking the cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

// DecodeTrailer separates a note's content into its readable text and its
// trailer. ok is false when the note has no trailer this version can
// trust; text is then the whole content.
func DecodeTrailer(content string) (text string, t Trailer, ok bool) {
	i := strings.LastIndex(content, "[oncall:v")
	if i < 0 || len(content)-i > maxTrailerLen+64 {
		return content, Trailer{}, false
	}
	version, id, kind, payload, found := splitTrailer(content[i:])
	if !found || version != fmt.Sprint(TrailerVersion) {
		return content, Trailer{}, false
	}
	t = Trailer{LocalID: id, Kind: Kind(kind)}
	if !Mirrored(t.Kind) {
		return content, Trailer{}, false
	}
	if payload != "" {
		raw, err := base64.RawURLEncoding.DecodeString(payload)
		if err != nil || !utf8.Valid(raw) {
			return content, Trailer{}, false
		}
		if err := json.Unmarshal(raw, &t.Fields); err != nil || t.Fields == nil {
			return content, Trailer{}, false
		}
	}
	if checkFields(t.Kind, t.Fields) != nil {
		return content, Trailer{}, false
	}
	return strings.TrimRight(content[:i], " \t\r\n"), t, true
}

// splitTrailer reads "[oncall:v<version> <id> <kind> <payload>]" at the
// start of s, with nothing but whitespace after it. Whitespace separates
// the parts and may also break the payload (a reformatting web view);
// the payload's pieces are joined. It reads s once, whatever it holds.
func splitTrailer(s string) (version, id, kind, payload string, ok bool) {
	inner, found := strings.CutPrefix(strings.TrimRight(s, " \t\r\n"), "[oncall:v")
	if !found || !strings.HasSuffix(inner, "]") {
		return "", "", "", "", false
	}
	parts := strings.Fields(inner[:len(inner)-1])
	if len(parts) < 3 || !allOf(parts[0], isDigit) || len(parts[0]) > 4 ||
		!localIDPattern.MatchString(parts[1]) || !kindPattern.MatchString(parts[2]) {
		return "", "", "", "", false
	}
	for _, p := range parts[3:] {
		if !allOf(p, isBase64URL) {
			return "", "", "", "", false
		}
	}
	return parts[0], parts[1], parts[2], strings.Join(parts[3:], ""), true
}

func allOf(s string, f func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || isDigit(c) || c == '-' || c == '_'
}

// checkFields reports why fields cannot be an event of kind k: a key or
// value no writer of this vocabulary makes, or a required field missing
// or malformed. It does not judge time (a due date read after it passed is
// still the date that was set).
func checkFields(k Kind, f map[string]string) error {
	if len(f) > maxTrailerFields {
		return errors.New("too many fields")
	}
	for _, key := range slices.Sorted(maps.Keys(f)) {
		if !keyPattern.MatchString(key) || len(key) > maxFieldKey {
			return fmt.Errorf("field key %q", key)
		}
		if err := checkValue(key, f[key]); err != nil {
			return err
		}
		if strings.TrimSpace(f[key]) == "" {
			return fmt.Errorf("blank %s", key)
		}
	}
	need := func(keys ...string) error {
		for _, key := range keys {
			if f[key] == "" {
				return fmt.Errorf("no %s", key)
			}
		}
		return nil
	}
	if err := checkStateFields(k, f); err != nil {
		return err
	}
	if err := checkCommandFields(k, f); err != nil {
		return err
	}
	if err := checkPremortemFields(k, f); err != nil {
		return err
	}
	switch k {
	case KindNote, KindMitigated:
		if len(f) > 0 {
			return fmt.Errorf("a %s has no fields", k)
		}
	case KindDecision:
		return need(FieldWhat)
	case KindRole:
		if err := need(FieldRole, FieldPerson); err != nil {
			return err
		}
		if !slices.Contains(Roles, f[FieldRole]) {
			return fmt.Errorf("unknown role %q", f[FieldRole])
		}
	case KindActionItem:
		if err := need(FieldTitle, FieldOwner, FieldType); err != nil {
			return err
		}
		if !slices.Contains(ActionTypes, f[FieldType]) {
			return fmt.Errorf("unknown type %q", f[FieldType])
		}
		if d, ok := f[FieldDue]; ok {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return fmt.Errorf("due %q", d)
			}
		}
	case KindStatusUpdate:
		return need(FieldMessage)
	case KindTask:
		if err := need(FieldPerson, FieldWhat, FieldDue); err != nil {
			return err
		}
		if _, err := time.Parse(time.RFC3339, f[FieldDue]); err != nil {
			return fmt.Errorf("due %q", f[FieldDue])
		}
	case KindStar:
		return need(FieldEventID)
	case KindRunbookStep:
		if err := need(FieldAction); err != nil {
			return err
		}
		if a := f[FieldAction]; a != StepDone && a != StepCopied {
			return fmt.Errorf("unknown action %q", a)
		}
		if f[FieldRunbook] == "" && f[FieldStep] == "" {
			return errors.New("no runbook or step")
		}
	}
	// A kind added to MirroredKinds later needs no case here: its fields
	// have passed the checks every field passes.
	return nil
}

// ParseNote reads a note's content as PagerDuty returns it and returns the
// event it stands for, with Kind, Summary, Fields and LocalID set (the
// caller sets the provider's id, time, author and origin). A note with a
// trusted trailer becomes its typed event, summarized from its fields as
// its author saw it; one with an older version's tag is a note carrying its
// local id; anything else is a plain note of the whole content.
func ParseNote(content string) Event {
	if text, t, ok := DecodeTrailer(content); ok {
		e := Event{Kind: t.Kind, LocalID: t.LocalID, Fields: t.Fields, Summary: text}
		if e.Kind != KindNote {
			e.Summary = Summary(e)
		}
		return e
	}
	text, localID := splitLegacyTag(content)
	return Event{Kind: KindNote, Summary: text, LocalID: localID}
}
