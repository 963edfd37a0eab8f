//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
)

// The page walk reads the journal through a mapping. A program that
// truncates the file under it (oncall's own writers are kept out by the
// shared lock; others are not) makes the next read fault: that must come
// back as an error saying so, not crash the process.
func TestPageWalkSurvivesATruncationUnderIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]incident.Event, 2000)
	for i := range batch {
		batch[i] = incident.Event{Kind: incident.KindNote, Actor: "ana@example.com", Summary: fmt.Sprintf("step %d", i)}
	}
	if _, err := s.AppendAll("PBIG", batch); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, ok, err := readMeta(f, 0)
	if err != nil || !ok {
		t.Fatalf("meta: %v %v", ok, err)
	}
	data, release, err := mapFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if problem, err := walkPages(data, m); problem != "" || err != nil {
		t.Fatalf("the sound journal: %q, %v", problem, err)
	}
	if err := f.Truncate(int64(2 * m.pageSize)); err != nil { // the metas stay, every other page goes
		t.Fatal(err)
	}
	problem, err := walkPages(data, m)
	if err == nil || !strings.Contains(err.Error(), "changed while it was checked") || problem != "" {
		t.Fatalf("after a truncation under the walk: problem %q, err %v", problem, err)
	}
	if debug.SetPanicOnFault(false) {
		t.Error("the walk left faults turned into panics for the rest of the goroutine's life")
	}
}
