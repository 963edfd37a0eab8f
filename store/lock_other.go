//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package store

import (
	"context"
	"os"
	"sync"
	"time"
)

// sharedLock is a no-op where bbolt does not lock with flock: inspect then
// reads without a lock, and bbolt's own lock still keeps writers apart.
func sharedLock(*os.File, time.Duration) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }

// senders stands in for the flock where there is none: it keeps the
// senders of this process apart, not those of several processes.
var senders = make(chan struct{}, 1)

func lockFile(ctx context.Context, _ string) (release func(), err error) {
	select {
	case senders <- struct{}{}:
	default:
		select {
		case senders <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-senders }) }, nil
}
