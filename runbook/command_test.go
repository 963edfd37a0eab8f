package runbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const commandsDoc = `---
id: acq
title: Acquirer down
services: [payments]
owners: [pay]
last_reviewed: 2026-11-01
post_output: false
---
## Diagnosis
- [ ] Is the acquirer up?
` + "```sh oncall:read timeout=30s name=check-acquirer" + `
curl -sf "$ACQ_URL/health"
` + "```" + `
` + "```sh" + `
echo unmarked
` + "```" + `

## Mitigation
` + "```bash {.wide} oncall:write" + `
kubectl rollout restart deploy/gw
` + "```" + `
- [ ] Fail over
` + "```json" + `
{"not": "a command"}
` + "```" + `
` + "```oncall:read" + `
uptime
` + "```"

func TestCommandInfoString(t *testing.T) {
	rb, diags := Parse("acq.md", []byte(commandsDoc))
	if rb == nil {
		t.Fatalf("not parsed: %v", diags)
	}
	if rb.PostOutput == nil || *rb.PostOutput {
		t.Errorf("post_output: false read as %v", rb.PostOutput)
	}
	var cmds []Step
	var items = map[string]string{}
	for _, s := range rb.Steps {
		if s.Kind == Command {
			cmds = append(cmds, s)
		} else {
			items[s.Key] = s.Text
		}
	}
	type want struct {
		mode    string
		marked  bool
		timeout time.Duration
		name    string
		of      string // the item's text
		run     bool
	}
	wants := []want{
		{ModeRead, true, 30 * time.Second, "check-acquirer", "Is the acquirer up?", true},
		{ModeWrite, false, DefaultTimeout, "", "Is the acquirer up?", true},
		{ModeWrite, true, DefaultTimeout, "", "", true}, // a heading ends the item's reach
		{ModeWrite, false, DefaultTimeout, "", "Fail over", false},
		{ModeRead, true, DefaultTimeout, "", "Fail over", true},
	}
	if len(cmds) != len(wants) {
		t.Fatalf("%d commands, want %d", len(cmds), len(wants))
	}
	for i, w := range wants {
		c := cmds[i]
		got := want{c.Mode, c.Marked, c.RunTimeout(), c.Name, items[c.Of], c.Runnable()}
		if got != w {
			t.Errorf("command %d (line %d):\n got %+v\nwant %+v", i+1, c.Line, got, w)
		}
	}
	if s, ok := rb.Command("check-acquirer"); !ok || s.Key != cmds[0].Key {
		t.Errorf("by name: %v %v", s.Key, ok)
	}
	if s, ok := rb.Command("3"); !ok || s.Key != cmds[2].Key {
		t.Errorf("by number: %v %v", s.Key, ok)
	}
	if s, ok := rb.Command(strings.TrimPrefix(cmds[1].Key, "acq/")); !ok || s.Key != cmds[1].Key {
		t.Errorf("by key: %v %v", s.Key, ok)
	}
	if s, ok := rb.Command("4"); !ok || s.Key != cmds[4].Key {
		t.Errorf("the json block is not counted: 4 is %v %v", s.Key, ok)
	}
	if _, ok := rb.Command("5"); ok {
		t.Error("5 commands found; the json block is not one")
	}
}

func TestCommandInfoErrors(t *testing.T) {
	head := "---\nid: x\ntitle: X\n---\n## Steps\n"
	for _, c := range []struct{ info, want string }{
		{"sh oncall:exec", `6: unknown command mode "oncall:exec"`},
		{"sh oncall:read timeout=forever", `6: timeout "forever" is not a duration`},
		{"sh oncall:read timeout=11m", `6: timeout 11m0s is outside 1s to 10m0s`},
		{"sh oncall:read timeout=0s", `6: timeout 0s is outside`},
		{"sh oncall:read retries=3", `6: unknown command attribute "retries"`},
		{"sh oncall:read fast", `6: "fast" after oncall:read: attributes are key=value`},
		{"sh oncall:write name=-bad", `6: name "-bad" must be`},
	} {
		doc := head + "```" + c.info + "\nls\n```\n"
		rb, diags := Parse("x.md", []byte(doc))
		if rb != nil || len(diags) == 0 || !strings.Contains(diags[0].String(), "x.md:"+c.want) {
			t.Errorf("%q: %v, want an error %q", c.info, diags, c.want)
		}
	}
	doc := head + "```sh oncall:read name=a\nls\n```\n```sh oncall:read name=a\npwd\n```\n"
	if rb, diags := Parse("x.md", []byte(doc)); rb != nil || len(diags) != 1 || diags[0].String() != `x.md:9: command name "a" is already used on line 6` {
		t.Errorf("duplicate names: %v", diags)
	}
	doc = "---\nid: x\ntitle: X\npost_output: maybe\n---\n"
	if rb, diags := Parse("x.md", []byte(doc)); rb != nil || len(diags) == 0 || diags[0].String() != "x.md:4: post_output must be true or false" {
		t.Errorf("post_output maybe: %v", diags)
	}
}

func TestLintWarnsUnmarkedDiagnosis(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acq.md"), []byte(commandsDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	diags, _, err := Lint(dir, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		if strings.Contains(d.Message, "oncall:") {
			got = append(got, d.String())
		}
	}
	want := filepath.Join(dir, "acq.md") + `:14: warning: command in "Diagnosis" has no oncall: mode and counts as write; mark it ` + "```sh oncall:read if it changes nothing"
	if len(got) != 1 || got[0] != want {
		t.Errorf("lint:\n got %q\nwant [%q]", got, want)
	}
}
