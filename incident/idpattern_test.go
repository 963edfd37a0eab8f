package incident

import (
	"regexp"
	"strings"
	"testing"
)

// The regular expressions the trailer's hand-written matchers stand for.
var (
	localIDRegexp = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)
	kindRegexp    = regexp.MustCompile(`^[a-z_]{1,32}$`)
)

// FuzzIDPattern: the trailer's local id, kind and key matchers accept
// exactly what the regular expressions they replace accept.
func FuzzIDPattern(f *testing.F) {
	for _, s := range []string{
		"", "a", "_", "-", "A", "0", "01HZX3-abc_DEF", "status_update", "Kind", "kind-x", "k1",
		strings.Repeat("a", 32), strings.Repeat("a", 33), strings.Repeat("Z", 64), strings.Repeat("9", 65),
		"ab\n", "\nab", "a b", "é", "aé", "a\x00", "\xff", "ǅ", "K", // Kelvin sign: not ASCII K
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := localIDPattern.MatchString(s), localIDRegexp.MatchString(s); got != want {
			t.Errorf("localIDPattern.MatchString(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := kindPattern.MatchString(s), kindRegexp.MatchString(s); got != want {
			t.Errorf("kindPattern.MatchString(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := keyPattern.MatchString(s), kindRegexp.MatchString(s); got != want {
			t.Errorf("keyPattern.MatchString(%q) = %v, the regexp says %v", s, got, want)
		}
	})
}
