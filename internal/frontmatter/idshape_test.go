package frontmatter

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzIDShape: IDShape accepts exactly what the regular expression it
// stands for accepts.
func FuzzIDShape(f *testing.F) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	for _, s := range []string{
		"", "a", "Z", "0", ".", "_", "-", "a.b_c-d", "db-disk-full", ".hidden", "-x", "_x", "a b", "a/b",
		strings.Repeat("a", 64), strings.Repeat("a", 65), "a\n", "\na", "é", "aé", "K", "a\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := (IDShape{}).MatchString(s), re.MatchString(s); got != want {
			t.Errorf("IDShape.MatchString(%q) = %v, the regexp says %v", s, got, want)
		}
	})
}
