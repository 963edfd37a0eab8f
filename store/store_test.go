package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "oncall", "journal.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

func mustClose(t *testing.T, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// rawView and rawUpdate run a transaction on the journal's bbolt file as it
// is, for tests that look under or damage the store's layer.
func rawView(s *Store, fn func(tx *bolt.Tx) error) error {
	db, _, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.release()
	return db.View(fn)
}

func rawUpdate(s *Store, fn func(tx *bolt.Tx) error) error {
	db, _, err := s.acquire()
	if err != nil {
		return err
	}
	defer s.release()
	return db.Update(fn)
}

// checkFile runs bbolt's consistency check on a closed journal.
func checkFile(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("consistency check: %v", err)
	}
}

func TestAppendPersistsInOrder(t *testing.T) {
	s, path := openTemp(t)
	want := map[string][]incident.Event{}
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 12 {
		inc := []string{"PABC123", "PXYZ789"}[i%2]
		in := incident.Event{
			Kind:    []incident.Kind{incident.KindNote, incident.KindAcknowledge, incident.KindResolve}[i%3],
			Actor:   "ana@example.com",
			Summary: fmt.Sprintf("step %d: we roll back 4.12", i),
		}
		if i%4 == 0 {
			in.At = base.Add(time.Duration(i) * time.Minute).In(time.FixedZone("CET", 3600))
		}
		e, err := s.Append(inc, in)
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == "" || e.IncidentID != inc || e.Origin != incident.Local || e.State != incident.Queued || e.At.IsZero() || e.At.Location() != time.UTC {
			t.Fatalf("Append did not fill in the event: %+v", e)
		}
		if !in.At.IsZero() && !e.At.Equal(in.At) {
			t.Fatalf("At changed: %v, want %v", e.At, in.At)
		}
		want[inc] = append(want[inc], e)
	}
	given, err := s.Append("PABC123", incident.Event{ID: "custom-1", Kind: incident.KindNote, Origin: incident.Remote, IncidentID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if given.ID != "custom-1" || given.Origin != incident.Local || given.IncidentID != "PABC123" {
		t.Fatalf("given id event: %+v", given)
	}
	want["PABC123"] = append(want["PABC123"], given)
	if _, err := s.Append("PXYZ789", incident.Event{ID: "custom-1"}); err == nil {
		t.Fatal("a duplicate id was accepted")
	}
	if _, err := s.Append("", incident.Event{}); err == nil {
		t.Fatal("an empty incident id was accepted")
	}
	mustClose(t, s)
	checkFile(t, path)

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	for inc, w := range want {
		got, err := s.Events(inc)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(w) {
			t.Fatalf("%s: %d events, want %d", inc, len(got), len(w))
		}
		for i := range w {
			if !reflect.DeepEqual(got[i], w[i]) {
				t.Errorf("%s[%d] = %+v\nwant %+v", inc, i, got[i], w[i])
			}
		}
	}
	none, err := s.Events("PNONE")
	if err != nil || len(none) != 0 {
		t.Fatalf("unknown incident: %v, %v", none, err)
	}
}

func TestSetStatePersists(t *testing.T) {
	s, path := openTemp(t)
	a, _ := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "a"})
	b, _ := s.Append("P1", incident.Event{Kind: incident.KindAcknowledge})
	c, _ := s.Append("P2", incident.Event{Kind: incident.KindResolve})
	if err := s.SetState("P1", a.ID, incident.Sent, "ignored"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState("P1", b.ID, incident.Failed, "403 forbidden"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState("P1", "nope", incident.Sent, ""); !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("unknown event: %v", err)
	}
	if err := s.SetState("P1", c.ID, incident.Sent, ""); !errors.Is(err, incident.ErrNotFound) {
		t.Fatalf("event of another incident: %v", err)
	}
	if err := s.SetState("P2", c.ID, "bogus", ""); err == nil {
		t.Fatal("a bogus state was accepted")
	}
	mustClose(t, s)
	checkFile(t, path)

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	got, _ := s.Events("P1")
	if len(got) != 2 || got[0].State != incident.Sent || got[0].Error != "" ||
		got[1].State != incident.Failed || got[1].Error != "403 forbidden" {
		t.Fatalf("after reopen: %+v", got)
	}
	got, _ = s.Events("P2")
	if len(got) != 1 || got[0].State != incident.Queued {
		t.Fatalf("P2 changed: %+v", got)
	}
	// Sent after Failed clears the error.
	if err := s.SetState("P1", b.ID, incident.Sent, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Events("P1")
	if got[1].State != incident.Sent || got[1].Error != "" {
		t.Fatalf("retry: %+v", got[1])
	}
}

func TestModes(t *testing.T) {
	s, path := openTemp(t)
	mustClose(t, s)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("file mode %v, want 0600", m)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if m := di.Mode().Perm(); m != 0o700 {
		t.Errorf("dir mode %v, want 0700", m)
	}
}

// journalBytes builds a good journal with some events and returns its bytes.
func journalBytes(t *testing.T) []byte {
	t.Helper()
	s, path := openTemp(t)
	for i := range 50 {
		if _, err := s.Append(fmt.Sprintf("P%d", i%5), incident.Event{Kind: incident.KindNote, Summary: strings.Repeat("x", 200)}); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, s)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestCorruptFilesAreRefusedAndUntouched(t *testing.T) {
	good := journalBytes(t)
	// Only pages below the high-water mark matter; bbolt's file may be
	// longer, so cut within them.
	hwm := highWater(t, good)
	garbage := bytes.Repeat([]byte("this is not a bbolt file\n"), 1000)

	// A journal whose tree pages are overwritten but whose meta pages are
	// intact: the header check passes, the page check must not.
	damaged := bytes.Clone(good)
	for i := 2 * 4096; i < len(damaged); i++ {
		damaged[i] = byte(i * 7)
	}
	// Both meta pages zeroed.
	noMeta := bytes.Clone(good)
	clear(noMeta[:2*4096])

	cases := map[string][]byte{
		"garbage":           garbage,
		"one byte":          {0},
		"garbage one page":  garbage[:4096],
		"garbage 5000":      garbage[:5000],
		"truncated 100":     good[:100],
		"truncated 4096":    good[:4096],
		"truncated 6000":    good[:6000],
		"truncated 8192":    good[:8192],
		"truncated 3 pages": good[:3*4096],
		"truncated half":    good[:hwm/2],
		"truncated hwm-1":   good[:hwm-1],
		"truncated a page":  good[:hwm-4096],
		"damaged tree":      damaged,
		"no meta":           noMeta,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(path)
			s, err := Open(path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want ErrCorrupt", err)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "move it aside") || strings.Contains(msg, "\n") {
				t.Errorf("message: %q", msg)
			}
			t.Log(err)
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, data) {
				t.Fatal("the file changed")
			}
			if fi, _ := os.Stat(path); !fi.ModTime().Equal(before.ModTime()) {
				t.Error("the file's mtime changed")
			}
		})
	}
}

