package postmortem

import (
	"regexp"
	"slices"
	"strings"
	"sync"
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
	// Rule is a stable id: blame-phrase (human error, fault), hindsight
	// (should have, failed to notice, if only), minimiser (obviously,
	// simply, just), judgment (careless, too slow), person-subject (a
	// person or role as the subject of a failure), careful-remedy
	// (retrain, remind, be more careful); for action items also no-owner,
	// no-due, vague-due (TBD, ASAP, next sprint), no-object (Fix it),
	// not-a-verb and open-ended.
	Rule       string `json:"rule"`
	Excerpt    string `json:"excerpt,omitempty"` // the text that matched, with some context
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"` // a systems-focused wording
	// Column is the 1-based column (in characters) where the finding
	// starts on Line; 0 in a draft.
	Column int `json:"column,omitempty"`

	match string // the text that matched, to find its column
	at    int    // byte offset of the match in the linted text
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

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
	// unless drops a match it matches in full (a use of the word that
	// describes a thing, not a person's choice); nil for none.
	unless *regexp.Regexp
}

// phraseRules are built, and their expressions compiled, on first use.
var phraseRules = sync.OnceValue(func() []phraseRule {
	return []phraseRule{
		{"blame-phrase", []string{"error", "pebkac", "fat-finger", "fat finger"}, regexp.MustCompile(`(?i)\b(?:human|operator|user|engineer|developer|admin|pilot|manual|personnel) errors?\b|\bpebkac\b|\bfat[- ]finger(?:ed|ing)?\b`),
			"\"human error\" names a person, not a cause; it ends the inquiry where it should start.",
			"name the condition that made the mistake easy and the right action hard, e.g. \"the deploy tool accepted an unvalidated config\".", nil},
		{"blame-phrase", []string{"fault", "mistake", "screw", "blunder", "blam"}, regexp.MustCompile(`(?i)\b(?:[\p{L}][\p{L}.-]*'s|(?:his|her|their|my|your|our)) (?:fault|mistake|screw-?up|blunder)\b|\b(?:fault|mistake) (?:of|by)\b|\b(?:to blame|blamed?|blaming)\b`),
			"fault and blame point at a person.",
			"describe the contributing factors in the system: what allowed the change through, and what would have caught it.", nil},
		{"hindsight", []string{" have", "failed to", "fail to", "notice", "catch", "realiz", "realis", "spot", "if only", "hindsight", "retrospect"},
			regexp.MustCompile(`(?i)\b(?:should(?:n't| not)?|ought to|could(?:n't| not)?|would(?:n't| not)?) have\b|\bfail(?:ed|s)? to (?:notice|check|follow|catch|see|spot|read|escalate|respond|acknowledge|ack|test|verify|review|update|communicate|act|realise|realize|consider|look|page|roll back|rollback|warn|tell|inform|validate)\b|\b(?:didn't|did not|never) (?:notice|catch|realise|realize|spot|think to|bother)\b|\bif only\b|\b(?:in|with) hindsight\b|\bin retrospect\b`),
			"this is hindsight: it judges a choice with facts the person did not have then, and says what did not happen instead of why.",
			"say what the system did not provide at the time, e.g. \"the runbook did not cover a full disk\" or \"no alert fired on replication lag\".", nil},
		{"minimiser", []string{"obvious", "clear", "simpl", "of course", "trivial", "everyone knows", "just", "easy", "common sense"},
			regexp.MustCompile(`(?i)\b(?:obviously|of course|trivially|everyone knows|common sense)\b|\bclearly\b(?: \p{L}+)?|(?:^|[.;:!?]\s*)simply\b|\b(?:should|could|would|can|just|only) simply\b|\bsimply (?:ha(?:d|ve|s)|need(?:ed|s)?) to\b|\ball (?:\p{L}+ )?(?:had|has|needed) to do was\b|\b(?:should|could|would|only|need(?:ed|s)? to|ha(?:d|ve|s) to) just\b|\bjust (?:ha(?:d|ve|s)|need(?:ed|s)?) to\b|\bit(?:'s| is| was) obvious\b`),
			"words like \"obviously\", \"simply\" and \"just\" say the right move was easy to see, which is hindsight: it was not obvious to the people in the incident.",
			"drop the word and say what the signal or tool showed at the time, e.g. \"the error rate rose 2 minutes after the deploy; nothing linked the two on the dashboard\".",
			// Said of a message or a page, "clearly" describes the thing.
			regexp.MustCompile(`(?i)^clearly (?:showed|shows|named|names|stated|states|marked|labell?ed|visible|documented|separated|defined|written)$`)},
		{"judgment", []string{"careless", "negligen", "sloppy", "sloppiness", "lazy", "laziness", "incompeten", "stupid", "dumb",
			"reckless", "inattentive", " up", "dropped the ball", "attention", "bother", "slow", "careful", "unprofessional", "clueless", "better"},
			regexp.MustCompile(`(?i)\b(?:careless(?:ly|ness)?|negligen(?:t|tly|ce)|sloppy|sloppiness|lazy|laziness|incompeten(?:t|ce)|stupid|dumb|reckless(?:ly)?|inattentive|unprofessional|clueless|(?:screwed|messed|fucked) up|dropped the ball|not paying attention|didn't bother|did not bother|should (?:have known|know) better|(?:wasn't|was not|weren't|were not|isn't|is not|not) (?:being )?careful)\b|\b(?:was|were|is|are) (?:too |very |really )?slow to (?:ack|acknowledge|respond|react|notice|escalate|act|answer|join)\b|\btoo slow\b`),
			"this judges a person's care, speed or skill, which discourages candid accounts and hides what made the work hard.",
			"describe the missing safeguard or the load on the person instead, e.g. \"the page reached the phone 6 minutes late\" or \"the script ran against production without a confirmation step\".", nil},
		{"careful-remedy", []string{"retrain", "re-train", "remind", "careful", "attention", "vigilan", "training", "tell ", "talk to", "lesson"},
			regexp.MustCompile(`(?i)\b(?:re-?train(?:ed|ing)?|remind(?:ed|ing)?|be (?:more |extra )?(?:careful|vigilant|diligent|attentive)|more (?:careful|vigilant|diligent|attentive)|pay (?:more |closer |extra )?attention|(?:talk|speak) to \p{Lu}\p{L}+|tell \p{Lu}\p{L}+ to|training for \p{Lu}\p{L}+|teach \p{Lu}\p{L}+ a lesson)\b`),
			"asking people to be more careful (retraining, reminders, attention) is not a fix: the same conditions will produce the same slip, by someone else.",
			"change the system so the slip is harder to make or caught sooner, e.g. \"add a confirmation step to the production deploy\" or \"validate the config in CI\".", nil},
	}
})

