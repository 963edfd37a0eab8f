package main

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// hostileTitle carries what a terminal obeys or that makes text read
// differently from what it is: a C1 CSI (U+009B), an ESC sequence, an
// OSC 52 clipboard write, a right-to-left override, an isolate and a mark.
const hostileTitle = "db \u009b31mred\u009b0m \x1b[2Jwiped \x1b]52;c;ZXZpbA==\x07 \u202eevil\u202c \u2066iso\u2069 \u200fmark"

// unsafeRune reports a rune no output of oncall may carry from outside.
func unsafeRune(r rune) bool {
	return r == 0x1b || (r >= 0x80 && r <= 0x9f) || (r >= '\u202a' && r <= '\u202e') ||
		(r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || (unicode.IsControl(r) && r != '\n')
}

func checkClean(t *testing.T, what, s string) {
	t.Helper()
	if i := strings.IndexFunc(s, unsafeRune); i >= 0 {
		t.Errorf("%s carries %U at byte %d: %q", what, []rune(s[i:])[0], i, s[max(0, i-20):min(len(s), i+20)])
	}
}

// checkJSONStrings decodes every JSON value in out (one or many) and
// checks every string in it: "\u009b" in JSON is as dangerous as the
// byte, once a script prints the decoded value.
func checkJSONStrings(t *testing.T, what, out string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	n := 0
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", what, err, out)
		}
		n++
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				checkClean(t, what+" (decoded)", v)
			case []any:
				for _, e := range v {
					walk(e)
				}
			case map[string]any:
				for k, e := range v {
					checkClean(t, what+" (decoded key)", k)
					walk(e)
				}
			}
		}
		walk(v)
	}
	if n == 0 {
		t.Fatalf("%s: no JSON value", what)
	}
}

// Every output of an incident whose title, note and alert are hostile
// is clean, JSON or not, and still says what the text says.
func TestOutputsCleanHostileTextAlike(t *testing.T) {
	isolate(t)
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	inc, err := sim.AddIncident(pdsim.IncidentSpec{Title: hostileTitle, Service: "checkout-api",
		Alerts: []pdsim.AlertSpec{{Summary: "alert " + hostileTitle}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.AddNoteAs(inc.ID, pdsim.EmailMarcus, "note "+hostileTitle); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"incidents"},
		{"incidents", "--json"},
		{"log", inc.ID},
		{"log", inc.ID, "--json"},
		{"export", inc.ID},
		{"export", inc.ID, "--format", "json"},
	} {
		what := strings.Join(args, " ")
		code, stdout, stderr := cli(t, append(args, "--api-url", url)...)
		if code != exitOK {
			t.Errorf("%s: exit %d, stderr %q", what, code, stderr)
			continue
		}
		checkClean(t, what, stdout)
		checkClean(t, what+" stderr", stderr)
		if !strings.Contains(stdout, "evil") || !strings.Contains(stdout, "wiped") {
			t.Errorf("%s lost the title's text:\n%s", what, stdout)
		}
		if strings.Contains(what, "json") {
			checkJSONStrings(t, what, stdout)
		}
	}
}

func TestSanitizedCleansEveryStringAndKeepsTheOriginal(t *testing.T) {
	type inner struct {
		S      string
		Status incident.Status
		hidden string
	}
	type outer struct {
		Title  string
		Ptr    *inner
		List   []inner
		Map    map[string]string
		Any    any
		Arr    [1]string
		Raw    []byte
		Number int
	}
	bad := "x\u009by\u202ez\x1b[31m"
	in := outer{
		Title: bad, Ptr: &inner{S: bad, Status: incident.Status(bad), hidden: bad},
		List: []inner{{S: bad}}, Map: map[string]string{bad: bad}, Any: bad, Arr: [1]string{bad},
		Raw: []byte(bad), Number: 7,
	}
	got := sanitized(in)
	want := incident.Clean(bad)
	if got.Title != want || got.Ptr.S != want || string(got.Ptr.Status) != want || got.List[0].S != want ||
		got.Map[want] != want || len(got.Map) != 1 || got.Any != want || got.Arr[0] != want || got.Number != 7 {
		t.Errorf("sanitized = %+v (ptr %+v)", got, got.Ptr)
	}
	if got.Ptr.hidden != bad || string(got.Raw) != bad {
		t.Error("unexported fields and byte slices are not text and must be kept as they are")
	}
	if in.Title != bad || in.Ptr.S != bad || in.List[0].S != bad || in.Map[bad] != bad {
		t.Error("sanitized changed its argument")
	}
}
