package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/oncallkit/oncall/incident"
)

// A journal's file laid open, for tests that damage one structure at a
// time: each case below breaks what exactly one guard of inspect protects,
// and expects that guard's words, so removing the guard fails the test.
type layout struct {
	data []byte
	ps   int // page size
}

var ne = binary.NativeEndian

func (l layout) meta(i int) []byte { return l.data[i*l.ps+pageHeaderSize:][:metaSize] }

// newest is the index of the meta bbolt (and inspect) uses.
func (l layout) newest() int {
	if ne.Uint64(l.meta(1)[48:]) > ne.Uint64(l.meta(0)[48:]) {
		return 1
	}
	return 0
}

// setMeta sets a field of meta i and fixes its checksum.
func (l layout) setMeta(i, off int, v uint64, size int) {
	m := l.meta(i)
	if size == 4 {
		ne.PutUint32(m[off:], uint32(v))
	} else {
		ne.PutUint64(m[off:], v)
	}
	h := fnv.New64a()
	h.Write(m[:metaSumOffset])
	ne.PutUint64(m[metaSumOffset:], h.Sum64())
}

func (l layout) field(off int) uint64 { return ne.Uint64(l.meta(l.newest())[off:]) }
func (l layout) root() int            { return int(l.field(16)) }
func (l layout) freelist() int        { return int(l.field(32)) }
func (l layout) pgid() uint64         { return l.field(40) }
func (l layout) page(id int) []byte   { return l.data[id*l.ps:][:l.ps] }

// element returns the leaf element of page p whose key is key, as its
// 16 bytes (flags, pos, ksize, vsize).
func (l layout) element(t *testing.T, p []byte, key string) []byte {
	t.Helper()
	for i := range int(ne.Uint16(p[10:])) {
		e := p[pageHeaderSize+i*elementSize:][:elementSize]
		pos, ks := int(ne.Uint32(e[4:])), int(ne.Uint32(e[8:]))
		start := pageHeaderSize + i*elementSize + pos
		if string(p[start:start+ks]) == key {
			return e
		}
	}
	t.Fatalf("no element %q", key)
	return nil
}

func goodLayout(t *testing.T) layout {
	return layout{data: journalBytes(t), ps: 4096}
}