// systemNouns name things that fail, as opposed to people.
var systemNouns = sync.OnceValue(func() map[string]bool {
	return toSet(`check checks alert alerts monitor monitoring probe test tests script job system service tool pipeline
validator deploy deployment canary linter build scanner rule dashboard runbook automation cron healthcheck`)
})

// systemSubject reports text ending in a system noun with at most one word
// after it ("the health check", "the canary job"): the subject of the
// phrase that follows.
func systemSubject(before string) bool {
	words := strings.Fields(strings.ToLower(before))
	for i := len(words) - 1; i >= 0 && i >= len(words)-2; i-- {
		if systemNouns()[strings.Trim(words[i], ".,;:'\"()")] {
			return true
		}
	}
	return false
}

// failureVerbs are verbs that, with a person as subject, tell a story of
// fault ("Ravi broke the deploy", "the intern pushed a bad config").
const failureVerbs = `broke|breaks|broken|failed|fails|forgot|forgets|forgotten|missed|misses|caused|causes|misconfigured|ignored|ignores|` +
	`overlooked|neglected|botched|mistyped|screwed|messed|fumbled|bungled|skipped|` + personOnlyVerbs

// personOnlyVerbs are failures only a person commits: they make any
// capitalised subject read as a person ("Bob did not follow the runbook").
const personOnlyVerbs = `forgot|neglected|` +
	`(?:did not|didn't|never) (?:follow|check|read|test|escalate|look at|verify|update|ack|acknowledge|answer|respond)|` +
	`never (?:followed|checked|tested|escalated|looked at|verified|updated|acknowledged|answered|responded)|` +
	`(?:was|were) (?:too )?slow|took too long|` +
	`(?:pushed|deployed|shipped|merged|applied|ran) (?:a |an |the )?(?:bad|broken|wrong|faulty|untested|buggy)|` +
	`made (?:a|the|an) (?:mistake|error|bad call)`

