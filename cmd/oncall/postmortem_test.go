package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/incident/postmortem"
)

// runPostmortem runs "oncall postmortem ARGS" with stdin as standard input
// and returns what it printed and its exit code.
func runPostmortem(t *testing.T, stdin io.Reader, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	cmd := newPostmortemCmd(&globalOptions{})
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err != nil {
		return out.String() + err.Error(), exitCode(err)
	}
	return out.String(), exitOK
}

const blamefulDraft = "# Postmortem: checkout\n\n## Trigger\n\nBob did not follow the runbook.\n"

func TestPostmortemLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	blameful := write("blameful.md", blamefulDraft)
	clean := write("clean.md", "# Postmortem: checkout\n\nThe pool had no limit.\n")
	for _, c := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		says  string
	}{
		{"hints are advice", []string{"lint", blameful}, "", exitOK, blameful + ":5:1: person-subject:"},
		{"strict with hints", []string{"lint", "--strict", blameful}, "", exitError, "review hint"},
		{"strict and clean", []string{"lint", "--strict", clean}, "", exitOK, "no review hints"},
		{"stdin", []string{"lint", "--strict", "-"}, blamefulDraft, exitError, "<stdin>:5:1: person-subject:"},
		{"empty", []string{"lint", write("empty.md", "")}, "", exitUsage, "empty"},
		{"empty stdin", []string{"lint", "-"}, "", exitUsage, "empty"},
		{"JSON", []string{"lint", write("draft.json", `{"schema": "oncall.postmortem/v1"}`)}, "", exitUsage, "JSON document"},
		{"binary", []string{"lint", write("draft.bin", "# x\n\x00\x01\x02")}, "", exitUsage, "NUL byte"},
		{"missing", []string{"lint", filepath.Join(dir, "missing.md")}, "", exitUsage, "missing.md"},
		{"bad format", []string{"lint", "--format", "xml", clean}, "", exitUsage, "--format"},
		{"too large stdin", []string{"lint", "-"}, "# x\n" + strings.Repeat("a", 4<<20), exitUsage, "larger than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, code := runPostmortem(t, strings.NewReader(c.stdin), c.args...)
			if code != c.code || !strings.Contains(out, c.says) {
				t.Errorf("exit %d, want %d; output lacks %q?\n%s", code, c.code, c.says, out)
			}
		})
	}
}

