package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// Append journals a local event for an incident, durably (committed,
// fsynced) before returning. It fills in what the journal owns: a new local
// id when e.ID is empty, e.IncidentID, e.Origin (always incident.Local),
// e.At (now, when zero; always UTC) and e.State (incident.Queued, when
// empty). It returns the event as stored.
func (s *Store) Append(incidentID string, e incident.Event) (incident.Event, error) {
	if incidentID == "" {
		return incident.Event{}, fmt.Errorf("journal %s: append: incident id is empty", s.path)
	}
	if e.ID == "" {
		e.ID = newID()
	}
	e.IncidentID = incidentID
	e.Origin = incident.Local
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC()
	if e.State == "" {
		e.State = incident.Queued
	}
	if !validState(e.State) {
		return incident.Event{}, fmt.Errorf("journal %s: append: unknown sync state %q", s.path, e.State)
	}
	value, err := json.Marshal(e)
	if err != nil {
		return incident.Event{}, fmt.Errorf("journal %s: append: %w", s.path, err)
	}

	err = s.db.Update(func(tx *bolt.Tx) error {
		index := tx.Bucket(bucketIndex)
		if index.Get([]byte(e.ID)) != nil {
			return fmt.Errorf("event id %s is already journaled", e.ID)
		}
		b, err := tx.Bucket(bucketEvents).CreateBucketIfNotExists([]byte(incidentID))
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(be64(seq), value); err != nil {
			return err
		}
		return index.Put([]byte(e.ID), indexEntry(seq, incidentID))
	})
	if err != nil {
		return incident.Event{}, fmt.Errorf("journal %s: append to incident %s: %w", s.path, incidentID, err)
	}
	return e, nil
}

// SetState records the provider's answer for a local event: Sent, or Failed
// with errText (ignored for other states). An event that is not in the
// journal gives an error wrapping incident.ErrNotFound.
func (s *Store) SetState(incidentID, eventID string, state incident.SyncState, errText string) error {
	if !validState(state) {
		return fmt.Errorf("journal %s: event %s: unknown sync state %q", s.path, eventID, state)
	}
	if state != incident.Failed {
		errText = ""
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		entry := tx.Bucket(bucketIndex).Get([]byte(eventID))
		if entry == nil {
			return incident.ErrNotFound
		}
		seq, owner, err := parseIndexEntry(entry)
		if err != nil {
			return err
		}
		if owner != incidentID {
			return fmt.Errorf("it belongs to incident %s: %w", owner, incident.ErrNotFound)
		}
		b := tx.Bucket(bucketEvents).Bucket([]byte(incidentID))
		if b == nil {
			return errors.New("the index names a missing incident bucket")
		}
		key := be64(seq)
		var e incident.Event
		if err := json.Unmarshal(b.Get(key), &e); err != nil {
			return fmt.Errorf("decoding it: %w", err)
		}
		if e.State == state && e.Error == errText {
			return nil
		}
		e.State, e.Error = state, errText
		value, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(key, value)
	})
	if err != nil {
		return fmt.Errorf("journal %s: event %s of incident %s: %w", s.path, eventID, incidentID, err)
	}
	return nil
}

// Events returns an incident's local events in append order; none (and no
// error) for an incident the journal has not seen.
func (s *Store) Events(incidentID string) ([]incident.Event, error) {
	var out []incident.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvents).Bucket([]byte(incidentID))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e incident.Event
			// Unmarshal copies, so nothing in out points into the mapping.
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("event %x: %w", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("journal %s: events of incident %s: %w", s.path, incidentID, err)
	}
	return out, nil
}

func validState(s incident.SyncState) bool {
	return s == incident.Queued || s == incident.Sent || s == incident.Failed
}

// indexEntry is the event_index value: the sequence first, since it has a
// fixed width, then the incident id, which may hold any byte.
func indexEntry(seq uint64, incidentID string) []byte {
	v := make([]byte, 8, 8+len(incidentID))
	binary.BigEndian.PutUint64(v, seq)
	return append(v, incidentID...)
}

func parseIndexEntry(v []byte) (seq uint64, incidentID string, err error) {
	if len(v) < 9 {
		return 0, "", fmt.Errorf("index entry of %d bytes is too short", len(v))
	}
	return binary.BigEndian.Uint64(v), string(v[8:]), nil
}

func be64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func beUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
