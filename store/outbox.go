package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// Action is a journaled event waiting in the outbox to reach PagerDuty,
// with what the attempts so far have left behind.
type Action struct {
	Event       incident.Event // as journaled; Event.IncidentID and Event.ID name it
	Attempts    int            // attempts begun, including any cut short by a crash
	LastError   string         // the last attempt's error; "" when none failed yet
	LastAttempt time.Time      // when the last attempt began; zero before the first
	NextAttempt time.Time      // not to be tried before this; zero means now
	// Uncertain means an attempt may have reached PagerDuty without its
	// answer reaching oncall (a timeout, a dropped connection, a 5xx, a
	// crash): check whether it took effect before sending it again.
	Uncertain bool
}

// entry is an outbox value. The event itself stays under events/; the
// entry sits under the same incident and seq, so it sorts in append order.
type entry struct {
	EventID     string        `json:"event_id"`
	Kind        incident.Kind `json:"kind"`
	Attempts    int           `json:"attempts,omitempty"`
	LastError   string        `json:"last_error,omitempty"`
	LastAttempt time.Time     `json:"last_attempt,omitzero"`
	NextAttempt time.Time     `json:"next_attempt,omitzero"`
	Uncertain   bool          `json:"uncertain,omitempty"`
}

// Outbox returns every pending action: incidents in id order, each
// incident's actions in append order. Actions of one incident must reach
// PagerDuty in this order. A damaged entry or event does not stop the
// rest: it is set aside (see Quarantined) and left out, and an action
// whose event is intact is queued again as uncertain, so that PagerDuty is
// checked before it is sent. A pending event's index entry, which only
// points at the event, is rewritten when it is damaged or wrong.
func (s *Store) Outbox() ([]Action, error) {
	for round := 0; ; round++ {
		out, flawed, err := s.readOutbox()
		if err != nil {
			return nil, s.opError("reading the outbox", err)
		}
		if len(flawed) == 0 || s.readOnly || round > 0 {
			return out, nil
		}
		// Read again: an action whose entry alone was damaged is back.
		s.isolate(flawed)
	}
}

func (s *Store) readOutbox() (out []Action, flawed []flaw, err error) {
	err = s.view(func(tx *bolt.Tx, sealed bool) error {
		out, flawed = nil, nil
		ob := tx.Bucket(bucketOutbox)
		if ob == nil { // schema version 1, read-only
			return nil
		}
		events := tx.Bucket(bucketEvents)
		return ob.ForEachBucket(func(inc []byte) error {
			eb := events.Bucket(inc)
			return ob.Bucket(inc).ForEach(func(k, v []byte) error {
				where := "outbox/" + string(inc)
				en, err := decodeEntry(sealed, k, v)
				if err != nil {
					flawed = append(flawed, flaw{bucket: where, inc: string(inc), key: bytes.Clone(k), problem: err.Error()})
					return nil
				}
				var ev []byte
				if eb != nil {
					ev = eb.Get(k)
				}
				if ev == nil {
					flawed = append(flawed, flaw{bucket: where, inc: string(inc), key: bytes.Clone(k),
						problem: fmt.Sprintf("its event %s is missing", en.EventID)})
					return nil
				}
				e, err := decodeStored(sealed, string(inc), k, ev)
				if err == nil && e.ID != en.EventID {
					err = fmt.Errorf("%w: the entry is for event %s, the event is %s", ErrDamaged, en.EventID, e.ID)
				}
				if err != nil {
					flawed = append(flawed, flaw{bucket: "events/" + string(inc), inc: string(inc), key: bytes.Clone(k), problem: err.Error()})
					return nil
				}
				// Settling the action finds it through the index: a damaged
				// entry there would stop it at every pass.
				if iv := tx.Bucket(bucketIndex).Get([]byte(e.ID)); iv == nil {
					flawed = append(flawed, flaw{bucket: "event_index", inc: string(inc), key: []byte(e.ID), seq: beUint64(k), problem: "missing"})
				} else if seq, owner, err := parseIndexEntry(sealed, []byte(e.ID), iv); err != nil || seq != beUint64(k) || owner != string(inc) {
					problem := fmt.Sprintf("it points at events/%s/%d", owner, seq)
					if err != nil {
						problem = err.Error()
					}
					flawed = append(flawed, flaw{bucket: "event_index", inc: string(inc), key: []byte(e.ID), seq: beUint64(k), problem: problem})
				}
				out = append(out, en.action(e))
				return nil
			})
		})
	})
	return out, flawed, err
}

