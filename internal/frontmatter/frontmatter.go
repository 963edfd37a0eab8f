// Package frontmatter reads the YAML front matter that opens a runbook or
// a pre-mortem: the lines between a first "---" line and the next "---" or
// "..." line, followed by a Markdown body.
//
// It holds only what both formats share: normalizing the text, finding the
// lines that do not belong in plain text, splitting the front matter from
// the body, parsing it into YAML nodes, and reading keys, texts and lists
// of texts from them. Which keys exist and what they mean stays with each
// format.
//
// Invariants:
//   - Line numbers are the file's, 1-based, counted after Normalize, so
//     they match what an editor shows. A problem in the front matter is
//     never reported past its last line, even where the YAML library
//     points beyond it (Decoder clamps).
//   - Nothing panics or stops early on bad input: a problem is reported
//     through Decoder.Errorf at its line and the reader returns the zero
//     value, so every problem of a file is reported in one pass.
//   - Anchors and aliases are never followed here: an alias stays a node
//     of kind Alias, which the readers refuse as text, so a small file
//     cannot grow into a large one.
package frontmatter

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/internal/didyoumean"
)

// Normalize turns CRLF and lone CR into LF and drops a leading byte order
// mark, so that line numbers match what an editor shows.
func Normalize(data []byte) string {
	s := strings.TrimPrefix(string(data), "\uFEFF")
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// Kind is what is wrong with a character.
type Kind int

const (
	InvalidUTF8 Kind = iota + 1
	Control          // a control character other than tab and newline
	Bidi             // a bidirectional override or mark
)

// Problem is the first character of a line that does not belong in plain
// text. Text copied from these files ends up in a shell or before a
// responder's eyes, where such characters hide or reorder what is shown.
type Problem struct {
	Line int
	Kind Kind
	Rune rune // utf8.RuneError for InvalidUTF8
}

// CheckText finds the lines of normalized text that hold invalid UTF-8,
// control characters other than tab, or bidirectional controls. It returns
// the first such line's first problem and how many lines have one; lines
// is 0 when the text is clean.
func CheckText(text string) (first Problem, lines int) {
	line, lineBad := 1, false
	for i := 0; i < len(text); {
		if c := text[i]; c >= 0x20 && c < 0x7f {
			i++ // printable ASCII: the common case
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		var kind Kind
		switch {
		case r == '\n':
			line++
			lineBad = false
		case r == utf8.RuneError && size == 1:
			kind = InvalidUTF8
		case r == '\t':
		case unicode.IsControl(r):
			kind = Control
		case isBidi(r):
			kind = Bidi
		}
		if kind != 0 && !lineBad {
			lineBad = true
			lines++
			if first.Line == 0 {
				first = Problem{Line: line, Kind: kind, Rune: r}
			}
		}
	}
	return first, lines
}

func isBidi(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// Split separates the YAML between a first line "---" and the next "---"
// (or "...") line from the body. fmLine is the file line of the first YAML
// line; it is set when an opening line exists even if ok is false because
// the closing line is missing.
func Split(text string) (fm string, fmLine int, body string, bodyLine int, ok bool) {
	first, rest, found := strings.Cut(text, "\n")
	if strings.TrimRight(first, " \t") != "---" {
		return "", 0, "", 0, false
	}
	if !found {
		return "", 2, "", 0, false
	}
	line := 2
	for off := 0; off <= len(rest); {
		end := strings.IndexByte(rest[off:], '\n')
		next := len(rest) + 1
		if end >= 0 {
			end += off
			next = end + 1
		} else {
			end = len(rest)
		}
		l := strings.TrimRight(rest[off:end], " \t")
		if l == "---" || l == "..." {
			b := ""
			if next <= len(rest) {
				b = rest[next:]
			}
			return rest[:off], 2, b, line + 1, true
		}
		off = next
		line++
	}
	return "", 2, "", 0, false
}

// Decoder reads front-matter nodes, reporting each problem at its file
// line through Errorf and carrying on.
type Decoder struct {
	// Errorf reports an error at a file line.
	Errorf func(line int, format string, args ...any)
	// Describe names a node in messages; nil means Describe.
	Describe func(*yaml.Node) string
	// Suggest adds the closest known key to an unknown key's message.
	Suggest bool

	first int // file line of the front matter's first line
	last  int // file line of its last line
}

// NewDecoder returns a Decoder for front matter fm whose first line is
// file line firstLine.
func NewDecoder(fm string, firstLine int, errorf func(line int, format string, args ...any)) *Decoder {
	return &Decoder{Errorf: errorf, first: firstLine, last: max(firstLine+strings.Count(fm, "\n")-1, 1)}
}

// Line converts a node's line within the front matter to a file line.
func (d *Decoder) Line(n *yaml.Node) int {
	return d.clamp(d.first + n.Line - 1)
}

func (d *Decoder) clamp(l int) int {
	return max(1, min(l, d.last))
}

func (d *Decoder) describe(n *yaml.Node) string {
	if d.Describe != nil {
		return d.Describe(n)
	}
	return Describe(n)
}

// yamlLineRE reads the line of a YAML error; compiled on first use, not at
// package init.
var yamlLineRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
})

// parserProblem reports the messages of the YAML library's parser (as
// opposed to its scanner) errors, whose line numbers it reports 0-based.
// A switch, not a map literal, which Go would build at package init.
func parserProblem(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"did not find expected '-' indicator",
		"did not find expected <document start>",
		"did not find expected <stream-start>",
		"did not find expected key",
		"did not find expected node content",
		"found duplicate %TAG directive",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found undefined tag handle":
		return true
	}
	return false
}

