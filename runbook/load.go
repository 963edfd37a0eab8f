package runbook

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oncallkit/oncall/internal/regularfile"
)

// Set is a loaded collection of runbooks, indexed for matching. It is
// immutable and safe for concurrent use.
type Set struct {
	all       []*Runbook            // by id
	byID      map[string]*Runbook   // id -> runbook
	byService map[string][]*Runbook // lower-cased service id or name -> runbooks listing it
	unscoped  []*Runbook            // runbooks without services, checked for every incident
}

// NewSet indexes runbooks. A runbook whose id is already taken is left
// out with an error diagnostic naming both files; the first one wins.
func NewSet(runbooks ...*Runbook) (*Set, []Diagnostic) {
	s := &Set{byID: make(map[string]*Runbook, len(runbooks)), byService: make(map[string][]*Runbook)}
	var diags []Diagnostic
	for _, rb := range runbooks {
		if rb == nil {
			continue
		}
		if prev, dup := s.byID[rb.ID]; dup {
			diags = append(diags, Diagnostic{
				File: rb.File, Line: or(rb.lines["id"], 1), Severity: Error,
				Message: fmt.Sprintf("duplicate id %q (also in %s:%d); this file is skipped", rb.ID, prev.File, or(prev.lines["id"], 1)),
			})
			continue
		}
		s.byID[rb.ID] = rb
		s.all = append(s.all, rb)
		if len(rb.Services) == 0 {
			s.unscoped = append(s.unscoped, rb)
			continue
		}
		seen := make(map[string]bool, len(rb.Services))
		for _, svc := range rb.Services {
			k := strings.ToLower(svc)
			if !seen[k] {
				seen[k] = true
				s.byService[k] = append(s.byService[k], rb)
			}
		}
	}
	slices.SortFunc(s.all, func(a, b *Runbook) int { return cmp.Compare(a.ID, b.ID) })
	return s, diags
}

// Len returns the number of runbooks in the set.
func (s *Set) Len() int { return len(s.all) }

// Runbooks returns the runbooks ordered by id. The slice is the caller's;
// the runbooks are shared and must not be changed.
func (s *Set) Runbooks() []*Runbook { return slices.Clone(s.all) }

// Get returns the runbook with the given id.
func (s *Set) Get(id string) (*Runbook, bool) {
	rb, ok := s.byID[id]
	return rb, ok
}

// Load reads every runbook under dir: the *.md files in it and in its
// subdirectories (teams often keep one folder per service), skipping
// README.md files and names starting with a dot. A file that cannot be read
// or has errors is left out with a diagnostic; diagnostics name files by
// their path joined to dir. The error is about dir itself, such as
// fs.ErrNotExist when it does not exist.
//
// Only regular files are read (a symbolic link to one is fine): a named
// pipe, a device or a socket named *.md is reported and skipped, never
// opened in a way that could wait for a writer or read without end.
func Load(dir string) (*Set, []Diagnostic, error) {
	name := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	return load(os.DirFS(dir), name, func(p string) ([]byte, *Diagnostic) { return readRegular(name(p)) })
}

// LoadFS is Load over a file system, such as an embedded one. Diagnostics
// name files by their path in fsys.
func LoadFS(fsys fs.FS) (*Set, []Diagnostic, error) {
	name := func(p string) string { return p }
	return load(fsys, name, func(p string) ([]byte, *Diagnostic) { return readFile(fsys, p, p) })
}

func load(fsys fs.FS, name func(string) string, read func(string) ([]byte, *Diagnostic)) (*Set, []Diagnostic, error) {
	var (
		paths    []string
		walkErrs = make(map[string]Diagnostic) // by path, to keep file order
	)
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			walkErrs[p] = Diagnostic{File: name(p), Severity: Error, Message: "cannot read: " + unwrapPath(err)}
			paths = append(paths, p)
			return nil
		}
		base := path.Base(p)
		if p != "." && strings.HasPrefix(base, ".") {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !e.IsDir() && strings.EqualFold(path.Ext(base), ".md") && !strings.EqualFold(base, "README.md") {
			// Anything that is not a plain file (or a link to one) is
			// refused here, before an Open that could block on it.
			// Load checks the open file again, as what a path names
			// may change; a file system given to LoadFS is trusted
			// that far.
			t := e.Type()
			if t&fs.ModeSymlink != 0 {
				if fi, err := fs.Stat(fsys, p); err == nil {
					t = fi.Mode().Type()
				} else {
					t = 0 // dangling: the read reports it
				}
			}
			if !t.IsRegular() {
				walkErrs[p] = Diagnostic{File: name(p), Severity: Error,
					Message: fmt.Sprintf("cannot read: %v (it is %s)", regularfile.ErrNotRegular, kind(t))}
			}
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("load runbooks: %w", err)
	}

	// Reading and parsing are independent per file: spread them over the
	// CPUs, then put the results back in file order.
	type result struct {
		rb    *Runbook
		diags []Diagnostic
	}
	results := make([]result, len(paths))
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				p := paths[i]
				if d, ok := walkErrs[p]; ok {
					results[i].diags = []Diagnostic{d}
					continue
				}
				data, d := read(p)
				if d != nil {
					results[i].diags = []Diagnostic{*d}
					continue
				}
				results[i].rb, results[i].diags = Parse(name(p), data)
			}
		})
	}
	wg.Wait()

	var (
		runbooks []*Runbook
		diags    []Diagnostic
	)
	for _, r := range results {
		diags = append(diags, r.diags...)
		if r.rb != nil {
			runbooks = append(runbooks, r.rb)
		}
	}
	set, ds := NewSet(runbooks...)
	return set, append(diags, ds...), nil
}

