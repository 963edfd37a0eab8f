//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package store

// populate is Linux's alone; elsewhere pages are mapped as they are read.
const populate = 0
