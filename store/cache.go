package store

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// SaveIncidents replaces the cached incident list with list, as fetched at
// fetchedAt.
func (s *Store) SaveIncidents(list []incident.Incident, fetchedAt time.Time) error {
	data := encodeList(list)
	at, err := fetchedAt.UTC().MarshalText()
	if err != nil {
		return s.opError("caching incidents", err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCache)
		if err := b.Put(keyIncidents, seal(keyIncidents, data)); err != nil {
			return err
		}
		return b.Put(keyFetchedAt, seal(keyFetchedAt, at))
	})
	if err != nil {
		return s.opError("caching incidents", err)
	}
	return nil
}

// Incidents returns the cached incident list and when it was fetched (UTC);
// nil and the zero time when nothing has been cached yet. A damaged list
// counts as none (it is only a cache) and is set aside.
func (s *Store) Incidents() (list []incident.Incident, fetchedAt time.Time, err error) {
	var flawed []flaw
	err = s.view(func(tx *bolt.Tx, sealed bool) error {
		list, fetchedAt, flawed = nil, time.Time{}, nil
		var ok bool
		list, fetchedAt, ok, flawed = cachedList(tx.Bucket(bucketCache), sealed)
		if !ok {
			list = nil
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, s.opError("reading cached incidents", err)
	}
	s.isolate(flawed)
	return list, fetchedAt, nil
}

// cachedList reads the cached list and its fetch time; ok is false when
// there is none, or when either is damaged (then reported in flawed).
func cachedList(b *bolt.Bucket, sealed bool) (list []incident.Incident, at time.Time, ok bool, flawed []flaw) {
	data, rawAt := b.Get(keyIncidents), b.Get(keyFetchedAt)
	if data == nil {
		return nil, time.Time{}, false, nil
	}
	body, err := unseal(sealed, keyIncidents, data)
	if err == nil {
		if list, err = decodeList(body); err != nil {
			err = fmt.Errorf("%w: %w", ErrDamaged, err)
		}
	}
	if err != nil {
		return nil, time.Time{}, false, []flaw{{bucket: "cache", key: bytes.Clone(keyIncidents), problem: err.Error()}}
	}
	if rawAt != nil {
		body, err := unseal(sealed, keyFetchedAt, rawAt)
		if err == nil {
			if terr := at.UnmarshalText(body); terr != nil {
				err = fmt.Errorf("%w: %w", ErrDamaged, terr)
			}
		}
		if err != nil {
			return nil, time.Time{}, false, []flaw{{bucket: "cache", key: bytes.Clone(keyFetchedAt), problem: err.Error()}}
		}
	}
	return list, at.UTC(), true, nil
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
	snap.FetchedAt = snap.FetchedAt.UTC()
	data := encodeSnapshot(snap)
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCache).Bucket(bucketDetail).Put([]byte(id), seal([]byte(id), data))
	})
	if err != nil {
		return s.opError(fmt.Sprintf("caching incident %s", id), err)
	}
	return nil
}

// Snapshot returns the cached snapshot of an incident. Without one, it
// falls back to the incident's entry in the cached list (with no events
// and the list's fetch time); ok is false when the cache knows nothing of
// the incident. A damaged snapshot counts as none and is set aside.
func (s *Store) Snapshot(incidentID string) (snap Snapshot, ok bool, err error) {
	var flawed []flaw
	err = s.view(func(tx *bolt.Tx, sealed bool) error {
		snap, ok, flawed = Snapshot{}, false, nil
		b := tx.Bucket(bucketCache)
		key := []byte(incidentID)
		if detail := b.Bucket(bucketDetail); detail != nil {
			if data := detail.Get(key); data != nil {
				body, err := unseal(sealed, key, data)
				if err == nil {
					if snap, err = decodeSnapshot(body); err != nil {
						err = fmt.Errorf("%w: %w", ErrDamaged, err)
					}
				}
				if err == nil {
					ok = true
					return nil
				}
				snap = Snapshot{}
				flawed = append(flawed, flaw{bucket: "cache/detail", key: bytes.Clone(key), problem: err.Error()})
			}
		}
		list, at, found, bad := cachedList(b, sealed)
		flawed = append(flawed, bad...)
		if !found {
			return nil
		}
		for _, in := range list {
			if in.ID == incidentID {
				snap.Incident, snap.FetchedAt, ok = in, at, true
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return Snapshot{}, false, s.opError(fmt.Sprintf("reading cached incident %s", incidentID), err)
	}
	s.isolate(flawed)
	snap.FetchedAt = snap.FetchedAt.UTC()
	return snap, ok, nil
}
