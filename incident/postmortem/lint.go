package postmortem

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hint is one finding of the blameless lint: a phrase that puts a person
// where a cause belongs, or an action item that cannot be tracked to done.
type Hint struct {
	// Line is the 1-based line in a linted file (LintMarkdown); 0 in a
	// draft, where Where names the event instead.
	Line  int    `json:"line,omitempty"`
	Where string `json:"where"` // "note at 2026-03-04 10:05:00 UTC by Jane Doe", "line 42"
	// Rule is a stable id: blame-phrase, hindsight, judgment, person-subject
	// (blame), no-owner, no-due, not-a-verb, open-ended (action items).
	Rule       string `json:"rule"`
	Excerpt    string `json:"excerpt,omitempty"` // the text that matched, with some context
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"` // a systems-focused wording
}

// Lint runs the blameless lint over the human text of in: notes, decisions,
// action items and status updates. Markdown and JSON include its hints.
func Lint(in Input) []Hint { return Build(in).Hints }

type phraseRule struct {
	rule string
	// cues are lowercase substrings one of which any match contains: a
	// cheap test that spares most text the regular expression.
	cues       []string
	re         *regexp.Regexp
	message    string
	suggestion string
}

var phraseRules = []phraseRule{
	{"blame-phrase", []string{"error"}, regexp.MustCompile(`(?i)\b(?:human|operator|user|engineer|developer|admin|pilot|manual) errors?\b`),
		"\"human error\" names a person, not a cause; it ends the inquiry where it should start.",
		"name the condition that made the mistake easy and the right action hard, e.g. \"the deploy tool accepted an unvalidated config\"."},
	{"blame-phrase", []string{"fault", "mistake", "screw", "blunder", "blam"}, regexp.MustCompile(`(?i)\b(?:[\p{L}][\p{L}.-]*'s|(?:his|her|their|my|your|our)) (?:fault|mistake|screw-?up|blunder)\b|\bfault of\b|\b(?:to blame|blamed?|blaming)\b`),
		"fault and blame point at a person.",
		"describe the contributing factors in the system: what allowed the change through, and what would have caught it."},
	{"hindsight", []string{" have"}, regexp.MustCompile(`(?i)\b(?:should(?:n't| not)?|ought to|could(?:n't| not)?) have\b`),
		"\"should have\" is hindsight: it judges a choice with facts the person did not have then.",
		"say what the system did not provide at the time, e.g. \"the runbook did not cover a full disk\" or \"no alert fired on replication lag\"."},
	{"judgment", []string{"careless", "negligen", "sloppy", "sloppiness", "lazy", "laziness", "incompeten", "stupid", "dumb",
		"reckless", "inattentive", " up", "dropped the ball", "attention", "bother"}, regexp.MustCompile(`(?i)\b(?:careless(?:ly|ness)?|negligen(?:t|tly|ce)|sloppy|sloppiness|lazy|laziness|incompeten(?:t|ce)|stupid|dumb|reckless(?:ly)?|inattentive|(?:screwed|messed|fucked) up|dropped the ball|not paying attention|didn't bother|did not bother)\b`),
		"this judges a person's care or skill, which discourages candid accounts.",
		"describe the missing safeguard instead, e.g. \"the script ran against production without a confirmation step\"."},
}

// failureVerbs are verbs that, with a person as subject, tell a story of
// fault ("Ravi broke the deploy").
const failureVerbs = `broke|breaks|broken|failed|fails|forgot|forgets|forgotten|missed|misses|caused|causes|misconfigured|ignored|ignores|overlooked|neglected|botched|mistyped|screwed|messed|fumbled|bungled`

var (
	pronounSubject = regexp.MustCompile(`(?i)\b(?:he|she|someone|somebody|the (?:engineer|operator|developer|on-?call(?:er)?|responder|intern|new hire|admin))` + adverb + `\s+(?:` + failureVerbs + `)\b`)
)

// adverb is an optional word between a subject and its verb ("Ravi
// accidentally broke", "she had forgotten").
const adverb = `(?:\s+(?:\p{L}+ly|never|also|just|then|again|had|has|have))?`