func TestPostmortemLintJSON(t *testing.T) {
	src := blamefulDraft + "\n## Action items\n\n| Item | Type | Owner | Due | Ticket |\n|---|---|---|---|---|\n" +
		"| Fix it | prevent | Alex | TBD |  |\n"
	out, code := runPostmortem(t, strings.NewReader(src), "lint", "--format", "json", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var got struct {
		File  string `json:"file"`
		Hints []struct {
			Line, Column              int
			Rule, Message, Suggestion string
		} `json:"hints"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	type at struct {
		line, col int
		rule      string
	}
	var where []at
	for _, h := range got.Hints {
		where = append(where, at{h.Line, h.Column, h.Rule})
		if h.Message == "" || h.Suggestion == "" {
			t.Errorf("hint without why or rewording: %+v", h)
		}
	}
	want := []at{{5, 1, "person-subject"}, {11, 29, "vague-due"}, {11, 3, "no-object"}}
	if got.File != "<stdin>" || len(where) != len(want) {
		t.Fatalf("file %q, hints %v, want %v", got.File, where, want)
	}
	for i := range want {
		if where[i] != want[i] {
			t.Errorf("hint %d at %v, want %v", i, where[i], want[i])
		}
	}
}

func TestPostmortemLint(t *testing.T) {
	dir := t.TempDir()
	draft := filepath.Join(dir, "draft.md")
	os.WriteFile(draft, []byte("# Postmortem: x\n\n## Contributing factors\n\nThe deploy went out; human error.\n\n"+
		"## Action items\n\n| Item | Type | Owner | Due | Ticket |\n|---|---|---|---|---|\n"+
		"| Investigate the pool | detect | db team | 2026-04-01 | _<ticket: link>_ |\n"), 0o644)

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := newPostmortemCmd(&globalOptions{})
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := run("lint", draft)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{draft + ":5:22: blame-phrase:", draft + ":11:3: open-ended:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := run("lint", "--strict", draft); err == nil || exitCode(err) != exitError {
		t.Errorf("--strict with hints: %v", err)
	}
	clean := filepath.Join(dir, "clean.md")
	os.WriteFile(clean, []byte("## Contributing factors\n\nThe pool had no limit.\n"), 0o644)
	if out, err := run("lint", "--strict", clean); err != nil || !strings.Contains(out, "no review hints") {
		t.Errorf("clean draft: %v, %q", err, out)
	}
	if _, err := run("lint", filepath.Join(dir, "missing.md")); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := run("lint"); err == nil || exitCode(err) != exitUsage {
		t.Errorf("no file: %v", err)
	}
}

// The draft names earlier incidents of the simulator on the same service
// in the 90 days before, with the draft one of them already has, and
// carries the alert's links; HTML and the five whys reach the command.
func TestExportRelatedIncidentsFromTheSimulator(t *testing.T) {
	sim, snap, url := checkoutOnSim(t)
	day := 24 * time.Hour
	add := func(key, service string, ago time.Duration) pdsim.IncidentSnapshot {
		s, err := sim.AddIncident(pdsim.IncidentSpec{Key: key, Title: "earlier " + key, Service: service, Status: "resolved",
			CreatedAt: snap.CreatedAt.Add(-ago)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	repeat := add("checkout-repeat", pdsim.ServiceCheckout, 30*day)
	add("checkout-ancient", pdsim.ServiceCheckout, 120*day)
	add("payments-recent", pdsim.ServicePayments, 2*day)

	dir := t.TempDir()
	drafts := filepath.Join(dir, "postmortems")
	os.Mkdir(drafts, 0o755)
	draftName := repeat.CreatedAt.UTC().Format("2006-01-02") + "-" + strconv.Itoa(repeat.Number) + "-earlier-checkout-repeat.md"
	os.WriteFile(filepath.Join(drafts, draftName), []byte("# Postmortem: earlier\n"), 0o644)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("postmortems_dir: "+drafts+"\n"), 0o644)
	db := filepath.Join(dir, "journal.db")

	code, stdout, stderr := cli(t, "export", snap.ID, "--api-url", url, "--db", db, "--config", cfg, "--format", "json", "--five-whys")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r postmortem.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Related) != 1 || r.Related[0].ID != repeat.ID || r.Related[0].Why != "same service" || r.Related[0].Draft != draftName {
		t.Errorf("related = %+v, want only %s with draft %s", r.Related, repeat.ID, draftName)
	}
	var links []string
	for _, l := range r.SupportingLinks {
		links = append(links, l.URL)
	}
	for _, want := range []string{"https://runbooks.example.com/checkout/high-5xx", "https://grafana.example.com/d/checkout-overview"} {
		if !slices.Contains(links, want) {
			t.Errorf("supporting links %q lack %s", links, want)
		}
	}
	if len(r.FiveWhys) != 5 {
		t.Errorf("--five-whys: %d whys", len(r.FiveWhys))
	}
	if r.WorkingHours.Zone == "Local" || r.WorkingHours.Zone == "" {
		t.Errorf("working hours zone %q is not named", r.WorkingHours.Zone)
	}
	for _, p := range r.Responders {
		if p.Name == pdsim.ServiceCheckout {
			t.Errorf("the service %q is listed as a responder", p.Name)
		}
	}

	code, stdout, stderr = cli(t, "export", snap.ID, "--api-url", url, "--db", db, "--config", cfg, "--format", "html")
	if code != exitOK || !strings.HasPrefix(stdout, "<!DOCTYPE html>") || !strings.Contains(stdout, draftName) {
		t.Errorf("html: exit %d, %s\n%.300s", code, stderr, stdout)
	}
	if code, _, stderr := cli(t, "export", snap.ID, "--api-url", url, "--db", db, "--format", "pdf"); code != exitUsage || !strings.Contains(stderr, "md, json or html") {
		t.Errorf("--format pdf: exit %d, %s", code, stderr)
	}
}

// actions reads a draft file, standard input or an incident, in every
// format; the CSV parses back.
func TestPostmortemActions(t *testing.T) {
	id, url, db := exportSetup(t)
	dir := t.TempDir()
	code, md, stderr := cli(t, "export", id, "--api-url", url, "--db", db)
	if code != exitOK {
		t.Fatalf("export: %d %s", code, stderr)
	}
	// A person adds an item to the edited draft.
	md = strings.Replace(md, "| _<item: a change", "| Add an alert on checkout 5xx above 2% | detect | checkout team | 2026-12-01 | _<ticket: link>_ |\n| _<item: a change", 1)
	draft := filepath.Join(dir, "draft.md")
	os.WriteFile(draft, []byte(md), 0o644)

	code, out, stderr := cli(t, "postmortem", "actions", draft, "--format", "csv")
	if code != exitOK {
		t.Fatalf("csv: exit %d %s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, out)
	}
	if len(recs) < 2 || recs[0][0] != "Summary" {
		t.Fatalf("records %q", recs)
	}
	last := recs[len(recs)-1]
	if last[0] != "Add an alert on checkout 5xx above 2%" || last[5] != "checkout team" || last[6] != "2026-12-01" ||
		!strings.Contains(last[1], "Postmortem draft: "+draft) {
		t.Errorf("the added item = %q", last)
	}

	for format, want := range map[string]string{
		"md":    "- [ ] Add an alert on checkout 5xx above 2% (detect; owner: checkout team; due: 2026-12-01)",
		"jsonl": `"title":"Add an alert on checkout 5xx above 2%"`,
		"gh":    "gh issue create --title='Add an alert on checkout 5xx above 2%'",
	} {
		out, code := runPostmortem(t, strings.NewReader(md), "actions", "-", "--format", format)
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, lacks %q:\n%s", format, code, want, out)
		}
	}
	// From the incident itself: the draft made on the spot has the same table.
	if code, out, stderr := cli(t, "postmortem", "actions", id, "--api-url", url, "--db", db, "--format", "md"); code != exitOK ||
		!strings.HasPrefix(out, "Follow-ups of incident #") {
		t.Errorf("by incident: exit %d %s\n%s", code, stderr, out)
	}
	if out, code := runPostmortem(t, strings.NewReader(""), "actions", draft, "--format", "xml"); code != exitUsage {
		t.Errorf("--format xml: exit %d %s", code, out)
	}
	other := filepath.Join(dir, "x.json")
	os.WriteFile(other, []byte(`{"schema": "other/v1"}`), 0o644)
	if out, code := runPostmortem(t, strings.NewReader(""), "actions", other); code != exitUsage {
		t.Errorf("a JSON file of another schema: exit %d %s", code, out)
	}
}
