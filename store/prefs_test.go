package store

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/oncallkit/oncall/incident"
)

func TestFilterPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Filter(); ok || err != nil {
		t.Fatalf("fresh journal: ok=%v err=%v", ok, err)
	}
	want := incident.Filter{AssignedToMe: true, Urgencies: []incident.Urgency{incident.High}}
	if err := s.SaveFilter(want); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := s.Filter()
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen: %+v ok=%v err=%v", got, ok, err)
	}
}