const personSubjectMessage = "a person is the subject of a failure; the sentence tells who, not why."
const personSubjectSuggestion = "make the system the subject, e.g. \"the migration dropped the index\" rather than \"<name> dropped the index\", and ask what made it possible."

// linter checks text against the phrase rules and the names of the people
// in the incident.
type linter struct {
	names *regexp.Regexp // nil when there are none
}

func newLinter(names []string) linter {
	var alts []string
	seen := map[string]bool{}
	add := func(n string) {
		n = oneLine(n) // names from an edited file are raw text
		if utf8.RuneCountInString(n) < 3 || seen[strings.ToLower(n)] || !hasLetter(n) {
			return
		}
		seen[strings.ToLower(n)] = true
		alts = append(alts, regexp.QuoteMeta(n))
	}
	for _, n := range names {
		add(n)
		if first, _, ok := strings.Cut(n, " "); ok {
			add(first) // "Ravi" for "Ravi Kumar"
		}
	}
	if len(alts) == 0 {
		return linter{}
	}
	// Longest first, so "Ravi Kumar" wins over "Ravi".
	slices.SortFunc(alts, func(a, b string) int { return len(b) - len(a) })
	re, err := regexp.Compile(`(?i)(?:^|[^\p{L}\p{N}])(?:` + strings.Join(alts, "|") + `)` + adverb + `\s+(?:` + failureVerbs + `)\b`)
	if err != nil {
		return linter{} // too many names for one expression: the other rules still run
	}
	return linter{names: re}
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// failureCues are lowercase stems of failureVerbs, for the same cheap test.
var failureCues = []string{"brok", "fail", "forg", "miss", "caus", "misconf", "ignor", "overlook", "neglect", "botch",
	"mistyp", "screw", "mess", "fumbl", "bungl"}

func cued(lower string, cues []string) bool {
	return slices.ContainsFunc(cues, func(c string) bool { return strings.Contains(lower, c) })
}

// text returns the hints for one piece of human text.
func (l linter) text(s, where string, line int) []Hint {
	var out []Hint
	lower := strings.ToLower(s)
	for _, r := range phraseRules {
		if !cued(lower, r.cues) {
			continue
		}
		for _, loc := range r.re.FindAllStringIndex(s, -1) {
			out = append(out, Hint{Line: line, Where: where, Rule: r.rule, Excerpt: excerpt(s, loc), Message: r.message, Suggestion: r.suggestion})
		}
	}
	for _, re := range []*regexp.Regexp{pronounSubject, l.names} {
		if re == nil || !cued(lower, failureCues) {
			continue
		}
		for _, loc := range re.FindAllStringIndex(s, -1) {
			out = append(out, Hint{Line: line, Where: where, Rule: "person-subject", Excerpt: excerpt(s, loc),
				Message: personSubjectMessage, Suggestion: personSubjectSuggestion})
		}
	}
	return out
}

// excerpt is the match with a few words of context, on one line.
func excerpt(s string, loc []int) string {
	const context = 30
	start, end := max(0, loc[0]-context), min(len(s), loc[1]+context)
	for start > 0 && !utf8.RuneStart(s[start]) {
		start--
	}
	for end < len(s) && !utf8.RuneStart(s[end]) {
		end++
	}
	e := strings.TrimSpace(oneLine(s[start:end]))
	if start > 0 {
		e = "…" + e
	}
	if end < len(s) {
		e += "…"
	}
	return e
}

// openEnded are first words of action items that have no clear end.
var openEnded = map[string]bool{
	"investigate": true, "explore": true, "consider": true, "research": true, "discuss": true,
	"evaluate": true, "assess": true, "analyze": true, "analyse": true, "understand": true,
	"study": true, "revisit": true, "brainstorm": true, "monitor": true, "ponder": true,
}

// openEndedPhrases are two-word openings of the same sort.
var openEndedPhrases = []string{"look into", "think about", "figure out", "dig into", "follow up", "find out", "check on", "keep an eye"}

// verbs that commonly open an action item. A first word outside this list
// still passes when the next word is one a verb typically takes ("Tweak
// the timeout").
var actionVerbs = toSet(`accept add adjust alert align allow apply archive assign audit automate backfill block build bump cache
cap change clarify clean cleanup close codify configure connect consolidate convert copy create cut dashboard deduplicate
define delete deploy deprecate design detect disable document downgrade drain drop enable enforce ensure escalate expand
expose extend extract fail fix flag gate generate graph harden hire host implement import improve increase index inform
install instrument integrate introduce isolate label limit link load lock log lower make mark measure merge migrate
mirror move notify page patch pin plan poll post prevent prioritize prioritise protect provision publish pull purge push
put queue raise rate-limit reduce refactor register reject release remove rename reorder repair replace report require
reserve reset resize restart restore restrict retire retry return review revoke rewrite roll rollback rotate route run
scale schedule script secure send separate set shard share ship shorten show simplify spin split standardize standardise
start stop store streamline switch sync tag teach test throttle tighten time-box timebox track train trigger tune turn
unblock unify update upgrade use validate verify version warn wire write`)

var verbObjects = toSet(`the a an all our each every its their this that these those to it them any more fewer`)

func toSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// actionItem returns the hints for one action item.
func (l linter) actionItem(a ActionItem, where string, line int) []Hint {
	out := l.text(a.Title, where, line)
	if isPlaceholder(a.Owner) {
		out = append(out, Hint{Line: line, Where: where, Rule: "no-owner", Excerpt: a.Title,
			Message: "the action item has no owner, so no one will carry it to done.", Suggestion: "name one person or team."})
	}
	if isPlaceholder(a.Due) {
		out = append(out, Hint{Line: line, Where: where, Rule: "no-due", Excerpt: a.Title,
			Message: "the action item has no due date.", Suggestion: "set a date; match it to the type (mitigate soon, prevent within a quarter)."})
	}
	words := strings.Fields(strings.ToLower(strings.TrimLeft(a.Title, "-*• ")))
	if len(words) == 0 {
		return out
	}
	first := strings.Trim(words[0], ".,:;!?\"'()")
	two := first
	if len(words) > 1 {
		two += " " + strings.Trim(words[1], ".,:;!?\"'()")
	}
	switch {
	case openEnded[first] || slices.ContainsFunc(openEndedPhrases, func(p string) bool { return strings.HasPrefix(two, p) }):
		out = append(out, Hint{Line: line, Where: where, Rule: "open-ended", Excerpt: a.Title,
			Message:    "the action item is open-ended: nothing says when it is done.",
			Suggestion: "state the change it should lead to (\"Add an alert on queue depth above 10,000\"), or time-box it with a decision as its outcome (\"Decide by 2026-04-01 whether to shard the orders table\")."})
	case actionVerbs[first], len(words) > 1 && verbObjects[strings.Trim(words[1], ".,:;!?\"'()")] && !nonVerbStart(first):
	default:
		out = append(out, Hint{Line: line, Where: where, Rule: "not-a-verb", Excerpt: a.Title,
			Message:    "the action item does not start with a verb, so it reads as a topic, not a task.",
			Suggestion: "start with what will be done: \"Add…\", \"Alert on…\", \"Remove…\"."})
	}
	return out
}

// nonVerbStart are first words that cannot open an imperative.
func nonVerbStart(w string) bool {
	switch w {
	case "the", "a", "an", "we", "our", "this", "that", "more", "better", "no", "some", "all", "maybe", "possibly", "it", "they", "someone":
		return true
	}
	return strings.HasSuffix(w, "ing") || strings.HasSuffix(w, "tion") || strings.HasSuffix(w, "ment")
}

// isPlaceholder reports an empty value or a writer's placeholder.
func isPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == noOne || s == "-" || (strings.HasPrefix(s, "_<") && strings.HasSuffix(s, ">_"))
}

