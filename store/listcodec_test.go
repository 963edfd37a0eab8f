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

func TestListCodecCoversIncident(t *testing.T) {
	var got []string
	typ := reflect.TypeFor[incident.Incident]()
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if !slices.Equal(got, listFields) {
		t.Fatalf("incident.Incident has fields %v; the list codec knows %v: extend store/listcodec.go", got, listFields)
	}
	// Refs and responders are written field by field too.
	if n := reflect.TypeFor[incident.Ref]().NumField(); n != 2 {
		t.Errorf("incident.Ref has %d fields; the list codec writes 2", n)
	}
	if n := reflect.TypeFor[incident.Responder]().NumField(); n != 3 {
		t.Errorf("incident.Responder has %d fields; the list codec writes 3", n)
	}
}

// fullIncident sets every field, each to something its neighbours do not
// share, so that a codec that swaps two fields fails.
func fullIncident(i int) incident.Incident {
	at := time.Date(2026, 3, 7, 14, 0, 0, 123456789, time.UTC).Add(-time.Duration(i) * time.Minute)
	return incident.Incident{
		ID: fmt.Sprintf("P%06d", i), Number: 1000 + i, Title: fmt.Sprintf("disk full on node-%d: héllo\x00", i),
		Status: incident.Acknowledged, Urgency: incident.High, Priority: "P2",
		Service:          incident.Ref{ID: "PSVC", Name: "checkout"},
		EscalationPolicy: incident.Ref{ID: "PPOL", Name: "checkout primary"}, EscalationLevel: 2,
		Assignees: []incident.Responder{{ID: "PU1", Name: "Ana", Email: "ana@example.com"}, {ID: "PU2", Name: "Bo"}},
		URL:       "https://example.pagerduty.com/incidents/P1", Bridge: "+1 555 0100",
		CreatedAt: at, ResolvedAt: at.Add(time.Hour), ResolvedBy: "Ana", AlertCount: 3 + i,
		Key: fmt.Sprintf("disk/node-%d", i),
	}
}

// TestListCodecV1StillRead: a cache written before incidents carried their
// key decodes whole, with the key empty, rather than being set aside.
func TestListCodecV1StillRead(t *testing.T) {
	in := fullIncident(1)
	v2 := encodeList([]incident.Incident{in})
	// Version 1 is version 2 without the trailing key.
	key := appendString(nil, in.Key)
	v1 := append([]byte{listCodecV1}, v2[1:len(v2)-len(key)]...)
	got, err := decodeList(v1)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Key = ""
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("version 1 decoded as %#v, want %#v", got, want)
	}
	// The same bytes marked version 2 lack the key: an error, not a guess.
	if _, err := decodeList(append([]byte{listCodecV2}, v1[1:]...)); err == nil {
		t.Error("a version 2 value without its key decoded")
	}
}

func TestListCodecRoundTrip(t *testing.T) {
	for _, list := range [][]incident.Incident{
		nil,
		{{}},
		{fullIncident(1), {ID: "P2", Number: -1, CreatedAt: time.Unix(-1, 5).UTC()}, fullIncident(3)},
	} {
		got, err := decodeList(encodeList(list))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, list) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, list)
		}
	}
}

// TestListsCachedAsJSONAreStillRead: a journal whose list an older oncall
// cached as JSON still opens with its list.
func TestListsCachedAsJSONAreStillRead(t *testing.T) {
	list := []incident.Incident{fullIncident(1), fullIncident(2)}
	data, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
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
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCache).Put(keyIncidents, seal(keyIncidents, data))
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
	got, _, err := s.Incidents()
	if err != nil || !reflect.DeepEqual(got, list) {
		t.Fatalf("JSON cache read back as %v, %v", got, err)
	}
	for _, v := range [][]byte{[]byte("null"), []byte("[]")} {
		if got, err := decodeList(v); err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v", v, got, err)
		}
	}
}

// TestTheListIsStoredInTheBinaryCodec: what SaveIncidents writes is the
// list codec, not JSON, and Incidents reads it back whole.
func TestTheListIsStoredInTheBinaryCodec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	list := []incident.Incident{fullIncident(1), fullIncident(2)}
	at := time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC)
	if err := s.SaveIncidents(list, at); err != nil {
		t.Fatal(err)
	}
	got, gotAt, err := s.Incidents()
	if err != nil || !reflect.DeepEqual(got, list) || !gotAt.Equal(at) {
		t.Fatalf("read back %v at %s, %v", got, gotAt, err)
	}
	mustClose(t, s)
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCache).Get(keyIncidents)
		body, err := unseal(true, keyIncidents, v)
		if err != nil {
			t.Fatal(err)
		}
		if body[0] != listCodecV2 || !bytes.Equal(body, encodeList(list)) {
			t.Errorf("stored list starts %q, want the list codec", body[:min(len(body), 8)])
		}
		return nil
	})
}

// TestABrokenListIsAnErrorNotAPanic: cut short anywhere, or with trailing
// bytes, a stored list is refused.
func TestABrokenListIsAnErrorNotAPanic(t *testing.T) {
	full := encodeList([]incident.Incident{fullIncident(1), fullIncident(2)})
	for n := range len(full) {
		if _, err := decodeList(full[:n]); err == nil {
			t.Fatalf("cut to %d of %d bytes: decoded", n, len(full))
		}
	}
	if _, err := decodeList(append(slices.Clone(full), 0)); err == nil {
		t.Error("a trailing byte: decoded")
	}
	if _, err := decodeList([]byte{0x7f}); err == nil {
		t.Error("unknown codec byte: decoded")
	}
	// A count far beyond the bytes that follow is refused before any
	// allocation is made for it.
	if _, err := decodeList([]byte{listCodecV1, 0xff, 0xff, 0xff, 0xff, 0x0f}); !errors.Is(err, errShort) {
		t.Errorf("a huge count: %v, want errShort", err)
	}
}

func FuzzDecodeList(f *testing.F) {
	f.Add(encodeList([]incident.Incident{fullIncident(1)}))
	f.Add([]byte(`[{"id":"a"}]`))
	f.Add([]byte{listCodecV1, 1, 0x80})
	f.Fuzz(func(t *testing.T, v []byte) {
		list, err := decodeList(v)
		if err != nil || len(v) == 0 || v[0] != listCodecV2 {
			return
		}
		back, err := decodeList(encodeList(list))
		if err != nil || !reflect.DeepEqual(back, list) {
			t.Fatalf("re-encode: %+v %v", back, err)
		}
	})
}

// BenchmarkDecodeList10k decodes 10,000 cached incidents (budget: 10 ms).
func BenchmarkDecodeList10k(b *testing.B) {
	list := make([]incident.Incident, 10_000)
	for i := range list {
		list[i] = fullIncident(i)
	}
	v := encodeList(list)
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if got, err := decodeList(v); err != nil || len(got) != len(list) {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkCachedList10k reads 10,000 cached incidents back from the
// journal, as the program does before its first frame: the decoding
// plus one operation's opening, locking and checksum.
func BenchmarkCachedList10k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	list := make([]incident.Incident, 10_000)
	for i := range list {
		list[i] = fullIncident(i)
	}
	if err := s.SaveIncidents(list, time.Now()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, _, err := s.Incidents()
		if err != nil || len(got) != len(list) {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkSaveList10k caches 10,000 incidents: one transaction and fsync.
func BenchmarkSaveList10k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	list := make([]incident.Incident, 10_000)
	for i := range list {
		list[i] = fullIncident(i)
	}
	for b.Loop() {
		if err := s.SaveIncidents(list, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
