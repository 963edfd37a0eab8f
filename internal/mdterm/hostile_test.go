package mdterm

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// hostile builds documents of about n bytes that a quadratic parser or
// wrapper would spend minutes on: long runs of delimiters, brackets and
// backticks that never close, link tails that never end, deep quotes and
// lists, and single words far wider than any line.
var hostile = []struct {
	name string
	gen  func(n int) string
}{
	{"stars around a word", func(n int) string { return strings.Repeat("*", n/2) + "x" + strings.Repeat("*", n/2) }},
	{"openers never closed", func(n int) string { return strings.Repeat("*a _b **c __d ", n/14) }},
	{"brackets nested around a link", func(n int) string { return strings.Repeat("[", n/5) + "x" + strings.Repeat("](u)", n/5) }},
	{"brackets never closed", func(n int) string { return strings.Repeat("[a ", n/3) }},
	{"link tails never ended", func(n int) string { return strings.Repeat("[a](", n/4) }},
	{"link tails with parentheses never ended", func(n int) string { return strings.Repeat("[a](()", n/6) }},
	{"angle destinations never ended", func(n int) string { return strings.Repeat("[a](<", n/5) }},
	{"titles never closed", func(n int) string { return "x " + strings.Repeat(`[a](b "`, n/7) }},
	{"backtick runs of many lengths", func(n int) string {
		var b strings.Builder
		for i := 1; b.Len() < n; i++ {
			b.WriteString(strings.Repeat("`", i%300+1) + " a ")
		}
		return b.String()
	}},
	{"inline comments never closed", func(n int) string { return "x " + strings.Repeat("<!-- ", n/5) }},
	{"quotes deeper than drawn", func(n int) string { return strings.Repeat(">", n) + " x" }},
	{"lists deeper than drawn", func(n int) string {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			b.WriteString(strings.Repeat("  ", i%200) + "- x\n")
		}
		return b.String()
	}},
	{"one word wider than every line", func(n int) string { return strings.Repeat("!", n) }},
	{"one word of many pieces", func(n int) string { return strings.Repeat("a`b`", n/4) }},
	{"references", func(n int) string { return strings.Repeat("&#", n/2) }},
}

// Every hostile document of 256 KB (64 KB with -short) renders, within
// its width and with nothing unsafe, and in far less than the generous
// limit here: the limit catches a hang (a quadratic step costs many
// minutes at this size), it is no measure of speed, which
// BenchmarkHostile shows.
func TestHostileInputs(t *testing.T) {
	size := 256 << 10
	if testing.Short() {
		size = 64 << 10
	}
	for _, h := range hostile {
		md := h.gen(size)
		done := make(chan string, 1)
		go func() { done <- Render(md, 80, true) }()
		select {
		case out := <-done:
			checkOutput(t, h.name, 80, out)
		case <-time.After(2 * time.Minute):
			t.Fatalf("%s: no rendering of %d KB within two minutes", h.name, size>>10)
		}
	}
}

// BenchmarkHostile renders each hostile document at two sizes; a time
// per op that grows four times with the size is linear.
func BenchmarkHostile(b *testing.B) {
	for _, h := range hostile {
		for _, n := range []int{16 << 10, 64 << 10} {
			md := h.gen(n)
			b.Run(fmt.Sprintf("%s/%dKB", h.name, n>>10), func(b *testing.B) {
				for b.Loop() {
					Render(md, 80, true)
				}
			})
		}
	}
}
