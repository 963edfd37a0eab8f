//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package store

import (
	"os"
	"time"
)

// sharedLock is a no-op where bbolt does not lock with flock: inspect then
// reads without a lock, and bbolt's own lock still turns a second writer
// into ErrLocked.
func sharedLock(*os.File, time.Duration) (bool, error) { return true, nil }
