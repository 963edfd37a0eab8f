package incident

import (
	"encoding/base64"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// mirrored returns one event of every mirrored kind, as the constructors
// make them, with journal ids.
func mirrored(t testing.TB) []Event {
	t.Helper()
	var out []Event
	add := func(e Event, err error) {
		if err != nil {
			t.Fatal(err)
		}
		e.ID = "01JD3X" + strings.ToUpper(string(e.Kind[:2])) + "0000000000000000"
		out = append(out, e)
	}
	add(NewNote("restarted the pool\nwatching p99 [brackets] too"))
	add(NewDecision("roll back checkout-api to 4.11", "5xx started with the 4.12 deploy", "Priya"))
	add(NewRole("ic", "Alex Rivera"))
	add(NewActionItem("alert on card processor timeouts", "payments team", "+7d", "detect", vocabNow))
	add(NewStatusUpdate("Checkout errors since 03:02.\nRolled back; next update 03:30."))
	add(NewMitigated())
	add(NewTask("Yuki", "check replica lag on db-inv-2 ✓", 15*time.Minute, vocabNow))
	add(NewStarOn("Q0ABC", "Decision: roll back"))
	add(NewRunbookStep("checkout-5xx", "step-2", "", "kubectl rollout undo deploy/checkout-api\nkubectl get pods", StepDone))
	add(NewItemUpdate("L0TASK", ChangeExtended, ItemDue("2026-11-21T04:00:00Z"), ItemLabel("check replica lag")))
	add(NewHandoff("ic", "Alice", "Bob", "the rollback is at 60%"))
	add(NewCommandResult(CommandResult{RunID: "R1", ExitCode: 3, Duration: time.Second, Host: "laptop", Tail: "refused", Status: RunFailed, Step: "check-acquirer"}))
	add(NewCountermeasure("billing-2026-q4", "invoices-not-issued", "during", "Re-run the batch from the last checkpoint", "", ChangeDone))
	return out
}

// TestMirrorRoundTrip: every mirrored kind comes back from its note as the
// same typed event, and the note reads as the summary to a person.
func TestMirrorRoundTrip(t *testing.T) {
	events := mirrored(t)
	kinds := map[Kind]bool{}
	for _, e := range events {
		kinds[e.Kind] = true
		content, err := Mirror(e)
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		if !strings.HasPrefix(content, e.Summary) {
			t.Errorf("%s: note does not start with the summary:\n%s", e.Kind, content)
		}
		lines := strings.Split(content, "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "[oncall:v1 "+e.ID+" "+string(e.Kind)) {
			t.Errorf("%s: last line is %q", e.Kind, last)
		}
		got := ParseNote(content)
		if got.Kind != e.Kind || got.LocalID != e.ID || got.Summary != e.Summary || !maps.Equal(got.Fields, e.Fields) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", e.Kind, got, e)
		}
		// PagerDuty's UI may flatten line breaks and runs of spaces.
		flat := strings.Join(strings.Fields(content), "  ")
		if got := ParseNote(flat); got.Kind != e.Kind || !maps.Equal(got.Fields, e.Fields) {
			t.Errorf("%s: whitespace reformatting lost the trailer: %+v", e.Kind, got)
		}
	}
	for _, k := range MirroredKinds {
		if !kinds[k] {
			t.Errorf("kind %s is mirrored but not tested", k)
		}
	}
}

// TestMirrorWrappedPayload: a long payload broken over lines, as a web
// view that wraps text might return it, still decodes.
func TestMirrorWrappedPayload(t *testing.T) {
	e := mirrored(t)[1]
	content, err := Mirror(e)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndex(content, " ")
	wrapped := content[:i+10] + "\n " + content[i+10:i+20] + "\r\n" + content[i+20:]
	if got := ParseNote(wrapped); got.Kind != KindDecision || !maps.Equal(got.Fields, e.Fields) {
		t.Fatalf("wrapped payload: %+v\n%s", got, wrapped)
	}
}

// TestMirrorFitsNoteLimit: the largest structured event the constructors
// make, and fields from an older journal beyond them, fit in one note with
// every field arriving; a plain note of the longest allowed text is kept
// whole.
func TestMirrorFitsNoteLimit(t *testing.T) {
	big := strings.Repeat("a", FieldLimit)
	e, err := NewDecision(big, big, big)
	if err != nil {
		t.Fatal(err)
	}
	e.ID = strings.Repeat("L", 64)
	content, err := Mirror(e)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(content); n > NoteLimit {
		t.Fatalf("note of %d characters, over %d", n, NoteLimit)
	}
	if got := ParseNote(content); got.Kind != KindDecision || !maps.Equal(got.Fields, e.Fields) {
		t.Fatalf("fields lost in a long note")
	}
	// Wide characters take more room in the trailer than on screen: the
	// constructor refuses what would not fit rather than the outbox failing.
	wide := strings.Repeat("東", FieldLimit)
	if _, err := NewDecision(wide, wide, wide); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewDecision of 18,000 bytes: %v", err)
	}
	// An event journaled before the limits: its fields are cut to fit.
	old := Event{ID: "L2", Kind: KindStatusUpdate, Fields: map[string]string{FieldMessage: strings.Repeat("m", 12000)}}
	content, err = Mirror(old)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(content); n > NoteLimit {
		t.Fatalf("note of %d characters, over %d", n, NoteLimit)
	}
	if got := ParseNote(content); got.Kind != KindStatusUpdate || utf8.RuneCountInString(got.Fields[FieldMessage]) != FieldLimit {
		t.Fatalf("older oversized field: %+v", got.Kind)
	}
	n := Event{ID: "L3", Kind: KindNote, Summary: strings.Repeat("n", NoteTextLimit)}
	if content, err = Mirror(n); err != nil || !strings.HasPrefix(content, n.Summary+"\n") || utf8.RuneCountInString(content) > NoteLimit {
		t.Fatalf("longest note: %v, %d characters", err, utf8.RuneCountInString(content))
	}
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"ääää", 2, "ä…"}, {"ab", 0, "…"}} {
		if got := cut(c.in, c.n); got != c.want {
			t.Errorf("cut(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestMirrorRefuses(t *testing.T) {
	for name, e := range map[string]Event{
		"no id":      {Kind: KindDecision, Fields: map[string]string{FieldWhat: "x"}},
		"spaced id":  {ID: "a b", Kind: KindNote, Summary: "x"},
		"bad key":    {ID: "L1", Kind: KindDecision, Fields: map[string]string{"What ": "x"}},
		"bad kind":   {ID: "L1", Kind: "Decision!", Fields: map[string]string{FieldWhat: "x"}},
		"big fields": {ID: "L1", Kind: KindDecision, Fields: map[string]string{FieldWhat: strings.Repeat("x", NoteLimit)}},
	} {
		if name == "big fields" {
			// Cut to FieldLimit on the way: old journals still arrive.
			if _, err := Mirror(e); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if _, err := Mirror(e); err == nil {
			t.Errorf("%s: mirrored", name)
		}
	}
}

func payload(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestDecodeTrailerRefuses: whatever is wrong with a trailer, the note
// stays a plain note of its whole content, with no local id.
func TestDecodeTrailerRefuses(t *testing.T) {
	cases := map[string]string{
		"newer version":      "x\n[oncall:v2 L1 decision " + payload(`{"what":"a"}`) + "]",
		"version zero":       "x\n[oncall:v0 L1 decision " + payload(`{"what":"a"}`) + "]",
		"state kind":         "x\n[oncall:v1 L1 acknowledge]",
		"unknown kind":       "x\n[oncall:v1 L1 launch_missiles " + payload(`{"what":"a"}`) + "]",
		"damaged base64":     "x\n[oncall:v1 L1 decision " + payload(`{"what":"a"}`)[:5] + "]",
		"bad base64 char":    "x\n[oncall:v1 L1 decision eyJ3aGF0Ijoi+YSJ9]",
		"not json":           "x\n[oncall:v1 L1 decision " + payload(`what=a`) + "]",
		"json array":         "x\n[oncall:v1 L1 decision " + payload(`["a"]`) + "]",
		"json null":          "x\n[oncall:v1 L1 decision " + payload(`null`) + "]",
		"number value":       "x\n[oncall:v1 L1 decision " + payload(`{"what":1}`) + "]",
		"invalid utf8":       "x\n[oncall:v1 L1 decision " + payload("{\"what\":\"a\xff\"}") + "]",
		"escape in field":    "x\n[oncall:v1 L1 decision " + payload(`{"what":"\u001b[2Jgone"}`) + "]",
		"raw escape field":   "x\n[oncall:v1 L1 decision " + payload("{\"what\":\"\x1b]0;pwned\x07\"}") + "]",
		"bidi in field":      "x\n[oncall:v1 L1 decision " + payload(`{"what":"abc\u202edcba"}`) + "]",
		"oversized field":    "x\n[oncall:v1 L1 decision " + payload(`{"what":"`+strings.Repeat("a", FieldLimit+1)+`"}`) + "]",
		"bad field key":      "x\n[oncall:v1 L1 decision " + payload(`{"what":"a","Evil Key":"b"}`) + "]",
		"missing required":   "x\n[oncall:v1 L1 decision " + payload(`{"why":"a"}`) + "]",
		"blank required":     "x\n[oncall:v1 L1 decision " + payload(`{"what":" "}`) + "]",
		"decision no fields": "x\n[oncall:v1 L1 decision]",
		"unknown role":       "x\n[oncall:v1 L1 role " + payload(`{"role":"king","person":"a"}`) + "]",
		"bad action type":    "x\n[oncall:v1 L1 action_item " + payload(`{"title":"t","owner":"o","type":"blame"}`) + "]",
		"bad due":            "x\n[oncall:v1 L1 action_item " + payload(`{"title":"t","owner":"o","type":"detect","due":"soon"}`) + "]",
		"task bad due":       "x\n[oncall:v1 L1 task " + payload(`{"person":"p","what":"w","due":"10 min"}`) + "]",
		"note with fields":   "x\n[oncall:v1 L1 note " + payload(`{"text":"hidden"}`) + "]",
		"step bad action":    "x\n[oncall:v1 L1 runbook_step " + payload(`{"runbook":"r","action":"rm -rf"}`) + "]",
		"star no event":      "x\n[oncall:v1 L1 star " + payload(`{"text":"t"}`) + "]",
		"too many fields":    "x\n[oncall:v1 L1 decision " + payload(`{"what":"a","a":"1","b":"1","c":"1","d":"1","e":"1","f":"1","g":"1","h":"1","i":"1","j":"1","k":"1","l":"1","m":"1","n":"1","o":"1","p":"1"}`) + "]",
		"not at the end":     "[oncall:v1 L1 mitigated] and then some words",
		"id too long":        "x\n[oncall:v1 " + strings.Repeat("a", 65) + " mitigated]",
		"id with escape":     "x\n[oncall:v1 L\x1b1 mitigated]",
		"unclosed":           "x\n[oncall:v1 L1 mitigated",
		"huge payload":       "x\n[oncall:v1 L1 decision " + strings.Repeat("A", NoteLimit) + "]",
		"empty":              "",
	}
	for name, content := range cases {
		text, tr, ok := DecodeTrailer(content)
		if ok || text != content || tr.LocalID != "" || tr.Fields != nil {
			t.Errorf("%s: decoded as (%q, %+v, %v)", name, text, tr, ok)
		}
		e := ParseNote(content)
		if e.Kind != KindNote || e.Fields != nil || e.LocalID != "" || e.Summary != content {
			t.Errorf("%s: ParseNote = %+v, want a plain note", name, e)
		}
	}
}

// TestParseNoteOlderTag: notes from older versions keep their local id.
func TestParseNoteOlderTag(t *testing.T) {
	e := ParseNote("Decision: roll back [oncall:01JD3X]")
	if e.Kind != KindNote || e.LocalID != "01JD3X" || e.Summary != "Decision: roll back" || e.Fields != nil {
		t.Fatalf("older tag: %+v", e)
	}
	if e := ParseNote("typed by a person in the web UI"); e.Kind != KindNote || e.LocalID != "" {
		t.Fatalf("person's note: %+v", e)
	}
}

// TestNoteTag: a text that already carries its trailer is sent as it is;
// any other text gets the tag that lets a retry find it.
func TestNoteTag(t *testing.T) {
	content, err := Mirror(Event{ID: "L9", Kind: KindMitigated})
	if err != nil {
		t.Fatal(err)
	}
	if got := NoteTag(content, "L9"); got != content {
		t.Errorf("NoteTag re-tagged a mirrored note: %q", got)
	}
	if got := NoteTag(content, "L8"); !strings.HasSuffix(got, "[oncall:L8]") {
		t.Errorf("NoteTag kept a trailer for another id: %q", got)
	}
	if text, id := SplitNoteTag(content); id != "L9" || text != Summary(Event{Kind: KindMitigated}) {
		t.Errorf("SplitNoteTag(mirrored) = %q, %q", text, id)
	}
}

func FuzzDecodeTrailer(f *testing.F) {
	for _, e := range mirrored(f) {
		content, err := Mirror(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(content)
	}
	for _, s := range []string{
		"[oncall:v1 L1 note]", "[oncall:L1]", "x [oncall:v1 L1 decision e30]",
		"[oncall:v1 L1 decision " + payload(`{"what":"\u001b[31m"}`) + "]",
		"[oncall:v1 L1 role " + payload(`{"role":"deputy","person":"\u202e"}`) + "]",
		"[oncall:v9999 a b c]", "[oncall:v1 a b  \n c]", "\xff[oncall:v1 \xff mitigated]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		text, tr, ok := DecodeTrailer(content)
		e := ParseNote(content)
		if !ok {
			if text != content || e.Kind != KindNote || e.Fields != nil {
				t.Fatalf("undecodable trailer gave %q, %+v", text, e)
			}
			return
		}
		// A trusted trailer: known kind, safe fields, a usable id, and it
		// survives being written again.
		if !Mirrored(tr.Kind) || !localIDPattern.MatchString(tr.LocalID) || checkFields(tr.Kind, tr.Fields) != nil {
			t.Fatalf("trusted a bad trailer: %+v", tr)
		}
		for k, v := range tr.Fields {
			if !safeText(k) || !safeText(v) || strings.ContainsRune(v, 0x1b) {
				t.Fatalf("unsafe field %q=%q", k, v)
			}
		}
		if e.Kind != tr.Kind || e.LocalID != tr.LocalID || !maps.Equal(e.Fields, tr.Fields) {
			t.Fatalf("ParseNote disagrees with DecodeTrailer: %+v vs %+v", e, tr)
		}
		again, err := EncodeTrailer(tr)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", tr, err)
		}
		_, tr2, ok := DecodeTrailer(again)
		if !ok || tr2.Kind != tr.Kind || tr2.LocalID != tr.LocalID || !maps.Equal(tr2.Fields, tr.Fields) {
			t.Fatalf("re-encoded trailer %q decodes as %+v, %v", again, tr2, ok)
		}
		if strings.ContainsRune(Clean(e.Summary), 0x1b) {
			t.Fatalf("escape survives Clean")
		}
	})
}

// BenchmarkParseNote reads the largest note PagerDuty holds whose trailer
// is damaged at its very end: the worst a hostile note costs a poll.
func BenchmarkParseNote(b *testing.B) {
	e, err := NewDecision(strings.Repeat("a", FieldLimit), strings.Repeat("b", FieldLimit), strings.Repeat("c", FieldLimit))
	if err != nil {
		b.Fatal(err)
	}
	e.ID = "01JD3X"
	content, err := Mirror(e)
	if err != nil {
		b.Fatal(err)
	}
	bad := content[:len(content)-2] + "!]"
	b.ReportAllocs()
	for b.Loop() {
		ParseNote(content)
		ParseNote(bad)
	}
}
