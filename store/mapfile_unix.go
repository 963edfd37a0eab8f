//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package store

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f read-only, for inspect's page
// walk, and returns them with the function that unmaps them. The pages
// come from the kernel's cache, which bbolt's own mapping then shares; on
// Linux they are mapped in one call (populate) rather than a fault at a
// time, which is most of the walk's cost on a machine where faults are dear.
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, fmt.Errorf("cannot map %d bytes", size)
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|populate)
	if err != nil {
		return nil, nil, fmt.Errorf("mapping it to check it: %w", err)
	}
	return data, func() { _ = syscall.Munmap(data) }, nil
}
