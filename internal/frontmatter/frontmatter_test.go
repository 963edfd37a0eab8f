package frontmatter

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		text, fm, body   string
		fmLine, bodyLine int
		ok               bool
	}{
		{text: "---\nid: a\n---\nbody\n", fm: "id: a\n", fmLine: 2, body: "body\n", bodyLine: 4, ok: true},
		{text: "--- \t\nid: a\n...\n", fm: "id: a\n", fmLine: 2, bodyLine: 4, ok: true},
		{text: "---\n---", fmLine: 2, bodyLine: 3, ok: true},
		{text: "---\nid: a\n", fmLine: 2},
		{text: "---", fmLine: 2},
		{text: "# title\n---\n"},
		{text: ""},
	} {
		fm, fmLine, body, bodyLine, ok := Split(tc.text)
		if fm != tc.fm || fmLine != tc.fmLine || body != tc.body || bodyLine != tc.bodyLine || ok != tc.ok {
			t.Errorf("Split(%q) = %q, %d, %q, %d, %v; want %q, %d, %q, %d, %v", tc.text,
				fm, fmLine, body, bodyLine, ok, tc.fm, tc.fmLine, tc.body, tc.bodyLine, tc.ok)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		text  string
		want  string // first problem, "" when clean
		lines int
	}{
		{"plain\ttext\nline two\n", "", 0},
		{"ok\nbell\a and \aagain\nok\nnul\x00\n", "2: control character U+0007", 2},
		{"a\nb \u202e c\n", "2: bidirectional control character U+202E", 1},
		{"a\n\xff\x01\n", "2: invalid UTF-8", 1},
		{"\x01\xff\n", "1: control character U+0001", 1},
	} {
		first, lines := CheckText(tc.text)
		got := ""
		if lines > 0 {
			got = fmt.Sprintf("%d: %s", first.Line, first)
		}
		if got != tc.want || lines != tc.lines {
			t.Errorf("CheckText(%q) = %q, %d lines; want %q, %d", tc.text, got, lines, tc.want, tc.lines)
		}
	}
}

// TestRootErrorLines: the YAML library numbers parser errors from 0 and
// scanner errors from 1; both must come out at the file line of the fault.
func TestRootErrorLines(t *testing.T) {
	for _, tc := range []struct {
		fm   string
		want string
	}{
		{"id: a\ntitle: @x\nb: 1\nc: 2\n", "3: front matter: found character that cannot start any token"},
		{"id: a\n\ttitle: x\nb: 1\nc: 2\n", "3: front matter: found a tab character that violates indentation"},
		{"id: a\ntitle: [a\nb: 1\nc: 2\n", "3: front matter: did not find expected ',' or ']'"},
		{"- a\n- b\n", "2: front matter must be keys and values (id: ..., title: ...), not a list"},
	} {
		var got []string
		d := NewDecoder(tc.fm, 2, func(line int, format string, args ...any) {
			got = append(got, fmt.Sprintf("%d: ", line)+fmt.Sprintf(format, args...))
		})
		if _, ok := d.Root(tc.fm); ok || strings.Join(got, "|") != tc.want {
			t.Errorf("Root(%q) = ok %v, %q; want %q", tc.fm, ok, got, tc.want)
		}
	}
}

func TestKeysAndValues(t *testing.T) {
	fm := "id: a\nid: b\ntitel: x\nowners: [ann, \"\", x]\n"
	for _, suggest := range []bool{false, true} {
		var got []string
		d := NewDecoder(fm, 2, func(line int, format string, args ...any) {
			got = append(got, fmt.Sprintf("%d: ", line)+fmt.Sprintf(format, args...))
		})
		d.Suggest = suggest
		root, ok := d.Root(fm)
		if !ok {
			t.Fatalf("Root: %q", got)
		}
		var owners []string
		d.Keys(root, []string{"id", "title", "owners"}, "", func(key string, _, v *yaml.Node) {
			if key == "owners" {
				owners = d.Strs(key, v)
			}
		})
		unknown := `4: unknown key "titel" (known keys: id, title, owners)`
		if suggest {
			unknown = `4: unknown key "titel" (did you mean "title"?)`
		}
		want := []string{
			`3: duplicate key "id" (first at line 2)`,
			unknown,
			`5: owners: each entry must be non-empty text, not ""`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || strings.Join(owners, ",") != "ann,x" {
			t.Errorf("suggest %v: got %q, owners %q; want %q, owners ann,x", suggest, got, owners, want)
		}
	}
}
