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
	"sync"
	"unicode/utf8"
)

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
		raw     string // the line as written, to find columns in
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
		}
		if section == "review hints" {
			continue
		}
		if isHeading([]byte(l.text)) {
			// A heading is prose too ("## Why Bob broke prod").
			header = nil
			rows = append(rows, row{n: l.n, section: section, text: strings.TrimLeft(t, "#"), raw: l.text})
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
				rows = append(rows, row{n: l.n, section: section, cells: cells, header: header, raw: l.text})
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
			if m := responderBullet().FindStringSubmatch(t); m != nil {
				names = append(names, unescape(m[1]))
			}
		}
		rows = append(rows, row{n: l.n, section: section, text: t, raw: l.text})
	}

	l := newLinter(names)
	hints := []Hint{}
	for _, r := range rows {
		where := "line " + strconv.Itoa(r.n)
		if r.cells == nil {
			hints = append(hints, columns(l.text(prose(r.text), where, r.n), r.raw)...)
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
			hints = append(hints, columns(l.actionItem(a, where, r.n), r.raw)...)
			continue
		}
		hints = append(hints, columns(l.text(prose(strings.Join(r.cells, " | ")), where, r.n), r.raw)...)
	}
	return hints
}

// columns sets each hint's Column: where its match (else its excerpt,
// else the line's text) starts in the raw line, in characters. The lint
// reads the line without markup, so the match is found again in the line
// as written; escapes inside a match make it fall back to the first word.
func columns(hs []Hint, raw string) []Hint {
	find := func(want string) int {
		if lower := strings.ToLower(raw); len(lower) == len(raw) {
			return strings.Index(lower, strings.ToLower(want))
		}
		return strings.Index(raw, want) // lowering moved the offsets
	}
	for i := range hs {
		at := -1
		for _, want := range []string{hs[i].match, hs[i].Excerpt, firstWord(hs[i].match)} {
			if want = strings.TrimSpace(want); want != "" {
				if at = find(want); at >= 0 {
					break
				}
			}
		}
		if at < 0 {
			at = len(raw) - len(strings.TrimLeft(raw, " \t"))
		}
		hs[i].Column = 1 + utf8.RuneCountInString(raw[:at])
	}
	return hs
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

var responderBullet = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^- \*\*(.+?)\*\*(?: \(assignee\))?:`)
})

var (
	codeSpanRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile("(`+)[^`]*?(`+)")
	})
	placeholderRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`_<[^\n]*?>_`)
	})
	autolinkRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`<https?://[^>\s]*>`)
	})
)

// prose is Markdown text as a reader sees it, minus code and placeholders.
func prose(s string) string {
	s = codeSpanRE().ReplaceAllString(s, " ")
	s = placeholderRE().ReplaceAllString(s, " ")
	s = autolinkRE().ReplaceAllString(s, " ")
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
