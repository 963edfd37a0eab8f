package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// valueAt finds where a value lies in a closed journal's file: the
// offsets of every copy of the bytes stored under key in the bucket at
// path (older copies may linger in freed pages; flipping them all reaches
// the live one), and its length.
func valueAt(t *testing.T, file string, path []string, key []byte) (offs []int, n int) {
	t.Helper()
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var v []byte
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(path[0]))
		for _, p := range path[1:] {
			b = b.Bucket([]byte(p))
		}
		v = bytes.Clone(b.Get(key))
		if v == nil {
			return fmt.Errorf("no value %x under %v", key, path)
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], v)
		if j < 0 {
			break
		}
		offs = append(offs, i+j)
		i += j + 1
	}
	if len(offs) == 0 {
		t.Fatalf("value %x under %v is not in the file", key, path)
	}
	return offs, len(v)
}

func writeCopy(t *testing.T, dir string, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every flip of every bit pattern at every byte of a stored note is found:
// the note is never read back with changed text, the check names it, and
// the reader sets it aside with the bytes it found, keeping the other note.
func TestFlippedByteInANoteIsDetected(t *testing.T) {
	s, path := openTemp(t)
	note, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Actor: "ana@example.com", Summary: "we roll back 4.12; error rate falling"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "paged the db team"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetState("P1", note.ID, incident.Sent, ""); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	offs, n := valueAt(t, path, []string{"events", "P1"}, be64(1))
	flips := []byte{0x01, 0x10, 0x80, 0xff}
	if testing.Short() {
		flips = flips[:1]
	}
	dir := t.TempDir()
	detected, cases := 0, 0
	for i := range n {
		for _, x := range flips {
			cases++
			data := bytes.Clone(good)
			for _, off := range offs {
				data[off+i] ^= x
			}
			off := offs[0]
			p := writeCopy(t, dir, fmt.Sprintf("j%d-%x.db", i, x), data)
			s, err := Open(p)
			if err != nil {
				t.Fatalf("byte %d ^%#x: the journal no longer opens: %v", i, x, err)
			}
			problems, err := s.Check()
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Events("P1")
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range got {
				if e.ID == note.ID || (e.ID != other.ID) {
					t.Fatalf("byte %d ^%#x: read back as %+v", i, x, e)
				}
			}
			q, err := s.Quarantined()
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 1 && strings.Contains(problems[0], "events/P1/1") && len(got) == 1 &&
				len(q) == 1 && bytes.Equal(q[0].Value, data[off:off+n]) && q[0].Bucket == "events/P1" {
				detected++
			} else {
				t.Errorf("byte %d ^%#x: check %q, %d events, quarantine %v", i, x, problems, len(got), q)
			}
			// Set aside, the rest of the journal is sound again.
			if problems, _ := s.Check(); len(problems) != 0 {
				t.Errorf("byte %d ^%#x: after setting it aside: %q", i, x, problems)
			}
			mustClose(t, s)
			os.Remove(p)
		}
	}
	t.Logf("%d of %d flips in a %d-byte note detected, none read as changed text", detected, cases, n)
}

// damage flips one byte in the middle of the value under key.
func damage(t *testing.T, file string, path []string, key []byte) {
	t.Helper()
	offs, n := valueAt(t, file, path, key)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range offs {
		data[off+n/2] ^= 0x20
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// One damaged outbox entry, and one damaged queued event, do not stop the
// rest: Outbox returns every other action, the entry's action (its event
// intact) comes back marked uncertain, the damaged event and its entry go
// to quarantine with their bytes, and the check finds both before and
// nothing after.
func TestDamagedOutboxEntryIsIsolated(t *testing.T) {
	s, path := openTemp(t)
	var ids []string
	for i, inc := range []string{"P1", "P1", "P1", "P2", "P2"} {
		e, err := s.Append(inc, incident.Event{Kind: incident.KindNote, Summary: fmt.Sprint("note ", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inc+"/"+e.ID)
	}
	mustClose(t, s)
	damage(t, path, []string{"outbox", "P1"}, be64(2)) // ids[1]: the entry only
	damage(t, path, []string{"events", "P2"}, be64(1)) // ids[3]: the event itself
	raw, _ := os.ReadFile(path)

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	problems, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(problems, "\n")
	if !strings.Contains(joined, "outbox/P1/") || !strings.Contains(joined, "events/P2/1") {
		t.Fatalf("check found %q", problems)
	}
	out, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ids[0], ids[1], ids[2], ids[4]}
	if got := actionIDs(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("outbox %v, want %v", got, want)
	}
	if a := out[1]; !a.Uncertain || a.Attempts != 1 || a.LastError == "" || a.LastAttempt.IsZero() {
		t.Fatalf("the action whose entry was damaged: %+v", a)
	}
	if out[0].Uncertain || out[2].Uncertain || out[3].Uncertain {
		t.Fatalf("other actions changed: %+v", out)
	}
	q, err := s.Quarantined()
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 3 {
		t.Fatalf("quarantine: %v", q)
	}
	for _, d := range q {
		if !bytes.Contains(raw, d.Value) || d.Problem == "" || d.At.IsZero() || strings.Contains(d.String(), "\n") {
			t.Errorf("quarantined %+v: not the bytes as found, or no reason", d)
		}
		t.Log(d)
	}
	if q[0].Bucket != "outbox/P1" || !q[0].Requeued || q[1].Bucket != "events/P2" || q[2].Bucket != "outbox/P2" || q[2].Requeued {
		t.Fatalf("quarantine: %v", q)
	}
	if evs, _ := s.Events("P2"); len(evs) != 1 {
		t.Fatalf("P2 keeps %d events", len(evs))
	}
	checkOutbox(t, s)
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("after isolating: %q %v", problems, err)
	}
	// The outbox works on: the rest can be sent.
	if err := s.SetState("P2", strings.TrimPrefix(ids[4], "P2/"), incident.Sent, ""); err != nil {
		t.Fatal(err)
	}
}

// A damaged cache value counts as no cache, and is set aside.
func TestDamagedCacheIsNoCache(t *testing.T) {
	s, path := openTemp(t)
	at := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	if err := s.SaveIncidents([]incident.Incident{{ID: "P1", Title: "db down"}}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(Snapshot{Incident: incident.Incident{ID: "P2", Title: "slow"}, FetchedAt: at}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	damage(t, path, []string{"cache", "detail"}, []byte("P2"))
	damage(t, path, []string{"cache"}, keyIncidents)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	if problems, _ := s.Check(); len(problems) != 2 {
		t.Fatalf("check: %q", problems)
	}
	if _, ok, err := s.Snapshot("P2"); ok || err != nil {
		t.Fatalf("damaged snapshot: %v %v", ok, err)
	}
	if list, _, err := s.Incidents(); list != nil || err != nil {
		t.Fatalf("damaged list: %v %v", list, err)
	}
	if q, _ := s.Quarantined(); len(q) != 2 {
		t.Fatalf("quarantine: %v", q)
	}
	if problems, _ := s.Check(); len(problems) != 0 {
		t.Fatalf("after: %q", problems)
	}
}

// A read-only Store reads, refuses every write with ErrReadOnly, and
// leaves the file as it was, while a writable one works beside it.
func TestReadOnlyStore(t *testing.T) {
	w, path := openTemp(t)
	defer mustClose(t, w)
	e, err := w.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, r)
	if !r.ReadOnly() || w.ReadOnly() {
		t.Fatal("ReadOnly")
	}
	if got, err := r.Events("P1"); err != nil || len(got) != 1 || got[0].ID != e.ID {
		t.Fatalf("events: %v %v", got, err)
	}
	if out, err := r.Outbox(); err != nil || len(out) != 1 {
		t.Fatalf("outbox: %v %v", out, err)
	}
	if _, err := r.Check(); err != nil {
		t.Fatal(err)
	}
	writes := map[string]error{}
	_, writes["Append"] = r.Append("P1", incident.Event{Kind: incident.KindNote})
	writes["SetState"] = r.SetState("P1", e.ID, incident.Sent, "")
	_, writes["BeginAttempt"] = r.BeginAttempt("P1", e.ID, time.Now())
	writes["Postpone"] = r.Postpone("P1", e.ID, time.Now(), "", false)
	writes["SaveIncidents"] = r.SaveIncidents(nil, time.Now())
	writes["SaveSnapshot"] = r.SaveSnapshot(Snapshot{Incident: incident.Incident{ID: "P1"}})
	writes["SaveFilter"] = r.SaveFilter(incident.Filter{})
	_, writes["LockSender"] = r.LockSender(t.Context())
	for name, err := range writes {
		if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s on a read-only store: %v", name, err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a read-only store changed the file")
	}
	// It sees what a writer adds meanwhile.
	if _, err := w.Append("P1", incident.Event{Kind: incident.KindNote}); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Events("P1"); len(got) != 2 {
		t.Fatalf("read-only store sees %d events", len(got))
	}
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open of a missing journal: %v", err)
	}
}

// A version 1 journal opened read-only is read as it is: not migrated,
// not changed.
func TestReadOnlyOlderSchema(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "journal-v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := writeCopy(t, t.TempDir(), "journal.db", fixture)
	s, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	a, err := s.Events("PV1AAAA")
	if err != nil || len(a) != 4 || a[1].Summary != "checked the pool: 98% used" {
		t.Fatalf("events: %+v %v", a, err)
	}
	if list, _, err := s.Incidents(); err != nil || len(list) != 1 {
		t.Fatalf("cache: %v %v", list, err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, fixture) {
		t.Fatal("the file changed")
	}
}

// A damaged index entry would stop its action at every pass (settling it
// looks the event up by id): Outbox rewrites it from the intact event,
// keeping the damaged bytes in quarantine, and the action settles.
func TestDamagedIndexEntryIsRewritten(t *testing.T) {
	s, path := openTemp(t)
	a, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "first"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "second"})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	damage(t, path, []string{"event_index"}, []byte(a.ID))
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	if err := s.SetState("P1", a.ID, incident.Sent, ""); !errors.Is(err, ErrDamaged) {
		t.Fatalf("settling through a damaged index entry: %v, want ErrDamaged", err)
	}
	out, err := s.Outbox()
	if err != nil || len(out) != 2 || out[0].Event.ID != a.ID || out[1].Event.ID != b.ID {
		t.Fatalf("outbox: %v %v", actionIDs(out), err)
	}
	if err := s.SetState("P1", a.ID, incident.Sent, ""); err != nil {
		t.Fatalf("settling after the rewrite: %v", err)
	}
	q, _ := s.Quarantined()
	if len(q) != 1 || q[0].Bucket != "event_index" || q[0].EventID != a.ID {
		t.Fatalf("quarantine: %v", q)
	}
	checkOutbox(t, s)
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("check: %q %v", problems, err)
	}
}

