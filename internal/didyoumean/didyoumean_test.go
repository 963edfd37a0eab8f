package didyoumean

import (
	"strings"
	"testing"
)

func TestClosest(t *testing.T) {
	known := []string{"refresh_interval", "theme", "token_file", "token_env"}
	for _, tc := range []struct{ got, want string }{
		{"them", "theme"},                         // one deletion
		{"Theme", "theme"},                        // case is folded
		{"refresh_intervall", "refresh_interval"}, // one insertion
		{"tokne_env", "token_env"},                // a swap is two edits
		{"token_envxyz", ""},                      // three edits: no guess
		{"colour", ""},                            // nothing near
		{"", ""},                                  // nothing given
		{strings.Repeat("a", MaxLen+1), ""},       // too long to compare
	} {
		if got := Closest(tc.got, known); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.got, got, tc.want)
		}
	}
}

func TestClosestTieGoesToTheEarlierName(t *testing.T) {
	if got := Closest("ab", []string{"xb", "ax"}); got != "xb" {
		t.Errorf("Closest = %q, want the earlier of two names one edit away", got)
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3},
		{"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0},
	} {
		if got := distance(tc.a, tc.b); got != tc.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
