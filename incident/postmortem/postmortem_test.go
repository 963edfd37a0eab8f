package postmortem

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/golden"
)

// berlin is a fixed zone (not the machine's) so the fixtures prove that the
// draft writes UTC whatever zone the times arrive in.
var berlin = time.FixedZone("CEST", 2*60*60)

func at(hhmmss string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", "2026-03-04 "+hhmmss, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

func resolvedInput() Input {
	inc := incident.Incident{
		ID:               "Q1ABCDEF",
		Number:           1234,
		Title:            "Checkout latency above SLO",
		Status:           incident.Resolved,
		Urgency:          incident.High,
		Priority:         "P1",
		Service:          incident.Ref{ID: "PSVC", Name: "checkout-api"},
		EscalationPolicy: incident.Ref{ID: "PEP", Name: "Payments"},
		Assignees:        []incident.Responder{{ID: "U1", Name: "Jane Doe"}},
		URL:              "https://acme.pagerduty.com/incidents/Q1ABCDEF",
		CreatedAt:        at("11:58:00"),
		ResolvedAt:       at("13:00:30"),
	}
	tl := incident.Timeline{
		{ID: "L1", Kind: incident.KindTrigger, At: at("11:58:00"), Actor: "Datadog", Summary: "Triggered through the API.", Origin: incident.Remote},
		{ID: "A1", Kind: incident.KindAlert, At: at("11:58:00"), Summary: "p99 latency > 2s on checkout-api", Origin: incident.Remote},
		{ID: "L2", Kind: incident.KindNotify, At: at("11:58:05"), Summary: "Notified Jane Doe by push notification.", Origin: incident.Remote},
		{ID: "L3", Kind: incident.KindAcknowledge, At: at("12:02:10"), Actor: "Jane Doe", Summary: "Acknowledged by Jane Doe.", Origin: incident.Remote},
		{ID: "N1", Kind: incident.KindNote, At: at("12:05:00"), Actor: "Jane Doe",
			Summary: "db pool | saturated\nsee \x1b[31mgrafana\x1b[0m", Origin: incident.Remote, LocalID: "loc1"},
		{ID: "L4", Kind: incident.KindEscalate, At: at("12:10:00"), Actor: "Jane Doe", Summary: "Escalated to level 2.", Origin: incident.Remote},
		{ID: "N2", Kind: incident.KindNote, At: at("12:20:00"), Actor: "Ravi Kumar", Summary: "Rolled back deploy `4.12` of checkout-api", Origin: incident.Remote},
		{ID: "N3", Kind: incident.KindNote, At: at("12:40:00"), Actor: "Jane Doe", Summary: "Latency back under 300ms", Origin: incident.Remote},
		{ID: "L5", Kind: incident.KindResolve, At: at("13:00:30"), Actor: "Jane Doe", Summary: "Resolved by Jane Doe.", Origin: incident.Remote},
	}
	return Input{Incident: inc, Timeline: tl, Now: at("15:30:00")}
}

func activeInput() Input {
	in := resolvedInput()
	in.Incident.Status = incident.Acknowledged
	in.Incident.ResolvedAt = time.Time{}
	in.Timeline = in.Timeline[:len(in.Timeline)-1] // no resolve yet
	in.Timeline = append(in.Timeline,
		incident.Event{ID: "loc2", Kind: incident.KindNote, At: at("12:50:00"), Actor: "Ravi Kumar",
			Summary: "Cache hit rate recovering", Origin: incident.Local, State: incident.Queued},
		incident.Event{ID: "loc3", Kind: incident.KindResolve, At: at("12:55:00"), Actor: "Ravi Kumar",
			Origin: incident.Local, State: incident.Failed, Error: "403 Forbidden:\nnot allowed"},
	)
	in.Now = at("13:10:00")
	return in
}

func renderMD(t *testing.T, in Input) string {
	t.Helper()
	var b bytes.Buffer
	if err := Markdown(&b, in); err != nil {
		t.Fatalf("Markdown: %v", err)
	}
	return b.String()
}

func TestMarkdownResolvedGolden(t *testing.T) {
	got := renderMD(t, resolvedInput())
	golden.AssertString(t, "resolved.golden", got)
	checkStructure(t, got)

	for _, want := range []string{
		"# Postmortem: Checkout latency above SLO\n",
		"- **Incident:** #1234 (<https://acme.pagerduty.com/incidents/Q1ABCDEF>)\n",
		"- **Status:** Draft\n",
		"| Time (UTC) | Who | Event | Link |\n|---|---|---|---|\n",
		// 12:05 in +02:00 is 10:05 UTC.
		"| 2026-03-04 10:05:00 | Jane Doe | Note: db pool \\| saturated see grafana |  |\n",
		"| 2026-03-04 10:02:10 | Jane Doe | Acknowledged |\n",
		"| 2026-03-04 09:58:00 | — | Alert: p99 latency > 2s on checkout-api | <https://acme.pagerduty.com/alerts/A1> |\n",
		"| 2026-03-04 10:20:00 | Ravi Kumar | Note: Rolled back deploy \\`4.12\\` of checkout-api |  |\n",
		"- **Jane Doe** (assignee): acknowledged, escalated, 2 notes, resolved\n",
		"It was resolved at 2026-03-04 11:00:30 UTC, after 1h 03m.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	if strings.Contains(got, "Still open") {
		t.Error("resolved incident marked as still open")
	}
}

func TestMarkdownActive(t *testing.T) {
	got := renderMD(t, activeInput())
	golden.AssertString(t, "active.golden", got)
	checkStructure(t, got)

	for _, want := range []string{
		"> **Still open:** this incident was still open (acknowledged, not resolved) when this draft was written at 2026-03-04 11:10:00 UTC.\n",
		"It was still acknowledged at the time of writing, 1h 12m after it began.",
		"| 2026-03-04 10:50:00 | Ravi Kumar | Note: Cache hit rate recovering _(queued locally, not yet sent to PagerDuty)_ |  |\n",
		"| 2026-03-04 10:55:00 | Ravi Kumar | Resolved _(failed to send to PagerDuty: 403 Forbidden: not allowed)_ |  |\n",
		// The failed resolve did not take effect.
		"- **Ravi Kumar**: 2 notes, 1 action that failed to sync\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	if strings.Contains(got, "was resolved") {
		t.Error("active incident described as resolved")
	}
}

func TestHostileText(t *testing.T) {
	in := resolvedInput()
	in.Incident.Title = "Pwn\x1b]8;;http://evil\x07ed | `x` <script>alert(1)</script> [click](javascript:alert(1)) #"
	in.Incident.Service.Name = "svc\n# injected heading"
	in.Incident.Priority = "P1 | x"
	in.Incident.URL = "javascript:alert(1)"
	in.Incident.Assignees = append(in.Incident.Assignees, incident.Responder{Name: "- evil\n- list"})
	in.Timeline = append(in.Timeline,
		incident.Event{ID: "X1", Kind: incident.KindNote, At: at("13:05:00"),
			Actor:   "Mallory | \x1b[2J\r\nBob",
			Summary: "line1\r\n| --- | --- |\n\u202eevil\u202c ``code | span`` \\| trailing\\",
			Origin:  incident.Remote},
		incident.Event{ID: "X2", Kind: "made_up_kind", At: at("13:06:00"), Summary: "*bold* _it_ ~~s~~ $x$", Origin: incident.Remote},
	)
	got := renderMD(t, in)
	checkStructure(t, got)

	for _, bad := range []string{"\x1b", "\r", "\u202e", "\n# injected", "\n- list", "(<javascript"} {
		if strings.Contains(got, bad) {
			t.Errorf("draft contains %q:\n%s", bad, got)
		}
	}
	// Markup from outside may appear only as escaped, literal text.
	for _, bad := range []string{"<script", "</script", "](", "`x`", "*bold*", "_it_", "~~s~~", "$x$"} {
		if hasUnescaped(got, bad) {
			t.Errorf("draft contains unescaped %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{
		"# Postmortem: Pwned | \\`x\\` \\<script>alert(1)\\</script> [click\\](javascript:alert(1)) \\#\n",
		"- **Incident:** #1234\n",
		"- **Service:** svc # injected heading\n",
		"- **Priority / urgency:** P1 | x / high\n",
		"| 2026-03-04 11:05:00 | Mallory \\| Bob | Note: line1 \\| --- \\| --- \\| evil \\`\\`code \\| span\\`\\` \\\\\\| trailing\\\\ |  |\n",
		"| 2026-03-04 11:06:00 | — | \\*bold\\* \\_it\\_ \\~\\~s\\~\\~ \\$x\\$ |  |\n",
		"- **Mallory | Bob**: 1 note\n",
		"- **- evil - list** (assignee): no recorded actions\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("draft lacks %q:\n%s", want, got)
		}
	}
}

// checkStructure asserts what must hold for any draft: table rows have
// exactly three cells, and placeholders render literally.
func checkStructure(t *testing.T, md string) {
	t.Helper()
	borders := 0 // of the current table's header; 0 outside a table
	for line := range strings.Lines(md) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "|") {
			n := countUnescapedPipes(line)
			if borders == 0 {
				borders = n
			} else if n != borders {
				t.Errorf("table row has %d cell borders, want %d: %q", n, borders, line)
			}
			continue
		}
		if borders != 0 && line != "" {
			t.Errorf("table not followed by a blank line: %q", line)
		}
		borders = 0
	}
	// A placeholder must be neither raw HTML nor an autolink: a word, a
	// colon, then text with a space and no angle brackets.
	ok := regexp.MustCompile(`^_<[a-z]+: [^<>\n]+>_$`)
	for _, m := range regexp.MustCompile(`_<[^\n]*?>_`).FindAllString(md, -1) {
		if !ok.MatchString(m) {
			t.Errorf("placeholder %q may not render literally", m)
		}
	}
}