// lintReport lints the human text a report carries.
func lintReport(r Report, in Input) []Hint {
	l := newLinter(peopleOf(r, in))
	hints := []Hint{}
	for _, e := range r.Timeline {
		if e.Kind != "note" {
			continue
		}
		hints = append(hints, l.text(strings.TrimPrefix(e.Text, "Note: "), "note at "+stamp(e.At, "")+by(e.Actor), 0)...)
	}
	for _, x := range r.Decisions {
		hints = append(hints, l.text(x.What+". "+x.Why, "decision at "+stamp(x.At, "")+by(x.LoggedBy), 0)...)
	}
	for _, u := range r.Updates {
		hints = append(hints, l.text(u.Message, "status update at "+stamp(u.At, "")+by(u.Actor), 0)...)
	}
	for _, a := range r.ActionItems {
		hints = append(hints, l.actionItem(a, "action item \""+a.Title+"\"", 0)...)
	}
	return hints
}

func by(actor string) string {
	if actor == "" {
		return ""
	}
	return " by " + actor
}

// peopleOf are the names of people in the incident, for person-subject.
// Integrations, services and policies (who trigger, alert, assign) are
// left out.
func peopleOf(r Report, in Input) []string {
	var names []string
	for _, a := range in.Incident.Assignees {
		names = append(names, oneLine(a.Name))
	}
	names = append(names, r.Metrics.PeoplePaged...)
	for _, p := range r.Responders {
		for k := range p.Actions {
			if k != "trigger" && k != "alert" && k != "assign" && k != "notify" {
				names = append(names, p.Name)
				break
			}
		}
	}
	for _, x := range r.Roles {
		names = append(names, x.Person)
	}
	for _, x := range r.Decisions {
		names = append(names, x.ExecutedBy)
	}
	for _, x := range r.ActionItems {
		names = append(names, x.Owner)
	}
	// Systems are the subjects the lint asks for.
	systems := []string{oneLine(in.Incident.Service.Name), oneLine(in.Incident.EscalationPolicy.Name)}
	return slices.DeleteFunc(names, func(n string) bool {
		return slices.ContainsFunc(systems, func(s string) bool { return s != "" && strings.EqualFold(s, n) })
	})
}

