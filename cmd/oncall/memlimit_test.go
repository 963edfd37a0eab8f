package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestLimitMemory: without GOMEMLIMIT the program sets its soft memory
// limit; with one, the environment's stands.
func TestLimitMemory(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	t.Setenv("GOMEMLIMIT", "") // restored after the test
	os.Unsetenv("GOMEMLIMIT")
	debug.SetMemoryLimit(math.MaxInt64)
	limitMemory()
	if got := debug.SetMemoryLimit(-1); got != softMemoryLimit {
		t.Errorf("without GOMEMLIMIT the limit is %d, want %d", got, softMemoryLimit)
	}

	t.Setenv("GOMEMLIMIT", "1GiB") // as the runtime read it at start
	debug.SetMemoryLimit(1 << 30)
	limitMemory()
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB the limit became %d", got)
	}
}