var (
	// roleSubject: a pronoun or a role as the subject of a failure.
	roleSubject = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(?:he|she|someone|somebody|ops|devops|qa|(?:the|our|an?) (?:engineers?|operators?|developers?|devs?|on-?call(?:er)?|responders?|interns?|new hires?|new guy|juniors?|admins?|sres?|dbas?|contractors?|ops(?: team)?|dev team|qa team|team))` + adverb + `\s+(?:` + failureVerbs + `)\b`)
	})
	// namedSubject: a capitalised word doing what only a person does.
	namedSubject = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b\p{Lu}\p{Ll}+` + adverb + `\s+(?i:` + personOnlyVerbs + `)\b`)
	})
)

// adverb is an optional word between a subject and its verb ("Ravi
// accidentally broke", "she had forgotten").
const adverb = `(?:\s+(?:\p{L}+ly|never|also|just|then|again|had|has|have))?`

const personSubjectMessage = "a person is the subject of a failure; the sentence tells who, not why, and invites blame."
const personSubjectSuggestion = "make the system the subject, e.g. \"the migration dropped the index\" rather than \"<name> dropped the index\", and ask what made it possible."

// linter checks text against the phrase rules and the names of the people
// in the incident. The names are plain strings matched by nameSubjects,
// not an expression built per incident: every expression the lint uses is
// compiled once, on first use, so a review that builds thousands of drafts
// pays nothing per draft, and a command that lints nothing pays nothing.
type linter struct {
	names []string // longest first, so "Ravi Kumar" wins over "Ravi"; nil when there are none
}

