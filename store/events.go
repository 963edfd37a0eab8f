package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// localOnly are the kinds that never go to PagerDuty. There are none now:
// stars, runbook steps and tasks are the team's record too, mirrored as
// notes. A mark a responder keeps for themself (a copied command) is
// journaled as incident.LocalOnly, which keeps any event out of the
// outbox. Every other kind is Outbound, including kinds this version
// cannot send yet: such an action waits in the outbox for a sender rather
// than being dropped. A slice, not a map: a map would be built at package
// init.
var localOnly []incident.Kind

// Outbound reports whether events of kind k must reach PagerDuty, and so
// enter the outbox when journaled as incident.Queued.
func Outbound(k incident.Kind) bool { return !slices.Contains(localOnly, k) }

// Append journals a local event for an incident, durably (committed,
// fsynced) before returning. It fills in what the journal owns: a new local
// id when e.ID is empty, e.IncidentID, e.Origin (always incident.Local),
// e.At (now, when zero; always UTC) and e.State when empty
// (incident.Queued for an Outbound kind, incident.LocalOnly for another).
// A Queued, Outbound event enters the outbox in the same transaction. It
// returns the event as stored.
func (s *Store) Append(incidentID string, e incident.Event) (incident.Event, error) {
	out, err := s.AppendAll(incidentID, []incident.Event{e})
	if err != nil {
		return incident.Event{}, err
	}
	return out[0], nil
}

