package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// fullEvent sets every field of an event, each to something its
// neighbours do not share, so that a codec that swaps two fails.
func fullEvent(i int) incident.Event {
	return incident.Event{ID: fmt.Sprintf("R%06d", i), IncidentID: "P000001", Kind: incident.KindNote,
		At:    time.Date(2026, 3, 7, 14, 0, 0, 987654321, time.UTC).Add(time.Duration(i) * time.Second),
		Actor: "Ana", Summary: fmt.Sprintf("step %d: héllo\x00", i), Origin: incident.Remote, State: incident.Sent,
		Error: "none", LocalID: fmt.Sprintf("L%d", i), Fields: map[string]string{"what": "roll back", "why": fmt.Sprint(i)}}
}

func TestSnapshotCodecRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 7, 15, 0, 0, 5, time.UTC)
	for _, snap := range []Snapshot{
		{},
		{Incident: fullIncident(1), FetchedAt: at},
		{Incident: fullIncident(2), FetchedAt: at, Events: []incident.Event{fullEvent(1), {}, fullEvent(2), {At: time.Unix(-1, 5).UTC()}}},
	} {
		got, err := decodeSnapshot(encodeSnapshot(snap))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, snap) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, snap)
		}
	}
	// Local events are left out as the snapshot is written, the provider's
	// kept in their order.
	local := fullEvent(9)
	local.Origin = incident.Local
	snap := Snapshot{Incident: fullIncident(1), Events: []incident.Event{local, fullEvent(1), local, fullEvent(2), local}}
	got, err := decodeSnapshot(encodeSnapshot(snap))
	if err != nil || !reflect.DeepEqual(got.Events, []incident.Event{fullEvent(1), fullEvent(2)}) {
		t.Errorf("with local events: %+v, %v", got.Events, err)
	}
}

// TestSnapshotsStoredAsJSONAreStillRead: a journal whose snapshot an older
// oncall wrote as JSON still opens the incident with its events, and the
// next save writes the binary codec.
func TestSnapshotsStoredAsJSONAreStillRead(t *testing.T) {
	at := time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC)
	want := Snapshot{Incident: fullIncident(1), Events: []incident.Event{fullEvent(1), fullEvent(2)}, FetchedAt: at}
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	key := []byte(want.Incident.ID)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCache).Bucket(bucketDetail).Put(key, seal(key, data))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Snapshot(want.Incident.ID)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON snapshot read back as %+v, %v, %v", got, ok, err)
	}
	if err := s.SaveSnapshot(got); err != nil {
		t.Fatal(err)
	}
	got, ok, err = s.Snapshot(want.Incident.ID)
	mustClose(t, s)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("re-saved snapshot read back as %+v, %v, %v", got, ok, err)
	}
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		body, err := unseal(true, key, tx.Bucket(bucketCache).Bucket(bucketDetail).Get(key))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, encodeSnapshot(want)) {
			t.Errorf("stored snapshot starts %q, want the snapshot codec", body[:min(len(body), 8)])
		}
		return nil
	})
}

// TestABrokenSnapshotIsAnErrorNotAPanic: cut short anywhere, with trailing
// bytes, or with an event count beyond its bytes, a snapshot is refused;
// in the journal such a value counts as no snapshot and is set aside.
func TestABrokenSnapshotIsAnErrorNotAPanic(t *testing.T) {
	full := encodeSnapshot(Snapshot{Incident: fullIncident(1), Events: []incident.Event{fullEvent(1), {}}})
	for n := range len(full) {
		if _, err := decodeSnapshot(full[:n]); err == nil {
			t.Fatalf("cut to %d of %d bytes: decoded", n, len(full))
		}
	}
	if _, err := decodeSnapshot(append(slices.Clone(full), 0)); err == nil {
		t.Error("a trailing byte: decoded")
	}
	if _, err := decodeSnapshot([]byte{0x7f}); err == nil {
		t.Error("unknown codec byte: decoded")
	}
	head := encodeSnapshot(Snapshot{})
	huge := append(head[:len(head)-1:len(head)-1], 0xff, 0xff, 0xff, 0xff, 0x0f)
	if _, err := decodeSnapshot(huge); !errors.Is(err, errShort) {
		t.Errorf("a huge event count: %v, want errShort", err)
	}

	s, path := openTemp(t)
	if err := s.SaveIncidents([]incident.Incident{{ID: "P000001", Title: "from the list"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("P000001")
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCache).Bucket(bucketDetail).Put(key, seal(key, full[:len(full)-3]))
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
	snap, ok, err := s.Snapshot("P000001")
	if err != nil || !ok || snap.Incident.Title != "from the list" || snap.Events != nil {
		t.Fatalf("a cut snapshot: %+v %v %v, want the list's entry", snap, ok, err)
	}
	damage, err := s.Quarantined()
	if err != nil || len(damage) != 1 || damage[0].Bucket != "cache/detail" {
		t.Fatalf("set aside: %+v %v", damage, err)
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(encodeSnapshot(Snapshot{Incident: fullIncident(1), Events: []incident.Event{fullEvent(1)}}))
	f.Add(encodeSnapshot(Snapshot{}))
	f.Add([]byte(`{"incident":{"id":"a"},"events":[{"id":"b"}]}`))
	f.Add([]byte{snapCodecV1, 0x80})
	f.Fuzz(func(t *testing.T, v []byte) {
		snap, err := decodeSnapshot(v)
		if err != nil || len(v) == 0 || v[0] != snapCodecV1 {
			return
		}
		back, err := decodeSnapshot(encodeSnapshot(snap))
		if err != nil || !reflect.DeepEqual(back, snap) {
			t.Fatalf("re-encode: %+v %v", back, err)
		}
	})
}

func snapshot100k() Snapshot {
	events := make([]incident.Event, 100_000)
	for i := range events {
		events[i] = incident.Event{ID: fmt.Sprintf("R%07d", i), IncidentID: "P000001", Kind: incident.KindNote,
			At: time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second), Actor: "Ana Lima",
			Summary: fmt.Sprintf("step %d: rolled back 4.12, error rate falling", i), Origin: incident.Remote}
	}
	return Snapshot{Incident: fullIncident(1), Events: events, FetchedAt: time.Now().UTC()}
}

// BenchmarkSnapshot100k reads back the journal's snapshot of an incident
// with 100,000 events, as opening it while PagerDuty does not answer does.
func BenchmarkSnapshot100k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.SaveSnapshot(snapshot100k()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		snap, ok, err := s.Snapshot("P000001")
		if err != nil || !ok || len(snap.Events) != 100_000 {
			b.Fatal(len(snap.Events), ok, err)
		}
	}
}

// BenchmarkSaveSnapshot100k writes that snapshot: one transaction and fsync.
func BenchmarkSaveSnapshot100k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	snap := snapshot100k()
	for b.Loop() {
		if err := s.SaveSnapshot(snap); err != nil {
			b.Fatal(err)
		}
	}
}
