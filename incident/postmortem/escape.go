package postmortem

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// mdPunct are the ASCII punctuation characters a backslash escapes in
// CommonMark: what unescape removes the backslash before.
const mdPunct = "\\`*_[]<>|~$"

// inline turns untrusted text into one line of inline Markdown that renders
// as the text itself, escaping only what GitHub, GitLab and Confluence
// would otherwise read as markup, so that pasted drafts do not fill with
// backslashes. The text is cleaned with incident.Clean and folded onto one
// line. Then:
//   - backticks and asterisks are always escaped (code spans, emphasis);
//   - an underscore is escaped unless it sits inside a word (snake_case
//     never makes emphasis);
//   - '~' and '$' are escaped when the text has two or more of them
//     (strikethrough, math need a pair);
//   - ']' is escaped before '(' or '[', so no inline, reference or image
//     link can close (definitions cannot be written inline);
//   - '<' is escaped before a letter, '/', '!' or '?' (raw HTML, autolinks);
//   - '&' is escaped where it starts an entity reference (&lt; &#60;);
//   - a backslash is escaped before punctuation and at the end, where it
//     would escape or break the line.
//
// Pipes are left alone: cell is inline for table cells.
func inline(s string) string {
	s = oneLine(s)
	if !strings.ContainsAny(s, "\\`*_~$]<&\n\r") {
		return s // nothing below applies: the common case, and a hot path in long timelines
	}
	pairs := func(c string) bool { return strings.Count(s, c) >= 2 }
	tilde, dollar := pairs("~"), pairs("$")
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		var next, prev byte
		if i+1 < len(s) {
			next = s[i+1]
		}
		if i > 0 {
			prev = s[i-1]
		}
		esc := false
		switch c {
		case '\\':
			esc = next == 0 || isASCIIPunct(next)
		case '`', '*':
			esc = true
		case '_':
			esc = !(isWordByte(prev) && isWordByte(next))
		case '~':
			esc = tilde
		case '$':
			esc = dollar
		case ']':
			esc = next == '(' || next == '['
		case '<':
			esc = next == '/' || next == '!' || next == '?' || isASCIILetter(next)
		case '&':
			esc = entityAt(s[i:])
		case '\n', '\r': // Clean removes them; never rely on it here
			b.WriteByte(' ')
			continue
		}
		if esc {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// cell is inline text for a table cell: as inline, and every '|' escaped,
// so the text never adds a cell. The result has no line break and no pipe
// without a backslash before it.
func cell(s string) string {
	return strings.ReplaceAll(inline(s), "|", `\|`)
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isWordByte: letters, digits, and any byte of a non-ASCII rune (a word
// character to CommonMark's flanking rules, or close enough to keep '_'
// literal between them).
func isWordByte(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' || c >= 0x80 }

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// entity matches the start of an HTML entity or character reference.
var entity = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^&(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});`)
})

func entityAt(s string) bool { return entity().MatchString(s) }

// oneLine is untrusted text cleaned and folded onto one line: what cell
// escapes, and what the JSON carries for one-line fields.
func oneLine(s string) string {
	if plain(s) {
		return s // the common case, and a hot path in long timelines
	}
	return strings.Join(strings.Fields(incident.Clean(s)), " ")
}

// plain reports printable ASCII with single spaces between words, which
// cleaning and folding would leave as it is.
func plain(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return s == ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || (c == ' ' && s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// code renders untrusted text, a command say, as an inline code span that
// shows it verbatim. Inside a code span backslashes are literal, so nothing
// is escaped; instead the fence is one backtick longer than the longest run
// of backticks in the text, and a space pads each side when the text starts
// or ends with a backtick (CommonMark strips one such space). In a table,
// GFM splits cells on '|' before it parses code spans, and unescapes "\|"
// inside them: pipes become "\|". The text is cleaned and folded onto one
// line first.
func code(s string, inTable bool) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if s[0] == '`' || s[len(s)-1] == '`' {
		s = " " + s + " "
	}
	return fence + s + fence
}

// codeBlock renders untrusted multi-line text as a fenced code block,
// indented by indent (to sit inside a list item). The fence is longer than
// any run of backticks in the text, so no line of it can close the block.
func codeBlock(s, indent string) string {
	s = incident.CleanLines(s)
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	var b strings.Builder
	b.WriteString(indent + fence + "\n")
	for line := range strings.Lines(s) {
		b.WriteString(indent + strings.TrimRight(line, "\n") + "\n")
	}
	b.WriteString(indent + fence + "\n")
	return b.String()
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// safeURL returns raw as it may appear in an autolink, or "" when it is not
// a plain http(s) address: other schemes, credentials, spaces, non-ASCII and
// characters that could end the autolink are refused, not repaired.
func safeURL(raw string) string {
	s := incident.Clean(raw)
	if s == "" || len(s) > 2048 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"`\\|", c) >= 0 {
			return ""
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	if !strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http") {
		return ""
	}
	return s
}

// urlInText finds the first http(s) address in a note ("see https://grafana/...").
var urlInText = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`https?://[^\s<>"'` + "`" + `|\\]+`)
})

// firstURL returns the first safe address in s, without the punctuation
// that usually ends the sentence around it.
func firstURL(s string) string {
	m := urlInText().FindString(incident.Clean(s))
	return safeURL(strings.TrimRight(m, ".,;:!?)]}'"))
}

// autolink is a link cell: the address between angle brackets, or nothing.
func autolink(u string) string {
	if u = safeURL(u); u == "" {
		return ""
	}
	return "<" + u + ">"
}

const (
	timeLayout = "2006-01-02 15:04:05"
	noOne      = "—" // the Who cell of an event without an actor
)

// stamp formats t in UTC, or writes a placeholder for an unknown time.
func stamp(t time.Time, placeholder string) string {
	if t.IsZero() {
		if placeholder == "" {
			return "an unknown time"
		}
		return "_<" + placeholder + ">_"
	}
	return t.UTC().Format(timeLayout) + " UTC"
}

// clock is a table's time cell: UTC, without the zone the header names.
func clock(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(timeLayout)
}

// duration formats d for people: "45s", "12m 5s", "1h 02m", "27h 15m".
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh %02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func orPlaceholder(s, placeholder string) string {
	if s == "" {
		return "_<" + placeholder + ">_"
	}
	return s
}