// hasUnescaped reports whether sub occurs in s with its first character not
// escaped by a backslash.
func hasUnescaped(s, sub string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], sub) {
			return true
		}
	}
	return false
}

func countUnescapedPipes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func TestTimesIndependentOfZone(t *testing.T) {
	a := resolvedInput()
	b := resolvedInput()
	tokyo := time.FixedZone("JST", 9*60*60)
	b.Incident.CreatedAt = b.Incident.CreatedAt.In(tokyo)
	b.Incident.ResolvedAt = b.Incident.ResolvedAt.In(time.UTC)
	b.Now = b.Now.In(tokyo)
	for i := range b.Timeline {
		b.Timeline[i].At = b.Timeline[i].At.In(tokyo)
	}
	if ga, gb := renderMD(t, a), renderMD(t, b); ga != gb {
		t.Errorf("draft depends on the zone of its times:\n%s\n---\n%s", ga, gb)
	}
}

func TestUnsortedTimelineIsOrdered(t *testing.T) {
	in := resolvedInput()
	want := renderMD(t, in)
	// Move the last event (the resolve) to the front; events with equal
	// times keep their relative order, as Merge left it.
	tl := in.Timeline
	in.Timeline = append(incident.Timeline{tl[len(tl)-1]}, tl[:len(tl)-1]...)
	if got := renderMD(t, in); got != want {
		t.Errorf("unsorted timeline gives a different draft:\n%s", got)
	}
}