// downgradeToV2 rewrites a closed journal as schema version 2 wrote it:
// the same values without their checksums, no quarantine bucket.
func downgradeToV2(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		var strip func(b *bolt.Bucket) error
		strip = func(b *bolt.Bucket) error {
			type kv struct{ k, v []byte }
			var all []kv
			var subs [][]byte
			b.ForEach(func(k, v []byte) error {
				if v == nil {
					subs = append(subs, bytes.Clone(k))
				} else {
					all = append(all, kv{bytes.Clone(k), bytes.Clone(v[:len(v)-sealSize])})
				}
				return nil
			})
			for _, x := range all {
				if err := b.Put(x.k, x.v); err != nil {
					return err
				}
			}
			for _, s := range subs {
				if err := strip(b.Bucket(s)); err != nil {
					return err
				}
			}
			return nil
		}
		for _, name := range [][]byte{bucketEvents, bucketIndex, bucketOutbox, bucketCache} {
			if err := strip(tx.Bucket(name)); err != nil {
				return err
			}
		}
		if err := tx.DeleteBucket(bucketQuarantine); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Migrating a version 2 journal seals what decodes and sets aside what
// does not, so a checksum never vouches for bytes that were already bad;
// the action whose outbox entry was bad is queued again as uncertain.
func TestMigrateFromV2SealsAndSetsAside(t *testing.T) {
	s, path := openTemp(t)
	var ids []string
	for i := range 4 {
		e, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: fmt.Sprint("note ", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	if err := s.SaveIncidents([]incident.Incident{{ID: "P1", Title: "db down"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	downgradeToV2(t, path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		// Event 2 does not decode; event 3's outbox entry is not JSON.
		if err := tx.Bucket(bucketEvents).Bucket([]byte("P1")).Put(be64(2), []byte{codecV1, 0xff}); err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).Bucket([]byte("P1")).Put(be64(3), []byte("{not json"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("check after migrating: %q %v", problems, err)
	}
	out, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	if got := actionIDs(out); strings.Join(got, " ") != strings.Join([]string{"P1/" + ids[0], "P1/" + ids[2], "P1/" + ids[3]}, " ") {
		t.Fatalf("outbox after migrating: %v", got)
	}
	if out[0].Uncertain || !out[1].Uncertain || out[2].Uncertain {
		t.Fatalf("only the action whose entry was bad is uncertain: %+v", out)
	}
	q, _ := s.Quarantined()
	var where []string
	for _, d := range q {
		where = append(where, d.Bucket)
	}
	if strings.Join(where, " ") != "events/P1 event_index outbox/P1 outbox/P1" {
		t.Fatalf("set aside: %v", q)
	}
	if list, _, err := s.Incidents(); err != nil || len(list) != 1 {
		t.Fatalf("cache after migrating: %v %v", list, err)
	}
	checkOutbox(t, s)
}
