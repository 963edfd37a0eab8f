// Package store is oncall's local journal: every action a responder takes is
// written here, committed and fsynced, before anything is sent to PagerDuty.
// The same transaction puts the action in an outbox, from which
// store/outbox sends it, exactly once. The store also caches what PagerDuty
// last said (the incident list, and each incident seen in detail), so the
// program starts instantly and works offline. It sits on a single bbolt file.
//
// Bucket tree (schema version 3):
//
//	meta/
//	    schema_version -> uint64, big-endian (3); the one value not sealed,
//	                      so that an older oncall can read it and refuse
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
//	    incidents  -> []incident.Incident in the list codec of listcodec.go
//	    fetched_at -> RFC 3339 time, UTC
//	    list_filter -> JSON incident.Filter   the list's last filter
//	    detail/                        (since version 2)
//	        <incident id> -> Snapshot in the codec of snapcodec.go: the incident, PagerDuty's events, fetched_at
//	quarantine/                        (since version 3)
//	    <seq> -> JSON Damage               a damaged value set aside, raw bytes kept
//
// Since version 3 every value but schema_version is sealed: it ends in the
// CRC-32C of its key and its bytes (seal in codec.go). A value whose
// checksum does not match is damaged: it is never decoded into something
// else, and the readers set it aside (Damage) instead of failing whole.
//
// Several processes, one file. The TUI, the command-line verbs and a second
// TUI may all use one journal at the same time. A Store holds no lock
// between operations: each operation opens the file with bbolt (waiting up
// to lockWait for another process's operation to end), runs one short
// transaction, and closes it again; operations of one process that overlap
// share one opening. bbolt's flock serialises the processes, and the
// kernel drops a dead process's flock with its last descriptor, so a
// process killed mid-operation blocks nobody. Sending is serialised apart,
// by LockSender (a flock on <journal>.send), so that one process at a time
// drains the outbox.
//
// Invariants:
//   - A method returns only after its transaction has committed and bbolt has
//     fsynced the file; a returned event is on disk.
//   - A write lands in the file this Store checked, or nowhere: every
//     operation opens the file at the path and compares it with the one
//     Open checked (and the Store holds open, so its identity cannot be
//     reused), and looks again after committing. A journal deleted or
//     replaced meanwhile gives ErrReplaced, never a silent write to a file
//     nobody will read; Reopen accepts whatever is at the path now.
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
//     then it runs bbolt's consistency check. This costs a walk of the whole
//     file, so it runs once per Store (and again on Reopen), not per
//     operation: between operations the file is written only by oncall
//     processes, in bbolt transactions.
//   - One damaged value never blocks the rest. A damaged event is moved to
//     quarantine/ with its outbox and index entries; a damaged outbox entry
//     is moved there too, and its action (whose event is intact) is queued
//     again as uncertain, so it is checked with PagerDuty before it is
//     sent. Quarantined lists what was set aside; Check finds every damaged
//     value, set aside or not.
//   - A read-only Store (OpenReadOnly) opens the file O_RDONLY under a shared
//     lock, never creates, migrates or writes anything, and refuses writes
//     with ErrReadOnly.
//
// Changing the schema means adding one migration to migrations, which
// raises schemaVersion; a journal from a newer oncall is refused, never rewritten.
// An older journal is migrated in one transaction: all of it or none.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/internal/xdg"
)

