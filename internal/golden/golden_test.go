package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffShowsOnlyWhatChanged(t *testing.T) {
	want := "title\nalpha\nbeta\ngamma\n"
	got := "title\nalpha\nBETA\ngamma\ndelta\n"
	d := Diff(want, got)
	for _, line := range []string{"-   3 | beta", "+   3 | BETA", "+   5 | delta"} {
		if !strings.Contains(d, line) {
			t.Errorf("diff lacks %q:\n%s", line, d)
		}
	}
	if strings.Contains(d, "alpha") || strings.Contains(d, "title") {
		t.Errorf("diff shows unchanged lines:\n%s", d)
	}
	if Diff(want, want) != "" {
		t.Error("equal texts have a diff")
	}
}

func TestDiffMakesInvisibleDifferencesVisible(t *testing.T) {
	if d := Diff("a\n", "a  \n"); !strings.Contains(d, "a··") {
		t.Errorf("trailing spaces not marked:\n%s", d)
	}
	if d := Diff("a\n", "a"); !strings.Contains(d, "without a newline") {
		t.Errorf("missing final newline not said:\n%s", d)
	}
}

func TestDiffIsBounded(t *testing.T) {
	var a, b strings.Builder
	for i := range 5000 {
		a.WriteString("same\n")
		b.WriteString("other " + strings.Repeat("x", i%7) + "\n")
	}
	d := Diff(a.String(), b.String())
	if n := strings.Count(d, "\n"); n > maxDiffLines+2 {
		t.Errorf("diff of two long texts has %d lines, want at most %d", n, maxDiffLines+2)
	}
	if !strings.HasSuffix(d, "…") {
		t.Errorf("a cut diff does not say so: ends %q", d[max(0, len(d)-20):])
	}
}

// TestAssertPassesFailsAndUpdates runs Assert against a real file in a
// temporary testdata directory: equal passes, different fails with the
// diff, and -update rewrites the file.
func TestAssertPassesFailsAndUpdates(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "view.golden"), []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	AssertString(rec, "view.golden", "one\ntwo\n")
	if rec.failed {
		t.Fatalf("equal output failed: %s", rec.msg)
	}
	AssertString(rec, "view.golden", "one\nthree\n")
	if !rec.failed || !strings.Contains(rec.msg, "+   2 | three") || !strings.Contains(rec.msg, "-update") {
		t.Fatalf("different output: failed %v, message %q", rec.failed, rec.msg)
	}

	*update = true
	defer func() { *update = false }()
	rec = &recorder{TB: t}
	AssertString(rec, "sub/new.golden", "fresh\n")
	if got, err := os.ReadFile(filepath.Join("testdata", "sub", "new.golden")); err != nil || string(got) != "fresh\n" || rec.failed {
		t.Fatalf("-update wrote %q, %v (failed %v)", got, err, rec.failed)
	}
}

// recorder is a testing.TB that notes a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Errorf("%v", args...) }
