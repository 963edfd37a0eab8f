package mdterm

import (
	"io/fs"
	"testing"

	"github.com/oncallkit/oncall/runbooks"
)

// FuzzRender: no input panics, hangs, overflows its width or lets a
// control reach the terminal. Seeds are the shipped runbooks and the
// hostile fragments of the property test. Run it for a while when the
// renderer changes:
//
//	go test ./internal/mdterm -run '^$' -fuzz FuzzRender -fuzztime 60s -fuzzminimizetime 1s
//
// (the seeds are whole runbooks: minimizing each new input for the
// default minute leaves no time to fuzz).
func FuzzRender(f *testing.F) {
	names, _ := fs.Glob(runbooks.FS, "*.md")
	for _, n := range names {
		data, _ := runbooks.FS.ReadFile(n)
		f.Add(string(data), uint8(80))
	}
	for i, s := range fragments {
		f.Add(s, uint8(i%40+1))
	}
	f.Add("| a | b |\n|---|---|\n| 漢字 | 👩‍👩‍👧‍👦 |", uint8(7))
	f.Add("- [ ] x\n  - [x] y\n    1. z\n       ```\n       code\n       ```", uint8(9))
	f.Add("> - a\n>   > b\n> ```\n> c\n> ```", uint8(3))
	f.Fuzz(func(t *testing.T, md string, w uint8) {
		width := int(w)
		out := Render(md, width, w%2 == 0)
		if width == 0 {
			if out != "" {
				t.Fatalf("width 0 drew %q", out)
			}
			return
		}
		checkOutput(t, md, width, out)
	})
}
