package store

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// A field added to incident.Event must be taught to the codec (and get a
// new codec byte), or it would be dropped on the way to disk.
func TestCodecCoversEvent(t *testing.T) {
	var got []string
	typ := reflect.TypeFor[incident.Event]()
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if !slices.Equal(got, codecFields) {
		t.Fatalf("incident.Event has fields %v; the codec knows %v: extend store/codec.go", got, codecFields)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 7, 14, 0, 0, 123456789, time.UTC)
	for _, e := range []incident.Event{
		{},
		{ID: "01J", IncidentID: "P1", Kind: incident.KindNote, At: at, Actor: "ana", Summary: "héllo\x00\n[oncall:x]",
			Origin: incident.Local, State: incident.Failed, Error: "400", LocalID: "L",
			Fields: map[string]string{"what": "roll back", "why": "", "": "empty key"}},
		{At: time.Unix(-1, 5).UTC()},
		{At: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
	} {
		got, err := decodeEvent(encodeEvent(e))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("round trip\n got %#v\nwant %#v", got, e)
		}
		// Version 1 values (JSON) still decode.
		j, _ := json.Marshal(e)
		got, err = decodeEvent(j)
		if err != nil || !got.At.Equal(e.At) || got.Summary != e.Summary {
			t.Errorf("JSON: %+v %v", got, err)
		}
	}
	for _, bad := range [][]byte{nil, {0x02}, {codecV1}, {codecV1, 0xff}, append(encodeEvent(incident.Event{}), 0)} {
		if _, err := decodeEvent(bad); err == nil {
			t.Errorf("decodeEvent(%x) succeeded", bad)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(encodeEvent(incident.Event{ID: "a", Fields: map[string]string{"k": "v"}}))
	f.Add([]byte(`{"id":"a"}`))
	f.Add([]byte{codecV1, 0x80})
	f.Fuzz(func(t *testing.T, v []byte) {
		e, err := decodeEvent(v)
		if err != nil || (len(v) > 0 && v[0] == '{') {
			return
		}
		// What decodes re-encodes to the same bytes, except for key order,
		// which encodeEvent fixes.
		back, err := decodeEvent(encodeEvent(e))
		if err != nil || !reflect.DeepEqual(back, e) {
			t.Fatalf("re-encode: %+v %v", back, err)
		}
	})
}