func TestEmptyInput(t *testing.T) {
	got := renderMD(t, Input{})
	checkStructure(t, got)
	for _, want := range []string{
		"# Postmortem: Untitled incident\n",
		"- **Incident:** unknown\n",
		"_<responders: ",
		"_<timeline: ",
		"_<date: when this draft was written>_",
		"- **Incident state:** unknown\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("draft lacks %q:\n%s", want, got)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	if err := Markdown(failWriter{}, resolvedInput()); err == nil {
		t.Fatal("want the writer's error")
	}
}

func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  plain text  ", "plain text"},
		{"a|b", `a\|b`},
		{"a\nb\r\nc\td", "a b c d"},
		{"`code`", "\\`code\\`"},
		{`back\slash`, `back\slash`}, // before a letter a backslash is literal
		{`end\`, `end\\`},            // at the end it would break the line
		{"snake_case_name", "snake_case_name"},
		{"_leading and trailing_", `\_leading and trailing\_`},
		{"~7% of 10$", "~7% of 10$"}, // one tilde, one dollar: no pair
		{"~~s~~ $x$", `\~\~s\~\~ \$x\$`},
		{"[x](y) [a][b] [plain]", `[x\](y) [a\][b] [plain]`},
		{"p99 < 2s > 1s", "p99 < 2s > 1s"},
		{"AT&T &amp; &#60;", `AT&T \&amp; \&#60;`},
		{`\|`, `\\\|`},
		{"\x1b[1mbold\x1b[0m", "bold"},
		{"<b>&amp;</b>", `\<b>\&amp;\</b>`},
		{"émoji ✓", "émoji ✓"},
	} {
		if got := cell(tc.in); got != tc.want {
			t.Errorf("cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSafeURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://acme.pagerduty.com/incidents/Q1", "https://acme.pagerduty.com/incidents/Q1"},
		{"http://example.com/a?b=c#d", "http://example.com/a?b=c#d"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"https://user:pw@evil.example/", ""},
		{"https://a.example/x>y", ""},
		{"https://a.example/x y", ""},
		{"https://a.example/ü", ""},
		{"/relative/path", ""},
		{"https:opaque", ""},
		{"\x1b]8;;https://x.example\x07https://a.example/", "https://a.example/"},
	} {
		if got := safeURL(tc.in); got != tc.want {
			t.Errorf("safeURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{45 * time.Second, "45s"},
		{12*time.Minute + 5*time.Second, "12m 5s"},
		{time.Hour + 2*time.Minute + 29*time.Second, "1h 02m"},
		{27*time.Hour + 15*time.Minute, "27h 15m"},
	} {
		if got := duration(tc.d); got != tc.want {
			t.Errorf("duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func FuzzCell(f *testing.F) {
	for _, s := range []string{
		"", "a|b", "a\nb", `\|`, `\\|`, "`|`", "\x1b[31m|\x1b[0m", "\r\n|\u2028|\u0085", "trailing\\", "\xff|\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cell(s)
		if strings.ContainsAny(got, "\n\r\x1b") {
			t.Fatalf("cell(%q) = %q has a line break or escape", s, got)
		}
		// Strictly: a backslash escapes the next character, and no bare pipe
		// remains. GFM's table splitter is looser (any '\' before '|'), so
		// also require that every pipe has a backslash right before it.
		for i := 0; i < len(got); i++ {
			switch got[i] {
			case '\\':
				if i+1 == len(got) {
					t.Fatalf("cell(%q) = %q ends in a lone backslash", s, got)
				}
				i++
			case '|':
				t.Fatalf("cell(%q) = %q has an unescaped pipe", s, got)
			}
		}
		for i := 0; i < len(got); i++ {
			if got[i] == '|' && (i == 0 || got[i-1] != '\\') {
				t.Fatalf("cell(%q) = %q has a pipe without a backslash", s, got)
			}
		}
		// Escaping is lossless: unescaping gives the cleaned, one-line text.
		var un strings.Builder
		for i := 0; i < len(got); i++ {
			if got[i] == '\\' {
				i++
			}
			un.WriteByte(got[i])
		}
		if want := strings.Join(strings.Fields(incident.Clean(s)), " "); un.String() != want {
			t.Fatalf("cell(%q) = %q, unescapes to %q, want %q", s, got, un.String(), want)
		}
	})
}

func TestCode(t *testing.T) {
	for _, tc := range []struct {
		in      string
		inTable bool
		want    string
	}{
		{"kubectl get pods", false, "`kubectl get pods`"},
		{"echo `date`", false, "`` echo `date` ``"},
		{"a ``b`` c", false, "```a ``b`` c```"},
		{"`x`", false, "`` `x` ``"},
		{"grep a|b", false, "`grep a|b`"},
		{"grep a|b", true, "`grep a\\|b`"},
		{"two\nlines", false, "`two lines`"},
		{"\x1b[31mred\x1b[0m", false, "`red`"},
		{"", false, ""},
	} {
		if got := code(tc.in, tc.inTable); got != tc.want {
			t.Errorf("code(%q, %v) = %q, want %q", tc.in, tc.inTable, got, tc.want)
		}
	}
}

// FuzzCode checks that a code span holds exactly the cleaned text: it
// opens and closes with the same fence, which appears nowhere inside.
func FuzzCode(f *testing.F) {
	for _, s := range []string{"", "`", "``", "a`b", "` `", "|", "\\|", "x\ny", "\x1b]0;t\x07"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, inTable bool) {
		got := code(s, inTable)
		want := strings.Join(strings.Fields(incident.Clean(s)), " ")
		if want == "" {
			if got != "" {
				t.Fatalf("code(%q) = %q, want empty", s, got)
			}
			return
		}
		if strings.ContainsAny(got, "\n\r\x1b") {
			t.Fatalf("code(%q) = %q has a line break or escape", s, got)
		}
		n := longestRun(got[:len(got)-1], '`')
		fence := strings.Repeat("`", len(got)-len(strings.TrimLeft(got, "`")))
		if !strings.HasSuffix(got, fence) || len(got) < 2*len(fence) {
			t.Fatalf("code(%q) = %q: fences differ", s, got)
		}
		inner := got[len(fence) : len(got)-len(fence)]
		if strings.Contains(inner, fence) && longestRun(inner, '`') >= len(fence) {
			t.Fatalf("code(%q) = %q: the fence appears inside (run %d)", s, got, n)
		}
		// CommonMark strips one space from each side when both are spaces
		// and the content is not all spaces.
		if strings.HasPrefix(inner, " ") && strings.HasSuffix(inner, " ") && strings.Trim(inner, " ") != "" {
			inner = inner[1 : len(inner)-1]
		}
		if inTable {
			if countUnescapedPipes(inner) != 0 && strings.Contains(strings.ReplaceAll(inner, `\|`, ""), "|") {
				t.Fatalf("code(%q) = %q has a pipe a table would split on", s, got)
			}
			inner = strings.ReplaceAll(inner, `\|`, "|")
		}
		if inner != want {
			t.Fatalf("code(%q) = %q shows %q, want %q", s, got, inner, want)
		}
	})
}

// FuzzOneLine checks the fast path against the slow one.
func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"", " ", "a  b", "a b", " a", "a ", "a\tb", "\x7f", "é", "a\x1b[1mb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := oneLine(s), strings.Join(strings.Fields(incident.Clean(s)), " "); got != want {
			t.Fatalf("oneLine(%q) = %q, want %q", s, got, want)
		}
	})
}

