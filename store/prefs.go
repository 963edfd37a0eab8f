package store

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

var keyListFilter = []byte("list_filter")

// SaveFilter remembers the incident list's filter, so the next start shows
// what the responder last chose to see.
func (s *Store) SaveFilter(f incident.Filter) error {
	data, err := json.Marshal(f)
	if err != nil {
		return s.opError("saving the list filter", err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCache).Put(keyListFilter, seal(keyListFilter, data))
	})
	if err != nil {
		return s.opError("saving the list filter", err)
	}
	return nil
}

// Filter returns the remembered list filter; ok is false when none was
// saved. A saved filter that no longer validates is ignored, not an error:
// the list then shows everything active. So is a damaged one, which Check
// reports.
func (s *Store) Filter() (f incident.Filter, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx, sealed bool) error {
		f, ok = incident.Filter{}, false
		v := tx.Bucket(bucketCache).Get(keyListFilter)
		if v == nil {
			return nil
		}
		body, err := unseal(sealed, keyListFilter, v)
		if err == nil && json.Unmarshal(body, &f) == nil && f.Validate() == nil {
			ok = true
		} else {
			f = incident.Filter{}
		}
		return nil
	})
	if err != nil {
		return incident.Filter{}, false, s.opError("reading the list filter", err)
	}
	return f, ok, nil
}
