package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// checkOutbox asserts the outbox invariant on an open store: an event has
// an outbox entry exactly when it is Queued and Outbound, under the same
// seq, and the outbox holds no empty incident bucket.
func checkOutbox(t *testing.T, s *Store) {
	t.Helper()
	err := rawView(s, func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		err := tx.Bucket(bucketEvents).ForEachBucket(func(inc []byte) error {
			ib := ob.Bucket(inc)
			return tx.Bucket(bucketEvents).Bucket(inc).ForEach(func(k, v []byte) error {
				e, err := decodeStored(true, string(inc), k, v)
				if err != nil {
					return err
				}
				var en []byte
				if ib != nil {
					en = ib.Get(k)
				}
				if pending(e) != (en != nil) {
					return fmt.Errorf("event %s (%s, %s): outbox entry present=%v", e.ID, e.Kind, e.State, en != nil)
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		return ob.ForEachBucket(func(inc []byte) error {
			eb := tx.Bucket(bucketEvents).Bucket(inc)
			n := 0
			err := ob.Bucket(inc).ForEach(func(k, _ []byte) error {
				n++
				if eb == nil || eb.Get(k) == nil {
					return fmt.Errorf("outbox entry %s/%x has no event", inc, k)
				}
				return nil
			})
			if err == nil && n == 0 {
				err = fmt.Errorf("empty outbox bucket %s", inc)
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func actionIDs(actions []Action) []string {
	var out []string
	for _, a := range actions {
		out = append(out, a.Event.IncidentID+"/"+a.Event.ID)
	}
	return out
}

func TestOutboxFollowsState(t *testing.T) {
	s, path := openTemp(t)
	ack, _ := s.Append("P2", incident.Event{Kind: incident.KindAcknowledge})
	note, _ := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "checked the pool"})
	star, err := s.Append("P1", incident.Event{Kind: incident.KindStar, State: incident.LocalOnly, Fields: map[string]string{"event_id": note.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if star.State != incident.LocalOnly {
		t.Fatalf("a local-only event got state %q", star.State)
	}
	done, _ := s.Append("P1", incident.Event{Kind: incident.KindNote, State: incident.Sent})
	batch, err := s.AppendAll("P1", []incident.Event{
		{Kind: incident.KindDecision, Summary: "roll back", Fields: map[string]string{"what": "roll back 4.12"}},
		{Kind: incident.KindResolve},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = done
	checkOutbox(t, s)

	got, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"P1/" + note.ID, "P1/" + batch[0].ID, "P1/" + batch[1].ID, "P2/" + ack.ID}
	if !reflect.DeepEqual(actionIDs(got), want) {
		t.Fatalf("outbox %v, want %v", actionIDs(got), want)
	}
	if !reflect.DeepEqual(got[1].Event, batch[0]) || got[0].Attempts != 0 || got[0].Uncertain || !got[0].NextAttempt.IsZero() {
		t.Fatalf("first actions: %+v", got[:2])
	}

	// An attempt is marked before it starts, and survives a reopen.
	at := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	a, err := s.BeginAttempt("P1", note.ID, at.In(time.FixedZone("X", 3600)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Attempts != 1 || !a.Uncertain || !a.LastAttempt.Equal(at) {
		t.Fatalf("after BeginAttempt: %+v", a)
	}
	if err := s.Postpone("P1", note.ID, at.Add(time.Minute), "429", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginAttempt("P1", note.ID, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	checkFile(t, path)
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	got, _ = s.Outbox()
	if a := got[0]; a.Attempts != 2 || !a.Uncertain || a.LastError != "429" || !a.NextAttempt.Equal(at.Add(time.Minute)) || !a.LastAttempt.Equal(at.Add(time.Minute)) {
		t.Fatalf("after reopen: %+v", a)
	}

	// Sent and Failed take actions out; the last one out of an incident
	// removes its bucket.
	if err := s.SetState("P2", ack.ID, incident.Sent, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState("P1", batch[1].ID, incident.Failed, "400"); err != nil {
		t.Fatal(err)
	}
	checkOutbox(t, s)
	got, _ = s.Outbox()
	if want := []string{"P1/" + note.ID, "P1/" + batch[0].ID}; !reflect.DeepEqual(actionIDs(got), want) {
		t.Fatalf("outbox %v, want %v", actionIDs(got), want)
	}
	// Queued again puts a failed action back, counted afresh, in its place.
	if err := s.SetState("P1", batch[1].ID, incident.Queued, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState("P1", note.ID, incident.Queued, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Outbox()
	if want := []string{"P1/" + note.ID, "P1/" + batch[0].ID, "P1/" + batch[1].ID}; !reflect.DeepEqual(actionIDs(got), want) || got[2].Attempts != 0 || got[0].Attempts != 2 {
		t.Fatalf("outbox %v, want %v; %+v", actionIDs(got), want, got)
	}
	// Queued puts a local-only event of an outbound kind (a star) in the
	// outbox; LocalOnly takes a pending action out.
	if err := s.SetState("P1", star.ID, incident.Queued, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState("P1", batch[0].ID, incident.LocalOnly, ""); err != nil {
		t.Fatal(err)
	}
	checkOutbox(t, s)
	got, _ = s.Outbox()
	if want := []string{"P1/" + note.ID, "P1/" + star.ID, "P1/" + batch[1].ID}; !reflect.DeepEqual(actionIDs(got), want) {
		t.Fatalf("outbox %v, want %v", actionIDs(got), want)
	}

	// Attempts on something not pending are refused.
	if _, err := s.BeginAttempt("P2", ack.ID, at); !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("BeginAttempt on a sent event: %v", err)
	}
	if err := s.Postpone("P2", "nope", at, "", false); !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("Postpone on an unknown event: %v", err)
	}
	for _, k := range []incident.Kind{incident.KindStar, incident.KindRunbookStep, incident.KindTask, incident.KindNote, incident.KindAcknowledge, incident.KindResolve, incident.KindStatusUpdate, incident.KindDecision, "some_future_kind"} {
		if !Outbound(k) {
			t.Errorf("%s is not outbound", k)
		}
	}
}

func TestAppendAllIsAllOrNothing(t *testing.T) {
	s, _ := openTemp(t)
	defer mustClose(t, s)
	if _, err := s.Append("P1", incident.Event{ID: "dup", Kind: incident.KindNote}); err != nil {
		t.Fatal(err)
	}
	_, err := s.AppendAll("P1", []incident.Event{{Kind: incident.KindNote}, {ID: "dup", Kind: incident.KindNote}})
	if err == nil {
		t.Fatal("a batch with a duplicate id was accepted")
	}
	if got, _ := s.Events("P1"); len(got) != 1 {
		t.Fatalf("%d events after a failed batch", len(got))
	}
	if got, _ := s.Outbox(); len(got) != 1 {
		t.Fatalf("%d outbox entries after a failed batch", len(got))
	}
	if _, err := s.AppendAll("P1", []incident.Event{{Kind: incident.KindNote, State: "bogus"}}); err == nil {
		t.Fatal("a bogus state was accepted")
	}
}

func TestSnapshotCache(t *testing.T) {
	s, path := openTemp(t)
	at := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	if _, ok, err := s.Snapshot("P1"); ok || err != nil {
		t.Fatalf("empty cache: %v %v", ok, err)
	}
	list := []incident.Incident{{ID: "P1", Title: "db down", Status: incident.Triggered}, {ID: "P2", Title: "slow"}}
	if err := s.SaveIncidents(list, at); err != nil {
		t.Fatal(err)
	}
	// The list answers until a snapshot is saved.
	snap, ok, err := s.Snapshot("P2")
	if err != nil || !ok || snap.Incident.Title != "slow" || !snap.FetchedAt.Equal(at) || snap.Events != nil {
		t.Fatalf("from the list: %+v %v %v", snap, ok, err)
	}
	remote := incident.Event{ID: "R1", IncidentID: "P1", Kind: incident.KindTrigger, At: at, Origin: incident.Remote, Summary: "Triggered"}
	local := incident.Event{ID: "L1", IncidentID: "P1", Kind: incident.KindNote, At: at, Origin: incident.Local}
	err = s.SaveSnapshot(Snapshot{Incident: incident.Incident{ID: "P1", Title: "db down", Status: incident.Acknowledged},
		Events: []incident.Event{remote, local}, FetchedAt: at.Add(time.Minute).In(time.FixedZone("X", 3600))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(Snapshot{}); err == nil {
		t.Fatal("a snapshot without an incident id was accepted")
	}
	mustClose(t, s)
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	snap, ok, err = s.Snapshot("P1")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if snap.Incident.Status != incident.Acknowledged || len(snap.Events) != 1 || snap.Events[0].ID != "R1" ||
		!snap.FetchedAt.Equal(at.Add(time.Minute)) || snap.FetchedAt.Location() != time.UTC {
		t.Fatalf("snapshot %+v", snap)
	}
	now := at.Add(11 * time.Minute)
	if snap.Age(now) != 10*time.Minute || !snap.Stale(now, 5*time.Minute) || snap.Stale(now, time.Hour) {
		t.Fatalf("age %v", snap.Age(now))
	}
}

// The fixture testdata/journal-v1.db was written by the schema-1 store
// (commit c0f1c90): incident PV1AAAA has an acknowledge (sent), two notes
// (queued) and a resolve (queued); PV1BBBB has a note that failed; the
// incident list cache holds PV1AAAA.
func TestMigrateFromV1(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "journal-v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var version uint64
	rawView(s, func(tx *bolt.Tx) error {
		version = beUint64(tx.Bucket(bucketMeta).Get(keySchemaVersion))
		return nil
	})
	if version != schemaVersion || schemaVersion != 3 {
		t.Fatalf("schema version %d after migrating", version)
	}
	checkOutbox(t, s)
	base := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	a, err := s.Events("PV1AAAA")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id    string
		kind  incident.Kind
		state incident.SyncState
		min   int
		text  string
	}{
		{"01JV1000000000000000000001", incident.KindAcknowledge, incident.Sent, 1, ""},
		{"01JV1000000000000000000002", incident.KindNote, incident.Queued, 2, "checked the pool: 98% used"},
		{"01JV1000000000000000000004", incident.KindNote, incident.Queued, 4, "rolled back 4.12"},
		{"01JV1000000000000000000005", incident.KindResolve, incident.Queued, 5, ""},
	}
	if len(a) != len(want) {
		t.Fatalf("%d events: %+v", len(a), a)
	}
	for i, w := range want {
		e := a[i]
		if e.ID != w.id || e.Kind != w.kind || e.State != w.state || !e.At.Equal(base.Add(time.Duration(w.min)*time.Minute)) ||
			e.Summary != w.text || e.Actor != "ana@example.com" || e.Origin != incident.Local || e.IncidentID != "PV1AAAA" {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	b, _ := s.Events("PV1BBBB")
	if len(b) != 1 || b[0].State != incident.Failed || b[0].Error == "" {
		t.Fatalf("PV1BBBB: %+v", b)
	}
	// Queued v1 events wait in the outbox, marked uncertain: v1 may have
	// sent them before it stopped.
	out, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Event.ID != want[1].id || out[1].Event.ID != want[2].id || out[2].Event.ID != want[3].id {
		t.Fatalf("outbox: %v", actionIDs(out))
	}
	for _, x := range out {
		if !x.Uncertain || x.Attempts != 0 {
			t.Errorf("migrated action %+v", x)
		}
	}
	list, at, err := s.Incidents()
	if err != nil || len(list) != 1 || list[0].ID != "PV1AAAA" || !at.Equal(base.Add(6*time.Minute)) {
		t.Fatalf("cache: %v %v %v", list, at, err)
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("check after migrating: %q %v", problems, err)
	}
	// The migrated journal works as a new one does.
	if _, err := s.Append("PV1AAAA", incident.Event{Kind: incident.KindNote}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(Snapshot{Incident: list[0], FetchedAt: at}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	checkFile(t, path)
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	if out, _ := s.Outbox(); len(out) != 4 {
		t.Fatalf("after reopen: %d pending", len(out))
	}
}

// A v1 file that lacks a v1 bucket is refused, not migrated.
func TestMigrateRefusesABrokenV1(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "journal-v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	os.WriteFile(path, fixture, 0o600)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketIndex) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v, want ErrCorrupt", err)
	}
}
