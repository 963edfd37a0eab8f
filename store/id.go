package store

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// Local event ids are ULIDs: 48 bits of Unix milliseconds, then 80 random
// bits, as 26 characters of Crockford base32. Within one process they are
// strictly increasing: an id made in the same millisecond as the last (or
// after the clock stepped back) is the last one plus one, so sorting ids as
// strings sorts events in the order they were made.

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var ids idGen

func newID() string { return ids.next(time.Now()) }

type idGen struct {
	mu   sync.Mutex
	last [16]byte // 6 bytes of milliseconds, 10 random
}

func (g *idGen) next(now time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()

	ms := uint64(now.UnixMilli()) & (1<<48 - 1)
	lastMS := uint64(g.last[0])<<40 | uint64(binary.BigEndian.Uint32(g.last[1:5]))<<8 | uint64(g.last[5])
	var id [16]byte
	if ms > lastMS {
		putMS(id[:6], ms)
		rand.Read(id[6:]) // never fails; the runtime aborts if the OS cannot give randomness
		// Leave room to count up within the millisecond without carrying.
		id[6] &= 0x7f
	} else {
		id = g.last
		if increment(id[6:]) {
			// 80 bits ran out within one millisecond: borrow the next one.
			putMS(id[:6], lastMS+1)
		}
	}
	g.last = id
	return encode(id)
}

func putMS(b []byte, ms uint64) {
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
}

// increment adds one to a big-endian number and reports overflow.
func increment(b []byte) bool {
	for i := len(b) - 1; i >= 0; i-- {
		b[i]++
		if b[i] != 0 {
			return false
		}
	}
	return true
}

// encode writes 128 bits as 26 base32 digits, most significant first; the
// first digit carries only the top three bits.
func encode(id [16]byte) string {
	hi := binary.BigEndian.Uint64(id[:8])
	lo := binary.BigEndian.Uint64(id[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
