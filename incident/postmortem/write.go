package postmortem

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Format is a draft's file format.
type Format string

// The formats a draft is written in.
const (
	FormatMarkdown Format = "md"
	FormatJSON     Format = "json"
	FormatHTML     Format = "html"
)

// Render writes the draft for in to w in format f.
func Render(w io.Writer, in Input, f Format) error {
	switch f {
	case FormatMarkdown:
		return Markdown(w, in)
	case FormatJSON:
		return JSON(w, in)
	case FormatHTML:
		return HTML(w, in)
	}
	return fmt.Errorf("postmortem format %q: use md, json or html", f)
}

// maxSlug bounds the title's share of a file name.
const maxSlug = 60

// Slug turns a title into a file-name part: lowercase ASCII letters and
// digits, other runs of characters as one dash, no leading or trailing
// dash, at most 60 bytes, and "incident" when nothing is left. It never
// contains a path separator, a dot, or "..".
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= maxSlug {
				break
			}
			continue
		}
		dash = true
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > maxSlug {
		s = strings.TrimRight(s[:maxSlug], "-")
	}
	if s == "" {
		return "incident"
	}
	return s
}

// FileName is the draft's name without extension:
// YYYY-MM-DD-<incident number>-<slug>, dated by the incident's creation in
// UTC (else Now). Without a number, the incident id stands in, slugged.
func FileName(in Input) string {
	t := in.Incident.CreatedAt
	if t.IsZero() {
		t = in.Now
	}
	date := "undated"
	if !t.IsZero() {
		date = t.UTC().Format(time.DateOnly)
	}
	num := strconv.Itoa(in.Incident.Number)
	if in.Incident.Number <= 0 {
		num = Slug(in.Incident.ID)
	}
	return date + "-" + num + "-" + Slug(in.Incident.Title)
}

// maxVersions bounds the drafts of one incident in one directory.
const maxVersions = 1000

// WriteDraft writes the Markdown draft for in into dir (created 0755 if
// missing) as FileName(in)+".md", mode 0644, and returns its path. It never
// overwrites: if that file exists, a newer draft goes beside it as
// "-2.md", "-3.md" and so on, so an edited draft is never touched. If an
// existing version is byte-identical to the new draft, its path is
// returned and nothing is written. Each file appears whole or not at all.
func WriteDraft(dir string, in Input) (string, error) {
	return Write(dir, in, FormatMarkdown)
}

// Write is WriteDraft in a given format (".md", ".json" or ".html").
func Write(dir string, in Input, f Format) (string, error) {
	var b bytes.Buffer
	if err := Render(&b, in, f); err != nil {
		return "", err
	}
	data := b.Bytes()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write draft: %w", err)
	}
	return writeNew(dir, FileName(in), "."+string(f), data)
}

// writeNew writes data to the first free name among base+ext,
// base-2+ext, ... in dir. The data goes to a temporary file first, which
// is then hard-linked to the name: a link, unlike a rename, fails when the
// name exists, so a file that appeared meanwhile is never replaced. Where
// hard links are not supported, the name is created with O_EXCL instead.
func writeNew(dir, base, ext string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(dir, ".draft-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write draft: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write draft: %w", err)
	}

	linkable := true
	for v := 1; v <= maxVersions; v++ {
		name := base + ext
		if v > 1 {
			name = base + "-" + strconv.Itoa(v) + ext
		}
		path := filepath.Join(dir, name)
		if same, err := sameContent(path, data); err != nil {
			return "", fmt.Errorf("write draft: %w", err)
		} else if same {
			return path, nil
		}
		if linkable {
			err = os.Link(tmpName, path)
			if err == nil {
				syncDir(dir)
				return path, nil
			}
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			linkable = false // e.g. a file system without hard links
		}
		if err := createExclusive(path, data); err == nil {
			syncDir(dir)
			return path, nil
		} else if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("write draft: %w", err)
		}
	}
	return "", fmt.Errorf("write draft: %s has %d versions already", filepath.Join(dir, base+ext), maxVersions)
}

// sameContent reports whether path holds exactly data.
func sameContent(path string, data []byte) (bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return false, nil
	}
	got, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, data), nil
}

// createExclusive creates path, which must not exist, with data; on a
// failed write it removes what it made.
func createExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// syncDir makes a new name durable; where directories cannot be synced,
// the name is still there, so errors are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