func TestInspectGuards(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, l layout)
		want   string
	}{
		{"no magic", func(t *testing.T, l layout) { l.setMeta(0, 0, 1, 4); l.setMeta(1, 0, 1, 4) }, "no valid bbolt header"},
		{"bbolt version", func(t *testing.T, l layout) { l.setMeta(0, 4, 3, 4); l.setMeta(1, 4, 3, 4) }, "no valid bbolt header"},
		{"checksums", func(t *testing.T, l layout) { l.meta(0)[20]++; l.meta(1)[20]++ }, "no valid bbolt header"},
		{"page size not a power of two", func(t *testing.T, l layout) { l.setMeta(0, 8, 3000, 4); l.setMeta(1, 8, 3000, 4) }, "page size 3000 is invalid"},
		{"page size too small", func(t *testing.T, l layout) { l.setMeta(0, 8, 512, 4); l.setMeta(1, 8, 512, 4) }, "page size 512 is invalid"},
		{"page size too large", func(t *testing.T, l layout) { l.setMeta(0, 8, 1<<25, 4); l.setMeta(1, 8, 1<<25, 4) }, "page size 33554432 is invalid"},
		{"metas disagree", func(t *testing.T, l layout) { l.setMeta(1, 8, 8192, 4) }, "disagree on the page size"},
		{"root past high water", func(t *testing.T, l layout) { l.setMeta(l.newest(), 16, l.pgid(), 8) }, "past the high-water mark"},
		{"high water below 2", func(t *testing.T, l layout) { l.setMeta(l.newest(), 40, 1, 8) }, "past the high-water mark 1"},
		{"no freelist", func(t *testing.T, l layout) { l.setMeta(l.newest(), 32, noFreelist, 8) }, "no stored freelist"},
		{"freelist past high water", func(t *testing.T, l layout) { l.setMeta(l.newest(), 32, l.pgid()+3, 8) }, "freelist page"},
		{"truncated by its meta", func(t *testing.T, l layout) {
			n := uint64(len(l.data)/l.ps) + 1
			l.setMeta(0, 40, n, 8)
			l.setMeta(1, 40, n, 8)
		}, "the file is truncated"},
		{"page id wrong", func(t *testing.T, l layout) { ne.PutUint64(l.page(l.root()), uint64(l.root()+1)) }, "says it is page"},
		{"overflow past high water", func(t *testing.T, l layout) {
			// Just one page too many: the last one would be the high-water mark.
			ne.PutUint32(l.page(l.root())[12:], uint32(l.pgid()-uint64(l.root())))
		}, "overflow pages"},
		{"page reached twice", func(t *testing.T, l layout) { l.setMeta(l.newest(), 16, uint64(l.freelist()), 8) }, "reached twice"},
		{"the newer meta is the one walked", func(t *testing.T, l layout) {
			// Whichever meta was newest, make the other one newer, and
			// damaged: the walk must follow the newer meta, as bbolt will.
			old, young := l.newest(), 1-l.newest()
			copy(l.meta(young), l.meta(old))
			l.setMeta(young, 48, l.field(48)+1, 8)
			l.setMeta(young, 16, uint64(l.freelist()), 8)
		}, "reached twice"},
		{"freelist not a freelist", func(t *testing.T, l layout) {
			l.setMeta(l.newest(), 32, uint64(l.root()), 8)
		}, "is not a freelist page"},
		{"freelist too long", func(t *testing.T, l layout) { ne.PutUint16(l.page(l.freelist())[10:], 0xFFFE) }, "does not fit its page"},
		{"freelist page out of bounds", func(t *testing.T, l layout) {
			p := l.page(l.freelist())
			if ne.Uint16(p[10:]) == 0 {
				t.Skip("the freelist is empty")
			}
			ne.PutUint64(p[pageHeaderSize:], l.pgid()+7)
		}, "out of bounds"},
		{"a page neither used nor free", func(t *testing.T, l layout) {
			// Only bbolt's own check sees this: inspect follows pointers,
			// it does not account for every page.
			p := l.page(l.freelist())
			c := ne.Uint16(p[10:])
			if c == 0 || c == 0xFFFF {
				t.Skip("the freelist is empty or long")
			}
			ne.PutUint16(p[10:], c-1)
		}, "consistency check"},
		{"elements do not fit", func(t *testing.T, l layout) { ne.PutUint16(l.page(l.root())[10:], 0xFFFF) }, "elements do not fit"},
		{"neither branch nor leaf", func(t *testing.T, l layout) { ne.PutUint16(l.page(l.root())[8:], 0x04) }, "neither a branch nor a leaf"},
		{"empty page of no kind", func(t *testing.T, l layout) {
			p := l.page(l.root())
			ne.PutUint16(p[8:], 0)
			ne.PutUint16(p[10:], 0)
		}, "neither a branch nor a leaf"},
		{"element outside the page", func(t *testing.T, l layout) {
			ne.PutUint32(l.element(t, l.page(l.root()), "meta")[4:], uint32(l.ps))
		}, "lies outside the page"},
		{"bucket header short", func(t *testing.T, l layout) {
			ne.PutUint32(l.element(t, l.page(l.root()), "meta")[12:], 8)
		}, "short header"},
		{"inline page short", func(t *testing.T, l layout) {
			ne.PutUint32(l.element(t, l.page(l.root()), "meta")[12:], bucketHeaderSize+4)
		}, "too short for a page header"},
		{"inline page damaged", func(t *testing.T, l layout) {
			p := l.page(l.root())
			e := l.element(t, p, "meta")
			i := bytes.Index(p, e)
			pos, ks := int(ne.Uint32(e[4:])), int(ne.Uint32(e[8:]))
			inline := p[i+pos+ks+bucketHeaderSize:]
			ne.PutUint16(inline[10:], 0x0FFF)
		}, "inline bucket in page"},
		{"bucket root out of bounds", func(t *testing.T, l layout) {
			p := l.page(l.root())
			e := l.element(t, p, "events")
			i := bytes.Index(p, e)
			pos, ks := int(ne.Uint32(e[4:])), int(ne.Uint32(e[8:]))
			ne.PutUint64(p[i+pos+ks:], l.pgid()+9)
		}, "out of bounds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := goodLayout(t)
			c.damage(t, l)
			path := filepath.Join(t.TempDir(), "journal.db")
			if err := os.WriteFile(path, l.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrCorrupt saying %q", err, c.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, l.data) {
				t.Fatal("the file changed")
			}
		})
	}
}

// The first meta damaged: the second is found at the page size bbolt
// would try, and the journal opens on it.
func TestInspectFindsTheSecondMeta(t *testing.T) {
	l := goodLayout(t)
	l.meta(0)[20]++ // a checksum that no longer matches
	path := filepath.Join(t.TempDir(), "journal.db")
	os.WriteFile(path, l.data, 0o600)
	s, err := Open(path)
	if err != nil {
		t.Fatalf("a journal with one good meta: %v", err)
	}
	mustClose(t, s)
}

