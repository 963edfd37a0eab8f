package postmortem

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/redact"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbook/run"
	"github.com/oncallkit/oncall/store"
)

// TestCommandsSection runs real commands through the journaled runner and
// renders what the journal holds: the runs, how they ended, their masked
// excerpts and links to their output files; a run without a result is
// interrupted; no secret reaches the draft.
func TestCommandsSection(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	doc := "---\nid: acq\ntitle: A\n---\n" +
		"```sh oncall:read name=probe\nprintf 'token %s\\n' \"$PROBE_TOKEN\"; printf 'password=hunter22\\n'; exit 3\n```\n" +
		"```sh oncall:read\necho '| not `a` table <b>x</b> |'\n```\n"
	rb, diags := runbook.Parse("acq.md", []byte(doc))
	if rb == nil {
		t.Fatal(diags)
	}
	env := append(os.Environ(), "PROBE_TOKEN=tok-probe-98765")
	r, err := redact.New(redact.Config{Environ: env, Patterns: []string{`password=\S+`}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, which := range []string{"probe", "2"} {
		step, _ := rb.Command(which)
		job := run.Job{IncidentID: "PINC", Runbook: rb, Step: step, Actor: "Alex", Host: "laptop", OutputDir: filepath.Join(dir, "output"),
			Spec: run.Spec{Env: env, Redactor: r}}
		if _, err := job.Run(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	intent, err := incident.NewCommand("acq", "acq/x", "", "kubectl rollout restart deploy/gw", incident.ModeWrite, "laptop", "run-killed")
	if err != nil {
		t.Fatal(err)
	}
	intent.Actor = "Sam"
	if _, err := st.Append("PINC", intent); err != nil {
		t.Fatal(err)
	}
	events, err := st.Events("PINC")
	if err != nil {
		t.Fatal(err)
	}
	md := CommandsSection(events)
	t.Log(md)
	for _, secret := range []string{"tok-probe-98765", "hunter22"} {
		if strings.Contains(md, secret) {
			t.Errorf("the draft shows %q", secret)
		}
	}
	for _, want := range []string{
		"## Commands run\n",
		"(runbook acq, step probe), run by Alex on laptop: **failed**, exit 3, ",
		"  ```\n  token [redacted]\n  [redacted]\n  ```\n",
		"run by Alex on laptop: **ok**, ",
		"  ```\n  | not `a` table <b>x</b> |\n  ```\n",
		"`kubectl rollout restart deploy/gw` (runbook acq), run by Sam on laptop: **interrupted**.\n  No result was recorded",
		"Full output: [",
		".log](<file://" + filepath.Join(dir, "output", "PINC") + "/",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q", want)
		}
	}
	if strings.Count(md, "\n- ") != 3 {
		t.Errorf("want three runs listed")
	}
	if CommandsSection(events[:0]) != "" {
		t.Error("a timeline without commands has a section")
	}

	// The same runs through the draft's section hook: HTML escaped, JSON
	// typed, and still no secret.
	sec, ok := CommandsRun(events)
	if !ok || sec.Title != "Commands run" || sec.Key != "commands_run" {
		t.Fatalf("section %+v", sec)
	}
	js, err := json.Marshal(sec.Value)
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"html": sec.HTML, "json": string(js)} {
		for _, secret := range []string{"tok-probe-98765", "hunter22"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows %q", where, secret)
			}
		}
	}
	if strings.Contains(sec.HTML, "<b>") || !strings.Contains(sec.HTML, "&lt;b&gt;x&lt;/b&gt;") || !strings.Contains(sec.HTML, "<strong>interrupted</strong>") {
		t.Errorf("html not escaped or incomplete:\n%s", sec.HTML)
	}
	var entries []map[string]any
	if err := json.Unmarshal(js, &entries); err != nil || len(entries) != 3 || entries[0]["exit_code"] != float64(3) || entries[2]["status"] != "interrupted" || entries[2]["exit_code"] != nil {
		t.Errorf("json %s", js)
	}
}
