// Package golden compares what a test produced with a file kept under the
// test package's testdata directory, and rewrites that file when the
// tests run with -update:
//
//	go test ./tui -run TestView -update
//
// A mismatch fails the test with a line diff (- for the golden file,
// + for what the test produced, with line numbers), so a changed screen
// reads as what changed, not as two walls of text.
//
// The package registers the -update flag: a test package that uses it
// declares no flag of that name itself.
//
// Invariants:
//   - Without -update a golden file is only read: a test can fail, never
//     change what it is compared with. With -update Assert writes and
//     passes, so the change is reviewed in version control.
//   - Comparison is byte for byte; the diff only explains a mismatch, and
//     shows differences that would be invisible (trailing spaces, a
//     missing final newline).
//   - The diff's cost is bounded (maxDiffCells, maxDiffLines), so a
//     screen that changed entirely still fails quickly and readably.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata with what the tests produce")

// Updating reports whether the tests run with -update.
func Updating() bool { return *update }

// Assert compares got with testdata/name. With -update it writes got there
// first (creating directories as needed), so the test passes and the
// change shows in version control.
func Assert(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (run with -update to accept what the test produced):\n%s", path, Diff(string(want), string(got)))
	}
}

// AssertString is Assert for text.
func AssertString(t testing.TB, name, got string) {
	t.Helper()
	Assert(t, name, []byte(got))
}

// maxDiffCells bounds the table the diff is computed on (lines of one
// side times lines of the other); past it, Diff shows the first lines
// that differ instead of a minimal diff.
const maxDiffCells = 4 << 20

// maxDiffLines is how many changed lines Diff shows before it says how
// many more there are.
const maxDiffLines = 60

// Diff is a line diff of want and got: unchanged lines are left out,
// lines only in want start "-", lines only in got start "+", each with
// its line number on its side. Invisible differences are made visible:
// trailing spaces are marked "·" and a missing final newline is said.
func Diff(want, got string) string {
	if want == got {
		return ""
	}
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	emit := func(sign byte, n int, line string) {
		if len(out) == maxDiffLines {
			out = append(out, "…")
		}
		if len(out) > maxDiffLines {
			return
		}
		out = append(out, fmt.Sprintf("%c%4d | %s", sign, n+1, visible(line)))
	}
	if len(a)*len(b) > maxDiffCells {
		for i := 0; i < max(len(a), len(b)); i++ {
			switch {
			case i >= len(a):
				emit('+', i, b[i])
			case i >= len(b):
				emit('-', i, a[i])
			case a[i] != b[i]:
				emit('-', i, a[i])
				emit('+', i, b[i])
			}
		}
	} else {
		// lcs[i][j] is the longest common run of a[i:] and b[j:].
		lcs := make([][]int32, len(a)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(b)+1)
		}
		for i := len(a) - 1; i >= 0; i-- {
			for j := len(b) - 1; j >= 0; j-- {
				if a[i] == b[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(a) || j < len(b) {
			switch {
			case i < len(a) && j < len(b) && a[i] == b[j]:
				i, j = i+1, j+1
			case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
				emit('+', j, b[j])
				j++
			default:
				emit('-', i, a[i])
				i++
			}
		}
	}
	if strings.HasSuffix(want, "\n") != strings.HasSuffix(got, "\n") {
		out = append(out, "(one side ends without a newline)")
	}
	if len(out) == 0 {
		out = append(out, "(they differ only in line endings)")
	}
	return strings.Join(out, "\n")
}

// visible marks trailing spaces and tabs, which a diff would otherwise
// hide.
func visible(line string) string {
	trimmed := strings.TrimRight(line, " \t")
	return trimmed + strings.Repeat("·", len(line)-len(trimmed))
}
