package runbook

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/oncallkit/oncall/internal/frontmatter"
)

// Parse parses one runbook file. name is used in diagnostics and as the
// Runbook's File. The Runbook is nil when the diagnostics contain an Error;
// warnings may come with a usable Runbook.
func Parse(name string, data []byte) (*Runbook, []Diagnostic) {
	p := &parser{file: name}
	if len(data) > MaxSize {
		p.errorf(1, "file is %d bytes; a runbook may be at most %d bytes (%d MiB)", len(data), MaxSize, MaxSize>>20)
		return nil, p.diags
	}
	text := normalize(data)
	p.checkText(text)

	rb := &Runbook{File: name, lines: make(map[string]int)}
	fm, fmLine, body, bodyLine, ok := frontmatter.Split(text)
	switch {
	case !ok && fmLine > 0:
		p.errorf(1, "front matter has no closing \"---\" line")
		return nil, p.diags
	case !ok:
		p.errorf(1, "no front matter: a runbook starts with a \"---\" line, then YAML keys (id, title, ...), then another \"---\" line")
		body, bodyLine = text, 1
	default:
		p.frontMatter(rb, fm, fmLine)
	}
	rb.Body, rb.BodyLine = body, bodyLine
	p.body(rb, body, bodyLine)
	if HasErrors(p.diags) {
		return nil, p.diags
	}
	return rb, p.diags
}

type parser struct {
	file  string
	diags []Diagnostic
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{File: p.file, Line: line, Severity: Error, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(line int, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{File: p.file, Line: line, Severity: Warning, Message: fmt.Sprintf(format, args...)})
}

// normalize is frontmatter.Normalize, named here for the fuzz test's line
// count.
func normalize(data []byte) string { return frontmatter.Normalize(data) }

// checkText reports the first line with bytes that do not belong in a
// runbook: invalid UTF-8, control characters, bidirectional overrides. A
// command copied from a runbook ends up in a shell, so these are errors.
func (p *parser) checkText(text string) {
	first, count := frontmatter.CheckText(text)
	switch {
	case count == 1:
		p.errorf(first.Line, "%s; a runbook must be plain text", first)
	case count > 1:
		p.errorf(first.Line, "%s; a runbook must be plain text (%d more lines have such characters)", first, count-1)
	}
}

// The parser's expressions, compiled when the first runbook is parsed
// rather than at package init, which every command would pay for.
var (
	headingRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$`)
	})
	// Something that starts a new block and so ends a checklist item's
	// lazy continuation.
	blockStartRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[ \t]*(?:[-*+][ \t]|[0-9]{1,9}[.)][ \t]|>|#{1,6}(?:[ \t]|$)|(?:-[ \t]*){3,}$|(?:\*[ \t]*){3,}$|(?:_[ \t]*){3,}$|[-*+]$)`)
	})
)

// fence is an open fenced code block.
type fence struct {
	char   byte
	length int
	indent int
	line   int
	lang   string
	info   string // the whole info string
	lines  []string
}

// openFence recognises an opening fence line: up to any indentation (a
// block nested in a list item is indented), three or more backticks or
// tildes, an optional info string.
func openFence(l string) (fence, bool) {
	indent := len(l) - len(strings.TrimLeft(l, " "))
	s := l[indent:]
	if len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return fence{}, false
	}
	c := s[0]
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	if n < 3 {
		return fence{}, false
	}
	info := strings.TrimSpace(s[n:])
	if c == '`' && strings.IndexByte(info, '`') >= 0 {
		return fence{}, false // inline code such as ```x```
	}
	lang, _, _ := strings.Cut(info, " ")
	if strings.HasPrefix(lang, modePrefix) {
		lang = "" // "```oncall:read": a mode and no language
	}
	return fence{char: c, length: n, indent: indent, lang: lang, info: info}, true
}

func (f *fence) closes(l string) bool {
	s := strings.TrimLeft(l, " ")
	n := 0
	for n < len(s) && s[n] == f.char {
		n++
	}
	return n >= f.length && strings.TrimSpace(s[n:]) == ""
}