// loadFile loads a single file as a set.
func loadFile(p string) (*Set, []Diagnostic, error) {
	data, d := readRegular(p)
	if d != nil {
		set, _ := NewSet()
		return set, []Diagnostic{*d}, nil
	}
	rb, diags := Parse(p, data)
	set, _ := NewSet(rb)
	return set, diags, nil
}

// readRegular reads the regular file at p, of at most MaxSize bytes.
// Problems come back as a diagnostic for p.
func readRegular(p string) ([]byte, *Diagnostic) {
	data, err := regularfile.Read(p, MaxSize)
	switch {
	case errors.Is(err, regularfile.ErrTooLarge):
		return nil, &Diagnostic{File: p, Line: 1, Severity: Error, Message: fmt.Sprintf("file is over %d bytes (%d MiB), the most a runbook may be", MaxSize, MaxSize>>20)}
	case err != nil:
		return nil, &Diagnostic{File: p, Severity: Error, Message: "cannot read: " + unwrapPath(err)}
	}
	return data, nil
}

// kind names a file type that is not a regular file, for a diagnostic.
func kind(t fs.FileMode) string {
	switch {
	case t.IsDir():
		return "a directory"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeDevice != 0:
		return "a device"
	default:
		return "not a plain file"
	}
}

// readFile reads a file of at most MaxSize bytes, refusing bigger ones
// before reading them. Problems come back as a diagnostic for file.
func readFile(fsys fs.FS, p, file string) ([]byte, *Diagnostic) {
	fail := func(line int, format string, args ...any) ([]byte, *Diagnostic) {
		return nil, &Diagnostic{File: file, Line: line, Severity: Error, Message: fmt.Sprintf(format, args...)}
	}
	f, err := fsys.Open(p)
	if err != nil {
		return fail(0, "cannot read: %s", unwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fail(0, "cannot read: %s", unwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return fail(0, "cannot read: %v (it is %s)", regularfile.ErrNotRegular, kind(fi.Mode().Type()))
	}
	if fi.Size() > MaxSize {
		return fail(1, "file is %d bytes; a runbook may be at most %d bytes (%d MiB)", fi.Size(), MaxSize, MaxSize>>20)
	}
	if fi.Mode().IsRegular() && fi.Size() > 0 {
		// The size is known: one read, no growing buffer. A file that
		// changes meanwhile is read as far as it goes; Load is a snapshot.
		data := make([]byte, fi.Size())
		n, err := io.ReadFull(f, data)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return fail(0, "cannot read: %s", unwrapPath(err))
		}
		return data[:n], nil
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return fail(0, "cannot read: %s", unwrapPath(err))
	}
	return data, nil // Parse reports a file over MaxSize
}

// unwrapPath drops the path from a *fs.PathError: the diagnostic names
// the file already.
func unwrapPath(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// Lint loads every runbook under path (a directory, like Load, or one
// file) and adds the warnings that
// a team should act on but that do not stop a runbook from being used:
// reviews overdue at now, runbooks that can never match, runbooks without
// owners or steps. Diagnostics are ordered by file and line.
// It also returns how many runbooks loaded.
func Lint(path string, now time.Time) (diags []Diagnostic, loaded int, err error) {
	var set *Set
	if fi, statErr := os.Stat(path); statErr == nil && !fi.IsDir() {
		set, diags, err = loadFile(path)
	} else {
		set, diags, err = Load(path)
	}
	if err != nil {
		return nil, 0, err
	}
	for _, rb := range set.all {
		diags = append(diags, rb.lint(now)...)
	}
	slices.SortStableFunc(diags, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return diags, set.Len(), nil
}

// lint returns the warnings for a parsed runbook.
func (r *Runbook) lint(now time.Time) []Diagnostic {
	var out []Diagnostic
	warn := func(line int, format string, args ...any) {
		out = append(out, Diagnostic{File: r.File, Line: max(line, 1), Severity: Warning, Message: fmt.Sprintf(format, args...)})
	}
	if len(r.Services) == 0 && r.Match.empty() {
		warn(r.lines["id"], "no services and no match criteria: this runbook never matches an incident")
	}
	if len(r.Owners) == 0 {
		warn(r.lines["id"], "no owners: say which team keeps this runbook current")
	}
	if len(r.Steps) == 0 {
		warn(r.BodyLine, "no steps: add checklist items (- [ ] ...) or commands in code blocks")
	}
	r.lintCommands(warn)
	if due, ok := r.ReviewDue(); ok {
		every := cmp.Or(r.ReviewEveryDays, DefaultReviewEveryDays)
		switch {
		case r.Overdue(now):
			warn(r.lines["last_reviewed"], "review overdue since %s (last reviewed %s, review every %d days)",
				due.Format(time.DateOnly), r.LastReviewed.Format(time.DateOnly), every)
		case r.LastReviewed.After(now):
			warn(r.lines["last_reviewed"], "last_reviewed %s is in the future", r.LastReviewed.Format(time.DateOnly))
		}
	} else {
		warn(or(r.lines["review_every_days"], r.lines["id"]), "no last_reviewed date: say when the runbook was last checked against reality")
	}
	return out
}
