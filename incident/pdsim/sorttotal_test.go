package pdsim

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortTotal: in order, in reverse order, nearly in order or shuffled,
// sortTotal leaves a slice as slices.SortFunc does.
func TestSortTotal(t *testing.T) {
	asc := func(a, b int) int { return cmp.Compare(a, b) }
	desc := func(a, b int) int { return cmp.Compare(b, a) }
	r := rand.New(rand.NewPCG(1, 2))
	inputs := map[string][]int{"empty": {}, "one": {7}}
	var up []int
	for i := range 500 {
		up = append(up, i*3)
	}
	inputs["ascending"] = up
	down := slices.Clone(up)
	slices.Reverse(down)
	inputs["descending"] = down
	nearly := slices.Clone(up)
	nearly[10], nearly[11] = nearly[11], nearly[10]
	inputs["nearly"] = nearly
	shuffled := slices.Clone(up)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	inputs["shuffled"] = shuffled
	for name, in := range inputs {
		for order, c := range map[string]func(a, b int) int{"asc": asc, "desc": desc} {
			got, want := slices.Clone(in), slices.Clone(in)
			sortTotal(got, c)
			slices.SortFunc(want, c)
			if !slices.Equal(got, want) {
				t.Errorf("%s, %s: got %v, want %v", name, order, got, want)
			}
		}
	}
}