// Errors callers branch on. Every error that wraps one of these names the
// file and says what to do.
var (
	// ErrLocked means another process kept the journal busy for longer than
	// an operation waits (lockWait): an oncall stuck mid-operation, or an
	// older oncall that holds the file for its whole life.
	ErrLocked = errors.New("in use by another oncall process")
	// ErrCorrupt means the file is not a valid journal. It was not changed.
	ErrCorrupt = errors.New("not a valid oncall journal")
	// ErrNewerSchema means the journal was written by a newer oncall.
	ErrNewerSchema = errors.New("newer than this oncall understands")
	// ErrNotFile means the journal's path names something other than a
	// regular file: a directory, a device, a pipe.
	ErrNotFile = errors.New("not a regular file")
	// ErrNotWritable means the journal exists but this process may not
	// write it; it can still be opened read-only.
	ErrNotWritable = errors.New("cannot be opened for writing")
	// ErrReadOnly means a write was asked of a Store opened read-only.
	ErrReadOnly = errors.New("opened read-only")
	// ErrReplaced means the file at the journal's path is gone, or is not
	// the one this Store checked: nothing was written. Reopen accepts what
	// is there now.
	ErrReplaced = errors.New("deleted or replaced while oncall was running")
	// ErrDamaged means a stored value failed its checksum or did not
	// decode. Readers set such values aside; see Quarantined.
	ErrDamaged = errors.New("damaged value")
)

// migration is one change of the journal's layout: the version it brings
// a journal to, the buckets that version added (paths such as
// "cache/detail", which the version check then expects), and the change
// itself, run inside the transaction that records the new version.
type migration struct {
	version uint64
	adds    []string
	migrate func(*bolt.Tx) error
}

// firstBuckets are the buckets of schema version 1.
var firstBuckets = []string{"meta", "events", "event_index", "cache"}

// migrations, in order of version, each one above the last.
var migrations = []migration{
	{version: 2, adds: []string{"outbox", "cache/detail"}, migrate: migrateOutbox},
	{version: 3, adds: []string{"quarantine"}, migrate: migrateSeal},
}

// schemaVersion is the layout this code reads and writes: the last
// migration's.
var schemaVersion = migrations[len(migrations)-1].version

// bucketsAt lists the bucket paths a journal of version has, parents
// before their children.
func bucketsAt(version uint64) []string {
	out := slices.Clone(firstBuckets)
	for _, m := range migrations {
		if m.version <= version {
			out = append(out, m.adds...)
		}
	}
	return out
}

// bucketAt finds the bucket at path ("cache/detail"); nil if missing.
func bucketAt(tx *bolt.Tx, path string) *bolt.Bucket {
	names := strings.Split(path, "/")
	b := tx.Bucket([]byte(names[0]))
	for _, n := range names[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(n))
	}
	return b
}

var (
	bucketMeta       = []byte("meta")
	bucketEvents     = []byte("events")
	bucketIndex      = []byte("event_index")
	bucketCache      = []byte("cache")
	bucketOutbox     = []byte("outbox")
	bucketQuarantine = []byte("quarantine")
	bucketDetail     = []byte("detail") // under cache

	keySchemaVersion = []byte("schema_version")
	keyIncidents     = []byte("incidents")
	keyFetchedAt     = []byte("fetched_at")
)

// lockWait bounds how long an operation waits for other processes'
// operations on the file. Theirs last milliseconds; only a process stuck
// inside one, or an older oncall holding the file for its life, makes an
// operation wait this long.
const lockWait = 5 * time.Second

// Store is a journal. Its methods are safe for concurrent use, by several
// goroutines and by several processes on one file.
type Store struct {
	path     string
	readOnly bool
	lockWait time.Duration // lockWait; tests shorten it

	mu      sync.Mutex
	pin     *os.File    // the checked file, held open (unlocked) so its identity stays unique
	pinInfo os.FileInfo // pin's identity
	ready   bool        // Open has finished: the file is never legitimately empty again
	db      *bolt.DB    // open while refs > 0
	refs    int
}

// DefaultPath returns where the journal lives by default:
// $XDG_STATE_HOME/oncall/journal.db. It creates nothing.
func DefaultPath() (string, error) {
	dir := xdg.StateHome()
	if dir == "" {
		return "", errors.New("cannot find a state directory for the journal: set XDG_STATE_HOME or HOME")
	}
	return filepath.Join(dir, "oncall", "journal.db"), nil
}

