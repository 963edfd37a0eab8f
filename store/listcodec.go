package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// The cached incident list is stored in the events' binary form (the
// decoder of codec.go), since the program draws its first frame from it:
// JSON took 46 ms to decode 10,000 incidents. A value starts with its
// codec byte:
//
//	'[' or 'n'  JSON []incident.Incident, as older versions wrote (still read)
//	0x01        the number of incidents, then each incident's fields in
//	            listFields order: strings as a uvarint length and bytes,
//	            ints as varints, times as varint seconds and uvarint
//	            nanoseconds (UTC), refs as id and name, assignees as a
//	            count and each id, name and email
//
//	0x02        as 0x01, then each incident's Key after its AlertCount
//
// A new field of incident.Incident needs a new codec byte here; the test
// TestListCodecCoversIncident fails until it has one. Older bytes are still
// read, the new fields left empty: the cache is only a head start.
const (
	listCodecV1 byte = 0x01
	listCodecV2 byte = 0x02
)

// listFields are the fields of incident.Incident that the newest list
// codec holds, in order.
var listFields = []string{"ID", "Number", "Title", "Status", "Urgency", "Priority", "Service", "EscalationPolicy",
	"EscalationLevel", "Assignees", "URL", "Bridge", "CreatedAt", "ResolvedAt", "ResolvedBy", "AlertCount", "Key"}

func encodeList(list []incident.Incident) []byte {
	n := 1 + binary.MaxVarintLen64 + sealSize
	for _, in := range list {
		n += 24*binary.MaxVarintLen32 + len(in.ID) + len(in.Title) + len(in.Status) + len(in.Urgency) +
			len(in.Priority) + len(in.Service.ID) + len(in.Service.Name) + len(in.EscalationPolicy.ID) +
			len(in.EscalationPolicy.Name) + len(in.URL) + len(in.Bridge) + len(in.ResolvedBy) + len(in.Key)
		for _, a := range in.Assignees {
			n += 3*binary.MaxVarintLen32 + len(a.ID) + len(a.Name) + len(a.Email)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, listCodecV2)
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, in := range list {
		b = appendIncident(b, in)
	}
	return b
}

// appendIncident appends in's fields in listFields order.
func appendIncident(b []byte, in incident.Incident) []byte {
	b = appendString(b, in.ID)
	b = binary.AppendVarint(b, int64(in.Number))
	for _, s := range []string{in.Title, string(in.Status), string(in.Urgency), in.Priority,
		in.Service.ID, in.Service.Name, in.EscalationPolicy.ID, in.EscalationPolicy.Name} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, int64(in.EscalationLevel))
	b = binary.AppendUvarint(b, uint64(len(in.Assignees)))
	for _, a := range in.Assignees {
		b = appendString(appendString(appendString(b, a.ID), a.Name), a.Email)
	}
	b = appendString(appendString(b, in.URL), in.Bridge)
	b = appendTime(appendTime(b, in.CreatedAt), in.ResolvedAt)
	b = appendString(b, in.ResolvedBy)
	b = binary.AppendVarint(b, int64(in.AlertCount))
	return appendString(b, in.Key)
}

// appendTime writes t as seconds and nanoseconds; the zero time comes
// back as the zero time.
func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decodeList decodes a cached list. The value may point into bbolt's
// mapping: everything is copied out (the strings share one copy).
func decodeList(v []byte) ([]incident.Incident, error) {
	if len(v) == 0 {
		return nil, errors.New("empty value")
	}
	switch v[0] {
	case '[', 'n':
		var list []incident.Incident
		err := json.Unmarshal(v, &list)
		return list, err
	case listCodecV1, listCodecV2:
	default:
		return nil, fmt.Errorf("unknown list codec %#x", v[0])
	}
	d := decoder{s: string(v[1:])}
	n := d.uvarint()
	if n > uint64(len(d.s)) { // every incident takes more than a byte
		return nil, errShort
	}
	var list []incident.Incident
	if n > 0 {
		list = make([]incident.Incident, n)
	}
	var slab []incident.Responder // assignees share few allocations
	for i := range list {
		d.incident(&list[i], v[0] >= listCodecV2, &slab)
		if d.err != nil {
			return nil, d.err
		}
	}
	if d.err == nil && d.s != "" {
		d.fail(fmt.Errorf("%d bytes left over", len(d.s)))
	}
	if d.err != nil {
		return nil, d.err
	}
	return list, nil
}

// incident reads into in what appendIncident wrote (without the key when
// withKey is false, as list codec version 1 wrote). Assignees are cut from
// *slab, which grows as needed, so that many incidents share few
// allocations.
func (d *decoder) incident(in *incident.Incident, withKey bool, slab *[]incident.Responder) {
	in.ID = d.str()
	in.Number = int(d.varint())
	in.Title = d.str()
	in.Status = incident.Status(d.str())
	in.Urgency = incident.Urgency(d.str())
	in.Priority = d.str()
	in.Service = incident.Ref{ID: d.str(), Name: d.str()}
	in.EscalationPolicy = incident.Ref{ID: d.str(), Name: d.str()}
	in.EscalationLevel = int(d.varint())
	if k := d.uvarint(); k > 0 && d.err == nil {
		if k > uint64(len(d.s)) { // each assignee takes at least three bytes
			d.fail(errShort)
		} else {
			if k > uint64(cap(*slab)-len(*slab)) {
				*slab = make([]incident.Responder, 0, max(int(k), 1024))
			}
			start := len(*slab)
			for range k {
				*slab = append(*slab, incident.Responder{ID: d.str(), Name: d.str(), Email: d.str()})
			}
			in.Assignees = (*slab)[start:len(*slab):len(*slab)] // an append by the caller copies
		}
	}
	in.URL = d.str()
	in.Bridge = d.str()
	in.CreatedAt = d.time()
	in.ResolvedAt = d.time()
	in.ResolvedBy = d.str()
	in.AlertCount = int(d.varint())
	if withKey {
		in.Key = d.str()
	}
}

// time reads what appendTime wrote.
func (d *decoder) time() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.fail(fmt.Errorf("nanoseconds %d out of range", nsec))
		return time.Time{}
	}
	if sec == zeroUnix && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// zeroUnix is the zero time's Unix seconds.
var zeroUnix = time.Time{}.Unix()
