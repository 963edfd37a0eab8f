package premortem

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oncallkit/oncall/internal/regularfile"
	"github.com/oncallkit/oncall/runbook"
)

// Set is a loaded collection of pre-mortems, indexed for matching. It is
// immutable and safe for concurrent use.
type Set struct {
	premortems []*Premortem // by file order
	failures   []*Failure   // by id
	byID       map[string]*Failure
	rules      *runbook.Set // one runbook per failure, of the failure's id
}

// NewSet indexes pre-mortems. A failure whose id another failure already
// took is left out with an error naming both places; the first wins.
func NewSet(pms ...*Premortem) (*Set, []Diagnostic) {
	s := &Set{byID: make(map[string]*Failure)}
	var diags []Diagnostic
	var rbs []*runbook.Runbook
	for _, pm := range pms {
		if pm == nil {
			continue
		}
		kept := pm.Failures[:0:0]
		for _, f := range pm.Failures {
			if prev, dup := s.byID[f.ID]; dup {
				diags = append(diags, Diagnostic{File: pm.File, Line: f.Line, Severity: Error,
					Message: fmt.Sprintf("duplicate failure id %q (also in %s:%d); this failure is skipped", f.ID, prev.Premortem.File, prev.Line)})
				continue
			}
			s.byID[f.ID] = f
			s.failures = append(s.failures, f)
			rbs = append(rbs, f.rb)
			kept = append(kept, f)
		}
		pm.Failures = kept
		s.premortems = append(s.premortems, pm)
	}
	s.rules, _ = runbook.NewSet(rbs...) // ids are unique: checked above
	slices.SortFunc(s.failures, func(a, b *Failure) int { return cmp.Compare(a.ID, b.ID) })
	return s, diags
}

// Premortems returns the workshops in file order.
func (s *Set) Premortems() []*Premortem { return slices.Clone(s.premortems) }

// Failures returns every failure, ordered by id.
func (s *Set) Failures() []*Failure { return slices.Clone(s.failures) }

// Failure finds a failure by id.
func (s *Set) Failure(id string) (*Failure, bool) {
	f, ok := s.byID[id]
	return f, ok
}

// Len returns the number of failures; a nil Set has none.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.failures)
}

// Load reads every pre-mortem under dir: its *.md files and those of its
// subdirectories, except README.md files and names starting with a dot.
// A file that cannot be read or has errors is left out with a diagnostic.
// The error is about dir itself (fs.ErrNotExist when it is missing).
// Only regular files of at most MaxSize bytes are read.
func Load(dir string) (*Set, []Diagnostic, error) {
	name := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	return load(os.DirFS(dir), name, func(p string) ([]byte, error) {
		return regularfile.Read(name(p), MaxSize)
	})
}

// LoadFS is Load over a file system, such as an embedded one;
// diagnostics name files by their path in fsys.
func LoadFS(fsys fs.FS) (*Set, []Diagnostic, error) {
	return load(fsys, func(p string) string { return p }, func(p string) ([]byte, error) {
		fi, err := fs.Stat(fsys, p)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, regularfile.ErrNotRegular
		}
		if fi.Size() > MaxSize {
			return nil, regularfile.ErrTooLarge
		}
		return fs.ReadFile(fsys, p)
	})
}

func load(fsys fs.FS, name func(string) string, read func(string) ([]byte, error)) (*Set, []Diagnostic, error) {
	var diags []Diagnostic
	var pms []*Premortem
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			diags = append(diags, Diagnostic{File: name(p), Severity: Error, Message: "cannot read: " + bare(err)})
			return nil
		}
		base := path.Base(p)
		if p != "." && strings.HasPrefix(base, ".") {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if e.IsDir() || !strings.EqualFold(path.Ext(base), ".md") || strings.EqualFold(base, "README.md") {
			return nil
		}
		data, err := read(p)
		if err != nil {
			diags = append(diags, Diagnostic{File: name(p), Severity: Error, Message: "cannot read: " + bare(err)})
			return nil
		}
		pm, ds := Parse(name(p), data)
		diags = append(diags, ds...)
		if pm != nil {
			pms = append(pms, pm)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pre-mortems: %w", err)
	}
	s, ds := NewSet(pms...)
	return s, append(diags, ds...), nil
}

// bare is an error's text without the path a PathError repeats.
func bare(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Lint loads the pre-mortems under path (a directory or one file) and
// adds what only the whole picture shows: countermeasures naming a
// runbook that runbooks does not hold (an error; skipped when runbooks is
// nil), and, as warnings, workshops overdue for review, reminders that
// have come and are not done, failures without countermeasures.
// Diagnostics are ordered by file and line. It returns the loaded set too.
func Lint(path string, runbooks *runbook.Set, now time.Time) (*Set, []Diagnostic, error) {
	var set *Set
	var diags []Diagnostic
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		data, err := regularfile.Read(path, MaxSize)
		if err != nil {
			return nil, nil, fmt.Errorf("pre-mortems: %w", err)
		}
		pm, ds := Parse(path, data)
		set, diags = NewSet(pm)
		diags = append(ds, diags...)
	} else {
		var err error
		if set, diags, err = Load(path); err != nil {
			return nil, nil, err
		}
	}
	today := day(now)
	for _, pm := range set.premortems {
		warn := func(line int, format string, args ...any) {
			diags = append(diags, Diagnostic{File: pm.File, Line: max(line, 1), Severity: Warning, Message: fmt.Sprintf(format, args...)})
		}
		if due, ok := pm.ReviewDue(); ok && due.Before(today) {
			warn(pm.lines["held_on"], "review overdue since %s (held on %s, review every %d days): hold the workshop again",
				due.Format(time.DateOnly), pm.HeldOn.Format(time.DateOnly), cmp.Or(pm.ReviewEveryDays, DefaultReviewEveryDays))
		}
		for _, f := range pm.Failures {
			if len(f.Countermeasures) == 0 {
				warn(f.Line, "failure %q has no countermeasures", f.ID)
			}
			for _, c := range f.Countermeasures {
				if c.Runbook != "" && runbooks != nil {
					if _, ok := runbooks.Get(c.Runbook); !ok {
						diags = append(diags, Diagnostic{File: pm.File, Line: c.runbookLine, Severity: Error,
							Message: fmt.Sprintf("failure %q: runbook %q names no runbook", f.ID, c.Runbook)})
					}
				}
				if c.reminderCome(today) {
					warn(c.remindLine, "failure %q: reminder of %s has come: %s (%s%s)", f.ID, c.RemindAt.Format(time.DateOnly),
						c.Action, c.Status, ownerSuffix(c.Owner))
				}
			}
		}
	}
	slices.SortStableFunc(diags, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return set, diags, nil
}

func ownerSuffix(owner string) string {
	if owner == "" {
		return ", no owner"
	}
	return ", owner " + owner
}

// day is the calendar date of t in UTC: dates in files are days, not
// instants.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
