package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/internal/golden"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/store"
)

const shippedPremortems = "../../premortems"

func writePM(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPremortemLintExitCodes: errors exit 1 with file:line, warnings
// alone exit 0, and a runbook id is checked against --runbooks.
func TestPremortemLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join(dir, "runbooks")
	pm := filepath.Join(dir, "premortems")
	for _, d := range []string{rb, pm} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writePM(t, filepath.Join(rb, "rerun.md"), "---\nid: rerun\ntitle: Rerun\nservices: [s]\n---\n- [ ] x\n")
	writePM(t, filepath.Join(pm, "old.md"), "---\nid: old\ntitle: Old\nheld_on: 2020-01-01\nfailures:\n  - id: f\n    service: s\n    failure: x\n    impact: 3\n    countermeasures:\n      - {phase: during, action: a, status: done, runbook: rerun}\n---\n")

	code, stdout, stderr := cli(t, "premortem", "lint", pm, "--runbooks", rb)
	if code != exitOK {
		t.Fatalf("warnings only: exit %d, %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, filepath.Join(pm, "old.md")+":4: warning: review overdue since 2020-03-31") ||
		!strings.Contains(stdout, "1 failure in 1 pre-mortem, 0 errors, 1 warning") {
		t.Errorf("stdout:\n%s", stdout)
	}

	writePM(t, filepath.Join(pm, "bad.md"), "---\nid: bad\ntitle: Bad\nfailures:\n  - id: f\n    service: s\n    failure: y\n    impact: 9\n  - id: g\n    service: s\n    failure: z\n    impact: 2\n    countermeasures:\n      - {phase: during, action: a, status: done, runbook: nowhere}\n---\n")
	code, stdout, stderr = cli(t, "premortem", "lint", pm, "--runbooks", rb)
	if code != exitError {
		t.Fatalf("errors: exit %d, %s", code, stderr)
	}
	for _, want := range []string{
		filepath.Join(pm, "bad.md") + ":8: failures[0].impact must be a whole number from 1 to 5, not \"9\"",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("missing %q in\n%s", want, stdout)
		}
	}
	// With impact fixed, the duplicate id and the unknown runbook show.
	writePM(t, filepath.Join(pm, "bad.md"), "---\nid: bad\ntitle: Bad\nfailures:\n  - id: f\n    service: s\n    failure: y\n    impact: 2\n  - id: g\n    service: s\n    failure: z\n    impact: 2\n    countermeasures:\n      - {phase: during, action: a, status: done, runbook: nowhere}\n---\n")
	code, stdout, _ = cli(t, "premortem", "lint", pm, "--runbooks", rb)
	for _, want := range []string{
		filepath.Join(pm, "old.md") + `:6: duplicate failure id "f" (also in ` + filepath.Join(pm, "bad.md") + ":5); this failure is skipped",
		filepath.Join(pm, "bad.md") + `:14: failure "g": runbook "nowhere" names no runbook`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("missing %q in\n%s", want, stdout)
		}
	}
	if code != exitError {
		t.Errorf("exit %d", code)
	}
	if code, _, stderr := cli(t, "premortem", "lint", filepath.Join(dir, "none")); code != exitUsage || !strings.Contains(stderr, "does not exist") {
		t.Errorf("missing dir: exit %d %q", code, stderr)
	}
}

