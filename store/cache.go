package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// SaveIncidents replaces the cached incident list with list, as fetched at
// fetchedAt.
func (s *Store) SaveIncidents(list []incident.Incident, fetchedAt time.Time) error {
	data, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("journal %s: caching incidents: %w", s.path, err)
	}
	at, err := fetchedAt.UTC().MarshalText()
	if err != nil {
		return fmt.Errorf("journal %s: caching incidents: %w", s.path, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCache)
		if err := b.Put(keyIncidents, data); err != nil {
			return err
		}
		return b.Put(keyFetchedAt, at)
	})
	if err != nil {
		return fmt.Errorf("journal %s: caching incidents: %w", s.path, err)
	}
	return nil
}

// Incidents returns the cached incident list and when it was fetched (UTC);
// nil and the zero time when nothing has been cached yet.
func (s *Store) Incidents() (list []incident.Incident, fetchedAt time.Time, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCache)
		data, at := b.Get(keyIncidents), b.Get(keyFetchedAt)
		if data == nil {
			return nil
		}
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		if at != nil {
			return fetchedAt.UnmarshalText(at)
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("journal %s: reading cached incidents: %w", s.path, err)
	}
	return list, fetchedAt, nil
}

// Snapshot is the last known state of one incident: the incident and
// PagerDuty's side of its timeline, as fetched at FetchedAt.
type Snapshot struct {
	Incident  incident.Incident `json:"incident"`
	Events    []incident.Event  `json:"events,omitempty"` // PagerDuty's events only
	FetchedAt time.Time         `json:"fetched_at"`
}

// Age is how old the snapshot is at now.
func (s Snapshot) Age(now time.Time) time.Duration { return now.Sub(s.FetchedAt) }

// Stale reports whether the snapshot is older than maxAge at now, so that
// a view built from it should say so.
func (s Snapshot) Stale(now time.Time, maxAge time.Duration) bool { return s.Age(now) > maxAge }

// SaveSnapshot replaces the cached snapshot of snap.Incident. Only
// PagerDuty's events are kept: local ones live in the journal.
func (s *Store) SaveSnapshot(snap Snapshot) error {
	id := snap.Incident.ID
	if id == "" {
		return fmt.Errorf("journal %s: caching an incident: its id is empty", s.path)
	}
	remote := make([]incident.Event, 0, len(snap.Events))
	for _, e := range snap.Events {
		if e.Origin != incident.Local {
			remote = append(remote, e)
		}
	}
	snap.Events = remote
	snap.FetchedAt = snap.FetchedAt.UTC()
	data, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("journal %s: caching incident %s: %w", s.path, id, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCache).Bucket(bucketDetail).Put([]byte(id), data)
	})
	if err != nil {
		return fmt.Errorf("journal %s: caching incident %s: %w", s.path, id, err)
	}
	return nil
}

// Snapshot returns the cached snapshot of an incident. Without one, it
// falls back to the incident's entry in the cached list (with no events
// and the list's fetch time); ok is false when the cache knows nothing of
// the incident.
func (s *Store) Snapshot(incidentID string) (snap Snapshot, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCache)
		if data := b.Bucket(bucketDetail).Get([]byte(incidentID)); data != nil {
			ok = true
			return json.Unmarshal(data, &snap)
		}
		data := b.Get(keyIncidents)
		if data == nil {
			return nil
		}
		var list []incident.Incident
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		for _, in := range list {
			if in.ID == incidentID {
				snap.Incident, ok = in, true
				if at := b.Get(keyFetchedAt); at != nil {
					return snap.FetchedAt.UnmarshalText(at)
				}
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return Snapshot{}, false, fmt.Errorf("journal %s: reading cached incident %s: %w", s.path, incidentID, err)
	}
	snap.FetchedAt = snap.FetchedAt.UTC()
	return snap, ok, nil
}