// Root parses fm, the text Split returned with NewDecoder's, and returns
// its top mapping; empty front matter is an empty mapping. It reports a
// YAML syntax error at its line, or a top level that is not a mapping,
// and then returns false.
func (d *Decoder) Root(fm string) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
		msg, line := err.Error(), 0
		if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			if parserProblem(m[2]) {
				n++ // the library reports parser errors with 0-based lines
			}
			line, msg = d.first+n-1, m[2]
		} else {
			// No line: the library omits line 0 (0-based) from parser errors.
			line = d.first
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.Errorf(d.clamp(line), "front matter: %s", msg)
		return nil, false
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Line: 1}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		d.Errorf(d.Line(root), "front matter must be keys and values (id: ..., title: ...), not %s", d.describe(root))
		return nil, false
	}
	return root, true
}

// Keys walks a mapping, reporting duplicate, unknown and non-text keys,
// and calls fn for each known key. prefix names the mapping in messages.
func (d *Decoder) Keys(m *yaml.Node, known []string, prefix string, fn func(key string, k, v *yaml.Node)) {
	seen := make(map[string]int)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.Errorf(d.Line(k), "%skeys must be plain names, not %s", prefix, d.describe(k))
			continue
		}
		name := k.Value
		if at, dup := seen[name]; dup {
			d.Errorf(d.Line(k), "duplicate key %q (first at line %d)", prefix+name, at)
			continue
		}
		seen[name] = d.Line(k)
		if !slices.Contains(known, name) {
			d.unknown(d.Line(k), prefix, name, known)
			continue
		}
		fn(name, k, v)
	}
}

func (d *Decoder) unknown(line int, prefix, name string, known []string) {
	if d.Suggest {
		if s := didyoumean.Closest(name, known); s != "" {
			d.Errorf(line, "unknown key %q (did you mean %q?)", prefix+name, prefix+s)
			return
		}
	}
	d.Errorf(line, "unknown key %q (known keys: %s)", prefix+name, strings.Join(known, ", "))
}

// Describe names a node's kind for messages: a map, a list, an alias, or
// a scalar's value quoted.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias (anchors and aliases are not supported)"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	default:
		return "nothing"
	}
}

// IsNull reports whether n is YAML's null (~, null, or nothing).
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Str reads a scalar as text, trimmed; null is the empty string. name
// names the value in messages.
func (d *Decoder) Str(name string, v *yaml.Node) string {
	if IsNull(v) {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		d.Errorf(d.Line(v), "%s must be text, not %s", name, d.describe(v))
		return ""
	}
	return strings.TrimSpace(v.Value)
}

// Strs reads a list of texts; a single text is a list of one, null is
// none, and each entry must be non-empty text.
func (d *Decoder) Strs(name string, v *yaml.Node) []string {
	switch {
	case IsNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		if s := strings.TrimSpace(v.Value); s != "" {
			return []string{s}
		}
		return nil
	case v.Kind != yaml.SequenceNode:
		d.Errorf(d.Line(v), "%s must be a list, not %s", name, d.describe(v))
		return nil
	}
	var out []string
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode || IsNull(e) || strings.TrimSpace(e.Value) == "" {
			d.Errorf(d.Line(e), "%s: each entry must be non-empty text, not %s", name, d.describe(e))
			continue
		}
		out = append(out, strings.TrimSpace(e.Value))
	}
	return out
}

// String names the problem for a message, as "invalid UTF-8", "control
// character U+0007" or "bidirectional control character U+202E".
func (p Problem) String() string {
	switch p.Kind {
	case InvalidUTF8:
		return "invalid UTF-8"
	case Bidi:
		return fmt.Sprintf("bidirectional control character %U", p.Rune)
	default:
		return fmt.Sprintf("control character %U", p.Rune)
	}
}

// IDShape matches the ids runbooks and pre-mortems give themselves, their
// failures and their steps: 1 to 64 ASCII letters, digits, dots,
// underscores and dashes, the first a letter or a digit, which is
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$. It is matched by hand, so a format
// declares its id check as a zero value with nothing to compile at init.
type IDShape struct{}

// MatchString reports whether s has the shape of an id.
func (IDShape) MatchString(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}
