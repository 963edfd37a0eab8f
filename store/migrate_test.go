package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestMigrationsClimbOneVersionAtATime: the records run 2, 3, ... up to
// schemaVersion, so that a journal of any older version meets every
// change exactly once.
func TestMigrationsClimbOneVersionAtATime(t *testing.T) {
	for i, m := range migrations {
		if want := uint64(i + 2); m.version != want {
			t.Errorf("migrations[%d] brings version %d, want %d", i, m.version, want)
		}
		if m.migrate == nil {
			t.Errorf("migration to %d has no change", m.version)
		}
	}
	if schemaVersion != migrations[len(migrations)-1].version {
		t.Errorf("schemaVersion %d is not the last migration's", schemaVersion)
	}
}

// TestANewJournalHasEveryBucketOfItsVersion: a fresh journal holds
// exactly the buckets the records list for schemaVersion, nested ones
// included, so the version check passes on it and on nothing less.
func TestANewJournalHasEveryBucketOfItsVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := bucketsAt(schemaVersion)
	if !slices.Contains(want, "cache/detail") || !slices.Contains(want, "quarantine") {
		t.Fatalf("buckets at %d: %v lack a migration's", schemaVersion, want)
	}
	var top []string
	err = db.View(func(tx *bolt.Tx) error {
		for _, p := range want {
			if bucketAt(tx, p) == nil {
				t.Errorf("bucket %s missing from a new journal", p)
			}
		}
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			top = append(top, string(name))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range top {
		if !slices.Contains(want, name) {
			t.Errorf("a new journal has bucket %s, which no record lists", name)
		}
	}
}

// TestABucketIsExpectedFromItsOwnVersionOn: a version 2 journal without
// the quarantine (a version 3 bucket) is migrated, while one without the
// outbox (a version 2 bucket) is refused.
func TestABucketIsExpectedFromItsOwnVersionOn(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "journal-v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		drop string
		ok   bool
	}{{"", true}, {"outbox", false}} {
		path := filepath.Join(t.TempDir(), "journal.db")
		if err := os.WriteFile(path, fixture, 0o600); err != nil {
			t.Fatal(err)
		}
		// Bring the v1 fixture to version 2 by its own record, as an
		// oncall of that version would have left it.
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			if err := migrations[0].migrate(tx); err != nil {
				return err
			}
			if tc.drop != "" {
				if err := tx.DeleteBucket([]byte(tc.drop)); err != nil {
					return err
				}
			}
			return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(2))
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if tc.ok {
			if err != nil {
				t.Errorf("a whole version 2 journal: %v", err)
				continue
			}
			mustClose(t, s)
		} else if !errors.Is(err, ErrCorrupt) {
			t.Errorf("version 2 without %s: err = %v, want ErrCorrupt", tc.drop, err)
		}
	}
}
