package tui

import (
	"os"
	"strings"
	"testing"

	goldenfile "github.com/oncallkit/oncall/internal/golden"
)

// TestREADMEKeyTable keeps the README's key table equal to the key map.
func TestREADMEKeyTable(t *testing.T) {
	const path = "../README.md"
	const start, end = "<!-- keys:start", "<!-- keys:end -->"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", start, end)
	}
	i += strings.Index(s[i:], "\n") + 1
	want := DefaultKeyMap().Markdown()
	if s[i:j] == want {
		return
	}
	if goldenfile.Updating() {
		if err := os.WriteFile(path, []byte(s[:i]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README key table differs from the key map; run go test ./tui -update\n--- README\n%s\n--- key map\n%s", s[i:j], want)
}