// decodeEntry decodes the outbox entry stored under key.
func decodeEntry(sealed bool, key, v []byte) (entry, error) {
	body, err := unseal(sealed, key, v)
	if err != nil {
		return entry{}, err
	}
	var en entry
	if err := json.Unmarshal(body, &en); err != nil {
		return entry{}, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if en.EventID == "" || len(key) != 8 {
		return entry{}, fmt.Errorf("%w: an entry without an event id or with a %d-byte key", ErrDamaged, len(key))
	}
	return en, nil
}

func (en entry) action(e incident.Event) Action {
	return Action{Event: e, Attempts: en.Attempts, LastError: en.LastError,
		LastAttempt: en.LastAttempt.UTC(), NextAttempt: en.NextAttempt.UTC(), Uncertain: en.Uncertain}
}

// BeginAttempt records, durably, that an attempt to send a pending action
// starts at at: one more attempt, and uncertain until the answer is
// recorded. Call it before the network call, so that a crash during the
// call leaves the mark behind.
func (s *Store) BeginAttempt(incidentID, eventID string, at time.Time) (Action, error) {
	var out Action
	err := s.updateEntry(incidentID, eventID, func(e incident.Event, en *entry) {
		en.Attempts++
		en.LastAttempt = at.UTC()
		en.Uncertain = true
		out = en.action(e)
	})
	return out, err
}

// Postpone records a failed attempt that will be retried: its error, the
// earliest time to try again, and whether it may have taken effect anyway
// (see Action.Uncertain). The action stays in the outbox.
func (s *Store) Postpone(incidentID, eventID string, next time.Time, errText string, uncertain bool) error {
	return s.updateEntry(incidentID, eventID, func(_ incident.Event, en *entry) {
		en.NextAttempt = next.UTC()
		en.LastError = errText
		en.Uncertain = uncertain
	})
}

// updateEntry changes a pending action's outbox entry. An event that is
// not journaled, or not pending, gives an error wrapping
// incident.ErrNotFound.
func (s *Store) updateEntry(incidentID, eventID string, change func(incident.Event, *entry)) error {
	err := s.update(func(tx *bolt.Tx) error {
		seq, e, err := lookup(tx, incidentID, eventID)
		if err != nil {
			return err
		}
		en, ok, err := getEntry(tx, incidentID, seq)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("it is not in the outbox (state %q): %w", e.State, incident.ErrNotFound)
		}
		change(e, &en)
		return putEntry(tx, incidentID, seq, en)
	})
	if err != nil {
		return s.opError(fmt.Sprintf("outbox entry for event %s of incident %s", eventID, incidentID), err)
	}
	return nil
}

func getEntry(tx *bolt.Tx, incidentID string, seq uint64) (entry, bool, error) {
	b := tx.Bucket(bucketOutbox).Bucket([]byte(incidentID))
	if b == nil {
		return entry{}, false, nil
	}
	key := be64(seq)
	v := b.Get(key)
	if v == nil {
		return entry{}, false, nil
	}
	en, err := decodeEntry(true, key, v)
	if err != nil {
		return entry{}, false, fmt.Errorf("outbox entry %s/%d: %w", incidentID, seq, err)
	}
	return en, true, nil
}

func putEntry(tx *bolt.Tx, incidentID string, seq uint64, en entry) error {
	v, err := json.Marshal(en)
	if err != nil {
		return err
	}
	b, err := tx.Bucket(bucketOutbox).CreateBucketIfNotExists([]byte(incidentID))
	if err != nil {
		return err
	}
	key := be64(seq)
	return b.Put(key, seal(key, v))
}

// deleteEntry removes an entry, if there is one, and the incident's outbox
// bucket once it is empty, so the outbox holds only what is pending.
func deleteEntry(tx *bolt.Tx, incidentID string, seq uint64) error {
	ob := tx.Bucket(bucketOutbox)
	b := ob.Bucket([]byte(incidentID))
	if b == nil {
		return nil
	}
	if err := b.Delete(be64(seq)); err != nil {
		return err
	}
	if k, _ := b.Cursor().First(); k == nil {
		return ob.DeleteBucket([]byte(incidentID))
	}
	return nil
}

// migrateOutbox (schema 1 -> 2) adds the outbox and the per-incident
// cache, and re-encodes events from JSON to the binary codec.
// Version 1 sent an action straight after journaling it, so an event still
// Queued may or may not have reached PagerDuty before that oncall stopped:
// it enters the outbox marked uncertain, to be checked before it is sent.
func migrateOutbox(tx *bolt.Tx) error {
	ob, err := tx.CreateBucketIfNotExists(bucketOutbox)
	if err != nil {
		return err
	}
	if _, err := tx.Bucket(bucketCache).CreateBucketIfNotExists(bucketDetail); err != nil {
		return err
	}
	events := tx.Bucket(bucketEvents)
	return events.ForEachBucket(func(inc []byte) error {
		b := events.Bucket(inc)
		type kv struct {
			k []byte
			e incident.Event
		}
		var all []kv
		err := b.ForEach(func(k, v []byte) error {
			e, err := decodeEvent(v)
			if err != nil {
				return fmt.Errorf("event %s/%x: %w", inc, k, err)
			}
			all = append(all, kv{bytes.Clone(k), e})
			return nil
		})
		if err != nil {
			return err
		}
		// Written after the walk: a bucket must not change under ForEach.
		for _, x := range all {
			if err := b.Put(x.k, encodeEvent(x.e)); err != nil {
				return err
			}
			if !pending(x.e) {
				continue
			}
			en, err := json.Marshal(entry{EventID: x.e.ID, Kind: x.e.Kind, Uncertain: true})
			if err != nil {
				return err
			}
			ib, err := ob.CreateBucketIfNotExists(inc)
			if err != nil {
				return err
			}
			if err := ib.Put(x.k, en); err != nil {
				return err
			}
		}
		return nil
	})
}