// FuzzMarkdownStructure puts hostile text in every structured field and
// checks the draft's shape: tables keep their columns, placeholders stay
// literal, no control character survives, and the JSON stays valid.
func FuzzMarkdownStructure(f *testing.F) {
	f.Add("t|itle", "what `x`", "owner\n| x |", "cmd ```\n## h", "msg <b>", "P1|")
	f.Add("\x1b]8;;x\x07", "\u202e", "_<a: b>_", "```", "\\", "")
	f.Fuzz(func(t *testing.T, title, what, owner, command, message, priority string) {
		in := resolvedInput()
		in.Incident.Title, in.Incident.Priority = title, priority
		at := at("12:30:00")
		in.Timeline = append(in.Timeline,
			incident.Event{ID: "D", Kind: incident.KindDecision, At: at, Actor: owner, Origin: incident.Local,
				Fields: map[string]string{"what": what, "why": message, "who": owner}},
			incident.Event{ID: "I", Kind: incident.KindActionItem, At: at, Actor: owner, Origin: incident.Local,
				Fields: map[string]string{"title": what, "owner": owner, "due": message, "type": priority}},
			incident.Event{ID: "R", Kind: incident.KindRole, At: at, Actor: owner, Origin: incident.Local,
				Fields: map[string]string{"role": what, "person": owner}},
			incident.Event{ID: "S", Kind: incident.KindRunbookStep, At: at, Actor: owner, Origin: incident.Local,
				Fields: map[string]string{"runbook": title, "step": what, "command": command}},
			incident.Event{ID: "U", Kind: incident.KindStatusUpdate, At: at, Actor: owner, Origin: incident.Local,
				Fields: map[string]string{"message": message}},
			incident.Event{ID: "T", Kind: incident.KindStar, At: at, Origin: incident.Local, Fields: map[string]string{"event_id": "D"}},
		)
		md := renderMD(t, in)
		checkStructure(t, md)
		for _, r := range md {
			if r == '\x1b' || r == '\r' || (r < ' ' && r != '\n') || r == '\u202e' {
				t.Fatalf("draft contains %q", r)
			}
		}
		// Outside the code block, no line may start a heading, a fence or
		// raw HTML that the draft did not write itself.
		inFence := false
		for line := range strings.Lines(md) {
			trimmed := strings.TrimSpace(line)
			if strings.HasPrefix(trimmed, "```") {
				inFence = !inFence
				continue
			}
			if !inFence && strings.HasPrefix(line, "<") {
				t.Fatalf("raw HTML line %q", line)
			}
		}
		var b bytes.Buffer
		if err := JSON(&b, in); err != nil || !json.Valid(b.Bytes()) {
			t.Fatalf("JSON: %v", err)
		}
	})
}