// Open opens the journal at path, creating it (directory 0700, file 0600)
// if it does not exist. A zero-length file is taken as a new journal. A file
// that is not a valid journal is refused with ErrCorrupt and left untouched.
// Other processes may have the same journal open.
func Open(path string) (*Store, error) {
	return open(path, false)
}

// OpenReadOnly opens an existing journal for reading only, as a process
// that may not write it (a read-only file or directory, or --read-only):
// it takes only a shared lock per operation, never creates, migrates or
// writes anything, and every write returns an error wrapping ErrReadOnly.
// It reads journals of this schema version and older ones.
func OpenReadOnly(path string) (*Store, error) {
	return open(path, true)
}

func open(path string, readOnly bool) (*Store, error) {
	if path == "" {
		return nil, errors.New("journal path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	s := &Store{path: abs, readOnly: readOnly, lockWait: lockWait}
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := s.prepare(); err != nil {
		s.unpin()
		return nil, err
	}
	s.mu.Lock()
	s.ready = true
	s.mu.Unlock()
	return s, nil
}

// check finds the file at the path (creating it for a writable Store),
// pins it, and proves it safe for bbolt (inspect). Called with no
// operation in flight.
func (s *Store) check() error {
	dir := filepath.Dir(s.path)
	if !s.readOnly {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("journal %s: cannot create its directory: %w", s.path, err)
		}
	}
	fi, err := os.Stat(s.path)
	created := false
	switch {
	case errors.Is(err, fs.ErrNotExist) && s.readOnly:
		return fmt.Errorf("journal %s does not exist: %w", s.path, fs.ErrNotExist)
	case errors.Is(err, fs.ErrNotExist):
		f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			created = true
			_ = f.Close()
		case errors.Is(err, fs.ErrExist): // another process made it just now
		case errors.Is(err, fs.ErrPermission):
			return fmt.Errorf("journal %s cannot be created: %w", s.path, bare(err))
		default:
			return fmt.Errorf("journal %s: cannot create it: %w", s.path, bare(err))
		}
	case err != nil:
		return fmt.Errorf("journal %s: %w", s.path, bare(err))
	case fi.IsDir():
		return fmt.Errorf("journal %s is a directory, %w", s.path, ErrNotFile)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("journal %s is %w", s.path, ErrNotFile)
	}

	flag := os.O_RDONLY
	if !s.readOnly {
		// Proves the file writable now, with the message below, rather
		// than at the first action.
		flag = os.O_RDWR
	}
	pin, err := os.OpenFile(s.path, flag, 0)
	switch {
	case errors.Is(err, fs.ErrPermission) && !s.readOnly:
		return fmt.Errorf("journal %s %w: %w", s.path, ErrNotWritable, bare(err))
	case err != nil:
		return fmt.Errorf("journal %s: cannot open it: %w", s.path, bare(err))
	}
	pinInfo, err := pin.Stat()
	if err != nil {
		_ = pin.Close()
		return fmt.Errorf("journal %s: %w", s.path, bare(err))
	}
	if !pinInfo.Mode().IsRegular() {
		_ = pin.Close()
		return fmt.Errorf("journal %s is %w", s.path, ErrNotFile)
	}
	if pinInfo.Size() > 0 {
		// bbolt trusts the header it finds and may fault on a truncated file
		// or write to one it does not recognise; look first, read-only.
		problem, err := inspect(pin, s.lockWait)
		if err != nil {
			_ = pin.Close()
			if errors.Is(err, errBusy) {
				return lockedError(s.path, s.lockWait)
			}
			return fmt.Errorf("journal %s: cannot read it: %w", s.path, bare(err))
		}
		if problem != "" {
			_ = pin.Close()
			return corrupt(s.path, problem)
		}
	} else if s.readOnly {
		_ = pin.Close()
		return fmt.Errorf("journal %s is empty: there is nothing to read", s.path)
	}
	s.mu.Lock()
	s.pin, s.pinInfo = pin, pinInfo
	s.mu.Unlock()
	if created {
		syncDir(dir) // so the new file's name survives a crash, too
	}
	return nil
}