// Buckets nested deeper than any journal's are refused before bbolt walks
// them.
func TestInspectDepth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deep.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		for range maxDepth + 2 {
			if err != nil {
				return err
			}
			b, err = b.CreateBucket([]byte("b"))
		}
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("error %v, want ErrCorrupt saying nested too deeply", err)
	}
}

// A freelist too long for the 16-bit count keeps it in the first eight
// bytes instead (count 0xFFFF): inspect reads that form as bbolt does.
func TestInspectReadsALongFreelistCount(t *testing.T) {
	l := goodLayout(t)
	p := l.page(l.freelist())
	c := int(ne.Uint16(p[10:]))
	if c == 0xFFFF || pageHeaderSize+8+8*c > len(p) {
		t.Skip("the freelist does not leave room to rewrite it")
	}
	copy(p[pageHeaderSize+8:], bytes.Clone(p[pageHeaderSize:pageHeaderSize+8*c]))
	ne.PutUint64(p[pageHeaderSize:], uint64(c))
	ne.PutUint16(p[10:], 0xFFFF)
	path := filepath.Join(t.TempDir(), "journal.db")
	os.WriteFile(path, l.data, 0o600)
	s, err := Open(path)
	if err != nil {
		t.Fatalf("a freelist with its count in the long form: %v", err)
	}
	mustClose(t, s)
}

// The smallest page size bbolt allows is accepted, and a truncated file's
// message says how many bytes its pages need.
func TestInspectEdges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small-pages.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: minPageSize})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("a journal with %d-byte pages: %v", minPageSize, err)
	}
	if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	if s, err = Open(path); err != nil {
		t.Fatalf("reopening it: %v", err)
	}
	mustClose(t, s)

	l := goodLayout(t)
	n := uint64(len(l.data)/l.ps) + 2
	l.setMeta(0, 40, n, 8)
	l.setMeta(1, 40, n, 8)
	path = filepath.Join(t.TempDir(), "journal.db")
	os.WriteFile(path, l.data, 0o600)
	want := fmt.Sprintf("%d bytes, but its pages need %d", len(l.data), n*uint64(l.ps))
	if _, err := Open(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want it to say %q", err, want)
	}
}

// bucketRoot is the root page of the bucket stored as key in leaf page p.
func (l layout) bucketRoot(t *testing.T, p []byte, key string) int {
	t.Helper()
	e := l.element(t, p, key)
	i := bytes.Index(p, e)
	pos, ks := int(ne.Uint32(e[4:])), int(ne.Uint32(e[8:]))
	root := int(ne.Uint64(p[i+pos+ks:]))
	if root == 0 {
		t.Fatalf("bucket %q is inline", key)
	}
	return root
}

// branchLayout is a journal whose incident P1 holds enough events for its
// bucket's root to be a branch page; it returns that page's id.
func branchLayout(t *testing.T) (layout, int) {
	t.Helper()
	s, path := openTemp(t)
	batch := make([]incident.Event, 400)
	for i := range batch {
		batch[i] = incident.Event{Kind: incident.KindNote, Summary: strings.Repeat("y", 200)}
	}
	if _, err := s.AppendAll("P1", batch); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l := layout{data: data, ps: 4096}
	events := l.bucketRoot(t, l.page(l.root()), "events")
	p1 := l.bucketRoot(t, l.page(events), "P1")
	if ne.Uint16(l.page(p1)[8:])&branchPageFlag == 0 {
		t.Fatal("incident P1's root is not a branch page")
	}
	return l, p1
}

func TestInspectBranchPages(t *testing.T) {
	cases := []struct {
		name   string
		damage func(l layout, branch int)
		want   string
	}{
		{"key outside the page", func(l layout, branch int) {
			// The key's last byte is one past the page: no slack either way.
			e := l.page(branch)[pageHeaderSize:]
			ksize := int(ne.Uint32(e[4:]))
			ne.PutUint32(e, uint32(l.ps-pageHeaderSize-ksize+1))
		}, "key 0 lies outside the page"},
		{"a child below is damaged", func(l layout, branch int) {
			child := int(ne.Uint64(l.page(branch)[pageHeaderSize+8:]))
			ne.PutUint64(l.page(child), uint64(child+1))
		}, "says it is page"},
		{"one element too many", func(l layout, branch int) {
			ne.PutUint16(l.page(branch)[10:], uint16((l.ps-pageHeaderSize)/elementSize+1))
		}, "elements do not fit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, branch := branchLayout(t)
			c.damage(l, branch)
			path := filepath.Join(t.TempDir(), "journal.db")
			os.WriteFile(path, l.data, 0o600)
			if _, err := Open(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrCorrupt saying %q", err, c.want)
			}
		})
	}
	// Undamaged, the same journal opens: the cases above are the damage.
	l, _ := branchLayout(t)
	path := filepath.Join(t.TempDir(), "journal.db")
	os.WriteFile(path, l.data, 0o600)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
}

