package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bbolt's on-disk header, read here without mapping the file. A page starts
// with a 16-byte header; pages 0 and 1 each hold a meta in native byte order:
//
//	magic u32, version u32, page size u32, flags u32,
//	root bucket (root pgid u64, sequence u64), freelist pgid u64,
//	high-water pgid u64, txid u64, checksum u64 (FNV-64a of what precedes it)
const (
	pageHeaderSize = 16
	metaSize       = 64
	metaSumOffset  = 56
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)
	minPageSize    = 1024
	maxPageSize    = 1 << 24
	maxDepth       = 64 // far deeper than any real tree of pages and buckets

	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	elementSize      = 16 // both branch and leaf elements
	bucketHeaderSize = 16 // root pgid, sequence; an inline page follows when root is 0
)

type meta struct {
	pageSize uint64
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// errBusy is inspect's way of saying another process holds the file.
var errBusy = errors.New("busy")

// inspect reads a non-empty file with plain reads, under a shared lock that
// it lets go of before returning (f stays open), and reports a problem if
// bbolt could not open it safely: no valid meta, a page size out of range,
// pointers past the high-water mark, a file shorter than the pages its meta
// claims (a truncated copy), or a damaged page structure. err is for I/O
// trouble, or errBusy.
func inspect(f *os.File, wait time.Duration) (problem string, err error) {
	if ok, err := sharedLock(f, wait); err != nil {
		return "", err
	} else if !ok {
		return "", errBusy
	}
	// Unlocking an open descriptor cannot fail; were it to, the next
	// operation would find the file locked and say so.
	defer func() { _ = unlock(f) }()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := fi.Size()

	var valid []meta
	m0, ok, err := readMeta(f, 0)
	if err != nil {
		return "", err
	}
	if ok {
		valid = append(valid, m0)
		m1, ok, err := readMeta(f, int64(m0.pageSize))
		if err != nil {
			return "", err
		}
		if ok {
			valid = append(valid, m1)
		}
	} else {
		// The first meta is damaged: look for the second at every page size
		// bbolt would try.
		for ps := int64(minPageSize); ps <= maxPageSize && ps < size; ps <<= 1 {
			m1, ok, err := readMeta(f, ps)
			if err != nil {
				return "", err
			}
			if ok && int64(m1.pageSize) == ps {
				valid = append(valid, m1)
				break
			}
		}
	}
	if len(valid) == 0 {
		return "no valid bbolt header: not a bbolt file, or both meta pages are damaged", nil
	}

	// Both metas must be sane; bbolt uses the newest.
	for _, m := range valid {
		switch {
		case m.pageSize < minPageSize || m.pageSize > maxPageSize || m.pageSize&(m.pageSize-1) != 0:
			return fmt.Sprintf("page size %d is invalid", m.pageSize), nil
		case m.pageSize != valid[0].pageSize:
			return "the two meta pages disagree on the page size", nil
		case m.pgid < 2 || m.root >= m.pgid:
			return fmt.Sprintf("root page %d is past the high-water mark %d", m.root, m.pgid), nil
		case m.freelist == noFreelist:
			// Only a file written without a freelist has this; bbolt would
			// rewrite it on open, and oncall never writes one.
			return "it has no stored freelist, so oncall did not write it", nil
		case m.freelist >= m.pgid:
			return fmt.Sprintf("freelist page %d is past the high-water mark %d", m.freelist, m.pgid), nil
		case m.pgid > uint64(size)/m.pageSize:
			return fmt.Sprintf("the file is truncated: %d bytes, but its pages need %d", size, m.pgid*m.pageSize), nil
		}
	}
	newest := valid[0]
	if len(valid) == 2 && valid[1].txid > newest.txid {
		newest = valid[1]
	}
	data, release, err := mapFile(f, size)
	if err != nil {
		return "", err
	}
	defer release()
	return walkPages(data, newest)
}

// walkPages runs the page walk over data, the file's bytes. A mapping
// faults if another program truncates the file during the walk (oncall's
// own writers are kept out by the shared lock); the fault is turned into
// an error here rather than a crash.
func walkPages(data []byte, m meta) (problem string, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if _, fault := r.(interface{ Addr() uintptr }); fault {
			problem, err = "", fmt.Errorf("the file changed while it was checked: %v", r)
		} else if r != nil {
			// Every read above is bounds-checked, so this is a fault of
			// the walk's own, not proof of damage: say so, and do not
			// advise moving a journal aside that may well be sound.
			problem, err = "", fmt.Errorf("checking its page structure failed: %v", r)
		}
	}()
	pr := &pageReader{data: data, meta: m, seen: make([]uint64, (m.pgid+63)/64)}
	return pr.verify()
}