// AppendAll journals several events for one incident, in order, in one
// transaction and one fsync: all of them or none. Each is filled in as by
// Append.
func (s *Store) AppendAll(incidentID string, events []incident.Event) ([]incident.Event, error) {
	if incidentID == "" {
		return nil, fmt.Errorf("journal %s: append: incident id is empty", s.path)
	}
	out := make([]incident.Event, len(events))
	values := make([][]byte, len(events))
	now := time.Now()
	for i, e := range events {
		if e.ID == "" {
			e.ID = newID()
		}
		e.IncidentID = incidentID
		e.Origin = incident.Local
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC()
		if e.State == "" {
			e.State = incident.Queued
			if !Outbound(e.Kind) {
				e.State = incident.LocalOnly
			}
		}
		if !validState(e.State) {
			return nil, fmt.Errorf("journal %s: append: unknown sync state %q", s.path, e.State)
		}
		out[i], values[i] = e, encodeEvent(e)
	}

	err := s.update(func(tx *bolt.Tx) error {
		index := tx.Bucket(bucketIndex)
		b, err := tx.Bucket(bucketEvents).CreateBucketIfNotExists([]byte(incidentID))
		if err != nil {
			return err
		}
		for i, e := range out {
			if index.Get([]byte(e.ID)) != nil {
				return fmt.Errorf("event id %s is already journaled", e.ID)
			}
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			key := be64(seq)
			if err := b.Put(key, seal(key, values[i])); err != nil {
				return err
			}
			if err := index.Put([]byte(e.ID), storedIndexEntry(e.ID, seq, incidentID)); err != nil {
				return err
			}
			if pending(e) {
				if err := putEntry(tx, incidentID, seq, entry{EventID: e.ID, Kind: e.Kind}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.opError(fmt.Sprintf("append to incident %s", incidentID), err)
	}
	return out, nil
}

// pending reports whether e belongs in the outbox.
func pending(e incident.Event) bool { return e.State == incident.Queued && Outbound(e.Kind) }

// SetState records the provider's answer for a local event: Sent, or Failed
// with errText (ignored for other states). Either takes the event out of
// the outbox, as LocalOnly does (never to be sent). Queued puts an
// Outbound event back in (to retry one that failed), with its attempts
// counted afresh. An event that is not in the
// journal gives an error wrapping incident.ErrNotFound.
func (s *Store) SetState(incidentID, eventID string, state incident.SyncState, errText string) error {
	if !validState(state) {
		return fmt.Errorf("journal %s: event %s: unknown sync state %q", s.path, eventID, state)
	}
	if state != incident.Failed {
		errText = ""
	}
	err := s.update(func(tx *bolt.Tx) error {
		seq, e, err := lookup(tx, incidentID, eventID)
		if err != nil {
			return err
		}
		if e.State != state || e.Error != errText {
			e.State, e.Error = state, errText
			key := be64(seq)
			if err := tx.Bucket(bucketEvents).Bucket([]byte(incidentID)).Put(key, storedEvent(key, e)); err != nil {
				return err
			}
		}
		if pending(e) {
			if _, ok, err := getEntry(tx, incidentID, seq); err != nil || ok {
				return err
			}
			return putEntry(tx, incidentID, seq, entry{EventID: e.ID, Kind: e.Kind})
		}
		return deleteEntry(tx, incidentID, seq)
	})
	if err != nil {
		return s.opError(fmt.Sprintf("event %s of incident %s", eventID, incidentID), err)
	}
	return nil
}

// lookup finds a journaled event by id, inside a write transaction (so of
// a sealed journal).
func lookup(tx *bolt.Tx, incidentID, eventID string) (uint64, incident.Event, error) {
	v := tx.Bucket(bucketIndex).Get([]byte(eventID))
	if v == nil {
		return 0, incident.Event{}, incident.ErrNotFound
	}
	seq, owner, err := parseIndexEntry(true, []byte(eventID), v)
	if err != nil {
		return 0, incident.Event{}, err
	}
	if owner != incidentID {
		return 0, incident.Event{}, fmt.Errorf("it belongs to incident %s: %w", owner, incident.ErrNotFound)
	}
	b := tx.Bucket(bucketEvents).Bucket([]byte(incidentID))
	if b == nil {
		return 0, incident.Event{}, errors.New("the index names a missing incident bucket")
	}
	key := be64(seq)
	v = b.Get(key)
	if v == nil {
		return 0, incident.Event{}, fmt.Errorf("the index names event %d, which is missing", seq)
	}
	e, err := decodeStored(true, incidentID, key, v)
	if err != nil {
		return 0, incident.Event{}, fmt.Errorf("decoding it: %w", err)
	}
	if e.ID != eventID {
		return 0, incident.Event{}, fmt.Errorf("%w: the index names event %d, which is %s", ErrDamaged, seq, e.ID)
	}
	return seq, e, nil
}

// Events returns an incident's local events in append order; none (and no
// error) for an incident the journal has not seen. A damaged event is left
// out and set aside (see Quarantined), so one bad value never hides the
// rest of the timeline.
func (s *Store) Events(incidentID string) ([]incident.Event, error) {
	var (
		out    []incident.Event
		flawed []flaw
	)
	err := s.view(func(tx *bolt.Tx, sealed bool) error {
		out, flawed = nil, nil
		b := tx.Bucket(bucketEvents).Bucket([]byte(incidentID))
		if b == nil {
			return nil
		}
		out, flawed = decodeEvents(b, sealed, incidentID)
		return nil
	})
	if err != nil {
		return nil, s.opError(fmt.Sprintf("events of incident %s", incidentID), err)
	}
	s.isolate(flawed)
	return out, nil
}

func validState(s incident.SyncState) bool {
	return s == incident.Queued || s == incident.Sent || s == incident.Failed || s == incident.LocalOnly
}

// indexEntry is the event_index value: the sequence first, since it has a
// fixed width, then the incident id, which may hold any byte.
func indexEntry(seq uint64, incidentID string) []byte {
	v := make([]byte, 8, 8+len(incidentID)+sealSize)
	binary.BigEndian.PutUint64(v, seq)
	return append(v, incidentID...)
}

func storedIndexEntry(eventID string, seq uint64, incidentID string) []byte {
	return seal([]byte(eventID), indexEntry(seq, incidentID))
}

func parseIndexEntry(sealed bool, key, v []byte) (seq uint64, incidentID string, err error) {
	v, err = unseal(sealed, key, v)
	if err != nil {
		return 0, "", fmt.Errorf("index entry of event %s: %w", key, err)
	}
	if len(v) < 9 {
		return 0, "", fmt.Errorf("index entry of event %s: %w: %d bytes is too short", key, ErrDamaged, len(v))
	}
	return binary.BigEndian.Uint64(v), string(v[8:]), nil
}

func be64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func beUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// decodeEvents decodes an incident bucket's events in key order, leaving
// out (and reporting) the damaged ones.
func decodeEvents(b *bolt.Bucket, sealed bool, inc string) ([]incident.Event, []flaw) {
	out := make([]incident.Event, 0, min(b.Sequence(), 1<<20)) // one event per sequence number
	var flawed []flaw
	_ = b.ForEach(func(k, v []byte) error {
		e, err := decodeStored(sealed, inc, k, v) // copies: nothing in out points into the mapping
		if err != nil || len(k) != 8 {
			if err == nil {
				err = fmt.Errorf("%w: its key is %d bytes, not 8", ErrDamaged, len(k))
			}
			flawed = append(flawed, flaw{bucket: "events/" + inc, inc: inc, key: bytes.Clone(k), problem: err.Error()})
			return nil
		}
		out = append(out, e)
		return nil
	})
	return out, flawed
}
