package postmortem

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckMarkdownRefusesWhatIsNotADraft(t *testing.T) {
	for _, tc := range []struct {
		name, src, says string
	}{
		{"empty", " \n\n", "empty"},
		{"NUL byte", "# Postmortem\nok\nbad\x00byte\n", "line 3 holds a NUL byte"},
		{"not UTF-8", "# Postmortem\n\nfine\n\xff\xfe broken\n", "line 4 is not valid UTF-8"},
		{"JSON object", `{"title": "# not a heading", "events": []}`, "JSON document"},
		{"JSON array", "\n  [1, 2, 3]\n", "JSON document"},
		{"no heading", "Summary\n\nThe deploy failed.\n#hashtag is not a heading\n    # indented code\n", "no Markdown heading"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckMarkdown([]byte(tc.src))
			if !errors.Is(err, ErrNotMarkdown) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("CheckMarkdown = %v, want ErrNotMarkdown saying %q", err, tc.says)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not one line", err)
			}
		})
	}
}

func TestCheckMarkdownAcceptsDrafts(t *testing.T) {
	for _, src := range []string{
		"# Postmortem: checkout 5xx\n\nBody.\n",
		"intro\r\n\r\n## Timeline\r\n",
		"   ###### deep\n",
		"#\n",
		"Text with a [bracket] and {brace}\n# Title\n",
		"[not json\n# Title\n",
	} {
		if err := CheckMarkdown([]byte(src)); err != nil {
			t.Errorf("CheckMarkdown(%q) = %v, want nil", src, err)
		}
	}
}

// The drafts this package writes pass the check, whatever they hold.
func TestCheckMarkdownAcceptsRenderedDraft(t *testing.T) {
	if err := CheckMarkdown([]byte(renderMD(t, fullInput(t)))); err != nil {
		t.Fatalf("a rendered draft was refused: %v", err)
	}
}

func FuzzCheckMarkdown(f *testing.F) {
	f.Add([]byte("# Postmortem\n"))
	f.Add([]byte(`{"a":1}`))
	f.Add([]byte("\xff# x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if CheckMarkdown(src) != nil {
			return
		}
		if !utf8.Valid(src) || bytes.IndexByte(src, 0) >= 0 {
			t.Fatalf("accepted binary input %q", src)
		}
	})
}