// afterName is what follows a known name in a person-as-subject hint: an
// optional adverb and a failure verb, anchored where the name ends.
var afterName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i:` + adverb + `\s+(?:` + failureVerbs + `))\b`)
})

func newLinter(names []string) linter {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		n = oneLine(n) // names from an edited file are raw text
		if utf8.RuneCountInString(n) < 3 || seen[strings.ToLower(n)] || !hasLetter(n) {
			return
		}
		seen[strings.ToLower(n)] = true
		out = append(out, n)
	}
	for _, n := range names {
		add(n)
		if first, _, ok := strings.Cut(n, " "); ok {
			add(first) // "Ravi" for "Ravi Kumar"
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return linter{names: out}
}

// nameSubjects finds, left to right and without overlap, a known name
// (any case, not inside a word) followed by afterName. A match starts at
// the character before the name, or at the name when it opens s.
func (l linter) nameSubjects(s string) [][]int {
	var out [][]int
	try := func(from, at int) []int {
		for _, n := range l.names {
			k, ok := foldPrefix(s[at:], n)
			if !ok {
				continue
			}
			if m := afterName().FindStringIndex(s[at+k:]); m != nil {
				return []int{from, at + k + m[1]}
			}
		}
		return nil
	}
	for p := 0; p < len(s); {
		if p == 0 {
			if loc := try(0, 0); loc != nil {
				out, p = append(out, loc), loc[1]
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[p:])
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			if loc := try(p, p+size); loc != nil {
				out, p = append(out, loc), loc[1]
				continue
			}
		}
		p += size
	}
	return out
}

// foldPrefix reports whether s begins with name under simple case folding,
// as (?i) matches, and how many bytes of s that prefix takes.
func foldPrefix(s, name string) (int, bool) {
	i := 0
	for _, nr := range name {
		if i >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != nr && !foldEqual(r, nr) {
			return 0, false
		}
		i += size
	}
	return i, true
}

func foldEqual(a, b rune) bool {
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// failureCues are lowercase stems of failureVerbs, for the same cheap test.
var failureCues = []string{"brok", "fail", "forg", "miss", "caus", "misconf", "ignor", "overlook", "neglect", "botch",
	"mistyp", "screw", "mess", "fumbl", "bungl", "skip", "did not", "didn't", "never", "slow", "too long",
	"pushed", "deployed", "shipped", "merged", "applied", "ran ", "made "}

func cued(lower string, cues []string) bool {
	return slices.ContainsFunc(cues, func(c string) bool { return strings.Contains(lower, c) })
}

// text returns the hints for one piece of human text.
func (l linter) text(s, where string, line int) []Hint {
	var out []Hint
	lower := strings.ToLower(s)
	folded := fold(s) // for the prefilters, which spare most text the expressions
	for _, r := range phraseRules() {
		if !prefilterOf(r.re).pass(folded) || !cued(lower, r.cues) {
			continue
		}
		for _, loc := range r.re.FindAllStringIndex(s, -1) {
			if r.unless != nil && r.unless.MatchString(s[loc[0]:loc[1]]) {
				continue
			}
			if r.rule == "hindsight" && strings.HasPrefix(strings.ToLower(s[loc[0]:loc[1]]), "fail") && systemSubject(s[:loc[0]]) {
				continue // "the health check failed to notice": a system's gap, not a judgment
			}
			out = append(out, Hint{Line: line, Where: where, Rule: r.rule, Excerpt: excerpt(s, loc), Message: r.message, Suggestion: r.suggestion,
				match: strings.TrimLeft(s[loc[0]:loc[1]], " ")})
		}
	}
	var seen [][2]int
	personCued := cued(lower, failureCues) // once, not per expression
	for i, re := range []*regexp.Regexp{nil, roleSubject(), namedSubject()} {
		if !personCued {
			break
		}
		var locs [][]int
		switch {
		case i == 0 && prefilterOf(afterName()).pass(folded): // a name is followed by afterName
			locs = l.nameSubjects(s)
		case i > 0 && prefilterOf(re).pass(folded):
			locs = re.FindAllStringIndex(s, -1)
		}
		for _, loc := range locs {
			if slices.ContainsFunc(seen, func(r [2]int) bool { return r[0] < loc[1] && loc[0] < r[1] }) {
				continue // a known name is also a capitalised word: one hint
			}
			seen = append(seen, [2]int{loc[0], loc[1]})
			out = append(out, Hint{Line: line, Where: where, Rule: "person-subject", Excerpt: excerpt(s, loc),
				Message: personSubjectMessage, Suggestion: personSubjectSuggestion, match: strings.TrimLeftFunc(s[loc[0]:loc[1]], notLetter), at: loc[0]})
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
var openEnded = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"investigate": true, "explore": true, "consider": true, "research": true, "discuss": true,
		"evaluate": true, "assess": true, "analyze": true, "analyse": true, "understand": true,
		"study": true, "revisit": true, "brainstorm": true, "monitor": true, "ponder": true,
	}
})

// openEndedPhrases are two-word openings of the same sort.
var openEndedPhrases = []string{"look into", "think about", "figure out", "dig into", "follow up", "find out", "check on", "keep an eye"}

// verbs that commonly open an action item. A first word outside this list
// still passes when the next word is one a verb typically takes ("Tweak
// the timeout").
var actionVerbs = sync.OnceValue(func() map[string]bool {
	return toSet(`accept add adjust alert align allow apply archive assign audit automate backfill block build bump cache