// TestPremortemShippedLint: the shipped pre-mortems pass lint against the
// shipped runbooks.
func TestPremortemShippedLint(t *testing.T) {
	code, stdout, stderr := cli(t, "premortem", "lint", shippedPremortems, "--runbooks", "../../runbooks")
	if code != exitOK || strings.Contains(stdout, ": error") || !strings.Contains(stdout, " 0 errors,") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestPremortemList: the register against the simulator, read by the real
// client: the demo's payments incident counts for the card-processor
// failure (Markdown golden), and an incident known only from the journal
// counts too. The JSON objects carry exactly the keys README documents.
func TestPremortemList(t *testing.T) {
	sim, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	t.Setenv("TZ", "UTC")
	db := filepath.Join(t.TempDir(), "journal.db")
	j, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	tick, err := incident.NewCountermeasure("checkout-2026-q4", "stock-oversold", "during", "Send stock reads to the primary", "", incident.ChangeDone)
	if err != nil {
		t.Fatal(err)
	}
	tick.Actor = "alex"
	if _, err := j.Append("QOLDINCIDENT", tick); err != nil {
		t.Fatal(err)
	}
	j.Close()

	code, stdout, stderr := cli(t, "premortem", "list", "--premortems", shippedPremortems, "--api-url", url, "--db", db)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pay, _ := sim.IncidentByKey(pdsim.DemoPayments)
	if !strings.Contains(stdout, "(`card-processor-timeouts`) | payments-gateway | payments-2026-q4 | 1 done, 1 not-feasible | 2 done, 1 planned | 1 planned, 1 idea | 1 | "+pay.CreatedAt.UTC().Format("2006-01-02 15:04Z")) {
		t.Errorf("card processor row:\n%s", stdout)
	}
	// The journal stamps its own time on the tick: the one cell that is
	// not the same from run to run.
	stdout = regexp.MustCompile(`(?m)(stock-oversold.*\| 1 \| )[0-9: -]+Z \|$`).ReplaceAllString(stdout, "${1}(journal time) |")
	golden.AssertString(t, "premortem-list.golden.md", stdout)

	code, stdout, stderr = cli(t, "premortem", "list", "--premortems", shippedPremortems, "--api-url", url, "--db", db, "--format", "json", "--service", "inventory-db")
	if code != exitOK {
		t.Fatalf("json: exit %d: %s", code, stderr)
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(rows) != 1 || string(rows[0]["id"]) != `"stock-oversold"` || string(rows[0]["matched"]) != "1" || strings.Join(strings.Fields(string(rows[0]["incidents"])), "") != `["QOLDINCIDENT"]` {
		t.Fatalf("--service inventory-db: %s", stdout)
	}
	// Over the whole register every documented key appears (optional
	// ones in some rows), and no other.
	code, stdout, stderr = cli(t, "premortem", "list", "--premortems", shippedPremortems, "--api-url", url, "--db", db, "--format", "json")
	if code != exitOK {
		t.Fatalf("json: exit %d: %s", code, stderr)
	}
	rows = nil
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		for k := range r {
			if !slices.Contains(got, k) {
				got = append(got, k)
			}
		}
	}
	slices.Sort(got)
	if documented := readmeJSONKeys(t); !slices.Equal(got, documented) {
		t.Errorf("JSON keys %v; README documents %v", got, documented)
	}

	if code, _, stderr := cli(t, "premortem", "list", "--premortems", shippedPremortems, "--format", "yaml"); code != exitUsage || !strings.Contains(stderr, "--format") {
		t.Errorf("bad format: exit %d %q", code, stderr)
	}
}

// readmeJSONKeys reads the keys of the register's JSON from README's table.
func readmeJSONKeys(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "`oncall premortem list --format json` prints")
	if !ok {
		t.Fatal("README lacks the register's JSON keys")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var keys []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(sec, -1) {
		keys = append(keys, m[1])
	}
	slices.Sort(keys)
	return keys
}

// TestPremortemListOffline: without a token the register still prints,
// from the journal, and says on stderr why PagerDuty was not asked.
func TestPremortemListOffline(t *testing.T) {
	t.Setenv("PAGERDUTY_TOKEN", "")
	code, stdout, stderr := cli(t, "premortem", "list", "--premortems", shippedPremortems, "--db", filepath.Join(t.TempDir(), "j.db"))
	if code != exitOK || !strings.Contains(stdout, "card-processor-timeouts") || !strings.Contains(stderr, "matches from the journal only") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestPremortemDue: with a fixed clock, the reminders that have come, with
// owners, earliest first; none before the first.
func TestPremortemDue(t *testing.T) {
	var out bytes.Buffer
	o := &premortemOptions{dir: shippedPremortems, now: func() time.Time { return time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC) }, errW: &out}
	if err := runPremortemDue(o, &out); err != nil {
		t.Fatal(err)
	}
	want := "2026-11-15  team-payments   card-processor-timeouts (before, not-feasible): Second card processor on warm standby [" + filepath.Join(shippedPremortems, "payments-2026-q4.md") + "]\n" +
		"2026-12-01  team-checkout   checkout-bad-deploy (before, planned): Canary the deploy to 5% for 10 minutes [" + filepath.Join(shippedPremortems, "checkout-2026-q4.md") + "]\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	o.now = func() time.Time { return time.Date(2026, 11, 14, 23, 0, 0, 0, time.UTC) }
	if err := runPremortemDue(o, &out); err != nil || out.String() != "No reminders due.\n" {
		t.Errorf("before any reminder: %v %q", err, out.String())
	}
}

// TestPremortemNew: the template names the services PagerDuty knows,
// parses as a valid pre-mortem, goes through $EDITOR, and is never
// written over.
func TestPremortemNew(t *testing.T) {
	_, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	dir := t.TempDir()
	editor := filepath.Join(dir, "editor.sh")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\necho '# edited' >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", editor)
	file := filepath.Join(dir, "pm", "workshop.md")
	code, stdout, stderr := cli(t, "premortem", "new", file, "--api-url", url)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(body), "# edited\n") {
		t.Errorf("the editor did not run on the file:\n%s", body)
	}
	pm, diags := premortem.Parse(file, body)
	if pm == nil || premortem.HasErrors(diags) {
		t.Fatalf("the template does not parse: %v\n%s", diags, body)
	}
	var services []string
	for _, f := range pm.Failures {
		services = append(services, f.Service)
	}
	for _, want := range []string{pdsim.ServiceCheckout, pdsim.ServicePayments, pdsim.ServiceSearch} {
		if !slices.Contains(services, want) {
			t.Errorf("template lacks service %s: %v", want, services)
		}
	}
	if !strings.Contains(stdout, "Wrote "+file) {
		t.Errorf("stdout %q", stdout)
	}
	code, _, stderr = cli(t, "premortem", "new", file, "--api-url", url)
	after, _ := os.ReadFile(file)
	if code != exitError || !strings.Contains(stderr, "never overwrites") || !bytes.Equal(after, body) {
		t.Errorf("second new: exit %d %q; file changed: %v", code, stderr, !bytes.Equal(after, body))
	}
}

// TestPremortemListAlertRules: a failure that matches on an alert's
// component counts the demo's checkout incident, whose alert says
// component orders-handler; one naming another component does not. The
// alerts are fetched for that service's incidents only.
func TestPremortemListAlertRules(t *testing.T) {
	_, url := newSim(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	dir := t.TempDir()
	writePM(t, filepath.Join(dir, "alerts.md"), "---\nid: alerts\ntitle: Alerts\nfailures:\n"+
		"  - id: orders-handler-down\n    service: checkout-api\n    failure: Orders fail\n    impact: 4\n    match: {component: orders-handler}\n"+
		"  - id: cart-down\n    service: checkout-api\n    failure: Carts fail\n    impact: 3\n    match: {component: cart}\n---\n")
	code, stdout, stderr := cli(t, "premortem", "list", "--premortems", dir, "--api-url", url, "--db", filepath.Join(dir, "j.db"), "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []struct {
		ID      string `json:"id"`
		Matched int    `json:"matched"`
	}
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != "orders-handler-down" || rows[0].Matched != 1 || rows[1].Matched != 0 {
		t.Errorf("rows %+v", rows)
	}
}
