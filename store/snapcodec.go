package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/oncallkit/oncall/incident"
)

// An incident's snapshot is stored in the binary forms of the list and
// event codecs, since opening a long incident from the journal decodes
// every one of its events: from JSON, a 100,000-event snapshot took the
// process's peak memory well past its budget in garbage alone. A value
// starts with its codec byte:
//
//	'{'   JSON Snapshot, as older versions wrote (still read)
//	0x01  the incident as list codec version 2 writes one, fetched_at as
//	      appendTime writes it, the number of events, then each event as
//	      event codec version 1 writes one, without its codec byte
//
// A new field of incident.Incident or incident.Event needs a new codec
// byte here as well as in listcodec.go or codec.go.
const snapCodecV1 byte = 0x01

// encodeSnapshot encodes snap with only its provider events (local ones
// live in the journal), skipping the others as it goes rather than copying
// the rest: a snapshot may hold 100,000 events.
func encodeSnapshot(snap Snapshot) []byte {
	n := 1 + 40*binary.MaxVarintLen32 + sealSize + len(snap.Incident.Title) + 256
	remote := 0
	for _, e := range snap.Events {
		if e.Origin == incident.Local {
			continue
		}
		remote++
		n += 13*binary.MaxVarintLen32 + len(e.ID) + len(e.IncidentID) + len(e.Kind) + len(e.Actor) +
			len(e.Summary) + len(e.Origin) + len(e.State) + len(e.Error) + len(e.LocalID)
		for k, v := range e.Fields {
			n += 2*binary.MaxVarintLen32 + len(k) + len(v)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, snapCodecV1)
	b = appendIncident(b, snap.Incident)
	b = appendTime(b, snap.FetchedAt)
	b = binary.AppendUvarint(b, uint64(remote))
	for _, e := range snap.Events {
		if e.Origin != incident.Local {
			b = appendEventBody(b, e)
		}
	}
	return b
}

// decodeSnapshot decodes a stored snapshot. The value may point into
// bbolt's mapping: it is copied once, and every string of the incident
// and its events shares that copy; the events are decoded straight into
// the slice returned, with no intermediate form.
func decodeSnapshot(v []byte) (Snapshot, error) {
	if len(v) == 0 {
		return Snapshot{}, errors.New("empty value")
	}
	switch v[0] {
	case '{':
		var snap Snapshot
		err := json.Unmarshal(v, &snap)
		return snap, err
	case snapCodecV1:
	default:
		return Snapshot{}, fmt.Errorf("unknown snapshot codec %#x", v[0])
	}
	d := decoder{s: string(v[1:])}
	var snap Snapshot
	d.incident(&snap.Incident, true, new([]incident.Responder))
	snap.FetchedAt = d.time()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.s))/12 { // every event takes at least 12 bytes
		d.fail(errShort)
	}
	if d.err == nil && n > 0 {
		snap.Events = make([]incident.Event, n)
		for i := range snap.Events {
			d.event(&snap.Events[i])
			if d.err != nil {
				break
			}
		}
	}
	if d.err == nil && d.s != "" {
		d.fail(fmt.Errorf("%d bytes left over", len(d.s)))
	}
	if d.err != nil {
		return Snapshot{}, d.err
	}
	return snap, nil
}
