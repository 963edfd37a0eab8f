package store

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// TestReviewCachePersists: entries saved in one call read back after the
// journal is closed and reopened, local events are not kept, an entry
// overwritten is replaced, a damaged value reads as absent (and a new save
// heals it), and the journal with the new bucket passes its checks.
func TestReviewCachePersists(t *testing.T) {
	s, path := openTemp(t)
	// A journal that never cached a review reads as an empty cache.
	got, err := s.ReviewEntries([]string{"PA"})
	if err != nil || len(got) != 0 {
		t.Fatalf("empty cache: %v, %v", got, err)
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	entries := []ReviewEntry{
		{Incident: incident.Incident{ID: "PA", Number: 1, Status: incident.Resolved},
			Events: []incident.Event{
				{ID: "R1", Kind: incident.KindTrigger, At: at, Origin: incident.Remote},
				{ID: "L1", Kind: incident.KindNote, At: at, Origin: incident.Local},
			}, FetchedAt: at.In(time.FixedZone("x", 3600))},
		{Incident: incident.Incident{ID: "PB", Number: 2}, FetchedAt: at},
	}
	if err := s.SaveReviewEntries(entries); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append("PX", incident.Event{Kind: incident.KindNote, Summary: "n"}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	got, err = s.ReviewEntries([]string{"PA", "PB", "PC"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d entries, want PA and PB", len(got))
	}
	a := got["PA"]
	if len(a.Events) != 1 || a.Events[0].ID != "R1" || !a.FetchedAt.Equal(at) || a.FetchedAt.Location() != time.UTC {
		t.Errorf("PA = %+v; want only the remote event and the fetch time in UTC", a)
	}
	if err := s.SaveReviewEntries([]ReviewEntry{{Incident: incident.Incident{ID: "PB", Number: 2, Status: incident.Resolved}, FetchedAt: at}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ReviewEntries([]string{"PB"})
	if got["PB"].Incident.Status != incident.Resolved {
		t.Errorf("PB after a second save = %+v, want it replaced", got["PB"])
	}

	// Damage PA's value: it reads as absent, then a save writes it whole.
	if err := rawUpdate(s, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReviewCache).Put([]byte("PA"), []byte("{garbage"))
	}); err != nil {
		t.Fatal(err)
	}
	got, err = s.ReviewEntries([]string{"PA", "PB"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["PA"]; ok || len(got) != 1 {
		t.Errorf("damaged PA read as %+v", got)
	}
	if err := s.SaveReviewEntries(entries[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.ReviewEntries([]string{"PA"}); got["PA"].Incident.ID != "PA" {
		t.Errorf("PA not healed by a save: %+v", got)
	}

	ids, err := s.JournaledIncidents()
	if err != nil || len(ids) != 1 || ids[0] != "PX" {
		t.Errorf("JournaledIncidents = %v, %v; want [PX]", ids, err)
	}
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Errorf("Check = %v, %v", problems, err)
	}
}

// TestReviewCacheReadOnly: a read-only journal reads the cache and refuses
// to write it, with ErrReadOnly.
func TestReviewCacheReadOnly(t *testing.T) {
	s, path := openTemp(t)
	if err := s.SaveReviewEntries([]ReviewEntry{{Incident: incident.Incident{ID: "PA"}}}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, ro)
	if got, err := ro.ReviewEntries([]string{"PA"}); err != nil || len(got) != 1 {
		t.Errorf("read-only ReviewEntries = %v, %v", got, err)
	}
	if err := ro.SaveReviewEntries([]ReviewEntry{{Incident: incident.Incident{ID: "PB"}}}); err == nil {
		t.Error("a read-only journal saved a review entry")
	}
}