// highWater returns how many bytes of a journal's pages are in use.
func highWater(t *testing.T, data []byte) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m0, ok0, _ := readMeta(f, 0)
	m1, ok1, _ := readMeta(f, 4096)
	if !ok0 || !ok1 {
		t.Fatal("journal has a bad meta page")
	}
	hwm := int(max(m0.pgid, m1.pgid) * m0.pageSize)
	if hwm < 6*4096 || hwm > len(data) {
		t.Fatalf("high-water mark %d of a %d-byte file", hwm, len(data))
	}
	return hwm
}

// Damage at random places must give either a working journal or an error,
// never a crash, a hang or a runaway allocation, and a refused file must be
// left as it was.
func TestDamagedJournalsNeverCrash(t *testing.T) {
	good := journalBytes(t)
	hwm := highWater(t, good)
	r := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	n := 400
	if testing.Short() {
		n = 50
	}
	for i := range n {
		data := bytes.Clone(good)
		for range 1 + r.IntN(8) {
			off := r.IntN(hwm - 8)
			if r.IntN(2) == 0 {
				data[off] ^= byte(1 + r.IntN(255))
			} else {
				for j := range 4 {
					data[off+j] = byte(r.IntN(256))
				}
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("j%d.db", i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err == nil {
			s.Events("P1") // may fail on a damaged value; must not crash
			s.Close()
			continue
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
			t.Fatalf("damaged file %d changed after %v", i, err)
		}
	}
}

func TestOtherProgramsBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("widgets"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	if _, err := Open(path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v, want ErrCorrupt", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the file changed")
	}
}

func TestZeroLengthFileIsNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	checkFile(t, path)
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := openTemp(t)
	err := rawUpdate(s, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, be64(schemaVersion+1))
	})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	before, _ := os.ReadFile(path)
	_, err = Open(path)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want ErrNewerSchema naming the file", err)
	}
	t.Log(err)
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the file changed")
	}
}

