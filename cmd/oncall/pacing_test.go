package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneShotCommandsSpendTheBudget: incidents and export, run as a
// person runs them against the simulator, make their requests with a
// client that spends PagerDuty's budget (PaceBudget) rather than the
// steady pace of the interactive view, as their debug log, which reads the
// pacing off the very client the command used, says before the requests.
// The pacer itself is held to its behaviour in incident/pagerduty
// (pace_test.go); this holds the commands to using it. The two pacings
// differ only in how long requests wait, which a test does not time.
func TestOneShotCommandsSpendTheBudget(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(id, url, db string) []string
	}{
		{"incidents", func(_, url, db string) []string { return []string{"incidents", "--json", "--api-url", url, "--db", db} }},
		{"export", func(id, url, db string) []string {
			return []string{"export", id, "--api-url", url, "--db", db, "-o", filepath.Join(filepath.Dir(db), "draft.md")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, snap, url := checkoutOnSim(t)
			state := t.TempDir()
			t.Setenv("XDG_STATE_HOME", state)
			db := filepath.Join(t.TempDir(), "journal.db")
			code, _, stderr := cli(t, append([]string{"--debug"}, tc.args(snap.ID, url, db)...)...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			raw, err := os.ReadFile(filepath.Join(state, "oncall", "debug.log"))
			if err != nil {
				t.Fatal(err)
			}
			log := string(raw)
			paced := strings.Index(log, "msg=pacing spends=budget")
			if paced < 0 {
				t.Fatalf("the debug log does not say the command's client spends the budget:\n%s", log)
			}
			if strings.Count(log, "msg=pacing") != 1 {
				t.Errorf("the debug log names the pacing %d times, want once:\n%s", strings.Count(log, "msg=pacing"), log)
			}
			if first := strings.Index(log, "msg=http"); first < paced {
				t.Errorf("a request went out before the pacing was set (or none went out):\n%s", log)
			}
		})
	}
}