cap change clarify clean cleanup close codify configure connect consolidate convert copy create cut dashboard deduplicate
define delete deploy deprecate design detect disable document downgrade drain drop enable enforce ensure escalate expand
expose extend extract fail fix flag gate generate graph harden hire host implement import improve increase index inform
install instrument integrate introduce isolate label limit link load lock log lower make mark measure merge migrate
mirror move notify page patch pin plan poll post prevent prioritize prioritise protect provision publish pull purge push
put queue raise rate-limit reduce refactor register reject release remind remove rename reorder repair replace report require
reserve reset resize restart restore restrict retire retrain retry return review revoke rewrite roll rollback rotate route run
scale schedule script secure send separate set shard share ship shorten show simplify spin split standardize standardise
start stop store streamline switch sync tag teach test throttle tighten time-box timebox track train trigger tune turn
unblock unify update upgrade use validate verify version warn wire write`)
})

var verbObjects = sync.OnceValue(func() map[string]bool {
	return toSet(`the a an all our each every its their this that these those to it them any more fewer`)
})

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
	if !isPlaceholder(a.Due) && !concreteDate().MatchString(strings.TrimSpace(a.Due)) {
		out = append(out, Hint{Line: line, Where: where, Rule: "vague-due", Excerpt: a.Due,
			Message:    "the due date is not a date (\"" + oneLine(a.Due) + "\"), so nobody can tell when the item is late.",
			Suggestion: "write a calendar date, e.g. 2026-04-01; if the date is not known yet, set the date by which it will be decided."})
	}
	words := strings.Fields(strings.ToLower(strings.TrimLeft(a.Title, "-*• ")))
	if len(words) == 0 {
		return out
	}
	if vagueObject(words) {
		out = append(out, Hint{Line: line, Where: where, Rule: "no-object", Excerpt: a.Title,
			Message:    "the action item does not say what it changes, so nobody can verify it is done.",
			Suggestion: "name the thing and the change, e.g. \"Fix it\" becomes \"Add a schema check for the payments config to CI\"."})
		return out
	}
	first := strings.Trim(words[0], ".,:;!?\"'()")
	two := first
	if len(words) > 1 {
		two += " " + strings.Trim(words[1], ".,:;!?\"'()")
	}
	switch {
	case openEnded()[first] || slices.ContainsFunc(openEndedPhrases, func(p string) bool { return strings.HasPrefix(two, p) }):
		out = append(out, Hint{Line: line, Where: where, Rule: "open-ended", Excerpt: a.Title,
			Message:    "the action item is open-ended: nothing says when it is done.",
			Suggestion: "state the change it should lead to (\"Add an alert on queue depth above 10,000\"), or time-box it with a decision as its outcome (\"Decide by 2026-04-01 whether to shard the orders table\")."})
	case actionVerbs()[first], len(words) > 1 && verbObjects()[strings.Trim(words[1], ".,:;!?\"'()")] && !nonVerbStart(first):
	default:
		out = append(out, Hint{Line: line, Where: where, Rule: "not-a-verb", Excerpt: a.Title,
			Message:    "the action item does not start with a verb, so it reads as a topic, not a task.",
			Suggestion: "start with what will be done: \"Add…\", \"Alert on…\", \"Remove…\"."})
	}
	return out
}

// concreteDate is a due date someone can check a calendar against:
// 2026-04-01, 2026/4/1, 1 April 2026, April 1, 2026, Apr 1.
var concreteDate = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^(?:\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? ?(?:\d{4})?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? ?(?:\d{4})?)$`)
})

// vagueObjects are objects that name nothing: "Fix it", "Improve things".
var vagueObjects = sync.OnceValue(func() map[string]bool {
	return toSet(`it this that things stuff everything them issue issues problem problems bug bugs`)
})

// vagueObject reports an action item of a verb alone or a verb with an
// object that names nothing.
func vagueObject(words []string) bool {
	trim := func(w string) string { return strings.Trim(w, ".,:;!?\"'()") }
	switch len(words) {
	case 1:
		return true
	case 2:
		return vagueObjects()[trim(words[1])]
	case 3:
		return verbObjects()[trim(words[1])] && vagueObjects()[trim(words[2])]
	}
	return false
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
