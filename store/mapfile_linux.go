package store

import "syscall"

// populate asks mmap to map every page at once.
const populate = syscall.MAP_POPULATE