// MaxDraftSize bounds a draft given to LintMarkdown by a command: a draft
// of a long incident is tens of kilobytes; megabytes are something else.
const MaxDraftSize = 4 << 20

// ErrNotMarkdown is returned by CheckMarkdown for input that is not a
// Markdown draft.
var ErrNotMarkdown = errors.New("not a Markdown draft")

// CheckMarkdown says whether src can be a Markdown draft worth linting:
// text (valid UTF-8, no NUL bytes), not a JSON document, with at least one
// heading, as every draft export writes has. Linting anything else would
// find no hints and so report it clean, which it is not.
func CheckMarkdown(src []byte) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrNotMarkdown, fmt.Sprintf(format, args...))
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return bad("the file is empty")
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return bad("line %d holds a NUL byte (a binary file?)", 1+bytes.Count(src[:i], []byte("\n")))
	}
	if !utf8.Valid(src) {
		line := 1
		for rest := src; len(rest) > 0; {
			r, size := utf8.DecodeRune(rest)
			if r == utf8.RuneError && size <= 1 {
				break
			}
			if r == '\n' {
				line++
			}
			rest = rest[size:]
		}
		return bad("line %d is not valid UTF-8 text", line)
	}
	if t := bytes.TrimSpace(src); (t[0] == '{' || t[0] == '[') && json.Valid(t) {
		return bad("it is a JSON document (lint reads the Markdown draft, not the JSON export)")
	}
	for l := range bytes.Lines(src) {
		if isHeading(l) {
			return nil
		}
	}
	return bad("it has no Markdown heading (a draft starts with a line such as \"# Postmortem: ...\")")
}

// isHeading reports an ATX heading: up to three spaces, one to six '#',
// then a space or the end of the line.
func isHeading(l []byte) bool {
	l = bytes.TrimRight(l, "\r\n")
	t := bytes.TrimLeft(l, " ")
	if len(l)-len(t) > 3 {
		return false
	}
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && (n == len(t) || t[n] == ' ' || t[n] == '\t')
}

