// Package store is oncall's local journal: every action a responder takes is
// written here, committed and fsynced, before anything is sent to PagerDuty.
// The same transaction puts the action in an outbox, from which
// store/outbox sends it, exactly once. The store also caches what PagerDuty
// last said (the incident list, and each incident seen in detail), so the
// program starts instantly and works offline. It sits on a single bbolt file.
//
// Bucket tree (schema version 2):
//
//	meta/
//	    schema_version -> uint64, big-endian (2)
//	events/
//	    <incident id>/                 one bucket per incident
//	        <seq> -> incident.Event        seq: big-endian uint64 from NextSequence;
//	                                       value in the codec of codec.go
//	event_index/
//	    <event id> -> <seq><incident id>   seq: 8 bytes big-endian, then the id
//	outbox/                            (since version 2)
//	    <incident id>/                 only while the incident has pending actions
//	        <seq> -> JSON outbox entry     the event's own seq: append order
//	                                       (event id, kind, attempts, last error,
//	                                       last and next attempt, uncertain)
//	cache/
//	    incidents  -> JSON []incident.Incident
//	    fetched_at -> RFC 3339 time, UTC
//	    list_filter -> JSON incident.Filter   the list's last filter
//	    detail/                        (since version 2)
//	        <incident id> -> JSON Snapshot  the incident, PagerDuty's events, fetched_at
//
// Invariants:
//   - A method returns only after its transaction has committed and bbolt has
//     fsynced the file; a returned event is on disk.
//   - Keys under an incident bucket are append order; event ids are unique
//     across the journal and every id has exactly one event_index entry.
//   - An event has an outbox entry exactly when its State is incident.Queued
//     and its kind is Outbound; the entry is written and removed in the same
//     transaction as the event's state, so the two never disagree, even
//     after a crash.
//   - Before each attempt to send an action, the entry is marked uncertain
//     (and committed); only an answer that proves the action did not take
//     effect clears the mark. A sender that finds the mark checks PagerDuty
//     before sending again.
//   - Only local events (Origin incident.Local) are journaled under events/;
//     the provider's events are kept only as a cache, under cache/detail/.
//   - Nothing read from a transaction outlives it: values are decoded or
//     copied before the transaction ends.
//   - A file that is not a valid journal (garbage, truncated, damaged, another
//     program's bbolt file, a newer schema) is refused and left byte-for-byte
//     as it was. Before bbolt sees a file, Open reads its meta pages and
//     follows every reachable page itself (plain reads, bounded), so that
//     bbolt never meets an offset that would make it fault or run away;
//     then it runs bbolt's consistency check.
//   - One process at a time: bbolt's file lock, with a one-second timeout,
//     turns a second oncall on the same file into ErrLocked.
//
// Changing the schema means raising schemaVersion and adding one migration
// to migrations; a journal from a newer oncall is refused, never rewritten.
// An older journal is migrated in one transaction: all of it or none.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/adrg/xdg"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Errors callers branch on. Every error from Open that wraps one of these
// names the file and says what to do.
var (
	// ErrLocked means another process holds the journal open.
	ErrLocked = errors.New("in use by another oncall process")
	// ErrCorrupt means the file is not a valid journal. It was not changed.
	ErrCorrupt = errors.New("not a valid oncall journal")
	// ErrNewerSchema means the journal was written by a newer oncall.
	ErrNewerSchema = errors.New("newer than this oncall understands")
)

// schemaVersion is the layout this code reads and writes.
const schemaVersion uint64 = 2

// migrations[i] upgrades a journal from version i+1 to i+2, inside the same
// transaction that records the new version.
var migrations = []func(*bolt.Tx) error{
	migrateOutbox, // 1 -> 2
}

var (
	bucketMeta   = []byte("meta")
	bucketEvents = []byte("events")
	bucketIndex  = []byte("event_index")
	bucketCache  = []byte("cache")
	bucketOutbox = []byte("outbox")
	bucketDetail = []byte("detail") // under cache

	keySchemaVersion = []byte("schema_version")
	keyIncidents     = []byte("incidents")
	keyFetchedAt     = []byte("fetched_at")

	topBuckets = [][]byte{bucketMeta, bucketEvents, bucketIndex, bucketCache, bucketOutbox}
)

// since is the schema version that introduced a top-level bucket; the
// others have been there from version 1.
var since = map[string]uint64{string(bucketOutbox): 2}

// lockTimeout bounds how long Open waits for another process to let go.
const lockTimeout = time.Second

// Store is an open journal. Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
}

// DefaultPath returns where the journal lives by default:
// $XDG_STATE_HOME/oncall/journal.db. It creates nothing.
func DefaultPath() (string, error) {
	if xdg.StateHome == "" {
		return "", errors.New("cannot find a state directory for the journal: set XDG_STATE_HOME or HOME")
	}
	return filepath.Join(xdg.StateHome, "oncall", "journal.db"), nil
}

