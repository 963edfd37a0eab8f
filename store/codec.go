package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// Events are stored in a compact binary form, since replaying a long
// incident decodes every one of them and JSON made that several times
// slower than the budget allows. A value starts with its codec byte:
//
//	'{'   JSON incident.Event, as schema version 1 wrote (still read)
//	0x01  id, incident id, kind, at (varint seconds, uvarint nanoseconds,
//	      UTC), actor, summary, origin, state, error, local id: each string
//	      as a uvarint length and its bytes; then the number of fields and
//	      each key and value, keys sorted
//
// A new field of incident.Event needs a new codec byte here; the test
// TestCodecCoversEvent fails until it has one.
const codecV1 byte = 0x01

// codecFields are the fields of incident.Event that codec version 1 holds,
// in order.
var codecFields = []string{"ID", "IncidentID", "Kind", "At", "Actor", "Summary", "Origin", "State", "Error", "LocalID", "Fields"}

func encodeEvent(e incident.Event) []byte {
	n := 1 + sealSize + 2*binary.MaxVarintLen64 + 11*binary.MaxVarintLen32 +
		len(e.ID) + len(e.IncidentID) + len(e.Kind) + len(e.Actor) + len(e.Summary) +
		len(e.Origin) + len(e.State) + len(e.Error) + len(e.LocalID)
	for k, v := range e.Fields {
		n += 2*binary.MaxVarintLen32 + len(k) + len(v)
	}
	b := make([]byte, 0, n)
	b = append(b, codecV1)
	return appendEventBody(b, e)
}

// appendEventBody appends e's fields as codec version 1 holds them,
// without the codec byte (a snapshot holds many in one value).
func appendEventBody(b []byte, e incident.Event) []byte {
	b = appendString(appendString(appendString(b, e.ID), e.IncidentID), string(e.Kind))
	b = binary.AppendVarint(b, e.At.Unix())
	b = binary.AppendUvarint(b, uint64(e.At.Nanosecond()))
	b = appendString(appendString(appendString(b, e.Actor), e.Summary), string(e.Origin))
	b = appendString(appendString(appendString(b, string(e.State)), e.Error), e.LocalID)
	b = binary.AppendUvarint(b, uint64(len(e.Fields)))
	if len(e.Fields) == 0 { // most events: no sorting, no allocation
		return b
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		b = appendString(b, k)
		b = appendString(b, e.Fields[k])
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errShort = errors.New("value ends early")

// Since schema version 3 every stored value (but meta/schema_version) is
// sealed: its bytes, then the CRC-32C (Castagnoli) of its key and those
// bytes, big-endian. CRC-32C finds every change confined to 32 bits or
// fewer (so every flipped byte), and nearly every other; the key is
// covered so that a value read under another key is found out too. It is
// computed in hardware where the CPU can, so a replay of 100,000 events
// spends well under a millisecond on it.
const sealSize = 4

// castagnoli is made on first use: making it picks the CPU's CRC-32C code
// and builds its tables, which a command that opens no journal (--version)
// need not pay for at package init.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

func checksum(key, v []byte) uint32 {
	tab := castagnoli()
	return crc32.Update(crc32.Update(0, tab, key), tab, v)
}

// seal appends the checksum of key and v to v.
func seal(key, v []byte) []byte {
	return binary.BigEndian.AppendUint32(v, checksum(key, v))
}

// unseal returns the value sealed in v, or an error wrapping ErrDamaged.
// When the journal predates sealing (sealed is false), v is returned as it
// is. The result shares v's memory.
func unseal(sealed bool, key, v []byte) ([]byte, error) {
	if !sealed {
		return v, nil
	}
	if len(v) < sealSize {
		return nil, fmt.Errorf("%w: %d bytes, too short to hold a checksum", ErrDamaged, len(v))
	}
	body := v[:len(v)-sealSize]
	if want, got := binary.BigEndian.Uint32(v[len(body):]), checksum(key, body); want != got {
		return nil, fmt.Errorf("%w: checksum %08x, but its bytes sum to %08x", ErrDamaged, want, got)
	}
	return body, nil
}

// storedEvent is e as stored under key in an incident's bucket.
func storedEvent(key []byte, e incident.Event) []byte { return seal(key, encodeEvent(e)) }

// decodeStored decodes the event stored under key in incident inc's
// bucket. Anything wrong, including an event that names another incident,
// is an error wrapping ErrDamaged.
func decodeStored(sealed bool, inc string, key, v []byte) (incident.Event, error) {
	body, err := unseal(sealed, key, v)
	if err != nil {
		return incident.Event{}, err
	}
	e, err := decodeEvent(body)
	if err != nil {
		return incident.Event{}, fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if e.IncidentID != inc {
		return incident.Event{}, fmt.Errorf("%w: it names incident %q, but is filed under %q", ErrDamaged, e.IncidentID, inc)
	}
	return e, nil
}

// decodeEvent decodes a stored event. The value may point into bbolt's
// mapping: everything is copied out (the strings share one copy).
func decodeEvent(v []byte) (incident.Event, error) {
	if len(v) == 0 {
		return incident.Event{}, errors.New("empty value")
	}
	switch v[0] {
	case '{':
		var e incident.Event
		err := json.Unmarshal(v, &e)
		return e, err
	case codecV1:
	default:
		return incident.Event{}, fmt.Errorf("unknown event codec %#x", v[0])
	}
	d := decoder{s: string(v[1:])}
	var e incident.Event
	d.event(&e)
	if d.err == nil && d.s != "" {
		d.fail(fmt.Errorf("%d bytes left over", len(d.s)))
	}
	if d.err != nil {
		return incident.Event{}, d.err
	}
	return e, nil
}

// event reads into e what appendEventBody wrote. On an error e is left
// partly filled and d.err says why.
func (d *decoder) event(e *incident.Event) {
	e.ID = d.str()
	e.IncidentID = d.str()
	e.Kind = incident.Kind(d.str())
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.fail(fmt.Errorf("nanoseconds %d out of range", nsec))
	}
	e.At = time.Unix(sec, int64(nsec)).UTC()
	e.Actor = d.str()
	e.Summary = d.str()
	e.Origin = incident.Origin(d.str())
	e.State = incident.SyncState(d.str())
	e.Error = d.str()
	e.LocalID = d.str()
	if n := d.uvarint(); n > 0 && d.err == nil {
		if n > uint64(len(d.s)) { // each pair takes at least two bytes
			d.fail(errShort)
		} else {
			e.Fields = make(map[string]string, n)
			for range n {
				k := d.str()
				e.Fields[k] = d.str()
			}
		}
	}
}

// decoder reads codec values from a string, remembering the first error.
type decoder struct {
	s   string
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.s = ""
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			d.s = d.s[i+1:]
			return x | uint64(c)<<(7*i)
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	d.fail(errors.New("bad varint"))
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)) {
		d.fail(errShort)
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}
