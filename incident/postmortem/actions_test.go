package postmortem

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
)

// actionsDraft is the fixed draft the export formats are tested on: the
// sections draft with a hostile third item.
func actionsDraft(t *testing.T) Input {
	in := sectionsInput(t)
	in.Timeline = append(in.Timeline, incident.Event{ID: "I3", Kind: incident.KindActionItem, At: ut("17:45:00"), Actor: "Jane Doe",
		Origin: incident.Local, State: incident.Sent, Fields: map[string]string{
			"title": `=HYPERLINK("x") it's $(touch pwned) | "quoted"`, "type": "detect", "owner": "db team", "due": "2026-04-01"}})
	return in
}

const hostileTitle = `=HYPERLINK("x") it's $(touch pwned) | "quoted"`

// The Markdown a person edits and the JSON give the same action items.
func TestReadActionsFromMarkdownAndJSON(t *testing.T) {
	in := actionsDraft(t)
	fromMD, err := ReadActions([]byte(renderMD(t, in)))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ReadActions([]byte(renderJSON(t, in)))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ title, typ, owner, due, ticket, state string }
	rows := func(a Actions) []row {
		var out []row
		for _, it := range a.Items {
			out = append(out, row{it.Title, it.Type, it.Owner, it.Due, it.Ticket, it.State})
		}
		return out
	}
	want := []row{
		{"Add a canary stage to orders-api deploys", "prevent", "Ravi Kumar", "2026-03-19", "https://jira.example.com/browse/OPS-42", "done"},
		{"Investigate why the 4.12 tests passed", "process", "", "", "", ""},
		{hostileTitle, "detect", "db team", "2026-04-01", "", ""},
	}
	for name, a := range map[string]Actions{"markdown": fromMD, "json": fromJSON} {
		if got := rows(a); !slices.Equal(got, want) {
			t.Errorf("%s: items\n%q\nwant\n%q", name, got, want)
		}
		if a.IncidentNumber != 4242 || a.IncidentURL != "https://acme.pagerduty.com/incidents/Q2ORDERS" || a.IncidentTitle != "Orders API 5xx after deploy 4.12" {
			t.Errorf("%s: incident %+v", name, a)
		}
	}
	if _, err := ReadActions([]byte("# Postmortem: x\n\nNo table.\n")); !errors.Is(err, ErrNoActionItems) {
		t.Errorf("a draft without the table: %v", err)
	}
	if _, err := ReadActions([]byte(`{"schema": "something/v9"}`)); err == nil {
		t.Error("a JSON file of another schema was read")
	}
}

func actionsOut(t *testing.T, format string) (string, Actions) {
	t.Helper()
	a, err := ReadActions([]byte(renderJSON(t, actionsDraft(t))))
	if err != nil {
		t.Fatal(err)
	}
	a.Draft = "postmortems/2026-03-05-4242-orders-api-5xx-after-deploy-4-12.md"
	var b bytes.Buffer
	if err := WriteActions(&b, a, format); err != nil {
		t.Fatal(err)
	}
	return b.String(), a
}

// The CSV parses back, one row per item, in the columns the README names.
func TestActionsCSV(t *testing.T) {
	out, _ := actionsOut(t, "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, out)
	}
	if !slices.Equal(recs[0], CSVColumns) || len(recs) != 4 {
		t.Fatalf("header %q, %d records", recs[0], len(recs))
	}
	first := recs[1]
	if first[0] != "Add a canary stage to orders-api deploys" || first[2] != "Task" || first[3] != "postmortem" || first[4] != "prevent" ||
		first[5] != "Ravi Kumar" || first[6] != "2026-03-19" || first[7] != "Done" || first[8] != "https://jira.example.com/browse/OPS-42" {
		t.Errorf("first row = %q", first)
	}
	for _, want := range []string{"incident #4242", "https://acme.pagerduty.com/incidents/Q2ORDERS", "Postmortem draft: postmortems/2026-03-05-4242"} {
		if !strings.Contains(first[1], want) {
			t.Errorf("description %q lacks %q", first[1], want)
		}
	}
	// A spreadsheet must not read the hostile title as a formula.
	if got := recs[3][0]; got != "'"+hostileTitle {
		t.Errorf("hostile title = %q", got)
	}
	if recs[2][5] != "" || recs[2][6] != "" || recs[2][7] != "To Do" {
		t.Errorf("an item without owner and due = %q", recs[2])
	}
}

func TestActionsJSONL(t *testing.T) {
	out, _ := actionsOut(t, "jsonl")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	var got struct {
		Title, Ticket, State, Draft string
		IncidentNumber              int `json:"incident_number"`
	}
	if err := json.Unmarshal([]byte(lines[2]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != hostileTitle || got.IncidentNumber != 4242 || !strings.HasPrefix(got.Draft, "postmortems/") {
		t.Errorf("line 3 = %+v", got)
	}
}

// The gh script, run with a stand-in gh on PATH, passes each title, body
// and label as one argument, creates nothing for done or ticketed items,
// and runs nothing hidden in a title.
func TestActionsGHScript(t *testing.T) {
	out, _ := actionsOut(t, "gh")
	if !strings.HasPrefix(out, "#!/bin/sh\n") || !strings.Contains(out, "Nothing has been created") {
		t.Errorf("script header:\n%s", out)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the script with")
	}
	dir := t.TempDir()
	fake := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$GH_ARGS\"\nprintf '\\n\\0' >> \"$GH_ARGS\"\n"
	if err := os.WriteFile(filepath.Join(dir, "gh"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "issues.sh")
	os.WriteFile(script, []byte(out), 0o644)
	cmd := exec.Command(sh, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "GH_ARGS="+filepath.Join(dir, "args"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script failed: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("the script ran a command hidden in a title")
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "args"))
	var calls [][]string
	var cur []string
	for _, a := range strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00") {
		if a == "\n" {
			calls, cur = append(calls, cur), nil
			continue
		}
		cur = append(cur, a)
	}
	if len(calls) != 2 {
		t.Fatalf("%d gh calls, want 2 (the done item is skipped): %q", len(calls), calls)
	}
	want := []string{"issue", "create", "--title=Investigate why the 4.12 tests passed"}
	if !slices.Equal(calls[0][:3], want) || !slices.Contains(calls[0], "--label=postmortem") || !slices.Contains(calls[0], "--label=process") {
		t.Errorf("first call %q", calls[0])
	}
	if calls[1][2] != "--title="+hostileTitle || !strings.Contains(calls[1][3], "\nIncident: https://acme.pagerduty.com/incidents/Q2ORDERS") {
		t.Errorf("second call %q", calls[1])
	}
}

func TestActionsMarkdownChecklist(t *testing.T) {
	out, _ := actionsOut(t, "md")
	for _, want := range []string{
		"Follow-ups of incident #4242: Orders API 5xx after deploy 4.12 (<https://acme.pagerduty.com/incidents/Q2ORDERS>)\n\n",
		"- [x] Add a canary stage to orders-api deploys (prevent; owner: Ravi Kumar; due: 2026-03-19) <https://jira.example.com/browse/OPS-42>\n",
		"- [ ] Investigate why the 4.12 tests passed (process; owner: none; due: none)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("checklist lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n- [") != 3 {
		t.Errorf("want 3 items:\n%s", out)
	}
	var b bytes.Buffer
	if err := WriteActions(&b, Actions{}, "xml"); err == nil {
		t.Error("an unknown format was accepted")
	}
}
