// Package didyoumean finds the known name a misspelt one was meant to be,
// so that an unknown key in the configuration file or in a runbook's
// front matter is answered with the name that was probably meant.
//
// Invariants:
//   - Closest is a pure function: it does no I/O and keeps no state.
//   - Its cost is bounded whatever it is given: names longer than MaxLen
//     are never compared, so a line of garbage from a file costs nothing.
//   - A suggestion is at most two edits away (Levenshtein, case folded);
//     anything further is no suggestion, since a far guess misleads.
package didyoumean

import "strings"

// MaxLen is the longest name Closest compares; keys are short words.
const MaxLen = 64

// Closest returns the name in known nearest to got, or "" when none is
// within two edits. On a tie the earlier name in known wins.
func Closest(got string, known []string) string {
	if len(got) > MaxLen {
		return ""
	}
	got = strings.ToLower(got)
	best, bestDist := "", 3
	for _, k := range known {
		if len(k) > MaxLen {
			continue
		}
		if d := distance(got, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
