package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestTeamMinutesFromTheCommandLine: the incident commander (Alex) records
// every structured kind with the command-line verbs, in his journal; a
// second responder (Priya), with her own token and a journal of her own
// that has never seen the incident, exports the same minutes: each of his
// events once and typed in her draft's timeline, and the same roles,
// decisions, follow-ups, status updates, mitigation time and key moments
// as his own draft.
func TestTeamMinutesFromTheCommandLine(t *testing.T) {
	isolate(t)
	e := newJournalEnv(t)
	alexDB, priyaDB := e.db, filepath.Join(t.TempDir(), "priya.db")
	as := func(token, db string, args ...string) string {
		t.Helper()
		t.Setenv("PAGERDUTY_TOKEN", token)
		code, out, errOut := cli(t, append(args, "--api-url", e.url, "--db", db)...)
		if code != 0 {
			t.Fatalf("oncall %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	inc := e.inc
	trigger := e.sim.LogEntries(inc)[0].ID
	for _, args := range [][]string{
		{"note", inc, "pool at 98%, raising it"},
		{"decision", inc, "roll back checkout-api to 4.11", "--why", "5xx started with 4.12", "--executor", "Priya"},
		{"role", inc, "ic", "Alex Rivera"},
		{"follow-up", inc, "alert on deploy error rate", "--owner", "checkout team", "--due", "+7d", "--type", "detect"},
		{"status-update", inc, "Rolled back; error rate falling. Next update in 20 minutes."},
		{"mitigated", inc},
		{"task", inc, "Priya", "check replica lag", "--in", "10m"},
		{"star", inc, trigger},
	} {
		as(pdsim.DemoToken, alexDB, args...)
	}
	journaled := journalOf(t, alexDB, inc)
	if len(journaled) != 8 {
		t.Fatalf("Alex's journal has %d events", len(journaled))
	}

	type row struct {
		ID     string            `json:"id"`
		Kind   string            `json:"kind"`
		Actor  string            `json:"actor"`
		Source string            `json:"source"`
		Fields map[string]string `json:"fields"`
	}
	draft := func(token, db string) (map[string]json.RawMessage, []row) {
		t.Helper()
		var d map[string]json.RawMessage
		if err := json.Unmarshal([]byte(as(token, db, "export", inc, "--format", "json")), &d); err != nil {
			t.Fatal(err)
		}
		var rows []row
		if err := json.Unmarshal(d["timeline"], &rows); err != nil {
			t.Fatal(err)
		}
		return d, rows
	}
	alex, alexRows := draft(pdsim.DemoToken, alexDB)
	priya, priyaRows := draft(pdsim.UserToken(pdsim.EmailPriya), priyaDB)

	for _, want := range journaled {
		if want.Kind == incident.KindStar {
			continue // a mark on the row it stars: the key moments below
		}
		for who, rows := range map[string][]row{"Alex": alexRows, "Priya": priyaRows} {
			var got []row
			for _, r := range rows {
				if r.ID == want.ID {
					got = append(got, r)
				}
			}
			if len(got) != 1 {
				t.Errorf("%s's draft has Alex's %s %d times", who, want.Kind, len(got))
				continue
			}
			if got[0].Kind != string(want.Kind) || got[0].Source != "pagerduty" || got[0].Actor != "Alex Rivera" {
				t.Errorf("%s's draft has Alex's %s as %+v", who, want.Kind, got[0])
			}
		}
	}
	for _, key := range []string{"roles", "decisions", "action_items", "status_updates", "key_moments"} {
		if string(alex[key]) != string(priya[key]) {
			t.Errorf("drafts differ in %s:\nAlex's  %s\nPriya's %s", key, alex[key], priya[key])
		}
		var l []any
		if json.Unmarshal(alex[key], &l); len(l) != 1 {
			t.Errorf("Alex's draft has %d %s, want 1", len(l), key)
		}
	}
	var am, pm struct {
		MitigatedAt string `json:"mitigated_at"`
	}
	json.Unmarshal(alex["metrics"], &am)
	json.Unmarshal(priya["metrics"], &pm)
	if am.MitigatedAt == "" || am != pm {
		t.Errorf("mitigated_at: Alex's %q, Priya's %q", am.MitigatedAt, pm.MitigatedAt)
	}
	var moments []string
	json.Unmarshal(priya["key_moments"], &moments)
	if !reflect.DeepEqual(moments, []string{trigger}) {
		t.Errorf("key moments %v, want the trigger %s", moments, trigger)
	}
}