// pageReader follows every page reachable from a meta, checking that each
// page, element, key and value lies inside the pages in use and that no
// page is reached twice. bbolt trusts these structures: a wild offset in
// one would make it fault, loop or allocate without bound, partly in
// goroutines of its own where nothing can recover. Once they are proven
// sane, bbolt's own consistency check is safe to run.
//
// It reads the file through one read-only mapping (mapFile) and copies
// nothing: a journal of 100,000 events is some 50 MB, and reading it page
// by page took two system calls and a fresh buffer per page at every start
// of every command.
type pageReader struct {
	data []byte // the whole file
	meta meta
	seen []uint64 // a bit per page id below meta.pgid
}

func (r *pageReader) verify() (problem string, err error) {
	span, problem := r.page(r.meta.freelist)
	if problem != "" {
		return problem, nil
	}
	if problem := r.verifyFreelist(span); problem != "" {
		return problem, nil
	}
	return r.verifyTree(r.meta.root, 0), nil
}

// page is page id with its overflow pages, marked as reached.
func (r *pageReader) page(id uint64) (span []byte, problem string) {
	if id < 2 || id >= r.meta.pgid {
		return nil, fmt.Sprintf("page %d is out of bounds (high-water mark %d)", id, r.meta.pgid)
	}
	ps := r.meta.pageSize
	if (id+1)*ps > uint64(len(r.data)) {
		return nil, fmt.Sprintf("page %d lies past the end of the file", id)
	}
	ne := binary.NativeEndian
	hdr := r.data[id*ps:]
	if got := ne.Uint64(hdr[0:]); got != id {
		return nil, fmt.Sprintf("page %d says it is page %d", id, got)
	}
	overflow := uint64(ne.Uint32(hdr[12:]))
	if id+overflow >= r.meta.pgid {
		return nil, fmt.Sprintf("page %d runs past the high-water mark (%d overflow pages)", id, overflow)
	}
	if (id+1+overflow)*ps > uint64(len(r.data)) {
		return nil, fmt.Sprintf("page %d lies past the end of the file", id)
	}
	for i := id; i <= id+overflow; i++ {
		word, bit := i/64, uint64(1)<<(i%64)
		if r.seen[word]&bit != 0 {
			return nil, fmt.Sprintf("page %d is reached twice", i)
		}
		r.seen[word] |= bit
	}
	return r.data[id*ps : (id+1+overflow)*ps : (id+1+overflow)*ps], ""
}

func (r *pageReader) verifyFreelist(span []byte) string {
	ne := binary.NativeEndian
	if ne.Uint16(span[8:])&freelistPageFlag == 0 {
		return fmt.Sprintf("freelist page %d is not a freelist page", r.meta.freelist)
	}
	start, count := uint64(pageHeaderSize), uint64(ne.Uint16(span[10:]))
	if count == 0xFFFF {
		count = ne.Uint64(span[start:])
		start += 8
	}
	if count > (uint64(len(span))-start)/8 {
		return fmt.Sprintf("freelist of %d pages does not fit its page", count)
	}
	for i := range count {
		if id := ne.Uint64(span[start+8*i:]); id < 2 || id >= r.meta.pgid {
			return fmt.Sprintf("freelist holds page %d, out of bounds", id)
		}
	}
	return ""
}

func (r *pageReader) verifyTree(id uint64, depth int) string {
	span, problem := r.page(id)
	if problem != "" {
		return problem
	}
	return r.verifyNode(span, nodeAt{page: id}, depth)
}

// nodeAt names a node for a problem: a page, or a bucket inlined in it
// (inline times), formatted only when there is a problem to report.
type nodeAt struct {
	page   uint64
	inline int
}

func (at nodeAt) String() string {
	return strings.Repeat("inline bucket in ", at.inline) + fmt.Sprintf("page %d", at.page)
}

