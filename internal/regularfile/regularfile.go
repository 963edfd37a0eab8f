// Package regularfile reads files that oncall takes from outside (the
// configuration, the token file, runbooks, postmortem drafts) without
// trusting what the path names.
//
// Invariants:
//   - Opening never blocks: the file is opened non-blocking, so a named
//     pipe without a writer cannot hang the caller, and the open file (not
//     the path, which may change meanwhile) is checked to be a regular file
//     before anything is read. Devices (/dev/zero, /dev/urandom), pipes,
//     sockets and directories are refused.
//   - Reading is bounded: at most the caller's limit is read, whatever the
//     file claims its size is or grows to, and a larger file is refused
//     rather than cut short, so a caller never acts on part of a file.
//   - Errors are *fs.PathError values naming the file, wrapping
//     ErrNotRegular or ErrTooLarge when the file was refused, so callers
//     that name the file themselves can print only the reason.
package regularfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Sentinels for the two reasons a file is refused.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
)

// Read returns the content of the regular file at path, refusing anything
// else and any file of more than limit bytes.
func Read(path string, limit int64) ([]byte, error) {
	f, fi, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooLarge := &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: more than %s", ErrTooLarge, size(limit))}
	if fi.Size() > limit {
		return nil, tooLarge
	}
	// The size from Stat is a hint only: the file may grow while it is
	// read, so the read itself is bounded too. The hint sizes the buffer,
	// so a file that does not change is read without regrowing it.
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+1))
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: bare(err)}
	}
	if int64(buf.Len()) > limit {
		return nil, tooLarge
	}
	return buf.Bytes(), nil
}

// Open opens the regular file at path for reading, with the file's
// information (for callers that check its permissions), refusing anything
// else without blocking on it. The caller bounds what it reads.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (it is %s)", ErrNotRegular, describe(fi.Mode()))}
	}
	if err := setBlocking(f); err != nil {
		f.Close()
		return nil, nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return f, fi, nil
}

// describe names a file type for a person. A socket never gets here:
// opening one fails.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	default:
		return "not a plain file"
	}
}

// size writes a limit the way people read it.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
