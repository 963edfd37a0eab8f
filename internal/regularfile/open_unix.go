//go:build unix

package regularfile

import (
	"os"
	"syscall"
)

// open opens path for reading without blocking: opening a named pipe
// blocks until a writer appears, unless O_NONBLOCK is given.
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// setBlocking clears O_NONBLOCK once the file is known to be regular, so
// reads behave as usual.
func setBlocking(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