// verifyNode checks a branch or leaf page held in b (a page span, or an
// inline bucket's page) and everything below it.
func (r *pageReader) verifyNode(b []byte, where nodeAt, depth int) string {
	if depth > maxDepth {
		return fmt.Sprintf("%s is nested too deeply", where)
	}
	if len(b) < pageHeaderSize {
		return fmt.Sprintf("%s is too short for a page header", where)
	}
	ne := binary.NativeEndian
	flags, count := ne.Uint16(b[8:]), uint64(ne.Uint16(b[10:]))
	if count > (uint64(len(b))-pageHeaderSize)/elementSize {
		return fmt.Sprintf("%s: %d elements do not fit", where, count)
	}
	for i := range count {
		off := pageHeaderSize + i*elementSize
		e := b[off : off+elementSize]
		switch {
		case flags&branchPageFlag != 0:
			pos, ksize := uint64(ne.Uint32(e[0:])), uint64(ne.Uint32(e[4:]))
			if off+pos+ksize > uint64(len(b)) {
				return fmt.Sprintf("%s: key %d lies outside the page", where, i)
			}
			if problem := r.verifyTree(ne.Uint64(e[8:]), depth+1); problem != "" {
				return problem
			}
		case flags&leafPageFlag != 0:
			eflags, pos := ne.Uint32(e[0:]), uint64(ne.Uint32(e[4:]))
			ksize, vsize := uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
			end := off + pos + ksize + vsize
			if end > uint64(len(b)) {
				return fmt.Sprintf("%s: element %d lies outside the page", where, i)
			}
			if eflags&bucketLeafFlag == 0 {
				continue
			}
			v := b[off+pos+ksize : end]
			if len(v) < bucketHeaderSize {
				return fmt.Sprintf("%s: bucket %d has a short header", where, i)
			}
			root := ne.Uint64(v)
			if root == 0 {
				if problem := r.verifyNode(v[bucketHeaderSize:], nodeAt{page: where.page, inline: where.inline + 1}, depth+1); problem != "" {
					return problem
				}
				continue
			}
			if problem := r.verifyTree(root, depth+1); problem != "" {
				return problem
			}
		default:
			return fmt.Sprintf("%s is neither a branch nor a leaf page (flags %#x)", where, flags)
		}
	}
	if count == 0 && flags&(branchPageFlag|leafPageFlag) == 0 {
		return fmt.Sprintf("%s is neither a branch nor a leaf page (flags %#x)", where, flags)
	}
	return ""
}

// readMeta reads and validates the meta page at off. ok is false when there
// is no valid meta there (including a file too short to hold one).
func readMeta(f *os.File, off int64) (m meta, ok bool, err error) {
	var buf [pageHeaderSize + metaSize]byte
	if _, err := f.ReadAt(buf[:], off); err == io.EOF || err == io.ErrUnexpectedEOF {
		return meta{}, false, nil
	} else if err != nil {
		return meta{}, false, err
	}
	b := buf[pageHeaderSize:]
	ne := binary.NativeEndian
	if ne.Uint32(b[0:]) != boltMagic || ne.Uint32(b[4:]) != boltVersion {
		return meta{}, false, nil
	}
	h := fnv.New64a()
	_, _ = h.Write(b[:metaSumOffset])
	if h.Sum64() != ne.Uint64(b[metaSumOffset:]) {
		return meta{}, false, nil
	}
	return meta{
		pageSize: uint64(ne.Uint32(b[8:])),
		root:     ne.Uint64(b[16:]),
		freelist: ne.Uint64(b[32:]),
		pgid:     ne.Uint64(b[40:]),
		txid:     ne.Uint64(b[48:]),
	}, true, nil
}

// consistency runs bbolt's own check (page references, freelist, key
// order) and returns the first thing it found, if anything.
func consistency(tx *bolt.Tx) string {
	first := ""
	for err := range tx.Check() {
		if first == "" {
			first = "consistency check: " + err.Error()
		}
	}
	return first
}

// maxProblems bounds what Check lists: a badly damaged journal would
// otherwise give one line per value.
const maxProblems = 100

