package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/store"
)

// TestJournalAdviceComesFromTheCommandLine: the journal says what is
// wrong with the file and the command line says which of its flags fixes
// it, on the one line oncall prints.
func TestJournalAdviceComesFromTheCommandLine(t *testing.T) {
	isolate(t)
	dir := t.TempDir() // a directory where the journal's file should be
	code, _, stderr := cli(t, "--db", dir, "log", "PT4KHLK")
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	want := "journal " + dir + " is a directory, not a regular file; point --db or ONCALL_DB at a file"
	if strings.TrimSpace(stderr) != "oncall: "+want {
		t.Fatalf("stderr %q\nwant      %q", stderr, "oncall: "+want)
	}
}

func TestAdviceKeepsTheErrorAndSaysItOnce(t *testing.T) {
	_, err := store.Open(t.TempDir())
	a := withAdvice(fmt.Errorf("open the journal: %w", err), "")
	if !errors.Is(a, store.ErrNotFile) || !strings.HasSuffix(a.Error(), "; point --db or ONCALL_DB at a file") {
		t.Fatalf("advised: %v", a)
	}
	// Advice already given (by an older layer, or twice) is not repeated.
	if again := withAdvice(a, ""); again.Error() != a.Error() {
		t.Fatalf("advice repeated: %v", again)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("build client: %w", pagerduty.ErrNoToken), "set MY_TOKEN to a REST API token"},
		{fmt.Errorf("journal x is %w", store.ErrLocked), "quit it, or point this one at another journal with --db or ONCALL_DB"},
		{fmt.Errorf("journal x has schema version 9, %w", store.ErrNewerSchema), "upgrade oncall"},
		{fmt.Errorf("journal x %w: permission denied", store.ErrNotWritable), "oncall --read-only can still read it"},
		{fmt.Errorf("list incidents: %w", incident.ErrTruncated), "oncall incidents --since/--until"},
	} {
		if got := withAdvice(c.err, "MY_TOKEN"); !strings.Contains(got.Error(), "; ") || !strings.Contains(got.Error(), c.want) || !errors.Is(got, c.err) {
			t.Errorf("withAdvice(%v) = %v, want %q", c.err, got, c.want)
		}
	}
	plain := errors.New("something else")
	if withAdvice(plain, "") != plain || withAdvice(nil, "") != nil {
		t.Error("an error without a known sentinel gained advice")
	}
	if got := runbookAdvice([]string{"a.md: bad", "b.md: bad"}); got[0] != "oncall runbook lint lists all; a.md: bad" || got[1] != "b.md: bad" {
		t.Errorf("runbookAdvice = %q", got)
	}
	if runbookAdvice(nil) != nil {
		t.Error("no problems gained advice")
	}
}
