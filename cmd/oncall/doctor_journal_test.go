package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/store"
)

// doctor reads every stored value: a flipped byte inside a note's text,
// which leaves the file's page structure sound, is a FAIL naming it; once
// a reader has set it aside, a warning.
func TestDoctorFindsADamagedValue(t *testing.T) {
	isolate(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	db := filepath.Join(t.TempDir(), "journal.db")
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	const text = "rolled back the 4.12 deploy"
	if _, err := j.Append("PABC123", incident.Event{Kind: incident.KindNote, Summary: text}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(text)) {
		t.Fatal("the note's text is not in the file")
	}
	data = bytes.ReplaceAll(data, []byte(text), []byte("rolled back the 4.13 deploy"))
	if err := os.WriteFile(db, data, 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, _ := cli(t, "doctor", "--db", db, "--api-url", "http://127.0.0.1:1")
	line := lineStarting(out, "FAIL  journal")
	if code == 0 || !strings.Contains(line, "damaged") || !strings.Contains(line, "events/PABC123") {
		t.Fatalf("exit %d, journal line %q in:\n%s", code, line, out)
	}

	j, err = store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if evs, _ := j.Events("PABC123"); len(evs) != 0 {
		t.Fatalf("the damaged note was read back: %+v", evs)
	}
	j.Close()
	_, out, _ = cli(t, "doctor", "--db", db, "--api-url", "http://127.0.0.1:1")
	if line := lineStarting(out, "warn  journal"); !strings.Contains(line, "set aside") {
		t.Fatalf("after it was set aside: %q in:\n%s", line, out)
	}
}

func lineStarting(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	return ""
}