// body splits the Markdown into sections and collects its steps.
// Headings and checklist items inside code blocks are code, not structure.
func (p *parser) body(rb *Runbook, body string, firstLine int) {
	lines := strings.Split(body, "\n")
	var (
		open     *fence
		section  = Section{Line: firstLine}
		secStart = 0
		pending  = -1 // index in rb.Steps of a checklist item that may continue
		// lastCheck is the index in rb.Steps of the last checklist item
		// since the last heading: the step a command block belongs to.
		lastCheck = -1
		of        = make(map[int]int) // command index -> its item's index
	)
	addStep := func(s Step) {
		if s.Kind == Command && lastCheck >= 0 {
			of[len(rb.Steps)] = lastCheck
		}
		rb.Steps = append(rb.Steps, s)
	}
	endSection := func(i int) {
		section.Markdown = strings.TrimRight(strings.Join(lines[secStart:i], "\n"), "\n ")
		if section.Title != "" || strings.TrimSpace(section.Markdown) != "" {
			rb.Sections = append(rb.Sections, section)
		}
	}
	for i, l := range lines {
		n := firstLine + i
		if open != nil {
			if open.closes(l) {
				addStep(p.commandStep(open, section.Title))
				open = nil
				continue
			}
			open.lines = append(open.lines, dedent(l, open.indent))
			continue
		}
		if f, ok := openFence(l); ok {
			f.line = n
			open, pending = &f, -1
			continue
		}
		lead := firstNonSpace(l)
		if lead == 0 {
			pending = -1 // a blank line ends an item
			continue
		}
		if m := matchIf(lead == '#', headingRE(), l); m != nil {
			pending, lastCheck = -1, -1
			if len(m[1]) <= 2 {
				endSection(i)
				section, secStart = Section{Title: headingText(m[2]), Line: n}, i
			}
			continue
		}
		if text, checked, ok := checkItem(l); ok {
			pending = -1
			if text == "" {
				continue
			}
			addStep(Step{Kind: Check, Text: text, Checked: checked, Section: section.Title, Line: n})
			pending, lastCheck = len(rb.Steps)-1, len(rb.Steps)-1
			continue
		}
		if pending >= 0 {
			if blockStartRE().MatchString(l) {
				pending = -1
				continue
			}
			rb.Steps[pending].Text += " " + strings.TrimSpace(l)
		}
	}
	if open != nil {
		p.warnf(open.line, "code block is not closed; it runs to the end of the file")
		addStep(p.commandStep(open, section.Title))
	}
	endSection(len(lines))
	// Keys are made last: an item's key depends on its full text.
	seen := make(map[string]int)
	for i := range rb.Steps {
		rb.Steps[i].Key = stepKey(rb.ID, rb.Steps[i], seen)
	}
	for c, item := range of {
		rb.Steps[c].Of = rb.Steps[item].Key
	}
	p.uniqueNames(rb.Steps)
}

// headingText drops an ATX heading's optional closing #s ("## Verify ##"),
// which need a space before them ("## C#" is about C#).
func headingText(t string) string {
	if k := strings.TrimRight(t, "#"); k != t && (k == "" || strings.HasSuffix(k, " ") || strings.HasSuffix(k, "\t")) {
		t = k
	}
	return strings.TrimSpace(t)
}

// checkItem recognises a task list item: a bullet (-, *, +) or an ordered
// marker (1. or 1)), white space, then [ ], [x] or [X], then the end of the
// line or white space and the item's text. It is written out rather than a
// regexp because it runs on every line.
func checkItem(l string) (text string, checked, ok bool) {
	s := strings.TrimLeft(l, " \t")
	switch {
	case s == "":
		return "", false, false
	case s[0] == '-' || s[0] == '*' || s[0] == '+':
		s = s[1:]
	default:
		n := 0
		for n < len(s) && n < 10 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n > 9 || n >= len(s) || (s[n] != '.' && s[n] != ')') {
			return "", false, false
		}
		s = s[n+1:]
	}
	rest := strings.TrimLeft(s, " \t")
	if len(rest) == len(s) || len(rest) < 3 || rest[0] != '[' || rest[2] != ']' {
		return "", false, false
	}
	switch rest[1] {
	case ' ':
	case 'x', 'X':
		checked = true
	default:
		return "", false, false
	}
	rest = rest[3:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false, false // "[ ]x" is text, not a task
	}
	return strings.TrimSpace(rest), checked, true
}

// firstNonSpace returns the first byte of l that is not a space or tab, or
// 0 for a blank line.
func firstNonSpace(l string) byte {
	for i := 0; i < len(l); i++ {
		if l[i] != ' ' && l[i] != '\t' {
			return l[i]
		}
	}
	return 0
}

// matchIf runs re only when a cheap test says it may match: most lines of
// a runbook are prose, and regexps are the bulk of parsing time.
func matchIf(maybe bool, re *regexp.Regexp, l string) []string {
	if !maybe {
		return nil
	}
	return re.FindStringSubmatch(l)
}

func (p *parser) commandStep(f *fence, section string) Step {
	lines := f.lines
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	s := Step{Kind: Command, Text: strings.Join(lines, "\n"), Lang: f.lang, Section: section, Line: f.line, Mode: ModeWrite}
	p.commandInfo(&s, f.info)
	return s
}

// dedent removes up to n leading spaces.
func dedent(l string, n int) string {
	i := 0
	for i < n && i < len(l) && l[i] == ' ' {
		i++
	}
	return l[i:]
}

// stepKey derives a step's key from its runbook id and its text, so that
// it does not move when other steps are added or removed. seen counts
// repeats of the same text.
func stepKey(id string, s Step, seen map[string]int) string {
	h := keyHash(s.Kind, s.Text)
	seen[h]++
	key := id + "/" + h
	if n := seen[h]; n > 1 {
		key += "-" + strconv.Itoa(n)
	}
	return key
}

// keyHash hashes a step's text after normalising what an editor or a
// formatter may change without changing the step: runs of white space in
// an item, trailing white space in a command.
func keyHash(k StepKind, text string) string {
	var h uint64
	if k == Check {
		h = fnv(fnvOffset, "c:")
		sep := ""
		for f := range strings.FieldsSeq(text) {
			h = fnv(fnv(h, sep), f)
			sep = " "
		}
	} else {
		h = fnv(fnvOffset, "x:")
		sep := ""
		for l := range strings.SplitSeq(text, "\n") {
			h = fnv(fnv(h, sep), strings.TrimRight(l, " \t"))
			sep = "\n"
		}
	}
	return fmt.Sprintf("%012x", h&(1<<48-1))
}

// FNV-1a, 64 bits: stable forever, which is what a journaled key needs.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}
