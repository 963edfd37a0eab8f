// Command benchharness measures the real oncall binary the way a person
// meets it: started on a terminal (a pseudo-terminal it opens itself),
// against the PagerDuty simulator, with the journal it would have. It
// reports wall times, resident memory and what an idle screen costs in
// requests and disk writes. It is run by .ci/bench, never by the unit
// tests: its figures depend on the machine.
//
//	go build -o /tmp/oncall ./cmd/oncall
//	go run ./internal/benchharness -bin /tmp/oncall start|version|init|rss|idle-detail|idle-list|all
//
// Every scenario starts the binary as a separate process with its own
// temporary journal and configuration directories, so nothing here reads
// or writes the user's.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	bin := flag.String("bin", "", "the oncall binary to measure (required)")
	runs := flag.Int("runs", 15, "runs of each start measurement (the median is reported)")
	seconds := flag.Int("seconds", 60, "length of each idle measurement")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchharness -bin PATH [-runs N] [-seconds S] start|version|init|rss|idle-detail|idle-list|all...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *bin == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		fail(err)
	}
	h := &harness{bin: abs, runs: *runs, seconds: *seconds}
	scenarios := map[string]func() error{
		"start": h.start, "version": h.version, "init": h.initTrace, "rss": h.rss,
		"idle-detail": h.idleDetail, "idle-list": h.idleList,
	}
	var names []string
	for _, which := range flag.Args() {
		switch {
		case which == "all":
			names = append(names, "init", "version", "start", "rss", "idle-detail", "idle-list")
		case scenarios[which] == nil:
			flag.Usage()
			os.Exit(2)
		default:
			names = append(names, which)
		}
	}
	for _, n := range names {
		if err := scenarios[n](); err != nil {
			fail(fmt.Errorf("%s: %w", n, err))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchharness:", strings.TrimSpace(err.Error()))
	os.Exit(1)
}

type harness struct {
	bin     string
	runs    int
	seconds int
}

// row prints one measured figure.
func row(name, value, budget string) {
	fmt.Printf("%-34s %-26s %s\n", name, value, budget)
}
