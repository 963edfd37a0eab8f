//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package store

import (
	"fmt"
	"os"
)

// mapFile reads the first size bytes of f into memory where there is no
// mmap to borrow the kernel's cache with: inspect's page walk needs the
// whole file at hand.
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, fmt.Errorf("cannot read %d bytes", size)
	}
	data = make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, nil, fmt.Errorf("reading it to check it: %w", err)
	}
	return data, func() {}, nil
}