// Open opens the journal at path, creating it (directory 0700, file 0600)
// if it does not exist. A zero-length file is taken as a new journal. A file
// that is not a valid journal is refused with ErrCorrupt and left untouched;
// a file another process holds gives ErrLocked after about a second.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("journal path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal %s: cannot create its directory: %w", abs, err)
	}

	created := false
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		created = true
	case err != nil:
		return nil, fmt.Errorf("journal %s: %w", abs, bare(err))
	case fi.IsDir():
		return nil, fmt.Errorf("journal %s is a directory, not a file; point --db or ONCALL_DB at a file", abs)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("journal %s is not a regular file; point --db or ONCALL_DB at a file", abs)
	case fi.Size() > 0:
		// bbolt trusts the header it finds and may fault on a truncated file
		// or write to one it does not recognise; look first, read-only.
		problem, err := inspect(abs)
		if errors.Is(err, errBusy) {
			return nil, lockedError(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("journal %s: cannot read it: %w", abs, bare(err))
		}
		if problem != "" {
			return nil, corrupt(abs, problem)
		}
	}

	db, err := openBolt(abs)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: abs}
	if err := s.prepare(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if created {
		syncDir(dir) // so the new file's name survives a crash, too
	}
	return s, nil
}

// openBolt opens the file with bbolt and maps its errors. bbolt can panic or
// fault on a damaged file; both become ErrCorrupt.
func openBolt(path string) (db *bolt.DB, err error) {
	var file *os.File
	opts := &bolt.Options{
		Timeout: lockTimeout,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			file = f
			return f, err
		},
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				_ = file.Close() // releases the lock bbolt took
			}
			db, err = nil, corrupt(path, fmt.Sprint(r))
		}
	}()

	db, err = bolt.Open(path, 0o600, opts)
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, lockedError(path)
	case errors.Is(err, bolterrors.ErrInvalid),
		errors.Is(err, bolterrors.ErrVersionMismatch),
		errors.Is(err, bolterrors.ErrChecksum):
		return nil, corrupt(path, err.Error())
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("journal %s cannot be opened for writing: %w", path, bare(err))
	default:
		return nil, fmt.Errorf("journal %s: cannot open it: %w", path, bare(err))
	}
}

// prepare proves the file readable and ours, then creates the buckets of a
// new journal or migrates an older one. Nothing is written unless the file
// passed every check.
func (s *Store) prepare() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = corrupt(s.path, fmt.Sprint(r))
		}
	}()

	var (
		version uint64
		fresh   bool
		problem string
	)
	err = s.db.View(func(tx *bolt.Tx) error {
		if problem = consistency(tx); problem != "" {
			return nil
		}
		version, fresh, problem = readVersion(tx)
		return nil
	})
	switch {
	case err != nil:
		return fmt.Errorf("journal %s: cannot read it: %w", s.path, err)
	case problem != "":
		return corrupt(s.path, problem)
	case version > schemaVersion:
		return fmt.Errorf("journal %s has schema version %d, %w (version %d); upgrade oncall, or point it at another file with --db or ONCALL_DB",
			s.path, version, ErrNewerSchema, schemaVersion)
	case !fresh && version == schemaVersion:
		return nil
	}

	err = s.db.Update(func(tx *bolt.Tx) error {
		if fresh {
			for _, name := range topBuckets {
				if _, err := tx.CreateBucket(name); err != nil {
					return err
				}
			}
			if _, err := tx.Bucket(bucketCache).CreateBucket(bucketDetail); err != nil {
				return err
			}
			version = schemaVersion
		}
		for ; version < schemaVersion; version++ {
			if err := migrations[version-1](tx); err != nil {
				return fmt.Errorf("migrating from schema version %d: %w", version, err)
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(schemaVersion))
	})
	if err != nil {
		return fmt.Errorf("journal %s: cannot set it up: %w", s.path, err)
	}
	return nil
}

// readVersion reports the schema version, or fresh for a journal with no
// buckets at all, or a problem when the file is somebody else's.
func readVersion(tx *bolt.Tx) (version uint64, fresh bool, problem string) {
	empty := true
	_ = tx.ForEach(func([]byte, *bolt.Bucket) error {
		empty = false
		return nil
	})
	if empty {
		return 0, true, ""
	}
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, false, "it is a bbolt file of another program: no meta bucket"
	}
	v := meta.Get(keySchemaVersion)
	if len(v) != 8 {
		return 0, false, "meta/schema_version is missing or not 8 bytes"
	}
	version = beUint64(v)
	if version == 0 {
		return 0, false, "meta/schema_version is 0"
	}
	if version <= schemaVersion {
		for _, name := range topBuckets {
			if since[string(name)] > version {
				continue
			}
			if tx.Bucket(name) == nil {
				return 0, false, fmt.Sprintf("bucket %q is missing", name)
			}
		}
		if version >= 2 && tx.Bucket(bucketCache).Bucket(bucketDetail) == nil {
			return 0, false, `bucket "cache/detail" is missing`
		}
	}
	return version, false, ""
}

// Close closes the journal and releases its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("journal %s: closing: %w", s.path, err)
	}
	return nil
}

// Path returns the absolute path of the journal file.
func (s *Store) Path() string { return s.path }

func lockedError(path string) error {
	return fmt.Errorf("journal %s is %w; close it, or point this one at another file with --db or ONCALL_DB", path, ErrLocked)
}

// corrupt builds the one-line ErrCorrupt message for path.
func corrupt(path, detail string) error {
	detail = strings.Join(strings.Fields(detail), " ")
	return fmt.Errorf("journal %s is %w (%s); it was left untouched: move it aside (for example to %s.broken) and oncall will start a new one",
		path, ErrCorrupt, detail, path)
}

// bare drops the *fs.PathError around err: the messages here name the file
// already.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// syncDir fsyncs a directory so an entry just created in it is durable.
// Best effort: some systems cannot sync directories.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
