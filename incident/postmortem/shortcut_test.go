package postmortem

import (
	"testing"

	"github.com/oncallkit/oncall/incident"
)

// FuzzCleanLinesShortcut: cleanLines, which skips the copy when cleaning
// would change nothing, returns what incident.CleanLines returns.
func FuzzCleanLinesShortcut(f *testing.F) {
	for _, s := range []string{"", "a", " a", "a ", "\na", "a\n", "a\nb", "a\tb", "a\rb", "a\x1b[31mb", "é", "a\x7fb", "\u2028", "a  b\n\nc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cleanLines(s), incident.CleanLines(s); got != want {
			t.Errorf("cleanLines(%q) = %q, incident.CleanLines gives %q", s, got, want)
		}
	})
}
