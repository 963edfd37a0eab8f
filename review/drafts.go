package review

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/oncallkit/oncall/incident/postmortem"
)

// Draft is a postmortem draft found on disk.
type Draft struct {
	Path    string
	Date    string // YYYY-MM-DD from the name, or "undated"
	Number  int    // the incident number from the name
	Version int    // 1, or N for the "-N" a newer draft beside an older one gets
	// Edited is true once the draft's status no longer says Draft: a
	// person has taken it on.
	Edited bool
	Hints  []postmortem.Hint // the blameless lint's open hints (Markdown only)
}

// maxDraftBytes bounds one draft read: a draft is a few kilobytes; a
// bigger file is skipped with a warning, never read whole.
const maxDraftBytes = 4 << 20

// draftName reads postmortem.FileName's form, with the "-N" of a newer
// version: YYYY-MM-DD-<number>-<slug>[-N].(md|json).
var draftName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}|undated)-(\d{1,9})-([a-z0-9-]*?)(?:-(\d{1,4}))?\.(md|json)$`)
})

// draftStatus is the header line of a generated Markdown draft.
var draftStatus = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^- \*\*Status:\*\* Draft\s*$`)
})

// ReadDrafts reads the drafts in dir: the files named as postmortem
// writes them. A missing dir holds none. Files it cannot use (too big,
// unreadable) are skipped and named in warnings.
func ReadDrafts(dir string) (drafts []Draft, warnings []string, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("review: postmortem drafts: %w", err)
	}
	for _, e := range entries {
		m := draftName().FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		src, err := readBounded(path)
		if err != nil {
			warnings = append(warnings, err.Error())
			continue
		}
		n, _ := strconv.Atoi(m[2])
		v := 1
		if m[4] != "" {
			v, _ = strconv.Atoi(m[4])
		}
		d := Draft{Path: path, Date: m[1], Number: n, Version: v}
		if m[5] == "md" {
			d.Edited = !draftStatus().Match(src)
			d.Hints = postmortem.LintMarkdown(src)
		} else {
			var doc struct {
				Status string `json:"status"`
			}
			if json.Unmarshal(src, &doc) != nil {
				warnings = append(warnings, path+": not a JSON postmortem; skipped")
				continue
			}
			d.Edited = doc.Status != "draft"
		}
		drafts = append(drafts, d)
	}
	slices.SortFunc(drafts, func(a, b Draft) int {
		if a.Number != b.Number {
			return a.Number - b.Number
		}
		return a.Version - b.Version
	})
	return drafts, warnings, nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, io.LimitReader(f, maxDraftBytes+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b.Len() > maxDraftBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB; skipped", path, maxDraftBytes>>20)
	}
	return b.Bytes(), nil
}

// newestDraft is the newest draft of incident number n: the highest
// version, preferring Markdown (which carries the lint) at equal versions.
func newestDraft(drafts []Draft, n int) (Draft, bool) {
	var best Draft
	found := false
	for _, d := range drafts {
		if d.Number != n || n <= 0 {
			continue
		}
		if !found || d.Version > best.Version || (d.Version == best.Version && filepath.Ext(d.Path) == ".md") {
			best, found = d, true
		}
	}
	return best, found
}
