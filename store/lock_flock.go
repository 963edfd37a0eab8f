//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package store

import (
	"context"
	"errors"
	"os"
	"sync"
	"syscall"
	"time"
)

// lockPoll is how often a waiting lock is tried again: flock cannot be
// waited on with a deadline or a context.
const lockPoll = 20 * time.Millisecond

// sharedLock takes a shared lock on f, the kind bbolt's exclusive lock
// excludes, so that no oncall process writes the file while inspect reads
// it. It reports false if another process still holds the file after
// timeout. unlock or closing f releases it.
func sharedLock(f *os.File, timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return false, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		time.Sleep(lockPoll)
	}
}

// unlock releases a lock sharedLock took on f, which stays open.
func unlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// lockFile takes an exclusive flock on the file at path (created 0600),
// trying once before it looks at ctx, so a free lock is taken even with a
// context already done. A holder that dies releases it through the kernel.
func lockFile(ctx context.Context, path string) (release func(), err error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err == nil {
				break
			}
			if !errors.Is(err, syscall.EWOULDBLOCK) {
				_ = f.Close()
				return nil, &os.PathError{Op: "flock", Path: path, Err: err}
			}
			select {
			case <-ctx.Done():
				_ = f.Close()
				return nil, ctx.Err()
			case <-time.After(lockPoll):
			}
		}
		// The file may have been removed (and made anew by another
		// process) while this one waited: a lock on it excludes nobody.
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			var once sync.Once
			return func() { once.Do(func() { _ = f.Close() }) }, nil
		}
		_ = f.Close()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}
