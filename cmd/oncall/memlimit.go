package main

import (
	"os"
	"runtime/debug"
)

// softMemoryLimit is the heap size past which the collector works harder
// rather than letting the heap double, unless GOMEMLIMIT says otherwise.
// Opening a long incident (100,000 events from the journal) makes tens of
// MB of short-lived garbage on top of about 80 MB live; with the default
// pacing alone the heap grew to twice the live size and the process
// peaked at 150-190 MB against its 150 MB budget. It is a soft limit: a
// larger live heap still gets its memory, and the runtime caps the
// collector's share of the CPU while over it, so it cannot stall the
// program.
const softMemoryLimit = 110 << 20

// limitMemory sets softMemoryLimit for the interactive view, leaving alone
// a limit given in the environment. One-shot commands do not call it: a
// review over a year of incidents may hold more than the limit live, and
// the collector would then run at its capped share of the CPU throughout.
func limitMemory() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	debug.SetMemoryLimit(softMemoryLimit)
}
