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
