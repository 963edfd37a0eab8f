// Package redact masks secrets in text before it is shown, stored or sent:
// the output of runbook commands above all, which may print a token as
// easily as a status.
//
// A Redactor masks three things: the values of environment variables
// whose names end in TOKEN, KEY, SECRET or PASSWORD (or are named in its
// configuration), whatever matches its configured patterns, and the
// secrets it is handed explicitly (the PagerDuty token, always).
//
// Invariants:
//   - A Redactor is immutable after New and safe for concurrent use.
//   - Output passed through a Writer is masked as though it had been
//     written at once, however it is split into writes: a secret cut in
//     two by the pipe is held back until it is whole. The Writer holds at
//     most MaxLine bytes of an unfinished line (a longer line is cut, away
//     from any secret in it), so its memory is bounded.
//   - Values shorter than MinSecret are not masked as literals: "1" or
//     "yes" in a variable named *_KEY would otherwise mask every such
//     character of the output, which hides more than it protects. A value
//     of several lines is masked line by line, as output is; for the same
//     reason a pattern matches within one line.
package redact

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Mask replaces each secret.
const Mask = "[redacted]"

// MinSecret is the shortest literal value masked.
const MinSecret = 4

// MaxLine is the most bytes of one line a Writer holds before it writes
// part of it.
const MaxLine = 64 << 10

// secretSuffixes mark an environment variable's value as secret.
var secretSuffixes = []string{"TOKEN", "KEY", "SECRET", "PASSWORD"}

// Config says what to mask.
type Config struct {
	// Environ is the environment, as os.Environ returns it, whose secret
	// values are masked.
	Environ []string
	// EnvNames are more variable names whose values are secret.
	EnvNames []string
	// Patterns are regular expressions (RE2 syntax); every match is
	// masked.
	Patterns []string
	// Secrets are values masked always (the PagerDuty token).
	Secrets []string
}

// Redactor masks secrets in text.
type Redactor struct {
	literals []string // longest first, so a longer secret is masked whole
	patterns []*regexp.Regexp
	longest  int
}

// SecretName reports whether an environment variable named name holds a
// secret by its name alone.
func SecretName(name string) bool {
	u := strings.ToUpper(name)
	for _, s := range secretSuffixes {
		if strings.HasSuffix(u, s) {
			return true
		}
	}
	return false
}

// New builds a Redactor. A pattern that does not compile, or that matches
// the empty string (it would mask between every two characters), is an
// error naming it.
func New(c Config) (*Redactor, error) {
	r := &Redactor{}
	seen := map[string]bool{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) < MinSecret || seen[v] {
			return
		}
		seen[v] = true
		r.literals = append(r.literals, v)
		r.longest = max(r.longest, len(v))
	}
	// Output is masked a line at a time, so a secret of several lines (a
	// PEM key in a variable) is masked line by line.
	addLines := func(v string) {
		for l := range strings.SplitSeq(strings.ReplaceAll(v, "\r", ""), "\n") {
			add(l)
		}
	}
	for _, kv := range c.Environ {
		name, value, ok := strings.Cut(kv, "=")
		if ok && (SecretName(name) || slices.Contains(c.EnvNames, name)) {
			addLines(value)
		}
	}
	for _, s := range c.Secrets {
		addLines(s)
	}
	slices.SortStableFunc(r.literals, func(a, b string) int { return len(b) - len(a) })
	for _, p := range c.Patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("redact pattern %q: %w", p, err)
		}
		if re.MatchString("") {
			return nil, fmt.Errorf("redact pattern %q matches empty text, which would mask nothing useful", p)
		}
		r.patterns = append(r.patterns, re)
	}
	return r, nil
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, l := range r.literals {
		if strings.Contains(s, l) {
			s = strings.ReplaceAll(s, l, Mask)
		}
	}
	for _, re := range r.patterns {
		s = re.ReplaceAllLiteralString(s, Mask)
	}
	return s
}

// Writer masks what is written to it, a line at a time, and writes the
// result to its destination. Call Flush at the end of the stream: it
// writes the unfinished last line.
type Writer struct {
	r   *Redactor
	dst io.Writer
	buf []byte
}

// NewWriter returns a Writer that masks with r and writes to dst.
func NewWriter(r *Redactor, dst io.Writer) *Writer {
	return &Writer{r: r, dst: dst}
}

// Write masks every complete line of p (with what came before it) and
// writes it on. It always accepts all of p unless dst fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if i := bytes.LastIndexByte(w.buf, '\n'); i >= 0 {
		if err := w.emit(i + 1); err != nil {
			return 0, err
		}
	}
	for len(w.buf) > MaxLine {
		if err := w.emit(w.cutPoint()); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what is held of an unfinished line.
func (w *Writer) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	return w.emit(len(w.buf))
}

func (w *Writer) emit(n int) error {
	out := w.r.String(string(w.buf[:n]))
	w.buf = append(w.buf[:0], w.buf[n:]...)
	if _, err := io.WriteString(w.dst, out); err != nil {
		return fmt.Errorf("write masked output: %w", err)
	}
	return nil
}

// cutPoint is where an overlong line is cut: far enough from its end that
// a secret still being written is held back whole, and never inside a
// secret already there.
func (w *Writer) cutPoint() int {
	s := string(w.buf)
	keep := 0
	if w.r != nil {
		keep = w.r.longest
	}
	cut := len(s) - keep
	if w.r != nil {
		for _, l := range w.r.literals {
			for i := strings.Index(s, l); i >= 0; {
				if i < cut && i+len(l) > cut {
					cut = i
				}
				j := strings.Index(s[i+1:], l)
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
		for _, re := range w.r.patterns {
			for _, m := range re.FindAllStringIndex(s, -1) {
				if m[0] < cut && m[1] > cut {
					cut = m[0]
				}
			}
		}
	}
	if cut <= 0 {
		// One secret fills the whole line: it is masked whole, but the
		// line must move on.
		cut = len(s) - keep
		if cut <= 0 {
			cut = len(s)
		}
	}
	return cut
}
