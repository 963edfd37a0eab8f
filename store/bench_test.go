package store

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

func benchEvent(i int) incident.Event {
	return incident.Event{Kind: incident.KindNote, Actor: "ana@example.com",
		Summary: fmt.Sprintf("step %d: rolled back 4.12, error rate falling", i)}
}

// BenchmarkAppend is one Append: one transaction, one outbox entry, one
// fsync. It reports the p50 and p99 latency of the calls it timed.
func BenchmarkAppend(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := s.Append("PABC123", benchEvent(i)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(pct(lat, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(lat, 99).Microseconds())/1000, "p99-ms")
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// BenchmarkAppendBatch is AppendAll of 100 events: one transaction and one
// fsync for the lot. It reports events per second.
func BenchmarkAppendBatch(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := make([]incident.Event, 100)
	for i := range batch {
		batch[i] = benchEvent(i)
	}
	n := 0
	start := time.Now()
	for b.Loop() {
		if _, err := s.AppendAll("PABC123", batch); err != nil {
			b.Fatal(err)
		}
		n += len(batch)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkReplay100k reads back every event of one incident with 100,000
// of them, as opening its timeline does.
func BenchmarkReplay100k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const total, per = 100_000, 5_000
	for i := 0; i < total; i += per {
		batch := make([]incident.Event, per)
		for j := range batch {
			batch[j] = benchEvent(i + j)
			batch[j].State = incident.Sent // a replayed incident is mostly sent
		}
		if _, err := s.AppendAll("PBIG", batch); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		got, err := s.Events("PBIG")
		if err != nil || len(got) != total {
			b.Fatalf("%d events, %v", len(got), err)
		}
	}
}

// BenchmarkSmallRead is the smallest operation, reading the saved list
// filter from a journal of 10,000 events: what one operation pays to open
// the file, take its lock, map it and let it go again.
func BenchmarkSmallRead(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "journal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := make([]incident.Event, 10_000)
	for i := range batch {
		batch[i] = benchEvent(i)
	}
	if _, err := s.AppendAll("PBIG", batch); err != nil {
		b.Fatal(err)
	}
	if err := s.SaveFilter(incident.Filter{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := s.Filter(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen100k is what every command pays to open a journal that has
// grown to 100,000 events: the file's page structure is checked before
// bbolt is trusted with it.
func BenchmarkOpen100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "journal.db")
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	const total, per = 100_000, 5_000
	for i := 0; i < total; i += per {
		batch := make([]incident.Event, per)
		for j := range batch {
			batch[j] = benchEvent(i + j)
			batch[j].State = incident.Sent
		}
		if _, err := s.AppendAll(fmt.Sprintf("P%d", i%7), batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
}
