package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// This file holds how each operation reaches the file: acquire and release
// share one bbolt opening among a process's overlapping operations, openBolt
// refuses a journal deleted, replaced or emptied since it was checked, view
// and update run one transaction each on a schema this Store can use (update
// looking at the path again after committing), and the locks: bbolt's per
// operation (lockedError) and the sender lock across processes (LockSender).

// acquire opens the file with bbolt, or shares the opening another
// operation of this process holds, and returns it with the identity of the
// checked file. Every acquire is paired with release.
func (s *Store) acquire() (*bolt.DB, os.FileInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pin == nil {
		return nil, nil, errors.New("the journal is closed")
	}
	if s.refs == 0 {
		db, err := s.openBolt()
		if err != nil {
			return nil, nil, err
		}
		s.db = db
	}
	s.refs++
	return s.db, s.pinInfo, nil
}

func (s *Store) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs--
	if s.refs == 0 {
		_ = s.db.Close() // releases the lock; nothing is left to write
		s.db = nil
	}
}

// Errors of openBolt's file check; they read after "journal X: <what>: ".
var (
	errGone    = fmt.Errorf("%w: the file is gone, so nothing was written, and whatever it held is gone with it", ErrReplaced)
	errOther   = fmt.Errorf("%w: another file now sits at its path, so nothing was written, and what the old file held (queued actions too) is not in it", ErrReplaced)
	errEmptied = fmt.Errorf("%w: the file was emptied, so nothing was written, and whatever it held is gone", ErrReplaced)
)

// openBolt opens the file with bbolt and maps its errors. It opens the file
// at the path, never creating it, and refuses a file other than the pinned
// one. bbolt can panic or fault on a damaged file; both become ErrCorrupt.
// Called with s.mu held.
func (s *Store) openBolt() (db *bolt.DB, err error) {
	var file *os.File
	opts := &bolt.Options{
		Timeout:  s.lockWait,
		ReadOnly: s.readOnly,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag&^os.O_CREATE, mode)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errGone
			}
			if err != nil {
				return nil, err
			}
			fi, err := f.Stat()
			switch {
			case err != nil:
				_ = f.Close()
				return nil, err
			case !os.SameFile(fi, s.pinInfo):
				_ = f.Close()
				return nil, errOther
			case fi.Size() == 0 && s.ready:
				// bbolt would write a new, empty database into it.
				_ = f.Close()
				return nil, errEmptied
			}
			file = f
			return f, nil
		},
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				_ = file.Close() // releases the lock bbolt took
			}
			db, err = nil, corrupt(s.path, fmt.Sprint(r))
		}
	}()

	db, err = bolt.Open(s.path, 0o600, opts)
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, ErrReplaced):
		return nil, err
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, lockedError(s.path, s.lockWait)
	case errors.Is(err, bolterrors.ErrInvalid),
		errors.Is(err, bolterrors.ErrVersionMismatch),
		errors.Is(err, bolterrors.ErrChecksum):
		return nil, corrupt(s.path, err.Error())
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("journal %s %w: %w", s.path, ErrNotWritable, bare(err))
	default:
		return nil, fmt.Errorf("journal %s: cannot open it: %w", s.path, bare(err))
	}
}

// view runs fn in a read transaction. sealed tells fn whether values carry
// checksums (schema version 3 on); a read-only Store may read older ones.
func (s *Store) view(fn func(tx *bolt.Tx, sealed bool) error) error {
	db, _, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.release()
	return db.View(func(tx *bolt.Tx) error {
		v, err := s.version(tx)
		if err != nil {
			return err
		}
		return fn(tx, v >= 3)
	})
}

// update runs fn in a write transaction, committed and fsynced, and makes
// sure the file written is still the journal afterwards.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("the journal was %w, so nothing can be written to it", ErrReadOnly)
	}
	db, pinned, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.release()
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := s.version(tx); err != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil {
		return err
	}
	// Committed to the pinned file; if that was unlinked or renamed away
	// meanwhile, the write is in a file nobody will read.
	fi, err := os.Stat(s.path)
	if err != nil || !os.SameFile(fi, pinned) {
		return fmt.Errorf("%w: the file was removed or replaced while this was written, so it is not in the journal", ErrReplaced)
	}
	return nil
}

// version checks that the journal is still of a schema this Store can use:
// a newer oncall may have migrated it since Open.
func (s *Store) version(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, errors.New("the meta bucket is missing")
	}
	v := meta.Get(keySchemaVersion)
	if len(v) != 8 {
		return 0, errors.New("meta/schema_version is missing or not 8 bytes")
	}
	n := beUint64(v)
	switch {
	case n > schemaVersion:
		return 0, fmt.Errorf("a newer oncall has moved it to schema version %d, %w (version %d)", n, ErrNewerSchema, schemaVersion)
	case n != schemaVersion && !s.readOnly:
		return 0, fmt.Errorf("schema version %d, but it was version %d when opened", n, schemaVersion)
	case n == 0:
		return 0, errors.New("meta/schema_version is 0")
	}
	return n, nil
}

// LockSender makes this the only sender of the journal's outbox, across
// processes: it blocks until no other holder is left, or ctx ends (then
// it returns ctx's error). Call release when the pass is over; a process
// that dies holding it lets go through the kernel. The lock is a flock on
// a file beside the journal, <journal>.send, created 0600.
func (s *Store) LockSender(ctx context.Context) (release func(), err error) {
	if s.readOnly {
		return nil, fmt.Errorf("journal %s was %w: it sends nothing", s.path, ErrReadOnly)
	}
	release, err = lockFile(ctx, s.path+".send")
	if err != nil {
		return nil, fmt.Errorf("journal %s: taking the sender lock: %w", s.path, err)
	}
	return release, nil
}

func lockedError(path string, wait time.Duration) error {
	return fmt.Errorf("journal %s is %w, which kept it busy for over %v",
		path, ErrLocked, wait.Round(time.Second))
}
