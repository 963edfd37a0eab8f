package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
)

func TestIncidentsTableIsSanitized(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	if _, err := sim.AddIncident(pdsim.IncidentSpec{Title: "evil \x1b]0;pwned\x07title \x1b[31mred\x1b[0m\nsecond line", Service: pdsim.ServiceSearch}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "incidents", "--api-url", url)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if strings.ContainsAny(stdout, "\x1b\x07") {
		t.Errorf("table carries control characters: %q", stdout)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	active := 0
	for _, s := range sim.Incidents() {
		if s.Status != "resolved" {
			active++
		}
	}
	if len(lines) != active+1 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("want a header and %d rows:\n%s", active, stdout)
	}
	if !strings.Contains(stdout, "evil title red second line") {
		t.Errorf("sanitized title missing:\n%s", stdout)
	}
}

func TestIncidentsJSONLinesAndFilters(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	tests := []struct {
		name string
		args []string
		want func(s pdsim.IncidentSnapshot) bool
	}{
		{"active", nil, func(s pdsim.IncidentSnapshot) bool { return s.Status != "resolved" }},
		{"high urgency, triggered", []string{"--urgency", "high", "--status", "triggered"},
			func(s pdsim.IncidentSnapshot) bool { return s.Status == "triggered" && s.Urgency == "high" }},
		{"comma-separated statuses", []string{"--status", "Acknowledged,resolved"},
			func(s pdsim.IncidentSnapshot) bool { return s.Status != "triggered" }},
		{"one service", []string{"--service", serviceID(sim, pdsim.ServicePayments)},
			func(s pdsim.IncidentSnapshot) bool {
				return s.Status != "resolved" && s.Service == pdsim.ServicePayments
			}},
		{"mine", []string{"--mine"}, func(s pdsim.IncidentSnapshot) bool {
			return s.Status != "resolved" && len(s.Assignees) > 0 && s.Assignees[0] == pdsim.DemoUserEmail
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"incidents", "--json", "--api-url", url}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			got := map[string]bool{}
			for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if line == "" {
					continue
				}
				var in incident.Incident
				if err := json.Unmarshal([]byte(line), &in); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				got[in.ID] = true
			}
			want := 0
			for _, s := range sim.Incidents() {
				if tt.want(s) {
					want++
					if !got[s.ID] {
						t.Errorf("missing %s (%s, %s)", s.ID, s.Status, s.Urgency)
					}
				}
			}
			if len(got) != want || want == 0 {
				t.Errorf("got %d incidents, want %d", len(got), want)
			}
		})
	}
}

func TestIncidentsBadFlagsAndTokenFiles(t *testing.T) {
	_, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", "")
	dir := t.TempDir()
	loose := filepath.Join(dir, "loose")
	tight := filepath.Join(dir, "tight")
	os.WriteFile(loose, []byte(pdsim.DemoToken+"\n"), 0o644)
	os.Chmod(loose, 0o644)
	os.WriteFile(tight, []byte(pdsim.DemoToken+"\n"), 0o600)
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("wrong-token-xyz\n"), 0o600)
	cases := []struct {
		name    string
		args    []string
		code    int
		message string
	}{
		{"unknown status", []string{"incidents", "--status", "open", "--token-file", tight}, exitUsage, `status "open"`},
		{"unknown urgency", []string{"incidents", "--urgency", "urgent", "--token-file", tight}, exitUsage, `urgency "urgent"`},
		{"token file others can read", []string{"incidents", "--token-file", loose}, exitUsage, "chmod 600 " + loose},
		{"token file rejected", []string{"incidents", "--token-file", wrong}, exitAuth, "rejected the token from token file " + wrong},
		{"token file works", []string{"incidents", "--token-file", tight}, exitOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := cli(t, append(c.args, "--api-url", url)...)
			if code != c.code || !strings.Contains(stderr, c.message) {
				t.Errorf("exit %d stderr %q, want %d with %q", code, stderr, c.code, c.message)
			}
			if strings.Contains(stderr, "wrong-token-xyz") || strings.Contains(stderr, pdsim.DemoToken) {
				t.Errorf("stderr shows a token: %q", stderr)
			}
		})
	}
}

func TestNoteIsJournaledThenSentOrQueued(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("PAGERDUTY_FROM", "")
	snap, _ := sim.IncidentByKey(pdsim.DemoCheckout)
	db := filepath.Join(t.TempDir(), "journal.db")
	dead := deadURL(t)

	states := func() []incident.Event {
		t.Helper()
		return journalOf(t, db, snap.ID)
	}

	code, stdout, stderr := cli(t, "note", snap.ID, "rolled", "back", "to", "4.11", "--api-url", url, "--db", db)
	if code != exitOK || !strings.Contains(stdout, "note sent") {
		t.Fatalf("sent: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	evs := states()
	if len(evs) != 1 || evs[0].State != incident.Sent || evs[0].Summary != "rolled back to 4.11" {
		t.Fatalf("journal after a sent note: %+v", evs)
	}
	notes := sim.Notes(snap.ID)
	if last := incident.ParseNote(notes[len(notes)-1].Content); last.LocalID != evs[0].ID || last.Summary != "rolled back to 4.11" {
		t.Errorf("PagerDuty holds %q", notes[len(notes)-1].Content)
	}

	code, stdout, stderr = cli(t, "note", snap.ID, "offline note", "--api-url", dead, "--db", db)
	if code != exitOK || !strings.Contains(stdout, "queued") {
		t.Fatalf("queued: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	if evs = states(); len(evs) != 2 || evs[1].State != incident.Queued {
		t.Errorf("journal after a queued note: %+v", evs)
	}

	code, _, stderr = cli(t, "note", "PNOSUCH1", "lost", "--api-url", url, "--db", db)
	if code != exitError || !strings.Contains(stderr, "not found") {
		t.Errorf("unknown incident: exit %d stderr %q", code, stderr)
	}

	code, _, stderr = cli(t, "note", snap.ID, "--api-url", url, "--db", db)
	if code != exitUsage || !strings.Contains(stderr, "needs an incident id and the text") {
		t.Errorf("no text: exit %d stderr %q", code, stderr)
	}
}

// deadURL is the address of a server that has gone away.
func deadURL(t *testing.T) string {
	t.Helper()
	dead := httptest.NewServer(nil)
	dead.Close()
	return dead.URL
}

// serviceID finds a demo service's id by name.
func serviceID(sim *pdsim.Server, name string) string {
	for _, s := range sim.Incidents() {
		if s.Service == name {
			return s.ServiceID
		}
	}
	return "unknown-" + name
}
