package runbook_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

var today = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func lines(ds []runbook.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

func TestLintMessages(t *testing.T) {
	diags, loaded, err := runbook.Lint("testdata/lint", today)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("testdata", "lint") + string(filepath.Separator)
	want := []string{
		p + `bad-values.md:2: id "bad values" must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
		p + "bad-values.md:7: match.title: invalid regex: missing closing ): `(5xx`",
		p + "bad-values.md:8: match.summary: invalid regex: missing closing ]: `[a-`",
		p + `bad-values.md:9: match.urgency "medium" must be high or low`,
		p + `bad-values.md:10: match.min_priority "urgent" is not a priority like P2`,
		p + `bad-values.md:12: link "wiki": "runbooks/checkout.md" is not an http(s) URL`,
		p + `bad-values.md:13: last_reviewed "last week" is not a date (YYYY-MM-DD)`,
		p + `bad-values.md:14: review_every_days must be a whole number of days above 0, not "-3"`,
		p + `bad-yaml.md:3: front matter: did not find expected ',' or ']'`,
		p + "crlf.md:8: match.title: invalid regex: missing closing ): `(?i)token(`",
		p + `dup-b.md:3: duplicate id "checkout-5xx" (also in ` + p + `dup-a.md:2); this file is skipped`,
		p + `missing-title.md:3: missing title`,
		p + `no-front-matter.md:1: no front matter: a runbook starts with a "---" line, then YAML keys (id, title, ...), then another "---" line`,
		p + `stale.md:6: warning: review overdue since 2026-04-10 (last reviewed 2026-01-10, review every 90 days)`,
		p + `stale.md:11: warning: code block is not closed; it runs to the end of the file`,
		p + filepath.Join("sub", "nested.md") + `:4: duplicate key "title" (first at line 3)`,
		p + `unknown-keys.md:5: unknown key "servics" (did you mean "services"?)`,
		p + `unknown-keys.md:7: unknown key "match.titel" (did you mean "match.title"?)`,
		p + `unknown-keys.md:8: unknown key "match.severity" (known keys: title, summary, component, class, source, urgency, min_priority)`,
	}
	if got := lines(diags); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lint output:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if loaded != 2 { // dup-a.md and stale.md
		t.Errorf("%d runbooks loaded, want 2", loaded)
	}
}

func TestLintWarnings(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("bare.md", "---\nid: bare\ntitle: Bare\n---\nJust prose.\n")
	write("default-review.md", "---\nid: d\ntitle: D\nowners: [a]\nservices: [s]\nlast_reviewed: 2026-05-01\n---\n- [ ] x\n")
	write("future.md", "---\nid: f\ntitle: F\nowners: [a]\nservices: [s]\nlast_reviewed: 2027-01-01\n---\n- [ ] x\n")
	write("due-today.md", "---\nid: t\ntitle: T\nowners: [a]\nservices: [s]\nlast_reviewed: 2026-11-12\nreview_every_days: 10\n---\n- [ ] x\n")
	diags, _, err := runbook.Lint(dir, today)
	if err != nil {
		t.Fatal(err)
	}
	p := dir + string(filepath.Separator)
	want := []string{
		p + "bare.md:2: warning: no services and no match criteria: this runbook never matches an incident",
		p + "bare.md:2: warning: no owners: say which team keeps this runbook current",
		p + "bare.md:2: warning: no last_reviewed date: say when the runbook was last checked against reality",
		p + "bare.md:5: warning: no steps: add checklist items (- [ ] ...) or commands in code blocks",
		p + "default-review.md:6: warning: review overdue since 2026-10-28 (last reviewed 2026-05-01, review every 180 days)",
		p + "future.md:6: warning: last_reviewed 2027-01-01 is in the future",
	}
	if got := lines(diags); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lint output:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLintOneFileAndMissingDir(t *testing.T) {
	diags, loaded, err := runbook.Lint(filepath.Join("testdata", "lint", "stale.md"), today)
	if err != nil || loaded != 1 || len(diags) != 2 || runbook.HasErrors(diags) {
		t.Errorf("one file: %d loaded, %v, %v", loaded, lines(diags), err)
	}
	if _, _, err := runbook.Lint(filepath.Join(t.TempDir(), "nope"), today); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v, want fs.ErrNotExist", err)
	}
}

func TestLoadSkipsBrokenFiles(t *testing.T) {
	set, diags, err := runbook.Load("testdata/lint")
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 2 {
		t.Errorf("%d runbooks, want 2", set.Len())
	}
	if rb, ok := set.Get("checkout-5xx"); !ok || rb.Title != "First" {
		t.Errorf("duplicate ids: the first file must win, got %+v", rb)
	}
	if !runbook.HasErrors(diags) {
		t.Error("no errors reported for the broken files")
	}
	for _, d := range diags {
		if strings.Contains(d.File, "README") || strings.Contains(d.File, ".hidden") {
			t.Errorf("%s should have been skipped", d.File)
		}
	}
}

func TestLoadUnreadableAndHugeFiles(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.md")
	if err := os.WriteFile(huge, make([]byte, runbook.MaxSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "missing-target"), filepath.Join(dir, "dangling.md")); err != nil {
		t.Skip("no symlinks:", err)
	}
	set, diags, err := runbook.Load(dir)
	if err != nil || set.Len() != 0 {
		t.Fatalf("Load: %v, %d runbooks", err, set.Len())
	}
	want := []string{
		filepath.Join(dir, "dangling.md") + ": cannot read: no such file or directory",
		huge + ":1: file is over 1048576 bytes (1 MiB), the most a runbook may be",
	}
	if got := lines(diags); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The runbooks shipped for the demo must stay usable: no errors, and the
// only warnings allowed are overdue reviews (one is stale on purpose).
func TestShippedRunbooksLintClean(t *testing.T) {
	diags, loaded, err := runbook.Lint(filepath.Join("..", "runbooks"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diags {
		if d.Severity == runbook.Error || !strings.Contains(d.Message, "review overdue") {
			t.Errorf("%s", d)
		}
	}
	set, diags, err := runbook.LoadFS(runbooks.FS)
	if err != nil || runbook.HasErrors(diags) || set.Len() != loaded || loaded < 7 {
		t.Errorf("embedded runbooks: %d loaded (directory: %d), %v, %v", set.Len(), loaded, lines(diags), err)
	}
	for _, rb := range set.Runbooks() {
		var sections []string
		for _, s := range rb.Sections {
			sections = append(sections, s.Title)
		}
		for _, want := range []string{"Meaning", "Diagnosis", "Mitigation", "Verify", "Rollback", "Escalate"} {
			if !strings.Contains(strings.Join(sections, "|"), want) {
				t.Errorf("%s: no %s section (has %q)", rb.File, want, sections)
			}
		}
		if len(rb.Owners) == 0 || len(rb.Links) == 0 || rb.Impact == "" || rb.LastReviewed.IsZero() {
			t.Errorf("%s: owners, links, impact and last_reviewed are expected of a shipped runbook", rb.File)
		}
	}
}