// LintMarkdown runs the blameless lint over a draft a person has edited:
// every line of prose and tables (the "Review hints" section, code and
// placeholders excepted) for blame-shaped phrases, and each row of the
// "Action items" table for an owner, a due date and a verb. People's names
// are read from the tables' Who, Owner and Executed by columns and the
// Responders list. Hints carry 1-based line numbers.
func LintMarkdown(src []byte) []Hint {
	type line struct {
		n    int
		text string
	}
	var lines []line
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		lines = append(lines, line{n, sc.Text()})
	}

	// First pass: the sections, names, and which lines are prose.
	type row struct {
		n       int
		section string
		cells   []string // nil for prose
		header  []string // the table's header, for rows
		text    string
	}
	var rows []row
	var names []string
	section, fence := "", ""
	var header []string
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, string(fence[0])) == "" {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
			for i := 3; i < len(t) && t[i] == t[0]; i++ {
				fence += t[:1]
			}
			continue
		}
		if h, ok := strings.CutPrefix(t, "## "); ok {
			section, header = strings.ToLower(strings.TrimSpace(h)), nil
			continue
		}
		if section == "review hints" {
			continue
		}
		if strings.HasPrefix(t, "|") {
			cells := splitRow(t)
			switch {
			case header == nil:
				header = cells
				for i := range header {
					header[i] = strings.ToLower(unescape(header[i]))
				}
			case isSeparator(cells):
			default:
				rows = append(rows, row{n: l.n, section: section, cells: cells, header: header})
				for i, h := range header {
					if i < len(cells) && (h == "who" || h == "owner" || h == "executed by") && !isPlaceholder(cells[i]) {
						names = append(names, unescape(cells[i]))
					}
				}
			}
			continue
		}
		header = nil
		if section == "responders and roles" || section == "responders" {
			if m := responderBullet.FindStringSubmatch(t); m != nil {
				names = append(names, unescape(m[1]))
			}
		}
		rows = append(rows, row{n: l.n, section: section, text: t})
	}

	l := newLinter(names)
	hints := []Hint{}
	for _, r := range rows {
		where := "line " + strconv.Itoa(r.n)
		if r.cells == nil {
			hints = append(hints, l.text(prose(r.text), where, r.n)...)
			continue
		}
		col := func(name string) string {
			for i, h := range r.header {
				if h == name && i < len(r.cells) {
					return r.cells[i]
				}
			}
			return ""
		}
		if r.section == "action items" && slices.Contains(r.header, "item") {
			item := col("item")
			if isPlaceholder(item) {
				continue // the template row
			}
			a := ActionItem{Title: prose(item), Owner: prose(col("owner")), Due: prose(col("due"))}
			if isPlaceholder(col("owner")) {
				a.Owner = ""
			}
			if isPlaceholder(col("due")) {
				a.Due = ""
			}
			hints = append(hints, l.actionItem(a, where, r.n)...)
			continue
		}
		hints = append(hints, l.text(prose(strings.Join(r.cells, " | ")), where, r.n)...)
	}
	return hints
}

var responderBullet = regexp.MustCompile(`^- \*\*(.+?)\*\*(?: \(assignee\))?:`)

var (
	codeSpanRE    = regexp.MustCompile("(`+)[^`]*?(`+)")
	placeholderRE = regexp.MustCompile(`_<[^\n]*?>_`)
	autolinkRE    = regexp.MustCompile(`<https?://[^>\s]*>`)
)

// prose is Markdown text as a reader sees it, minus code and placeholders.
func prose(s string) string {
	s = codeSpanRE.ReplaceAllString(s, " ")
	s = placeholderRE.ReplaceAllString(s, " ")
	s = autolinkRE.ReplaceAllString(s, " ")
	return oneLine(unescape(s))
}

// unescape removes Markdown backslash escapes.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(mdPunct+"#!\"%&'()+,-./:;=?@^{}", s[i+1]) >= 0 {
			i++
		}
		b.WriteByte(s[i])
	}
	return strings.TrimSpace(b.String())
}

// splitRow splits a table row on the pipes GFM splits on: any '|' without
// a backslash right before it.
func splitRow(t string) []string {
	t = strings.TrimSpace(t)
	t = strings.TrimPrefix(t, "|")
	if strings.HasSuffix(t, "|") && !strings.HasSuffix(t, `\|`) {
		t = t[:len(t)-1]
	}
	var cells []string
	start := 0
	for i := 0; i < len(t); i++ {
		if t[i] == '|' && (i == 0 || t[i-1] != '\\') {
			cells = append(cells, strings.TrimSpace(t[start:i]))
			start = i + 1
		}
	}
	return append(cells, strings.TrimSpace(t[start:]))
}

func isSeparator(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, ":- ") != "" || !strings.Contains(c, "-") {
			return false
		}
	}
	return len(cells) > 0
}