// Check's value walk: one line per problem, nothing said twice, and no
// more than maxProblems lines however much is wrong.
func TestCheckValues(t *testing.T) {
	s, _ := openTemp(t)
	defer mustClose(t, s)
	a, _ := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "a"})
	b, _ := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "b"})
	if problems, err := s.Check(); err != nil || len(problems) != 0 {
		t.Fatalf("a sound journal: %q %v", problems, err)
	}
	// A queued event whose outbox entry is gone.
	err := rawUpdate(s, func(tx *bolt.Tx) error { return tx.Bucket(bucketOutbox).Bucket([]byte("P1")).Delete(be64(1)) })
	if err != nil {
		t.Fatal(err)
	}
	problems, _ := s.Check()
	if len(problems) != 1 || !strings.Contains(problems[0], a.ID) || !strings.Contains(problems[0], "no outbox entry") {
		t.Fatalf("a missing outbox entry: %q", problems)
	}
	// An empty outbox bucket, which the outbox never leaves behind.
	err = rawUpdate(s, func(tx *bolt.Tx) error {
		_, err := tx.Bucket(bucketOutbox).CreateBucket([]byte("P9"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if problems, _ := s.Check(); len(problems) != 2 || problems[0] != "outbox/P9: an empty bucket" {
		t.Fatalf("an empty outbox bucket: %q", problems)
	}
	err = rawUpdate(s, func(tx *bolt.Tx) error { return tx.Bucket(bucketOutbox).DeleteBucket([]byte("P9")) })
	if err != nil {
		t.Fatal(err)
	}
	// A damaged queued event is one problem, not also its entry's and its
	// index entry's.
	err = rawUpdate(s, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).Bucket([]byte("P1")).Put(be64(2), []byte("garbage"))
	})
	if err != nil {
		t.Fatal(err)
	}
	problems, _ = s.Check()
	if len(problems) != 2 || !strings.Contains(problems[0], "events/P1/2") {
		t.Fatalf("a damaged event (%s) said once: %q", b.ID, problems)
	}
	// A damaged record of the quarantine itself.
	err = rawUpdate(s, func(tx *bolt.Tx) error { return tx.Bucket(bucketQuarantine).Put(be64(1), []byte("garbage")) })
	if err != nil {
		t.Fatal(err)
	}
	if problems, _ = s.Check(); len(problems) != 3 || !strings.HasPrefix(problems[2], "quarantine/") {
		t.Fatalf("a damaged quarantine record: %q", problems)
	}
	// Much damage: the list is bounded, and says how much more there was.
	err = rawUpdate(s, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketEvents).Bucket([]byte("P1"))
		for i := range 3 * maxProblems {
			if err := bk.Put(be64(uint64(100+i)), []byte("garbage")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	problems, _ = s.Check()
	want := fmt.Sprintf("and %d more", 3*maxProblems+3-(maxProblems-1))
	if len(problems) != maxProblems || problems[maxProblems-1] != want {
		t.Fatalf("%d lines, the last %q; want %d, the last %q", len(problems), problems[len(problems)-1], maxProblems, want)
	}
}

// The long form of the freelist's count, read directly: the ids start
// after the eight bytes that hold it.
func TestVerifyFreelistLongForm(t *testing.T) {
	r := &pageReader{meta: meta{pgid: 100, freelist: 3}}
	span := make([]byte, 4096)
	ne.PutUint16(span[8:], freelistPageFlag)
	ne.PutUint16(span[10:], 0xFFFF)
	ne.PutUint64(span[pageHeaderSize:], 1)    // one id
	ne.PutUint64(span[pageHeaderSize+8:], 50) // page 50 is free
	if problem := r.verifyFreelist(span); problem != "" {
		t.Fatalf("a sound long-form freelist: %s", problem)
	}
	ne.PutUint64(span[pageHeaderSize+8:], 100)
	if problem := r.verifyFreelist(span); !strings.Contains(problem, "page 100, out of bounds") {
		t.Fatalf("a long-form freelist holding page 100 of 100: %q", problem)
	}
}
