package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// Damage is a stored value that was found damaged and set aside under
// quarantine/, with its bytes as they were found.
type Damage struct {
	Seq        uint64    `json:"-"`                     // its key under quarantine/
	Bucket     string    `json:"bucket"`                // where it was: "events/P1", "outbox/P1", "cache", ...
	Key        []byte    `json:"key"`                   // its key there
	Value      []byte    `json:"value"`                 // its bytes, as found
	Problem    string    `json:"problem"`               // what was wrong with it
	IncidentID string    `json:"incident_id,omitempty"` // the incident it belonged to, when known
	EventID    string    `json:"event_id,omitempty"`    // the event it belonged to, when known
	Requeued   bool      `json:"requeued,omitempty"`    // its action was queued again (an outbox entry of an intact event)
	At         time.Time `json:"at"`                    // when it was set aside
}

// String is one line for people: where, what, and what became of it.
func (d Damage) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s key %x (%d bytes) set aside %s: %s", d.Bucket, d.Key, len(d.Value), d.At.Format(time.RFC3339), d.Problem)
	if d.EventID != "" {
		fmt.Fprintf(&b, "; event %s", d.EventID)
	}
	if d.Requeued {
		b.WriteString(", queued again, to be checked with PagerDuty before it is sent")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Quarantined lists what has been set aside as damaged, oldest first.
func (s *Store) Quarantined() ([]Damage, error) {
	var out []Damage
	err := s.view(func(tx *bolt.Tx, sealed bool) error {
		out = nil
		q := tx.Bucket(bucketQuarantine)
		if q == nil { // older schema, read-only
			return nil
		}
		return q.ForEach(func(k, v []byte) error {
			d, err := decodeDamage(sealed, k, v)
			if err != nil {
				// The record itself is damaged: report what is known.
				d = Damage{Bucket: "quarantine", Key: bytes.Clone(k), Value: bytes.Clone(v), Problem: err.Error()}
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, s.opError("reading its quarantine", err)
	}
	return out, nil
}

func decodeDamage(sealed bool, k, v []byte) (Damage, error) {
	body, err := unseal(sealed, k, v)
	if err != nil {
		return Damage{}, err
	}
	var d Damage
	if err := json.Unmarshal(body, &d); err != nil {
		return Damage{}, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if len(k) == 8 {
		d.Seq = beUint64(k)
	}
	d.At = d.At.UTC()
	return d, nil
}

// flaw is a damaged value a reader met: the bucket path (events/<id>,
// outbox/<id>, cache, cache/detail) and key where it lies.
type flaw struct {
	bucket  string
	inc     string // for events/, outbox/ and event_index
	key     []byte
	seq     uint64 // for event_index: where the event is
	problem string
}

// isolate sets flawed values aside, best effort: a reader that met them
// has already left them out, and a failure here (a read-only Store, a full
// disk) only means they are met again next time.
func (s *Store) isolate(flawed []flaw) {
	if len(flawed) == 0 || s.readOnly {
		return
	}
	now := time.Now().UTC()
	_ = s.update(func(tx *bolt.Tx) error {
		for _, f := range flawed {
			var err error
			switch {
			case strings.HasPrefix(f.bucket, "events/"):
				err = isolateEvent(tx, f.inc, f.key, f.problem, now)
			case strings.HasPrefix(f.bucket, "outbox/"):
				err = isolateEntry(tx, f.inc, f.key, f.problem, now)
			case f.bucket == "event_index":
				err = repairIndex(tx, f.inc, f.seq, string(f.key), f.problem, now)
			default:
				err = isolateCache(tx, f.bucket, f.key, f.problem, now)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// quarantine records d under quarantine/.
func quarantine(tx *bolt.Tx, d Damage) error {
	q := tx.Bucket(bucketQuarantine)
	seq, err := q.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	key := be64(seq)
	return q.Put(key, seal(key, v))
}

// isolateEvent moves a damaged event aside, with its outbox entry and the
// index entries that point at it. It does nothing if the event is gone or
// is no longer damaged (another process got there first).
func isolateEvent(tx *bolt.Tx, inc string, key []byte, problem string, now time.Time) error {
	eb := tx.Bucket(bucketEvents).Bucket([]byte(inc))
	if eb == nil {
		return nil
	}
	raw := eb.Get(key)
	if raw == nil {
		return nil
	}
	if _, err := decodeStored(true, inc, key, raw); err == nil && len(key) == 8 {
		return nil
	}
	d := Damage{Bucket: "events/" + inc, Key: bytes.Clone(key), Value: bytes.Clone(raw), Problem: problem, IncidentID: inc, At: now}
	if err := quarantine(tx, d); err != nil {
		return err
	}
	if err := eb.Delete(key); err != nil {
		return err
	}
	if ob := tx.Bucket(bucketOutbox).Bucket([]byte(inc)); ob != nil {
		if v := ob.Get(key); v != nil {
			en, _ := decodeEntry(true, key, v)
			d := Damage{Bucket: "outbox/" + inc, Key: bytes.Clone(key), Value: bytes.Clone(v), IncidentID: inc, EventID: en.EventID, At: now,
				Problem: "its event was damaged and set aside, so the action cannot be sent"}
			if err := quarantine(tx, d); err != nil {
				return err
			}
			if len(key) == 8 {
				if err := deleteEntry(tx, inc, beUint64(key)); err != nil {
					return err
				}
			}
		}
	}
	if len(key) != 8 {
		return nil
	}
	// The index is keyed by event id, which the damaged value no longer
	// tells reliably: find the entries that point here.
	index := tx.Bucket(bucketIndex)
	var stale [][]byte
	_ = index.ForEach(func(k, v []byte) error {
		seq, owner, err := parseIndexEntry(true, k, v)
		if err == nil && owner == inc && seq == beUint64(key) {
			stale = append(stale, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range stale {
		if err := index.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// isolateEntry moves a damaged outbox entry aside. When its event is intact
// and still pending, the action is queued again, marked uncertain and as
// attempted now: the entry's record of attempts is lost, so the sender must
// check PagerDuty (after its settle period) before sending it again.
func isolateEntry(tx *bolt.Tx, inc string, key []byte, problem string, now time.Time) error {
	ob := tx.Bucket(bucketOutbox).Bucket([]byte(inc))
	if ob == nil {
		return nil
	}
	raw := ob.Get(key)
	if raw == nil {
		return nil
	}
	var (
		e     incident.Event
		evErr error = fmt.Errorf("its event is missing")
	)
	if eb := tx.Bucket(bucketEvents).Bucket([]byte(inc)); eb != nil {
		if v := eb.Get(key); v != nil {
			e, evErr = decodeStored(true, inc, key, v)
		}
	}
	en, enErr := decodeEntry(true, key, raw)
	if enErr == nil && evErr == nil && en.EventID == e.ID {
		return nil // not damaged after all
	}
	if evErr != nil && tx.Bucket(bucketEvents).Bucket([]byte(inc)) != nil && tx.Bucket(bucketEvents).Bucket([]byte(inc)).Get(key) != nil {
		// The event is what is damaged; it takes its entry with it.
		return isolateEvent(tx, inc, key, evErr.Error(), now)
	}
	d := Damage{Bucket: "outbox/" + inc, Key: bytes.Clone(key), Value: bytes.Clone(raw), Problem: problem, IncidentID: inc, At: now}
	requeue := evErr == nil && pending(e) && len(key) == 8
	if evErr == nil {
		d.EventID = e.ID
	}
	d.Requeued = requeue
	if err := quarantine(tx, d); err != nil {
		return err
	}
	if !requeue {
		if err := ob.Delete(key); err != nil {
			return err
		}
		if k, _ := ob.Cursor().First(); k == nil {
			return tx.Bucket(bucketOutbox).DeleteBucket([]byte(inc))
		}
		return nil
	}
	return putEntry(tx, inc, beUint64(key), entry{
		EventID: e.ID, Kind: e.Kind, Attempts: 1, LastAttempt: now, Uncertain: true,
		LastError: "its outbox entry was damaged and set aside; an earlier attempt may have landed",
	})
}

// repairIndex points the index entry of event id back at its event, at seq
// of incident inc, once that event is proven intact; a damaged entry it
// replaces is kept in quarantine.
func repairIndex(tx *bolt.Tx, inc string, seq uint64, id, problem string, now time.Time) error {
	eb := tx.Bucket(bucketEvents).Bucket([]byte(inc))
	if eb == nil {
		return nil
	}
	key := be64(seq)
	e, err := decodeStored(true, inc, key, eb.Get(key))
	if err != nil || e.ID != id {
		return nil // the event is not what the reader saw: leave it to the next read
	}
	index := tx.Bucket(bucketIndex)
	if raw := index.Get([]byte(id)); raw != nil {
		if s, owner, err := parseIndexEntry(true, []byte(id), raw); err == nil && s == seq && owner == inc {
			return nil // repaired meanwhile
		}
		d := Damage{Bucket: "event_index", Key: []byte(id), Value: bytes.Clone(raw), Problem: problem + "; rewritten from the event", IncidentID: inc, EventID: id, At: now}
		if err := quarantine(tx, d); err != nil {
			return err
		}
	}
	return index.Put([]byte(id), storedIndexEntry(id, seq, inc))
}

// isolateCache moves a damaged cache value aside. The cache is only a
// copy of what PagerDuty said: the next fetch writes it again.
func isolateCache(tx *bolt.Tx, bucket string, key []byte, problem string, now time.Time) error {
	b := tx.Bucket(bucketCache)
	if bucket == "cache/detail" {
		b = b.Bucket(bucketDetail)
	}
	if b == nil {
		return nil
	}
	raw := b.Get(key)
	if raw == nil {
		return nil
	}
	if body, err := unseal(true, key, raw); err == nil && cacheValueOK(bucket, key, body) {
		return nil // rewritten meanwhile
	}
	d := Damage{Bucket: bucket, Key: bytes.Clone(key), Value: bytes.Clone(raw), Problem: problem, At: now}
	if bucket == "cache/detail" {
		d.IncidentID = string(key)
	}
	if err := quarantine(tx, d); err != nil {
		return err
	}
	return b.Delete(key)
}

// cacheValueOK reports whether body decodes as what is kept under key.
func cacheValueOK(bucket string, key, body []byte) bool {
	var err error
	switch {
	case bucket == "cache/detail":
		_, err = decodeSnapshot(body)
	case bytes.Equal(key, keyIncidents):
		_, err = decodeList(body)
	case bytes.Equal(key, keyFetchedAt):
		err = new(time.Time).UnmarshalText(body)
	case bytes.Equal(key, keyListFilter):
		err = json.Unmarshal(body, new(incident.Filter))
	}
	return err == nil
}

// migrateSeal (schema 2 -> 3) seals every value with its checksum and adds
// quarantine/. A version 2 value has no checksum to check, so each is
// decoded instead: one that does not decode (or an index or outbox entry
// that points at nothing) is set aside rather than sealed, so that the
// seal never vouches for bytes that were already bad. A pending event
// whose outbox entry was set aside is queued again as uncertain.
func migrateSeal(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketQuarantine); err != nil {
		return err
	}
	now := time.Now().UTC()
	type kv struct{ k, v []byte }
	collect := func(b *bolt.Bucket) []kv {
		var all []kv
		_ = b.ForEach(func(k, v []byte) error {
			if v != nil { // not a nested bucket
				all = append(all, kv{bytes.Clone(k), bytes.Clone(v)})
			}
			return nil
		})
		return all
	}
	setAside := func(b *bolt.Bucket, where, inc string, x kv, problem string) error {
		if err := quarantine(tx, Damage{Bucket: where, Key: x.k, Value: x.v, Problem: problem, IncidentID: inc, At: now}); err != nil {
			return err
		}
		return b.Delete(x.k)
	}

	type live struct {
		id string
		e  incident.Event
	}
	alive := map[string]map[uint64]live{}
	events := tx.Bucket(bucketEvents)
	var incs []string
	_ = events.ForEachBucket(func(inc []byte) error {
		incs = append(incs, string(inc))
		return nil
	})
	for _, inc := range incs {
		b := events.Bucket([]byte(inc))
		alive[inc] = map[uint64]live{}
		for _, x := range collect(b) {
			e, err := decodeStored(false, inc, x.k, x.v)
			if err == nil && len(x.k) != 8 {
				err = fmt.Errorf("%w: a %d-byte key", ErrDamaged, len(x.k))
			}
			if err != nil {
				if err := setAside(b, "events/"+inc, inc, x, err.Error()); err != nil {
					return err
				}
				continue
			}
			if err := b.Put(x.k, seal(x.k, x.v)); err != nil {
				return err
			}
			alive[inc][beUint64(x.k)] = live{e.ID, e}
		}
	}

	index := tx.Bucket(bucketIndex)
	for _, x := range collect(index) {
		seq, owner, err := parseIndexEntry(false, x.k, x.v)
		if err == nil && alive[owner][seq].id != string(x.k) {
			err = fmt.Errorf("%w: it points at event %d of incident %s, which is not event %s", ErrDamaged, seq, owner, x.k)
		}
		if err != nil {
			if err := setAside(index, "event_index", "", x, err.Error()); err != nil {
				return err
			}
			continue
		}
		if err := index.Put(x.k, seal(x.k, x.v)); err != nil {
			return err
		}
	}

	ob := tx.Bucket(bucketOutbox)
	var obIncs []string
	_ = ob.ForEachBucket(func(inc []byte) error {
		obIncs = append(obIncs, string(inc))
		return nil
	})
	queued := map[string]map[uint64]bool{}
	for _, inc := range obIncs {
		b := ob.Bucket([]byte(inc))
		queued[inc] = map[uint64]bool{}
		for _, x := range collect(b) {
			en, err := decodeEntry(false, x.k, x.v)
			if err == nil {
				if l, ok := alive[inc][beUint64(x.k)]; !ok || l.id != en.EventID || !pending(l.e) {
					err = fmt.Errorf("%w: it is for event %s, which is not pending there", ErrDamaged, en.EventID)
				}
			}
			if err != nil {
				if err := setAside(b, "outbox/"+inc, inc, x, err.Error()); err != nil {
					return err
				}
				continue
			}
			if err := b.Put(x.k, seal(x.k, x.v)); err != nil {
				return err
			}
			queued[inc][beUint64(x.k)] = true
		}
		if k, _ := b.Cursor().First(); k == nil {
			if err := ob.DeleteBucket([]byte(inc)); err != nil {
				return err
			}
		}
	}
	for inc, seqs := range alive {
		for seq, l := range seqs {
			if pending(l.e) && !queued[inc][seq] {
				err := putEntry(tx, inc, seq, entry{EventID: l.id, Kind: l.e.Kind, Attempts: 1, LastAttempt: now, Uncertain: true,
					LastError: "its outbox entry was damaged and set aside; an earlier attempt may have landed"})
				if err != nil {
					return err
				}
			}
		}
	}

	cache := tx.Bucket(bucketCache)
	for _, where := range []string{"cache", "cache/detail"} {
		b := cache
		if where == "cache/detail" {
			b = cache.Bucket(bucketDetail)
		}
		for _, x := range collect(b) {
			if !cacheValueOK(where, x.k, x.v) {
				if err := setAside(b, where, "", x, "it does not decode"); err != nil {
					return err
				}
				continue
			}
			if err := b.Put(x.k, seal(x.k, x.v)); err != nil {
				return err
			}
		}
	}
	return nil
}
