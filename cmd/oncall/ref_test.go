package main

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzParseIncidentRef: whatever is typed, the parser either refuses it
// with a usage error whose text shows no control character (what was
// typed is quoted with escapes), or returns an id of upper-case letters
// and digits or a positive number, never both.
func FuzzParseIncidentRef(f *testing.F) {
	for _, s := range []string{"PT4KHLK", "Q2LAR4ADCXC8IB", "1045", "#1045", "", "#", "pt4khlk", "P\x1b[2J", "P\u202eK", "#-1", "99999999999", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := parseIncidentRef(s)
		if err != nil {
			if exitCode(err) != exitUsage {
				t.Fatalf("%q: exit %d", s, exitCode(err))
			}
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return unicode.IsControl(r) || r == '\u202e' || r == unicode.ReplacementChar }) {
				t.Fatalf("%q: the error shows raw text: %q", s, err.Error())
			}
			return
		}
		switch {
		case ref.id != "" && ref.number != 0, ref.id == "" && ref.number < 1:
			t.Fatalf("%q: %+v", s, ref)
		case ref.id != "" && !validID(ref.id):
			t.Fatalf("%q: accepted id %q", s, ref.id)
		}
	})
}