// unpin lets go of the checked file.
func (s *Store) unpin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pin != nil {
		_ = s.pin.Close()
		s.pin, s.pinInfo = nil, nil
	}
}

// Reopen accepts the file now at the journal's path, after an operation
// returned ErrReplaced: it checks that file as Open does, or starts a new,
// empty journal there when there is none (a read-only Store cannot, and
// fails). Whatever the old file held, its queued actions included, is not
// carried over: the caller should say so.
func (s *Store) Reopen() error {
	s.mu.Lock()
	if s.refs > 0 {
		s.mu.Unlock()
		return fmt.Errorf("journal %s: cannot reopen it while an operation is running", s.path)
	}
	if s.pin != nil {
		_ = s.pin.Close()
		s.pin, s.pinInfo = nil, nil
	}
	s.ready = false
	s.mu.Unlock()
	if err := s.check(); err != nil {
		return err
	}
	if err := s.prepare(); err != nil {
		s.unpin()
		return err
	}
	s.mu.Lock()
	s.ready = true
	s.mu.Unlock()
	return nil
}

// prepare proves the file readable and ours, then creates the buckets of a
// new journal or migrates an older one. Nothing is written unless the file
// passed every check, and nothing at all by a read-only Store.
func (s *Store) prepare() (err error) {
	db, _, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.release()
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
	err = db.View(func(tx *bolt.Tx) error {
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
		return fmt.Errorf("journal %s has schema version %d, %w (version %d)",
			s.path, version, ErrNewerSchema, schemaVersion)
	case s.readOnly && fresh:
		return fmt.Errorf("journal %s holds nothing yet: there is nothing to read", s.path)
	case s.readOnly || version == schemaVersion:
		return nil
	}

	err = db.Update(func(tx *bolt.Tx) error {
		// Another process may have set it up since the look above.
		version, fresh, problem = readVersion(tx)
		switch {
		case problem != "":
			return errors.New(problem)
		case version > schemaVersion:
			return fmt.Errorf("schema version %d, %w", version, ErrNewerSchema)
		case fresh:
			for _, path := range bucketsAt(schemaVersion) {
				parent, name := "", path
				if i := strings.LastIndexByte(path, '/'); i >= 0 {
					parent, name = path[:i], path[i+1:]
				}
				var err error
				if parent == "" {
					_, err = tx.CreateBucket([]byte(name))
				} else {
					_, err = bucketAt(tx, parent).CreateBucket([]byte(name))
				}
				if err != nil {
					return fmt.Errorf("create bucket %s: %w", path, err)
				}
			}
			version = schemaVersion
		}
		for _, m := range migrations {
			if m.version <= version {
				continue
			}
			if err := m.migrate(tx); err != nil {
				return fmt.Errorf("migrating from schema version %d: %w", version, err)
			}
			version = m.version
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
		for _, path := range bucketsAt(version) {
			if bucketAt(tx, path) == nil {
				return 0, false, fmt.Sprintf("bucket %q is missing", path)
			}
		}
	}
	return version, false, ""
}

// Close lets go of the journal. Operations still running finish first.
func (s *Store) Close() error {
	s.unpin()
	return nil
}

// Path returns the absolute path of the journal file.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the Store was opened with OpenReadOnly.
func (s *Store) ReadOnly() bool { return s.readOnly }

// opError wraps the error of an operation: "journal PATH: what: err". A
// journal deleted or replaced is said first, right after the path, since
// that is what the responder must act on, and a screen may cut the line.
func (s *Store) opError(what string, err error) error {
	if errors.Is(err, ErrReplaced) {
		return fmt.Errorf("journal %s %w (%s)", s.path, err, what)
	}
	return fmt.Errorf("journal %s: %s: %w", s.path, what, err)
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