// Check reads every stored value of the journal, as oncall doctor asks:
// each must pass its checksum and decode, and the events, the index and
// the outbox must agree with each other. It returns one line per problem
// (none for a sound journal; at most maxProblems, the last saying how many
// more there were) and changes nothing: the readers set damaged values
// aside when they meet them. Values already set aside are listed by
// Quarantined, not here. The page structure is checked again too, since
// other processes may have written the file since Open.
func (s *Store) Check() ([]string, error) {
	var problems []string
	more := 0
	add := func(format string, args ...any) {
		if len(problems) < maxProblems-1 {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else {
			more++
		}
	}
	err := s.view(func(tx *bolt.Tx, sealed bool) error {
		problems, more = nil, 0
		if p := consistency(tx); p != "" {
			add("%s", p)
			return nil
		}
		type at struct {
			inc string
			seq uint64
		}
		ids := map[at]string{} // every event that decodes
		bad := map[at]bool{}   // and those that do not: what points at them is not a problem of its own
		var pendings []at
		events := tx.Bucket(bucketEvents)
		_ = events.ForEach(func(inc, v []byte) error {
			if v != nil {
				add("events: %q is a value, not an incident bucket", inc)
				return nil
			}
			return events.Bucket(inc).ForEach(func(k, v []byte) error {
				if len(k) != 8 {
					add("events/%s: key %x is not 8 bytes", inc, k)
					return nil
				}
				e, err := decodeStored(sealed, string(inc), k, v)
				if err != nil {
					add("events/%s/%d: %v", inc, beUint64(k), err)
					bad[at{string(inc), beUint64(k)}] = true
					return nil
				}
				ids[at{string(inc), beUint64(k)}] = e.ID
				if pending(e) {
					pendings = append(pendings, at{string(inc), beUint64(k)})
				}
				return nil
			})
		})
		indexed := map[at]bool{}
		_ = tx.Bucket(bucketIndex).ForEach(func(k, v []byte) error {
			seq, owner, err := parseIndexEntry(sealed, k, v)
			switch {
			case err != nil:
				add("event_index: %v", err)
			case bad[at{owner, seq}]:
			case ids[at{owner, seq}] != string(k):
				add("event_index: event %s points at events/%s/%d, which is not that event", k, owner, seq)
			default:
				indexed[at{owner, seq}] = true
			}
			return nil
		})
		for a, id := range ids {
			if !indexed[a] {
				add("event_index: event %s (events/%s/%d) has no index entry", id, a.inc, a.seq)
			}
		}
		queued := map[at]bool{}
		if ob := tx.Bucket(bucketOutbox); ob != nil {
			_ = ob.ForEachBucket(func(inc []byte) error {
				n := 0
				_ = ob.Bucket(inc).ForEach(func(k, v []byte) error {
					n++
					en, err := decodeEntry(sealed, k, v)
					if err != nil {
						add("outbox/%s/%x: %v", inc, k, err)
						return nil
					}
					a := at{string(inc), beUint64(k)}
					if ids[a] != en.EventID && !bad[a] {
						add("outbox/%s/%d: its event %s is not there", inc, a.seq, en.EventID)
					}
					queued[a] = true
					return nil
				})
				if n == 0 {
					add("outbox/%s: an empty bucket", inc)
				}
				return nil
			})
			for _, a := range pendings {
				if !queued[a] {
					add("outbox: event %s (events/%s/%d) is queued but has no outbox entry", ids[a], a.inc, a.seq)
				}
			}
		}
		cache := tx.Bucket(bucketCache)
		for _, where := range []string{"cache", "cache/detail"} {
			b := cache
			if where == "cache/detail" {
				b = cache.Bucket(bucketDetail)
			}
			if b == nil {
				continue
			}
			_ = b.ForEach(func(k, v []byte) error {
				if v == nil {
					return nil // cache/detail itself
				}
				body, err := unseal(sealed, k, v)
				if err == nil && !cacheValueOK(where, k, body) {
					err = fmt.Errorf("%w: it does not decode", ErrDamaged)
				}
				if err != nil {
					add("%s/%s: %v", where, k, err)
				}
				return nil
			})
		}
		if q := tx.Bucket(bucketQuarantine); q != nil {
			_ = q.ForEach(func(k, v []byte) error {
				if _, err := decodeDamage(sealed, k, v); err != nil {
					add("quarantine/%x: %v", k, err)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, s.opError("checking it", err)
	}
	if more > 0 {
		problems = append(problems, fmt.Sprintf("and %d more", more))
	}
	return problems, nil
}
