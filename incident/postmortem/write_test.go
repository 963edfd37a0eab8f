package postmortem

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestWriteDraftNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "postmortems", "nested")
	in := fullInput(t)

	p1, err := WriteDraft(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "2026-03-05-4242-orders-api-5xx-after-deploy-4-12.md"); p1 != want {
		t.Errorf("path %q, want %q", p1, want)
	}
	fi, err := os.Stat(p1)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(p1); string(got) != renderMD(t, in) {
		t.Error("the file is not the draft")
	}

	// The same draft again: nothing new is written.
	if p, err := WriteDraft(dir, in); err != nil || p != p1 {
		t.Errorf("rewriting the same draft: %q, %v; want %q", p, err, p1)
	}

	// A person edits it; a newer draft goes beside it.
	edited := []byte("# Postmortem\n\nEdited by a person.\n")
	if err := os.WriteFile(p1, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	in.Now = in.Now.Add(time.Minute)
	p2, err := WriteDraft(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSuffix(p1, ".md") + "-2.md"; p2 != want {
		t.Errorf("second draft at %q, want %q", p2, want)
	}
	if got, _ := os.ReadFile(p1); string(got) != string(edited) {
		t.Error("the edited draft changed")
	}
	in.Now = in.Now.Add(time.Minute)
	p3, err := WriteDraft(dir, in)
	if err != nil || p3 != strings.TrimSuffix(p1, ".md")+"-3.md" {
		t.Errorf("third draft: %q, %v", p3, err)
	}
	if got, _ := os.ReadFile(p1); string(got) != string(edited) {
		t.Error("the edited draft changed")
	}

	// JSON goes beside, with its own extension; no temporary files remain.
	pj, err := Write(dir, in, FormatJSON)
	if err != nil || !strings.HasSuffix(pj, "-4-12.json") {
		t.Errorf("JSON draft: %q, %v", pj, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q", names)
	}
	if _, err := Write(dir, in, "pdf"); err == nil {
		t.Error("unknown format accepted")
	}
}

// A name taken by something that is not a file is skipped, not replaced.
func TestWriteDraftSkipsDirectoriesAndLinks(t *testing.T) {
	dir := t.TempDir()
	in := fullInput(t)
	base := filepath.Join(dir, FileName(in))
	if err := os.Mkdir(base+".md", 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, []byte("keep"), 0o644)
	if err := os.Symlink(target, base+"-2.md"); err != nil {
		t.Skip("no symlinks:", err)
	}
	p, err := WriteDraft(dir, in)
	if err != nil || p != base+"-3.md" {
		t.Errorf("draft at %q, %v; want %q", p, err, base+"-3.md")
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Error("wrote through a symlink")
	}
}

func TestWriteDraftUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := WriteDraft(filepath.Join(file, "sub"), fullInput(t)); err == nil {
		t.Error("want an error for a directory under a file")
	}
}

func TestFileName(t *testing.T) {
	in := fullInput(t)
	for _, c := range []struct {
		mod  func(*Input)
		want string
	}{
		{func(*Input) {}, "2026-03-05-4242-orders-api-5xx-after-deploy-4-12"},
		{func(i *Input) { i.Incident.Number = 0 }, "2026-03-05-q2orders-orders-api-5xx-after-deploy-4-12"},
		{func(i *Input) { i.Incident.Title = "../../etc/passwd" }, "2026-03-05-4242-etc-passwd"},
		{func(i *Input) { i.Incident.Title = "Ünïcödé ☃ only" }, "2026-03-05-4242-n-c-d-only"},
		{func(i *Input) { i.Incident.Title = "☃☃" }, "2026-03-05-4242-incident"},
		{func(i *Input) { i.Incident.CreatedAt = i.Incident.CreatedAt.Add(8 * time.Hour) }, "2026-03-06-4242-orders-api-5xx-after-deploy-4-12"},
	} {
		in2 := in
		c.mod(&in2)
		if got := FileName(in2); got != c.want {
			t.Errorf("FileName = %q, want %q", got, c.want)
		}
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"", "..", "../x", "a/b\\c", "CON", strings.Repeat("ab-", 100), "x\x00y", "é", " - - "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := Slug(title)
		if s == "" || len(s) > maxSlug || !utf8.ValidString(s) {
			t.Fatalf("Slug(%q) = %q: empty, too long or invalid", title, s)
		}
		if strings.ContainsAny(s, `/\.`) || strings.Contains(s, "..") || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Fatalf("Slug(%q) = %q is not a safe name part", title, s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("Slug(%q) = %q has %q", title, s, r)
			}
		}
		if filepath.Base(s) != s || filepath.Clean(s) != s {
			t.Fatalf("Slug(%q) = %q is a path", title, s)
		}
	})
}
