package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// The weekly review's cache. A review reads every incident of a period
// and each one's log; most of them were resolved weeks ago and will not
// change, so what was fetched is kept here and the next review asks
// PagerDuty only for what is new or still open.
//
//	review_cache/                       created on demand by the first save;
//	    <incident id> -> JSON ReviewEntry   a journal without it is whole
//
// The bucket is outside the schema's required tree on purpose: it is a
// cache, an older oncall ignores it, and deleting it loses nothing but
// requests. Values are sealed like every other value (codec.go); a damaged
// one reads as absent and is written again by the next save.

var bucketReviewCache = []byte("review_cache")

// ReviewEntry is what a review fetched of one incident: the incident as
// listed and PagerDuty's side of its timeline, at FetchedAt.
type ReviewEntry struct {
	Incident  incident.Incident `json:"incident"`
	Events    []incident.Event  `json:"events,omitempty"`
	FetchedAt time.Time         `json:"fetched_at"`
}

// ReviewEntries returns the cached entries of the incidents ids names that
// the cache holds, in one read transaction. A damaged entry is left out:
// it is only a cache.
func (s *Store) ReviewEntries(ids []string) (map[string]ReviewEntry, error) {
	out := make(map[string]ReviewEntry, len(ids))
	err := s.view(func(tx *bolt.Tx, sealed bool) error {
		clear(out)
		b := tx.Bucket(bucketReviewCache)
		if b == nil {
			return nil
		}
		for _, id := range ids {
			key := []byte(id)
			raw := b.Get(key)
			if raw == nil {
				continue
			}
			body, err := unseal(sealed, key, raw)
			if err != nil {
				continue
			}
			var e ReviewEntry
			if json.Unmarshal(body, &e) != nil || e.Incident.ID != id {
				continue
			}
			e.FetchedAt = e.FetchedAt.UTC()
			out[id] = e
		}
		return nil
	})
	if err != nil {
		return nil, s.opError("reading the review cache", err)
	}
	return out, nil
}

// SaveReviewEntries writes entries into the review cache in one
// transaction (one fsync however many), replacing what it held for them.
// Only PagerDuty's events are kept: local ones live in the journal.
func (s *Store) SaveReviewEntries(entries []ReviewEntry) error {
	if len(entries) == 0 {
		return nil
	}
	type kv struct{ k, v []byte }
	vals := make([]kv, 0, len(entries))
	for _, e := range entries {
		if e.Incident.ID == "" {
			return fmt.Errorf("journal %s: caching a review: an incident without an id", s.path)
		}
		remote := make([]incident.Event, 0, len(e.Events))
		for _, ev := range e.Events {
			if ev.Origin != incident.Local {
				remote = append(remote, ev)
			}
		}
		e.Events = remote
		e.FetchedAt = e.FetchedAt.UTC()
		data, err := json.Marshal(e)
		if err != nil {
			return s.opError("caching a review", err)
		}
		key := []byte(e.Incident.ID)
		vals = append(vals, kv{key, seal(key, data)})
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReviewCache)
		if err != nil {
			return err
		}
		for _, p := range vals {
			if err := b.Put(p.k, p.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.opError("caching a review", err)
	}
	return nil
}

// JournaledIncidents lists the ids of the incidents the journal holds
// events of, in key order: where a review looks for follow-ups recorded
// before its period and still open.
func (s *Store) JournaledIncidents() ([]string, error) {
	var out []string
	err := s.view(func(tx *bolt.Tx, _ bool) error {
		out = out[:0]
		return tx.Bucket(bucketEvents).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, s.opError("listing the journal's incidents", err)
	}
	return out, nil
}