func TestBadPaths(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); !errors.Is(err, ErrNotFile) || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("directory: %v", err)
	}
	if _, err := OpenReadOnly("/dev/null"); !errors.Is(err, ErrNotFile) {
		t.Fatalf("a device: %v", err)
	}
	if _, err := Open(""); err == nil {
		t.Fatal("empty path accepted")
	}
}

func TestCacheRoundTrip(t *testing.T) {
	s, path := openTemp(t)
	list, at, err := s.Incidents()
	if err != nil || list != nil || !at.IsZero() {
		t.Fatalf("empty cache: %v %v %v", list, at, err)
	}
	fetched := time.Date(2026, 3, 1, 12, 30, 15, 123456789, time.FixedZone("CET", 3600))
	want := []incident.Incident{
		{ID: "PABC", Number: 42, Title: "db down", Status: incident.Triggered, Urgency: incident.High, Priority: "P1",
			Service: incident.Ref{ID: "S1", Name: "db"}, Assignees: []incident.Responder{{ID: "U1", Name: "Ana"}},
			CreatedAt: fetched.UTC().Add(-time.Hour)},
		{ID: "PDEF", Number: 43, Title: "slow", Status: incident.Acknowledged, Urgency: incident.Low, CreatedAt: fetched.UTC()},
	}
	if err := s.SaveIncidents(want, fetched); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	list, at, err = s.Incidents()
	if err != nil {
		t.Fatal(err)
	}
	if !at.Equal(fetched) || at.Location() != time.UTC {
		t.Errorf("fetchedAt %v, want %v in UTC", at, fetched)
	}
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Errorf("list\n%+v\nwant\n%+v", list, want)
	}
	if err := s.SaveIncidents(nil, fetched); err != nil {
		t.Fatal(err)
	}
	if list, _, _ = s.Incidents(); len(list) != 0 {
		t.Errorf("after saving none: %v", list)
	}
}

func TestIDsUniqueAndSorted(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	prev := ""
	for range n {
		id := newID()
		if len(id) != 26 || strings.Trim(id, crockford) != "" {
			t.Fatalf("malformed id %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		if id <= prev {
			t.Fatalf("id %q sorts before %q", id, prev)
		}
		prev = id
	}
	// The clock stepping back does not break the order.
	var g idGen
	a := g.next(time.UnixMilli(2_000_000))
	b := g.next(time.UnixMilli(1_000_000))
	c := g.next(time.UnixMilli(2_000_001))
	if !(a < b && b < c) {
		t.Fatalf("clock step back: %s %s %s", a, b, c)
	}
	// The time is readable from the first ten characters.
	if g := encode([16]byte{0, 0, 0, 0, 0, 1}); g[:10] != "0000000001" {
		t.Fatalf("encode: %s", g)
	}
}

func TestDefaultPath(t *testing.T) {
	p, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, filepath.Join("oncall", "journal.db")) || !filepath.IsAbs(p) {
		t.Fatalf("DefaultPath = %q", p)
	}
}

func TestConcurrentAppends(t *testing.T) {
	s, _ := openTemp(t)
	defer mustClose(t, s)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: fmt.Sprint(g, i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Events("P1")
	if err != nil || len(got) != 160 {
		t.Fatalf("%d events, %v", len(got), err)
	}
}
